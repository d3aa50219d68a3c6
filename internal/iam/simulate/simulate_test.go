package simulate

import (
	"errors"
	"strings"
	"testing"

	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/iam/policy"
	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
)

const allowS3 = `{"Version":"2012-10-17","Statement":{"Sid":"S3","Effect":"Allow","Action":"s3:*","Resource":"*"}}`

func custom(actions []string, docs ...string) *iamv1.SimulateCustomPolicyRequest {
	return &iamv1.SimulateCustomPolicyRequest{PolicyInputList: docs, ActionNames: actions}
}

func requireCode(t *testing.T, err error, code string) {
	t.Helper()
	var e *awserr.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("error = %v, want code %s", err, code)
	}
}

// A principal's policies keep the names the IAM service gives them; the
// request's own come after them as PolicyInputList.N.
func TestPrincipalPolicyNaming(t *testing.T) {
	alice := &Principal{Kind: "user", ARN: "arn:aws:iam::111122223333:user/alice", Account: "111122223333", Name: "alice",
		Policies: []Policy{{ID: InlinePolicyID("user", "alice", "S3Access"), Type: TypeIAMPolicy, Attached: policy.Attached{Policy: policy.MustParse(allowS3, policy.KindIdentity)}}}}
	out, err := SimulatePrincipalPolicy(&iamv1.SimulatePrincipalPolicyRequest{
		PolicySourceArn: &alice.ARN, ActionNames: []string{"s3:GetObject"}, PolicyInputList: []string{allowS3},
	}, alice)
	if err != nil {
		t.Fatal(err)
	}
	r := out.EvaluationResults[0]
	if r.GetEvalDecision() != "allowed" || len(r.MatchedStatements) != 2 ||
		r.MatchedStatements[0].GetSourcePolicyId() != "user_alice_S3Access" || r.MatchedStatements[0].GetSourcePolicyType() != TypeIAMPolicy ||
		r.MatchedStatements[1].GetSourcePolicyId() != "PolicyInputList.1" {
		t.Fatalf("unexpected result %v", r)
	}
}

func TestPagination(t *testing.T) {
	r := custom([]string{"s3:A", "s3:B", "s3:C"}, allowS3)
	r.MaxItems = ptr(int32(2))
	first, err := SimulateCustomPolicy(r)
	if err != nil {
		t.Fatal(err)
	}
	if !first.GetIsTruncated() || len(first.EvaluationResults) != 2 || first.GetMarker() == "" {
		t.Fatalf("first page = %v", first)
	}
	r.Marker = first.Marker
	second, err := SimulateCustomPolicy(r)
	if err != nil {
		t.Fatal(err)
	}
	if second.IsTruncated == nil || second.GetIsTruncated() || len(second.EvaluationResults) != 1 || second.EvaluationResults[0].GetEvalActionName() != "s3:C" {
		t.Fatalf("second page = %v", second)
	}
	r.Marker = ptr("not-a-marker")
	_, err = SimulateCustomPolicy(r)
	requireCode(t, err, "InvalidInput")
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
}

// One resource is reported as itself at the top level (the Terraform AWS
// provider's acceptance test reads the resource's ARN from
// EvalResourceName); several by their ARN format.
func TestEvalResourceName(t *testing.T) {
	a := "arn:aws:imagebuilder:us-east-1:111122223333:component/a/1.0.0/1"
	b := "arn:aws:imagebuilder:us-east-1:111122223333:component/b/1.0.0/1"
	for _, c := range []struct {
		resources []string
		want      string
	}{{nil, "*"}, {[]string{a}, a}, {[]string{a, b}, "arn:${Partition}:imagebuilder:${Region}:${Account}:component/${ComponentName}/${ComponentVersion}/${ComponentBuildVersion}"}} {
		r := custom([]string{"imagebuilder:GetComponent"}, allowS3)
		r.ResourceArns = c.resources
		out, err := SimulateCustomPolicy(r)
		if err != nil {
			t.Fatal(err)
		}
		res := out.EvaluationResults[0]
		if res.GetEvalResourceName() != c.want || len(res.ResourceSpecificResults) != len(c.resources) {
			t.Errorf("%v: EvalResourceName %s with %d resource results, want %s", c.resources, res.GetEvalResourceName(), len(res.ResourceSpecificResults), c.want)
		}
	}
}

func TestAggregateDecision(t *testing.T) {
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::secret/*"}]}`
	r := custom([]string{"s3:GetObject"}, doc)
	r.ResourceArns = []string{"arn:aws:s3:::open/k", "arn:aws:s3:::secret/k"}
	out, err := SimulateCustomPolicy(r)
	if err != nil {
		t.Fatal(err)
	}
	res := out.EvaluationResults[0]
	if res.GetEvalDecision() != "explicitDeny" || len(res.ResourceSpecificResults) != 2 ||
		res.ResourceSpecificResults[0].GetEvalResourceDecision() != "allowed" || res.ResourceSpecificResults[1].GetEvalResourceDecision() != "explicitDeny" {
		t.Fatalf("unexpected %v", res)
	}
	if len(res.MatchedStatements) != 1 || res.MatchedStatements[0].GetStartPosition().GetColumn() != 88 {
		t.Errorf("top-level statements should be the deny only: %v", res.MatchedStatements)
	}
	if len(res.EvalDecisionDetails) != 0 {
		t.Errorf("same-account simulation of resources should carry an empty EvalDecisionDetails, got %v", res.EvalDecisionDetails)
	}
}

func TestInvalidInputs(t *testing.T) {
	base := func(edit func(*iamv1.SimulateCustomPolicyRequest)) *iamv1.SimulateCustomPolicyRequest {
		r := custom([]string{"s3:GetObject"}, allowS3)
		edit(r)
		return r
	}
	entry := func(name, typ string, values ...string) []*iamv1.ContextEntry {
		return []*iamv1.ContextEntry{{ContextKeyName: &name, ContextKeyType: &typ, ContextKeyValues: values}}
	}
	cases := []struct {
		name string
		req  *iamv1.SimulateCustomPolicyRequest
		code string
	}{
		{"no actions", base(func(r *iamv1.SimulateCustomPolicyRequest) { r.ActionNames = nil }), "InvalidInput"},
		{"bad action", base(func(r *iamv1.SimulateCustomPolicyRequest) { r.ActionNames = []string{"GetObject"} }), "InvalidInput"},
		{"two boundaries", base(func(r *iamv1.SimulateCustomPolicyRequest) {
			r.PermissionsBoundaryPolicyInputList = []string{allowS3, allowS3}
		}), "InvalidInput"},
		{"assumed role caller", base(func(r *iamv1.SimulateCustomPolicyRequest) {
			r.CallerArn = ptr("arn:aws:sts::111122223333:assumed-role/r/s")
		}), "InvalidInput"},
		{"bad owner", base(func(r *iamv1.SimulateCustomPolicyRequest) { r.ResourceOwner = ptr("111122223333") }), "InvalidInput"},
		{"bad handling option", base(func(r *iamv1.SimulateCustomPolicyRequest) { r.ResourceHandlingOption = ptr("EC2-Other") }), "InvalidInput"},
		{"bad context type", base(func(r *iamv1.SimulateCustomPolicyRequest) { r.ContextEntries = entry("aws:x", "integer", "1") }), "InvalidInput"},
		{"several values for a single type", base(func(r *iamv1.SimulateCustomPolicyRequest) { r.ContextEntries = entry("aws:x", "string", "1", "2") }), "InvalidInput"},
		{"malformed boundary", base(func(r *iamv1.SimulateCustomPolicyRequest) {
			r.PermissionsBoundaryPolicyInputList = []string{`{"Statement":{}}`}
		}), "MalformedPolicyDocument"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := SimulateCustomPolicy(c.req)
			requireCode(t, err, c.code)
		})
	}
	_, err := SimulatePrincipalPolicy(&iamv1.SimulatePrincipalPolicyRequest{ActionNames: []string{"s3:GetObject"}}, nil)
	requireCode(t, err, "InternalFailure")
}

// The resource policy needs a caller, which a user as PolicySourceArn
// supplies and a role or group does not.
func TestResourcePolicyCaller(t *testing.T) {
	rp := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"s3:GetObject","Resource":"*"}}`
	for _, c := range []struct {
		kind, arn, want string
	}{
		{"user", "arn:aws:iam::111122223333:user/alice", "allowed"},
		{"role", "arn:aws:iam::111122223333:role/r", "InvalidInput"},
		{"group", "arn:aws:iam::111122223333:group/g", "InvalidInput"},
	} {
		p := &Principal{Kind: c.kind, ARN: c.arn, Account: "111122223333", Name: c.arn[strings.LastIndexByte(c.arn, '/')+1:]}
		out, err := SimulatePrincipalPolicy(&iamv1.SimulatePrincipalPolicyRequest{PolicySourceArn: &c.arn, ActionNames: []string{"s3:GetObject"},
			ResourceArns: []string{"arn:aws:s3:::b/k"}, ResourcePolicy: &rp}, p)
		if c.want == "InvalidInput" {
			requireCode(t, err, c.want)
			continue
		}
		if err != nil || out.EvaluationResults[0].GetEvalDecision() != c.want {
			t.Errorf("%s: %v %v", c.kind, out, err)
		}
	}
}

// The request's boundary replaces the entity's own.
func TestBoundaryReplacesTheEntitys(t *testing.T) {
	denyAll := policy.MustParse(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:*","Resource":"*"}}`, policy.KindPermissionsBoundary)
	p := &Principal{Kind: "role", ARN: "arn:aws:iam::111122223333:role/r", Account: "111122223333", Name: "r",
		Policies: []Policy{{ID: "S3", Type: TypeIAMPolicy, Attached: policy.Attached{Policy: policy.MustParse(allowS3, policy.KindIdentity)}}},
		Boundary: &Policy{ID: "Ec2Only", Type: TypeIAMPolicy, Attached: policy.Attached{Policy: denyAll}}}
	req := &iamv1.SimulatePrincipalPolicyRequest{PolicySourceArn: &p.ARN, ActionNames: []string{"s3:GetObject"}}
	out, err := SimulatePrincipalPolicy(req, p)
	if err != nil || out.EvaluationResults[0].GetEvalDecision() != "implicitDeny" || out.EvaluationResults[0].GetPermissionsBoundaryDecisionDetail().GetAllowedByPermissionsBoundary() {
		t.Fatalf("with the entity's boundary: %v %v", out, err)
	}
	req.PermissionsBoundaryPolicyInputList = []string{allowS3}
	out, err = SimulatePrincipalPolicy(req, p)
	if err != nil || out.EvaluationResults[0].GetEvalDecision() != "allowed" || !out.EvaluationResults[0].GetPermissionsBoundaryDecisionDetail().GetAllowedByPermissionsBoundary() {
		t.Fatalf("with the request's boundary: %v %v", out, err)
	}
}

func TestContextKeys(t *testing.T) {
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}/*",
		"Condition":{"StringEquals":{"aws:ResourceTag/team":"${aws:PrincipalTag/team}"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`
	other := `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"AWS:SecureTransport":"false"},"StringEquals":{"AWS:USERNAME":"x"}}}}`
	out, err := ContextKeysForCustomPolicy(&iamv1.GetContextKeysForCustomPolicyRequest{PolicyInputList: []string{doc, other}})
	if err != nil {
		t.Fatal(err)
	}
	want := "AWS:SecureTransport aws:PrincipalTag/team aws:ResourceTag/team aws:SourceIp aws:username"
	if got := strings.Join(out.ContextKeyNames, " "); got != want {
		t.Errorf("keys = %s, want %s", got, want)
	}
	p := &Principal{Kind: "user", Boundary: &Policy{Attached: policy.Attached{Policy: policy.MustParse(
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}}}`, policy.KindPermissionsBoundary)}}}
	pout, err := ContextKeysForPrincipalPolicy(&iamv1.GetContextKeysForPrincipalPolicyRequest{PolicyInputList: []string{other}}, p)
	if err != nil || strings.Join(pout.ContextKeyNames, " ") != "AWS:SecureTransport AWS:USERNAME aws:RequestedRegion" {
		t.Errorf("principal keys = %v, %v", pout, err)
	}
	_, err = ContextKeysForCustomPolicy(&iamv1.GetContextKeysForCustomPolicyRequest{PolicyInputList: []string{`{"Statement":{}}`}})
	requireCode(t, err, "MalformedPolicyDocument")
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
	r := custom([]string{"kms:DescribeKey"}, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"kms:*","Resource":"*"}}`)
	r.ResourcePolicy, r.CallerArn = &carolOnly, ptr("arn:aws:iam::111122223333:user/alice")
	r.ResourceArns = []string{alias, key, "arn:aws:kms:us-east-1:111122223333:key/"}
	out, err := SimulateCustomPolicy(r)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, rs := range out.EvaluationResults[0].ResourceSpecificResults {
		got[rs.GetEvalResourceName()] = rs.GetEvalResourceDecision()
	}
	if got[alias] != "allowed" || got[key] != "implicitDeny" || got["arn:aws:kms:us-east-1:111122223333:key/"] != "allowed" {
		t.Errorf("decisions = %v; want the alias and the malformed key ARN allowed by the identity policy, the key denied by its key policy", got)
	}
}

// A Resource built from a policy variable the simulation does not supply
// cannot match, and the variable's key is reported missing — with a default
// or without (MissingContextValues: the keys the policies need and the
// request did not give).
func TestMissingResourceVariables(t *testing.T) {
	for _, resource := range []string{"arn:aws:iam::*:user/${aws:username}", "arn:aws:iam::*:user/${aws:username, 'nobody'}"} {
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"` + resource + `"}]}`
		r := custom([]string{"iam:GetUser"}, doc)
		r.ResourceArns = []string{"arn:aws:iam::111122223333:user/alice"}
		out, err := SimulateCustomPolicy(r)
		if err != nil {
			t.Fatal(err)
		}
		res := out.EvaluationResults[0]
		if res.GetEvalDecision() != "implicitDeny" || strings.Join(res.MissingContextValues, ",") != "aws:username" {
			t.Errorf("%s: %s, missing %v; want implicitDeny missing aws:username", resource, res.GetEvalDecision(), res.MissingContextValues)
		}
		r.ContextEntries = []*iamv1.ContextEntry{{ContextKeyName: ptr("aws:username"), ContextKeyType: ptr("string"), ContextKeyValues: []string{"alice"}}}
		out, err = SimulateCustomPolicy(r)
		if err != nil {
			t.Fatal(err)
		}
		if res := out.EvaluationResults[0]; res.GetEvalDecision() != "allowed" || len(res.MissingContextValues) != 0 {
			t.Errorf("%s with aws:username: %s, missing %v", resource, res.GetEvalDecision(), res.MissingContextValues)
		}
	}
}
