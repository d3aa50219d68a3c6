package emulator_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	grpcinsecure "google.golang.org/grpc/credentials/insecure"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/emulator/emulatortest"
	"github.com/ibemu/ibemu/grpcsigv4"
	stsv1 "github.com/ibemu/ibemu/proto/sts/v1"
)

// TestSTSCredentialsExpire: temporary credentials work until their
// Expiration on the emulator's clock and answer ExpiredToken from then on.
//
// The SDK signs with the real time and the emulator allows 15 minutes of
// skew, so the clock starts 14 minutes behind: a 15-minute session then
// expires a minute after the real now, and moving the clock by 15 minutes
// passes that while staying within the skew. Each step uses a new client,
// which has learnt no skew from earlier answers.
func TestSTSCredentialsExpire(t *testing.T) {
	t.Parallel()
	clock := &manualClock{t: time.Now().Add(-14 * time.Minute)}
	env := startSTS(t, func(c *emulator.Config) { c.Clock = clock.Now })
	emu := env.emu
	ctx := testContext(t)
	roleARN := mustRole(t, env.iam, "r", trustPolicy([]string{accountA}, "sts:AssumeRole"), allowImageBuild, 0)
	out := mustAssume(t, env.sts, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("short"), DurationSeconds: aws.Int32(900)})
	fed, err := env.sts.GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(900)})
	if err != nil {
		t.Fatal(err)
	}

	clock.Advance(14 * time.Minute)
	for _, c := range []*ststypes.Credentials{out.Credentials, fed.Credentials} {
		if _, err := stsClient(t, session(emu, c)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
			t.Fatalf("a minute before expiry: %v", err)
		}
	}
	clock.Advance(time.Minute)
	for _, c := range []*ststypes.Credentials{out.Credentials, fed.Credentials} {
		_, err := stsClient(t, session(emu, c)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		requireIAMError(t, err, "ExpiredToken", 403, "The security token included in the request is expired")
	}
	_, err = ibClient(t, session(emu, out.Credentials)).ListComponents(ctx, &imagebuilder.ListComponentsInput{})
	requireIAMError(t, err, "ExpiredTokenException", 403, "The security token included in the request is expired")
}

// TestSTSTamperedCredentials: a session token altered by one character, a
// token sent with another session's key id, no token, and an ASIA key id
// nobody issued are all refused as AWS refuses an invalid token.
func TestSTSTamperedCredentials(t *testing.T) {
	t.Parallel()
	env := startSTS(t)
	emu := env.emu
	ctx := testContext(t)
	roleARN := mustRole(t, env.iam, "r", trustPolicy([]string{accountA}, "sts:AssumeRole"), allowImageBuild, 0)
	a := mustAssume(t, env.sts, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("a1")}).Credentials
	b := mustAssume(t, env.sts, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("b1")}).Credentials
	token := aws.ToString(a.SessionToken)
	flipped := []byte(token)
	i := len(flipped) / 3
	if flipped[i] == 'Q' {
		flipped[i] = 'R'
	} else {
		flipped[i] = 'Q'
	}
	id, secret := aws.ToString(a.AccessKeyId), aws.ToString(a.SecretAccessKey)
	cases := map[string]aws.Config{
		"one character flipped":   emu.AWSConfigWithCredentials(id, secret, string(flipped)),
		"token of another key id": emu.AWSConfigWithCredentials(aws.ToString(b.AccessKeyId), aws.ToString(b.SecretAccessKey), token),
		"no token":                emu.AWSConfigWithCredentials(id, secret, ""),
		"unknown key id":          emu.AWSConfigWithCredentials("ASIAQNZGKIQY56JQ7WML", secret, token),
	}
	for name, cfg := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := stsClient(t, cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			requireIAMError(t, err, "InvalidClientTokenId", 403, "The security token included in the request is invalid.")
			_, err = ibClient(t, cfg).ListComponents(ctx, &imagebuilder.ListComponentsInput{})
			requireIAMError(t, err, "UnrecognizedClientException", 403, "The security token included in the request is invalid.")
		})
	}
	// A wrong secret with a genuine token fails the signature.
	_, err := stsClient(t, emu.AWSConfigWithCredentials(id, aws.ToString(b.SecretAccessKey), token)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	requireAPIError(t, err, "SignatureDoesNotMatch", 403)
	// The genuine credentials still work.
	if arn, _ := whoAmI(t, session(emu, a)); arn != "arn:aws:sts::"+accountA+":assumed-role/r/a1" {
		t.Errorf("genuine credentials are %s", arn)
	}
}

// TestSTSCredentialsSurviveRestart: the sealing key is in the data file, so
// credentials issued before a restart work after it.
func TestSTSCredentialsSurviveRestart(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sts.db")
	onFile := func(c *emulator.Config) { c.DataPath = path }
	env := startSTS(t, onFile)
	first := env.emu
	roleARN := mustRole(t, env.iam, "r", trustPolicy([]string{accountA}, "sts:AssumeRole"), allowImageBuild, 0)
	role := mustAssume(t, env.sts, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("kept")}).Credentials
	user := env.user(t, "alice", allowImageBuild)
	tok, err := stsClient(t, user).GetSessionToken(testContext(t), &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := first.Close(ctx); err != nil {
		t.Fatal(err)
	}

	second := emulatortest.Start(t, onFile)
	if arn, _ := whoAmI(t, session(second, role)); arn != "arn:aws:sts::"+accountA+":assumed-role/r/kept" {
		t.Errorf("role session after the restart is %s", arn)
	}
	mustCreate(t, ibClient(t, session(second, role)), createInput("after-restart", "1.0.0"))
	if arn, _ := whoAmI(t, session(second, tok.Credentials)); arn != "arn:aws:iam::"+accountA+":user/alice" {
		t.Errorf("session token after the restart is %s", arn)
	}
}

// TestSTSCredentialsOverGRPC: temporary credentials sign gRPC calls too,
// the session token travelling in x-amz-security-token; and AssumeRole
// itself is served over gRPC.
func TestSTSCredentialsOverGRPC(t *testing.T) {
	t.Parallel()
	env := startSTS(t)
	ctx := testContext(t)
	roleARN := mustRole(t, env.iam, "r", trustPolicy([]string{accountA}, "sts:AssumeRole"), allowImageBuild, 0)
	adminKey, err := env.admin.Credentials.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	adminConn := stsGRPC(t, env.emu, credentials.NewStaticCredentialsProvider(adminKey.AccessKeyID, adminKey.SecretAccessKey, ""))
	out, err := adminConn.AssumeRole(ctx, &stsv1.AssumeRoleRequest{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("g1")})
	if err != nil {
		t.Fatalf("AssumeRole over gRPC: %v", err)
	}
	c := out.GetCredentials()
	sess := stsGRPC(t, env.emu, credentials.NewStaticCredentialsProvider(c.GetAccessKeyId(), c.GetSecretAccessKey(), c.GetSessionToken()))
	who, err := sess.GetCallerIdentity(ctx, &stsv1.GetCallerIdentityRequest{})
	if err != nil || who.GetArn() != "arn:aws:sts::"+accountA+":assumed-role/r/g1" {
		t.Fatalf("GetCallerIdentity over gRPC = %v, %v", who, err)
	}
	bad := stsGRPC(t, env.emu, credentials.NewStaticCredentialsProvider(c.GetAccessKeyId(), c.GetSecretAccessKey(), c.GetSessionToken()+"A"))
	_, err = bad.GetCallerIdentity(ctx, &stsv1.GetCallerIdentityRequest{})
	requireGRPCError(t, err, codes.Unauthenticated, "InvalidClientTokenId", "403")
}

// stsGRPC is an STS gRPC client signing with creds.
func stsGRPC(t *testing.T, emu *emulator.Emulator, creds aws.CredentialsProvider) stsv1.STSClient {
	t.Helper()
	conn, err := grpc.NewClient(emu.GRPCAddr(), grpc.WithTransportCredentials(grpcinsecure.NewCredentials()), grpc.WithPerRPCCredentials(grpcsigv4.New(creds, region)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return stsv1.NewSTSClient(conn)
}
