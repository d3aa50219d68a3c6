package emulator_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// TestIAMRoles: CreateRole with its trust policy, GetRole, UpdateRole,
// UpdateRoleDescription, UpdateAssumeRolePolicy, tags, DeleteRole and
// their errors.
func TestIAMRoles(t *testing.T) {
	emu, c := startIAM(t)
	ctx := testContext(t)
	out, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("builder"), Path: aws.String("/svc/"), AssumeRolePolicyDocument: aws.String(ec2Trust),
		Description: aws.String("builds images"), Tags: []types.Tag{{Key: aws.String("Env"), Value: aws.String("dev")}}})
	if err != nil {
		t.Fatalf("CreateRole: %v", err)
	}
	r := out.Role
	if aws.ToString(r.Arn) != "arn:aws:iam::"+accountA+":role/svc/builder" || aws.ToString(r.RoleId)[:4] != "AROA" || aws.ToInt32(r.MaxSessionDuration) != 3600 {
		t.Errorf("CreateRole = %+v", r)
	}
	if decoded(t, r.AssumeRolePolicyDocument) != ec2Trust {
		t.Errorf("trust policy = %q", decoded(t, r.AssumeRolePolicyDocument))
	}
	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("BUILDER"), AssumeRolePolicyDocument: aws.String(ec2Trust)})
	requireIAMError(t, err, "EntityAlreadyExists", 409, "Role with name BUILDER already exists.")

	// Trust policies: the language, the quota, and principals of this account that exist.
	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("bad"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}`)})
	requireAPIError(t, err, "MalformedPolicyDocument", 400)
	ghost := "arn:aws:iam::" + accountA + ":role/ghost"
	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("bad"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + ghost + `"},"Action":"sts:AssumeRole"}]}`)})
	requireIAMError(t, err, "MalformedPolicyDocument", 400, `Invalid principal in policy: "AWS":"`+ghost+`"`)
	// Another account's principals must exist too (IAM resolves every one of
	// them); the account itself is always a valid principal.
	otherGhost := "arn:aws:iam::" + accountB + ":role/anything"
	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("bad"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + otherGhost + `"},"Action":"sts:AssumeRole"}]}`)})
	requireIAMError(t, err, "MalformedPolicyDocument", 400, `Invalid principal in policy: "AWS":"`+otherGhost+`"`)
	if _, err := iamClient(t, emu.AWSConfig(accountB)).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("anything"), AssumeRolePolicyDocument: aws.String(ec2Trust)}); err != nil {
		t.Fatal(err)
	}
	other := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::` + accountB + `:role/anything","arn:aws:iam::` + accountA + `:role/svc/builder","arn:aws:iam::777788889999:root"]},"Action":"sts:AssumeRole"}]}`
	if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("trusting"), AssumeRolePolicyDocument: aws.String(other), MaxSessionDuration: aws.Int32(7200)}); err != nil {
		t.Fatalf("CreateRole trusting existing roles and another account: %v", err)
	}
	big := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"` + strings.Repeat("1", 2100) + `"}}}]}`
	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("bad"), AssumeRolePolicyDocument: aws.String(big)})
	requireIAMError(t, err, "LimitExceeded", 409, "Cannot exceed quota for ACLSizePerRole: 2048")
	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("bad"), AssumeRolePolicyDocument: aws.String(ec2Trust), MaxSessionDuration: aws.Int32(100)})
	requireAPIError(t, err, "ValidationError", 400)
	_, err = c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("bad")})
	requireIAMError(t, err, "NoSuchEntity", 404, "The role with name bad cannot be found.")

	got, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("builder")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.Role.Description) != "builds images" || len(got.Role.Tags) != 1 || got.Role.RoleLastUsed == nil {
		t.Errorf("GetRole = %+v", got.Role)
	}

	if _, err := c.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: aws.String("builder"), MaxSessionDuration: aws.Int32(43200), Description: aws.String("new")}); err != nil {
		t.Fatalf("UpdateRole: %v", err)
	}
	desc, err := c.UpdateRoleDescription(ctx, &iam.UpdateRoleDescriptionInput{RoleName: aws.String("builder"), Description: aws.String("newer")})
	if err != nil || aws.ToString(desc.Role.Description) != "newer" || aws.ToInt32(desc.Role.MaxSessionDuration) != 43200 {
		t.Fatalf("UpdateRoleDescription = %+v, %v", desc, err)
	}
	lambda := strings.ReplaceAll(ec2Trust, "ec2", "lambda")
	if _, err := c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("builder"), PolicyDocument: aws.String(lambda)}); err != nil {
		t.Fatalf("UpdateAssumeRolePolicy: %v", err)
	}
	_, err = c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("builder"), PolicyDocument: aws.String(`{"Statement":[]}`)})
	requireAPIError(t, err, "MalformedPolicyDocument", 400)
	got, _ = c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("builder")})
	if decoded(t, got.Role.AssumeRolePolicyDocument) != lambda {
		t.Errorf("trust after a failed update = %q", decoded(t, got.Role.AssumeRolePolicyDocument))
	}

	// Tags: case-insensitive keys for roles, 50 at most, untag.
	if _, err := c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("builder"), Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("prod")}, {Key: aws.String("Owner"), Value: aws.String("me")}}}); err != nil {
		t.Fatalf("TagRole: %v", err)
	}
	tags, err := c.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: aws.String("builder")})
	if err != nil || len(tags.Tags) != 2 || aws.ToString(tags.Tags[0].Key) != "env" || aws.ToString(tags.Tags[0].Value) != "prod" {
		t.Fatalf("ListRoleTags = %+v, %v", tags, err)
	}
	var many []types.Tag
	for i := 0; i < 49; i++ {
		many = append(many, types.Tag{Key: aws.String("k" + string(rune('A'+i%26)) + string(rune('a'+i/26))), Value: aws.String("v")})
	}
	_, err = c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("builder"), Tags: many})
	requireAPIError(t, err, "LimitExceeded", 409)
	_, err = c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("builder"), Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("A"), Value: aws.String("2")}}})
	requireIAMError(t, err, "InvalidInput", 400, "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
	if _, err := c.UntagRole(ctx, &iam.UntagRoleInput{RoleName: aws.String("builder"), TagKeys: []string{"ENV", "absent"}}); err != nil {
		t.Fatal(err)
	}
	tags, _ = c.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: aws.String("builder")})
	if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "Owner" {
		t.Errorf("tags after untag = %+v", tags.Tags)
	}

	// ListRoles with a path prefix.
	list, err := c.ListRoles(ctx, &iam.ListRolesInput{PathPrefix: aws.String("/svc/")})
	if err != nil || len(list.Roles) != 1 || aws.ToString(list.Roles[0].RoleName) != "builder" {
		t.Fatalf("ListRoles /svc/ = %+v, %v", list, err)
	}

	// DeleteRole refuses while policies or instance profiles hold it.
	if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("builder"), PolicyName: aws.String("p"), PolicyDocument: aws.String(allowGet)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("builder")})
	requireIAMError(t, err, "DeleteConflict", 409, "Cannot delete entity, must delete policies first.")
	if _, err := c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("builder"), PolicyName: aws.String("p")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("builder"), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("builder")})
	requireIAMError(t, err, "DeleteConflict", 409, "Cannot delete entity, must detach all policies first.")
	if _, err := c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String("builder"), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("builder")}); err != nil {
		t.Fatalf("DeleteRole: %v", err)
	}
}

// TestIAMServiceLinkedRole: Image Builder's service-linked role, its
// protections, a second creation, other services, and deletion.
func TestIAMServiceLinkedRole(t *testing.T) {
	_, c := startIAM(t)
	ctx := testContext(t)
	out, err := c.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("imagebuilder.amazonaws.com")})
	if err != nil {
		t.Fatalf("CreateServiceLinkedRole: %v", err)
	}
	const name = "AWSServiceRoleForImageBuilder"
	wantARN := "arn:aws:iam::" + accountA + ":role/aws-service-role/imagebuilder.amazonaws.com/" + name
	if aws.ToString(out.Role.Arn) != wantARN || aws.ToString(out.Role.Path) != "/aws-service-role/imagebuilder.amazonaws.com/" {
		t.Errorf("service-linked role = %+v", out.Role)
	}
	if !strings.Contains(decoded(t, out.Role.AssumeRolePolicyDocument), `"Service":"imagebuilder.amazonaws.com"`) {
		t.Errorf("trust = %s", decoded(t, out.Role.AssumeRolePolicyDocument))
	}
	att, err := c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(name)})
	if err != nil || len(att.AttachedPolicies) != 1 || aws.ToString(att.AttachedPolicies[0].PolicyArn) != "arn:aws:iam::aws:policy/aws-service-role/AWSServiceRoleForImageBuilder" {
		t.Fatalf("attached = %+v, %v", att, err)
	}
	_, err = c.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("imagebuilder.amazonaws.com")})
	requireIAMError(t, err, "InvalidInput", 400, "Service role name AWSServiceRoleForImageBuilder has been taken in this account, please try a different suffix.")
	_, err = c.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("elasticbeanstalk.amazonaws.com")})
	requireAPIError(t, err, "InvalidInput", 400)

	protected := "Cannot perform the operation on the protected role '" + name + "' - this role is only modifiable by AWS"
	_, err = c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String(name), PolicyDocument: aws.String(ec2Trust)})
	requireIAMError(t, err, "UnmodifiableEntity", 400, protected)
	_, err = c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(name), PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")})
	requireIAMError(t, err, "UnmodifiableEntity", 400, protected)
	_, err = c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String("x"), PolicyDocument: aws.String(allowAll)})
	requireIAMError(t, err, "UnmodifiableEntity", 400, protected)
	_, err = c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String(name)})
	requireIAMError(t, err, "UnmodifiableEntity", 400, protected)

	del, err := c.DeleteServiceLinkedRole(ctx, &iam.DeleteServiceLinkedRoleInput{RoleName: aws.String(name)})
	if err != nil {
		t.Fatalf("DeleteServiceLinkedRole: %v", err)
	}
	st, err := c.GetServiceLinkedRoleDeletionStatus(ctx, &iam.GetServiceLinkedRoleDeletionStatusInput{DeletionTaskId: del.DeletionTaskId})
	if err != nil || st.Status != types.DeletionTaskStatusTypeSucceeded {
		t.Fatalf("deletion status = %+v, %v", st, err)
	}
	_, err = c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	requireAPIError(t, err, "NoSuchEntity", 404)
}
