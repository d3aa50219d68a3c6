package emulator_test

import (
	"github.com/ibemu/ibemu/emulator/emulatortest"

	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// imageBuilderTrust lets Image Builder assume a role (an execution role).
const imageBuilderTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"imagebuilder.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// TestScannedBuildReportsPackagesAndFindings: a finished build lists its
// packages; one built with image scanning reports sample findings, listed
// with filters and aggregated by severity, and deleted with the image.
func TestScannedBuildReportsPackagesAndFindings(t *testing.T) {
	e := startBuilds(t)
	ctx := testContext(t)
	recipe, infra := e.pipelineParts(t, "scanned", "", "", ssmCore, ibInstance)
	arn, _ := e.create(t, &imagebuilder.CreateImageInput{ImageRecipeArn: aws.String(recipe), InfrastructureConfigurationArn: aws.String(infra),
		ImageScanningConfiguration: &types.ImageScanningConfiguration{ImageScanningEnabled: aws.Bool(true)}})

	// Nothing is reported before the build ends.
	pkgs, err := e.ib.ListImagePackages(ctx, &imagebuilder.ListImagePackagesInput{ImageBuildVersionArn: aws.String(arn)})
	if err != nil || pkgs.ImagePackageList == nil || len(pkgs.ImagePackageList) != 0 {
		t.Fatalf("ListImagePackages of a pending build: %v %+v", err, pkgs)
	}
	findings, err := e.ib.ListImageScanFindings(ctx, &imagebuilder.ListImageScanFindingsInput{})
	if err != nil || len(findings.Findings) != 0 {
		t.Fatalf("ListImageScanFindings before: %v %+v", err, findings)
	}
	e.run(t, 2*buildTime)
	requireState(t, e.image(t, e.ib, arn), types.ImageStatusAvailable)

	// Packages, in pages.
	first, err := e.ib.ListImagePackages(ctx, &imagebuilder.ListImagePackagesInput{ImageBuildVersionArn: aws.String(arn), MaxResults: aws.Int32(4)})
	if err != nil || len(first.ImagePackageList) != 4 || first.NextToken == nil {
		t.Fatalf("ListImagePackages page 1: %v %+v", err, first)
	}
	rest, err := e.ib.ListImagePackages(ctx, &imagebuilder.ListImagePackagesInput{ImageBuildVersionArn: aws.String(arn), MaxResults: aws.Int32(4), NextToken: first.NextToken})
	if err != nil || len(rest.ImagePackageList) != 2 || rest.NextToken != nil {
		t.Fatalf("ListImagePackages page 2: %v %+v", err, rest)
	}
	if aws.ToString(first.ImagePackageList[0].PackageName) != "amazon-ssm-agent" {
		t.Errorf("first package %+v", first.ImagePackageList[0])
	}
	amazon, err := e.ib.ListImagePackages(ctx, &imagebuilder.ListImagePackagesInput{ImageBuildVersionArn: aws.String(fmt.Sprintf("arn:aws:imagebuilder:%s:aws:image/amazon-linux-2023-x86/2025.1.8/1", region))})
	if err != nil || len(amazon.ImagePackageList) != 6 {
		t.Fatalf("packages of an Amazon image: %v %+v", err, amazon)
	}
	_, err = e.ib.ListImagePackages(ctx, &imagebuilder.ListImagePackagesInput{ImageBuildVersionArn: aws.String(strings.TrimSuffix(arn, "/1") + "/9")})
	requireAPIError(t, err, "ResourceNotFoundException", 404)

	// Findings, filtered.
	all, err := e.ib.ListImageScanFindings(ctx, &imagebuilder.ListImageScanFindingsInput{})
	if err != nil || len(all.Findings) != 3 {
		t.Fatalf("ListImageScanFindings: %v %+v", err, all)
	}
	for _, f := range all.Findings {
		if aws.ToString(f.ImageBuildVersionArn) != arn || aws.ToString(f.AwsAccountId) != accountA || f.PackageVulnerabilityDetails == nil {
			t.Errorf("finding %+v", f)
		}
	}
	critical, err := e.ib.ListImageScanFindings(ctx, &imagebuilder.ListImageScanFindingsInput{Filters: []types.ImageScanFindingsFilter{{Name: aws.String("severity"), Values: []string{"CRITICAL"}}}})
	if err != nil || len(critical.Findings) != 1 || aws.ToString(critical.Findings[0].Severity) != "CRITICAL" {
		t.Fatalf("CRITICAL findings: %v %+v", err, critical)
	}
	paged, err := e.ib.ListImageScanFindings(ctx, &imagebuilder.ListImageScanFindingsInput{MaxResults: aws.Int32(2)})
	if err != nil || len(paged.Findings) != 2 || paged.NextToken == nil {
		t.Fatalf("a page of findings: %v %+v", err, paged)
	}
	_, err = e.ib.ListImageScanFindings(ctx, &imagebuilder.ListImageScanFindingsInput{Filters: []types.ImageScanFindingsFilter{{Name: aws.String("colour"), Values: []string{"red"}}}})
	requireMessage(t, requireAPIError(t, err, "InvalidParameterValueException", 400),
		"The value supplied for parameter 'filters[0].name' is not valid. Filter names: [imageBuildVersionArn, imagePipelineArn, vulnerabilityId, severity].")

	// Aggregations.
	agg, err := e.ib.ListImageScanFindingAggregations(ctx, &imagebuilder.ListImageScanFindingAggregationsInput{})
	if err != nil || aws.ToString(agg.AggregationType) != "accountId" || len(agg.Responses) != 1 {
		t.Fatalf("account aggregation: %v %+v", err, agg)
	}
	if a := agg.Responses[0].AccountAggregation; a == nil || aws.ToString(a.AccountId) != accountA || aws.ToInt64(a.SeverityCounts.All) != 3 || aws.ToInt64(a.SeverityCounts.Critical) != 1 || aws.ToInt64(a.SeverityCounts.Medium) != 1 {
		t.Fatalf("account aggregation %+v", agg.Responses[0].AccountAggregation)
	}
	byImage, err := e.ib.ListImageScanFindingAggregations(ctx, &imagebuilder.ListImageScanFindingAggregationsInput{Filter: &types.Filter{Name: aws.String("imageBuildVersionArn"), Values: []string{arn}}})
	if err != nil || len(byImage.Responses) != 1 || byImage.Responses[0].ImageAggregation == nil || aws.ToInt64(byImage.Responses[0].ImageAggregation.SeverityCounts.High) != 1 {
		t.Fatalf("image aggregation: %v %+v", err, byImage)
	}
	_, err = e.ib.ListImageScanFindingAggregations(ctx, &imagebuilder.ListImageScanFindingAggregationsInput{Filter: &types.Filter{Name: aws.String("severity"), Values: []string{"HIGH"}}})
	requireAPIError(t, err, "InvalidParameterValueException", 400)

	// An unscanned account has none; deleting the image drops its findings.
	b := client(t, e.emu, accountB)
	none, err := b.ListImageScanFindingAggregations(ctx, &imagebuilder.ListImageScanFindingAggregationsInput{})
	if err != nil || none.Responses == nil || len(none.Responses) != 0 {
		t.Fatalf("account B aggregations: %v %+v", err, none)
	}
	if _, err := e.ib.DeleteImage(ctx, &imagebuilder.DeleteImageInput{ImageBuildVersionArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	after, err := e.ib.ListImageScanFindings(ctx, &imagebuilder.ListImageScanFindingsInput{})
	if err != nil || len(after.Findings) != 0 {
		t.Fatalf("findings after DeleteImage: %v %+v", err, after)
	}
}

// TestDistributeImage: an AVAILABLE image is distributed again with
// another distribution configuration, as a new build that runs only the
// distribution workflow, through the same cross-account checks as a build.
func TestDistributeImage(t *testing.T) {
	e := startBuilds(t)
	ctx := testContext(t)
	recipe, infra := e.pipelineParts(t, "golden", "", "", ssmCore, ibInstance)
	src, _ := e.create(t, &imagebuilder.CreateImageInput{ImageRecipeArn: aws.String(recipe), InfrastructureConfigurationArn: aws.String(infra)})
	if _, err := e.iam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("distributor"), AssumeRolePolicyDocument: aws.String(imageBuilderTrust)}); err != nil {
		t.Fatal(err)
	}
	local, err := e.ib.CreateDistributionConfiguration(ctx, &imagebuilder.CreateDistributionConfigurationInput{Name: aws.String("local"), ClientToken: aws.String("d0"),
		Distributions: []types.Distribution{{Region: aws.String(region), AmiDistributionConfiguration: &types.AmiDistributionConfiguration{Name: aws.String("golden-{{ imagebuilder:buildDate }}")}}}})
	if err != nil {
		t.Fatal(err)
	}
	toB, err := e.ib.CreateDistributionConfiguration(ctx, &imagebuilder.CreateDistributionConfigurationInput{Name: aws.String("to-b"), ClientToken: aws.String("d1"),
		Distributions: []types.Distribution{{Region: aws.String(region), AmiDistributionConfiguration: &types.AmiDistributionConfiguration{TargetAccountIds: []string{accountB}}}}})
	if err != nil {
		t.Fatal(err)
	}
	in := &imagebuilder.DistributeImageInput{SourceImage: aws.String(src), DistributionConfigurationArn: local.DistributionConfigurationArn,
		ExecutionRole: aws.String("distributor"), ClientToken: aws.String("dist-1"), Tags: map[string]string{"copy": "yes"}}

	// Only an AVAILABLE image can be distributed.
	_, err = e.ib.DistributeImage(ctx, in)
	requireAPIError(t, err, "InvalidRequestException", 400)
	e.run(t, 2*buildTime)
	requireState(t, e.image(t, e.ib, src), types.ImageStatusAvailable)

	// Bad input changes nothing.
	bad := *in
	bad.ExecutionRole, bad.ClientToken = aws.String("no-such-role"), aws.String("dist-bad")
	_, err = e.ib.DistributeImage(ctx, &bad)
	requireAPIError(t, err, "InvalidParameterValueException", 400)
	bad.ExecutionRole, bad.SourceImage = in.ExecutionRole, aws.String(strings.TrimSuffix(src, "/1")+"/7")
	_, err = e.ib.DistributeImage(ctx, &bad)
	requireAPIError(t, err, "ResourceNotFoundException", 404)
	bad.SourceImage, bad.DistributionConfigurationArn = in.SourceImage, aws.String(fmt.Sprintf("arn:aws:imagebuilder:%s:%s:distribution-configuration/none", region, accountA))
	_, err = e.ib.DistributeImage(ctx, &bad)
	requireAPIError(t, err, "InvalidParameterValueException", 400)

	out, err := e.ib.DistributeImage(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.ImageBuildVersionArn)
	if want := strings.TrimSuffix(src, "/1") + "/2"; arn != want || aws.ToString(out.ClientToken) != "dist-1" {
		t.Fatalf("DistributeImage answered %s (%s), want %s", arn, aws.ToString(out.ClientToken), want)
	}
	again, err := e.ib.DistributeImage(ctx, in)
	if err != nil || aws.ToString(again.ImageBuildVersionArn) != arn {
		t.Fatalf("a retry with the same token: %v %+v", err, again)
	}
	requireState(t, e.image(t, e.ib, arn), types.ImageStatusPending)
	e.run(t, 2*buildTime)
	img := e.image(t, e.ib, arn)
	requireState(t, img, types.ImageStatusAvailable)
	if img.Tags["copy"] != "yes" || aws.ToString(img.DistributionConfiguration.Arn) != aws.ToString(local.DistributionConfigurationArn) || len(img.OutputResources.Amis) != 1 {
		t.Fatalf("distributed image %+v", img)
	}
	wfs, err := e.ib.ListWorkflowExecutions(ctx, &imagebuilder.ListWorkflowExecutionsInput{ImageBuildVersionArn: aws.String(arn)})
	if err != nil || len(wfs.WorkflowExecutions) != 1 || wfs.WorkflowExecutions[0].Type != types.WorkflowTypeDistribution {
		t.Fatalf("workflows of a distribution: %v %+v", err, wfs)
	}

	// Cross-account: the same check as a build's DISTRIBUTING step.
	in.DistributionConfigurationArn, in.ClientToken = toB.DistributionConfigurationArn, aws.String("dist-2")
	out, err = e.ib.DistributeImage(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	e.run(t, 2*buildTime)
	requireState(t, e.image(t, e.ib, aws.ToString(out.ImageBuildVersionArn)), types.ImageStatusFailed, "sts:AssumeRole", "EC2ImageBuilderDistributionCrossAccountRole")
}

// TestImportVmImage: an import task id of EC2's form makes an imported AMI
// image that becomes AVAILABLE on the clock; other ids are refused.
func TestImportVmImage(t *testing.T) {
	e := startBuilds(t)
	ctx := testContext(t)
	in := &imagebuilder.ImportVmImageInput{Name: aws.String("Imported VM"), SemanticVersion: aws.String("2.0.0"), Platform: types.PlatformLinux,
		OsVersion: aws.String("Ubuntu 22"), VmImportTaskId: aws.String("import-ami-0123456789abcdef0"), ClientToken: aws.String("vm-1"), Tags: map[string]string{"src": "vm"}}
	bad := *in
	bad.VmImportTaskId, bad.ClientToken = aws.String("import-snap-0123456789abcdef0"), aws.String("vm-bad")
	_, err := e.ib.ImportVmImage(ctx, &bad)
	requireMessage(t, requireAPIError(t, err, "InvalidParameterValueException", 400),
		"The value supplied for parameter 'vmImportTaskId' is not valid. import-snap-0123456789abcdef0 is not the id of an EC2 VM import task (import-ami-…).")

	out, err := e.ib.ImportVmImage(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.ImageArn)
	if want := fmt.Sprintf("arn:aws:imagebuilder:%s:%s:image/imported-vm/2.0.0/1", region, accountA); arn != want {
		t.Fatalf("imageArn %s, want %s", arn, want)
	}
	requireState(t, e.image(t, e.ib, arn), types.ImageStatusPending)
	e.run(t, 2*buildTime)
	img := e.image(t, e.ib, arn)
	requireState(t, img, types.ImageStatusAvailable)
	if img.BuildType != types.BuildTypeImport || img.ImageSource != types.ImageSourceImported || img.Type != types.ImageTypeAmi ||
		aws.ToString(img.OsVersion) != "Ubuntu 22" || len(img.OutputResources.Amis) != 1 || img.Tags["src"] != "vm" {
		t.Fatalf("imported image %+v", img)
	}
}

// TestImportDiskImage: an ISO file in S3, read as the caller, is converted
// on a build instance of the infrastructure configuration.
func TestImportDiskImage(t *testing.T) {
	e := startBuilds(t)
	ctx := testContext(t)
	_, infra := e.pipelineParts(t, "iso", "", "", ssmCore, ibInstance)
	mustBucket(t, e.emu, accountA, "isos")
	if _, err := emulatortest.S3Client(e.emu, e.emu.AWSConfig(accountA), true).PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("isos"), Key: aws.String("win11.iso"), Body: bytes.NewReader([]byte("CD001"))}); err != nil {
		t.Fatal(err)
	}
	in := &imagebuilder.ImportDiskImageInput{Name: aws.String("win11"), SemanticVersion: aws.String("1.0.0"), Platform: aws.String("Windows"),
		OsVersion: aws.String("Microsoft Windows 11"), InfrastructureConfigurationArn: aws.String(infra), Uri: aws.String("s3://isos/win11.iso"),
		WindowsConfiguration: &types.WindowsConfiguration{ImageIndex: aws.Int64(2)}, ClientToken: aws.String("iso-1")}
	for _, tc := range []struct {
		name   string
		change func(*imagebuilder.ImportDiskImageInput)
		msg    string
	}{
		{"Linux", func(i *imagebuilder.ImportDiskImageInput) { i.Platform = aws.String("Linux") }, "parameter 'platform'"},
		{"Windows 10", func(i *imagebuilder.ImportDiskImageInput) { i.OsVersion = aws.String("Microsoft Windows 10") }, "parameter 'osVersion'"},
		{"missing object", func(i *imagebuilder.ImportDiskImageInput) { i.Uri = aws.String("s3://isos/none.iso") }, "NoSuchKey"},
		{"not s3", func(i *imagebuilder.ImportDiskImageInput) { i.Uri = aws.String("https://example.com/win.iso") }, "parameter 'uri'"},
		{"missing role", func(i *imagebuilder.ImportDiskImageInput) { i.ExecutionRole = aws.String("none") }, "parameter 'executionRole'"},
	} {
		bad := *in
		bad.ClientToken = aws.String("iso-" + tc.name)
		tc.change(&bad)
		_, err := e.ib.ImportDiskImage(ctx, &bad)
		if apiErr := requireAPIError(t, err, "InvalidParameterValueException", 400); !strings.Contains(apiErr.ErrorMessage(), tc.msg) {
			t.Errorf("%s: message %q does not mention %q", tc.name, apiErr.ErrorMessage(), tc.msg)
		}
	}
	out, err := e.ib.ImportDiskImage(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.ImageBuildVersionArn)
	e.run(t, 2*buildTime)
	img := e.image(t, e.ib, arn)
	requireState(t, img, types.ImageStatusAvailable)
	if img.BuildType != types.BuildTypeImportIso || img.Platform != types.PlatformWindows || aws.ToString(img.InfrastructureConfiguration.Arn) != infra {
		t.Fatalf("imported image %+v", img)
	}
	pkgs, err := e.ib.ListImagePackages(ctx, &imagebuilder.ListImagePackagesInput{ImageBuildVersionArn: aws.String(arn)})
	if err != nil || len(pkgs.ImagePackageList) == 0 || aws.ToString(pkgs.ImagePackageList[0].PackageName) != "Amazon SSM Agent" {
		t.Fatalf("packages of a Windows image: %v %+v", err, pkgs)
	}
}

// TestGetMarketplaceResource: no AWS Marketplace component is published,
// so a component ARN is not found (InvalidRequestException: the model lists
// no ResourceNotFoundException for the operation); another resource type
// is refused.
func TestGetMarketplaceResource(t *testing.T) {
	t.Parallel()
	_, c := startClient(t)
	ctx := testContext(t)
	comp := fmt.Sprintf("arn:aws:imagebuilder:%s:aws-marketplace:component/cis-hardening/1.0.0/1", region)
	_, err := c.GetMarketplaceResource(ctx, &imagebuilder.GetMarketplaceResourceInput{ResourceType: types.MarketplaceResourceTypeComponentData, ResourceArn: aws.String(versionARN(accountA, "mine", "1.0.0") + "/1")})
	requireMessage(t, requireAPIError(t, err, "InvalidRequestException", 400),
		"The resource "+versionARN(accountA, "mine", "1.0.0")+"/1 was not found: it is not an AWS Marketplace component you are subscribed to.")
	_, err = c.GetMarketplaceResource(ctx, &imagebuilder.GetMarketplaceResourceInput{ResourceType: types.MarketplaceResourceTypeComponentData,
		ResourceArn: aws.String(fmt.Sprintf("arn:aws:imagebuilder:%s:%s:image-recipe/r/1.0.0", region, accountA))})
	requireAPIError(t, err, "InvalidRequestException", 400)
	_, err = c.GetMarketplaceResource(ctx, &imagebuilder.GetMarketplaceResourceInput{ResourceType: types.MarketplaceResourceTypeComponentArtifact,
		ResourceArn: aws.String(comp), ResourceLocation: aws.String("s3://bucket/artifact.zip")})
	requireAPIError(t, err, "InvalidRequestException", 400)
}

// TestWaitForActionStep: a build whose workflow has a WaitForAction step
// waits for SendWorkflowStepAction; RESUME lets it finish.
func TestWaitForActionStep(t *testing.T) {
	e := startBuilds(t)
	ctx := testContext(t)
	recipe, infra := e.pipelineParts(t, "paused", "", "", ssmCore, ibInstance)
	wf, err := e.ib.CreateWorkflow(ctx, workflowInput("pausing", "1.0.0", buildWorkflowDoc))
	if err != nil {
		t.Fatal(err)
	}
	arn, _ := e.create(t, &imagebuilder.CreateImageInput{ImageRecipeArn: aws.String(recipe), InfrastructureConfigurationArn: aws.String(infra),
		Workflows: []types.WorkflowConfiguration{{WorkflowArn: wf.WorkflowBuildVersionArn}}})
	e.run(t, 2*buildTime)
	requireState(t, e.image(t, e.ib, arn), types.ImageStatusBuilding)
	waiting, err := e.ib.ListWaitingWorkflowSteps(ctx, &imagebuilder.ListWaitingWorkflowStepsInput{})
	if err != nil || len(waiting.Steps) != 1 {
		t.Fatalf("ListWaitingWorkflowSteps: %v %+v", err, waiting)
	}
	step := waiting.Steps[0].StepExecutionId
	_, err = e.ib.SendWorkflowStepAction(ctx, &imagebuilder.SendWorkflowStepActionInput{StepExecutionId: aws.String("step-00000000-0000-0000-0000-000000000000"),
		ImageBuildVersionArn: aws.String(arn), Action: types.WorkflowStepActionTypeResume, ClientToken: aws.String("s0")})
	requireAPIError(t, err, "ResourceNotFoundException", 404)
	out, err := e.ib.SendWorkflowStepAction(ctx, &imagebuilder.SendWorkflowStepActionInput{StepExecutionId: step, ImageBuildVersionArn: aws.String(arn),
		Action: types.WorkflowStepActionTypeResume, ClientToken: aws.String("s1")})
	if err != nil || aws.ToString(out.StepExecutionId) != aws.ToString(step) {
		t.Fatalf("SendWorkflowStepAction: %v %+v", err, out)
	}
	e.run(t, 2*buildTime)
	requireState(t, e.image(t, e.ib, arn), types.ImageStatusAvailable)
}
