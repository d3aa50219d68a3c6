package imagebuilder

// TEMPORARY: H10's images and build engine replace this file; the lead
// deletes it at merge. It declares only what pipelines.go calls, answering
// that image builds are not supported yet.

import (
	"context"

	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/storage"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

type buildRequest struct {
	ImageRecipeArn, ContainerRecipeArn, InfrastructureConfigurationArn, DistributionConfigurationArn string
	ImageTestsConfiguration                                                                          *ibv1.ImageTestsConfiguration
	ImageScanningConfiguration                                                                       *ibv1.ImageScanningConfiguration
	EnhancedImageMetadataEnabled                                                                     *bool
	Workflows                                                                                        []*ibv1.WorkflowConfiguration
	ExecutionRole                                                                                    string
	Tags                                                                                             map[string]string
	SourcePipelineArn                                                                                string // "" for CreateImage
}

func (s *Service) startBuild(ctx context.Context, br *buildRequest) (string, error) {
	return "", awserr.Unsupported("imagebuilder", "image builds")
}

func (s *Service) imagesOfPipeline(tx *storage.Tx, sc storage.Scope, pipelineArn string) ([]*ibv1.ImageSummary, error) {
	return []*ibv1.ImageSummary{}, nil
}
