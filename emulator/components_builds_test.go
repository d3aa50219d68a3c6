package emulator_test

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
)

// TestListComponentBuildVersions lists the builds of one version, in build
// order, with every summary field, and pages over them.
func TestListComponentBuildVersions(t *testing.T) {
	t.Parallel()
	_, c := startClient(t)
	ctx := testContext(t)
	var want []string
	for i := 1; i <= 7; i++ {
		in := createInput("multi", "1.0.0")
		in.ChangeDescription = aws.String(fmt.Sprintf("build %d", i))
		in.Tags = map[string]string{"build": fmt.Sprint(i)}
		want = append(want, mustCreate(t, c, in))
	}
	// Other versions and names must not appear.
	mustCreate(t, c, createInput("multi", "1.0.1"))
	mustCreate(t, c, createInput("multi-other", "1.0.0"))

	out, err := c.ListComponentBuildVersions(ctx, &imagebuilder.ListComponentBuildVersionsInput{
		ComponentVersionArn: aws.String(versionARN(accountA, "multi", "1.0.0")),
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.NextToken != nil {
		t.Errorf("nextToken = %q on a complete listing", *out.NextToken)
	}
	var got []string
	for i, s := range out.ComponentSummaryList {
		got = append(got, aws.ToString(s.Arn))
		if aws.ToString(s.Name) != "multi" || aws.ToString(s.Version) != "1.0.0" || s.Platform != types.PlatformLinux ||
			s.Type != types.ComponentTypeBuild || aws.ToString(s.Owner) != accountA || aws.ToString(s.DateCreated) == "" ||
			aws.ToString(s.ChangeDescription) != fmt.Sprintf("build %d", i+1) || s.Tags["build"] != fmt.Sprint(i+1) ||
			s.State == nil || s.State.Status != types.ComponentStatusActive {
			t.Errorf("summary %d = %+v", i, s)
		}
	}
	requireSameStrings(t, "builds", got, want)

	// Paging by 3: 3 + 3 + 1, and the paginator agrees.
	var paged []string
	var token *string
	pages := 0
	for {
		page, err := c.ListComponentBuildVersions(ctx, &imagebuilder.ListComponentBuildVersionsInput{
			ComponentVersionArn: aws.String(versionARN(accountA, "multi", "1.0.0")),
			MaxResults:          aws.Int32(3),
			NextToken:           token,
		})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, s := range page.ComponentSummaryList {
			paged = append(paged, aws.ToString(s.Arn))
		}
		if token = page.NextToken; token == nil {
			break
		}
	}
	requireSameStrings(t, "paged builds", paged, want)
	if pages != 3 {
		t.Errorf("%d pages of 3 over 7 builds, want 3", pages)
	}
	requireSameStrings(t, "paginator", buildARNs(t, c, versionARN(accountA, "multi", "1.0.0")), want)

	// A token of one version's listing does not page another's.
	first, err := c.ListComponentBuildVersions(ctx, &imagebuilder.ListComponentBuildVersionsInput{
		ComponentVersionArn: aws.String(versionARN(accountA, "multi", "1.0.0")),
		MaxResults:          aws.Int32(1),
	})
	if err != nil || first.NextToken == nil {
		t.Fatalf("first page: %v", err)
	}
	_, err = c.ListComponentBuildVersions(ctx, &imagebuilder.ListComponentBuildVersionsInput{
		ComponentVersionArn: aws.String(versionARN(accountA, "multi", "1.0.1")),
		NextToken:           first.NextToken,
	})
	requireAPIError(t, err, "InvalidPaginationTokenException", 400)
	requireTyped[*types.InvalidPaginationTokenException](t, err)
}

// TestListComponentBuildVersionsEmptyAndInvalid: an unknown version lists
// nothing; a build ARN or selector is not a version ARN.
func TestListComponentBuildVersionsEmptyAndInvalid(t *testing.T) {
	t.Parallel()
	_, c := startClient(t)
	ctx := testContext(t)
	mustCreate(t, c, createInput("known", "1.0.0"))
	if got := buildARNs(t, c, versionARN(accountA, "unknown", "1.0.0")); len(got) != 0 {
		t.Errorf("unknown version lists %v", got)
	}
	for _, arn := range []string{componentARN(accountA, "known", "1.0.0", 1), versionARN(accountA, "known", "1.x.x")} {
		_, err := c.ListComponentBuildVersions(ctx, &imagebuilder.ListComponentBuildVersionsInput{ComponentVersionArn: aws.String(arn)})
		requireAPIError(t, err, "InvalidParameterValueException", 400)
	}
}
