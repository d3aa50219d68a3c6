package iam

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/authz"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/iam/policy"
	"github.com/ibemu/ibemu/internal/storage"
	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
)

const acct = "111122223333"

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newTestService(t testing.TB) *Service {
	t.Helper()
	db, err := storage.Open(filepath.Join(t.TempDir(), "iam.db"), storage.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return New(db, Options{Clock: func() time.Time { return testNow }})
}

// rootCtx is a call by the account's root user.
func rootCtx(account string) context.Context {
	return callctx.With(context.Background(), &callctx.Call{Service: "iam", Region: "us-east-1", Account: account, Principal: auth.RootPrincipal(account), Time: testNow})
}

func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func p(s string) *string { return &s }

const (
	docGet   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"imagebuilder:Get*","Resource":"*"}]}`
	docList  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"imagebuilder:List*","Resource":"*"}]}`
	docTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`
)

// setupUser creates user alice (path /eng/) with an attached customer
// policy, an AWS managed policy, an inline policy, a group with its own
// policies, a boundary and a tag; it returns her principal.
func setupUser(t testing.TB, s *Service) *auth.Principal {
	ctx := rootCtx(acct)
	u := must[*iamv1.CreateUserResponse](t)(s.CreateUser(ctx, &iamv1.CreateUserRequest{UserName: p("alice"), Path: p("/eng/"), Tags: []*iamv1.Tag{{Key: p("team"), Value: p("img")}}}))
	pol := must[*iamv1.CreatePolicyResponse](t)(s.CreatePolicy(ctx, &iamv1.CreatePolicyRequest{PolicyName: p("get"), PolicyDocument: p(docGet)}))
	must[*iamv1.AttachUserPolicyResponse](t)(s.AttachUserPolicy(ctx, &iamv1.AttachUserPolicyRequest{UserName: p("alice"), PolicyArn: pol.Policy.Arn}))
	must[*iamv1.AttachUserPolicyResponse](t)(s.AttachUserPolicy(ctx, &iamv1.AttachUserPolicyRequest{UserName: p("alice"), PolicyArn: p("arn:aws:iam::aws:policy/IAMReadOnlyAccess")}))
	must[*iamv1.PutUserPolicyResponse](t)(s.PutUserPolicy(ctx, &iamv1.PutUserPolicyRequest{UserName: p("alice"), PolicyName: p("list"), PolicyDocument: p(docList)}))
	must[*iamv1.CreateGroupResponse](t)(s.CreateGroup(ctx, &iamv1.CreateGroupRequest{GroupName: p("devs")}))
	must[*iamv1.AddUserToGroupResponse](t)(s.AddUserToGroup(ctx, &iamv1.AddUserToGroupRequest{GroupName: p("devs"), UserName: p("alice")}))
	must[*iamv1.AttachGroupPolicyResponse](t)(s.AttachGroupPolicy(ctx, &iamv1.AttachGroupPolicyRequest{GroupName: p("devs"), PolicyArn: p("arn:aws:iam::aws:policy/ReadOnlyAccess")}))
	must[*iamv1.PutGroupPolicyResponse](t)(s.PutGroupPolicy(ctx, &iamv1.PutGroupPolicyRequest{GroupName: p("devs"), PolicyName: p("g"), PolicyDocument: p(docGet)}))
	must[*iamv1.PutUserPermissionsBoundaryResponse](t)(s.PutUserPermissionsBoundary(ctx, &iamv1.PutUserPermissionsBoundaryRequest{UserName: p("alice"), PermissionsBoundary: p("arn:aws:iam::aws:policy/AWSImageBuilderReadOnlyAccess")}))
	return &auth.Principal{Kind: auth.PrincipalIAMUser, AccountID: acct, ARN: u.User.GetArn(), UserID: u.User.GetUserId(), Name: "alice", AccessKeyID: "AKIAEXAMPLEEXAMPLE00"}
}

func names(as []policy.Attached) []string {
	var out []string
	for _, a := range as {
		out = append(out, fmt.Sprintf("%s|%s", a.Origin, a.Name))
	}
	return out
}

func requireStrings(t *testing.T, what string, got, want []string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s =\n  %v\nwant\n  %v", what, got, want)
	}
}

// TestCallerUser: a user's policies (attached, inline, groups'), boundary,
// tags; the decision the engine reaches with them.
func TestCallerUser(t *testing.T) {
	s := newTestService(t)
	pr := setupUser(t, s)
	c, err := s.Caller(context.Background(), pr)
	if err != nil {
		t.Fatal(err)
	}
	want := policy.Principal{Kind: policy.PrincipalUser, ARN: "arn:aws:iam::" + acct + ":user/eng/alice", Account: acct, UserID: pr.UserID, Username: "alice", Tags: map[string]string{"team": "img"}}
	if fmt.Sprint(c.Principal) != fmt.Sprint(want) {
		t.Errorf("principal = %+v, want %+v", c.Principal, want)
	}
	requireStrings(t, "identity policies", names(c.Identity), []string{
		"customer managed|arn:aws:iam::" + acct + ":policy/get",
		"AWS managed|arn:aws:iam::aws:policy/IAMReadOnlyAccess",
		"inline|user/alice inline policy list",
		"AWS managed|arn:aws:iam::aws:policy/ReadOnlyAccess",
		"inline|group/devs inline policy g",
	})
	if c.Boundary == nil || c.Boundary.Name != "arn:aws:iam::aws:policy/AWSImageBuilderReadOnlyAccess" || c.Boundary.Policy.Kind != policy.KindPermissionsBoundary {
		t.Errorf("boundary = %+v", c.Boundary)
	}
	// The engine allows what identity and boundary both allow.
	decide := func(action string) policy.Outcome {
		req := &policy.Request{Principal: &c.Principal, Action: action, Resource: "*", ResourceAccount: acct, Context: policy.NewContext()}
		return policy.Evaluate(req, &policy.Policies{Identity: c.Identity, Boundary: c.Boundary}).Outcome
	}
	if decide("imagebuilder:GetComponent") != policy.Allowed || decide("iam:ListUsers") != policy.ImplicitDeny {
		t.Errorf("decisions: GetComponent %v, iam:ListUsers %v (boundary allows only imagebuilder reads)", decide("imagebuilder:GetComponent"), decide("iam:ListUsers"))
	}
	// Cached: the same Caller until something changes.
	again, _ := s.Caller(context.Background(), pr)
	if again != c {
		t.Error("a second call without writes rebuilt the caller")
	}
}

// TestCallerInvalidation: every IAM write that changes a caller shows on
// the next call; a deleted user is allowed nothing.
func TestCallerInvalidation(t *testing.T) {
	s := newTestService(t)
	pr := setupUser(t, s)
	ctx := rootCtx(acct)
	before := must[*authz.Caller](t)(s.Caller(context.Background(), pr))
	must[*iamv1.DeleteUserPolicyResponse](t)(s.DeleteUserPolicy(ctx, &iamv1.DeleteUserPolicyRequest{UserName: p("alice"), PolicyName: p("list")}))
	after := must[*authz.Caller](t)(s.Caller(context.Background(), pr))
	if len(after.Identity) != len(before.Identity)-1 {
		t.Fatalf("after deleting an inline policy: %v", names(after.Identity))
	}
	if len(before.Identity) != 5 {
		t.Fatalf("the shared caller handed out earlier was modified: %v", names(before.Identity))
	}
	// A new default version of an attached policy applies at once.
	arn := "arn:aws:iam::" + acct + ":policy/get"
	must[*iamv1.CreatePolicyVersionResponse](t)(s.CreatePolicyVersion(ctx, &iamv1.CreatePolicyVersionRequest{PolicyArn: p(arn), PolicyDocument: p(docList), SetAsDefault: ptr(true)}))
	c := must[*authz.Caller](t)(s.Caller(context.Background(), pr))
	if c.Identity[0].Policy.Text() != docList {
		t.Errorf("attached policy text after a new default version = %s", c.Identity[0].Policy.Text())
	}
	// Leaving the group drops its policies.
	must[*iamv1.RemoveUserFromGroupResponse](t)(s.RemoveUserFromGroup(ctx, &iamv1.RemoveUserFromGroupRequest{GroupName: p("devs"), UserName: p("alice")}))
	c = must[*authz.Caller](t)(s.Caller(context.Background(), pr))
	requireStrings(t, "policies after leaving the group", names(c.Identity), []string{"customer managed|" + arn, "AWS managed|arn:aws:iam::aws:policy/IAMReadOnlyAccess"})

	// Deleted (and created again under the same name): nothing is allowed.
	must[*iamv1.DeleteUserPermissionsBoundaryResponse](t)(s.DeleteUserPermissionsBoundary(ctx, &iamv1.DeleteUserPermissionsBoundaryRequest{UserName: p("alice")}))
	must[*iamv1.DetachUserPolicyResponse](t)(s.DetachUserPolicy(ctx, &iamv1.DetachUserPolicyRequest{UserName: p("alice"), PolicyArn: p(arn)}))
	must[*iamv1.DetachUserPolicyResponse](t)(s.DetachUserPolicy(ctx, &iamv1.DetachUserPolicyRequest{UserName: p("alice"), PolicyArn: p("arn:aws:iam::aws:policy/IAMReadOnlyAccess")}))
	must[*iamv1.DeleteUserResponse](t)(s.DeleteUser(ctx, &iamv1.DeleteUserRequest{UserName: p("alice")}))
	must[*iamv1.CreateUserResponse](t)(s.CreateUser(ctx, &iamv1.CreateUserRequest{UserName: p("alice")}))
	must[*iamv1.PutUserPolicyResponse](t)(s.PutUserPolicy(ctx, &iamv1.PutUserPolicyRequest{UserName: p("alice"), PolicyName: p("x"), PolicyDocument: p(docGet)}))
	gone := must[*authz.Caller](t)(s.Caller(context.Background(), pr))
	if len(gone.Identity) != 0 || gone.Boundary != nil || gone.Principal.ARN != pr.ARN {
		t.Errorf("deleted user's caller = %+v", gone)
	}
}

// TestCallerRoleSession: a role session gets the role's policies and
// boundary, role tags overridden by session tags, and the session policies.
func TestCallerRoleSession(t *testing.T) {
	s := newTestService(t)
	ctx := rootCtx(acct)
	r := must[*iamv1.CreateRoleResponse](t)(s.CreateRole(ctx, &iamv1.CreateRoleRequest{RoleName: p("builder"), Path: p("/svc/"), AssumeRolePolicyDocument: p(docTrust),
		Tags: []*iamv1.Tag{{Key: p("Env"), Value: p("dev")}, {Key: p("team"), Value: p("img")}}}))
	must[*iamv1.AttachRolePolicyResponse](t)(s.AttachRolePolicy(ctx, &iamv1.AttachRolePolicyRequest{RoleName: p("builder"), PolicyArn: p("arn:aws:iam::aws:policy/ReadOnlyAccess")}))
	must[*iamv1.PutRolePolicyResponse](t)(s.PutRolePolicy(ctx, &iamv1.PutRolePolicyRequest{RoleName: p("builder"), PolicyName: p("get"), PolicyDocument: p(docGet)}))
	must[*iamv1.PutRolePermissionsBoundaryResponse](t)(s.PutRolePermissionsBoundary(ctx, &iamv1.PutRolePermissionsBoundaryRequest{RoleName: p("builder"), PermissionsBoundary: p("arn:aws:iam::aws:policy/AdministratorAccess")}))
	roleARN, roleID := r.Role.GetArn(), r.Role.GetRoleId()
	pr := &auth.Principal{
		Kind: auth.PrincipalAssumedRole, AccountID: acct, ARN: "arn:aws:sts::" + acct + ":assumed-role/builder/s1", UserID: roleID + ":s1",
		Name: "builder", SessionName: "s1", AccessKeyID: "ASIAEXAMPLE000000001",
		Session: &auth.Session{Kind: auth.SessionAssumeRole, RoleARN: roleARN, RoleID: roleID, Policy: docGet,
			PolicyARNs: []string{"arn:aws:iam::aws:policy/IAMReadOnlyAccess"}, Tags: map[string]string{"env": "prod"}},
	}
	c := must[*authz.Caller](t)(s.Caller(context.Background(), pr))
	if c.Principal.Kind != policy.PrincipalAssumedRole || c.Principal.ARN != pr.ARN || c.Principal.RoleARN != roleARN || c.Principal.UserID != roleID+":s1" || c.Principal.SessionName != "s1" {
		t.Errorf("principal = %+v", c.Principal)
	}
	if fmt.Sprint(c.Principal.Tags) != fmt.Sprint(map[string]string{"env": "prod", "team": "img"}) {
		t.Errorf("tags = %v (session tags override role tags, keys case-insensitively)", c.Principal.Tags)
	}
	requireStrings(t, "role policies", names(c.Identity), []string{"AWS managed|arn:aws:iam::aws:policy/ReadOnlyAccess", "inline|role/builder inline policy get"})
	requireStrings(t, "session policies", names(c.Session), []string{"inline|inline session policy", "AWS managed|arn:aws:iam::aws:policy/IAMReadOnlyAccess"})
	if c.Session[0].Policy.Kind != policy.KindSession || c.Boundary == nil {
		t.Errorf("session policy kind %v, boundary %v", c.Session[0].Policy.Kind, c.Boundary)
	}
	// The role deleted: nothing.
	must[*iamv1.DetachRolePolicyResponse](t)(s.DetachRolePolicy(ctx, &iamv1.DetachRolePolicyRequest{RoleName: p("builder"), PolicyArn: p("arn:aws:iam::aws:policy/ReadOnlyAccess")}))
	must[*iamv1.DeleteRolePolicyResponse](t)(s.DeleteRolePolicy(ctx, &iamv1.DeleteRolePolicyRequest{RoleName: p("builder"), PolicyName: p("get")}))
	must[*iamv1.DeleteRoleResponse](t)(s.DeleteRole(ctx, &iamv1.DeleteRoleRequest{RoleName: p("builder")}))
	gone := must[*authz.Caller](t)(s.Caller(context.Background(), pr))
	if len(gone.Identity)+len(gone.Session) != 0 || gone.Boundary != nil || gone.Principal.Kind != policy.PrincipalAssumedRole {
		t.Errorf("deleted role's session = %+v", gone)
	}
}

// TestCallerFederatedUser: the federating user's policies plus the session's.
func TestCallerFederatedUser(t *testing.T) {
	s := newTestService(t)
	user := setupUser(t, s)
	pr := &auth.Principal{Kind: auth.PrincipalFederatedUser, AccountID: acct, ARN: "arn:aws:sts::" + acct + ":federated-user/bob", UserID: acct + ":bob", Name: "bob", AccessKeyID: "ASIAEXAMPLE000000002",
		Session: &auth.Session{Kind: auth.SessionFederation, SourceARN: user.ARN, Policy: docGet, Tags: map[string]string{"k": "v"}}}
	c := must[*authz.Caller](t)(s.Caller(context.Background(), pr))
	if c.Principal.Kind != policy.PrincipalFederatedUser || c.Principal.SourceUserARN != user.ARN || c.Principal.ARN != pr.ARN || c.Principal.Tags["k"] != "v" {
		t.Errorf("principal = %+v", c.Principal)
	}
	if len(c.Identity) != 5 || len(c.Session) != 1 || c.Boundary == nil {
		t.Errorf("federated caller: %v, session %v, boundary %v", names(c.Identity), names(c.Session), c.Boundary)
	}
	root := must[*authz.Caller](t)(s.Caller(context.Background(), &auth.Principal{Kind: auth.PrincipalRoot, AccountID: acct}))
	if root.Principal.Kind != policy.PrincipalRoot {
		t.Errorf("root = %+v", root.Principal)
	}
}

// BenchmarkCallerTenPolicies: a user with ten attached policies, from the
// cache (the enforcement layer's path on every request).
func BenchmarkCallerTenPolicies(b *testing.B) {
	s, pr := benchUser(b)
	c := must[*authz.Caller](b)(s.Caller(context.Background(), pr))
	if len(c.Identity) != 10 {
		b.Fatalf("%d policies", len(c.Identity))
	}
	bg := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Caller(bg, pr); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCallerRebuild: the same caller rebuilt after a write (a miss:
// one read transaction, policies from the parse cache).
func BenchmarkCallerRebuild(b *testing.B) {
	s, pr := benchUser(b)
	bg := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		s.gen.Add(1)
		if _, err := s.Caller(bg, pr); err != nil {
			b.Fatal(err)
		}
	}
}

// benchUser is a user with ten attached customer managed policies.
func benchUser(b *testing.B) (*Service, *auth.Principal) {
	s := newTestService(b)
	ctx := rootCtx(acct)
	u := must[*iamv1.CreateUserResponse](b)(s.CreateUser(ctx, &iamv1.CreateUserRequest{UserName: p("bench")}))
	for i := 0; i < 10; i++ {
		pol := must[*iamv1.CreatePolicyResponse](b)(s.CreatePolicy(ctx, &iamv1.CreatePolicyRequest{PolicyName: p(fmt.Sprintf("p%d", i)), PolicyDocument: p(docGet)}))
		must[*iamv1.AttachUserPolicyResponse](b)(s.AttachUserPolicy(ctx, &iamv1.AttachUserPolicyRequest{UserName: p("bench"), PolicyArn: pol.Policy.Arn}))
	}
	pr := &auth.Principal{Kind: auth.PrincipalIAMUser, AccountID: acct, ARN: u.User.GetArn(), UserID: u.User.GetUserId(), Name: "bench"}
	return s, pr
}
