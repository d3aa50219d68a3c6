package iam

import (
	"context"
	"errors"
	"testing"

	"github.com/ibemu/ibemu/internal/apimodel"
	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/auth/sigv4"
	"github.com/ibemu/ibemu/internal/authz"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/iam/policy"
	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
)

func spec(typ string) *apimodel.AuthzResource {
	return &apimodel.AuthzResource{Type: typ, ARNFormat: "arn:${Partition}:iam::${Account}:" + typ + "/${" + nameVars[typ] + "}",
		Variables: []*apimodel.ARNVariable{{Name: nameVars[typ], Member: "Name"}}}
}

// TestResolver: users, roles, policies and instance profiles by name and by
// ARN, the calling user when the request names none, AWS managed policies,
// the trust policy for STS actions, and resources that do not exist.
func TestResolver(t *testing.T) {
	s := newTestService(t)
	alice := setupUser(t, s)
	ctx := rootCtx(acct)
	must[*iamv1.CreateRoleResponse](t)(s.CreateRole(ctx, &iamv1.CreateRoleRequest{RoleName: p("builder"), Path: p("/svc/"), AssumeRolePolicyDocument: p(docTrust),
		PermissionsBoundary: p("arn:aws:iam::aws:policy/ReadOnlyAccess"), Tags: []*iamv1.Tag{{Key: p("Env"), Value: p("dev")}}}))
	must[*iamv1.CreateInstanceProfileResponse](t)(s.CreateInstanceProfile(ctx, &iamv1.CreateInstanceProfileRequest{InstanceProfileName: p("ip"), Path: p("/x/")}))
	r := s.Resolver()
	root := callctx.From(ctx)
	resolve := func(c *callctx.Call, action string, ref *authz.ResourceRef) *authz.Resource {
		t.Helper()
		res, err := r.Resolve(context.Background(), c, action, ref)
		if err != nil {
			t.Fatalf("Resolve %s %+v: %v", action, ref, err)
		}
		return res
	}

	// By name: the stored path completes the ARN; tags and boundary key.
	res := resolve(root, "iam:GetRole", &authz.ResourceRef{Spec: spec("role"), ARN: "arn:aws:iam::" + acct + ":role/builder", Vars: map[string]string{"RoleNameWithPath": "BUILDER"}})
	if !res.Exists || res.ARN != "arn:aws:iam::"+acct+":role/svc/builder" || res.Tags["Env"] != "dev" || res.Policy != nil || res.Account != acct || res.Type != "role" {
		t.Errorf("role = %+v", res)
	}
	if len(res.Keys) != 1 || res.Keys[0].Name != "iam:PermissionsBoundary" || res.Keys[0].Values[0] != "arn:aws:iam::aws:policy/ReadOnlyAccess" {
		t.Errorf("role keys = %+v", res.Keys)
	}
	// By ARN for sts:AssumeRole: the trust policy; a wrong path is another role.
	res = resolve(root, "sts:AssumeRole", &authz.ResourceRef{ARN: "arn:aws:iam::" + acct + ":role/svc/builder", FromMember: true})
	if !res.Exists || res.Policy == nil || res.Policy.Policy.Kind != policy.KindTrust || res.Policy.Name != res.ARN {
		t.Errorf("role for AssumeRole = %+v", res)
	}
	res = resolve(root, "sts:AssumeRole", &authz.ResourceRef{ARN: "arn:aws:iam::" + acct + ":role/builder", FromMember: true})
	if res.Exists || res.Policy == nil || res.Policy.Policy.Kind != policy.KindTrust || len(res.Policy.Policy.Statements) != 0 {
		t.Errorf("role with the wrong path = %+v, want a trust policy that trusts nobody", res)
	} else {
		// Even a caller whose identity policy allows sts:AssumeRole is denied.
		alice := &policy.Principal{Kind: policy.PrincipalUser, ARN: "arn:aws:iam::" + acct + ":user/alice", Account: acct}
		allow := policy.Attached{Policy: policy.MustParse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`, policy.KindIdentity)}
		d := policy.Evaluate(&policy.Request{Principal: alice, Action: "sts:AssumeRole", Resource: res.ARN}, &policy.Policies{Identity: []policy.Attached{allow}, Resource: res.Policy})
		if d.Allowed() {
			t.Error("assuming a role that does not exist is allowed")
		}
	}
	// A path listing (ListUsers) names no user, not even the caller's own.
	listing := &apimodel.AuthzResource{Type: "user", ARNFormat: "arn:${Partition}:iam::${Account}:user${PathPrefix}",
		Variables: []*apimodel.ARNVariable{{Name: "PathPrefix", Member: "PathPrefix", Default: "/"}}}
	res = resolve(&callctx.Call{Account: acct, Region: "us-east-1", Principal: *alice}, "iam:ListUsers", &authz.ResourceRef{Spec: listing, ARN: "arn:aws:iam::" + acct + ":user/", Vars: map[string]string{"PathPrefix": "/"}})
	if res.Exists || res.ARN != "arn:aws:iam::"+acct+":user/" {
		t.Errorf("ListUsers resource = %+v", res)
	}
	// A create: the path from the request.
	res = resolve(root, "iam:CreateUser", &authz.ResourceRef{Spec: spec("user"), ARN: "arn:aws:iam::" + acct + ":user/bob", Vars: map[string]string{"UserNameWithPath": "bob"}, Path: "/ops/"})
	if res.Exists || res.ARN != "arn:aws:iam::"+acct+":user/ops/bob" {
		t.Errorf("user to create = %+v", res)
	}
	// No user name: the calling user.
	asAlice := &callctx.Call{Account: acct, Region: "us-east-1", Principal: *alice}
	res = resolve(asAlice, "iam:GetUser", &authz.ResourceRef{Spec: spec("user"), ARN: "arn:aws:iam::" + acct + ":user/*", Vars: map[string]string{}})
	if !res.Exists || res.ARN != alice.ARN || res.Tags["team"] != "img" {
		t.Errorf("calling user = %+v", res)
	}
	if len(res.Keys) != 1 || res.Keys[0].Values[0] != "arn:aws:iam::aws:policy/AWSImageBuilderReadOnlyAccess" {
		t.Errorf("user keys = %+v", res.Keys)
	}
	// Policies: customer managed by ARN, AWS managed as the caller's.
	res = resolve(root, "iam:GetPolicy", &authz.ResourceRef{Spec: spec("policy"), ARN: "arn:aws:iam::" + acct + ":policy/get", FromMember: true})
	if !res.Exists || res.Type != "policy" {
		t.Errorf("policy = %+v", res)
	}
	res = resolve(root, "iam:GetPolicy", &authz.ResourceRef{Spec: spec("policy"), ARN: "arn:aws:iam::aws:policy/ReadOnlyAccess", FromMember: true})
	if !res.Exists || res.Account != acct {
		t.Errorf("AWS managed policy = %+v", res)
	}
	res = resolve(root, "iam:GetInstanceProfile", &authz.ResourceRef{Spec: spec("instance-profile"), ARN: "arn:aws:iam::" + acct + ":instance-profile/ip", Vars: map[string]string{"InstanceProfileNameWithPath": "ip"}})
	if !res.Exists || res.ARN != "arn:aws:iam::"+acct+":instance-profile/x/ip" {
		t.Errorf("instance profile = %+v", res)
	}
	// Another account's role, by ARN: looked up there.
	res = resolve(root, "sts:AssumeRole", &authz.ResourceRef{ARN: "arn:aws:iam::444455556666:role/none", FromMember: true})
	if res.Exists || res.Account != "444455556666" {
		t.Errorf("other account's missing role = %+v", res)
	}
}

// TestCredentials: an active key yields the user; an inactive one is
// refused with InvalidClientTokenId; unknown and deleted keys are unknown.
func TestCredentials(t *testing.T) {
	s := newTestService(t)
	alice := setupUser(t, s)
	ctx := rootCtx(acct)
	key := must[*iamv1.CreateAccessKeyResponse](t)(s.CreateAccessKey(ctx, &iamv1.CreateAccessKeyRequest{UserName: p("alice")})).AccessKey
	src := s.Credentials()
	cred, err := src.LookupAccessKey(context.Background(), key.GetAccessKeyId(), "")
	if err != nil {
		t.Fatal(err)
	}
	if cred.SecretAccessKey != key.GetSecretAccessKey() || cred.Principal.Kind != auth.PrincipalIAMUser || cred.Principal.ARN != alice.ARN || cred.Principal.UserID != alice.UserID || cred.Principal.Name != "alice" {
		t.Errorf("credential = %+v", cred)
	}
	must[*iamv1.UpdateAccessKeyResponse](t)(s.UpdateAccessKey(ctx, &iamv1.UpdateAccessKeyRequest{UserName: p("alice"), AccessKeyId: key.AccessKeyId, Status: p("Inactive")}))
	_, err = src.LookupAccessKey(context.Background(), key.GetAccessKeyId(), "")
	var f *sigv4.Failure
	if !errors.As(err, &f) || f.AWSError(sigv4.Query).Code != "InvalidClientTokenId" {
		t.Errorf("inactive key: %v", err)
	}
	must[*iamv1.DeleteAccessKeyResponse](t)(s.DeleteAccessKey(ctx, &iamv1.DeleteAccessKeyRequest{UserName: p("alice"), AccessKeyId: key.AccessKeyId}))
	for _, id := range []string{key.GetAccessKeyId(), "AKIAUNKNOWNUNKNOWN00", "111122223333"} {
		if _, err := src.LookupAccessKey(context.Background(), id, ""); !errors.Is(err, auth.ErrUnknownAccessKey) {
			t.Errorf("%s: %v, want ErrUnknownAccessKey", id, err)
		}
	}
}

// TestSTSLookups: the exported API STS uses.
func TestSTSLookups(t *testing.T) {
	s := newTestService(t)
	setupUser(t, s)
	ctx := rootCtx(acct)
	must[*iamv1.CreateRoleResponse](t)(s.CreateRole(ctx, &iamv1.CreateRoleRequest{RoleName: p("builder"), Path: p("/svc/"), AssumeRolePolicyDocument: p(docTrust), MaxSessionDuration: ptr[int32](7200)}))
	bg := context.Background()
	role, found, err := s.RoleByARN(bg, "arn:aws:iam::"+acct+":role/svc/builder")
	if err != nil || !found || role.ID[:4] != "AROA" || role.MaxSessionDuration.Seconds() != 7200 || role.Trust == nil || role.TrustPolicy != docTrust {
		t.Fatalf("RoleByARN = %+v, %v, %v", role, found, err)
	}
	if _, found, _ := s.RoleByARN(bg, "arn:aws:iam::"+acct+":role/builder"); found {
		t.Error("RoleByARN with the wrong path found the role")
	}
	u, found, err := s.UserByARN(bg, "arn:aws:iam::"+acct+":user/eng/alice")
	if err != nil || !found || u.Name != "alice" || u.Tags["team"] != "img" {
		t.Fatalf("UserByARN = %+v, %v, %v", u, found, err)
	}
	if _, found, _ := s.UserByName(bg, acct, "nobody"); found {
		t.Error("UserByName found nobody")
	}
	doc, sess, found, err := s.ManagedPolicy(bg, acct, "arn:aws:iam::"+acct+":policy/get")
	if err != nil || !found || doc != docGet || sess.Policy.Kind != policy.KindSession {
		t.Fatalf("ManagedPolicy = %q, %+v, %v, %v", doc, sess, found, err)
	}
	if _, _, found, _ := s.ManagedPolicy(bg, "444455556666", "arn:aws:iam::"+acct+":policy/get"); found {
		t.Error("another account's managed policy was found")
	}
}
