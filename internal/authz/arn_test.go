package authz

import (
	"strings"
	"testing"
)

// TestParseARNSplits: ParseARN splits as strings.SplitN(s, ":", 6) does,
// the resource keeping any further colons.
func TestParseARNSplits(t *testing.T) {
	for _, s := range []string{
		"arn:aws:imagebuilder:us-east-1:123456789012:component/x/1.0.0/1",
		"arn:aws:iam::123456789012:user/a",
		"arn:aws:s3:::bucket/key:with:colons",
		"arn:aws:logs:us-east-1:123456789012:log-group:/a:*",
		"arn:aws:sts::123456789012",
		"arn:aws::us-east-1:123456789012:x",
		"arn::iam::123456789012:user/a",
		"nar:aws:iam::123456789012:user/a",
		"arn:aws:iam:::",
		"", ":::::", "arn", "arn:aws:iam::123456789012:",
	} {
		p := strings.SplitN(s, ":", 6)
		wantOK := len(p) == 6 && p[0] == "arn" && p[1] != "" && p[2] != ""
		got, ok := ParseARN(s)
		if ok != wantOK {
			t.Errorf("ParseARN(%q) ok = %v, want %v", s, ok, wantOK)
			continue
		}
		if ok && (got != ARN{Partition: p[1], Service: p[2], Region: p[3], Account: p[4], Resource: p[5]}) {
			t.Errorf("ParseARN(%q) = %+v", s, got)
		}
	}
}
