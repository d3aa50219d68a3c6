package simulate

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The CLI's own flags give what --cli-input-json gives for the same
// request: policies (file:// too), several actions and resources, the
// resource policy, owner and caller, context entries in shorthand and
// JSON, the handling option and --max-items.
func TestCLIFlagsMatchCLIInputJSON(t *testing.T) {
	dir := t.TempDir()
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/team":["a","b"]}}}]}`
	boundary := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
	resource := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`
	file := filepath.Join(dir, "policy.json")
	if err := os.WriteFile(file, []byte(policy), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := Main(args, strings.NewReader(""), &out, &errb)
		return code, out.String(), errb.String()
	}
	ctxJSON := `[{"ContextKeyName":"aws:RequestTag/team","ContextKeyValues":["a","b"],"ContextKeyType":"stringList"}]`
	input := `{"PolicyInputList":[` + quoteJSON(policy) + `],"PermissionsBoundaryPolicyInputList":[` + quoteJSON(boundary) + `],` +
		`"ActionNames":["s3:GetObject","s3:PutObject"],"ResourceArns":["arn:aws:s3:::b/k"],"ResourcePolicy":` + quoteJSON(resource) + `,` +
		`"ResourceOwner":"arn:aws:iam::111122223333:root","CallerArn":"arn:aws:iam::111122223333:user/alice","ContextEntries":` + ctxJSON + `}`
	wantCode, want, wantErr := run("--cli-input-json", input)
	if wantCode != 0 {
		t.Fatalf("--cli-input-json: %d %s", wantCode, wantErr)
	}
	common := []string{
		"--permissions-boundary-policy-input-list", boundary,
		"--action-names", "s3:GetObject", "s3:PutObject",
		"--resource-arns", "arn:aws:s3:::b/k",
		"--resource-policy", resource,
		"--resource-owner", "arn:aws:iam::111122223333:root",
		"--caller-arn", "arn:aws:iam::111122223333:user/alice",
	}
	cases := map[string][]string{
		"shorthand": append([]string{"--policy-input-list", "file://" + file, "--context-entries", "ContextKeyName=aws:RequestTag/team,ContextKeyValues=a,b,ContextKeyType=stringList"}, common...),
		"json":      append([]string{"--policy-input-list=" + policy, "--context-entries", ctxJSON, "--output", "json"}, common...),
	}
	for name, args := range cases {
		code, got, errs := run(args...)
		if code != 0 || got != want {
			t.Errorf("%s: exit %d %s\ngot:\n%s\nwant:\n%s", name, code, errs, got, want)
		}
	}
	// --resource-handling-option and --max-items reach the request.
	code, got, errs := run(append([]string{"--policy-input-list", policy, "--resource-handling-option", "EC2-VPC-InstanceStore", "--max-items", "1"}, common...)...)
	if code != 0 || !strings.Contains(got, `"IsTruncated": true`) {
		t.Errorf("--max-items 1: exit %d %s\n%s", code, errs, got)
	}
	if code, _, errs := run("--action-names"); code == 0 || !strings.Contains(errs, "expected at least one argument") {
		t.Errorf("--action-names without a value: %d %s", code, errs)
	}
	if code, _, errs := run("--policy-input-list", "file://"+filepath.Join(dir, "missing.json"), "--action-names", "s3:GetObject"); code == 0 || !strings.Contains(errs, "policy-input-list") {
		t.Errorf("a missing file: %d %s", code, errs)
	}
}

func quoteJSON(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		if r == '"' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}
