package emulator_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
)

// Policies the simulation tests use. Their statements' positions are what
// MatchedStatements must report (line 1; columns after '{' and after '}').
const (
	simReadComponents = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"imagebuilder:Get*","Resource":"*"}]}`
	simDenyProd       = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"imagebuilder:*","Resource":"arn:aws:imagebuilder:*:*:component/prod-*"}]}`
	simS3FromOffice   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}]}`
	simOnlyEC2        = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}`
)

func component(name string) string {
	return "arn:aws:imagebuilder:us-east-1:" + accountA + ":component/" + name + "/1.0.0/1"
}

func contextEntry(name string, typ types.ContextKeyTypeEnum, values ...string) types.ContextEntry {
	return types.ContextEntry{ContextKeyName: aws.String(name), ContextKeyType: typ, ContextKeyValues: values}
}

// requireStatement checks one matched statement: its policy and where it is.
func requireStatement(t *testing.T, what string, got []types.Statement, i int, id, typ string, start, end [2]int32) {
	t.Helper()
	if len(got) <= i {
		t.Fatalf("%s: %d matched statements, want at least %d", what, len(got), i+1)
	}
	s := got[i]
	if aws.ToString(s.SourcePolicyId) != id || string(s.SourcePolicyType) != typ ||
		s.StartPosition.Line != start[0] || s.StartPosition.Column != start[1] ||
		s.EndPosition.Line != end[0] || s.EndPosition.Column != end[1] {
		t.Errorf("%s: statement %d = %s %s %d:%d-%d:%d, want %s %s %v-%v", what, i, aws.ToString(s.SourcePolicyId), s.SourcePolicyType,
			s.StartPosition.Line, s.StartPosition.Column, s.EndPosition.Line, s.EndPosition.Column,
			id, typ, start, end)
	}
}

// TestIAMSimulateCustomPolicy: every parameter of SimulateCustomPolicy
// through the SDK: policies, boundary, actions on resources, context,
// resource policy with owner and caller, handling option, pages, errors.
func TestIAMSimulateCustomPolicy(t *testing.T) {
	t.Parallel()
	_, c := startIAM(t)
	ctx := testContext(t)

	out, err := c.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{
		PolicyInputList: []string{simReadComponents, simDenyProd},
		ActionNames:     []string{"imagebuilder:GetComponent", "imagebuilder:DeleteComponent"},
		ResourceArns:    []string{component("prod-app"), component("dev-app")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.EvaluationResults) != 2 || out.IsTruncated || out.Marker != nil {
		t.Fatalf("results = %+v", out)
	}
	get, del := out.EvaluationResults[0], out.EvaluationResults[1]
	if aws.ToString(get.EvalActionName) != "imagebuilder:GetComponent" || get.EvalDecision != types.PolicyEvaluationDecisionTypeExplicitDeny ||
		!strings.HasSuffix(aws.ToString(get.EvalResourceName), ":component/${ComponentName}/${ComponentVersion}/${ComponentBuildVersion}") {
		t.Errorf("GetComponent = %s %s %s", aws.ToString(get.EvalActionName), get.EvalDecision, aws.ToString(get.EvalResourceName))
	}
	requireStatement(t, "GetComponent", get.MatchedStatements, 0, "PolicyInputList.2", "IAM Policy", [2]int32{1, 38}, [2]int32{1, 136})
	if len(get.ResourceSpecificResults) != 2 || get.ResourceSpecificResults[0].EvalResourceDecision != types.PolicyEvaluationDecisionTypeExplicitDeny ||
		get.ResourceSpecificResults[1].EvalResourceDecision != types.PolicyEvaluationDecisionTypeAllowed {
		t.Fatalf("GetComponent per resource = %+v", get.ResourceSpecificResults)
	}
	requireStatement(t, "GetComponent on dev-app", get.ResourceSpecificResults[1].MatchedStatements, 0, "PolicyInputList.1", "IAM Policy", [2]int32{1, 38}, [2]int32{1, 100})
	if del.EvalDecision != types.PolicyEvaluationDecisionTypeExplicitDeny || del.ResourceSpecificResults[1].EvalResourceDecision != types.PolicyEvaluationDecisionTypeImplicitDeny {
		t.Errorf("DeleteComponent = %+v", del)
	}

	// Context: the condition key is missing, then supplied inside and
	// outside the range; a boundary caps the allow.
	s3 := func(entries []types.ContextEntry, boundary ...string) types.EvaluationResult {
		t.Helper()
		out, err := c.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{
			PolicyInputList: []string{simS3FromOffice}, PermissionsBoundaryPolicyInputList: boundary,
			ActionNames: []string{"s3:GetObject"}, ContextEntries: entries,
		})
		if err != nil {
			t.Fatal(err)
		}
		return out.EvaluationResults[0]
	}
	if r := s3(nil); r.EvalDecision != types.PolicyEvaluationDecisionTypeImplicitDeny || strings.Join(r.MissingContextValues, ",") != "aws:SourceIp" {
		t.Errorf("without the key: %s missing %v", r.EvalDecision, r.MissingContextValues)
	}
	if r := s3([]types.ContextEntry{contextEntry("aws:SourceIp", types.ContextKeyTypeEnumIp, "203.0.113.7")}); r.EvalDecision != types.PolicyEvaluationDecisionTypeAllowed || len(r.MissingContextValues) != 0 {
		t.Errorf("from the office: %s missing %v", r.EvalDecision, r.MissingContextValues)
	}
	if r := s3([]types.ContextEntry{contextEntry("aws:SourceIp", types.ContextKeyTypeEnumIp, "198.51.100.1")}); r.EvalDecision != types.PolicyEvaluationDecisionTypeImplicitDeny {
		t.Errorf("from elsewhere: %s", r.EvalDecision)
	}
	r := s3([]types.ContextEntry{contextEntry("aws:SourceIp", types.ContextKeyTypeEnumIp, "203.0.113.7")}, simOnlyEC2)
	if r.EvalDecision != types.PolicyEvaluationDecisionTypeImplicitDeny || r.PermissionsBoundaryDecisionDetail == nil || r.PermissionsBoundaryDecisionDetail.AllowedByPermissionsBoundary {
		t.Errorf("outside the boundary: %s %+v", r.EvalDecision, r.PermissionsBoundaryDecisionDetail)
	}

	// A resource policy of account B grants a user of A: both sides allow.
	grant := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + accountA + `:user/alice"},"Action":"s3:GetObject","Resource":"*"}]}`
	allowS3 := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
	cross, err := c.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{
		PolicyInputList: []string{allowS3}, ActionNames: []string{"s3:GetObject"}, ResourceArns: []string{"arn:aws:s3:::partner/data.csv"},
		ResourcePolicy: aws.String(grant), ResourceOwner: aws.String("arn:aws:iam::" + accountB + ":root"),
		CallerArn: aws.String("arn:aws:iam::" + accountA + ":user/alice"), ResourceHandlingOption: aws.String("EC2-VPC-EBS"),
	})
	if err != nil {
		t.Fatal(err)
	}
	x := cross.EvaluationResults[0]
	if x.EvalDecision != types.PolicyEvaluationDecisionTypeAllowed || aws.ToString(x.EvalResourceName) != "arn:aws:s3:::partner/data.csv" ||
		x.EvalDecisionDetails["IAM Policy"] != types.PolicyEvaluationDecisionTypeAllowed || x.EvalDecisionDetails["Resource Policy"] != types.PolicyEvaluationDecisionTypeAllowed {
		t.Errorf("cross-account = %s %s %v", x.EvalDecision, aws.ToString(x.EvalResourceName), x.EvalDecisionDetails)
	}
	requireStatement(t, "cross-account", x.MatchedStatements, 1, "ResourcePolicy", "Resource Policy", [2]int32{1, 38}, [2]int32{1, 154})

	// Pages: MaxItems per page, Marker to go on.
	actions := []string{"s3:A1", "s3:A2", "s3:A3", "s3:A4", "s3:A5"}
	pages := iam.NewSimulateCustomPolicyPaginator(c, &iam.SimulateCustomPolicyInput{PolicyInputList: []string{allowS3}, ActionNames: actions, MaxItems: aws.Int32(2)})
	var seen []string
	n := 0
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n++
		if page.IsTruncated != (n < 3) || len(page.EvaluationResults) != map[bool]int{true: 2, false: 1}[n < 3] {
			t.Errorf("page %d: truncated %v with %d results", n, page.IsTruncated, len(page.EvaluationResults))
		}
		for _, r := range page.EvaluationResults {
			seen = append(seen, aws.ToString(r.EvalActionName))
		}
	}
	if n != 3 || strings.Join(seen, " ") != strings.Join(actions, " ") {
		t.Errorf("%d pages: %v", n, seen)
	}

	errCases := []struct {
		name    string
		in      *iam.SimulateCustomPolicyInput
		code    string
		status  int
		message string
	}{
		{"malformed policy", &iam.SimulateCustomPolicyInput{PolicyInputList: []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]}`}, ActionNames: []string{"s3:GetObject"}},
			"MalformedPolicyDocument", 400, "Policy statement must contain resources."},
		{"principal in an identity policy", &iam.SimulateCustomPolicyInput{PolicyInputList: []string{grant}, ActionNames: []string{"s3:GetObject"}},
			"MalformedPolicyDocument", 400, "Policy document should not specify a principal."},
		{"wildcard action", &iam.SimulateCustomPolicyInput{PolicyInputList: []string{allowS3}, ActionNames: []string{"s3:Get*"}},
			"InvalidInput", 400, "Action names cannot contain wildcards: s3:Get*"},
		{"resource policy without caller", &iam.SimulateCustomPolicyInput{PolicyInputList: []string{allowS3}, ActionNames: []string{"s3:GetObject"}, ResourcePolicy: aws.String(grant)},
			"InvalidInput", 400, "CallerArn is required when a ResourcePolicy is included, so that the policy's Principal element has a value to use in evaluating the policy."},
		{"two boundaries", &iam.SimulateCustomPolicyInput{PolicyInputList: []string{allowS3}, PermissionsBoundaryPolicyInputList: []string{allowS3, allowS3}, ActionNames: []string{"s3:GetObject"}},
			"InvalidInput", 400, "You can input only one permissions boundary policy."},
		{"bad owner", &iam.SimulateCustomPolicyInput{PolicyInputList: []string{allowS3}, ActionNames: []string{"s3:GetObject"}, ResourceOwner: aws.String("444455556666")},
			"InvalidInput", 400, "'444455556666' is not a valid as a Resource Owner."},
		{"bad context value", &iam.SimulateCustomPolicyInput{PolicyInputList: []string{allowS3}, ActionNames: []string{"s3:GetObject"},
			ContextEntries: []types.ContextEntry{contextEntry("aws:SourceIp", types.ContextKeyTypeEnumIp, "not-an-ip")}},
			"InvalidInput", 400, "Invalid value for context key aws:SourceIp of type ip."},
		{"bad handling option", &iam.SimulateCustomPolicyInput{PolicyInputList: []string{allowS3}, ActionNames: []string{"s3:GetObject"}, ResourceHandlingOption: aws.String("EC2-Other")},
			"InvalidInput", 400, "Invalid ResourceHandlingOption EC2-Other."},
		{"bad marker", &iam.SimulateCustomPolicyInput{PolicyInputList: []string{allowS3}, ActionNames: []string{"s3:GetObject"}, Marker: aws.String("7")},
			"InvalidInput", 400, "Invalid Marker 7."},
	}
	for _, ec := range errCases {
		_, err := c.SimulateCustomPolicy(ctx, ec.in)
		t.Run(ec.name, func(t *testing.T) { requireIAMError(t, err, ec.code, ec.status, ec.message) })
	}
}

// principalFixture is account A's user alice, in group devs, with
//
//	ReadComponents   customer managed, attached to alice: imagebuilder:Get*
//	user_alice_Own   inline: imagebuilder:List* in us-east-1
//	group_devs_Deny  the group's inline policy: deny prod components
//	IAMReadOnlyAccess AWS managed, attached to the group
//	Boundary         alice's permissions boundary: imagebuilder:* and iam:*
//
// and role builder with ReadComponents attached.
func principalFixture(t *testing.T, ctx context.Context, c *iam.Client) {
	t.Helper()
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	read, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("ReadComponents"), PolicyDocument: aws.String(simReadComponents)})
	must(read, err)
	boundary, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("Boundary"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["imagebuilder:*","iam:*"],"Resource":"*"}]}`)})
	must(boundary, err)
	must(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice"), PermissionsBoundary: boundary.Policy.Arn}))
	must(c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("alice"), PolicyArn: read.Policy.Arn}))
	must(c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("Own"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"imagebuilder:List*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}}]}`)}))
	must(c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("devs")}))
	must(c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("devs"), UserName: aws.String("alice")}))
	must(c.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: aws.String("devs"), PolicyName: aws.String("Deny"), PolicyDocument: aws.String(simDenyProd)}))
	must(c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("devs"), PolicyArn: aws.String("arn:aws:iam::aws:policy/IAMReadOnlyAccess")}))
	must(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("builder"), AssumeRolePolicyDocument: aws.String(ec2Trust)}))
	must(c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("builder"), PolicyArn: read.Policy.Arn}))
}

// TestIAMSimulatePrincipalPolicy: a user's own, inline, group and boundary
// policies; a role's; a group's; the request's additions; CallerArn's
// default; pages and errors.
func TestIAMSimulatePrincipalPolicy(t *testing.T) {
	t.Parallel()
	_, c := startIAM(t)
	ctx := testContext(t)
	principalFixture(t, ctx, c)
	alice := "arn:aws:iam::" + accountA + ":user/alice"

	simulate := func(in *iam.SimulatePrincipalPolicyInput) []types.EvaluationResult {
		t.Helper()
		out, err := c.SimulatePrincipalPolicy(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return out.EvaluationResults
	}
	res := simulate(&iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String(alice),
		ActionNames:     []string{"imagebuilder:GetComponent", "imagebuilder:ListComponents", "iam:GetUser", "imagebuilder:DeleteComponent", "s3:GetObject"},
		ContextEntries:  []types.ContextEntry{contextEntry("aws:RequestedRegion", types.ContextKeyTypeEnumString, "us-east-1")},
	})
	want := []struct {
		decision types.PolicyEvaluationDecisionType
		id       string
		boundary bool
	}{
		{types.PolicyEvaluationDecisionTypeAllowed, "ReadComponents", true},
		{types.PolicyEvaluationDecisionTypeAllowed, "user_alice_Own", true},
		{types.PolicyEvaluationDecisionTypeAllowed, "IAMReadOnlyAccess", true},
		{types.PolicyEvaluationDecisionTypeImplicitDeny, "", true},
		{types.PolicyEvaluationDecisionTypeImplicitDeny, "", false},
	}
	for i, w := range want {
		r := res[i]
		if r.EvalDecision != w.decision || r.PermissionsBoundaryDecisionDetail == nil || r.PermissionsBoundaryDecisionDetail.AllowedByPermissionsBoundary != w.boundary {
			t.Errorf("%s = %s boundary %+v, want %s %v", aws.ToString(r.EvalActionName), r.EvalDecision, r.PermissionsBoundaryDecisionDetail, w.decision, w.boundary)
		}
		if w.id == "" {
			if len(r.MatchedStatements) != 0 {
				t.Errorf("%s: statements %+v", aws.ToString(r.EvalActionName), r.MatchedStatements)
			}
			continue
		}
		if len(r.MatchedStatements) == 0 || aws.ToString(r.MatchedStatements[0].SourcePolicyId) != w.id || r.MatchedStatements[0].SourcePolicyType != "IAM Policy" {
			t.Errorf("%s: statements %+v, want %s", aws.ToString(r.EvalActionName), r.MatchedStatements, w.id)
		}
	}
	// The group's deny names prod components.
	prod := simulate(&iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(alice), ActionNames: []string{"imagebuilder:GetComponent"}, ResourceArns: []string{component("prod-app")}})
	if prod[0].EvalDecision != types.PolicyEvaluationDecisionTypeExplicitDeny || aws.ToString(prod[0].EvalResourceName) != component("prod-app") {
		t.Errorf("prod component: %s on %s", prod[0].EvalDecision, aws.ToString(prod[0].EvalResourceName))
	}
	requireStatement(t, "prod component", prod[0].MatchedStatements, 0, "group_devs_Deny", "IAM Policy", [2]int32{1, 38}, [2]int32{1, 136})
	requireStatement(t, "ReadComponents", res[0].MatchedStatements, 0, "ReadComponents", "IAM Policy", [2]int32{1, 38}, [2]int32{1, 100})
	// Without the region the inline policy's key is missing.
	noRegion := simulate(&iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(alice), ActionNames: []string{"imagebuilder:ListComponents"}})
	if noRegion[0].EvalDecision != types.PolicyEvaluationDecisionTypeImplicitDeny || strings.Join(noRegion[0].MissingContextValues, ",") != "aws:RequestedRegion" {
		t.Errorf("without aws:RequestedRegion: %s missing %v", noRegion[0].EvalDecision, noRegion[0].MissingContextValues)
	}

	// The request adds policies; its boundary replaces alice's.
	allowS3 := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	added := simulate(&iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(alice), ActionNames: []string{"s3:GetObject"}, PolicyInputList: []string{allowS3}})
	if added[0].EvalDecision != types.PolicyEvaluationDecisionTypeImplicitDeny {
		t.Errorf("s3 outside alice's boundary: %s", added[0].EvalDecision)
	}
	replaced := simulate(&iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(alice), ActionNames: []string{"s3:GetObject"},
		PolicyInputList: []string{allowS3}, PermissionsBoundaryPolicyInputList: []string{allowS3}})
	if replaced[0].EvalDecision != types.PolicyEvaluationDecisionTypeAllowed || !replaced[0].PermissionsBoundaryDecisionDetail.AllowedByPermissionsBoundary {
		t.Errorf("with the request's boundary: %s %+v", replaced[0].EvalDecision, replaced[0].PermissionsBoundaryDecisionDetail)
	}
	requireStatement(t, "added policy", replaced[0].MatchedStatements, 0, "PolicyInputList.1", "IAM Policy", [2]int32{1, 38}, [2]int32{1, 95})

	// A resource policy naming alice: CallerArn defaults to the user.
	grantAlice := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + alice + `"},"Action":"imagebuilder:GetComponent","Resource":"*"}]}`
	shared := "arn:aws:imagebuilder:us-east-1:" + accountB + ":component/shared/1.0.0/1"
	viaResource := simulate(&iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(alice), ActionNames: []string{"imagebuilder:GetComponent"},
		ResourceArns: []string{shared}, ResourcePolicy: aws.String(grantAlice), ResourceOwner: aws.String("arn:aws:iam::" + accountB + ":root")})
	if viaResource[0].EvalDecision != types.PolicyEvaluationDecisionTypeAllowed || viaResource[0].EvalDecisionDetails["Resource Policy"] != types.PolicyEvaluationDecisionTypeAllowed {
		t.Errorf("shared component: %s %v", viaResource[0].EvalDecision, viaResource[0].EvalDecisionDetails)
	}
	asBob := simulate(&iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(alice), ActionNames: []string{"imagebuilder:GetComponent"},
		ResourceArns: []string{shared}, ResourcePolicy: aws.String(grantAlice), ResourceOwner: aws.String("arn:aws:iam::" + accountB + ":root"),
		CallerArn: aws.String("arn:aws:iam::" + accountA + ":user/bob")})
	if asBob[0].EvalDecision != types.PolicyEvaluationDecisionTypeImplicitDeny {
		t.Errorf("bob with alice's policies: %s", asBob[0].EvalDecision)
	}

	// A role and a group: their own policies only.
	role := simulate(&iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String("arn:aws:iam::" + accountA + ":role/builder"),
		ActionNames: []string{"imagebuilder:GetComponent", "iam:GetUser"}})
	if role[0].EvalDecision != types.PolicyEvaluationDecisionTypeAllowed || role[1].EvalDecision != types.PolicyEvaluationDecisionTypeImplicitDeny || role[0].PermissionsBoundaryDecisionDetail != nil {
		t.Errorf("role = %s %s", role[0].EvalDecision, role[1].EvalDecision)
	}
	group := simulate(&iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String("arn:aws:iam::" + accountA + ":group/devs"),
		ActionNames: []string{"iam:ListUsers", "imagebuilder:GetComponent"}, ResourceArns: []string{component("prod-app")}})
	if group[0].EvalDecision != types.PolicyEvaluationDecisionTypeAllowed || group[1].EvalDecision != types.PolicyEvaluationDecisionTypeExplicitDeny {
		t.Errorf("group = %s %s", group[0].EvalDecision, group[1].EvalDecision)
	}

	pages := iam.NewSimulatePrincipalPolicyPaginator(c, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(alice),
		ActionNames: []string{"iam:GetUser", "iam:ListUsers", "iam:ListRoles"}, MaxItems: aws.Int32(1)})
	n := 0
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.EvaluationResults) != 1 || page.EvaluationResults[0].EvalDecision != types.PolicyEvaluationDecisionTypeAllowed {
			t.Errorf("page %d = %+v", n, page.EvaluationResults)
		}
		n++
	}
	if n != 3 {
		t.Errorf("%d pages, want 3", n)
	}

	errCases := []struct {
		name, arn, code string
		status          int
		message         string
		edit            func(*iam.SimulatePrincipalPolicyInput)
	}{
		{"unknown user", "arn:aws:iam::" + accountA + ":user/nobody", "NoSuchEntity", 404, "The user with name nobody cannot be found.", nil},
		{"wrong path", "arn:aws:iam::" + accountA + ":user/ops/alice", "NoSuchEntity", 404, "The user with name alice cannot be found.", nil},
		{"unknown role", "arn:aws:iam::" + accountA + ":role/nobody", "NoSuchEntity", 404, "The role with name nobody cannot be found.", nil},
		{"unknown group", "arn:aws:iam::" + accountA + ":group/nobody", "NoSuchEntity", 404, "The group with name nobody cannot be found.", nil},
		{"session ARN", "arn:aws:sts::" + accountA + ":assumed-role/builder/s", "InvalidInput", 400, "Invalid Entity Arn: arn:aws:sts::" + accountA + ":assumed-role/builder/s", nil},
		{"policy ARN", "arn:aws:iam::aws:policy/IAMReadOnlyAccess", "InvalidInput", 400, "Invalid Entity Arn: arn:aws:iam::aws:policy/IAMReadOnlyAccess", nil},
		{"role with a resource policy and no caller", "arn:aws:iam::" + accountA + ":role/builder", "InvalidInput", 400,
			"CallerArn is required when a ResourcePolicy is included, so that the policy's Principal element has a value to use in evaluating the policy.",
			func(in *iam.SimulatePrincipalPolicyInput) { in.ResourcePolicy = aws.String(grantAlice) }},
		{"malformed added policy", alice, "MalformedPolicyDocument", 400, "Policy statement must contain resources.",
			func(in *iam.SimulatePrincipalPolicyInput) {
				in.PolicyInputList = []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]}`}
			}},
	}
	for _, ec := range errCases {
		in := &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(ec.arn), ActionNames: []string{"imagebuilder:GetComponent"}}
		if ec.edit != nil {
			ec.edit(in)
		}
		_, err := c.SimulatePrincipalPolicy(ctx, in)
		t.Run(ec.name, func(t *testing.T) { requireIAMError(t, err, ec.code, ec.status, ec.message) })
	}
}

// TestIAMGetContextKeys: the keys of given policies, and of an entity's
// policies (its groups' and boundary included) with given ones, sorted and
// each once.
func TestIAMGetContextKeys(t *testing.T) {
	t.Parallel()
	_, c := startIAM(t)
	ctx := testContext(t)
	principalFixture(t, ctx, c)
	tagged := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"imagebuilder:*","Resource":"arn:aws:imagebuilder:*:*:component/${aws:username}-*",` +
		`"Condition":{"StringEquals":{"aws:ResourceTag/team":"${aws:PrincipalTag/team}"},"Bool":{"aws:SecureTransport":"true"}}}]}`
	custom, err := c.GetContextKeysForCustomPolicy(ctx, &iam.GetContextKeysForCustomPolicyInput{PolicyInputList: []string{tagged, simS3FromOffice}})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(custom.ContextKeyNames, " "); got != "aws:PrincipalTag/team aws:ResourceTag/team aws:SecureTransport aws:SourceIp aws:username" {
		t.Errorf("custom keys = %s", got)
	}
	principal, err := c.GetContextKeysForPrincipalPolicy(ctx, &iam.GetContextKeysForPrincipalPolicyInput{
		PolicySourceArn: aws.String("arn:aws:iam::" + accountA + ":user/alice"), PolicyInputList: []string{simS3FromOffice}})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(principal.ContextKeyNames, " "); got != "aws:RequestedRegion aws:SourceIp" {
		t.Errorf("alice's keys = %s", got)
	}
	none, err := c.GetContextKeysForPrincipalPolicy(ctx, &iam.GetContextKeysForPrincipalPolicyInput{PolicySourceArn: aws.String("arn:aws:iam::" + accountA + ":role/builder")})
	if err != nil || len(none.ContextKeyNames) != 0 {
		t.Errorf("builder's keys = %v, %v", none, err)
	}
	_, err = c.GetContextKeysForPrincipalPolicy(ctx, &iam.GetContextKeysForPrincipalPolicyInput{PolicySourceArn: aws.String("arn:aws:iam::" + accountA + ":user/nobody")})
	requireIAMError(t, err, "NoSuchEntity", 404, "The user with name nobody cannot be found.")
	_, err = c.GetContextKeysForCustomPolicy(ctx, &iam.GetContextKeysForCustomPolicyInput{PolicyInputList: []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]}`}})
	requireIAMError(t, err, "MalformedPolicyDocument", 400, "Policy statement must contain resources.")
}

// TestIAMSimulationIsEnforced: the four operations need their IAM actions;
// iam:SimulatePrincipalPolicy is decided on the entity simulated.
func TestIAMSimulationIsEnforced(t *testing.T) {
	t.Parallel()
	emu, c := startIAM(t)
	ctx := testContext(t)
	principalFixture(t, ctx, c)
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("auditor")}); err != nil {
		t.Fatal(err)
	}
	key, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("auditor")})
	if err != nil {
		t.Fatal(err)
	}
	uc := iamClient(t, withKey(emu.AWSConfig(accountA), aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey)))
	alice := "arn:aws:iam::" + accountA + ":user/alice"
	call := func() []error {
		_, e1 := uc.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{PolicyInputList: []string{simReadComponents}, ActionNames: []string{"imagebuilder:GetComponent"}})
		_, e2 := uc.GetContextKeysForCustomPolicy(ctx, &iam.GetContextKeysForCustomPolicyInput{PolicyInputList: []string{simReadComponents}})
		_, e3 := uc.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(alice), ActionNames: []string{"imagebuilder:GetComponent"}})
		_, e4 := uc.GetContextKeysForPrincipalPolicy(ctx, &iam.GetContextKeysForPrincipalPolicyInput{PolicySourceArn: aws.String(alice)})
		return []error{e1, e2, e3, e4}
	}
	actions := []string{"iam:SimulateCustomPolicy", "iam:GetContextKeysForCustomPolicy", "iam:SimulatePrincipalPolicy", "iam:GetContextKeysForPrincipalPolicy"}
	for i, err := range call() {
		// AWS's message names no resource for actions that have none.
		on := ""
		if i >= 2 {
			on = " on resource: " + alice
		}
		requireIAMError(t, err, "AccessDenied", 403, "User: arn:aws:iam::"+accountA+":user/auditor is not authorized to perform: "+actions[i]+on+" because no identity-based policy allows the "+actions[i]+" action")
	}
	if _, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("auditor"), PolicyName: aws.String("simulate"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:SimulateCustomPolicy","iam:GetContextKeysFor*"],"Resource":"*"},` +
			`{"Effect":"Allow","Action":"iam:SimulatePrincipalPolicy","Resource":"arn:aws:iam::*:user/alice"}]}`)}); err != nil {
		t.Fatal(err)
	}
	for i, err := range call() {
		if err != nil {
			t.Errorf("%s allowed: %v", actions[i], err)
		}
	}
	_, err = uc.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String("arn:aws:iam::" + accountA + ":role/builder"), ActionNames: []string{"s3:GetObject"}})
	requireAPIError(t, err, "AccessDenied", 403)
}

// TestIAMSimulateOverGRPC: the same operation answers on the gRPC endpoint.
func TestIAMSimulateOverGRPC(t *testing.T) {
	t.Parallel()
	emu, _ := startIAM(t)
	_, conn := grpcClient(t, emu, accountA, "test")
	out, err := iamv1.NewIAMClient(conn).SimulateCustomPolicy(testContext(t), &iamv1.SimulateCustomPolicyRequest{
		PolicyInputList: []string{simReadComponents}, ActionNames: []string{"imagebuilder:GetComponent", "imagebuilder:DeleteComponent"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.EvaluationResults) != 2 || out.EvaluationResults[0].GetEvalDecision() != "allowed" || out.EvaluationResults[1].GetEvalDecision() != "implicitDeny" ||
		out.EvaluationResults[0].MatchedStatements[0].GetSourcePolicyId() != "PolicyInputList.1" || out.GetIsTruncated() {
		t.Errorf("gRPC SimulateCustomPolicy = %v", out)
	}
}
