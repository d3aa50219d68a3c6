package emulator_test

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/internal/wire/restjson"
)

// Every test of this package checks every remembered encoding of a frozen
// message (GetComponent's and GetWorkflow's records, see restjson.Freeze)
// against a fresh encoding as it is used: a difference panics, which the
// server answers as a 500 and the test sees. Benchmarks run without the
// check, which would double the encoding work they measure.
func init() {
	for _, a := range os.Args[1:] {
		if strings.HasPrefix(a, "-test.bench") {
			return
		}
	}
	restjson.VerifyMemo(true)
}

// bodyRecorder keeps the raw response bodies a client receives.
type bodyRecorder struct {
	next   http.RoundTripper
	mu     sync.Mutex
	bodies [][]byte
}

func (b *bodyRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := b.next.RoundTrip(r)
	if err != nil {
		return res, err
	}
	body, err := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if err != nil {
		return nil, err
	}
	res.Body = io.NopCloser(bytes.NewReader(body))
	b.mu.Lock()
	b.bodies = append(b.bodies, body)
	b.mu.Unlock()
	return res, nil
}

func (b *bodyRecorder) last() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.bodies[len(b.bodies)-1])
}

var requestIDMember = regexp.MustCompile(`"requestId":"[^"]*"`)

// TestGetComponentAnswersFromMemoMatchFresh: GetComponent's answers, whose
// component is encoded once and remembered, are byte for byte the answers
// of a fresh encoding (the request id apart), before and after each kind of
// write, and always show the current record.
func TestGetComponentAnswersFromMemoMatchFresh(t *testing.T) {
	ctx := testContext(t)
	emu, root := startClient(t)
	rec := &bodyRecorder{next: emulator.ReaderOnlyBodies{Next: http.DefaultTransport.(*http.Transport).Clone()}}
	reader := newIB(emu.AWSConfig(accountA), func(o *imagebuilder.Options) {
		o.RetryMaxAttempts = 1
		o.HTTPClient = &http.Client{Transport: rec}
	})

	data := "# \"quoted\" \\ back\\slash, tab\t, é, \U0001F600\n" + linuxDoc("memo")
	created, err := root.CreateComponent(ctx, &imagebuilder.CreateComponentInput{
		Name: aws.String("memo"), SemanticVersion: aws.String("1.0.0"), Platform: types.PlatformLinux,
		Description: aws.String("a \"memo\" <test> \u2028"), Data: aws.String(data), Tags: map[string]string{"team": "blue", "b": "2"},
	})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(created.ComponentBuildVersionArn)

	// get asks three times: the first answer may encode the record, the
	// later ones come from the memo; all three must be the same bytes.
	get := func(step, name string) *imagebuilder.GetComponentOutput {
		t.Helper()
		var first string
		var out *imagebuilder.GetComponentOutput
		for i := range 3 {
			var err error
			out, err = reader.GetComponent(ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(name)})
			if err != nil {
				t.Fatalf("%s: GetComponent: %v", step, err)
			}
			body := requestIDMember.ReplaceAllString(rec.last(), `"requestId":"-"`)
			if i == 0 {
				first = body
			} else if body != first {
				t.Fatalf("%s: answer %d differs from the first:\n%s\n%s", step, i, body, first)
			}
		}
		if restjson.MemoLen() == 0 {
			t.Fatalf("%s: nothing remembered", step)
		}
		return out
	}

	out := get("created", arn)
	if aws.ToString(out.Component.Data) != data || out.Component.Tags["team"] != "blue" {
		t.Fatalf("created: %+v", out.Component)
	}
	if _, err := root.TagResource(ctx, &imagebuilder.TagResourceInput{ResourceArn: aws.String(arn), Tags: map[string]string{"env": "prod"}}); err != nil {
		t.Fatal(err)
	}
	if out := get("tagged", arn); out.Component.Tags["env"] != "prod" {
		t.Fatalf("tagged: tags %v", out.Component.Tags)
	}
	if _, err := root.UntagResource(ctx, &imagebuilder.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"env", "team"}}); err != nil {
		t.Fatal(err)
	}
	if out := get("untagged", arn); len(out.Component.Tags) != 1 || out.Component.Tags["b"] != "2" {
		t.Fatalf("untagged: tags %v", out.Component.Tags)
	}
	if _, err := root.CreateComponent(ctx, &imagebuilder.CreateComponentInput{
		Name: aws.String("memo"), SemanticVersion: aws.String("1.0.0"), Platform: types.PlatformLinux,
		Data: aws.String(linuxDoc("memo2")),
	}); err != nil {
		t.Fatal(err)
	}
	version := versionARN(accountA, "memo", "1.0.0")
	if out := get("new build", version); !strings.HasSuffix(aws.ToString(out.Component.Arn), "/1.0.0/2") {
		t.Fatalf("new build: the version names %s", aws.ToString(out.Component.Arn))
	}
	if out := get("first build again", arn); aws.ToString(out.Component.Data) != data {
		t.Fatalf("first build again: data %q", aws.ToString(out.Component.Data))
	}
	if _, err := root.DeleteComponent(ctx, &imagebuilder.DeleteComponentInput{ComponentBuildVersionArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	_, err = reader.GetComponent(ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(arn)})
	requireAPIError(t, err, "ResourceNotFoundException", 404)
}
