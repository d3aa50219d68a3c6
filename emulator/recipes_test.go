package emulator_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
)

// amazonImage is the ARN of an Amazon-managed image version or selector.
func amazonImage(name, version string) string {
	return fmt.Sprintf("arn:aws:imagebuilder:%s:aws:image/%s/%s", region, name, version)
}

// amazonComponent is the ARN of an Amazon-managed component version or selector.
func amazonComponent(name, version string) string {
	return fmt.Sprintf("arn:aws:imagebuilder:%s:aws:component/%s/%s", region, name, version)
}

func recipeARN(account, name, version string) string {
	return fmt.Sprintf("arn:aws:imagebuilder:%s:%s:image-recipe/%s/%s", region, account, name, version)
}

func containerRecipeARN(account, name, version string) string {
	return fmt.Sprintf("arn:aws:imagebuilder:%s:%s:container-recipe/%s/%s", region, account, name, version)
}

// recipeInput is a valid CreateImageRecipe request on Amazon Linux 2023
// with the components given by ARN.
func recipeInput(name, version string, components ...string) *imagebuilder.CreateImageRecipeInput {
	in := &imagebuilder.CreateImageRecipeInput{
		Name: aws.String(name), SemanticVersion: aws.String(version),
		ParentImage: aws.String(amazonImage("amazon-linux-2023-x86", "x.x.x")),
	}
	for _, c := range components {
		in.Components = append(in.Components, types.ComponentConfiguration{ComponentArn: aws.String(c)})
	}
	return in
}

func mustRecipe(t *testing.T, c *imagebuilder.Client, in *imagebuilder.CreateImageRecipeInput) string {
	t.Helper()
	out, err := c.CreateImageRecipe(testContext(t), in)
	if err != nil {
		t.Fatalf("CreateImageRecipe %s %s: %v", aws.ToString(in.Name), aws.ToString(in.SemanticVersion), err)
	}
	return aws.ToString(out.ImageRecipeArn)
}

func getRecipe(t *testing.T, c *imagebuilder.Client, arn string) *imagebuilder.GetImageRecipeOutput {
	t.Helper()
	out, err := c.GetImageRecipe(testContext(t), &imagebuilder.GetImageRecipeInput{ImageRecipeArn: aws.String(arn)})
	if err != nil {
		t.Fatalf("GetImageRecipe %s: %v", arn, err)
	}
	return out
}

// recipeARNs lists image recipe ARNs with the paginator (page size 1, so
// paging is exercised).
func recipeARNs(t *testing.T, c *imagebuilder.Client, in *imagebuilder.ListImageRecipesInput) []string {
	t.Helper()
	if in == nil {
		in = &imagebuilder.ListImageRecipesInput{}
	}
	in.MaxResults = aws.Int32(1)
	arns := []string{}
	p := imagebuilder.NewListImageRecipesPaginator(c, in)
	for p.HasMorePages() {
		page, err := p.NextPage(testContext(t))
		if err != nil {
			t.Fatalf("ListImageRecipes: %v", err)
		}
		for _, s := range page.ImageRecipeSummaryList {
			arns = append(arns, aws.ToString(s.Arn))
		}
	}
	return arns
}

func TestImageRecipeLifecycle(t *testing.T) {
	t.Parallel()
	emu, a := startClient(t)
	ctx := testContext(t)
	comp := mustCreate(t, a, createInput("install", "1.0.0"))
	in := recipeInput("Golden Linux", "1.0.0", amazonComponent("update-linux", "x.x.x"))
	in.Components = append(in.Components, types.ComponentConfiguration{
		ComponentArn: aws.String(versionARN(accountA, "install", "1.x.x")),
		Parameters:   []types.ComponentParameter{{Name: aws.String("PackageName"), Value: []string{"httpd"}}},
	})
	in.Description = aws.String("The golden image.")
	in.WorkingDirectory = aws.String("/var/tmp")
	in.BlockDeviceMappings = []types.InstanceBlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"), Ebs: &types.EbsInstanceBlockDeviceSpecification{
		VolumeSize: aws.Int32(30), VolumeType: types.EbsVolumeTypeGp3, Iops: aws.Int32(3000), Throughput: aws.Int32(250), Encrypted: aws.Bool(true), DeleteOnTermination: aws.Bool(true)}}}
	in.AdditionalInstanceConfiguration = &types.AdditionalInstanceConfiguration{
		SystemsManagerAgent: &types.SystemsManagerAgent{UninstallAfterBuild: aws.Bool(true)},
		UserDataOverride:    aws.String("IyEvYmluL2Jhc2gKZWNobyBoaQo="),
	}
	in.AmiTags = map[string]string{"os": "al2023"}
	in.Tags = map[string]string{"team": "images"}
	out, err := a.CreateImageRecipe(ctx, in)
	if err != nil {
		t.Fatalf("CreateImageRecipe: %v", err)
	}
	arn := recipeARN(accountA, "golden-linux", "1.0.0")
	if got := aws.ToString(out.ImageRecipeArn); got != arn {
		t.Fatalf("imageRecipeArn = %s, want %s", got, arn)
	}
	if got := aws.ToString(out.LatestVersionReferences.LatestMajorVersionArn); got != recipeARN(accountA, "golden-linux", "1.x.x") {
		t.Errorf("latestMajorVersionArn = %s", got)
	}
	if out.ClientToken == nil || aws.ToString(out.RequestId) == "" {
		t.Errorf("clientToken %v, requestId %v: want both", out.ClientToken, out.RequestId)
	}

	got := getRecipe(t, a, arn).ImageRecipe
	if aws.ToString(got.Name) != "Golden Linux" || aws.ToString(got.Version) != "1.0.0" || got.Platform != types.PlatformLinux ||
		got.Type != types.ImageTypeAmi || aws.ToString(got.Owner) != accountA || aws.ToString(got.WorkingDirectory) != "/var/tmp" ||
		aws.ToString(got.ParentImage) != aws.ToString(in.ParentImage) || aws.ToString(got.DateCreated) == "" {
		t.Errorf("GetImageRecipe = %+v", got)
	}
	if len(got.Components) != 2 || aws.ToString(got.Components[1].ComponentArn) != versionARN(accountA, "install", "1.x.x") ||
		got.Components[1].Parameters[0].Value[0] != "httpd" {
		t.Errorf("components = %+v", got.Components)
	}
	if len(got.BlockDeviceMappings) != 1 || aws.ToInt32(got.BlockDeviceMappings[0].Ebs.Throughput) != 250 {
		t.Errorf("blockDeviceMappings = %+v", got.BlockDeviceMappings)
	}
	if !aws.ToBool(got.AdditionalInstanceConfiguration.SystemsManagerAgent.UninstallAfterBuild) || got.AmiTags["os"] != "al2023" {
		t.Errorf("additional configuration %+v, amiTags %v", got.AdditionalInstanceConfiguration, got.AmiTags)
	}
	requireTags(t, "recipe tags", tagsOf(t, a, arn), map[string]string{"team": "images"})

	// A version exists once.
	_, err = a.CreateImageRecipe(ctx, recipeInput("Golden Linux", "1.0.0", comp))
	requireMessage(t, requireAPIError(t, err, "ResourceAlreadyExistsException", 400), "The following resource 'ImageRecipe' already exists: '"+arn+"'.")
	_, err = a.CreateImageRecipe(ctx, recipeInput("golden linux", "2.0.0", comp))
	requireAPIError(t, err, "ResourceAlreadyExistsException", 400)
	_, err = a.CreateImageRecipe(ctx, recipeInput("Golden Linux", "1.x.x", comp))
	requireAPIError(t, err, "InvalidVersionNumberException", 400)

	v11 := mustRecipe(t, a, recipeInput("Golden Linux", "1.1.0", comp))
	other := mustRecipe(t, a, recipeInput("Other", "3.0.0", amazonComponent("update-linux", "1.0.2/1")))
	for sel, want := range map[string]string{"x.x.x": v11, "1.0.x": arn, "1.x.x": v11} {
		if got := aws.ToString(getRecipe(t, a, recipeARN(accountA, "golden-linux", sel)).ImageRecipe.Arn); got != want {
			t.Errorf("GetImageRecipe %s = %s, want %s", sel, got, want)
		}
	}
	requireSameStrings(t, "ListImageRecipes", recipeARNs(t, a, nil), []string{arn, v11, other})
	requireSameStrings(t, "filtered by name", recipeARNs(t, a, &imagebuilder.ListImageRecipesInput{Filters: []types.Filter{{Name: aws.String("name"), Values: []string{"Other"}}}}), []string{other})
	requireSameStrings(t, "filtered by platform", recipeARNs(t, a, &imagebuilder.ListImageRecipesInput{Filters: []types.Filter{{Name: aws.String("platform"), Values: []string{"Windows"}}}}), []string{})
	_, err = a.ListImageRecipes(ctx, &imagebuilder.ListImageRecipesInput{Filters: []types.Filter{{Name: aws.String("version"), Values: []string{"1.0.0"}}}})
	requireAPIError(t, err, "InvalidParameterValueException", 400)
	for _, owner := range []types.Ownership{types.OwnershipAmazon, types.OwnershipThirdparty, types.OwnershipAwsMarketplace, types.OwnershipShared} {
		requireSameStrings(t, "owner "+string(owner), recipeARNs(t, a, &imagebuilder.ListImageRecipesInput{Owner: owner}), []string{})
	}
	// Another account sees none of them.
	b := client(t, emu, accountB)
	requireSameStrings(t, "account B's recipes", recipeARNs(t, b, nil), []string{})
	_, err = b.GetImageRecipe(ctx, &imagebuilder.GetImageRecipeInput{ImageRecipeArn: aws.String(arn)})
	requireAPIError(t, err, "AccessDeniedException", 403)
	_, err = b.DeleteImageRecipe(ctx, &imagebuilder.DeleteImageRecipeInput{ImageRecipeArn: aws.String(arn)})
	requireAPIError(t, err, "AccessDeniedException", 403)

	// Wrong types and selectors are refused; deleting removes one version.
	_, err = a.GetImageRecipe(ctx, &imagebuilder.GetImageRecipeInput{ImageRecipeArn: aws.String(recipeARN(accountA, "missing", "1.0.0"))})
	requireMessage(t, requireAPIError(t, err, "ResourceNotFoundException", 404), "The image recipe "+recipeARN(accountA, "missing", "1.0.0")+" does not exist.")
	_, err = a.DeleteImageRecipe(ctx, &imagebuilder.DeleteImageRecipeInput{ImageRecipeArn: aws.String(recipeARN(accountA, "golden-linux", "1.x.x"))})
	requireAPIError(t, err, "InvalidVersionNumberException", 400)
	del, err := a.DeleteImageRecipe(ctx, &imagebuilder.DeleteImageRecipeInput{ImageRecipeArn: aws.String(v11)})
	if err != nil || aws.ToString(del.ImageRecipeArn) != v11 {
		t.Fatalf("DeleteImageRecipe: %v, %v", del, err)
	}
	_, err = a.DeleteImageRecipe(ctx, &imagebuilder.DeleteImageRecipeInput{ImageRecipeArn: aws.String(v11)})
	requireAPIError(t, err, "ResourceNotFoundException", 404)
	if got := aws.ToString(getRecipe(t, a, recipeARN(accountA, "golden-linux", "x.x.x")).ImageRecipe.Arn); got != arn {
		t.Errorf("latest after deleting 1.1.0 = %s, want %s", got, arn)
	}
	requireSameStrings(t, "after delete", recipeARNs(t, a, nil), []string{arn, other})
}

func TestImageRecipeParentImages(t *testing.T) {
	t.Parallel()
	_, a := startClient(t)
	ctx := testContext(t)
	win := mustCreate(t, a, &imagebuilder.CreateComponentInput{Name: aws.String("win"), SemanticVersion: aws.String("1.0.0"), Platform: types.PlatformWindows, Data: aws.String(windowsDoc("win"))})
	lin := mustCreate(t, a, createInput("lin", "1.0.0"))
	platform := func(parent string, comps ...string) types.Platform {
		t.Helper()
		in := recipeInput("p-"+fmt.Sprint(len(parent)+len(comps)*1000), "1.0.0", comps...)
		in.ParentImage = aws.String(parent)
		arn := mustRecipe(t, a, in)
		p := getRecipe(t, a, arn).ImageRecipe.Platform
		if _, err := a.DeleteImageRecipe(ctx, &imagebuilder.DeleteImageRecipeInput{ImageRecipeArn: aws.String(arn)}); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		parent string
		comps  []string
		want   types.Platform
	}{
		{"ami-0123456789abcdef0", nil, types.PlatformLinux},
		{"ami-0123456789abcdef0", []string{win}, types.PlatformWindows},
		{"ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64", []string{lin}, types.PlatformLinux},
		{"ssm:/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base", nil, types.PlatformWindows},
		{"ssm:arn:aws:ssm:us-east-1:111122223333:parameter/golden/ami", []string{lin}, types.PlatformLinux},
		{amazonImage("windows-server-2022-english-full-base-x86", "x.x.x"), []string{win, amazonComponent("update-windows", "1.x.x")}, types.PlatformWindows},
		{amazonImage("amazon-linux-2023-x86", "2024.12.3/1"), []string{amazonComponent("aws-cli-version-2-linux", "x.x.x")}, types.PlatformLinux},
		{amazonImage("ubuntu-server-22-lts-x86", "2025.1.14"), nil, types.PlatformLinux},
	} {
		if got := platform(tc.parent, tc.comps...); got != tc.want {
			t.Errorf("parent %s with %v: platform %s, want %s", tc.parent, tc.comps, got, tc.want)
		}
	}

	bad := func(parent, code string, status int, comps ...string) {
		t.Helper()
		in := recipeInput("bad", "1.0.0", comps...)
		in.ParentImage = aws.String(parent)
		_, err := a.CreateImageRecipe(ctx, in)
		requireAPIError(t, err, code, status)
	}
	bad("ubuntu:22.04", "InvalidParameterValueException", 400)
	bad("ssm:bad name", "InvalidParameterValueException", 400)
	bad(amazonImage("amazon-linux-2023-x86", "9.x.x"), "InvalidParameterValueException", 400)
	bad(amazonImage("no-such-image", "x.x.x"), "InvalidParameterValueException", 400)
	bad("arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x", "InvalidParameterValueException", 400)
	// The parent's platform decides the components'.
	bad(amazonImage("amazon-linux-2023-x86", "x.x.x"), "InvalidParameterCombinationException", 400, win)
	bad("ssm:/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base", "InvalidParameterCombinationException", 400, lin)
	bad("ami-0123456789abcdef0", "InvalidParameterCombinationException", 400, lin, win)
	// Another account's image is the caller's imagebuilder:GetImage, denied
	// without an image policy.
	bad(fmt.Sprintf("arn:aws:imagebuilder:%s:%s:image/theirs/1.0.0/1", region, accountB), "AccessDeniedException", 403)
	// An image of the caller's that does not exist.
	bad(fmt.Sprintf("arn:aws:imagebuilder:%s:%s:image/mine/1.0.0", region, accountA), "InvalidParameterValueException", 400)
	requireSameStrings(t, "recipes after bad requests", recipeARNs(t, a, nil), []string{})
}

func TestImageRecipeComponentReferences(t *testing.T) {
	t.Parallel()
	emu, a := startClient(t)
	b := client(t, emu, accountB)
	ctx := testContext(t)
	theirs := mustCreate(t, b, createInput("theirs", "1.0.0"))
	withParams := func(arn string, params ...types.ComponentParameter) *imagebuilder.CreateImageRecipeInput {
		in := recipeInput("refs", "1.0.0")
		in.Components = []types.ComponentConfiguration{{ComponentArn: aws.String(arn), Parameters: params}}
		return in
	}
	param := func(name string, values ...string) types.ComponentParameter {
		return types.ComponentParameter{Name: aws.String(name), Value: values}
	}
	_, err := a.CreateImageRecipe(ctx, withParams(versionARN(accountA, "missing", "x.x.x")))
	requireMessage(t, requireAPIError(t, err, "InvalidParameterValueException", 400),
		"The value supplied for parameter 'components[0].componentArn' is not valid. The component "+versionARN(accountA, "missing", "x.x.x")+" does not exist or you do not have access to it.")
	_, err = a.CreateImageRecipe(ctx, withParams(amazonComponent("no-such-thing", "x.x.x")))
	requireAPIError(t, err, "InvalidParameterValueException", 400)
	// Unshared: the dependent imagebuilder:GetComponent is denied.
	_, err = a.CreateImageRecipe(ctx, withParams(theirs))
	apiErr := requireAPIError(t, err, "AccessDeniedException", 403)
	if !strings.Contains(apiErr.ErrorMessage(), "imagebuilder:GetComponent") || !strings.Contains(apiErr.ErrorMessage(), theirs) {
		t.Errorf("denial %q does not name the action and component", apiErr.ErrorMessage())
	}

	mine := mustCreate(t, a, createInput("mine", "1.0.0"))
	_, err = a.CreateImageRecipe(ctx, withParams(mine, param("Nope", "x"), param("Other", "y")))
	requireMessage(t, requireAPIError(t, err, "InvalidParameterCombinationException", 400),
		"The value supplied for parameter 'components[0].parameters' is not valid. The following parameters are not defined in the provided component: Nope, Other")
	_, err = a.CreateImageRecipe(ctx, withParams(mine, param("PackageName", "a", "b")))
	requireAPIError(t, err, "InvalidParameterValueException", 400)
	_, err = a.CreateImageRecipe(ctx, withParams(mine, param("PackageName", "a"), param("PackageName", "b")))
	requireAPIError(t, err, "InvalidParameterValueException", 400)
	_, err = a.CreateImageRecipe(ctx, withParams(amazonComponent("update-windows", "x.x.x")))
	requireAPIError(t, err, "InvalidParameterCombinationException", 400)
	_, err = a.CreateImageRecipe(ctx, withParams("arn:aws:imagebuilder:us-east-1:"+accountA+":image-recipe/x/1.0.0"))
	requireAPIError(t, err, "InvalidParameterValueException", 400)
	requireSameStrings(t, "recipes after bad references", recipeARNs(t, a, nil), []string{})

	// Shared through a component policy, B's component is usable; Amazon's
	// and the caller's own by selector too.
	mustPutComponentPolicy(t, b, theirs, sharePolicy(theirs, accountA))
	in := withParams(theirs, param("Retries", "5"))
	in.Components = append(in.Components,
		types.ComponentConfiguration{ComponentArn: aws.String(versionARN(accountA, "mine", "1.x.x")), Parameters: []types.ComponentParameter{param("PackageName", "vim")}},
		types.ComponentConfiguration{ComponentArn: aws.String(amazonComponent("reboot-linux", "x.x.x"))},
		types.ComponentConfiguration{ComponentArn: aws.String(amazonComponent("simple-boot-test-linux", "1.0.0"))})
	arn := mustRecipe(t, a, in)
	if n := len(getRecipe(t, a, arn).ImageRecipe.Components); n != 4 {
		t.Errorf("components = %d, want 4", n)
	}
}

// recipePolicy grants the accounts read access to a recipe.
func recipePolicy(arn, noun string, accounts ...string) string {
	quoted := make([]string, len(accounts))
	for i, a := range accounts {
		quoted[i] = fmt.Sprintf("%q", a)
	}
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":[%s]},"Action":["imagebuilder:Get%s","imagebuilder:List%ss"],"Resource":%q}]}`,
		strings.Join(quoted, ","), noun, noun, arn)
}

func TestImageRecipeSharing(t *testing.T) {
	t.Parallel()
	emu, a := startClient(t)
	b := client(t, emu, accountB)
	ctx := testContext(t)
	arn := mustRecipe(t, b, recipeInput("Shared Recipe", "1.0.0", amazonComponent("update-linux", "x.x.x")))
	_, err := a.GetImageRecipe(ctx, &imagebuilder.GetImageRecipeInput{ImageRecipeArn: aws.String(arn)})
	requireAPIError(t, err, "AccessDeniedException", 403)
	_, err = b.GetImageRecipePolicy(ctx, &imagebuilder.GetImageRecipePolicyInput{ImageRecipeArn: aws.String(arn)})
	requireAPIError(t, err, "ResourceNotFoundException", 404)

	doc := recipePolicy(arn, "ImageRecipe", accountA)
	if _, err := b.PutImageRecipePolicy(ctx, &imagebuilder.PutImageRecipePolicyInput{ImageRecipeArn: aws.String(arn), Policy: aws.String(doc)}); err != nil {
		t.Fatalf("PutImageRecipePolicy: %v", err)
	}
	pol, err := b.GetImageRecipePolicy(ctx, &imagebuilder.GetImageRecipePolicyInput{ImageRecipeArn: aws.String(arn)})
	if err != nil || aws.ToString(pol.Policy) != doc {
		t.Fatalf("GetImageRecipePolicy = %v, %v", pol, err)
	}
	// A component policy's actions do not fit a recipe.
	_, err = b.PutImageRecipePolicy(ctx, &imagebuilder.PutImageRecipePolicyInput{ImageRecipeArn: aws.String(arn), Policy: aws.String(sharePolicy(arn, accountA))})
	requireAPIError(t, err, "InvalidParameterValueException", 400)

	if got := aws.ToString(getRecipe(t, a, arn).ImageRecipe.Owner); got != accountB {
		t.Errorf("shared recipe owner = %s", got)
	}
	requireSameStrings(t, "A's Shared recipes", recipeARNs(t, a, &imagebuilder.ListImageRecipesInput{Owner: types.OwnershipShared}), []string{arn})
	requireSameStrings(t, "A's own recipes", recipeARNs(t, a, nil), []string{})
	c := client(t, emu, accountC)
	requireSameStrings(t, "C's Shared recipes", recipeARNs(t, c, &imagebuilder.ListImageRecipesInput{Owner: types.OwnershipShared}), []string{})
	// A shared recipe cannot be deleted or re-shared by its consumer.
	_, err = a.DeleteImageRecipe(ctx, &imagebuilder.DeleteImageRecipeInput{ImageRecipeArn: aws.String(arn)})
	requireAPIError(t, err, "AccessDeniedException", 403)
	_, err = a.PutImageRecipePolicy(ctx, &imagebuilder.PutImageRecipePolicyInput{ImageRecipeArn: aws.String(arn), Policy: aws.String(recipePolicy(arn, "ImageRecipe", accountC))})
	requireAPIError(t, err, "AccessDeniedException", 403)

	if _, err := b.DeleteImageRecipe(ctx, &imagebuilder.DeleteImageRecipeInput{ImageRecipeArn: aws.String(arn)}); err != nil {
		t.Fatalf("DeleteImageRecipe: %v", err)
	}
	requireSameStrings(t, "A's Shared recipes after the delete", recipeARNs(t, a, &imagebuilder.ListImageRecipesInput{Owner: types.OwnershipShared}), []string{})
	// Recreated, the version is not shared again.
	mustRecipe(t, b, recipeInput("Shared Recipe", "1.0.0"))
	requireSameStrings(t, "A's Shared recipes after recreation", recipeARNs(t, a, &imagebuilder.ListImageRecipesInput{Owner: types.OwnershipShared}), []string{})
}

// dockerfile is a minimal container recipe template.
const dockerfile = "FROM {{{ imagebuilder:parentImage }}}\n{{{ imagebuilder:environments }}}\n{{{ imagebuilder:components }}}\n"

func containerInput(name, version string) *imagebuilder.CreateContainerRecipeInput {
	return &imagebuilder.CreateContainerRecipeInput{
		Name: aws.String(name), SemanticVersion: aws.String(version), ContainerType: types.ContainerTypeDocker,
		ParentImage:            aws.String("amazonlinux:2023"),
		DockerfileTemplateData: aws.String(dockerfile),
		TargetRepository:       &types.TargetContainerRepository{Service: types.ContainerRepositoryServiceEcr, RepositoryName: aws.String("images")},
		Components:             []types.ComponentConfiguration{{ComponentArn: aws.String(amazonComponent("update-linux", "x.x.x"))}},
	}
}

func TestContainerRecipeLifecycle(t *testing.T) {
	t.Parallel()
	emu, a := startClient(t)
	b := client(t, emu, accountB)
	ctx := testContext(t)
	in := containerInput("Web", "1.0.0")
	in.InstanceConfiguration = &types.InstanceConfiguration{Image: aws.String("ami-0123456789abcdef0"),
		BlockDeviceMappings: []types.InstanceBlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"), Ebs: &types.EbsInstanceBlockDeviceSpecification{VolumeSize: aws.Int32(50)}}}}
	in.Tags = map[string]string{"team": "web"}
	in.WorkingDirectory = aws.String("/tmp")
	out, err := a.CreateContainerRecipe(ctx, in)
	if err != nil {
		t.Fatalf("CreateContainerRecipe: %v", err)
	}
	arn := containerRecipeARN(accountA, "web", "1.0.0")
	if aws.ToString(out.ContainerRecipeArn) != arn || aws.ToString(out.LatestVersionReferences.LatestVersionArn) != containerRecipeARN(accountA, "web", "x.x.x") {
		t.Fatalf("CreateContainerRecipe = %+v", out)
	}
	got, err := a.GetContainerRecipe(ctx, &imagebuilder.GetContainerRecipeInput{ContainerRecipeArn: aws.String(containerRecipeARN(accountA, "web", "x.x.x"))})
	if err != nil {
		t.Fatalf("GetContainerRecipe: %v", err)
	}
	r := got.ContainerRecipe
	if aws.ToString(r.Arn) != arn || r.Platform != types.PlatformLinux || aws.ToString(r.DockerfileTemplateData) != dockerfile || !aws.ToBool(r.Encrypted) ||
		aws.ToString(r.TargetRepository.RepositoryName) != "images" || aws.ToString(r.InstanceConfiguration.Image) != "ami-0123456789abcdef0" || r.Tags["team"] != "web" {
		t.Errorf("GetContainerRecipe = %+v", r)
	}
	_, err = a.CreateContainerRecipe(ctx, containerInput("Web", "1.0.0"))
	requireAPIError(t, err, "ResourceAlreadyExistsException", 400)

	list, err := a.ListContainerRecipes(ctx, &imagebuilder.ListContainerRecipesInput{Filters: []types.Filter{{Name: aws.String("containerType"), Values: []string{"DOCKER"}}}})
	if err != nil || len(list.ContainerRecipeSummaryList) != 1 || aws.ToString(list.ContainerRecipeSummaryList[0].InstanceImage) != "ami-0123456789abcdef0" {
		t.Fatalf("ListContainerRecipes = %+v, %v", list, err)
	}

	// Sharing with B.
	_, err = b.GetContainerRecipe(ctx, &imagebuilder.GetContainerRecipeInput{ContainerRecipeArn: aws.String(arn)})
	requireAPIError(t, err, "AccessDeniedException", 403)
	doc := recipePolicy(arn, "ContainerRecipe", accountB)
	if _, err := a.PutContainerRecipePolicy(ctx, &imagebuilder.PutContainerRecipePolicyInput{ContainerRecipeArn: aws.String(arn), Policy: aws.String(doc)}); err != nil {
		t.Fatalf("PutContainerRecipePolicy: %v", err)
	}
	if pol, err := a.GetContainerRecipePolicy(ctx, &imagebuilder.GetContainerRecipePolicyInput{ContainerRecipeArn: aws.String(arn)}); err != nil || aws.ToString(pol.Policy) != doc {
		t.Fatalf("GetContainerRecipePolicy = %v, %v", pol, err)
	}
	if _, err := b.GetContainerRecipe(ctx, &imagebuilder.GetContainerRecipeInput{ContainerRecipeArn: aws.String(arn)}); err != nil {
		t.Fatalf("shared GetContainerRecipe: %v", err)
	}
	shared, err := b.ListContainerRecipes(ctx, &imagebuilder.ListContainerRecipesInput{Owner: types.OwnershipShared})
	if err != nil || len(shared.ContainerRecipeSummaryList) != 1 || aws.ToString(shared.ContainerRecipeSummaryList[0].Owner) != accountA {
		t.Fatalf("B's shared container recipes = %+v, %v", shared, err)
	}
	if mine, err := b.ListContainerRecipes(ctx, &imagebuilder.ListContainerRecipesInput{}); err != nil || len(mine.ContainerRecipeSummaryList) != 0 {
		t.Fatalf("B's own container recipes = %+v, %v", mine, err)
	}

	if _, err := a.DeleteContainerRecipe(ctx, &imagebuilder.DeleteContainerRecipeInput{ContainerRecipeArn: aws.String(arn)}); err != nil {
		t.Fatalf("DeleteContainerRecipe: %v", err)
	}
	_, err = a.GetContainerRecipe(ctx, &imagebuilder.GetContainerRecipeInput{ContainerRecipeArn: aws.String(arn)})
	requireAPIError(t, err, "ResourceNotFoundException", 404)
	if shared, _ := b.ListContainerRecipes(ctx, &imagebuilder.ListContainerRecipesInput{Owner: types.OwnershipShared}); len(shared.ContainerRecipeSummaryList) != 0 {
		t.Errorf("B still lists %+v", shared.ContainerRecipeSummaryList)
	}
}

func TestContainerRecipeValidation(t *testing.T) {
	t.Parallel()
	_, a := startClient(t)
	ctx := testContext(t)
	for _, tc := range []struct {
		name   string
		change func(*imagebuilder.CreateContainerRecipeInput)
		code   string
	}{
		{"both templates", func(in *imagebuilder.CreateContainerRecipeInput) { in.DockerfileTemplateUri = aws.String("s3://b/k") }, "InvalidParameterCombinationException"},
		{"no template", func(in *imagebuilder.CreateContainerRecipeInput) { in.DockerfileTemplateData = nil }, "InvalidParameterValueException"},
		{"bad uri", func(in *imagebuilder.CreateContainerRecipeInput) {
			in.DockerfileTemplateData, in.DockerfileTemplateUri = nil, aws.String("https://example.com/Dockerfile")
		}, "InvalidParameterValueException"},
		{"ecr public without override", func(in *imagebuilder.CreateContainerRecipeInput) {
			in.ParentImage = aws.String("public.ecr.aws/amazonlinux/amazonlinux:2023")
		}, "InvalidParameterCombinationException"},
		{"windows ecr without os version", func(in *imagebuilder.CreateContainerRecipeInput) {
			in.ParentImage, in.PlatformOverride = aws.String("111122223333.dkr.ecr.us-east-1.amazonaws.com/base:ltsc2022"), types.PlatformWindows
			in.Components = []types.ComponentConfiguration{{ComponentArn: aws.String(amazonComponent("update-windows", "x.x.x"))}}
		}, "InvalidParameterCombinationException"},
		{"bad parent", func(in *imagebuilder.CreateContainerRecipeInput) { in.ParentImage = aws.String("Not An Image!") }, "InvalidParameterValueException"},
		{"ami parent image arn", func(in *imagebuilder.CreateContainerRecipeInput) {
			in.ParentImage = aws.String(amazonImage("amazon-linux-2023-x86", "x.x.x"))
		}, "InvalidParameterValueException"},
		{"wrong platform component", func(in *imagebuilder.CreateContainerRecipeInput) {
			in.PlatformOverride = types.PlatformLinux
			in.Components = []types.ComponentConfiguration{{ComponentArn: aws.String(amazonComponent("update-windows", "x.x.x"))}}
		}, "InvalidParameterCombinationException"},
		{"bad instance image", func(in *imagebuilder.CreateContainerRecipeInput) {
			in.InstanceConfiguration = &types.InstanceConfiguration{Image: aws.String("amazonlinux")}
		}, "InvalidParameterValueException"},
		{"missing kms key", func(in *imagebuilder.CreateContainerRecipeInput) {
			in.KmsKeyId = aws.String("arn:aws:kms:us-east-1:111122223333:key/00000000-0000-0000-0000-000000000000")
		}, "InvalidParameterValueException"},
	} {
		in := containerInput("bad", "1.0.0")
		tc.change(in)
		_, err := a.CreateContainerRecipe(ctx, in)
		if err == nil {
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		t.Run(tc.name, func(t *testing.T) { requireAPIError(t, err, tc.code, 400) })
	}
	if list, err := a.ListContainerRecipes(ctx, &imagebuilder.ListContainerRecipesInput{}); err != nil || len(list.ContainerRecipeSummaryList) != 0 {
		t.Fatalf("after bad requests: %+v, %v", list, err)
	}
	// The overrides make the same parents valid.
	in := containerInput("public", "1.0.0")
	in.ParentImage, in.PlatformOverride = aws.String("public.ecr.aws/amazonlinux/amazonlinux:2023"), types.PlatformLinux
	if _, err := a.CreateContainerRecipe(ctx, in); err != nil {
		t.Errorf("ECR Public with a platform override: %v", err)
	}
	in = containerInput("windows", "1.0.0")
	in.ParentImage, in.PlatformOverride, in.ImageOsVersionOverride = aws.String("111122223333.dkr.ecr.us-east-1.amazonaws.com/base:ltsc2022"), types.PlatformWindows, aws.String("Microsoft Windows Server 2022")
	in.Components = []types.ComponentConfiguration{{ComponentArn: aws.String(amazonComponent("update-windows", "x.x.x"))}}
	if _, err := a.CreateContainerRecipe(ctx, in); err != nil {
		t.Errorf("Windows ECR parent with overrides: %v", err)
	}
}

// TestContainerRecipeS3AndKMS: the template uri is read as the caller and
// the KMS key is used as the caller, both via Image Builder.
func TestContainerRecipeS3AndKMS(t *testing.T) {
	t.Parallel()
	e := startSTS(t)
	ctx := testContext(t)
	bucket := uniqueBucket("templates")
	putS3Object(t, e.emu, accountA, bucket, "Dockerfile", dockerfile+"RUN echo from-s3\n")
	objectARN := "arn:aws:s3:::" + bucket + "/Dockerfile"

	noRead := ibClient(t, e.user(t, "noread", policyOf(allowIB)))
	in := containerInput("from-s3", "1.0.0")
	in.DockerfileTemplateData, in.DockerfileTemplateUri = nil, aws.String("s3://"+bucket+"/Dockerfile")
	_, err := noRead.CreateContainerRecipe(ctx, in)
	apiErr := requireAPIError(t, err, "AccessDeniedException", 403)
	if !strings.Contains(apiErr.ErrorMessage(), "s3:GetObject") || !strings.Contains(apiErr.ErrorMessage(), objectARN) {
		t.Errorf("denial %q does not name s3:GetObject on the object", apiErr.ErrorMessage())
	}
	reader := ibClient(t, e.user(t, "reader", policyOf(allowIB, `{"Effect":"Allow","Action":"s3:GetObject","Resource":"`+objectARN+`"}`)))
	if _, err := reader.CreateContainerRecipe(ctx, in); err != nil {
		t.Fatalf("CreateContainerRecipe with s3:GetObject: %v", err)
	}
	got, err := reader.GetContainerRecipe(ctx, &imagebuilder.GetContainerRecipeInput{ContainerRecipeArn: aws.String(containerRecipeARN(accountA, "from-s3", "1.0.0"))})
	if err != nil || !strings.Contains(aws.ToString(got.ContainerRecipe.DockerfileTemplateData), "from-s3") {
		t.Fatalf("GetContainerRecipe = %v, %v", got, err)
	}
	missing := containerInput("missing", "1.0.0")
	missing.DockerfileTemplateData, missing.DockerfileTemplateUri = nil, aws.String("s3://"+bucket+"/absent")
	_, err = reader.CreateContainerRecipe(ctx, missing)
	requireAPIError(t, err, "AccessDeniedException", 403)

	key := mustKey(t, kmsClient(t, e.root), "")
	enc := containerInput("encrypted", "1.0.0")
	enc.KmsKeyId = key.Arn
	_, err = reader.CreateContainerRecipe(ctx, enc)
	apiErr = requireAPIError(t, err, "AccessDeniedException", 403)
	if !strings.Contains(apiErr.ErrorMessage(), "kms:") {
		t.Errorf("denial %q does not name the KMS action", apiErr.ErrorMessage())
	}
	if _, err := ibClient(t, e.root).CreateContainerRecipe(ctx, enc); err != nil {
		t.Fatalf("CreateContainerRecipe under the account's key as root: %v", err)
	}
}

// TestRecipeTagConditions: aws:RequestTag and aws:TagKeys decide creates,
// aws:ResourceTag reads; GetComponent is a dependent action of the create.
func TestRecipeTagConditions(t *testing.T) {
	t.Parallel()
	e := startIB(t)
	ctx := testContext(t)
	readComponents := `{"Effect":"Allow","Action":["imagebuilder:GetComponent","imagebuilder:GetImage"],"Resource":"*"}`
	tagged := e.user(t, "tagged", policyOf(readComponents,
		`{"Effect":"Allow","Action":"imagebuilder:CreateImageRecipe","Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/team":"images"},"ForAllValues:StringEquals":{"aws:TagKeys":["team"]}}}`,
		`{"Effect":"Allow","Action":"imagebuilder:GetImageRecipe","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"images"}}}`))
	in := recipeInput("tagged", "1.0.0", amazonComponent("update-linux", "x.x.x"))
	_, err := tagged.CreateImageRecipe(ctx, in)
	requireAPIError(t, err, "AccessDeniedException", 403)
	in.Tags = map[string]string{"team": "images", "extra": "x"}
	_, err = tagged.CreateImageRecipe(ctx, in)
	requireAPIError(t, err, "AccessDeniedException", 403)
	in.Tags = map[string]string{"team": "images"}
	arn := mustRecipe(t, tagged, in)
	getRecipe(t, tagged, arn)

	untagged := mustRecipe(t, e.ib, recipeInput("untagged", "1.0.0"))
	_, err = tagged.GetImageRecipe(ctx, &imagebuilder.GetImageRecipeInput{ImageRecipeArn: aws.String(untagged)})
	requireAPIError(t, err, "AccessDeniedException", 403)
	if _, err := e.ib.TagResource(ctx, &imagebuilder.TagResourceInput{ResourceArn: aws.String(untagged), Tags: map[string]string{"team": "images"}}); err != nil {
		t.Fatalf("TagResource: %v", err)
	}
	getRecipe(t, tagged, untagged)

	// Without imagebuilder:GetComponent the create is denied on the component.
	noGet := e.user(t, "noget", policyOf(`{"Effect":"Allow","Action":"imagebuilder:CreateImageRecipe","Resource":"*"}`))
	in = recipeInput("noget", "1.0.0", amazonComponent("update-linux", "x.x.x"))
	in.ParentImage = aws.String("ami-0123456789abcdef0")
	_, err = noGet.CreateImageRecipe(ctx, in)
	apiErr := requireAPIError(t, err, "AccessDeniedException", 403)
	if !strings.Contains(apiErr.ErrorMessage(), "imagebuilder:GetComponent") {
		t.Errorf("denial %q does not name imagebuilder:GetComponent", apiErr.ErrorMessage())
	}
}

// TestAmazonCatalogue: the managed components added for recipes are
// listed and readable under owner Amazon.
func TestAmazonCatalogue(t *testing.T) {
	t.Parallel()
	_, a := startClient(t)
	arns := listARNs(t, a, &imagebuilder.ListComponentsInput{Owner: types.OwnershipAmazon})
	for _, name := range []string{"update-linux", "aws-cli-version-2-linux", "reboot-linux", "amazon-cloudwatch-agent-linux", "update-windows", "simple-boot-test-windows"} {
		found := false
		for _, arn := range arns {
			found = found || strings.Contains(arn, ":aws:component/"+name+"/")
		}
		if !found {
			t.Errorf("ListComponents owner Amazon lacks %s: %v", name, arns)
		}
	}
	out := mustGet(t, a, amazonComponent("update-linux", "1.x.x"))
	if aws.ToString(out.Component.Arn) != amazonComponent("update-linux", "1.0.2/1") || aws.ToString(out.Component.Owner) != "Amazon" {
		t.Errorf("GetComponent update-linux 1.x.x = %s owned by %s", aws.ToString(out.Component.Arn), aws.ToString(out.Component.Owner))
	}
}
