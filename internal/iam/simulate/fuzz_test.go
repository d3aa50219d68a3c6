package simulate

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzCLIInput feeds arbitrary --cli-input-json text to the command. It must
// never panic and must always end with one of the CLI's exit statuses, with
// output on exactly one of the two streams.
func FuzzCLIInput(f *testing.F) {
	f.Add(minimalInput)
	f.Add(`{"PolicyInputList":["{}"],"ActionNames":["s3:x"],"ContextEntries":[{"ContextKeyName":"aws:SourceIp","ContextKeyValues":["1.2.3.4"],"ContextKeyType":"ipList"}],"MaxItems":1,"Marker":"0"}`)
	f.Add(`{"PolicyInputList":[],"ActionNames":[],"ResourceArns":["*"],"ResourcePolicy":"x","CallerArn":"arn:aws:iam::111122223333:role/r","ResourceOwner":"arn:aws:iam::444455556666:root"}`)
	f.Add(`{"PolicyInputList":[1,null,{}],"ActionNames":"s3:x","MaxItems":1.5,"ContextEntries":[null,{"X":1}]}`)
	f.Fuzz(func(t *testing.T, input string) {
		var stdout, stderr bytes.Buffer
		code := Main([]string{"--cli-input-json", input}, strings.NewReader(""), &stdout, &stderr)
		switch code {
		case 0:
			if stderr.Len() != 0 || !strings.HasPrefix(stdout.String(), "{\n") {
				t.Fatalf("success with stderr %q stdout %q", stderr.String(), stdout.String())
			}
		case 252, 254:
			if stdout.Len() != 0 || stderr.Len() == 0 {
				t.Fatalf("failure %d with stdout %q stderr %q", code, stdout.String(), stderr.String())
			}
		default:
			t.Fatalf("unexpected exit status %d", code)
		}
	})
}
