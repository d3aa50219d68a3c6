package emulator_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
)

// TestGetComponentSelectors resolves version selectors to the latest
// matching version, comparing version nodes as numbers (1.10.0 > 1.9.0).
func TestGetComponentSelectors(t *testing.T) {
	t.Parallel()
	_, c := startClient(t)
	// Created out of order, so that the answer cannot be the last created.
	for _, v := range []string{"1.9.0", "2.0.0", "1.10.0", "1.2.3", "1.2.10", "1.2.9", "0.9.9"} {
		mustCreate(t, c, createInput("picked", v))
	}
	// A second build of 1.2.10: selectors answer the latest build.
	mustCreate(t, c, createInput("picked", "1.2.10"))

	cases := []struct {
		selector, wantVersion string
		wantBuild             int
	}{
		{"x.x.x", "2.0.0", 1},
		{"1.x.x", "1.10.0", 1},
		{"0.x.x", "0.9.9", 1},
		{"1.2.x", "1.2.10", 2},
		{"1.9.x", "1.9.0", 1},
		{"1.2.10", "1.2.10", 2}, // a version ARN: its latest build
		{"1.2.9", "1.2.9", 1},
	}
	for _, tc := range cases {
		out := mustGet(t, c, versionARN(accountA, "picked", tc.selector))
		want := componentARN(accountA, "picked", tc.wantVersion, tc.wantBuild)
		if got := aws.ToString(out.Component.Arn); got != want {
			t.Errorf("GetComponent %s = %s, want %s", tc.selector, got, want)
		}
		if got := aws.ToString(out.Component.Version); got != tc.wantVersion {
			t.Errorf("GetComponent %s: version = %s, want %s", tc.selector, got, tc.wantVersion)
		}
		// The references describe the version answered, not the selector.
		checkLatestReferences(t, out.LatestVersionReferences, accountA, "picked", tc.wantVersion)
	}

	// A build ARN answers exactly that build.
	out := mustGet(t, c, componentARN(accountA, "picked", "1.2.10", 1))
	if got := aws.ToString(out.Component.Arn); got != componentARN(accountA, "picked", "1.2.10", 1) {
		t.Errorf("GetComponent by build ARN = %s", got)
	}
}

// TestGetComponentNotFound: versions, builds, selectors and names that match
// nothing answer ResourceNotFoundException (HTTP 404). The SDK does not model
// it for GetComponent, so it surfaces as a generic API error with that code.
func TestGetComponentNotFound(t *testing.T) {
	t.Parallel()
	_, c := startClient(t)
	mustCreate(t, c, createInput("present", "1.0.0"))
	ctx := testContext(t)
	for _, arn := range []string{
		componentARN(accountA, "present", "1.0.0", 2),
		componentARN(accountA, "present", "1.0.1", 1),
		versionARN(accountA, "present", "1.0.1"),
		versionARN(accountA, "present", "2.x.x"),
		versionARN(accountA, "present", "1.1.x"),
		versionARN(accountA, "absent", "x.x.x"),
		componentARN(accountA, "absent", "1.0.0", 1),
		// Another region of the same account.
		"arn:aws:imagebuilder:eu-west-1:" + accountA + ":component/present/1.0.0/1",
	} {
		_, err := c.GetComponent(ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(arn)})
		apiErr := requireAPIError(t, err, "ResourceNotFoundException", 404)
		if !strings.Contains(apiErr.ErrorMessage(), "does not exist") {
			t.Errorf("%s: message %q", arn, apiErr.ErrorMessage())
		}
	}
}

// TestGetComponentInvalidARN: ARNs outside the model's pattern are refused
// before any lookup, naming the parameter.
func TestGetComponentInvalidARN(t *testing.T) {
	t.Parallel()
	_, c := startClient(t)
	ctx := testContext(t)
	for _, arn := range []string{
		"not-an-arn",
		"arn:aws:imagebuilder:us-east-1:" + accountA + ":component/UpperCase/1.0.0/1",
		"arn:aws:imagebuilder:us-east-1:" + accountA + ":image-recipe/r/1.0.0",
		"arn:aws:imagebuilder:us-east-1:" + accountA + ":component/c/1.0/1",
		"arn:aws:imagebuilder:us-east-1:" + accountA + ":component/c/x.x.x/1",
		"arn:aws:imagebuilder:us-east-1:12345:component/c/1.0.0/1",
	} {
		_, err := c.GetComponent(ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(arn)})
		apiErr := requireAPIError(t, err, "InvalidParameterValueException", 400)
		if !strings.HasPrefix(apiErr.ErrorMessage(), "The value supplied for parameter 'componentBuildVersionArn' is not valid.") {
			t.Errorf("%s: message %q", arn, apiErr.ErrorMessage())
		}
	}
}

// TestGetComponentBadSelector: the pattern lets x.1.0 through, but a
// wildcard must not precede a number.
func TestGetComponentBadSelector(t *testing.T) {
	t.Parallel()
	_, c := startClient(t)
	mustCreate(t, c, createInput("selected", "1.1.0"))
	ctx := testContext(t)
	for _, sel := range []string{"x.1.0", "1.x.0", "x.x.0"} {
		_, err := c.GetComponent(ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(versionARN(accountA, "selected", sel))})
		requireAPIError(t, err, "InvalidVersionNumberException", 400)
	}
}

// TestAmazonComponents: the Amazon catalog is listed with owner Amazon,
// readable by every account with account field "aws", and cannot be deleted.
func TestAmazonComponents(t *testing.T) {
	t.Parallel()
	_, c := startClient(t)
	ctx := testContext(t)

	amazon := listAll(t, c, &imagebuilder.ListComponentsInput{Owner: types.OwnershipAmazon})
	if len(amazon) == 0 {
		t.Fatal("owner Amazon lists nothing")
	}
	var updateLinux *types.ComponentVersion
	for i, cv := range amazon {
		if aws.ToString(cv.Owner) != "Amazon" {
			t.Errorf("%s: owner = %s, want Amazon", aws.ToString(cv.Arn), aws.ToString(cv.Owner))
		}
		if !strings.HasPrefix(aws.ToString(cv.Arn), "arn:aws:imagebuilder:us-east-1:aws:component/") {
			t.Errorf("Amazon component ARN %s does not carry account field aws", aws.ToString(cv.Arn))
		}
		if aws.ToString(cv.Name) == "update-linux" {
			updateLinux = &amazon[i]
		}
	}
	if updateLinux == nil {
		t.Fatal("update-linux is not in the Amazon catalog")
	}
	// Paged three at a time, the catalog lists the same versions.
	var paged []string
	for _, cv := range listAll(t, c, &imagebuilder.ListComponentsInput{Owner: types.OwnershipAmazon, MaxResults: aws.Int32(3)}) {
		paged = append(paged, aws.ToString(cv.Arn))
	}
	var whole []string
	for _, cv := range amazon {
		whole = append(whole, aws.ToString(cv.Arn))
	}
	requireSameStrings(t, "Amazon catalog in pages of 3", paged, whole)

	// The catalog does not leak into the caller's own components.
	requireNoComponents(t, c)

	out := mustGet(t, c, "arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x")
	comp := out.Component
	if aws.ToString(comp.Name) != "update-linux" || comp.Platform != types.PlatformLinux || aws.ToString(comp.Data) == "" {
		t.Errorf("update-linux = %+v", comp)
	}
	if !strings.HasPrefix(aws.ToString(comp.Arn), aws.ToString(updateLinux.Arn)+"/") {
		t.Errorf("GetComponent x.x.x = %s, want a build of the listed %s", aws.ToString(comp.Arn), aws.ToString(updateLinux.Arn))
	}

	// Amazon's resources are in another account that shares them for
	// reading only: deleting one is a cross-account call no resource-based
	// policy allows.
	_, err := c.DeleteComponent(ctx, &imagebuilder.DeleteComponentInput{ComponentBuildVersionArn: comp.Arn})
	requireAPIError(t, err, "AccessDeniedException", 403)
	mustGet(t, c, aws.ToString(comp.Arn))

	// Filters apply to the catalog too.
	windows := listAll(t, c, &imagebuilder.ListComponentsInput{
		Owner:   types.OwnershipAmazon,
		Filters: []types.Filter{{Name: aws.String("platform"), Values: []string{"Windows"}}},
	})
	if len(windows) == 0 || len(windows) >= len(amazon) {
		t.Errorf("platform Windows lists %d of %d Amazon components", len(windows), len(amazon))
	}
	for _, cv := range windows {
		if cv.Platform != types.PlatformWindows {
			t.Errorf("platform filter Windows listed %s (%s)", aws.ToString(cv.Arn), cv.Platform)
		}
	}
}
