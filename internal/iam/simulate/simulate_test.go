package simulate

import (
	"strings"
	"testing"
)

const allowS3 = `{"Version":"2012-10-17","Statement":{"Sid":"S3","Effect":"Allow","Action":"s3:*","Resource":"*"}}`

// The server's SimulatePrincipalPolicy names a principal's policies by name
// and type; the core reports whatever IDs it is given.
func TestPrincipalPolicyNaming(t *testing.T) {
	out, err := Simulate(&Request{
		Identity:    []PolicyInput{{ID: "S3Access", Type: "user", Document: allowS3}},
		CallerArn:   "arn:aws:iam::111122223333:user/alice",
		ActionNames: []string{"s3:GetObject"},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := out.EvaluationResults[0]
	if r.EvalDecision != "allowed" || len(r.MatchedStatements) != 1 || r.MatchedStatements[0].SourcePolicyId != "S3Access" || r.MatchedStatements[0].SourcePolicyType != "user" {
		t.Fatalf("unexpected result %+v", r)
	}
}

func TestPagination(t *testing.T) {
	r := &Request{Identity: []PolicyInput{{ID: "p", Document: allowS3}}, ActionNames: []string{"s3:A", "s3:B", "s3:C"}, MaxItems: 2}
	first, err := Simulate(r)
	if err != nil {
		t.Fatal(err)
	}
	if !first.IsTruncated || len(first.EvaluationResults) != 2 || first.Marker == "" {
		t.Fatalf("first page = %+v", first)
	}
	r.Marker = first.Marker
	second, err := Simulate(r)
	if err != nil {
		t.Fatal(err)
	}
	if second.IsTruncated || len(second.EvaluationResults) != 1 || second.EvaluationResults[0].EvalActionName != "s3:C" {
		t.Fatalf("second page = %+v", second)
	}
	r.Marker = "not-a-marker"
	if _, err := Simulate(r); err == nil || err.(*Error).Code != "InvalidInput" {
		t.Errorf("bad marker: %v", err)
	}
}

func TestResourceTemplates(t *testing.T) {
	comp := "arn:aws:imagebuilder:us-east-1:111122223333:component/x/1.0.0/1"
	if got := ImagebuilderResourceTemplate("imagebuilder:GetComponent", []string{comp}); !strings.HasSuffix(got, ":component/${ComponentName}/${ComponentVersion}/${ComponentBuildVersion}") {
		t.Errorf("GetComponent template = %s", got)
	}
	if got := ImagebuilderResourceTemplate("imagebuilder:TagResource", []string{"arn:aws:imagebuilder:us-east-1:111122223333:image-pipeline/p"}); !strings.HasSuffix(got, ":image-pipeline/${ImagePipelineName}") {
		t.Errorf("TagResource on a pipeline = %s", got)
	}
	if got := ImagebuilderResourceTemplate("imagebuilder:ListComponents", []string{comp}); got != "*" {
		t.Errorf("an action without resource types = %s, want *", got)
	}
	if got := ImagebuilderResourceTemplate("s3:GetObject", []string{"arn:aws:s3:::b/k"}); got != "*" {
		t.Errorf("another service = %s, want *", got)
	}
	out, err := Simulate(&Request{Identity: []PolicyInput{{ID: "p", Document: allowS3}}, ActionNames: []string{"s3:GetObject"},
		ResourceArns: []string{"arn:aws:s3:::b/k"}, ResourceTemplate: func(string, []string) string { return "arn:${Partition}:s3:::${BucketName}/${ObjectName}" }})
	if err != nil || out.EvaluationResults[0].EvalResourceName != "arn:${Partition}:s3:::${BucketName}/${ObjectName}" {
		t.Errorf("custom template: %v %+v", err, out)
	}
}

func TestAggregateDecision(t *testing.T) {
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::secret/*"}]}`
	out, err := Simulate(&Request{Identity: []PolicyInput{{ID: "p", Type: TypeIAMPolicy, Document: doc}}, ActionNames: []string{"s3:GetObject"},
		ResourceArns: []string{"arn:aws:s3:::open/k", "arn:aws:s3:::secret/k"}})
	if err != nil {
		t.Fatal(err)
	}
	r := out.EvaluationResults[0]
	if r.EvalDecision != "explicitDeny" || len(r.ResourceSpecificResults) != 2 ||
		r.ResourceSpecificResults[0].EvalResourceDecision != "allowed" || r.ResourceSpecificResults[1].EvalResourceDecision != "explicitDeny" {
		t.Fatalf("unexpected %+v", r)
	}
	if len(r.MatchedStatements) != 1 || r.MatchedStatements[0].StartPosition.Column != 88 {
		t.Errorf("top-level statements should be the deny only: %+v", r.MatchedStatements)
	}
	if r.EvalDecisionDetails == nil || len(r.EvalDecisionDetails) != 0 {
		t.Errorf("same-account simulation of resources should carry an empty EvalDecisionDetails, got %v", r.EvalDecisionDetails)
	}
}

func TestInvalidInputs(t *testing.T) {
	cases := []struct {
		name string
		req  Request
		code string
	}{
		{"no actions", Request{Identity: []PolicyInput{{Document: allowS3}}}, "InvalidInput"},
		{"bad action", Request{Identity: []PolicyInput{{Document: allowS3}}, ActionNames: []string{"GetObject"}}, "InvalidInput"},
		{"two boundaries", Request{Identity: []PolicyInput{{Document: allowS3}}, ActionNames: []string{"s3:GetObject"}, Boundary: []PolicyInput{{Document: allowS3}, {Document: allowS3}}}, "InvalidInput"},
		{"assumed role caller", Request{Identity: []PolicyInput{{Document: allowS3}}, ActionNames: []string{"s3:GetObject"}, CallerArn: "arn:aws:sts::111122223333:assumed-role/r/s"}, "InvalidInput"},
		{"bad owner", Request{Identity: []PolicyInput{{Document: allowS3}}, ActionNames: []string{"s3:GetObject"}, ResourceOwner: "111122223333"}, "InvalidInput"},
		{"bad handling option", Request{Identity: []PolicyInput{{Document: allowS3}}, ActionNames: []string{"s3:GetObject"}, ResourceHandlingOption: "EC2-Other"}, "InvalidInput"},
		{"bad context type", Request{Identity: []PolicyInput{{Document: allowS3}}, ActionNames: []string{"s3:GetObject"}, ContextEntries: []ContextEntry{{ContextKeyName: "aws:x", ContextKeyType: "integer", ContextKeyValues: []string{"1"}}}}, "InvalidInput"},
		{"several values for a single type", Request{Identity: []PolicyInput{{Document: allowS3}}, ActionNames: []string{"s3:GetObject"}, ContextEntries: []ContextEntry{{ContextKeyName: "aws:x", ContextKeyType: "string", ContextKeyValues: []string{"1", "2"}}}}, "InvalidInput"},
		{"malformed boundary", Request{Identity: []PolicyInput{{Document: allowS3}}, ActionNames: []string{"s3:GetObject"}, Boundary: []PolicyInput{{Document: `{"Statement":{}}`}}}, "MalformedPolicyDocument"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Simulate(&c.req)
			e, ok := err.(*Error)
			if !ok || e.Code != c.code {
				t.Fatalf("error = %v, want code %s", err, c.code)
			}
		})
	}
}

func TestFormatMatches(t *testing.T) {
	f := "arn:${Partition}:imagebuilder:${Region}:${Account}:image/${ImageName}/${ImageVersion}/*"
	if !formatMatches(f, "arn:aws:imagebuilder:us-east-1:111122223333:image/app/1.0.0/*") {
		t.Error("wildcard format did not match")
	}
	if formatMatches(f, "arn:aws:imagebuilder:us-east-1:111122223333:component/app/1.0.0/1") {
		t.Error("component matched the image format")
	}
	if formatMatches("arn:${Partition}:imagebuilder:${Region}:${Account}:image-pipeline/${Name}", "arn:aws:imagebuilder:us-east-1:111122223333:image-pipeline/a/b") {
		t.Error("a placeholder matched across '/'")
	}
}

// The resource policy is read as a KMS key policy only for the resources that
// are KMS keys: in one simulation the same policy leaves the identity-based
// policy effective on an alias but not on a key.
func TestKeyPolicyAppliesToKeysOnly(t *testing.T) {
	key := "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	alias := "arn:aws:kms:us-east-1:111122223333:alias/app"
	carolOnly := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/carol"},"Action":"kms:*","Resource":"*"}]}`
	out, err := Simulate(&Request{
		Identity:       []PolicyInput{{ID: "p", Document: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"kms:*","Resource":"*"}}`}},
		ResourcePolicy: &PolicyInput{ID: "ResourcePolicy", Type: TypeResourcePolicy, Document: carolOnly},
		CallerArn:      "arn:aws:iam::111122223333:user/alice",
		ActionNames:    []string{"kms:DescribeKey"},
		ResourceArns:   []string{alias, key, "arn:aws:kms:us-east-1:111122223333:key/"},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range out.EvaluationResults[0].ResourceSpecificResults {
		got[r.EvalResourceName] = r.EvalResourceDecision
	}
	if got[alias] != "allowed" || got[key] != "implicitDeny" || got["arn:aws:kms:us-east-1:111122223333:key/"] != "allowed" {
		t.Errorf("decisions = %v; want the alias and the malformed key ARN allowed by the identity policy, the key denied by its key policy", got)
	}
}
