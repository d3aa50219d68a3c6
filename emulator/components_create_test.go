package emulator_test

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
)

// TestCreateComponentInlineData creates a component with every optional
// member and reads it back by its build version ARN.
func TestCreateComponentInlineData(t *testing.T) {
	t.Parallel()
	emu, c := startClient(t)
	ctx := testContext(t)

	doc := linuxDoc("InstallPackage")
	tags := map[string]string{"team": "platform", "cost-center": "42"}
	kms := aws.ToString(mustKey(t, kmsClient(t, emu.AWSConfig(accountA)), "").Arn)
	out, err := c.CreateComponent(ctx, &imagebuilder.CreateComponentInput{
		Name:                aws.String("InstallPackage"),
		SemanticVersion:     aws.String("1.2.3"),
		Platform:            types.PlatformLinux,
		Data:                aws.String(doc),
		Description:         aws.String("Installs a package"),
		ChangeDescription:   aws.String("First version"),
		SupportedOsVersions: []string{"Amazon Linux 2023", "Ubuntu 22"},
		KmsKeyId:            aws.String(kms),
		Tags:                tags,
		ClientToken:         aws.String("create-inline-1"),
	})
	if err != nil {
		t.Fatalf("CreateComponent: %v", err)
	}
	wantARN := componentARN(accountA, "installpackage", "1.2.3", 1)
	if got := aws.ToString(out.ComponentBuildVersionArn); got != wantARN {
		t.Errorf("componentBuildVersionArn = %s, want %s", got, wantARN)
	}
	if got := aws.ToString(out.ClientToken); got != "create-inline-1" {
		t.Errorf("clientToken = %q, want the request's token", got)
	}
	if id, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata); id == "" || aws.ToString(out.RequestId) != id {
		t.Errorf("requestId %q in the body, %q in X-Amzn-RequestId; want the same, non-empty", aws.ToString(out.RequestId), id)
	}
	checkLatestReferences(t, out.LatestVersionReferences, accountA, "installpackage", "1.2.3")

	got := mustGet(t, c, wantARN)
	comp := got.Component
	if comp == nil {
		t.Fatal("GetComponent returned no component")
	}
	checks := []struct{ field, got, want string }{
		{"arn", aws.ToString(comp.Arn), wantARN},
		{"name", aws.ToString(comp.Name), "InstallPackage"},
		{"version", aws.ToString(comp.Version), "1.2.3"},
		{"description", aws.ToString(comp.Description), "Installs a package"},
		{"changeDescription", aws.ToString(comp.ChangeDescription), "First version"},
		{"platform", string(comp.Platform), "Linux"},
		{"type", string(comp.Type), "BUILD"},
		{"owner", aws.ToString(comp.Owner), accountA},
		{"data", aws.ToString(comp.Data), doc},
		{"kmsKeyId", aws.ToString(comp.KmsKeyId), kms},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("component %s = %q, want %q", ch.field, ch.got, ch.want)
		}
	}
	if !slices.Equal(comp.SupportedOsVersions, []string{"Amazon Linux 2023", "Ubuntu 22"}) {
		t.Errorf("supportedOsVersions = %v", comp.SupportedOsVersions)
	}
	if !maps.Equal(comp.Tags, tags) {
		t.Errorf("tags = %v, want %v", comp.Tags, tags)
	}
	if !aws.ToBool(comp.Encrypted) {
		t.Error("encrypted = false; Image Builder encrypts every component")
	}
	if comp.State == nil || comp.State.Status != types.ComponentStatusActive {
		t.Errorf("state = %+v, want ACTIVE", comp.State)
	}
	created, err := time.Parse(time.RFC3339Nano, aws.ToString(comp.DateCreated))
	if err != nil || time.Since(created) > time.Minute || time.Until(created) > time.Minute {
		t.Errorf("dateCreated = %q (%v), want the creation time", aws.ToString(comp.DateCreated), err)
	}
	wantParams := []types.ComponentParameterDetail{
		{Name: aws.String("PackageName"), Type: aws.String("string"), DefaultValue: []string{"nginx"}, Description: aws.String("The package to install.")},
		{Name: aws.String("Retries"), Type: aws.String("string"), DefaultValue: []string{"3"}},
	}
	if len(comp.Parameters) != len(wantParams) {
		t.Fatalf("parameters = %+v, want %d", comp.Parameters, len(wantParams))
	}
	for i, want := range wantParams {
		p := comp.Parameters[i]
		if aws.ToString(p.Name) != aws.ToString(want.Name) || aws.ToString(p.Type) != aws.ToString(want.Type) ||
			!slices.Equal(p.DefaultValue, want.DefaultValue) || aws.ToString(p.Description) != aws.ToString(want.Description) {
			t.Errorf("parameter %d = {%s %s %v %q}, want {%s %s %v %q}", i,
				aws.ToString(p.Name), aws.ToString(p.Type), p.DefaultValue, aws.ToString(p.Description),
				aws.ToString(want.Name), aws.ToString(want.Type), want.DefaultValue, aws.ToString(want.Description))
		}
	}
	checkLatestReferences(t, got.LatestVersionReferences, accountA, "installpackage", "1.2.3")
}

// checkLatestReferences checks the wildcard ARNs that select the latest
// version overall and within the major, minor and patch of version.
func checkLatestReferences(t *testing.T, refs *types.LatestVersionReferences, account, name, version string) {
	t.Helper()
	if refs == nil {
		t.Fatal("latestVersionReferences is missing")
	}
	nodes := strings.Split(version, ".")
	want := map[string]string{
		"latestVersionArn":      versionARN(account, name, "x.x.x"),
		"latestMajorVersionArn": versionARN(account, name, nodes[0]+".x.x"),
		"latestMinorVersionArn": versionARN(account, name, nodes[0]+"."+nodes[1]+".x"),
		"latestPatchVersionArn": versionARN(account, name, version),
	}
	got := map[string]string{
		"latestVersionArn":      aws.ToString(refs.LatestVersionArn),
		"latestMajorVersionArn": aws.ToString(refs.LatestMajorVersionArn),
		"latestMinorVersionArn": aws.ToString(refs.LatestMinorVersionArn),
		"latestPatchVersionArn": aws.ToString(refs.LatestPatchVersionArn),
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %s, want %s", k, got[k], w)
		}
	}
}

// TestCreateComponentTestType: a document with only test phases makes a
// TEST component.
func TestCreateComponentTestType(t *testing.T) {
	t.Parallel()
	_, c := startClient(t)
	in := createInput("probe", "1.0.0")
	in.Data = aws.String(testDoc("probe"))
	arn := mustCreate(t, c, in)
	if got := mustGet(t, c, arn).Component.Type; got != types.ComponentTypeTest {
		t.Errorf("type = %s, want TEST", got)
	}
}

// TestCreateComponentWindows accepts a PowerShell document on Windows and
// refuses it on Linux, where AWSTOE has no ExecutePowerShell.
func TestCreateComponentWindows(t *testing.T) {
	t.Parallel()
	_, c := startClient(t)
	in := createInput("hello-windows", "1.0.0")
	in.Platform = types.PlatformWindows
	in.Data = aws.String(windowsDoc("hello-windows"))
	arn := mustCreate(t, c, in)
	if got := mustGet(t, c, arn).Component.Platform; got != types.PlatformWindows {
		t.Errorf("platform = %s, want Windows", got)
	}

	in = createInput("hello-linux", "1.0.0")
	in.Data = aws.String(windowsDoc("hello-linux"))
	_, err := c.CreateComponent(testContext(t), in)
	apiErr := requireAPIError(t, err, "InvalidParameterValueException", 400)
	if !strings.HasPrefix(apiErr.ErrorMessage(), "The value supplied for parameter 'data' is not valid.") {
		t.Errorf("message = %q, want it to name parameter 'data'", apiErr.ErrorMessage())
	}
}

// TestCreateComponentFromS3URI reads the document from S3 as the caller:
// the component then carries it as data, as if it had been given inline.
func TestCreateComponentFromS3URI(t *testing.T) {
	t.Parallel()
	emu, c := startClient(t)
	ctx := testContext(t)
	doc := linuxDoc("from-s3")
	bucket := uniqueBucket("components")
	putS3Object(t, emu, accountA, bucket, "components/from-s3.yaml", doc)
	arn := mustCreate(t, c, &imagebuilder.CreateComponentInput{
		Name:            aws.String("from-s3"),
		SemanticVersion: aws.String("2.0.0"),
		Platform:        types.PlatformLinux,
		Uri:             aws.String("s3://" + bucket + "/components/from-s3.yaml"),
	})
	if want := componentARN(accountA, "from-s3", "2.0.0", 1); arn != want {
		t.Errorf("arn = %s, want %s", arn, want)
	}
	comp := mustGet(t, c, arn).Component
	if got := aws.ToString(comp.Data); got != doc {
		t.Errorf("data = %q, want the S3 object's document %q", got, doc)
	}
	if comp.Type != types.ComponentTypeBuild {
		t.Errorf("type = %s, want BUILD", comp.Type)
	}
	// A missing object is the uri's fault, named in the message.
	_, err := c.CreateComponent(ctx, &imagebuilder.CreateComponentInput{
		Name: aws.String("missing"), SemanticVersion: aws.String("1.0.0"), Platform: types.PlatformLinux,
		Uri: aws.String("s3://" + bucket + "/components/missing.yaml"),
	})
	if e := requireAPIError(t, err, "InvalidParameterValueException", 400); !strings.Contains(e.ErrorMessage(), "NoSuchKey") {
		t.Errorf("message %q does not name NoSuchKey", e.ErrorMessage())
	}
}

// TestCreateComponentDocumentSourceErrors: exactly one of data and uri.
func TestCreateComponentDocumentSourceErrors(t *testing.T) {
	t.Parallel()
	_, c := startClient(t)
	ctx := testContext(t)

	both := createInput("both", "1.0.0")
	both.Uri = aws.String("s3://bucket/key.yaml")
	_, err := c.CreateComponent(ctx, both)
	requireAPIError(t, err, "InvalidParameterCombinationException", 400)
	requireTyped[*types.InvalidParameterCombinationException](t, err)

	neither := createInput("neither", "1.0.0")
	neither.Data = nil
	_, err = c.CreateComponent(ctx, neither)
	requireAPIError(t, err, "InvalidParameterValueException", 400)

	notS3 := createInput("not-s3", "1.0.0")
	notS3.Data = nil
	notS3.Uri = aws.String("https://example.com/doc.yaml")
	_, err = c.CreateComponent(ctx, notS3)
	requireAPIError(t, err, "InvalidParameterValueException", 400)

	badDoc := createInput("bad-doc", "1.0.0")
	badDoc.Data = aws.String("name: bad-doc\nschemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: Nope\n        action: NoSuchAction\n")
	_, err = c.CreateComponent(ctx, badDoc)
	apiErr := requireAPIError(t, err, "InvalidParameterValueException", 400)
	if !strings.Contains(apiErr.ErrorMessage(), "parameter 'data'") {
		t.Errorf("message %q does not name parameter 'data'", apiErr.ErrorMessage())
	}

	requireNoComponents(t, c)
}

// TestCreateComponentVersionErrors: the model's pattern rejects versions
// that are not three numeric nodes; the service rejects nodes above 2^30-1.
func TestCreateComponentVersionErrors(t *testing.T) {
	t.Parallel()
	_, c := startClient(t)
	ctx := testContext(t)

	for _, v := range []string{"1.0", "x.1.0", "1.0.0.0", "1.0.x", "v1.0.0"} {
		_, err := c.CreateComponent(ctx, createInput("versions", v))
		apiErr := requireAPIError(t, err, "InvalidParameterValueException", 400)
		// The message AWS answers for a version that fails the pattern.
		requireMessage(t, apiErr, `The value supplied for parameter 'semanticVersion' is not valid. semanticVersion must match pattern ^[0-9]+\.[0-9]+\.[0-9]+$`)
	}
	for _, v := range []string{"1073741824.0.0", "0.1073741824.0", "0.0.99999999999"} {
		_, err := c.CreateComponent(ctx, createInput("versions", v))
		requireAPIError(t, err, "InvalidVersionNumberException", 400)
		requireTyped[*types.InvalidVersionNumberException](t, err)
	}
	// The largest node value is accepted.
	mustCreate(t, c, createInput("versions", "1073741823.1073741823.1073741823"))
	requireSameStrings(t, "versions listed", listARNs(t, c, nil),
		[]string{versionARN(accountA, "versions", "1073741823.1073741823.1073741823")})
}

// TestCreateComponentNameErrors: names the model's pattern refuses.
func TestCreateComponentNameErrors(t *testing.T) {
	t.Parallel()
	_, c := startClient(t)
	ctx := testContext(t)
	for _, name := range []string{"a", "ab", "bad/name", "trailing ", " leading", "bad.dot", strings.Repeat("n", 129)} {
		_, err := c.CreateComponent(ctx, createInput(name, "1.0.0"))
		apiErr := requireAPIError(t, err, "InvalidParameterValueException", 400)
		if !strings.HasPrefix(apiErr.ErrorMessage(), "The value supplied for parameter 'name' is not valid.") {
			t.Errorf("name %q: message %q does not name parameter 'name'", name, apiErr.ErrorMessage())
		}
	}
	requireNoComponents(t, c)
}

// TestCreateComponentDryRun: a dry run that would succeed answers
// DryRunOperationException (HTTP 412) and stores nothing; one that would
// fail answers the failure.
func TestCreateComponentDryRun(t *testing.T) {
	t.Parallel()
	_, c := startClient(t)
	ctx := testContext(t)

	in := createInput("dry", "1.0.0")
	in.DryRun = true
	_, err := c.CreateComponent(ctx, in)
	requireAPIError(t, err, "DryRunOperationException", 412)
	requireTyped[*types.DryRunOperationException](t, err)
	requireNoComponents(t, c)

	bad := createInput("dry", "1.0")
	bad.DryRun = true
	_, err = c.CreateComponent(ctx, bad)
	requireAPIError(t, err, "InvalidParameterValueException", 400)

	// The same token without dryRun creates for real: the dry run did not
	// record the token.
	in.DryRun = false
	in.ClientToken = aws.String("after-dry-run")
	arn := mustCreate(t, c, in)
	if want := componentARN(accountA, "dry", "1.0.0", 1); arn != want {
		t.Errorf("arn = %s, want %s", arn, want)
	}
}

// TestCreateComponentSameVersionAddsBuilds: creating an existing name and
// version adds build versions /2, /3.
func TestCreateComponentSameVersionAddsBuilds(t *testing.T) {
	t.Parallel()
	_, c := startClient(t)
	var arns []string
	for i := 1; i <= 3; i++ {
		in := createInput("rebuilt", "1.0.0")
		in.ChangeDescription = aws.String(fmt.Sprintf("build %d", i))
		arns = append(arns, mustCreate(t, c, in))
	}
	want := []string{
		componentARN(accountA, "rebuilt", "1.0.0", 1),
		componentARN(accountA, "rebuilt", "1.0.0", 2),
		componentARN(accountA, "rebuilt", "1.0.0", 3),
	}
	requireSameStrings(t, "build ARNs", arns, want)
	if got := aws.ToString(mustGet(t, c, want[1]).Component.ChangeDescription); got != "build 2" {
		t.Errorf("build 2 changeDescription = %q", got)
	}
	// The version ARN answers the latest build.
	if got := aws.ToString(mustGet(t, c, versionARN(accountA, "rebuilt", "1.0.0")).Component.Arn); got != want[2] {
		t.Errorf("GetComponent by version ARN = %s, want the latest build %s", got, want[2])
	}
	// One version is listed, not three builds.
	requireSameStrings(t, "versions", listARNs(t, c, nil), []string{versionARN(accountA, "rebuilt", "1.0.0")})
}

// TestComponentNameInARN: ARNs carry names in lower case with spaces as
// hyphens (the model's ARN patterns allow only [a-z0-9-_] there); the
// component keeps its name as given, and the ARN finds it again.
func TestComponentNameInARN(t *testing.T) {
	t.Parallel()
	_, c := startClient(t)
	arnSegment := regexp.MustCompile(`^[a-z0-9-_]+$`)
	for name, segment := range map[string]string{
		"My Web Server": "my-web-server",
		"UPPER_lower-9": "upper_lower-9",
		"_x_":           "_x_",
	} {
		arn := mustCreate(t, c, createInput(name, "1.0.0"))
		if want := componentARN(accountA, segment, "1.0.0", 1); arn != want {
			t.Errorf("%q: arn = %s, want %s", name, arn, want)
		}
		if !arnSegment.MatchString(segment) {
			t.Fatalf("test table: %q is not a valid ARN segment", segment)
		}
		if got := aws.ToString(mustGet(t, c, arn).Component.Name); got != name {
			t.Errorf("name = %q, want %q as given", got, name)
		}
	}
}
