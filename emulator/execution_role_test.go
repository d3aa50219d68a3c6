package emulator_test

import (
	"strings"
	"testing"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"

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

// TestPipelineRunBuildTypeAndOperation: a StartImagePipelineExecution run
// is USER_INITIATED (only the schedule makes SCHEDULED builds), and the
// decisions the build makes are recorded under the operation that started
// it.
func TestPipelineRunBuildTypeAndOperation(t *testing.T) {
	e := startBuilds(t)
	ctx := testContext(t)
	recipe, infra := e.pipelineParts(t, "manual", "", "", ssmCore, ibInstance)
	p, err := e.ib.CreateImagePipeline(ctx, &imagebuilder.CreateImagePipelineInput{Name: aws.String("manual"), ImageRecipeArn: aws.String(recipe),
		InfrastructureConfigurationArn: aws.String(infra), ClientToken: aws.String("p")})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.ib.StartImagePipelineExecution(ctx, &imagebuilder.StartImagePipelineExecutionInput{ImagePipelineArn: p.ImagePipelineArn, ClientToken: aws.String("run")})
	if err != nil {
		t.Fatal(err)
	}
	id, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	e.run(t, 2*buildTime)
	img := e.image(t, e.ib, aws.ToString(out.ImageBuildVersionArn))
	requireState(t, img, types.ImageStatusAvailable)
	if img.BuildType != types.BuildTypeUserInitiated || aws.ToString(img.SourcePipelineArn) != aws.ToString(p.ImagePipelineArn) {
		t.Errorf("buildType %s, sourcePipelineArn %s", img.BuildType, aws.ToString(img.SourcePipelineArn))
	}
	text := e.emu.Explain(id)
	if strings.Contains(text, "imagebuilder:CreateImage in") || !strings.Contains(text, "imagebuilder:StartImagePipelineExecution in") || !strings.Contains(text, "ec2:RunInstances") {
		t.Errorf("the build's decisions are not recorded under StartImagePipelineExecution:\n%s", text)
	}
}
