package emulator_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
)

// TestDeleteComponentReferencedByRecipe: a component build a recipe names
// (by its ARN, or a version or selector resolving to it) cannot be
// deleted, as on AWS (ResourceDependencyException naming the ARN); an older
// build a selector no longer resolves to can.
func TestDeleteComponentReferencedByRecipe(t *testing.T) {
	t.Parallel()
	_, c := startClient(t)
	ctx := testContext(t)
	b1 := mustCreate(t, c, createInput("dep", "1.0.0"))
	exact := mustRecipe(t, c, recipeInput("exact", "1.0.0", b1))
	in := createInput("dep", "1.0.0")
	in.Description = aws.String("second build")
	b2 := mustCreate(t, c, in)
	sel := mustRecipe(t, c, recipeInput("selector", "1.0.0", versionARN(accountA, "dep", "1.x.x")))
	del := func(arn string) error {
		_, err := c.DeleteComponent(ctx, &imagebuilder.DeleteComponentInput{ComponentBuildVersionArn: aws.String(arn)})
		return err
	}
	for _, b := range []string{b1, b2} {
		apiErr := requireAPIError(t, del(b), "ResourceDependencyException", 400)
		requireMessage(t, apiErr, "Resource dependency error: The resource ARN '"+b+"' has other resources depended on it.")
	}
	if _, err := c.DeleteImageRecipe(ctx, &imagebuilder.DeleteImageRecipeInput{ImageRecipeArn: aws.String(exact)}); err != nil {
		t.Fatal(err)
	}
	// b1 is no longer named, and 1.x.x resolves to b2.
	if err := del(b1); err != nil {
		t.Fatalf("DeleteComponent of the build no recipe references: %v", err)
	}
	requireAPIError(t, del(b2), "ResourceDependencyException", 400)
	if _, err := c.DeleteImageRecipe(ctx, &imagebuilder.DeleteImageRecipeInput{ImageRecipeArn: aws.String(sel)}); err != nil {
		t.Fatal(err)
	}
	if err := del(b2); err != nil {
		t.Fatalf("DeleteComponent after the recipe is gone: %v", err)
	}

	// Container recipes count too.
	b3 := mustCreate(t, c, createInput("dep-container", "1.0.0"))
	cin := containerInput("uses", "1.0.0")
	cin.Components = []types.ComponentConfiguration{{ComponentArn: aws.String(b3)}}
	if _, err := c.CreateContainerRecipe(ctx, cin); err != nil {
		t.Fatal(err)
	}
	requireAPIError(t, del(b3), "ResourceDependencyException", 400)
}

// TestDeleteWhileBuildingAndWorkflowInPipeline: the infrastructure and
// distribution configurations a build in progress uses, and a workflow a
// pipeline or a build uses, cannot be deleted (ResourceDependencyException).
func TestDeleteWhileBuildingAndWorkflowInPipeline(t *testing.T) {
	e := startBuilds(t)
	ctx := testContext(t)
	recipe, infra := e.pipelineParts(t, "inuse", "", "", ssmCore, ibInstance)
	dist, err := e.ib.CreateDistributionConfiguration(ctx, &imagebuilder.CreateDistributionConfigurationInput{
		Name: aws.String("inuse"), ClientToken: aws.String("dist-inuse"),
		Distributions: []types.Distribution{{Region: aws.String(region), AmiDistributionConfiguration: &types.AmiDistributionConfiguration{Name: aws.String("out")}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	distARN := aws.ToString(dist.DistributionConfigurationArn)
	wf, err := e.ib.CreateWorkflow(ctx, workflowInput("inuse", "1.0.0", buildWorkflowDoc))
	if err != nil {
		t.Fatal(err)
	}
	wfARN := aws.ToString(wf.WorkflowBuildVersionArn)
	arn, _ := e.create(t, &imagebuilder.CreateImageInput{ImageRecipeArn: aws.String(recipe), InfrastructureConfigurationArn: aws.String(infra),
		DistributionConfigurationArn: aws.String(distARN), Workflows: []types.WorkflowConfiguration{{WorkflowArn: aws.String(wfARN)}}})
	e.run(t, buildTime/10)
	_, err = e.ib.DeleteInfrastructureConfiguration(ctx, &imagebuilder.DeleteInfrastructureConfigurationInput{InfrastructureConfigurationArn: aws.String(infra)})
	requireAPIError(t, err, "ResourceDependencyException", 400)
	_, err = e.ib.DeleteDistributionConfiguration(ctx, &imagebuilder.DeleteDistributionConfigurationInput{DistributionConfigurationArn: aws.String(distARN)})
	requireAPIError(t, err, "ResourceDependencyException", 400)
	_, err = e.ib.DeleteWorkflow(ctx, &imagebuilder.DeleteWorkflowInput{WorkflowBuildVersionArn: aws.String(wfARN)})
	if apiErr := requireAPIError(t, err, "ResourceDependencyException", 400); !strings.Contains(apiErr.ErrorMessage(), wfARN) {
		t.Errorf("message %q does not name %s", apiErr.ErrorMessage(), wfARN)
	}
	if _, err := e.ib.CancelImageCreation(ctx, &imagebuilder.CancelImageCreationInput{ImageBuildVersionArn: aws.String(arn), ClientToken: aws.String("c")}); err != nil {
		t.Fatal(err)
	}
	e.run(t, 2*buildTime)

	// A pipeline naming the workflow by a selector keeps it.
	pin := &imagebuilder.CreateImagePipelineInput{Name: aws.String("wf-user"), ImageRecipeArn: aws.String(recipe), InfrastructureConfigurationArn: aws.String(infra),
		Workflows: []types.WorkflowConfiguration{{WorkflowArn: aws.String(workflowARN(accountA, "build", "inuse", "x.x.x", 0))}}, ClientToken: aws.String("p")}
	p, err := e.ib.CreateImagePipeline(ctx, pin)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.ib.DeleteWorkflow(ctx, &imagebuilder.DeleteWorkflowInput{WorkflowBuildVersionArn: aws.String(wfARN)})
	requireAPIError(t, err, "ResourceDependencyException", 400)
	if _, err := e.ib.DeleteImagePipeline(ctx, &imagebuilder.DeleteImagePipelineInput{ImagePipelineArn: p.ImagePipelineArn}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ib.DeleteWorkflow(ctx, &imagebuilder.DeleteWorkflowInput{WorkflowBuildVersionArn: aws.String(wfARN)}); err != nil {
		t.Fatalf("DeleteWorkflow with no user: %v", err)
	}
	if _, err := e.ib.DeleteDistributionConfiguration(ctx, &imagebuilder.DeleteDistributionConfigurationInput{DistributionConfigurationArn: aws.String(distARN)}); err != nil {
		t.Fatalf("DeleteDistributionConfiguration after the build: %v", err)
	}
	if _, err := e.ib.DeleteInfrastructureConfiguration(ctx, &imagebuilder.DeleteInfrastructureConfigurationInput{InfrastructureConfigurationArn: aws.String(infra)}); err != nil {
		t.Fatalf("DeleteInfrastructureConfiguration after the build: %v", err)
	}
}
