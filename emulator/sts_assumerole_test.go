package emulator_test

import (
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/ibemu/ibemu/emulator"
)

// TestSTSAssumeRoleWithinAccount: a trust policy naming the user lets it
// assume the role with no identity-based policy; one naming the account
// delegates to the account, whose identity-based policy must then allow.
// The session is the role's: its ARN has no path, its id is ROLEID:SESSION,
// it may do what the role may and nothing else, and the role is marked used.
func TestSTSAssumeRoleWithinAccount(t *testing.T) {
	t.Parallel()
	clock := &manualClock{t: time.Now().UTC().Truncate(time.Second)}
	env := startSTS(t, func(c *emulator.Config) { c.Clock = clock.Now })
	emu := env.emu
	ctx := testContext(t)
	alice := env.user(t, "alice", "")
	bob := env.user(t, "bob", "")
	aliceARN := "arn:aws:iam::" + accountA + ":user/alice"
	created, err := env.iam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("builder"), Path: aws.String("/svc/"),
		AssumeRolePolicyDocument: aws.String(trustPolicy([]string{aliceARN, accountA}, "sts:AssumeRole"))})
	if err != nil {
		t.Fatal(err)
	}
	roleARN, roleID := aws.ToString(created.Role.Arn), aws.ToString(created.Role.RoleId)
	if _, err := env.iam.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("builder"), PolicyName: aws.String("p"), PolicyDocument: aws.String(allowImageBuild)}); err != nil {
		t.Fatal(err)
	}

	out := mustAssume(t, stsClient(t, alice), &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("s1")})
	c := out.Credentials
	if id := aws.ToString(c.AccessKeyId); len(id) != 20 || !strings.HasPrefix(id, "ASIA") || strings.Trim(id[4:], "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") != "" {
		t.Errorf("AccessKeyId %q", id)
	}
	if len(aws.ToString(c.SecretAccessKey)) != 40 || aws.ToString(c.SessionToken) == "" {
		t.Errorf("credentials %+v", c)
	}
	if !aws.ToTime(c.Expiration).Equal(clock.Now().Add(time.Hour)) {
		t.Errorf("Expiration %v, want %v", aws.ToTime(c.Expiration), clock.Now().Add(time.Hour))
	}
	sessionARN := "arn:aws:sts::" + accountA + ":assumed-role/builder/s1"
	if aws.ToString(out.AssumedRoleUser.Arn) != sessionARN || aws.ToString(out.AssumedRoleUser.AssumedRoleId) != roleID+":s1" {
		t.Errorf("AssumedRoleUser %+v", out.AssumedRoleUser)
	}
	if out.PackedPolicySize != nil || out.SourceIdentity != nil {
		t.Errorf("PackedPolicySize %v, SourceIdentity %v: AWS leaves both out without policies, tags or source identity", out.PackedPolicySize, out.SourceIdentity)
	}
	sess := session(emu, c)
	if arn, id := whoAmI(t, sess); arn != sessionARN || id != roleID+":s1" {
		t.Errorf("GetCallerIdentity = %s %s", arn, id)
	}

	// What the role allows, and no more.
	mustCreate(t, ibClient(t, sess), createInput("by-role", "1.0.0"))
	_, err = iamClient(t, sess).ListUsers(ctx, &iam.ListUsersInput{})
	requireIAMError(t, err, "AccessDenied", 403, "User: "+sessionARN+" is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::"+accountA+":user/ because no identity-based policy allows the iam:ListUsers action")
	got, err := env.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("builder")})
	if err != nil || got.Role.RoleLastUsed == nil || got.Role.RoleLastUsed.LastUsedDate == nil || aws.ToString(got.Role.RoleLastUsed.Region) != region {
		t.Errorf("RoleLastUsed after AssumeRole = %+v, %v", got.Role.RoleLastUsed, err)
	}

	// The account's trust needs bob's own permission.
	_, err = stsClient(t, bob).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("s2")})
	requireIAMError(t, err, "AccessDenied", 403, "User: arn:aws:iam::"+accountA+":user/bob is not authorized to perform: sts:AssumeRole on resource: "+roleARN+" because no identity-based policy allows the sts:AssumeRole action")
	if _, err := env.iam.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("bob"), PolicyName: aws.String("p"), PolicyDocument: aws.String(allowAssumeAny)}); err != nil {
		t.Fatal(err)
	}
	mustAssume(t, stsClient(t, bob), &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("s2")})

	// A role that does not exist, or only its service may assume, is denied
	// like a trust policy that does not allow; a malformed ARN is invalid.
	ghost := "arn:aws:iam::" + accountA + ":role/ghost"
	_, err = stsClient(t, bob).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(ghost), RoleSessionName: aws.String("s3")})
	requireIAMError(t, err, "AccessDenied", 403, "User: arn:aws:iam::"+accountA+":user/bob is not authorized to perform: sts:AssumeRole on resource: "+ghost+" because no role trust policy allows the sts:AssumeRole action")
	if _, err := env.iam.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("imagebuilder.amazonaws.com")}); err != nil {
		t.Fatal(err)
	}
	slr := "arn:aws:iam::" + accountA + ":role/aws-service-role/imagebuilder.amazonaws.com/AWSServiceRoleForImageBuilder"
	_, err = env.sts.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(slr), RoleSessionName: aws.String("s4")})
	requireIAMError(t, err, "AccessDenied", 403, "User: "+adminARN+" is not authorized to perform: sts:AssumeRole on resource: "+slr+" because no role trust policy allows the sts:AssumeRole action")
	// A root user cannot assume roles at all, whatever the trust policy.
	_, err = env.rootSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("by-root")})
	requireIAMError(t, err, "AccessDenied", 403, "Roles may not be assumed by root accounts.")
	_, err = env.sts.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("nothing-valid-in-here"), RoleSessionName: aws.String("s5")})
	requireIAMError(t, err, "ValidationError", 400, "nothing-valid-in-here is invalid")
	_, err = env.sts.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("Session1:2")})
	requireIAMError(t, err, "ValidationError", 400, "1 validation error detected: Value 'Session1:2' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*")
}

// TestSTSAssumeRoleAcrossAccounts: a role of accountA trusting accountB with
// an external id. The caller must pass the right sts:ExternalId, and across
// accounts its own identity-based policy must allow sts:AssumeRole too.
func TestSTSAssumeRoleAcrossAccounts(t *testing.T) {
	t.Parallel()
	env := startSTS(t)
	emu := env.emu
	ctx := testContext(t)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + accountB + `:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"ext-1234"}}}]}`
	roleARN := mustRole(t, env.iam, "partner", trust, allowImageBuild, 0)

	// An administrator of accountB: its identity policy allows everything.
	adminB := stsClient(t, (&stsEnv{emu: emu, iam: iamClient(t, emu.AWSConfig(accountB))}).user(t, "admin", allowAll))
	out := mustAssume(t, adminB, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("b0"), ExternalId: aws.String("ext-1234")})
	sess := session(emu, out.Credentials)
	who, err := stsClient(t, sess).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(who.Account) != accountA || aws.ToString(who.Arn) != "arn:aws:sts::"+accountA+":assumed-role/partner/b0" {
		t.Fatalf("GetCallerIdentity of the cross-account session = %+v, %v", who, err)
	}
	// The session works in the role's account.
	arn := mustCreate(t, ibClient(t, sess), createInput("partner-made", "1.0.0"))
	if !strings.Contains(arn, ":"+accountA+":") {
		t.Errorf("the session created %s, want a component of %s", arn, accountA)
	}

	denied := "User: arn:aws:iam::" + accountB + ":user/admin is not authorized to perform: sts:AssumeRole on resource: " + roleARN + " because no role trust policy allows the sts:AssumeRole action"
	for name, ext := range map[string]*string{"wrong": aws.String("ext-9999"), "missing": nil} {
		_, err := adminB.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("b0"), ExternalId: ext})
		t.Run(name, func(t *testing.T) { requireIAMError(t, err, "AccessDenied", 403, denied) })
	}

	// A user of accountB needs its own permission as well.
	envB := &stsEnv{emu: emu, iam: iamClient(t, emu.AWSConfig(accountB))}
	carol := envB.user(t, "carol", "")
	_, err = stsClient(t, carol).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("c0"), ExternalId: aws.String("ext-1234")})
	requireIAMError(t, err, "AccessDenied", 403, "User: arn:aws:iam::"+accountB+":user/carol is not authorized to perform: sts:AssumeRole on resource: "+roleARN+" because no identity-based policy allows the sts:AssumeRole action")
	if _, err := envB.iam.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("carol"), PolicyName: aws.String("p"), PolicyDocument: aws.String(allowAssumeAny)}); err != nil {
		t.Fatal(err)
	}
	mustAssume(t, stsClient(t, carol), &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("c0"), ExternalId: aws.String("ext-1234")})
}

// TestSTSSessionPolicies: inline and managed session policies narrow what
// the role allows; their validation and the packed size limit.
func TestSTSSessionPolicies(t *testing.T) {
	t.Parallel()
	env := startSTS(t)
	emu := env.emu
	ctx := testContext(t)
	roleARN := mustRole(t, env.iam, "ib", trustPolicy([]string{accountA}, "sts:AssumeRole", "sts:TagSession"), allowImageBuild, 0)
	readOnly := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["imagebuilder:Get*","imagebuilder:List*"],"Resource":"*"}]}`

	out := mustAssume(t, env.sts, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("ro"), Policy: aws.String(readOnly)})
	if size := aws.ToInt32(out.PackedPolicySize); out.PackedPolicySize == nil || size <= 0 || size >= 50 {
		t.Errorf("PackedPolicySize %v for a short policy", out.PackedPolicySize)
	}
	ro := ibClient(t, session(emu, out.Credentials))
	_, err := ro.CreateComponent(ctx, createInput("nope", "1.0.0"))
	apiErr := requireAPIError(t, err, "AccessDeniedException", 403)
	requireMessage(t, apiErr, "User: arn:aws:sts::"+accountA+":assumed-role/ib/ro is not authorized to perform: imagebuilder:CreateComponent on resource: arn:aws:imagebuilder:"+region+":"+accountA+":component/nope/1.0.0/1 because no session policy allows the imagebuilder:CreateComponent action")
	if _, err := ro.ListComponents(ctx, &imagebuilder.ListComponentsInput{}); err != nil {
		t.Errorf("ListComponents, allowed by the role and the session policy: %v", err)
	}

	// A managed session policy.
	mp, err := env.iam.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("create-only"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"imagebuilder:CreateComponent","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	out = mustAssume(t, env.sts, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("mp"), PolicyArns: []ststypes.PolicyDescriptorType{{Arn: mp.Policy.Arn}}})
	mpc := ibClient(t, session(emu, out.Credentials))
	mustCreate(t, mpc, createInput("by-managed", "1.0.0"))
	_, err = mpc.ListComponents(ctx, &imagebuilder.ListComponentsInput{})
	requireAPIError(t, err, "AccessDeniedException", 403)

	cases := []struct {
		name          string
		in            *sts.AssumeRoleInput
		code, message string
		status        int
	}{
		{"managed policy that does not exist", &sts.AssumeRoleInput{PolicyArns: []ststypes.PolicyDescriptorType{{Arn: aws.String("arn:aws:iam::" + accountA + ":policy/ghost")}}},
			"InvalidParameterValue", "Policy arn:aws:iam::" + accountA + ":policy/ghost does not exist or is not attachable.", 400},
		{"eleven managed policies", &sts.AssumeRoleInput{PolicyArns: eleven(aws.ToString(mp.Policy.Arn))},
			"ValidationError", "1 validation error detected: Value '[...]' at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10", 400},
		{"malformed inline policy", &sts.AssumeRoleInput{Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Resource":"*"}]}`)},
			"MalformedPolicyDocument", "", 400},
		{"over 2048 characters", &sts.AssumeRoleInput{Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Sid":"` + strings.Repeat("x", 2048) + `"}]}`)},
			"ValidationError", "1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to 2048", 400},
		{"policy over the packed size", &sts.AssumeRoleInput{Policy: aws.String(manyResources(30))},
			"PackedPolicyTooLarge", "", 400},
		{"tags over the packed size", &sts.AssumeRoleInput{Tags: longTags(9, 250)},
			"PackedPolicyTooLarge", "Packed size of session tags consumes 498% of allotted space.", 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.in.RoleArn, c.in.RoleSessionName = aws.String(roleARN), aws.String("bad")
			_, err := env.sts.AssumeRole(ctx, c.in)
			requireIAMError(t, err, c.code, c.status, c.message)
		})
	}
	_, err = env.sts.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("big"), Policy: aws.String(manyResources(30))})
	msg := requireAPIError(t, err, "PackedPolicyTooLarge", 400).ErrorMessage()
	if !strings.HasPrefix(msg, "Packed policy consumes ") || !strings.HasSuffix(msg, "% of allotted space, please use smaller policy.") {
		t.Errorf("message %q", msg)
	}
	requireTyped[*ststypes.PackedPolicyTooLargeException](t, err)
}

// TestSTSRoleChainingAndDurations: DurationSeconds from 900 to the role's
// MaxSessionDuration, and at most an hour for a role session assuming a
// role.
func TestSTSRoleChainingAndDurations(t *testing.T) {
	t.Parallel()
	clock := &manualClock{t: time.Now().UTC().Truncate(time.Second)}
	env := startSTS(t, func(c *emulator.Config) { c.Clock = clock.Now })
	emu := env.emu
	ctx := testContext(t)
	short := mustRole(t, env.iam, "short", trustPolicy([]string{accountA}, "sts:AssumeRole"), "", 0)
	long := mustRole(t, env.iam, "long", trustPolicy([]string{accountA}, "sts:AssumeRole"), allowImageBuild, 43200)
	target := mustRole(t, env.iam, "target", trustPolicy([]string{long}, "sts:AssumeRole"), allowImageBuild, 43200)

	_, err := env.sts.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(short), RoleSessionName: aws.String("s0"), DurationSeconds: aws.Int32(7200)})
	requireIAMError(t, err, "ValidationError", 400, "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	_, err = env.sts.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(short), RoleSessionName: aws.String("s0"), DurationSeconds: aws.Int32(899)})
	requireIAMError(t, err, "ValidationError", 400, "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900")
	out := mustAssume(t, env.sts, &sts.AssumeRoleInput{RoleArn: aws.String(short), RoleSessionName: aws.String("s0"), DurationSeconds: aws.Int32(900)})
	if !aws.ToTime(out.Credentials.Expiration).Equal(clock.Now().Add(15 * time.Minute)) {
		t.Errorf("900 s session expires %v", aws.ToTime(out.Credentials.Expiration))
	}
	out = mustAssume(t, env.sts, &sts.AssumeRoleInput{RoleArn: aws.String(long), RoleSessionName: aws.String("l0"), DurationSeconds: aws.Int32(43200)})
	if !aws.ToTime(out.Credentials.Expiration).Equal(clock.Now().Add(12 * time.Hour)) {
		t.Errorf("43200 s session expires %v", aws.ToTime(out.Credentials.Expiration))
	}

	// Role chaining: an hour at most, whatever the target role allows.
	chain := stsClient(t, session(emu, out.Credentials))
	_, err = chain.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(target), RoleSessionName: aws.String("c0"), DurationSeconds: aws.Int32(3601)})
	requireIAMError(t, err, "ValidationError", 400, "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	chained := mustAssume(t, chain, &sts.AssumeRoleInput{RoleArn: aws.String(target), RoleSessionName: aws.String("c0"), DurationSeconds: aws.Int32(3600)})
	if !aws.ToTime(chained.Credentials.Expiration).Equal(clock.Now().Add(time.Hour)) {
		t.Errorf("chained session expires %v", aws.ToTime(chained.Credentials.Expiration))
	}
	if arn, _ := whoAmI(t, session(emu, chained.Credentials)); arn != "arn:aws:sts::"+accountA+":assumed-role/target/c0" {
		t.Errorf("chained session is %s", arn)
	}
	// A trust policy naming the role does not admit other principals.
	_, err = env.sts.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(target), RoleSessionName: aws.String("r0")})
	requireAPIError(t, err, "AccessDenied", 403)
}

// eleven is eleven managed policy ARNs.
func eleven(arn string) []ststypes.PolicyDescriptorType {
	out := make([]ststypes.PolicyDescriptorType, 11)
	for i := range out {
		out[i].Arn = aws.String(arn)
	}
	return out
}

// manyResources is a session policy under 2,048 characters naming n
// resources with random names, which pack poorly.
func manyResources(n int) string {
	names := make([]string, n)
	for i := range names {
		names[i] = `"arn:aws:imagebuilder:*:*:component/` + rand.Text()[:20] + `"`
	}
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"imagebuilder:GetComponent","Resource":[` + strings.Join(names, ",") + `]}]}`
}

// longTags is n session tags with two-letter keys and values of size
// characters.
func longTags(n, size int) []ststypes.Tag {
	out := make([]ststypes.Tag, n)
	for i := range out {
		out[i] = ststypes.Tag{Key: aws.String("T" + string(rune('1'+i))), Value: aws.String(strings.Repeat("a", size))}
	}
	return out
}

// TestSTSTrustFollowsThePrincipalNotItsName: a trust policy trusts the user
// it named when it was set, not the name: once that user is deleted the
// policy shows its unique id, and a new user of the same name is not
// trusted (IAM User Guide, role trust policy examples).
func TestSTSTrustFollowsThePrincipalNotItsName(t *testing.T) {
	t.Parallel()
	env := startSTS(t)
	ctx := testContext(t)
	victim := env.user(t, "victim", allowAssumeAny)
	victimARN := "arn:aws:iam::" + accountA + ":user/victim"
	roleARN := mustRole(t, env.iam, "trusts-victim", trustPolicy([]string{victimARN}, "sts:AssumeRole"), "", 0)
	mustAssume(t, stsClient(t, victim), &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("v1")})
	u, err := env.iam.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("victim")})
	if err != nil {
		t.Fatal(err)
	}
	oldID := aws.ToString(u.User.UserId)

	// Delete the user (its key and policy first) and create it again.
	keys, _ := env.iam.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("victim")})
	for _, k := range keys.AccessKeyMetadata {
		if _, err := env.iam.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("victim"), AccessKeyId: k.AccessKeyId}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := env.iam.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: aws.String("victim"), PolicyName: aws.String("p")}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.iam.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("victim")}); err != nil {
		t.Fatal(err)
	}
	role, err := env.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("trusts-victim")})
	if err != nil {
		t.Fatal(err)
	}
	if doc := decoded(t, role.Role.AssumeRolePolicyDocument); !strings.Contains(doc, `"`+oldID+`"`) || strings.Contains(doc, victimARN) {
		t.Fatalf("trust policy after the user was deleted = %s, want the unique id %s", doc, oldID)
	}
	again := env.user(t, "victim", allowAssumeAny)
	_, err = stsClient(t, again).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("v2")})
	requireIAMError(t, err, "AccessDenied", 403, "User: "+victimARN+" is not authorized to perform: sts:AssumeRole on resource: "+roleARN+" because no role trust policy allows the sts:AssumeRole action")
	// Setting the policy again binds the new user.
	if _, err := env.iam.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("trusts-victim"), PolicyDocument: aws.String(trustPolicy([]string{victimARN}, "sts:AssumeRole"))}); err != nil {
		t.Fatal(err)
	}
	mustAssume(t, stsClient(t, again), &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("v3")})
}
