package authz

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ibemu/ibemu/internal/iam/awsmanaged"
	"github.com/ibemu/ibemu/internal/iam/policy"
)

func mustPolicy(t *testing.T, doc string, kind policy.PolicyKind) *policy.Policy {
	t.Helper()
	p, err := policy.Parse(doc, kind)
	if err != nil {
		t.Fatalf("parse %s: %v", doc, err)
	}
	return p
}

const (
	fixUser = "arn:aws:iam::111122223333:user/alice"
	fixRes  = "arn:aws:imagebuilder:us-east-1:111122223333:component/c/1.0.0/1"
)

// explainFor evaluates GetComponent on fixRes for alice with the identity
// policy and the resource-based policy (either may be "").
func explainFor(t *testing.T, identity, resource, resourceAccount string, ctx *policy.Context) *policy.Explanation {
	t.Helper()
	p := &policy.Principal{Kind: policy.PrincipalUser, ARN: fixUser, Account: "111122223333", Username: "alice"}
	if resourceAccount == "" {
		resourceAccount = "111122223333"
	}
	if ctx == nil {
		ctx = policy.NewContext()
	}
	var pols policy.Policies
	if identity != "" {
		pols.Identity = []policy.Attached{{Policy: mustPolicy(t, identity, policy.KindIdentity), Name: "p"}}
	}
	if resource != "" {
		pols.Resource = &policy.Attached{Policy: mustPolicy(t, resource, policy.KindResource), Name: "component policy"}
	}
	return policy.Explain(&policy.Request{Principal: p, Action: "imagebuilder:GetComponent", Resource: fixRes, ResourceAccount: resourceAccount, Context: ctx}, &pols)
}

// applyFix adds a fix's statement to the policy of its type and decides
// again: the fix must turn the denial into an allow.
func allowedWith(t *testing.T, identity, resource, account string, fixes []Fix) bool {
	t.Helper()
	for _, f := range fixes {
		if f.Kind != FixAddStatement || f.Statement == "" {
			continue
		}
		var st map[string]any
		if err := json.Unmarshal([]byte(f.Statement), &st); err != nil {
			t.Fatalf("fix statement %s: %v", f.Statement, err)
		}
		doc := `{"Version":"2012-10-17","Statement":[` + f.Statement + `]}`
		switch f.PolicyType {
		case "identity-based policy":
			identity = doc
		case "resource-based policy":
			resource = doc
		}
	}
	return explainFor(t, identity, resource, account, nil).Decision.Allowed()
}

func TestFixesAllowedHasNone(t *testing.T) {
	x := explainFor(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, "", "", nil)
	if fs := Fixes(x); fs != nil {
		t.Fatalf("fixes of an allow: %+v", fs)
	}
}

func TestFixesMissingActionAddsAStatementThatAllows(t *testing.T) {
	id := `{"Version":"2012-10-17","Statement":[{"Sid":"List","Effect":"Allow","Action":"imagebuilder:List*","Resource":"*"}]}`
	fs := Fixes(explainFor(t, id, "", "", nil))
	if len(fs) != 2 || fs[0].Sid != "statement List" || !strings.Contains(fs[0].Text, `add "imagebuilder:GetComponent" to its Action`) || fs[1].Kind != FixAddStatement {
		t.Fatalf("fixes = %+v", fs)
	}
	if !allowedWith(t, id, "", "", fs) {
		t.Fatal("the suggested statement does not allow the request")
	}
}

func TestFixesFailedConditionNamesKeyAndValues(t *testing.T) {
	ctx := policy.NewContext()
	ctx.SetString("aws:ResourceTag/team", "red")
	id := `{"Version":"2012-10-17","Statement":[{"Sid":"Blue","Effect":"Allow","Action":"imagebuilder:GetComponent","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"blue"}}}]}`
	fs := Fixes(explainFor(t, id, "", "", ctx))
	if len(fs) < 1 || fs[0].Kind != FixSetCondition || fs[0].ConditionKey != "aws:ResourceTag/team" || strings.Join(fs[0].ConditionValues, ",") != "red" ||
		!strings.Contains(fs[0].Text, `expects ["blue"] and the request has ["red"]`) {
		t.Fatalf("fixes = %+v", fs)
	}
}

func TestFixesExplicitDenyNamesPolicyAndSid(t *testing.T) {
	id := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"NoGets","Effect":"Deny","Action":"imagebuilder:Get*","Resource":"*"}]}`
	fs := Fixes(explainFor(t, id, "", "", nil))
	if len(fs) != 1 || fs[0].Kind != FixRemoveDeny || fs[0].Sid != "statement NoGets" || fs[0].Policy != "p" || fs[0].PolicyType != "identity-based policy" {
		t.Fatalf("fixes = %+v", fs)
	}
}

func TestFixesCrossAccountNeedsBothSides(t *testing.T) {
	// The resource is in another account; neither side allows.
	fs := Fixes(explainFor(t, "", "", "444455556666", nil))
	var kinds []string
	for _, f := range fs {
		kinds = append(kinds, f.PolicyType)
	}
	if strings.Join(kinds, ",") != "identity-based policy,resource-based policy" {
		t.Fatalf("fix types = %v (%+v)", kinds, fs)
	}
	if !strings.Contains(fs[1].Statement, `"AWS":"`+fixUser+`"`) && !strings.Contains(fs[1].Statement, `"AWS": "`+fixUser+`"`) {
		t.Errorf("resource statement does not name the caller: %s", fs[1].Statement)
	}
	if !allowedWith(t, "", "", "444455556666", fs) {
		t.Fatal("the suggested statements do not allow the request")
	}
}

// TestFixesNeverEditAWSManagedPolicies: an instance role whose only allowing
// policy is AWS managed (EC2InstanceProfileForImageBuilder) and lacks
// ssm:UpdateInstanceInformation is told to attach the AWS managed policy
// that grants it (AmazonSSMManagedInstanceCore) or add a statement of its
// own — never to edit the managed policy, which cannot be changed.
func TestFixesNeverEditAWSManagedPolicies(t *testing.T) {
	m, ok := awsmanaged.Lookup("arn:aws:iam::aws:policy/EC2InstanceProfileForImageBuilder")
	if !ok {
		t.Fatal("EC2InstanceProfileForImageBuilder is not in the catalogue")
	}
	p := &policy.Principal{Kind: policy.PrincipalAssumedRole, ARN: "arn:aws:sts::111122223333:assumed-role/builder/i-1", Account: "111122223333",
		RoleARN: "arn:aws:iam::111122223333:role/builder", SessionName: "i-1"}
	rctx := policy.NewContext()
	rctx.AddPrincipalKeys(p)
	x := policy.Explain(&policy.Request{Principal: p, Action: "ssm:UpdateInstanceInformation", Resource: "*", Context: rctx},
		&policy.Policies{Identity: []policy.Attached{{Policy: m.Parsed, Name: m.ARN}}})
	fs := Fixes(x)
	if len(fs) != 2 || fs[0].Kind != FixAttachPolicy || fs[0].Policy != "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" ||
		!strings.Contains(fs[0].Text, "iam:AttachRolePolicy") || fs[1].Kind != FixAddStatement || fs[1].Policy != "" {
		t.Fatalf("fixes = %+v", fs)
	}
	for _, f := range fs {
		if f.Policy == m.ARN || strings.Contains(f.Text, "its Action element") {
			t.Errorf("fix edits the AWS managed policy: %+v", f)
		}
	}
}
