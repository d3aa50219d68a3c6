package emulator_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
)

// teamPolicy allows CreateComponent to principals tagged team=blue and
// ListComponents to those tagged project=x, and lets them assume roles.
const teamPolicy = `{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":"imagebuilder:CreateComponent","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"blue"}}},
 {"Effect":"Allow","Action":"imagebuilder:ListComponents","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/project":"x"}}},
 {"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`

func tags(kv ...string) []ststypes.Tag {
	var out []ststypes.Tag
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, ststypes.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return out
}

// TestSTSSessionTags: passing session tags needs sts:TagSession; they are
// aws:PrincipalTag in later decisions; keys are unique regardless of case;
// transitive tags pass down a role chain and cannot be passed again there.
func TestSTSSessionTags(t *testing.T) {
	t.Parallel()
	env := startSTS(t)
	emu := env.emu
	ctx := testContext(t)
	alice := stsClient(t, env.user(t, "alice", allowAssumeAny))
	aliceARN := "arn:aws:iam::" + accountA + ":user/alice"
	first := mustRole(t, env.iam, "first", trustPolicy([]string{aliceARN}, "sts:AssumeRole"), teamPolicy, 0)

	_, err := alice.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(first), RoleSessionName: aws.String("t1"), Tags: tags("team", "blue")})
	requireIAMError(t, err, "AccessDenied", 403, "User: "+aliceARN+" is not authorized to perform: sts:TagSession on resource: "+first+" because no role trust policy allows the sts:TagSession action")
	if _, err := env.iam.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("first"), PolicyDocument: aws.String(trustPolicy([]string{aliceARN}, "sts:AssumeRole", "sts:TagSession"))}); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		name, message string
		in            *sts.AssumeRoleInput
	}{
		{"keys differing in case", "Duplicate tag keys found. Please note that Tag keys are case insensitive.", &sts.AssumeRoleInput{Tags: tags("team", "blue", "TEAM", "red")}},
		{"transitive key not passed", "The specified transitive tag key must be included in the requested tags.", &sts.AssumeRoleInput{Tags: tags("team", "blue"), TransitiveTagKeys: []string{"project"}}},
	} {
		c.in.RoleArn, c.in.RoleSessionName = aws.String(first), aws.String("bad")
		_, err := alice.AssumeRole(ctx, c.in)
		t.Run(c.name, func(t *testing.T) { requireIAMError(t, err, "InvalidParameterValue", 400, c.message) })
	}

	// Tags decide later requests as aws:PrincipalTag.
	blue := mustAssume(t, alice, &sts.AssumeRoleInput{RoleArn: aws.String(first), RoleSessionName: aws.String("blue"),
		Tags: tags("team", "blue", "project", "x"), TransitiveTagKeys: []string{"team"}})
	if aws.ToInt32(blue.PackedPolicySize) <= 0 {
		t.Errorf("PackedPolicySize %v with tags", blue.PackedPolicySize)
	}
	blueIB := ibClient(t, session(emu, blue.Credentials))
	mustCreate(t, blueIB, createInput("blue-made", "1.0.0"))
	if _, err := blueIB.ListComponents(ctx, &imagebuilder.ListComponentsInput{}); err != nil {
		t.Errorf("ListComponents with project=x: %v", err)
	}
	red := mustAssume(t, alice, &sts.AssumeRoleInput{RoleArn: aws.String(first), RoleSessionName: aws.String("red"), Tags: tags("team", "red")})
	_, err = ibClient(t, session(emu, red.Credentials)).CreateComponent(ctx, createInput("red-made", "1.0.0"))
	requireAPIError(t, err, "AccessDeniedException", 403)

	// Down a chain: team is transitive, project is not.
	second := mustRole(t, env.iam, "second", trustPolicy([]string{first}, "sts:AssumeRole", "sts:TagSession"), teamPolicy, 0)
	third := mustRole(t, env.iam, "third", trustPolicy([]string{second}, "sts:AssumeRole"), teamPolicy, 0)
	blueSTS := stsClient(t, session(emu, blue.Credentials))
	_, err = blueSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(second), RoleSessionName: aws.String("c1"), Tags: tags("TEAM", "red")})
	requireIAMError(t, err, "InvalidParameterValue", 400, "One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session.")
	chained := mustAssume(t, blueSTS, &sts.AssumeRoleInput{RoleArn: aws.String(second), RoleSessionName: aws.String("c1"), Tags: tags("extra", "1")})
	chainedIB := ibClient(t, session(emu, chained.Credentials))
	mustCreate(t, chainedIB, createInput("chain-made", "1.0.0"))
	_, err = chainedIB.ListComponents(ctx, &imagebuilder.ListComponentsInput{})
	requireAPIError(t, err, "AccessDeniedException", 403)
	// And further down: the inherited transitive tag stays transitive
	// (no tags passed, so the third role's trust needs no sts:TagSession).
	third1 := mustAssume(t, stsClient(t, session(emu, chained.Credentials)), &sts.AssumeRoleInput{RoleArn: aws.String(third), RoleSessionName: aws.String("c2")})
	mustCreate(t, ibClient(t, session(emu, third1.Credentials)), createInput("third-made", "1.0.0"))
}

// TestSTSSourceIdentity: setting a source identity needs
// sts:SetSourceIdentity; it is aws:SourceIdentity in later decisions, carries
// over through chaining and cannot be changed there.
func TestSTSSourceIdentity(t *testing.T) {
	t.Parallel()
	env := startSTS(t)
	emu := env.emu
	ctx := testContext(t)
	alice := stsClient(t, env.user(t, "alice", allowAssumeAny))
	aliceARN := "arn:aws:iam::" + accountA + ":user/alice"
	bySource := `{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":"imagebuilder:CreateComponent","Resource":"*","Condition":{"StringEquals":{"aws:SourceIdentity":"alice"}}},
 {"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`
	first := mustRole(t, env.iam, "first", trustPolicy([]string{aliceARN}, "sts:AssumeRole"), bySource, 0)

	_, err := alice.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(first), RoleSessionName: aws.String("s1"), SourceIdentity: aws.String("alice")})
	requireIAMError(t, err, "AccessDenied", 403, "User: "+aliceARN+" is not authorized to perform: sts:SetSourceIdentity on resource: "+first+" because no role trust policy allows the sts:SetSourceIdentity action")
	if _, err := env.iam.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("first"), PolicyDocument: aws.String(trustPolicy([]string{aliceARN}, "sts:AssumeRole", "sts:SetSourceIdentity"))}); err != nil {
		t.Fatal(err)
	}
	out := mustAssume(t, alice, &sts.AssumeRoleInput{RoleArn: aws.String(first), RoleSessionName: aws.String("s1"), SourceIdentity: aws.String("alice")})
	if aws.ToString(out.SourceIdentity) != "alice" {
		t.Errorf("SourceIdentity %v", out.SourceIdentity)
	}
	mustCreate(t, ibClient(t, session(emu, out.Credentials)), createInput("by-alice", "1.0.0"))
	plain := mustAssume(t, alice, &sts.AssumeRoleInput{RoleArn: aws.String(first), RoleSessionName: aws.String("s2")})
	_, err = ibClient(t, session(emu, plain.Credentials)).CreateComponent(ctx, createInput("anonymous", "1.0.0"))
	requireAPIError(t, err, "AccessDeniedException", 403)

	// Chaining carries it over; it cannot be changed, and the next trust
	// policy must allow setting it.
	second := mustRole(t, env.iam, "second", trustPolicy([]string{first}, "sts:AssumeRole", "sts:SetSourceIdentity"), bySource, 0)
	strict := mustRole(t, env.iam, "strict", trustPolicy([]string{first}, "sts:AssumeRole"), bySource, 0)
	chain := stsClient(t, session(emu, out.Credentials))
	chained := mustAssume(t, chain, &sts.AssumeRoleInput{RoleArn: aws.String(second), RoleSessionName: aws.String("c1")})
	if aws.ToString(chained.SourceIdentity) != "alice" {
		t.Errorf("chained SourceIdentity %v", chained.SourceIdentity)
	}
	mustCreate(t, ibClient(t, session(emu, chained.Credentials)), createInput("by-chain", "1.0.0"))
	_, err = chain.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(second), RoleSessionName: aws.String("c2"), SourceIdentity: aws.String("mallory")})
	requireAPIError(t, err, "AccessDenied", 403)
	if _, err := chain.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(second), RoleSessionName: aws.String("c3"), SourceIdentity: aws.String("alice")}); err != nil {
		t.Errorf("passing the same source identity again: %v", err)
	}
	_, err = chain.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(strict), RoleSessionName: aws.String("c4")})
	requireAPIError(t, err, "AccessDenied", 403)
}
