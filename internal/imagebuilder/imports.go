package imagebuilder

import (
	"context"

	"github.com/ibemu/ibemu/internal/lazyre"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// Images that are not built from a recipe: DistributeImage runs only the
// distribution of an image already built, ImportVmImage registers the AMI
// of an EC2 VM import task, ImportDiskImage converts an ISO file in S3 on a
// build instance. Each makes a new image build version that runs on the
// build engine's clock (build.go, build_run.go) like any other build, so it
// is read, listed, cancelled and deleted by the image operations.

// DistributeImage distributes an AVAILABLE image build version again, with
// another distribution configuration, without rebuilding it: the answer is
// a new build of the source's name and version (in the caller's account)
// that runs only AWS's managed distribute-image (or distribute-container)
// workflow, so its distribution makes the checks a build's DISTRIBUTING
// step makes — KMS through EC2 as the caller, the cross-account
// distribution role of each target account (build_run.go, distributeTo).
// sourceImage must be an Image Builder image ARN (a build ARN, or a version
// ARN for its latest build): AMI ids and ssm: parameters name EC2 and SSM
// resources the emulator does not hold. executionRole (a role of the
// caller's account, by name or ARN) needs iam:PassRole for
// imagebuilder.amazonaws.com; the distribution configuration is read as the
// caller (imagebuilder:GetDistributionConfiguration). Errors:
// ResourceNotFoundException (no such image), InvalidRequestException (the
// image is not AVAILABLE), InvalidParameterValueException,
// AccessDeniedException, IdempotentParameterMismatchException. Source: the
// Image Builder API reference, DistributeImage.
func (s *Service) DistributeImage(ctx context.Context, req *ibv1.DistributeImageRequest) (*ibv1.DistributeImageResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	src, l, err := s.findImage(ctx, "imagebuilder:DistributeImage", "sourceImage", req.GetSourceImage())
	if err != nil {
		return nil, err
	}
	if st := src.GetState().GetStatus(); st != "AVAILABLE" {
		return nil, ibv1.ErrInvalidRequest("The image %s cannot be distributed: only an AVAILABLE image can be, and it is %s.", src.GetArn(), st)
	}
	rec, err := s.dependency(ctx, c, "imagebuilder:GetDistributionConfiguration", "distributionConfigurationArn", req.GetDistributionConfigurationArn(), distConfigs.kind)
	if err != nil {
		return nil, err
	}
	if err := s.checkExecutionRole(ctx, c, req.GetExecutionRole()); err != nil {
		return nil, err
	}
	if err := checkTagKeys("tags", req.Tags); err != nil {
		return nil, err
	}
	img := cloneImage(src)
	img.Arn, img.OutputResources, img.SourcePipelineArn, img.SourcePipelineName = nil, nil, nil, nil
	img.LifecycleExecutionId, img.DeprecationTime, img.Workflows, img.ImageScanningConfiguration = nil, nil, nil, nil
	img.State = &ibv1.ImageState{Status: ptr("PENDING")}
	img.DistributionConfiguration = rec.(*ibv1.DistributionConfiguration)
	img.ExecutionRole, img.Tags, img.BuildType = ptr(req.GetExecutionRole()), req.Tags, ptr("USER_INITIATED")
	img.LoggingConfiguration = req.LoggingConfiguration
	name := defaultDistImage
	if img.GetType() == "DOCKER" {
		name = defaultDistContainer
	}
	w, err := managedWorkflow(c.Region, "DISTRIBUTION", name)
	if err != nil {
		return nil, err
	}
	p := &planned{image: img, recipeName: src.GetName(), recipeVer: l.at.Version, workflows: []plannedWorkflow{w}}
	arn, err := s.startPlanned(withClientToken(ctx, "DistributeImage", req), c, p, &buildRequest{})
	if err != nil {
		return nil, err
	}
	return &ibv1.DistributeImageResponse{ClientToken: req.ClientToken, ImageBuildVersionArn: ptr(arn)}, nil
}

// vmImportTaskID is the form of an EC2 VM import task id (ImportImage
// answers import-ami-<hex>).
var vmImportTaskID = lazyre.New(`^import-ami-[0-9a-f]{8,17}$`)

// ImportVmImage makes an image (type AMI, build type IMPORT, source
// IMPORTED) from an EC2 VM import task. EC2's VM import is not emulated: a
// task id of the documented form import-ami-<hex> is accepted as a task
// that completes, and the image goes PENDING → CREATING → INTEGRATING →
// AVAILABLE on the build engine's clock, its output an AMI in the caller's
// region derived from the image ARN. The answer's imageArn is the image
// build version ARN. Errors: InvalidParameterValueException (a task id of
// another form, a bad name or version), InvalidVersionNumberException,
// IdempotentParameterMismatchException. Source: the Image Builder API
// reference, ImportVmImage.
func (s *Service) ImportVmImage(ctx context.Context, req *ibv1.ImportVmImageRequest) (*ibv1.ImportVmImageResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	if !vmImportTaskID.MatchString(req.GetVmImportTaskId()) {
		return nil, ibv1.ErrInvalidParameterValue("The value supplied for parameter 'vmImportTaskId' is not valid. %s is not the id of an EC2 VM import task (import-ami-…).", req.GetVmImportTaskId())
	}
	img, err := importedImage(req.GetName(), req.GetSemanticVersion(), req.GetPlatform(), req.GetOsVersion(), "IMPORT", req.Tags)
	if err != nil {
		return nil, err
	}
	img.LoggingConfiguration = req.LoggingConfiguration
	p := &planned{image: img, recipeName: req.GetName(), recipeVer: req.GetSemanticVersion()}
	arn, err := s.startPlanned(withClientToken(ctx, "ImportVmImage", req), c, p, &buildRequest{})
	if err != nil {
		return nil, err
	}
	return &ibv1.ImportVmImageResponse{ClientToken: req.ClientToken, ImageArn: ptr(arn)}, nil
}

// ImportDiskImage makes a Windows image (build type IMPORT_ISO, source
// IMPORTED) from a Microsoft ISO file in S3, converted on a build instance
// launched with the infrastructure configuration: the build runs AWS's
// managed build-image workflow on the engine, as the configuration's
// instance profile role. The uri is read as the caller through a forward
// access session now (s3:GetObject, and kms:Decrypt for an SSE-KMS
// object); its content is not inspected. platform must be Windows and
// osVersion Microsoft Windows 11, the values AWS documents; an
// executionRole needs iam:PassRole for imagebuilder.amazonaws.com.
// windowsConfiguration.imageIndex (the edition inside the ISO) is kept.
// Errors: InvalidParameterValueException, InvalidVersionNumberException,
// AccessDeniedException, IdempotentParameterMismatchException. Source: the
// Image Builder API reference, ImportDiskImage.
func (s *Service) ImportDiskImage(ctx context.Context, req *ibv1.ImportDiskImageRequest) (*ibv1.ImportDiskImageResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	if req.GetPlatform() != "Windows" {
		return nil, ibv1.ErrInvalidParameterValue("The value supplied for parameter 'platform' is not valid. Disk images can be imported for the Windows platform only.")
	}
	if req.GetOsVersion() != "Microsoft Windows 11" {
		return nil, ibv1.ErrInvalidParameterValue("The value supplied for parameter 'osVersion' is not valid. Supported operating system versions: [Microsoft Windows 11].")
	}
	img, err := importedImage(req.GetName(), req.GetSemanticVersion(), "Windows", req.GetOsVersion(), "IMPORT_ISO", req.Tags)
	if err != nil {
		return nil, err
	}
	rec, err := s.dependency(ctx, c, "imagebuilder:GetInfrastructureConfiguration", "infrastructureConfigurationArn", req.GetInfrastructureConfigurationArn(), infraConfigs.kind)
	if err != nil {
		return nil, err
	}
	img.InfrastructureConfiguration = rec.(*ibv1.InfrastructureConfiguration)
	if role := req.GetExecutionRole(); role != "" {
		if err := s.checkExecutionRole(ctx, c, role); err != nil {
			return nil, err
		}
		img.ExecutionRole = ptr(role)
	}
	if _, err := s.readS3Document(ctx, "uri", req.GetUri()); err != nil {
		return nil, err
	}
	img.LoggingConfiguration = req.LoggingConfiguration
	p := &planned{image: img, recipeName: req.GetName(), recipeVer: req.GetSemanticVersion()}
	if s.profiles != nil {
		// A profile deleted since the configuration was made fails the
		// build, as for CreateImage.
		if p.roleARN, _, err = s.profiles.InstanceProfileRole(ctx, c.Account, img.InfrastructureConfiguration.GetInstanceProfileName()); err != nil {
			return nil, storageError(err)
		}
	}
	w, err := managedWorkflow(c.Region, "BUILD", defaultBuildImage)
	if err != nil {
		return nil, err
	}
	p.workflows = []plannedWorkflow{w}
	arn, err := s.startPlanned(withClientToken(ctx, "ImportDiskImage", req), c, p, &buildRequest{})
	if err != nil {
		return nil, err
	}
	return &ibv1.ImportDiskImageResponse{ClientToken: req.ClientToken, ImageBuildVersionArn: ptr(arn)}, nil
}

// importedImage is the PENDING record of an imported image.
func importedImage(name, version, platform, osVersion, buildType string, tags map[string]string) (*ibv1.Image, error) {
	if seg := arnName(name); !resourceNameSegment.MatchString(seg) {
		return nil, ibv1.ErrInvalidParameterValue("The value supplied for parameter 'name' is not valid. The name %q must contain only letters, digits, spaces, hyphens and underscores.", name)
	}
	if _, aerr := ParseVersion(version); aerr != nil {
		return nil, aerr
	}
	if err := checkTagKeys("tags", tags); err != nil {
		return nil, err
	}
	img := &ibv1.Image{
		Name: ptr(name), Version: ptr(version), Type: ptr("AMI"), Platform: ptr(platform), OsVersion: optional(osVersion),
		State: &ibv1.ImageState{Status: ptr("PENDING")}, BuildType: ptr(buildType), ImageSource: ptr("IMPORTED"),
		EnhancedImageMetadataEnabled: ptr(true),
	}
	if len(tags) > 0 {
		img.Tags = tags
	}
	return img, nil
}

// resourceNameSegment is the name segment of an image ARN.
var resourceNameSegment = lazyre.New(`^[a-z0-9-_]+$`)
