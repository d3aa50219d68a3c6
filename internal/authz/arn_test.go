package authz

import (
	"strings"
	"testing"
)

// TestParseARNSplits: ParseARN splits as strings.SplitN(s, ":", 6) does,
// the resource keeping any further colons.
var arnSamples = []string{
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
	"arn:aws:iam::1", "arn:aws:iam:", "arn:aws:iam", "arn:aws:", "arn::", "arn:aws:iam:::x:y:z",
}

func TestParseARNSplits(t *testing.T) {
	for _, s := range arnSamples {
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

// TestARNServiceMatchesParse: arnService answers ParseARN's Service and ok.
func TestARNServiceMatchesParse(t *testing.T) {
	for _, s := range arnSamples {
		checkARNService(t, s)
	}
}

func FuzzARNServiceMatchesParse(f *testing.F) {
	for _, s := range arnSamples {
		f.Add(s)
	}
	f.Fuzz(checkARNService)
}

func checkARNService(t *testing.T, s string) {
	a, ok := ParseARN(s)
	svc, sok := arnService(s)
	if sok != ok || svc != a.Service {
		t.Errorf("arnService(%q) = %q, %v; ParseARN: %q, %v", s, svc, sok, a.Service, ok)
	}
}
