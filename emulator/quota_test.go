package emulator_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/emulator/emulatortest"
)

// Account quotas, lowered so a test can reach them: the create past the
// quota answers the service's own error and changes nothing; deleting one
// frees a place; another account is not affected.
func TestAccountQuotas(t *testing.T) {
	emu := emulatortest.Start(t, func(c *emulator.Config) {
		c.Quotas = map[string]int{
			"iam:UsersPerAccount": 2, "iam:RolesPerAccount": 2, "iam:GroupsPerAccount": 1,
			"iam:PoliciesPerAccount": 1, "iam:InstanceProfilesPerAccount": 1,
			"s3:BucketsPerAccount": 2, "kms:KeysPerRegion": 1,
		}
	})
	ctx := context.Background()
	im := iam.NewFromConfig(emu.AWSConfig(accountA))

	t.Run("IAM users", func(t *testing.T) {
		for i := range 2 {
			if _, err := im.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(fmt.Sprintf("u%d", i))}); err != nil {
				t.Fatal(err)
			}
		}
		_, err := im.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u2")})
		requireIAMError(t, err, "LimitExceeded", 409, "Cannot exceed quota for UsersPerAccount: 2")
		// At the quota, a name already taken (case-insensitively) is still
		// EntityAlreadyExists.
		for _, taken := range []string{"u1", "U1"} {
			_, err = im.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(taken)})
			requireAPIError(t, err, "EntityAlreadyExists", 409)
		}
		if _, err := im.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("u2")}); err == nil {
			t.Fatal("the refused user exists")
		}
		if _, err := im.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("u0")}); err != nil {
			t.Fatal(err)
		}
		if _, err := im.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u2")}); err != nil {
			t.Fatalf("after a delete: %v", err)
		}
		// Another account has its own quota.
		other := iam.NewFromConfig(emu.AWSConfig(accountB))
		if _, err := other.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u0")}); err != nil {
			t.Fatalf("account B: %v", err)
		}
	})
	t.Run("IAM roles, groups, policies, instance profiles", func(t *testing.T) {
		trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
		for i := range 2 {
			if _, err := im.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(fmt.Sprintf("r%d", i)), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
				t.Fatal(err)
			}
		}
		_, err := im.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r2"), AssumeRolePolicyDocument: aws.String(trust)})
		requireIAMError(t, err, "LimitExceeded", 409, "Cannot exceed quota for RolesPerAccount: 2")
		_, err = im.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r1"), AssumeRolePolicyDocument: aws.String(trust)})
		requireAPIError(t, err, "EntityAlreadyExists", 409)

		if _, err := im.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("g0")}); err != nil {
			t.Fatal(err)
		}
		_, err = im.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("g1")})
		requireIAMError(t, err, "LimitExceeded", 409, "Cannot exceed quota for GroupsPerAccount: 1")
		_, err = im.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("G0")})
		requireAPIError(t, err, "EntityAlreadyExists", 409)

		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
		if _, err := im.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("p0"), PolicyDocument: aws.String(doc)}); err != nil {
			t.Fatal(err)
		}
		_, err = im.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("p1"), PolicyDocument: aws.String(doc)})
		requireIAMError(t, err, "LimitExceeded", 409, "Cannot exceed quota for PoliciesPerAccount: 1")

		if _, err := im.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("ip0")}); err != nil {
			t.Fatal(err)
		}
		_, err = im.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("ip1")})
		requireIAMError(t, err, "LimitExceeded", 409, "Cannot exceed quota for InstanceProfilesPerAccount: 1")

		// A name already taken is still EntityAlreadyExists at the quota:
		// the existence check comes first, as on AWS.
		_, err = im.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("ip0")})
		requireAPIError(t, err, "EntityAlreadyExists", 409)
	})
	t.Run("S3 buckets", func(t *testing.T) {
		c := emulatortest.S3Client(emu, emu.AWSConfig(accountA), true)
		for _, b := range []string{"quota-a-1", "quota-a-2"} {
			if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
				t.Fatal(err)
			}
		}
		_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("quota-a-3")})
		api := requireAPIError(t, err, "TooManyBuckets", 400)
		if api.ErrorMessage() != "You have attempted to create more buckets than allowed" {
			t.Errorf("message %q", api.ErrorMessage())
		}
		if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("quota-a-3")}); err == nil {
			t.Fatal("the refused bucket exists")
		}
		// Creating again a bucket the account owns is not a new bucket: in
		// us-east-1 S3 answers 200, at the quota as below it.
		if _, err = c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("quota-a-1")}); err != nil {
			t.Fatalf("re-create of an owned bucket at the quota: %v", err)
		}
	})
	t.Run("KMS keys", func(t *testing.T) {
		c := kms.NewFromConfig(emu.AWSConfig(accountA))
		if _, err := c.CreateKey(ctx, &kms.CreateKeyInput{}); err != nil {
			t.Fatal(err)
		}
		_, err := c.CreateKey(ctx, &kms.CreateKeyInput{})
		requireAPIError(t, err, "LimitExceededException", 400)
		keys, err := c.ListKeys(ctx, &kms.ListKeysInput{})
		if err != nil {
			t.Fatal(err)
		}
		if len(keys.Keys) != 1 {
			t.Fatalf("%d keys after the refused create, want 1", len(keys.Keys))
		}
	})
}

func TestQuotasRefuseUnknownNames(t *testing.T) {
	emu, err := emulator.Start(context.Background(), emulator.Config{Ephemeral: true, HTTPAddr: "127.0.0.1:0", GRPCAddr: "127.0.0.1:0", Quotas: map[string]int{"iam:UsersPerAcount": 3}})
	if err == nil {
		emu.Close(context.Background())
		t.Fatal("a misspelt quota name was accepted")
	}
	if !strings.Contains(err.Error(), "iam:UsersPerAccount") {
		t.Errorf("error %q does not list the quota names", err)
	}
}
