package emulator_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
)

// listFixture creates components that differ in every filterable field:
//
//	alpha 1.0.0  Linux   BUILD  "web"    [Amazon Linux 2023]
//	alpha 1.1.0  Linux   BUILD  "web v2" [Amazon Linux 2023, Ubuntu 22]
//	beta  1.0.0  Linux   TEST   "checks" []
//	gamma 2.0.0  Windows BUILD  "web"    [Microsoft Windows Server 2022]
func listFixture(t *testing.T, c *imagebuilder.Client) {
	t.Helper()
	a1 := createInput("alpha", "1.0.0")
	a1.Description = aws.String("web")
	a1.SupportedOsVersions = []string{"Amazon Linux 2023"}
	a2 := createInput("alpha", "1.1.0")
	a2.Description = aws.String("web v2")
	a2.SupportedOsVersions = []string{"Amazon Linux 2023", "Ubuntu 22"}
	b := createInput("beta", "1.0.0")
	b.Data = aws.String(testDoc("beta"))
	b.Description = aws.String("checks")
	g := createInput("gamma", "2.0.0")
	g.Platform = types.PlatformWindows
	g.Data = aws.String(windowsDoc("gamma"))
	g.Description = aws.String("web")
	g.SupportedOsVersions = []string{"Microsoft Windows Server 2022"}
	for _, in := range []*imagebuilder.CreateComponentInput{g, b, a2, a1} {
		mustCreate(t, c, in)
	}
}

var (
	alpha100 = versionARN(accountA, "alpha", "1.0.0")
	alpha110 = versionARN(accountA, "alpha", "1.1.0")
	beta100  = versionARN(accountA, "beta", "1.0.0")
	gamma200 = versionARN(accountA, "gamma", "2.0.0")
)

// TestListComponentsOwners: Self is the default and lists the caller's own
// versions (ordered by name, then version); Shared and ThirdParty are empty
// here; Amazon lists the managed catalog.
func TestListComponentsOwners(t *testing.T) {
	t.Parallel()
	_, c := startClient(t)
	listFixture(t, c)
	all := []string{alpha100, alpha110, beta100, gamma200}
	requireSameStrings(t, "default owner", listARNs(t, c, nil), all)
	requireSameStrings(t, "owner Self", listARNs(t, c, &imagebuilder.ListComponentsInput{Owner: types.OwnershipSelf}), all)
	for _, owner := range []types.Ownership{types.OwnershipShared, types.OwnershipThirdparty} {
		if got := listARNs(t, c, &imagebuilder.ListComponentsInput{Owner: owner}); len(got) != 0 {
			t.Errorf("owner %s = %v, want none", owner, got)
		}
	}
	for _, arn := range listARNs(t, c, &imagebuilder.ListComponentsInput{Owner: types.OwnershipAmazon}) {
		if slices.Contains(all, arn) {
			t.Errorf("owner Amazon lists the caller's %s", arn)
		}
	}

	// Each entry describes its version.
	for _, cv := range listAll(t, c, nil) {
		if aws.ToString(cv.Arn) != alpha110 {
			continue
		}
		if aws.ToString(cv.Name) != "alpha" || aws.ToString(cv.Version) != "1.1.0" || cv.Platform != types.PlatformLinux ||
			cv.Type != types.ComponentTypeBuild || aws.ToString(cv.Owner) != accountA || aws.ToString(cv.Description) != "web v2" ||
			!slices.Equal(cv.SupportedOsVersions, []string{"Amazon Linux 2023", "Ubuntu 22"}) || aws.ToString(cv.DateCreated) == "" ||
			cv.Status != types.ComponentStatusActive {
			t.Errorf("alpha 1.1.0 listed as %+v", cv)
		}
	}
}

// TestListComponentsFilters: each filter alone, values of one filter as
// alternatives, several filters together.
func TestListComponentsFilters(t *testing.T) {
	t.Parallel()
	_, c := startClient(t)
	listFixture(t, c)
	f := func(name string, values ...string) types.Filter {
		return types.Filter{Name: aws.String(name), Values: values}
	}
	cases := []struct {
		name    string
		filters []types.Filter
		want    []string
	}{
		{"name", []types.Filter{f("name", "alpha")}, []string{alpha100, alpha110}},
		{"name alternatives", []types.Filter{f("name", "beta", "gamma")}, []string{beta100, gamma200}},
		{"name no match", []types.Filter{f("name", "delta")}, nil},
		{"platform Linux", []types.Filter{f("platform", "Linux")}, []string{alpha100, alpha110, beta100}},
		{"platform Windows", []types.Filter{f("platform", "Windows")}, []string{gamma200}},
		{"type TEST", []types.Filter{f("type", "TEST")}, []string{beta100}},
		{"type BUILD", []types.Filter{f("type", "BUILD")}, []string{alpha100, alpha110, gamma200}},
		{"version", []types.Filter{f("version", "1.0.0")}, []string{alpha100, beta100}},
		{"supportedOsVersion", []types.Filter{f("supportedOsVersion", "Ubuntu 22")}, []string{alpha110}},
		{"supportedOsVersion shared", []types.Filter{f("supportedOsVersion", "Amazon Linux 2023")}, []string{alpha100, alpha110}},
		{"description", []types.Filter{f("description", "web")}, []string{alpha100, gamma200}},
		{"platform and description", []types.Filter{f("platform", "Linux"), f("description", "web")}, []string{alpha100}},
		{"name and version", []types.Filter{f("name", "alpha"), f("version", "1.1.0")}, []string{alpha110}},
	}
	for _, tc := range cases {
		got := listARNs(t, c, &imagebuilder.ListComponentsInput{Filters: tc.filters})
		requireSameStrings(t, tc.name, got, tc.want)
	}
}

// TestListComponentsUnknownFilter refuses a filter ListComponents does not
// support instead of ignoring it.
func TestListComponentsUnknownFilter(t *testing.T) {
	t.Parallel()
	_, c := startClient(t)
	_, err := c.ListComponents(testContext(t), &imagebuilder.ListComponentsInput{
		Filters: []types.Filter{{Name: aws.String("colour"), Values: []string{"blue"}}},
	})
	requireAPIError(t, err, "InvalidParameterValueException", 400)
}

// TestListComponentsByName lists one entry per component: its latest
// version.
func TestListComponentsByName(t *testing.T) {
	t.Parallel()
	_, c := startClient(t)
	listFixture(t, c)
	mustCreate(t, c, createInput("alpha", "1.10.0"))
	mustCreate(t, c, createInput("alpha", "1.9.0"))
	alpha1100 := versionARN(accountA, "alpha", "1.10.0")

	requireSameStrings(t, "byName", listARNs(t, c, &imagebuilder.ListComponentsInput{ByName: true}),
		[]string{alpha1100, beta100, gamma200})
	requireSameStrings(t, "byName platform Linux", listARNs(t, c, &imagebuilder.ListComponentsInput{
		ByName:  true,
		Filters: []types.Filter{{Name: aws.String("platform"), Values: []string{"Linux"}}},
	}), []string{alpha1100, beta100})

	// Listing by name and filtering by version contradict each other. AWS's
	// answer for ListImages reads "The value supplied for parameter
	// 'filters' is not valid. You cannot list Images by name and filter by
	// version in the same request."
	_, err := c.ListComponents(testContext(t), &imagebuilder.ListComponentsInput{
		ByName:  true,
		Filters: []types.Filter{{Name: aws.String("version"), Values: []string{"1.0.0"}}},
	})
	apiErr := requireAPIError(t, err, "InvalidParameterCombinationException", 400)
	requireMessage(t, apiErr, "The value supplied for parameter 'filters' is not valid. You cannot list Components by name and filter by version in the same request.")

	// Paged one at a time, byName still lists each name once.
	requireSameStrings(t, "byName one per page", listARNs(t, c, &imagebuilder.ListComponentsInput{ByName: true, MaxResults: aws.Int32(1)}),
		[]string{alpha1100, beta100, gamma200})
}

// TestListComponentsPagination pages over 60 versions: every page size
// yields exactly the full list, in order, without duplicates; the SDK
// paginator agrees with hand-driven paging.
func TestListComponentsPagination(t *testing.T) {
	t.Parallel()
	_, c := startClient(t)
	ctx := testContext(t)
	var want []string
	for i := range 60 {
		// Names and versions chosen so that key order and numeric order
		// agree: comp-00 … comp-05, versions 1.0.0 … 1.0.9.
		name := fmt.Sprintf("comp-%02d", i/10)
		version := fmt.Sprintf("1.0.%d", i%10)
		mustCreate(t, c, createInput(name, version))
		want = append(want, versionARN(accountA, name, version))
	}

	for _, size := range []int32{1, 7, 25} {
		var got []string
		var token *string
		pages := 0
		for {
			out, err := c.ListComponents(ctx, &imagebuilder.ListComponentsInput{MaxResults: aws.Int32(size), NextToken: token})
			if err != nil {
				t.Fatalf("ListComponents page %d (size %d): %v", pages, size, err)
			}
			pages++
			if len(out.ComponentVersionList) > int(size) {
				t.Fatalf("page %d has %d items, more than maxResults %d", pages, len(out.ComponentVersionList), size)
			}
			for _, cv := range out.ComponentVersionList {
				got = append(got, aws.ToString(cv.Arn))
			}
			if out.NextToken == nil {
				break
			}
			if len(out.ComponentVersionList) != int(size) {
				t.Errorf("size %d: a page before the last has %d items", size, len(out.ComponentVersionList))
			}
			token = out.NextToken
		}
		requireSameStrings(t, fmt.Sprintf("pages of %d", size), got, want)
		if wantPages := (60 + int(size) - 1) / int(size); pages != wantPages {
			t.Errorf("size %d: %d pages, want %d", size, pages, wantPages)
		}
	}

	// The default page size is the model's maximum, 25.
	out, err := c.ListComponents(ctx, &imagebuilder.ListComponentsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.ComponentVersionList) != 25 || out.NextToken == nil {
		t.Errorf("default page: %d items, nextToken %v; want 25 and a token", len(out.ComponentVersionList), out.NextToken)
	}

	requireSameStrings(t, "SDK paginator", listARNs(t, c, &imagebuilder.ListComponentsInput{MaxResults: aws.Int32(10)}), want)

	// Filters and paging together.
	var filtered []string
	p := imagebuilder.NewListComponentsPaginator(c, &imagebuilder.ListComponentsInput{
		MaxResults: aws.Int32(4),
		Filters:    []types.Filter{{Name: aws.String("version"), Values: []string{"1.0.3", "1.0.7"}}},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, cv := range page.ComponentVersionList {
			filtered = append(filtered, aws.ToString(cv.Arn))
		}
	}
	var wantFiltered []string
	for _, arn := range want {
		if v := arn[len(arn)-5:]; v == "1.0.3" || v == "1.0.7" {
			wantFiltered = append(wantFiltered, arn)
		}
	}
	requireSameStrings(t, "filtered pages", filtered, wantFiltered)
}

// TestListComponentsBadToken: tokens that were not issued, or were issued
// for another listing, are refused with InvalidPaginationTokenException.
func TestListComponentsBadToken(t *testing.T) {
	t.Parallel()
	_, c := startClient(t)
	ctx := testContext(t)
	for i := range 3 {
		mustCreate(t, c, createInput("paged", fmt.Sprintf("1.0.%d", i)))
	}
	first, err := c.ListComponents(ctx, &imagebuilder.ListComponentsInput{MaxResults: aws.Int32(1)})
	if err != nil || first.NextToken == nil {
		t.Fatalf("first page: %v, token %v", err, first)
	}
	builds, err := c.ListComponentBuildVersions(ctx, &imagebuilder.ListComponentBuildVersionsInput{MaxResults: aws.Int32(1)})
	if err != nil || builds.NextToken == nil {
		t.Fatalf("build versions page: %v", err)
	}

	for name, in := range map[string]*imagebuilder.ListComponentsInput{
		"garbage":                 {NextToken: aws.String("garbage")},
		"not base64":              {NextToken: aws.String("!!!!")},
		"truncated":               {NextToken: aws.String((*first.NextToken)[:len(*first.NextToken)/2])},
		"another owner's listing": {NextToken: first.NextToken, Owner: types.OwnershipAmazon},
		"the byName listing":      {NextToken: first.NextToken, ByName: true},
		"another operation's":     {NextToken: builds.NextToken},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := c.ListComponents(ctx, in)
			requireAPIError(t, err, "InvalidPaginationTokenException", 400)
			requireTyped[*types.InvalidPaginationTokenException](t, err)
		})
	}
	// The good token still works.
	next, err := c.ListComponents(ctx, &imagebuilder.ListComponentsInput{MaxResults: aws.Int32(1), NextToken: first.NextToken})
	if err != nil || len(next.ComponentVersionList) != 1 || aws.ToString(next.ComponentVersionList[0].Arn) != versionARN(accountA, "paged", "1.0.1") {
		t.Fatalf("second page: %v %+v", err, next)
	}
}

// TestListComponentsMaxResultsRange: the model allows 1..25.
func TestListComponentsMaxResultsRange(t *testing.T) {
	t.Parallel()
	_, c := startClient(t)
	ctx := testContext(t)
	for _, n := range []int32{0, 26, -1} {
		_, err := c.ListComponents(ctx, &imagebuilder.ListComponentsInput{MaxResults: aws.Int32(n)})
		requireAPIError(t, err, "InvalidParameterValueException", 400)
	}
}
