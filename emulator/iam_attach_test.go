package emulator_test

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// TestIAMAttachPolicies: attach and detach for users, groups and roles, the
// ten-policy quota, unknown policies, AttachmentCount,
// ListEntitiesForPolicy, boundaries and DeletePolicy's conflict.
func TestIAMAttachPolicies(t *testing.T) {
	_, c := startIAM(t)
	ctx := testContext(t)
	var arns []string
	for i := 0; i < 11; i++ {
		out, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(fmt.Sprintf("p%02d", i)), PolicyDocument: aws.String(allowGet)})
		if err != nil {
			t.Fatal(err)
		}
		arns = append(arns, aws.ToString(out.Policy.Arn))
	}
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("g")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(ec2Trust)}); err != nil {
		t.Fatal(err)
	}
	attach := map[string]func(arn string) error{
		"PoliciesPerUser": func(arn string) error {
			_, err := c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("u"), PolicyArn: aws.String(arn)})
			return err
		},
		"PoliciesPerGroup": func(arn string) error {
			_, err := c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("g"), PolicyArn: aws.String(arn)})
			return err
		},
		"PoliciesPerRole": func(arn string) error {
			_, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String(arn)})
			return err
		},
	}
	for quota, fn := range attach {
		for _, a := range arns[:10] {
			if err := fn(a); err != nil {
				t.Fatalf("%s: attach %s: %v", quota, a, err)
			}
		}
		if err := fn(arns[0]); err != nil {
			t.Errorf("%s: attaching again: %v", quota, err)
		}
		requireIAMError(t, fn(arns[10]), "LimitExceeded", 409, "Cannot exceed quota for "+quota+": 10")
		missing := "arn:aws:iam::" + accountA + ":policy/missing"
		requireIAMError(t, fn(missing), "NoSuchEntity", 404, "Policy "+missing+" does not exist or is not attachable.")
	}
	_, err := c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("nobody"), PolicyArn: aws.String(arns[0])})
	requireIAMError(t, err, "NoSuchEntity", 404, "The user with name nobody cannot be found.")

	p, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arns[0])})
	if err != nil || aws.ToInt32(p.Policy.AttachmentCount) != 3 {
		t.Fatalf("AttachmentCount = %v, %v", p, err)
	}
	ents, err := c.ListEntitiesForPolicy(ctx, &iam.ListEntitiesForPolicyInput{PolicyArn: aws.String(arns[0])})
	if err != nil || len(ents.PolicyUsers) != 1 || len(ents.PolicyGroups) != 1 || len(ents.PolicyRoles) != 1 || aws.ToString(ents.PolicyUsers[0].UserName) != "u" {
		t.Fatalf("ListEntitiesForPolicy = %+v, %v", ents, err)
	}
	listed, err := c.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: aws.String("u"), MaxItems: aws.Int32(4)})
	if err != nil || len(listed.AttachedPolicies) != 4 || !listed.IsTruncated || aws.ToString(listed.AttachedPolicies[0].PolicyName) != "p00" {
		t.Fatalf("ListAttachedUserPolicies = %+v, %v", listed, err)
	}

	_, err = c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(arns[0])})
	requireIAMError(t, err, "DeleteConflict", 409, "Cannot delete a policy attached to entities.")
	_, err = c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("u")})
	requireIAMError(t, err, "DeleteConflict", 409, "Cannot delete entity, must detach all policies first.")
	_, err = c.DeleteGroup(ctx, &iam.DeleteGroupInput{GroupName: aws.String("g")})
	requireIAMError(t, err, "DeleteConflict", 409, "Cannot delete entity, must detach all policies first.")

	if _, err := c.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String("u"), PolicyArn: aws.String(arns[0])}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String("u"), PolicyArn: aws.String(arns[0])})
	requireIAMError(t, err, "NoSuchEntity", 404, "Policy "+arns[0]+" was not found.")
	p, _ = c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arns[0])})
	if aws.ToInt32(p.Policy.AttachmentCount) != 2 {
		t.Errorf("AttachmentCount after detach = %d", aws.ToInt32(p.Policy.AttachmentCount))
	}

	// Boundaries: any managed policy, counted apart.
	if _, err := c.PutUserPermissionsBoundary(ctx, &iam.PutUserPermissionsBoundaryInput{UserName: aws.String("u"), PermissionsBoundary: aws.String(arns[10])}); err != nil {
		t.Fatalf("PutUserPermissionsBoundary: %v", err)
	}
	if _, err := c.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: aws.String("r"), PermissionsBoundary: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}); err != nil {
		t.Fatalf("PutRolePermissionsBoundary: %v", err)
	}
	_, err = c.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: aws.String("r"), PermissionsBoundary: aws.String("arn:aws:iam::aws:policy/NoSuchPolicy")})
	requireAPIError(t, err, "NoSuchEntity", 404)
	u, err := c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("u")})
	if err != nil || u.User.PermissionsBoundary == nil || aws.ToString(u.User.PermissionsBoundary.PermissionsBoundaryArn) != arns[10] {
		t.Fatalf("GetUser boundary = %+v, %v", u, err)
	}
	p, _ = c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arns[10])})
	if aws.ToInt32(p.Policy.PermissionsBoundaryUsageCount) != 1 || aws.ToInt32(p.Policy.AttachmentCount) != 0 {
		t.Errorf("boundary counts = %d/%d", aws.ToInt32(p.Policy.PermissionsBoundaryUsageCount), aws.ToInt32(p.Policy.AttachmentCount))
	}
	_, err = c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(arns[10])})
	requireIAMError(t, err, "DeleteConflict", 409, "Cannot delete a policy attached to entities.")
	if _, err := c.DeleteUserPermissionsBoundary(ctx, &iam.DeleteUserPermissionsBoundaryInput{UserName: aws.String("u")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(arns[10])}); err != nil {
		t.Fatalf("DeletePolicy after removing the boundary: %v", err)
	}
	r, _ := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("r")})
	if r.Role.PermissionsBoundary == nil || aws.ToString(r.Role.PermissionsBoundary.PermissionsBoundaryArn) != "arn:aws:iam::aws:policy/ReadOnlyAccess" {
		t.Errorf("role boundary = %+v", r.Role.PermissionsBoundary)
	}
}

// TestIAMInlinePolicies: Put/Get/Delete/List for the three kinds and the
// aggregate size quota; a failed put changes nothing.
func TestIAMInlinePolicies(t *testing.T) {
	_, c := startIAM(t)
	ctx := testContext(t)
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("g")}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"b", "a"} {
		if _, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("u"), PolicyName: aws.String(name), PolicyDocument: aws.String(allowGet)}); err != nil {
			t.Fatalf("PutUserPolicy: %v", err)
		}
	}
	list, err := c.ListUserPolicies(ctx, &iam.ListUserPoliciesInput{UserName: aws.String("u")})
	if err != nil {
		t.Fatal(err)
	}
	requireSameStrings(t, "inline policies", list.PolicyNames, []string{"a", "b"})
	got, err := c.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: aws.String("U"), PolicyName: aws.String("a")})
	if err != nil || aws.ToString(got.UserName) != "u" || decoded(t, got.PolicyDocument) != allowGet {
		t.Fatalf("GetUserPolicy = %+v, %v", got, err)
	}
	_, err = c.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: aws.String("u"), PolicyName: aws.String("zz")})
	requireIAMError(t, err, "NoSuchEntity", 404, "The user policy with name zz cannot be found.")

	// The user quota is 2,048 non-white-space characters for all inline policies.
	big := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + fmt.Sprintf("%01900d", 0) + `"}]}`
	_, err = c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("u"), PolicyName: aws.String("c"), PolicyDocument: aws.String(big)})
	requireIAMError(t, err, "LimitExceeded", 409, "Maximum policy size of 2048 bytes exceeded for user u")
	list, _ = c.ListUserPolicies(ctx, &iam.ListUserPoliciesInput{UserName: aws.String("u")})
	requireSameStrings(t, "inline policies after a failed put", list.PolicyNames, []string{"a", "b"})
	// A group has a larger quota.
	if _, err := c.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: aws.String("g"), PolicyName: aws.String("c"), PolicyDocument: aws.String(big)}); err != nil {
		t.Fatalf("PutGroupPolicy: %v", err)
	}
	_, err = c.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: aws.String("g"), PolicyName: aws.String("bad"), PolicyDocument: aws.String(`{"Version":"2012-10-17"}`)})
	requireAPIError(t, err, "MalformedPolicyDocument", 400)
	gp, err := c.GetGroupPolicy(ctx, &iam.GetGroupPolicyInput{GroupName: aws.String("g"), PolicyName: aws.String("c")})
	if err != nil || decoded(t, gp.PolicyDocument) != big {
		t.Fatalf("GetGroupPolicy = %v", err)
	}

	_, err = c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("u")})
	requireIAMError(t, err, "DeleteConflict", 409, "Cannot delete entity, must delete policies first.")
	for _, name := range []string{"a", "b"} {
		if _, err := c.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: aws.String("u"), PolicyName: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = c.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: aws.String("u"), PolicyName: aws.String("a")})
	requireIAMError(t, err, "NoSuchEntity", 404, "The user policy with name a cannot be found.")
	if _, err := c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("u")}); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
}
