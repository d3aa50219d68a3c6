package emulator_test

import (
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/emulator/emulatortest"
)

// TestIAMAccountAuthorizationDetails: every kind with what is attached, the
// filter, pagination across the lists, AWS managed policies only when used.
func TestIAMAccountAuthorizationDetails(t *testing.T) {
	_, c := startIAM(t)
	ctx := testContext(t)
	pol, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("local"), PolicyDocument: aws.String(allowGet)})
	if err != nil {
		t.Fatal(err)
	}
	steps := []func() error{
		func() error { _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u")}); return err },
		func() error {
			_, err := c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("g")})
			return err
		},
		func() error {
			_, err := c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("g"), UserName: aws.String("u")})
			return err
		},
		func() error {
			_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(ec2Trust)})
			return err
		},
		func() error {
			_, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("u"), PolicyName: aws.String("i"), PolicyDocument: aws.String(allowGet)})
			return err
		},
		func() error {
			_, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")})
			return err
		},
		func() error {
			_, err := c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("g"), PolicyArn: pol.Policy.Arn})
			return err
		},
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	all, err := c.GetAccountAuthorizationDetails(ctx, &iam.GetAccountAuthorizationDetailsInput{})
	if err != nil {
		t.Fatalf("GetAccountAuthorizationDetails: %v", err)
	}
	if len(all.UserDetailList) != 1 || len(all.GroupDetailList) != 1 || len(all.RoleDetailList) != 1 || len(all.Policies) != 2 {
		t.Fatalf("details: %d users, %d groups, %d roles, %d policies", len(all.UserDetailList), len(all.GroupDetailList), len(all.RoleDetailList), len(all.Policies))
	}
	u := all.UserDetailList[0]
	if len(u.UserPolicyList) != 1 || decoded(t, u.UserPolicyList[0].PolicyDocument) != allowGet || len(u.GroupList) != 1 || u.GroupList[0] != "g" {
		t.Errorf("user detail = %+v", u)
	}
	var names []string
	for _, p := range all.Policies {
		names = append(names, aws.ToString(p.PolicyName))
		if len(p.PolicyVersionList) != 1 || p.PolicyVersionList[0].Document == nil {
			t.Errorf("policy %s versions = %+v", aws.ToString(p.PolicyName), p.PolicyVersionList)
		}
	}
	requireSameStrings(t, "policies (AWS managed only when attached)", names, []string{"AdministratorAccess", "local"})

	roles, err := c.GetAccountAuthorizationDetails(ctx, &iam.GetAccountAuthorizationDetailsInput{Filter: []types.EntityType{types.EntityTypeRole}})
	if err != nil || len(roles.RoleDetailList) != 1 || len(roles.UserDetailList) != 0 || len(roles.Policies) != 0 {
		t.Fatalf("Filter=Role = %+v, %v", roles, err)
	}
	count := 0
	p := iam.NewGetAccountAuthorizationDetailsPaginator(c, &iam.GetAccountAuthorizationDetailsInput{MaxItems: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		count += len(page.UserDetailList) + len(page.GroupDetailList) + len(page.RoleDetailList) + len(page.Policies)
	}
	if count != 5 {
		t.Errorf("paged details: %d entries, want 5", count)
	}
}

// TestIAMRestart: IAM state and user keys survive a restart.
func TestIAMRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "iam.db")
	ctx := testContext(t)
	emu := emulatortest.Start(t, func(c *emulator.Config) { c.DataPath = path })
	c := iamClient(t, emu.AWSConfig(accountA))
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("keeper"), Path: aws.String("/p/")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("keeper"), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}); err != nil {
		t.Fatal(err)
	}
	key, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("keeper")})
	if err != nil {
		t.Fatal(err)
	}
	if err := emu.Close(ctx); err != nil {
		t.Fatal(err)
	}

	emu2 := emulatortest.Start(t, func(c *emulator.Config) { c.DataPath = path })
	c2 := iamClient(t, emu2.AWSConfig(accountA))
	u, err := c2.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("keeper")})
	if err != nil || aws.ToString(u.User.Arn) != "arn:aws:iam::"+accountA+":user/p/keeper" {
		t.Fatalf("GetUser after restart = %v, %v", u, err)
	}
	att, err := c2.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: aws.String("keeper")})
	if err != nil || len(att.AttachedPolicies) != 1 {
		t.Fatalf("attached after restart = %v, %v", att, err)
	}
	who, err := stsClient(t, withKey(emu2.AWSConfig(accountA), aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey))).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(who.Arn) != aws.ToString(u.User.Arn) {
		t.Fatalf("the user's key after restart = %v, %v", who, err)
	}
	// Accounts stay apart.
	other, err := iamClient(t, emu2.AWSConfig(accountB)).ListUsers(ctx, &iam.ListUsersInput{})
	if err != nil || len(other.Users) != 0 {
		t.Fatalf("account B sees %v, %v", other, err)
	}
}
