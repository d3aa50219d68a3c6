package emulator_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/emulator/emulatortest"
)

const buildTime = 10 * time.Second

// buildEnv is an emulator on a clock the test moves, with accountA's root
// clients.
type buildEnv struct {
	emu   *emulator.Emulator
	clock *manualClock
	ib    *imagebuilder.Client
	iam   *iam.Client
}

func startBuilds(t testing.TB, configure ...func(*emulator.Config)) *buildEnv {
	clock := &manualClock{t: time.Now().UTC()}
	emu := emulatortest.Start(t, append([]func(*emulator.Config){func(c *emulator.Config) { c.Clock, c.BuildTime = clock.Now, buildTime }}, configure...)...)
	return &buildEnv{emu: emu, clock: clock, ib: newIB(emu.AWSConfig(accountA), func(o *imagebuilder.Options) { o.RetryMaxAttempts = 1 }),
		iam: iam.NewFromConfig(emu.AWSConfig(accountA))}
}

const (
	ssmCore        = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
	ibInstance     = "arn:aws:iam::aws:policy/EC2InstanceProfileForImageBuilder"
	crossAccountIB = "arn:aws:iam::aws:policy/Ec2ImageBuilderCrossAccountDistributionAccess"
)

// profile creates an instance profile and role "name" with the managed
// policies attached and an inline policy (when doc is not ""), and returns
// the role's ARN.
func (e *buildEnv) profile(t testing.TB, name, doc string, managed ...string) string {
	t.Helper()
	ctx := context.Background()
	role, err := e.iam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(ec2Trust)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.iam.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.iam.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String(name), RoleName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	for _, p := range managed {
		if _, err := e.iam.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(name), PolicyArn: aws.String(p)}); err != nil {
			t.Fatal(err)
		}
	}
	if doc != "" {
		if _, err := e.iam.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String("extra"), PolicyDocument: aws.String(doc)}); err != nil {
			t.Fatal(err)
		}
	}
	return aws.ToString(role.Role.Arn)
}

// pipelineParts creates an instance profile with the managed policies, an
// infrastructure configuration on it (logging to bucket when not "") and an
// image recipe, and returns the recipe and configuration ARNs.
func (e *buildEnv) pipelineParts(t testing.TB, name, bucket, roleDoc string, managed ...string) (recipe, infra string) {
	t.Helper()
	ctx := context.Background()
	e.profile(t, name, roleDoc, managed...)
	in := &imagebuilder.CreateInfrastructureConfigurationInput{Name: aws.String(name), InstanceProfileName: aws.String(name), ClientToken: aws.String("infra-" + name)}
	if bucket != "" {
		in.Logging = &types.Logging{S3Logs: &types.S3Logs{S3BucketName: aws.String(bucket), S3KeyPrefix: aws.String("logs")}}
	}
	out, err := e.ib.CreateInfrastructureConfiguration(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	rin := recipeInput(name, "1.0.0", amazonComponent("update-linux", "x.x.x"))
	rin.ClientToken = aws.String("recipe-" + name)
	r, err := e.ib.CreateImageRecipe(ctx, rin)
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(r.ImageRecipeArn), aws.ToString(out.InfrastructureConfigurationArn)
}

// create starts a build and returns its ARN and the request id.
func (e *buildEnv) create(t testing.TB, in *imagebuilder.CreateImageInput) (string, string) {
	t.Helper()
	if in.ClientToken == nil {
		in.ClientToken = aws.String(fmt.Sprintf("image-%d", time.Now().UnixNano()))
	}
	out, err := e.ib.CreateImage(context.Background(), in)
	if err != nil {
		t.Fatalf("CreateImage: %v", err)
	}
	id, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	return aws.ToString(out.ImageBuildVersionArn), id
}

// run moves the clock by d and runs the build steps due.
func (e *buildEnv) run(t testing.TB, d time.Duration) {
	t.Helper()
	e.clock.Advance(d)
	if err := e.emu.AdvanceBuilds(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func (e *buildEnv) image(t testing.TB, c *imagebuilder.Client, arn string) *types.Image {
	t.Helper()
	out, err := c.GetImage(context.Background(), &imagebuilder.GetImageInput{ImageBuildVersionArn: aws.String(arn)})
	if err != nil {
		t.Fatalf("GetImage %s: %v", arn, err)
	}
	return out.Image
}

func requireState(t testing.TB, img *types.Image, want types.ImageStatus, reasonHas ...string) {
	t.Helper()
	if img.State.Status != want {
		t.Fatalf("image %s is %s (%s), want %s", aws.ToString(img.Arn), img.State.Status, aws.ToString(img.State.Reason), want)
	}
	for _, s := range reasonHas {
		if !strings.Contains(aws.ToString(img.State.Reason), s) {
			t.Errorf("reason %q does not mention %q", aws.ToString(img.State.Reason), s)
		}
	}
}

func TestImageBuildsToAvailable(t *testing.T) {
	e := startBuilds(t)
	ctx := testContext(t)
	mustBucket(t, e.emu, accountA, "build-logs")
	recipe, infra := e.pipelineParts(t, "builder", "build-logs", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::build-logs/*"}]}`, ssmCore, ibInstance)
	in := &imagebuilder.CreateImageInput{ImageRecipeArn: aws.String(recipe), InfrastructureConfigurationArn: aws.String(infra), ClientToken: aws.String("first"), Tags: map[string]string{"team": "images"}}
	arn, _ := e.create(t, in)
	if want := fmt.Sprintf("arn:aws:imagebuilder:%s:%s:image/builder/1.0.0/1", region, accountA); arn != want {
		t.Fatalf("ARN %s, want %s", arn, want)
	}
	again, _ := e.create(t, in)
	if again != arn {
		t.Fatalf("a retry with the same client token made %s", again)
	}
	requireState(t, e.image(t, e.ib, arn), types.ImageStatusPending)
	seen := map[types.ImageStatus]bool{}
	for range 40 {
		e.run(t, buildTime/20)
		seen[e.image(t, e.ib, arn).State.Status] = true
	}
	for _, s := range []types.ImageStatus{types.ImageStatusCreating, types.ImageStatusBuilding, types.ImageStatusTesting, types.ImageStatusDistributing, types.ImageStatusIntegrating, types.ImageStatusAvailable} {
		if !seen[s] {
			t.Errorf("the build never showed %s (saw %v)", s, seen)
		}
	}
	img := e.image(t, e.ib, arn)
	requireState(t, img, types.ImageStatusAvailable)
	if len(img.OutputResources.Amis) != 1 || aws.ToString(img.OutputResources.Amis[0].Region) != region || !strings.HasPrefix(aws.ToString(img.OutputResources.Amis[0].Image), "ami-") {
		t.Fatalf("outputs %+v", img.OutputResources)
	}
	if img.ImageRecipe == nil || aws.ToString(img.ImageRecipe.Arn) != recipe || aws.ToString(img.InfrastructureConfiguration.Arn) != infra || img.Tags["team"] != "images" {
		t.Fatalf("image %+v", img)
	}

	// Workflow executions and steps.
	wfs, err := e.ib.ListWorkflowExecutions(ctx, &imagebuilder.ListWorkflowExecutionsInput{ImageBuildVersionArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	var types_ []string
	for _, w := range wfs.WorkflowExecutions {
		types_ = append(types_, string(w.Type))
		if w.Status != types.WorkflowExecutionStatusCompleted || w.TotalStepsSucceeded != w.TotalStepCount {
			t.Errorf("workflow %s: %s %d/%d", aws.ToString(w.WorkflowBuildVersionArn), w.Status, w.TotalStepsSucceeded, w.TotalStepCount)
		}
	}
	requireSameStrings(t, "workflow types", types_, []string{"BUILD", "TEST", "DISTRIBUTION"})
	wf, err := e.ib.GetWorkflowExecution(ctx, &imagebuilder.GetWorkflowExecutionInput{WorkflowExecutionId: wfs.WorkflowExecutions[0].WorkflowExecutionId})
	if err != nil || aws.ToString(wf.ImageBuildVersionArn) != arn {
		t.Fatalf("GetWorkflowExecution: %v %+v", err, wf)
	}
	steps, err := e.ib.ListWorkflowStepExecutions(ctx, &imagebuilder.ListWorkflowStepExecutionsInput{WorkflowExecutionId: wf.WorkflowExecutionId, MaxResults: aws.Int32(2)})
	if err != nil || len(steps.Steps) != 2 || steps.NextToken == nil {
		t.Fatalf("ListWorkflowStepExecutions: %v %+v", err, steps)
	}
	step, err := e.ib.GetWorkflowStepExecution(ctx, &imagebuilder.GetWorkflowStepExecutionInput{StepExecutionId: steps.Steps[0].StepExecutionId})
	if err != nil || step.Status != types.WorkflowStepExecutionStatusCompleted || aws.ToString(step.Action) != "LaunchInstance" {
		t.Fatalf("GetWorkflowStepExecution: %v %+v", err, step)
	}
	waiting, err := e.ib.ListWaitingWorkflowSteps(ctx, &imagebuilder.ListWaitingWorkflowStepsInput{})
	if err != nil || waiting.Steps == nil || len(waiting.Steps) != 0 {
		t.Fatalf("ListWaitingWorkflowSteps: %v %+v", err, waiting)
	}

	// The build logs went to the bucket, as the instance role.
	objs, err := emulatortest.S3Client(e.emu, e.emu.AWSConfig(accountA), true).ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("build-logs")})
	if err != nil || len(objs.Contents) != 2 || !strings.HasPrefix(aws.ToString(objs.Contents[0].Key), "logs/builder/1.0.0/1/") {
		t.Fatalf("logs: %v %+v", err, objs)
	}

	// Listings.
	list, err := e.ib.ListImages(ctx, &imagebuilder.ListImagesInput{})
	if err != nil || len(list.ImageVersionList) != 1 || aws.ToString(list.ImageVersionList[0].Arn) != strings.TrimSuffix(arn, "/1") {
		t.Fatalf("ListImages: %v %+v", err, list)
	}
	builds, err := e.ib.ListImageBuildVersions(ctx, &imagebuilder.ListImageBuildVersionsInput{ImageVersionArn: aws.String(strings.TrimSuffix(arn, "/1"))})
	if err != nil || len(builds.ImageSummaryList) != 1 || builds.ImageSummaryList[0].State.Status != types.ImageStatusAvailable {
		t.Fatalf("ListImageBuildVersions: %v %+v", err, builds)
	}
	amazon, err := e.ib.ListImages(ctx, &imagebuilder.ListImagesInput{Owner: types.OwnershipAmazon, ByName: true})
	if err != nil || len(amazon.ImageVersionList) == 0 {
		t.Fatalf("ListImages Amazon: %v %+v", err, amazon)
	}

	// A finished build cannot be cancelled; it can be deleted.
	_, err = e.ib.CancelImageCreation(ctx, &imagebuilder.CancelImageCreationInput{ImageBuildVersionArn: aws.String(arn), ClientToken: aws.String("c1")})
	requireAPIError(t, err, "InvalidRequestException", 400)
	if _, err := e.ib.DeleteImage(ctx, &imagebuilder.DeleteImageInput{ImageBuildVersionArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	_, err = e.ib.GetImage(ctx, &imagebuilder.GetImageInput{ImageBuildVersionArn: aws.String(arn)})
	requireAPIError(t, err, "ResourceNotFoundException", 404)
}

func TestImageBuildWithoutSSMCoreFails(t *testing.T) {
	e := startBuilds(t)
	recipe, infra := e.pipelineParts(t, "nossm", "", "", ibInstance)
	arn, requestID := e.create(t, &imagebuilder.CreateImageInput{ImageRecipeArn: aws.String(recipe), InfrastructureConfigurationArn: aws.String(infra)})
	e.run(t, 2*buildTime)
	requireState(t, e.image(t, e.ib, arn), types.ImageStatusFailed, "ssm:UpdateInstanceInformation", "assumed-role/nossm/", "AmazonSSMManagedInstanceCore")
	if trace := e.emu.Explain(requestID); !strings.Contains(trace, "ssm:UpdateInstanceInformation") {
		t.Fatalf("the decision log of %s does not show the SSM call:\n%s", requestID, trace)
	}
	wfs, err := e.ib.ListWorkflowExecutions(testContext(t), &imagebuilder.ListWorkflowExecutionsInput{ImageBuildVersionArn: aws.String(arn)})
	if err != nil || wfs.WorkflowExecutions[0].Status != types.WorkflowExecutionStatusFailed || wfs.WorkflowExecutions[1].Status != types.WorkflowExecutionStatusSkipped {
		t.Fatalf("workflows: %v %+v", err, wfs)
	}

	// With the policy attached, RetryImage finishes the build.
	if _, err := e.iam.AttachRolePolicy(testContext(t), &iam.AttachRolePolicyInput{RoleName: aws.String("nossm"), PolicyArn: aws.String(ssmCore)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ib.RetryImage(testContext(t), &imagebuilder.RetryImageInput{ImageBuildVersionArn: aws.String(arn), ClientToken: aws.String("retry")}); err != nil {
		t.Fatal(err)
	}
	e.run(t, 2*buildTime)
	requireState(t, e.image(t, e.ib, arn), types.ImageStatusAvailable)
	_, err = e.ib.RetryImage(testContext(t), &imagebuilder.RetryImageInput{ImageBuildVersionArn: aws.String(arn), ClientToken: aws.String("retry-again")})
	requireAPIError(t, err, "InvalidRequestException", 400)
}

func TestImageBuildLogBucketDenies(t *testing.T) {
	e := startBuilds(t)
	mustBucket(t, e.emu, accountA, "locked-logs")
	recipe, infra := e.pipelineParts(t, "logger", "locked-logs", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}`, ssmCore, ibInstance)
	deny := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::%s:role/logger"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::locked-logs/*"}]}`, accountA)
	if _, err := emulatortest.S3Client(e.emu, e.emu.AWSConfig(accountA), true).PutBucketPolicy(testContext(t), &s3.PutBucketPolicyInput{Bucket: aws.String("locked-logs"), Policy: aws.String(deny)}); err != nil {
		t.Fatal(err)
	}
	arn, _ := e.create(t, &imagebuilder.CreateImageInput{ImageRecipeArn: aws.String(recipe), InfrastructureConfigurationArn: aws.String(infra)})
	e.run(t, 2*buildTime)
	requireState(t, e.image(t, e.ib, arn), types.ImageStatusFailed, "s3:PutObject", "locked-logs", "assumed-role/logger/")
}

func TestImageBuildEncryptedAMIKeyDenied(t *testing.T) {
	e := startBuilds(t)
	recipe, infra := e.pipelineParts(t, "enc", "", "", ssmCore, ibInstance)
	// A key of another account whose policy does not let accountA use it.
	key := mustKey(t, kmsClient(t, e.emu.AWSConfig(accountB)), "")
	dist, err := e.ib.CreateDistributionConfiguration(testContext(t), &imagebuilder.CreateDistributionConfigurationInput{
		Name: aws.String("encrypted"), ClientToken: aws.String("d1"),
		Distributions: []types.Distribution{{Region: aws.String(region), AmiDistributionConfiguration: &types.AmiDistributionConfiguration{KmsKeyId: key.Arn}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	arn, requestID := e.create(t, &imagebuilder.CreateImageInput{ImageRecipeArn: aws.String(recipe), InfrastructureConfigurationArn: aws.String(infra), DistributionConfigurationArn: dist.DistributionConfigurationArn})
	e.run(t, 2*buildTime)
	requireState(t, e.image(t, e.ib, arn), types.ImageStatusFailed, "kms:", aws.ToString(key.Arn), "arn:aws:iam::"+accountA+":root")
	if trace := e.emu.Explain(requestID); !strings.Contains(trace, "forward access") {
		t.Fatalf("the decision log does not show the forward access check:\n%s", trace)
	}

	// A key of the caller's own: the build distributes.
	own := mustKey(t, kmsClient(t, e.emu.AWSConfig(accountA)), "")
	if _, err := e.ib.UpdateDistributionConfiguration(testContext(t), &imagebuilder.UpdateDistributionConfigurationInput{
		DistributionConfigurationArn: dist.DistributionConfigurationArn, ClientToken: aws.String("d2"),
		Distributions: []types.Distribution{{Region: aws.String(region), AmiDistributionConfiguration: &types.AmiDistributionConfiguration{KmsKeyId: own.Arn}}},
	}); err != nil {
		t.Fatal(err)
	}
	ok, _ := e.create(t, &imagebuilder.CreateImageInput{ImageRecipeArn: aws.String(recipe), InfrastructureConfigurationArn: aws.String(infra), DistributionConfigurationArn: dist.DistributionConfigurationArn})
	e.run(t, 2*buildTime)
	requireState(t, e.image(t, e.ib, ok), types.ImageStatusAvailable)
}

func TestImageBuildCrossAccountDistribution(t *testing.T) {
	e := startBuilds(t)
	recipe, infra := e.pipelineParts(t, "xacct", "", "", ssmCore, ibInstance)
	dist, err := e.ib.CreateDistributionConfiguration(testContext(t), &imagebuilder.CreateDistributionConfigurationInput{
		Name: aws.String("to-b"), ClientToken: aws.String("d1"),
		Distributions: []types.Distribution{{Region: aws.String(region), AmiDistributionConfiguration: &types.AmiDistributionConfiguration{TargetAccountIds: []string{accountB}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	in := &imagebuilder.CreateImageInput{ImageRecipeArn: aws.String(recipe), InfrastructureConfigurationArn: aws.String(infra), DistributionConfigurationArn: dist.DistributionConfigurationArn}
	arn, _ := e.create(t, in)
	e.run(t, 2*buildTime)
	requireState(t, e.image(t, e.ib, arn), types.ImageStatusFailed, "sts:AssumeRole", "arn:aws:iam::"+accountB+":role/EC2ImageBuilderDistributionCrossAccountRole", "AWSServiceRoleForImageBuilder")

	// Account B creates the distribution role, trusting account A.
	iamB := iam.NewFromConfig(e.emu.AWSConfig(accountB))
	trust := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:root"},"Action":"sts:AssumeRole"}]}`, accountA)
	if _, err := iamB.CreateRole(testContext(t), &iam.CreateRoleInput{RoleName: aws.String("EC2ImageBuilderDistributionCrossAccountRole"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	if _, err := iamB.AttachRolePolicy(testContext(t), &iam.AttachRolePolicyInput{RoleName: aws.String("EC2ImageBuilderDistributionCrossAccountRole"), PolicyArn: aws.String(crossAccountIB)}); err != nil {
		t.Fatal(err)
	}
	in.ClientToken = nil
	ok, okID := e.create(t, in)
	e.run(t, 2*buildTime)
	img := e.image(t, e.ib, ok)
	if img.State.Status != types.ImageStatusAvailable {
		t.Log(e.emu.Explain(okID))
	}
	requireState(t, img, types.ImageStatusAvailable)
	var accounts []string
	for _, a := range img.OutputResources.Amis {
		accounts = append(accounts, aws.ToString(a.AccountId))
	}
	requireSameStrings(t, "AMI accounts", accounts, []string{accountA, accountB})
}

func TestImageSharedThroughPolicy(t *testing.T) {
	e := startBuilds(t)
	recipe, infra := e.pipelineParts(t, "golden", "", "", ssmCore, ibInstance)
	arn, _ := e.create(t, &imagebuilder.CreateImageInput{ImageRecipeArn: aws.String(recipe), InfrastructureConfigurationArn: aws.String(infra)})
	e.run(t, 2*buildTime)
	b := newIB(e.emu.AWSConfig(accountB), func(o *imagebuilder.Options) { o.RetryMaxAttempts = 1 })

	in := recipeInput("on-golden", "1.0.0", amazonComponent("update-linux", "x.x.x"))
	in.ParentImage = aws.String(arn)
	_, err := b.CreateImageRecipe(testContext(t), in)
	requireAPIError(t, err, "AccessDeniedException", 403)

	if _, err := e.ib.PutImagePolicy(testContext(t), &imagebuilder.PutImagePolicyInput{ImageArn: aws.String(arn), Policy: aws.String(sharePolicyFor(arn, "GetImage", "ListImages", accountB))}); err != nil {
		t.Fatal(err)
	}
	pol, err := e.ib.GetImagePolicy(testContext(t), &imagebuilder.GetImagePolicyInput{ImageArn: aws.String(arn)})
	if err != nil || !strings.Contains(aws.ToString(pol.Policy), accountB) {
		t.Fatalf("GetImagePolicy: %v %+v", err, pol)
	}
	if _, err := b.CreateImageRecipe(testContext(t), in); err != nil {
		t.Fatalf("a recipe on the shared image: %v", err)
	}
	shared, err := b.ListImages(testContext(t), &imagebuilder.ListImagesInput{Owner: types.OwnershipShared})
	if err != nil || len(shared.ImageVersionList) != 1 || aws.ToString(shared.ImageVersionList[0].Owner) != accountA {
		t.Fatalf("ListImages Shared: %v %+v", err, shared)
	}
	// A newer build of the version, not shared: the shared build is still
	// listed (the policy shares builds, not the latest one).
	second, _ := e.create(t, &imagebuilder.CreateImageInput{ImageRecipeArn: aws.String(recipe), InfrastructureConfigurationArn: aws.String(infra)})
	e.run(t, 2*buildTime)
	if !strings.HasSuffix(second, "/2") {
		t.Fatalf("second build %s", second)
	}
	shared, err = b.ListImages(testContext(t), &imagebuilder.ListImagesInput{Owner: types.OwnershipShared})
	if err != nil || len(shared.ImageVersionList) != 1 || aws.ToString(shared.ImageVersionList[0].DateCreated) != aws.ToString(e.image(t, e.ib, arn).DateCreated) {
		t.Fatalf("ListImages Shared after an unshared newer build: %v %+v", err, shared)
	}
}

func sharePolicyFor(arn, get, list, account string) string {
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::%s:root"]},"Action":["imagebuilder:%s","imagebuilder:%s"],"Resource":"%s"}]}`, account, get, list, arn)
}

func TestImageCancelAndDependencies(t *testing.T) {
	e := startBuilds(t)
	ctx := testContext(t)
	recipe, infra := e.pipelineParts(t, "busy", "", "", ssmCore, ibInstance)
	arn, _ := e.create(t, &imagebuilder.CreateImageInput{ImageRecipeArn: aws.String(recipe), InfrastructureConfigurationArn: aws.String(infra)})
	e.run(t, buildTime/4)
	_, err := e.ib.DeleteImage(ctx, &imagebuilder.DeleteImageInput{ImageBuildVersionArn: aws.String(arn)})
	requireAPIError(t, err, "ResourceInUseException", 400)
	_, err = e.ib.DeleteImageRecipe(ctx, &imagebuilder.DeleteImageRecipeInput{ImageRecipeArn: aws.String(recipe)})
	requireAPIError(t, err, "ResourceDependencyException", 400)
	if _, err := e.ib.CancelImageCreation(ctx, &imagebuilder.CancelImageCreationInput{ImageBuildVersionArn: aws.String(arn), ClientToken: aws.String("c")}); err != nil {
		t.Fatal(err)
	}
	e.run(t, 2*buildTime)
	requireState(t, e.image(t, e.ib, arn), types.ImageStatusCancelled)
	if _, err := e.ib.DeleteImageRecipe(ctx, &imagebuilder.DeleteImageRecipeInput{ImageRecipeArn: aws.String(recipe)}); err != nil {
		t.Fatal(err)
	}
	_, err = e.ib.CreateImage(ctx, &imagebuilder.CreateImageInput{ImageRecipeArn: aws.String(recipe), InfrastructureConfigurationArn: aws.String(infra), ClientToken: aws.String("gone")})
	requireAPIError(t, err, "InvalidParameterValueException", 400)
}

func TestImageBuildResumesAfterRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	clock := &manualClock{t: time.Now().UTC()}
	onFile := func(c *emulator.Config) { c.DataPath, c.Clock = path, clock.Now }
	first := startBuilds(t, onFile)
	first.clock = clock
	recipe, infra := first.pipelineParts(t, "restart", "", "", ssmCore, ibInstance)
	arn, _ := first.create(t, &imagebuilder.CreateImageInput{ImageRecipeArn: aws.String(recipe), InfrastructureConfigurationArn: aws.String(infra)})
	first.run(t, buildTime/2)
	mid := first.image(t, first.ib, arn).State.Status
	if mid == types.ImageStatusPending || mid == types.ImageStatusAvailable {
		t.Fatalf("half way the build is %s", mid)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := first.emu.Close(ctx); err != nil {
		t.Fatal(err)
	}
	second := startBuilds(t, onFile)
	second.clock = clock
	if got := second.image(t, second.ib, arn).State.Status; got != mid {
		t.Fatalf("after the restart the build is %s, was %s", got, mid)
	}
	second.run(t, buildTime)
	requireState(t, second.image(t, second.ib, arn), types.ImageStatusAvailable)
}

// BenchmarkImageBuild runs a whole build end to end on the fake clock, as a
// client sees it: CreateImage, then the steps (each with its checks as the
// instance role, the service-linked role and the caller) until AVAILABLE.
func BenchmarkImageBuild(b *testing.B) {
	e := startBuilds(b, func(c *emulator.Config) { c.NoSync = true })
	recipe, infra := e.pipelineParts(b, "bench", "", "", ssmCore, ibInstance)
	in := &imagebuilder.CreateImageInput{ImageRecipeArn: aws.String(recipe), InfrastructureConfigurationArn: aws.String(infra)}
	b.ReportAllocs()
	for b.Loop() {
		in.ClientToken = nil
		arn, _ := e.create(b, in)
		e.run(b, 2*buildTime)
		if img := e.image(b, e.ib, arn); img.State.Status != types.ImageStatusAvailable {
			b.Fatalf("%s: %s", img.State.Status, aws.ToString(img.State.Reason))
		}
	}
}
