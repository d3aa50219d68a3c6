package emulator_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// TestIAMManagedPolicyVersions: CreatePolicy, GetPolicy, versions up to
// five, SetDefaultPolicyVersion, DeletePolicyVersion, DeletePolicy.
func TestIAMManagedPolicyVersions(t *testing.T) {
	_, c := startIAM(t)
	ctx := testContext(t)
	out, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("readers"), Path: aws.String("/team/"), PolicyDocument: aws.String(allowGet),
		Description: aws.String("read"), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	if err != nil {
		t.Fatalf("CreatePolicy: %v", err)
	}
	arn := "arn:aws:iam::" + accountA + ":policy/team/readers"
	p := out.Policy
	if aws.ToString(p.Arn) != arn || aws.ToString(p.PolicyId)[:4] != "ANPA" || aws.ToString(p.DefaultVersionId) != "v1" || !p.IsAttachable || aws.ToInt32(p.AttachmentCount) != 0 {
		t.Errorf("CreatePolicy = %+v", p)
	}
	_, err = c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("READERS"), PolicyDocument: aws.String(allowGet)})
	requireIAMError(t, err, "EntityAlreadyExists", 409, "A policy called READERS already exists. Duplicate names are not allowed.")
	_, err = c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("bad"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]}`)})
	requireAPIError(t, err, "MalformedPolicyDocument", 400)
	_, err = c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("huge"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + strings.Repeat("b", 6200) + `"}]}`)})
	requireIAMError(t, err, "LimitExceeded", 409, "Cannot exceed quota for PolicySize: 6144")
	_, err = c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String("arn:aws:iam::" + accountA + ":policy/bad")})
	requireIAMError(t, err, "NoSuchEntity", 404, "Policy arn:aws:iam::"+accountA+":policy/bad was not found.")

	got, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	if err != nil || aws.ToString(got.Policy.Description) != "read" || len(got.Policy.Tags) != 1 {
		t.Fatalf("GetPolicy = %+v, %v", got, err)
	}

	for i := 2; i <= 5; i++ {
		v, err := c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(allowAll), SetAsDefault: i == 3})
		if err != nil {
			t.Fatalf("CreatePolicyVersion %d: %v", i, err)
		}
		if aws.ToString(v.PolicyVersion.VersionId) != fmt.Sprintf("v%d", i) || v.PolicyVersion.IsDefaultVersion != (i == 3) {
			t.Errorf("version %d = %+v", i, v.PolicyVersion)
		}
	}
	_, err = c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(allowAll)})
	requireIAMError(t, err, "LimitExceeded", 409, "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.")

	vs, err := c.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, v := range vs.Versions {
		ids = append(ids, aws.ToString(v.VersionId))
	}
	requireSameStrings(t, "versions", ids, []string{"v5", "v4", "v3", "v2", "v1"})

	v1, err := c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v1")})
	if err != nil || decoded(t, v1.PolicyVersion.Document) != allowGet || v1.PolicyVersion.IsDefaultVersion {
		t.Fatalf("GetPolicyVersion v1 = %+v, %v", v1, err)
	}
	if raw := aws.ToString(v1.PolicyVersion.Document); !strings.HasPrefix(raw, "%7B%22Version%22%3A%222012-10-17%22") {
		t.Errorf("document is not URL-encoded as IAM sends it: %q", raw)
	}
	_, err = c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v9")})
	requireIAMError(t, err, "NoSuchEntity", 404, "Policy "+arn+" version v9 does not exist or is not attachable.")

	_, err = c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v3")})
	requireIAMError(t, err, "DeleteConflict", 409, "Cannot delete the default version of a policy.")
	if _, err := c.SetDefaultPolicyVersion(ctx, &iam.SetDefaultPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v5")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(arn)})
	requireAPIError(t, err, "DeleteConflict", 409)
	for _, v := range []string{"v1", "v2", "v3", "v4"} {
		if _, err := c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String(v)}); err != nil {
			t.Fatalf("DeletePolicyVersion %s: %v", v, err)
		}
	}
	// Numbers are not reused.
	v6, err := c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(allowGet)})
	if err != nil || aws.ToString(v6.PolicyVersion.VersionId) != "v6" {
		t.Fatalf("version after deletes = %+v, %v", v6, err)
	}
	if _, err := c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v6")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(arn)}); err != nil {
		t.Fatalf("DeletePolicy: %v", err)
	}
	_, err = c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	requireAPIError(t, err, "NoSuchEntity", 404)
}

// TestIAMAWSManagedPolicies: AWS managed policies read like AWS's, list under
// Scope=AWS, and count their attachments per account.
func TestIAMAWSManagedPolicies(t *testing.T) {
	_, c := startIAM(t)
	ctx := testContext(t)
	slr := "arn:aws:iam::aws:policy/aws-service-role/AWSServiceRoleForImageBuilder"
	p, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(slr)})
	if err != nil {
		t.Fatalf("GetPolicy: %v", err)
	}
	if aws.ToString(p.Policy.Path) != "/aws-service-role/" || aws.ToString(p.Policy.DefaultVersionId) != "v28" {
		t.Errorf("GetPolicy = %+v", p.Policy)
	}
	v, err := c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(slr), VersionId: aws.String("v28")})
	if err != nil || !strings.Contains(decoded(t, v.PolicyVersion.Document), "ec2:RegisterImage") {
		t.Fatalf("GetPolicyVersion = %v, %v", v, err)
	}
	var names []string
	pg := iam.NewListPoliciesPaginator(c, &iam.ListPoliciesInput{Scope: types.PolicyScopeTypeAws, MaxItems: aws.Int32(4)})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range page.Policies {
			names = append(names, aws.ToString(p.PolicyName))
		}
	}
	for _, want := range []string{"AdministratorAccess", "ReadOnlyAccess", "IAMReadOnlyAccess", "AWSImageBuilderFullAccess", "EC2InstanceProfileForImageBuilder"} {
		if !strings.Contains(strings.Join(names, ","), want) {
			t.Errorf("ListPolicies Scope=AWS lacks %s: %v", want, names)
		}
	}

	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("u"), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}); err != nil {
		t.Fatal(err)
	}
	attached, err := c.ListPolicies(ctx, &iam.ListPoliciesInput{OnlyAttached: true})
	if err != nil || len(attached.Policies) != 1 || aws.ToString(attached.Policies[0].PolicyName) != "ReadOnlyAccess" || aws.ToInt32(attached.Policies[0].AttachmentCount) != 1 {
		t.Fatalf("ListPolicies OnlyAttached = %+v, %v", attached, err)
	}
	local, err := c.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: types.PolicyScopeTypeLocal})
	if err != nil || len(local.Policies) != 0 {
		t.Fatalf("ListPolicies Local = %+v, %v", local, err)
	}
	_, err = c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")})
	requireAPIError(t, err, "InvalidInput", 400)
}
