package emulator_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"google.golang.org/grpc/codes"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/emulator/emulatortest"
	stsv1 "github.com/ibemu/ibemu/proto/sts/v1"
)

// Temporary credentials are bound to the IAM user or role they were issued
// for, by its unique id (AIDA…, AROA…). Once that user or role is deleted
// they no longer authenticate anywhere — IAM, STS (GetCallerIdentity
// included), S3, KMS, Image Builder, over HTTP and gRPC — and each service
// answers what it answers for an unknown session token. A user or role
// created again under the same name is another principal: the old sessions
// stay dead.

const invalidToken = "The security token included in the request is invalid."

// requireDeadSession checks that cfg's temporary credentials are refused by
// every service as an invalid security token.
func requireDeadSession(t *testing.T, emu *emulator.Emulator, cfg aws.Config) {
	t.Helper()
	ctx := testContext(t)
	_, err := stsClient(t, cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	requireIAMError(t, err, "InvalidClientTokenId", 403, invalidToken)
	_, err = iamClient(t, cfg).ListUsers(ctx, &iam.ListUsersInput{})
	requireIAMError(t, err, "InvalidClientTokenId", 403, invalidToken)
	_, err = ibClient(t, cfg).ListComponents(ctx, &imagebuilder.ListComponentsInput{})
	requireIAMError(t, err, "UnrecognizedClientException", 403, invalidToken)
	_, err = kmsClient(t, cfg).ListKeys(ctx, &kms.ListKeysInput{})
	requireIAMError(t, err, "UnrecognizedClientException", 403, invalidToken)
	_, err = emulatortest.S3Client(emu, testClientConfig(t, cfg), true).ListBuckets(ctx, &s3.ListBucketsInput{})
	requireAPIError(t, err, "InvalidToken", 400)

	v, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = stsGRPC(t, emu, credentials.NewStaticCredentialsProvider(v.AccessKeyID, v.SecretAccessKey, v.SessionToken)).GetCallerIdentity(ctx, &stsv1.GetCallerIdentityRequest{})
	requireGRPCError(t, err, codes.Unauthenticated, "InvalidClientTokenId", "403")
}

// deleteUser deletes a user made by stsEnv.user: its inline policy, its
// access keys, then the user.
func deleteUser(t *testing.T, env *stsEnv, name string) {
	t.Helper()
	ctx := testContext(t)
	if _, err := env.iam.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p")}); err != nil {
		t.Fatal(err)
	}
	keys, err := env.iam.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys.AccessKeyMetadata {
		if _, err := env.iam.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String(name), AccessKeyId: k.AccessKeyId}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := env.iam.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
}

// TestSTSDeletedUserSessions: GetSessionToken (with and without MFA) and
// GetFederationToken credentials of a deleted user stop working in every
// service, and a new user of the same name does not bring them back.
func TestSTSDeletedUserSessions(t *testing.T) {
	t.Parallel()
	env := startSTS(t)
	emu := env.emu
	ctx := testContext(t)
	w := stsClient(t, env.user(t, "w", allowAll))
	token := func(in *sts.GetSessionTokenInput) *ststypes.Credentials {
		out, err := w.GetSessionToken(ctx, in)
		if err != nil {
			t.Fatalf("GetSessionToken: %v", err)
		}
		return out.Credentials
	}
	plain := session(emu, token(&sts.GetSessionTokenInput{}))
	mfa := session(emu, token(&sts.GetSessionTokenInput{SerialNumber: aws.String("arn:aws:iam::" + accountA + ":mfa/w"), TokenCode: aws.String("123456")}))
	fedOut, err := w.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("fed"), Policy: aws.String(allowAll)})
	if err != nil {
		t.Fatalf("GetFederationToken: %v", err)
	}
	fed := session(emu, fedOut.Credentials)

	arn, oldID := whoAmI(t, plain)
	if arn != "arn:aws:iam::"+accountA+":user/w" {
		t.Fatalf("GetSessionToken credentials are %s", arn)
	}
	if _, err := iamClient(t, mfa).ListUsers(ctx, &iam.ListUsersInput{}); err != nil {
		t.Fatalf("IAM with MFA session credentials before the delete: %v", err)
	}
	mustCreate(t, ibClient(t, fed), createInput("before", "1.0.0"))

	deleteUser(t, env, "w")
	for name, cfg := range map[string]aws.Config{"GetSessionToken": plain, "GetSessionToken with MFA": mfa, "GetFederationToken": fed} {
		t.Run(name+" after the delete", func(t *testing.T) { requireDeadSession(t, emu, cfg) })
	}

	// The same name again: another user (another unique id), whose own
	// sessions work while the old ones stay refused.
	again := stsClient(t, env.user(t, "w", allowAll))
	out, err := again.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	if arn, newID := whoAmI(t, session(emu, out.Credentials)); arn != "arn:aws:iam::"+accountA+":user/w" || newID == oldID {
		t.Errorf("new user's session is %s (%s), old id %s", arn, newID, oldID)
	}
	t.Run("GetSessionToken after the user is created again", func(t *testing.T) { requireDeadSession(t, emu, plain) })
	t.Run("GetSessionToken with MFA after the user is created again", func(t *testing.T) { requireDeadSession(t, emu, mfa) })
	t.Run("GetFederationToken after the user is created again", func(t *testing.T) { requireDeadSession(t, emu, fed) })
}

// TestSTSDeletedRoleSessions: the sessions of a deleted role stop working
// in every service, GetCallerIdentity included, and a role created again
// under the same name (another AROA… id) does not revive them; its own new
// sessions work.
func TestSTSDeletedRoleSessions(t *testing.T) {
	t.Parallel()
	env := startSTS(t)
	emu := env.emu
	ctx := testContext(t)
	roleARN := mustRole(t, env.iam, "doomed", trustPolicy([]string{accountA}, "sts:AssumeRole"), allowImageBuild, 0)
	sess := session(emu, mustAssume(t, env.sts, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("d1")}).Credentials)
	mustCreate(t, ibClient(t, sess), createInput("before", "1.0.0"))
	_, oldID := whoAmI(t, sess)

	if _, err := env.iam.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("doomed"), PolicyName: aws.String("p")}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.iam.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("doomed")}); err != nil {
		t.Fatal(err)
	}
	t.Run("after the delete", func(t *testing.T) { requireDeadSession(t, emu, sess) })

	mustRole(t, env.iam, "doomed", trustPolicy([]string{accountA}, "sts:AssumeRole"), allowImageBuild, 0)
	t.Run("after the role is created again", func(t *testing.T) { requireDeadSession(t, emu, sess) })
	fresh := session(emu, mustAssume(t, env.sts, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("d1")}).Credentials)
	if arn, id := whoAmI(t, fresh); arn != "arn:aws:sts::"+accountA+":assumed-role/doomed/d1" || id == oldID {
		t.Errorf("new role's session is %s (%s), old id %s", arn, id, oldID)
	}
	mustCreate(t, ibClient(t, fresh), createInput("after", "1.0.0"))
}
