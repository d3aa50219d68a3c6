package emulator_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
)

// TestGetComponentAnswersTheCurrentState: GetComponent resolves its
// component through a read cache; asked again after every kind of change,
// through the SDK, as an IAM user whose permission depends on the
// component's tag, it answers the new state at once: a tag removed denies
// the next call and put back allows it, a policy detached denies it and
// attached allows it, a deleted component is not found, a new build of the
// version is what the version ARN names, and a Reset leaves nothing.
func TestGetComponentAnswersTheCurrentState(t *testing.T) {
	ctx := testContext(t)
	emu, root := startClient(t)
	im := iamClient(t, emu.AWSConfig(accountA))

	created, err := root.CreateComponent(ctx, &imagebuilder.CreateComponentInput{
		Name: aws.String("cached"), SemanticVersion: aws.String("1.0.0"), Platform: types.PlatformLinux,
		Data: aws.String(linuxDoc("cached")), Tags: map[string]string{"team": "blue"},
	})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(created.ComponentBuildVersionArn)
	version := versionARN(accountA, "cached", "1.0.0")

	if _, err := im.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("reader")}); err != nil {
		t.Fatal(err)
	}
	pol, err := im.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("read-blue"), PolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"imagebuilder:GetComponent","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"blue"}}}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	attach := func() {
		t.Helper()
		if _, err := im.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("reader"), PolicyArn: pol.Policy.Arn}); err != nil {
			t.Fatal(err)
		}
	}
	attach()
	key, err := im.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("reader")})
	if err != nil {
		t.Fatal(err)
	}
	user := imagebuilder.NewFromConfig(testClientConfig(t, withKey(emu.AWSConfig(accountA),
		aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey))))

	get := func(who *imagebuilder.Client, name string) (*imagebuilder.GetComponentOutput, error) {
		return who.GetComponent(ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(name)})
	}
	allowed := func(step string) {
		t.Helper()
		for range 2 { // the second answer comes from the cache
			out, err := get(user, arn)
			if err != nil || aws.ToString(out.Component.Arn) != arn {
				t.Fatalf("%s: GetComponent = %v", step, err)
			}
		}
	}
	denied := func(step string) {
		t.Helper()
		_, err := get(user, arn)
		requireAPIError(t, err, "AccessDeniedException", 403)
	}

	allowed("tagged team=blue")
	if _, err := root.UntagResource(ctx, &imagebuilder.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	denied("tag removed")
	if _, err := root.TagResource(ctx, &imagebuilder.TagResourceInput{ResourceArn: aws.String(arn), Tags: map[string]string{"team": "blue"}}); err != nil {
		t.Fatal(err)
	}
	allowed("tag put back")
	if _, err := im.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String("reader"), PolicyArn: pol.Policy.Arn}); err != nil {
		t.Fatal(err)
	}
	denied("policy detached")
	attach()
	allowed("policy attached again")

	if _, err := root.DeleteComponent(ctx, &imagebuilder.DeleteComponentInput{ComponentBuildVersionArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{arn, version} {
		_, err := get(root, name)
		requireAPIError(t, err, "ResourceNotFoundException", 404)
	}
	again, err := root.CreateComponent(ctx, &imagebuilder.CreateComponentInput{
		Name: aws.String("cached"), SemanticVersion: aws.String("1.0.0"), Platform: types.PlatformLinux, Data: aws.String(linuxDoc("cached")),
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := get(root, version)
	if err != nil || aws.ToString(out.Component.Arn) != aws.ToString(again.ComponentBuildVersionArn) {
		t.Fatalf("the version after a new build: %v, %v", out, err)
	}

	if err := emu.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = get(root, version)
	requireAPIError(t, err, "ResourceNotFoundException", 404)
}
