package emulator_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
)

// TestImageBuildExecutionRole: with an executionRole Image Builder assumes
// that role to run the image workflows: the role must trust
// imagebuilder.amazonaws.com (sts:AssumeRole against its trust policy), and
// the workflow's service-side calls (ec2:RunInstances of the build
// instance) are decided as the role, not as AWSServiceRoleForImageBuilder.
func TestImageBuildExecutionRole(t *testing.T) {
	e := startBuilds(t)
	ctx := testContext(t)
	recipe, infra := e.pipelineParts(t, "exec", "", "", ssmCore, ibInstance)
	role := func(name, trust, inline string) string {
		t.Helper()
		out, err := e.iam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)})
		if err != nil {
			t.Fatal(err)
		}
		if inline != "" {
			if _, err := e.iam.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String("workflow"), PolicyDocument: aws.String(inline)}); err != nil {
				t.Fatal(err)
			}
		}
		return aws.ToString(out.Role.Arn)
	}
	const runInstances = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:RunInstances","ec2:CreateImage","ec2:CreateTags","ec2:TerminateInstances","ec2:Describe*","ssm:SendCommand","ssm:GetCommandInvocation","iam:PassRole"],"Resource":"*"}]}`
	ec2Only := role("ec2-only", ec2Trust, runInstances)
	noRun := role("no-run", imagebuilderTrust, "")
	good := role("workflow-role", imagebuilderTrust, runInstances)
	build := func(token, roleName string) *types.Image {
		t.Helper()
		arn, _ := e.create(t, &imagebuilder.CreateImageInput{ImageRecipeArn: aws.String(recipe), InfrastructureConfigurationArn: aws.String(infra),
			ExecutionRole: aws.String(roleName), ClientToken: aws.String(token)})
		e.run(t, 2*buildTime)
		e.run(t, 2*buildTime)
		return e.image(t, e.ib, arn)
	}
	requireState(t, build("ec2", ec2Only), types.ImageStatusFailed, "sts:AssumeRole", ec2Only, "imagebuilder.amazonaws.com")
	requireState(t, build("norun", noRun), types.ImageStatusFailed, "ec2:RunInstances", "assumed-role/no-run/")
	img := build("good", good)
	requireState(t, img, types.ImageStatusAvailable)
	if aws.ToString(img.ExecutionRole) != good {
		t.Errorf("executionRole = %q, want %s", aws.ToString(img.ExecutionRole), good)
	}
	// By name: the account's role of that name.
	requireState(t, build("byname", "workflow-role"), types.ImageStatusAvailable)
}
