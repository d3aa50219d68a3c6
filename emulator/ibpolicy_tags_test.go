package emulator_test

import (
	"maps"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
)

// tagsOf lists a resource's tags.
func tagsOf(t *testing.T, c *imagebuilder.Client, arn string) map[string]string {
	t.Helper()
	out, err := c.ListTagsForResource(testContext(t), &imagebuilder.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if err != nil {
		t.Fatalf("ListTagsForResource %s: %v", arn, err)
	}
	return out.Tags
}

func requireTags(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	if len(got) != len(want) || !maps.Equal(got, want) {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
}

// TestComponentTags: tags set at creation, added, replaced and removed read
// back through ListTagsForResource and GetComponent; resources that do not
// exist answer ResourceNotFoundException, another account is denied, and
// neither changes anything.
func TestComponentTags(t *testing.T) {
	t.Parallel()
	emu, a := startClient(t)
	b := client(t, emu, accountB)
	ctx := testContext(t)
	in := createInput("tagged", "1.0.0")
	in.Tags = map[string]string{"team": "platform"}
	arn := mustCreate(t, a, in)
	requireTags(t, "tags after create", tagsOf(t, a, arn), map[string]string{"team": "platform"})

	if _, err := a.TagResource(ctx, &imagebuilder.TagResourceInput{ResourceArn: aws.String(arn), Tags: map[string]string{"team": "images", "stage": "prod"}}); err != nil {
		t.Fatalf("TagResource: %v", err)
	}
	want := map[string]string{"team": "images", "stage": "prod"}
	requireTags(t, "tags after TagResource", tagsOf(t, a, arn), want)
	requireTags(t, "GetComponent's tags", mustGet(t, a, arn).Component.Tags, want)

	if _, err := a.UntagResource(ctx, &imagebuilder.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"team", "absent"}}); err != nil {
		t.Fatalf("UntagResource: %v", err)
	}
	want = map[string]string{"stage": "prod"}
	requireTags(t, "tags after UntagResource", tagsOf(t, a, arn), want)

	// Even with the component shared, another account may read it but not
	// its tags, nor change them: a component policy cannot grant tagging.
	mustPutComponentPolicy(t, a, arn, sharePolicy(arn, accountB))
	_, err := b.TagResource(ctx, &imagebuilder.TagResourceInput{ResourceArn: aws.String(arn), Tags: map[string]string{"owner": "b"}})
	requireAPIError(t, err, "AccessDeniedException", 403)
	_, err = b.UntagResource(ctx, &imagebuilder.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"stage"}})
	requireAPIError(t, err, "AccessDeniedException", 403)
	_, err = b.ListTagsForResource(ctx, &imagebuilder.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	requireAPIError(t, err, "AccessDeniedException", 403)
	requireTags(t, "tags after B's attempts", tagsOf(t, a, arn), want)

	for _, missing := range []string{
		componentARN(accountA, "tagged", "1.0.0", 2),
		"arn:aws:imagebuilder:" + region + ":" + accountA + ":image/golden/1.0.0/1",
		"arn:aws:imagebuilder:" + region + ":" + accountA + ":image-recipe/golden/1.0.0",
	} {
		_, err := a.TagResource(ctx, &imagebuilder.TagResourceInput{ResourceArn: aws.String(missing), Tags: map[string]string{"k": "v"}})
		requireMessage(t, requireAPIError(t, err, "ResourceNotFoundException", 404), "The resource "+missing+" does not exist.")
		_, err = a.ListTagsForResource(ctx, &imagebuilder.ListTagsForResourceInput{ResourceArn: aws.String(missing)})
		requireAPIError(t, err, "ResourceNotFoundException", 404)
	}

	// 50 tags at most, counting the ones the resource already has.
	many := map[string]string{}
	for i := range 50 {
		many[string(rune('a'+i%26))+string(rune('a'+i/26))] = "v"
	}
	_, err = a.TagResource(ctx, &imagebuilder.TagResourceInput{ResourceArn: aws.String(arn), Tags: many})
	requireAPIError(t, err, "InvalidParameterException", 400)
	requireTags(t, "tags after the refused TagResource", tagsOf(t, a, arn), want)
}

// A component ARN without a version names no component build to tag.
func TestComponentTagsNeedAVersion(t *testing.T) {
	t.Parallel()
	_, c := startClient(t)
	ctx := testContext(t)
	mustCreate(t, c, createInput("tagme", "1.0.0"))
	arn := "arn:aws:imagebuilder:" + region + ":" + accountA + ":component/tagme"
	_, err := c.ListTagsForResource(ctx, &imagebuilder.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	requireAPIError(t, err, "ResourceNotFoundException", 404)
	_, err = c.TagResource(ctx, &imagebuilder.TagResourceInput{ResourceArn: aws.String(arn), Tags: map[string]string{"a": "b"}})
	requireAPIError(t, err, "ResourceNotFoundException", 404)
}
