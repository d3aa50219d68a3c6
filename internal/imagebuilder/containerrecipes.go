package imagebuilder

import (
	"context"
	"errors"
	"strings"

	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/lazyre"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// maxDockerfileTemplate is the size of an inline Dockerfile template (the
// model's bound on dockerfileTemplateData); a template read from S3 is held
// to it too, since it is stored and returned as dockerfileTemplateData.
const maxDockerfileTemplate = 16000

var (
	// containerImageRef is a Docker image reference: [registry/]repository[:tag|@digest].
	containerImageRef = lazyre.New(`^(?:[a-zA-Z0-9.-]+(?::[0-9]+)?/)?[a-z0-9]+(?:[._/-][a-z0-9]+)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[0-9a-f]{64})?$`)
	ecrPrivate        = lazyre.New(`^[0-9]{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com/`)
)

// CreateContainerRecipe creates a version of a container recipe: a Docker
// parent image (a Docker Hub or ECR image, or an Image Builder container
// image ARN), the components to apply (checked as for image recipes), the
// Dockerfile template inline (dockerfileTemplateData) or in S3
// (dockerfileTemplateUri, read as the caller through a forward access
// session), the ECR repository the image is pushed to, the build instance's
// configuration and a KMS key for the template (which must exist and be
// enabled; the caller needs kms:GenerateDataKey on it, via Image Builder).
// The platform is platformOverride, else the parent's, else the
// components', else Linux. Errors: those of CreateImageRecipe; in AWS's
// words, InvalidParameterCombinationException "You must specify a platform
// override when using ECR Public Repositories as your parent image" and
// "You must specify an image OsVersion override when using ECR Repositories
// as your parent image for Windows Platform".
func (s *Service) CreateContainerRecipe(ctx context.Context, req *ibv1.CreateContainerRecipeRequest) (*ibv1.CreateContainerRecipeResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	v, aerr := ParseVersion(req.GetSemanticVersion())
	if aerr != nil {
		return nil, aerr
	}
	p, err := s.containerParent(ctx, c, req)
	if err != nil {
		return nil, err
	}
	platform, err := s.recipeComponents(ctx, c, req.GetComponents(), p)
	if err != nil {
		return nil, err
	}
	if err := checkBlockDevices("instanceConfiguration.blockDeviceMappings", req.GetInstanceConfiguration().GetBlockDeviceMappings()); err != nil {
		return nil, err
	}
	if img := req.GetInstanceConfiguration().GetImage(); img != "" && !amiID.MatchString(img) && !strings.HasPrefix(img, "ssm:") {
		return nil, ibv1.ErrInvalidParameterValue("The value supplied for parameter 'instanceConfiguration.image' is not valid. The build instance image is an AMI ID or an SSM parameter (ssm:NAME); %s is neither.", img)
	}
	template, err := s.dockerfileTemplate(ctx, req.DockerfileTemplateData, req.DockerfileTemplateUri)
	if err != nil {
		return nil, err
	}
	if err := s.checkRecipeKey(ctx, c, req.KmsKeyId, typeARN(c.Region, c.Account, containerRecipeKind.typ)+"/"+arnName(req.GetName())+"/"+v.String()); err != nil {
		return nil, err
	}
	rec := &ibv1.ContainerRecipe{}
	copyFields(rec, req)
	rec.Platform, rec.DockerfileTemplateData, rec.Encrypted = ptr(platform), ptr(template), ptr(true)
	return createRecipe(s, ctx, c, containerRecipes, "CreateContainerRecipe", req, rec, v, func(arn string) *ibv1.CreateContainerRecipeResponse {
		at, _ := parseARN("arn", arn)
		return &ibv1.CreateContainerRecipeResponse{ClientToken: req.ClientToken, ContainerRecipeArn: ptr(arn), LatestVersionReferences: references(at)}
	})
}

// containerParent checks a container recipe's parent image and the
// overrides that go with it.
func (s *Service) containerParent(ctx context.Context, c *callctx.Call, req *ibv1.CreateContainerRecipeRequest) (parent, error) {
	const member = "parentImage"
	img := req.GetParentImage()
	p, ok, err := s.imageBuilderParent(ctx, c, member, img, "DOCKER")
	if err != nil {
		return parent{}, err
	}
	if !ok {
		if !containerImageRef.MatchString(img) {
			return parent{}, ibv1.ErrInvalidParameterValue("The value supplied for parameter '%s' is not valid. Specify the parent image as a container image ([registry/]repository[:tag]) or an Image Builder image ARN; %s is neither.", member, img)
		}
		p = parent{what: "the parent image " + img}
		switch {
		case strings.HasPrefix(img, "public.ecr.aws/") && req.PlatformOverride == nil:
			return parent{}, ibv1.ErrInvalidParameterCombination("The value supplied for parameter '%s' is not valid. You must specify a platform override when using ECR Public Repositories as your parent image.", member)
		case ecrPrivate.MatchString(img) && req.GetPlatformOverride() == "Windows" && req.ImageOsVersionOverride == nil:
			return parent{}, ibv1.ErrInvalidParameterCombination("The value supplied for parameter '%s' is not valid. You must specify an image OsVersion override when using ECR Repositories as your parent image for Windows Platform.", member)
		}
	}
	if o := req.GetPlatformOverride(); o != "" {
		p = parent{platform: o, what: "the platform override"}
	}
	return p, nil
}

// dockerfileTemplate returns a container recipe's Dockerfile template:
// inline or read from S3 as the caller (s3://bucket/key), one of them.
func (s *Service) dockerfileTemplate(ctx context.Context, data, uri *string) (string, error) {
	switch {
	case data != nil && uri != nil:
		return "", ibv1.ErrInvalidParameterCombination("The value supplied for parameter 'dockerfileTemplateData' is not valid. You can specify either dockerfileTemplateData or dockerfileTemplateUri, not both.")
	case data == nil && uri == nil:
		return "", ibv1.ErrInvalidParameterValue("The value supplied for parameter 'dockerfileTemplateData' is not valid. Specify the Dockerfile template inline in dockerfileTemplateData or as an S3 object in dockerfileTemplateUri.")
	case data != nil:
		return *data, nil
	}
	text, err := s.readS3Document(ctx, "dockerfileTemplateUri", *uri)
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(text) == "" || len(text) > maxDockerfileTemplate {
		return "", ibv1.ErrInvalidParameterValue("The value supplied for parameter 'dockerfileTemplateUri' is not valid. The Dockerfile template at %s must hold 1 to %d characters; it holds %d.", *uri, maxDockerfileTemplate, len(text))
	}
	return text, nil
}

// checkRecipeKey checks the KMS key a container recipe's template is
// encrypted under: it must exist and be enabled, and KMS must generate a
// data key under it for the caller (kms:GenerateDataKey, a forward access
// request via Image Builder, with the recipe's ARN as encryption context).
func (s *Service) checkRecipeKey(ctx context.Context, c *callctx.Call, kmsKeyID *string, arn string) error {
	if kmsKeyID == nil {
		return nil
	}
	if s.keys == nil {
		return awserr.Unsupported("imagebuilder", "kmsKeyId (no KMS service is wired)")
	}
	_, enabled, err := s.keys.DescribeKeyFor(ctx, *kmsKeyID)
	if err != nil {
		var e *awserr.Error
		if errors.As(err, &e) && e.HTTPStatus < 500 && e.HTTPStatus != 403 {
			return ibv1.ErrInvalidParameterValue("The value supplied for parameter 'kmsKeyId' is not valid. %s: %s", e.Code, e.Message)
		}
		return err
	}
	if !enabled {
		return ibv1.ErrInvalidParameterValue("The value supplied for parameter 'kmsKeyId' is not valid. The KMS key %s is not enabled.", *kmsKeyID)
	}
	_, _, _, err = s.keys.GenerateDataKeyFor(ctx, *kmsKeyID, map[string]string{"aws:imagebuilder:arn": arn}, via)
	return err
}

// GetContainerRecipe returns a container recipe version (a selector ARN:
// the latest matching version), the caller's or one shared with it.
// Errors: ResourceNotFoundException, InvalidParameterValueException.
func (s *Service) GetContainerRecipe(ctx context.Context, req *ibv1.GetContainerRecipeRequest) (*ibv1.GetContainerRecipeResponse, error) {
	rec, l, err := containerRecipes.find(s, ctx, "imagebuilder:GetContainerRecipe", req.GetContainerRecipeArn())
	if err != nil {
		return nil, err
	}
	return &ibv1.GetContainerRecipeResponse{ContainerRecipe: rec, LatestVersionReferences: references(l.at)}, nil
}

// DeleteContainerRecipe deletes a container recipe version and its policy.
// Errors: ResourceNotFoundException, InvalidVersionNumberException,
// ResourceDependencyException (a pipeline or image uses it).
func (s *Service) DeleteContainerRecipe(ctx context.Context, req *ibv1.DeleteContainerRecipeRequest) (*ibv1.DeleteContainerRecipeResponse, error) {
	if err := containerRecipes.delete(s, ctx, "imagebuilder:DeleteContainerRecipe", req.GetContainerRecipeArn()); err != nil {
		return nil, err
	}
	return &ibv1.DeleteContainerRecipeResponse{ContainerRecipeArn: req.ContainerRecipeArn}, nil
}

// ListContainerRecipes lists container recipe versions by owner, as
// ListImageRecipes does, filtered by containerType, name, parentImage and
// platform.
func (s *Service) ListContainerRecipes(ctx context.Context, req *ibv1.ListContainerRecipesRequest) (*ibv1.ListContainerRecipesResponse, error) {
	fs, aerr := parseFilters(req.GetFilters(), "containerType", "name", "parentImage", "platform")
	if aerr != nil {
		return nil, aerr
	}
	list, next, err := containerRecipes.list(s, ctx, "ListContainerRecipes", req.GetOwner(), req.MaxResults, req.NextToken, func(r *ibv1.ContainerRecipeSummary) bool {
		return fs.match("containerType", r.GetContainerType()) && fs.match("name", r.GetName()) &&
			fs.match("parentImage", r.GetParentImage()) && fs.match("platform", r.GetPlatform())
	})
	if err != nil {
		return nil, err
	}
	return &ibv1.ListContainerRecipesResponse{ContainerRecipeSummaryList: list, NextToken: next}, nil
}

func containerRecipeSummary(r *ibv1.ContainerRecipe) *ibv1.ContainerRecipeSummary {
	sum := &ibv1.ContainerRecipeSummary{}
	copyFields(sum, r)
	if ic := r.GetInstanceConfiguration(); ic != nil {
		sum.InstanceImage = ic.Image
	}
	return sum
}
