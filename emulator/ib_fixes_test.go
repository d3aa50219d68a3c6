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

// TestComponentURIDocumentLimit: the 16,000-character limit is the inline
// data member's; a document read from S3 may be longer (up to 64 KiB here),
// and what is wrong with one names 'uri'.
func TestComponentURIDocumentLimit(t *testing.T) {
	t.Parallel()
	e := startSTS(t)
	ctx := testContext(t)
	ib := ibClient(t, e.root)
	bucket := uniqueBucket("bigdocs")
	pad := func(doc string, n int) string {
		var b strings.Builder
		b.WriteString(doc)
		for b.Len() < n {
			b.WriteString("\n# " + strings.Repeat("x", 76))
		}
		return b.String() + "\n"
	}
	putS3Object(t, e.emu, accountA, bucket, "big.yaml", pad(linuxDoc("big"), 20000))
	putS3Object(t, e.emu, accountA, bucket, "huge.yaml", pad(linuxDoc("huge"), 70000))
	create := func(name, key string) error {
		_, err := ib.CreateComponent(ctx, &imagebuilder.CreateComponentInput{Name: aws.String(name), SemanticVersion: aws.String("1.0.0"),
			Platform: types.PlatformLinux, Uri: aws.String("s3://" + bucket + "/" + key)})
		return err
	}
	if err := create("big", "big.yaml"); err != nil {
		t.Fatalf("a 20,000-character document from S3: %v", err)
	}
	apiErr := requireAPIError(t, create("huge", "huge.yaml"), "InvalidParameterValueException", 400)
	if !strings.Contains(apiErr.ErrorMessage(), "parameter 'uri'") || !strings.Contains(apiErr.ErrorMessage(), "65536") {
		t.Errorf("message %q does not name 'uri' and its limit", apiErr.ErrorMessage())
	}
	// The inline limit stays.
	_, err := ib.CreateComponent(ctx, &imagebuilder.CreateComponentInput{Name: aws.String("inline"), SemanticVersion: aws.String("1.0.0"),
		Platform: types.PlatformLinux, Data: aws.String(pad(linuxDoc("inline"), 20000))})
	if apiErr := requireAPIError(t, err, "InvalidParameterValueException", 400); !strings.Contains(apiErr.ErrorMessage(), "'data'") {
		t.Errorf("inline message %q", apiErr.ErrorMessage())
	}
}

// TestListTagsOfUntaggedResource: an untagged resource's tags are {} on
// the wire, as AWS answers, so the SDK hands back an empty map, not nil.
func TestListTagsOfUntaggedResource(t *testing.T) {
	t.Parallel()
	_, c := startClient(t)
	arn := mustCreate(t, c, createInput("untagged", "1.0.0"))
	out, err := c.ListTagsForResource(testContext(t), &imagebuilder.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if out.Tags == nil || len(out.Tags) != 0 {
		t.Errorf("tags = %#v, want an empty map", out.Tags)
	}
}
