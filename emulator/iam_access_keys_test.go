package emulator_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// TestIAMUserKeysAuthenticate: a key created as root signs requests as the
// user; a deactivated key and a deleted key are refused at once.
func TestIAMUserKeysAuthenticate(t *testing.T) {
	emu, c := startIAM(t)
	ctx := testContext(t)
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("builder"), Path: aws.String("/ci/")}); err != nil {
		t.Fatal(err)
	}
	key, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("builder")})
	if err != nil {
		t.Fatalf("CreateAccessKey: %v", err)
	}
	k := key.AccessKey
	id, secret := aws.ToString(k.AccessKeyId), aws.ToString(k.SecretAccessKey)
	if len(id) != 20 || id[:4] != "AKIA" || len(secret) != 40 || k.Status != types.StatusTypeActive || aws.ToString(k.UserName) != "builder" {
		t.Fatalf("CreateAccessKey = %+v", k)
	}
	userCfg := withKey(emu.AWSConfig(accountA), id, secret)
	who, err := stsClient(t, userCfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity with the user's key: %v", err)
	}
	if aws.ToString(who.Arn) != "arn:aws:iam::"+accountA+":user/ci/builder" || aws.ToString(who.Account) != accountA || aws.ToString(who.UserId)[:4] != "AIDA" {
		t.Errorf("GetCallerIdentity = %s %s %s", aws.ToString(who.Arn), aws.ToString(who.Account), aws.ToString(who.UserId))
	}

	// The user's own IAM calls default to the user: GetUser, ListAccessKeys.
	// Like every IAM call they need a policy; without one, AWS denies them.
	uc := iamClient(t, userCfg)
	_, err = uc.GetUser(ctx, &iam.GetUserInput{})
	requireIAMError(t, err, "AccessDenied", 403, "User: arn:aws:iam::"+accountA+":user/ci/builder is not authorized to perform: iam:GetUser on resource: arn:aws:iam::"+accountA+":user/ci/builder because no identity-based policy allows the iam:GetUser action")
	if _, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("builder"), PolicyName: aws.String("self"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GetUser","iam:ListAccessKeys"],"Resource":"arn:aws:iam::*:user/ci/${aws:username}"}]}`)}); err != nil {
		t.Fatal(err)
	}
	me, err := uc.GetUser(ctx, &iam.GetUserInput{})
	if err != nil || aws.ToString(me.User.UserName) != "builder" {
		t.Fatalf("GetUser as the user = %v, %v", me, err)
	}
	keys, err := uc.ListAccessKeys(ctx, &iam.ListAccessKeysInput{})
	if err != nil || len(keys.AccessKeyMetadata) != 1 || aws.ToString(keys.AccessKeyMetadata[0].AccessKeyId) != id {
		t.Fatalf("ListAccessKeys as the user = %v, %v", keys, err)
	}
	// The IAM calls it made are its last use.
	last, err := c.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(id)})
	if err != nil {
		t.Fatalf("GetAccessKeyLastUsed: %v", err)
	}
	if aws.ToString(last.UserName) != "builder" || aws.ToString(last.AccessKeyLastUsed.ServiceName) != "iam" || aws.ToString(last.AccessKeyLastUsed.Region) != region || last.AccessKeyLastUsed.LastUsedDate == nil {
		t.Errorf("GetAccessKeyLastUsed = %+v", last.AccessKeyLastUsed)
	}

	// A second key is allowed, a third is not.
	second, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("builder")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("builder")})
	requireIAMError(t, err, "LimitExceeded", 409, "Cannot exceed quota for AccessKeysPerUser: 2")
	fresh, err := c.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: second.AccessKey.AccessKeyId})
	if err != nil || aws.ToString(fresh.AccessKeyLastUsed.ServiceName) != "N/A" || fresh.AccessKeyLastUsed.LastUsedDate != nil {
		t.Errorf("unused key's last use = %+v, %v", fresh, err)
	}

	// Deactivated: refused as AWS refuses it.
	if _, err := c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("builder"), AccessKeyId: aws.String(id), Status: types.StatusTypeInactive}); err != nil {
		t.Fatalf("UpdateAccessKey: %v", err)
	}
	_, err = stsClient(t, userCfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	requireIAMError(t, err, "InvalidClientTokenId", 403, "The security token included in the request is invalid.")
	listed, err := c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("builder")})
	if err != nil || len(listed.AccessKeyMetadata) != 2 {
		t.Fatalf("ListAccessKeys = %v, %v", listed, err)
	}

	// Active again, then deleted: refused at once.
	if _, err := c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("builder"), AccessKeyId: aws.String(id), Status: types.StatusTypeActive}); err != nil {
		t.Fatal(err)
	}
	if _, err := stsClient(t, userCfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("reactivated key: %v", err)
	}
	if _, err := c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("builder"), AccessKeyId: aws.String(id)}); err != nil {
		t.Fatalf("DeleteAccessKey: %v", err)
	}
	_, err = stsClient(t, userCfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	requireIAMError(t, err, "InvalidClientTokenId", 403, "The security token included in the request is invalid.")
	_, err = c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("builder"), AccessKeyId: aws.String(id)})
	requireIAMError(t, err, "NoSuchEntity", 404, "The Access Key with id "+id+" cannot be found.")

	// A user with keys cannot be deleted; a renamed user keeps its keys.
	_, err = c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("builder")})
	requireIAMError(t, err, "DeleteConflict", 409, "Cannot delete entity, must delete access keys first.")
	if _, err := c.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("builder"), NewUserName: aws.String("robot")}); err != nil {
		t.Fatal(err)
	}
	who, err = stsClient(t, withKey(emu.AWSConfig(accountA), aws.ToString(second.AccessKey.AccessKeyId), aws.ToString(second.AccessKey.SecretAccessKey))).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(who.Arn) != "arn:aws:iam::"+accountA+":user/ci/robot" {
		t.Fatalf("renamed user's key = %v, %v", who, err)
	}

	// Root without UserName: the emulator issues no root keys.
	_, err = c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{})
	requireAPIError(t, err, "InvalidInput", 400)
	_, err = c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("nobody")})
	requireIAMError(t, err, "NoSuchEntity", 404, "The user with name nobody cannot be found.")
}
