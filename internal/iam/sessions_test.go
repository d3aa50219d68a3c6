package iam

import (
	"context"
	"testing"

	"github.com/ibemu/ibemu/internal/auth"
	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
)

// TestSessionPrincipalExists: a session's user or role exists while the
// entity it was issued for does — same unique id, same path — and a
// federation token issued before the user's id was recorded follows the
// user by path and name.
func TestSessionPrincipalExists(t *testing.T) {
	s := newTestService(t)
	ctx := rootCtx(acct)
	u := must[*iamv1.CreateUserResponse](t)(s.CreateUser(ctx, &iamv1.CreateUserRequest{UserName: p("w"), Path: p("/eng/")}))
	r := must[*iamv1.CreateRoleResponse](t)(s.CreateRole(ctx, &iamv1.CreateRoleRequest{RoleName: p("r"), Path: p("/svc/"), AssumeRolePolicyDocument: p(docTrust)}))
	userARN, userID := u.User.GetArn(), u.User.GetUserId()
	roleARN, roleID := r.Role.GetArn(), r.Role.GetRoleId()

	tokenOf := func(id string) *auth.Principal {
		return &auth.Principal{Kind: auth.PrincipalIAMUser, AccountID: acct, ARN: userARN, UserID: id, Name: "w", Session: &auth.Session{Kind: auth.SessionToken, SourceARN: userARN}}
	}
	roleSession := func(arn, id string) *auth.Principal {
		return &auth.Principal{Kind: auth.PrincipalAssumedRole, AccountID: acct, Session: &auth.Session{Kind: auth.SessionAssumeRole, RoleARN: arn, RoleID: id}}
	}
	federated := func(source, id string) *auth.Principal {
		return &auth.Principal{Kind: auth.PrincipalFederatedUser, AccountID: acct, Session: &auth.Session{Kind: auth.SessionFederation, SourceARN: source, SourceUserID: id}}
	}
	check := func(name string, pr *auth.Principal, want bool) {
		t.Helper()
		got, err := s.SessionPrincipalExists(context.Background(), pr)
		if err != nil || got != want {
			t.Errorf("%s: %v, %v; want %v", name, got, err, want)
		}
	}
	check("session token", tokenOf(userID), true)
	check("session token of another user id", tokenOf("AIDAOTHEROTHEROTHER1"), false)
	check("role session", roleSession(roleARN, roleID), true)
	check("role session, another role id", roleSession(roleARN, "AROAOTHEROTHEROTHER1"), false)
	check("role session, another path", roleSession("arn:aws:iam::"+acct+":role/r", roleID), false)
	check("federation", federated(userARN, userID), true)
	check("federation, token without the user id", federated(userARN, ""), true)
	check("federation, another user id", federated(userARN, "AIDAOTHEROTHEROTHER1"), false)
	check("federation, another path", federated("arn:aws:iam::"+acct+":user/w", userID), false)
	check("root's federation", federated("arn:aws:iam::"+acct+":root", ""), true)
	check("root's session token", &auth.Principal{Kind: auth.PrincipalRoot, AccountID: acct, Session: &auth.Session{Kind: auth.SessionToken}}, true)

	must[*iamv1.DeleteUserResponse](t)(s.DeleteUser(ctx, &iamv1.DeleteUserRequest{UserName: p("w")}))
	must[*iamv1.DeleteRoleResponse](t)(s.DeleteRole(ctx, &iamv1.DeleteRoleRequest{RoleName: p("r")}))
	check("session token, user deleted", tokenOf(userID), false)
	check("role session, role deleted", roleSession(roleARN, roleID), false)
	check("federation, user deleted", federated(userARN, userID), false)
	check("federation without the user id, user deleted", federated(userARN, ""), false)
}
