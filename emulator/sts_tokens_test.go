package emulator_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/ibemu/ibemu/emulator"
)

// TestSTSGetSessionToken: the user's own identity with temporary
// credentials; no permission needed; the durations; MFA; and what the
// credentials may not call: IAM without MFA, STS but AssumeRole and
// GetCallerIdentity.
func TestSTSGetSessionToken(t *testing.T) {
	t.Parallel()
	clock := &manualClock{t: time.Now().UTC().Truncate(time.Second)}
	env := startSTS(t, func(c *emulator.Config) { c.Clock = clock.Now })
	emu := env.emu
	ctx := testContext(t)
	// A policy that denies everything STS: GetSessionToken is not
	// controlled by policies.
	userPolicy := `{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":["imagebuilder:*","iam:ListUsers","sts:*"],"Resource":"*"},
 {"Effect":"Deny","Action":"sts:GetSessionToken","Resource":"*"},
 {"Effect":"Deny","Action":"imagebuilder:DeleteComponent","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}}]}`
	alice := env.user(t, "alice", userPolicy)
	aliceSTS := stsClient(t, alice)
	out, err := aliceSTS.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatalf("GetSessionToken: %v", err)
	}
	if !aws.ToTime(out.Credentials.Expiration).Equal(clock.Now().Add(12 * time.Hour)) {
		t.Errorf("default duration: expires %v", aws.ToTime(out.Credentials.Expiration))
	}
	sess := session(emu, out.Credentials)
	userARN := "arn:aws:iam::" + accountA + ":user/alice"
	arn, id := whoAmI(t, sess)
	_, userID := whoAmI(t, alice)
	if arn != userARN || id != userID {
		t.Errorf("GetCallerIdentity = %s %s, want the user %s %s", arn, id, userARN, userID)
	}
	// The user's permissions; aws:MultiFactorAuthPresent is false.
	ib := ibClient(t, sess)
	made := mustCreate(t, ib, createInput("by-token", "1.0.0"))
	_, err = ib.DeleteComponent(ctx, &imagebuilder.DeleteComponentInput{ComponentBuildVersionArn: aws.String(made)})
	requireAPIError(t, err, "AccessDeniedException", 403)

	// No IAM without MFA; in STS only AssumeRole and GetCallerIdentity.
	_, err = iamClient(t, sess).ListUsers(ctx, &iam.ListUsersInput{})
	requireIAMError(t, err, "InvalidClientTokenId", 403, "The security token included in the request is invalid.")
	sessSTS := stsClient(t, sess)
	_, err = sessSTS.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	requireIAMError(t, err, "AccessDenied", 403, "Cannot call GetSessionToken with session credentials")
	_, err = sessSTS.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("fed")})
	requireIAMError(t, err, "AccessDenied", 403, "Cannot call GetFederationToken with session credentials")
	_, err = sessSTS.GetAccessKeyInfo(ctx, &sts.GetAccessKeyInfoInput{AccessKeyId: out.Credentials.AccessKeyId})
	requireIAMError(t, err, "AccessDenied", 403, "Cannot call GetAccessKeyInfo with session credentials")
	roleARN := mustRole(t, env.iam, "r", trustPolicy([]string{userARN}, "sts:AssumeRole"), allowImageBuild, 0)
	mustAssume(t, sessSTS, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("from-token")})

	// With MFA: IAM works, and aws:MultiFactorAuthPresent is true.
	device := "arn:aws:iam::" + accountA + ":mfa/alice"
	withMFA, err := aliceSTS.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String(device), TokenCode: aws.String("123456"), DurationSeconds: aws.Int32(129600)})
	if err != nil {
		t.Fatalf("GetSessionToken with MFA: %v", err)
	}
	if !aws.ToTime(withMFA.Credentials.Expiration).Equal(clock.Now().Add(36 * time.Hour)) {
		t.Errorf("129600 s: expires %v", aws.ToTime(withMFA.Credentials.Expiration))
	}
	mfaSess := session(emu, withMFA.Credentials)
	if _, err := iamClient(t, mfaSess).ListUsers(ctx, &iam.ListUsersInput{}); err != nil {
		t.Errorf("IAM with MFA credentials: %v", err)
	}
	if _, err := ibClient(t, mfaSess).DeleteComponent(ctx, &imagebuilder.DeleteComponentInput{ComponentBuildVersionArn: aws.String(made)}); err != nil {
		t.Errorf("DeleteComponent with MFA: %v", err)
	}
	// An MFA the emulator cannot accept.
	for name, in := range map[string]*sts.GetSessionTokenInput{
		"device of another account": {SerialNumber: aws.String("arn:aws:iam::" + accountB + ":mfa/alice"), TokenCode: aws.String("123456")},
		"serial without code":       {SerialNumber: aws.String(device)},
	} {
		_, err := aliceSTS.GetSessionToken(ctx, in)
		t.Run(name, func(t *testing.T) { requireAPIError(t, err, "AccessDenied", 403) })
	}
	_, err = aliceSTS.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String(device), TokenCode: aws.String("12345a")})
	requireAPIError(t, err, "ValidationError", 400)

	// The root user: an hour at most, longer requests get an hour.
	root, err := env.rootSTS.GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(7200)})
	if err != nil {
		t.Fatal(err)
	}
	if !aws.ToTime(root.Credentials.Expiration).Equal(clock.Now().Add(time.Hour)) {
		t.Errorf("root session expires %v", aws.ToTime(root.Credentials.Expiration))
	}
	if arn, _ := whoAmI(t, session(emu, root.Credentials)); arn != "arn:aws:iam::"+accountA+":root" {
		t.Errorf("root session is %s", arn)
	}
	mustCreate(t, ibClient(t, session(emu, root.Credentials)), createInput("by-root-token", "1.0.0"))

	// A role session cannot ask for a session token.
	roleSess := mustAssume(t, env.sts, &sts.AssumeRoleInput{RoleArn: aws.String(mustRole(t, env.iam, "r2", trustPolicy([]string{accountA}, "sts:AssumeRole"), allowAll, 0)), RoleSessionName: aws.String("rs")})
	_, err = stsClient(t, session(emu, roleSess.Credentials)).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	requireIAMError(t, err, "AccessDenied", 403, "Cannot call GetSessionToken with session credentials")
	_, err = stsClient(t, session(emu, roleSess.Credentials)).GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("fed")})
	requireIAMError(t, err, "AccessDenied", 403, "Cannot call GetFederationToken with session credentials")
}

// TestSTSGetFederationToken: the federated user's permissions are the
// intersection of the user's and the session policies; without session
// policies it may do nothing. Its credentials cannot call IAM, nor STS but
// GetCallerIdentity.
func TestSTSGetFederationToken(t *testing.T) {
	t.Parallel()
	clock := &manualClock{t: time.Now().UTC().Truncate(time.Second)}
	env := startSTS(t, func(c *emulator.Config) { c.Clock = clock.Now })
	emu := env.emu
	ctx := testContext(t)
	userPolicy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["imagebuilder:CreateComponent","imagebuilder:ListComponents","sts:GetFederationToken","sts:TagSession","iam:ListUsers"],"Resource":"*"}]}`
	alice := stsClient(t, env.user(t, "alice", userPolicy))
	if _, err := env.iam.TagUser(ctx, &iam.TagUserInput{UserName: aws.String("alice"), Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("blue")}}}); err != nil {
		t.Fatal(err)
	}
	session1 := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["imagebuilder:*","iam:*"],"Resource":"*"}]}`
	out, err := alice.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("bob"), Policy: aws.String(session1)})
	if err != nil {
		t.Fatalf("GetFederationToken: %v", err)
	}
	fedARN := "arn:aws:sts::" + accountA + ":federated-user/bob"
	if aws.ToString(out.FederatedUser.Arn) != fedARN || aws.ToString(out.FederatedUser.FederatedUserId) != accountA+":bob" {
		t.Errorf("FederatedUser %+v", out.FederatedUser)
	}
	if out.PackedPolicySize == nil || aws.ToInt32(out.PackedPolicySize) <= 0 {
		t.Errorf("PackedPolicySize %v", out.PackedPolicySize)
	}
	if !aws.ToTime(out.Credentials.Expiration).Equal(clock.Now().Add(12 * time.Hour)) {
		t.Errorf("default duration: expires %v", aws.ToTime(out.Credentials.Expiration))
	}
	sess := session(emu, out.Credentials)
	if arn, id := whoAmI(t, sess); arn != fedARN || id != accountA+":bob" {
		t.Errorf("GetCallerIdentity = %s %s", arn, id)
	}
	// The intersection: the user allows Create and List, the session
	// policy everything in Image Builder; DeleteComponent is neither's.
	ib := ibClient(t, sess)
	made := mustCreate(t, ib, createInput("by-fed", "1.0.0"))
	if _, err := ib.ListComponents(ctx, &imagebuilder.ListComponentsInput{}); err != nil {
		t.Errorf("ListComponents: %v", err)
	}
	_, err = ib.DeleteComponent(ctx, &imagebuilder.DeleteComponentInput{ComponentBuildVersionArn: aws.String(made)})
	requireAPIError(t, err, "AccessDeniedException", 403)
	// No IAM at all, even where both policies allow; in STS only
	// GetCallerIdentity.
	_, err = iamClient(t, sess).ListUsers(ctx, &iam.ListUsersInput{})
	requireIAMError(t, err, "InvalidClientTokenId", 403, "The security token included in the request is invalid.")
	fedSTS := stsClient(t, sess)
	_, err = fedSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(mustRole(t, env.iam, "r", trustPolicy([]string{accountA}, "sts:AssumeRole"), "", 0)), RoleSessionName: aws.String("f1")})
	requireIAMError(t, err, "AccessDenied", 403, "Cannot call AssumeRole with session credentials")
	_, err = fedSTS.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("again")})
	requireIAMError(t, err, "AccessDenied", 403, "Cannot call GetFederationToken with session credentials")

	// No session policy: nothing allowed; AWS answers PackedPolicySize 0.
	bare, err := alice.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("bare"), DurationSeconds: aws.Int32(900)})
	if err != nil {
		t.Fatal(err)
	}
	if bare.PackedPolicySize == nil || aws.ToInt32(bare.PackedPolicySize) != 0 {
		t.Errorf("PackedPolicySize without policies %v, AWS answers 0", bare.PackedPolicySize)
	}
	_, err = ibClient(t, session(emu, bare.Credentials)).ListComponents(ctx, &imagebuilder.ListComponentsInput{})
	apiErr := requireAPIError(t, err, "AccessDeniedException", 403)
	requireMessage(t, apiErr, "User: arn:aws:sts::"+accountA+":federated-user/bare is not authorized to perform: imagebuilder:ListComponents because no session policy allows the imagebuilder:ListComponents action")

	// Session tags (sts:TagSession) over the user's tags as principal tags.
	byTeam := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"imagebuilder:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"blue","aws:PrincipalTag/env":"dev"}}}]}`
	tagged, err := alice.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("tagged"), Policy: aws.String(byTeam), Tags: tags("env", "dev")})
	if err != nil {
		t.Fatalf("GetFederationToken with tags: %v", err)
	}
	if _, err := ibClient(t, session(emu, tagged.Credentials)).ListComponents(ctx, &imagebuilder.ListComponentsInput{}); err != nil {
		t.Errorf("ListComponents by the user's and the session's tags: %v", err)
	}
	overridden, err := alice.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("red"), Policy: aws.String(byTeam), Tags: tags("TEAM", "red", "env", "dev")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = ibClient(t, session(emu, overridden.Credentials)).ListComponents(ctx, &imagebuilder.ListComponentsInput{})
	requireAPIError(t, err, "AccessDeniedException", 403)

	// Without sts:GetFederationToken, or sts:TagSession for tags: denied.
	carol := stsClient(t, env.user(t, "carol", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:GetFederationToken","Resource":"*"}]}`))
	_, err = carol.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("c1"), Tags: tags("env", "dev")})
	requireIAMError(t, err, "AccessDenied", 403, "User: arn:aws:iam::"+accountA+":user/carol is not authorized to perform: sts:TagSession on resource: arn:aws:sts::"+accountA+":federated-user/c1 because no identity-based policy allows the sts:TagSession action")
	dave := stsClient(t, env.user(t, "dave", ""))
	_, err = dave.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("d1")})
	requireIAMError(t, err, "AccessDenied", 403, "User: arn:aws:iam::"+accountA+":user/dave is not authorized to perform: sts:GetFederationToken on resource: arn:aws:sts::"+accountA+":federated-user/d1 because no identity-based policy allows the sts:GetFederationToken action")
	_, err = alice.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("x")})
	requireAPIError(t, err, "ValidationError", 400)
	_, err = alice.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("m1"), Policy: aws.String(`{"Statement":[{"Effect":"Allow"}]}`)})
	requireTyped[*ststypes.MalformedPolicyDocumentException](t, err)

	// A root user's federated session: everything root may do, intersected
	// with the session policy.
	fromRoot, err := env.sts.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("rooted"), DurationSeconds: aws.Int32(900),
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"imagebuilder:ListComponents","Resource":"*"}]}`)})
	if err != nil {
		t.Fatalf("GetFederationToken as root: %v", err)
	}
	rooted := ibClient(t, session(emu, fromRoot.Credentials))
	if _, err := rooted.ListComponents(ctx, &imagebuilder.ListComponentsInput{}); err != nil {
		t.Errorf("ListComponents by root's federated session: %v", err)
	}
	_, err = rooted.GetComponent(ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(made)})
	requireMessage(t, requireAPIError(t, err, "AccessDeniedException", 403),
		"User: arn:aws:sts::"+accountA+":federated-user/rooted is not authorized to perform: imagebuilder:GetComponent on resource: "+made+" because no session policy allows the imagebuilder:GetComponent action")
}

// TestSTSDecodeAuthorizationMessage: the encoded message of a real denial
// decodes, for a caller allowed sts:DecodeAuthorizationMessage; others are
// denied; anything else is invalid.
func TestSTSDecodeAuthorizationMessage(t *testing.T) {
	t.Parallel()
	env := startSTS(t)
	emu := env.emu
	ctx := testContext(t)
	alice := env.user(t, "alice", "")
	_, err := ibClient(t, alice).ListComponents(ctx, &imagebuilder.ListComponentsInput{})
	requireAPIError(t, err, "AccessDeniedException", 403)
	encoded := encodedMessage(t, emu, requestID(t, err))

	out, err := env.sts.DecodeAuthorizationMessage(ctx, &sts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String(encoded)})
	if err != nil {
		t.Fatalf("DecodeAuthorizationMessage: %v", err)
	}
	var msg struct {
		Allowed      bool `json:"allowed"`
		ExplicitDeny bool `json:"explicitDeny"`
		Context      struct {
			Principal struct{ Arn string } `json:"principal"`
			Action    string               `json:"action"`
		} `json:"context"`
	}
	if err := json.Unmarshal([]byte(aws.ToString(out.DecodedMessage)), &msg); err != nil {
		t.Fatalf("decoded message %q: %v", aws.ToString(out.DecodedMessage), err)
	}
	if msg.Allowed || msg.ExplicitDeny || msg.Context.Action != "imagebuilder:ListComponents" || msg.Context.Principal.Arn != "arn:aws:iam::"+accountA+":user/alice" {
		t.Errorf("decoded %+v", msg)
	}

	_, err = stsClient(t, alice).DecodeAuthorizationMessage(ctx, &sts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String(encoded)})
	requireIAMError(t, err, "AccessDenied", 403, "User: arn:aws:iam::"+accountA+":user/alice is not authorized to perform: sts:DecodeAuthorizationMessage because no identity-based policy allows the sts:DecodeAuthorizationMessage action")
	_, err = env.sts.DecodeAuthorizationMessage(ctx, &sts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String("bm90IGEgbWVzc2FnZQ==")})
	requireTyped[*ststypes.InvalidAuthorizationMessageException](t, err)
	requireAPIError(t, err, "InvalidAuthorizationMessageException", 400)
	// Another account cannot read this account's denials.
	_, err = stsClient(t, emu.AWSConfig(accountB)).DecodeAuthorizationMessage(ctx, &sts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String(encoded)})
	requireAPIError(t, err, "InvalidAuthorizationMessageException", 400)
}

// TestSTSGetAccessKeyInfo: the account of an access key id: read from the
// id for temporary credentials (as AWS reads it), from IAM for users' keys.
func TestSTSGetAccessKeyInfo(t *testing.T) {
	t.Parallel()
	env := startSTS(t)
	emu := env.emu
	ctx := testContext(t)
	roleARN := mustRole(t, env.iam, "r", trustPolicy([]string{accountA, accountB}, "sts:AssumeRole"), "", 0)
	adminB := (&stsEnv{emu: emu, iam: iamClient(t, emu.AWSConfig(accountB))}).user(t, "admin", allowAll)
	tmp := mustAssume(t, stsClient(t, adminB), &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("k1")})
	alice := env.user(t, "alice", "")
	aliceKey, _ := alice.Credentials.Retrieve(ctx)
	rootB := stsClient(t, emu.AWSConfig(accountB))
	for key, want := range map[string]string{
		aws.ToString(tmp.Credentials.AccessKeyId): accountA,
		aliceKey.AccessKeyID:                      accountA,
		"ASIAY34FZKBOKMUTVV7A":                    "609629065308",
	} {
		out, err := rootB.GetAccessKeyInfo(ctx, &sts.GetAccessKeyInfoInput{AccessKeyId: aws.String(key)})
		if err != nil || aws.ToString(out.Account) != want {
			t.Errorf("GetAccessKeyInfo %s = %v, %v; want %s", key, out, err, want)
		}
	}
	// It needs sts:GetAccessKeyInfo.
	_, err := stsClient(t, alice).GetAccessKeyInfo(ctx, &sts.GetAccessKeyInfoInput{AccessKeyId: aws.String(aliceKey.AccessKeyID)})
	requireAPIError(t, err, "AccessDenied", 403)
}
