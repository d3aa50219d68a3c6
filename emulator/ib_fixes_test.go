package emulator_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
)

// TestAMINameVariables: the output AMI name's {{ imagebuilder:buildDate }}
// and {{ imagebuilder:buildVersion }} are expanded: the image's creation
// time with hyphens for colons, and the build number.
func TestAMINameVariables(t *testing.T) {
	e := startBuilds(t)
	ctx := testContext(t)
	recipe, infra := e.pipelineParts(t, "named", "", "", ssmCore, ibInstance)
	dist, err := e.ib.CreateDistributionConfiguration(ctx, &imagebuilder.CreateDistributionConfigurationInput{
		Name: aws.String("named"), ClientToken: aws.String("d"),
		Distributions: []types.Distribution{{Region: aws.String(region), AmiDistributionConfiguration: &types.AmiDistributionConfiguration{
			Name: aws.String("out-{{ imagebuilder:buildDate }}-v{{imagebuilder:buildVersion}}")}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	arn, _ := e.create(t, &imagebuilder.CreateImageInput{ImageRecipeArn: aws.String(recipe), InfrastructureConfigurationArn: aws.String(infra), DistributionConfigurationArn: dist.DistributionConfigurationArn})
	e.run(t, 2*buildTime)
	img := e.image(t, e.ib, arn)
	requireState(t, img, types.ImageStatusAvailable)
	want := "out-" + strings.ReplaceAll(aws.ToString(img.DateCreated), ":", "-") + "-v1"
	if len(img.OutputResources.Amis) != 1 || aws.ToString(img.OutputResources.Amis[0].Name) != want {
		t.Fatalf("AMIs %+v, want the name %s", img.OutputResources.Amis, want)
	}
}
