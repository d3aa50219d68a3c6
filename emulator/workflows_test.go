package emulator_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"

	"github.com/ibemu/ibemu/emulator/emulatortest"
)

const buildWorkflowDoc = `name: my-build
description: Builds with a parameter.
schemaVersion: 1.0
parameters:
  - name: waitForActionAtEnd
    type: boolean
    default: false
    description: Pause at the end.
  - name: regions
    type: stringList
    default: [us-east-1, eu-west-1]
steps:
  - name: LaunchBuildInstance
    action: LaunchInstance
    onFailure: Abort
    inputs:
      waitFor: ssmAgent
  - name: ApplyBuildComponents
    action: ExecuteComponents
    onFailure: Abort
    inputs:
      instanceId.$: $.stepOutputs.LaunchBuildInstance.instanceId
  - name: Pause
    action: WaitForAction
    if:
      booleanEquals: true
      value: $.parameters.waitForActionAtEnd
  - name: CreateOutputAMI
    action: CreateImage
    timeoutSeconds: 3600
    inputs:
      instanceId.$: $.stepOutputs.LaunchBuildInstance.instanceId
  - name: TerminateBuildInstance
    action: TerminateInstance
    onFailure: Continue
    rollbackEnabled: false
    inputs:
      instanceId.$: $.stepOutputs.LaunchBuildInstance.instanceId
outputs:
  - name: ImageId
    value: $.stepOutputs.CreateOutputAMI.imageId
`

func workflowARN(account, typ, name, version string, build int) string {
	arn := fmt.Sprintf("arn:aws:imagebuilder:%s:%s:workflow/%s/%s/%s", region, account, typ, name, version)
	if build > 0 {
		arn += fmt.Sprintf("/%d", build)
	}
	return arn
}

func workflowInput(name, version, doc string) *imagebuilder.CreateWorkflowInput {
	return &imagebuilder.CreateWorkflowInput{
		Name: aws.String(name), SemanticVersion: aws.String(version), Type: types.WorkflowTypeBuild,
		Data: aws.String(doc), ClientToken: aws.String("t-" + name + version),
	}
}

func TestWorkflowLifecycle(t *testing.T) {
	emu := emulatortest.Start(t)
	ib := client(t, emu, accountA)
	ctx := testContext(t)
	in := workflowInput("My Build", "1.0.0", buildWorkflowDoc)
	in.Description = aws.String("build workflow")
	in.ChangeDescription = aws.String("first")
	in.Tags = map[string]string{"env": "test"}
	out, err := ib.CreateWorkflow(ctx, in)
	if err != nil {
		t.Fatalf("CreateWorkflow: %v", err)
	}
	b1 := workflowARN(accountA, "build", "my-build", "1.0.0", 1)
	if got := aws.ToString(out.WorkflowBuildVersionArn); got != b1 {
		t.Fatalf("arn = %s, want %s", got, b1)
	}
	if ref := out.LatestVersionReferences; ref == nil || aws.ToString(ref.LatestMajorVersionArn) != workflowARN(accountA, "build", "my-build", "1.x.x", 0) {
		t.Errorf("latestVersionReferences = %+v", ref)
	}
	// A retry with the token answers the same; the same version again is build 2.
	again, err := ib.CreateWorkflow(ctx, in)
	if err != nil || aws.ToString(again.WorkflowBuildVersionArn) != b1 {
		t.Fatalf("retry: %v %+v", err, again)
	}
	in.ClientToken = aws.String("second")
	out2, err := ib.CreateWorkflow(ctx, in)
	b2 := workflowARN(accountA, "build", "my-build", "1.0.0", 2)
	if err != nil || aws.ToString(out2.WorkflowBuildVersionArn) != b2 {
		t.Fatalf("second build: %v %+v", err, out2)
	}
	in2 := workflowInput("My Build", "1.1.0", buildWorkflowDoc)
	if _, err := ib.CreateWorkflow(ctx, in2); err != nil {
		t.Fatalf("1.1.0: %v", err)
	}
	// The same name as a test workflow is another resource.
	test := workflowInput("My Build", "1.0.0", strings.Replace(buildWorkflowDoc, "  - name: CreateOutputAMI\n    action: CreateImage\n    timeoutSeconds: 3600\n    inputs:\n      instanceId.$: $.stepOutputs.LaunchBuildInstance.instanceId\n", "", 1))
	test.Type = types.WorkflowTypeTest
	test.ClientToken = aws.String("test-type")
	test.Data = aws.String(strings.Replace(aws.ToString(test.Data), "  - name: ImageId\n    value: $.stepOutputs.CreateOutputAMI.imageId\n", "  - name: Launched\n    value: $.stepOutputs.LaunchBuildInstance.instanceId\n", 1))
	if out, err := ib.CreateWorkflow(ctx, test); err != nil || aws.ToString(out.WorkflowBuildVersionArn) != workflowARN(accountA, "test", "my-build", "1.0.0", 1) {
		t.Fatalf("test workflow: %v %+v", err, out)
	}

	// Get by build, version (latest build) and selector (latest version).
	for arn, want := range map[string]string{
		b1: b1, workflowARN(accountA, "build", "my-build", "1.0.0", 0): b2,
		workflowARN(accountA, "build", "my-build", "1.x.x", 0): workflowARN(accountA, "build", "my-build", "1.1.0", 1),
	} {
		got, err := ib.GetWorkflow(ctx, &imagebuilder.GetWorkflowInput{WorkflowBuildVersionArn: aws.String(arn)})
		if err != nil || aws.ToString(got.Workflow.Arn) != want {
			t.Fatalf("GetWorkflow %s: %v %+v", arn, err, got)
		}
	}
	got, _ := ib.GetWorkflow(ctx, &imagebuilder.GetWorkflowInput{WorkflowBuildVersionArn: aws.String(b1)})
	wf := got.Workflow
	if aws.ToString(wf.Name) != "My Build" || wf.Type != types.WorkflowTypeBuild || aws.ToString(wf.Owner) != accountA ||
		aws.ToString(wf.Data) != buildWorkflowDoc || aws.ToString(wf.Description) != "build workflow" || wf.Tags["env"] != "test" {
		t.Errorf("workflow = %+v", wf)
	}
	if len(wf.Parameters) != 2 || aws.ToString(wf.Parameters[0].Name) != "waitForActionAtEnd" || aws.ToString(wf.Parameters[0].Type) != "boolean" ||
		strings.Join(wf.Parameters[0].DefaultValue, ",") != "false" || strings.Join(wf.Parameters[1].DefaultValue, ",") != "us-east-1,eu-west-1" {
		t.Errorf("parameters = %+v", wf.Parameters)
	}

	// Listings: every version, latest by name, filters, paging.
	list := func(in *imagebuilder.ListWorkflowsInput) []string {
		var arns []string
		p := imagebuilder.NewListWorkflowsPaginator(ib, in)
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatalf("ListWorkflows: %v", err)
			}
			for _, v := range page.WorkflowVersionList {
				arns = append(arns, aws.ToString(v.Arn))
			}
		}
		return arns
	}
	requireSameStrings(t, "versions", list(&imagebuilder.ListWorkflowsInput{MaxResults: aws.Int32(1)}), []string{
		workflowARN(accountA, "build", "my-build", "1.0.0", 0), workflowARN(accountA, "build", "my-build", "1.1.0", 0), workflowARN(accountA, "test", "my-build", "1.0.0", 0)})
	requireSameStrings(t, "byName", list(&imagebuilder.ListWorkflowsInput{ByName: true}), []string{
		workflowARN(accountA, "build", "my-build", "1.1.0", 0), workflowARN(accountA, "test", "my-build", "1.0.0", 0)})
	requireSameStrings(t, "type filter", list(&imagebuilder.ListWorkflowsInput{Filters: []types.Filter{{Name: aws.String("type"), Values: []string{"TEST"}}}}), []string{
		workflowARN(accountA, "test", "my-build", "1.0.0", 0)})
	_, err = ib.ListWorkflows(ctx, &imagebuilder.ListWorkflowsInput{Filters: []types.Filter{{Name: aws.String("platform"), Values: []string{"Linux"}}}})
	requireAPIError(t, err, "InvalidParameterValueException", 400)
	shared, err := ib.ListWorkflows(ctx, &imagebuilder.ListWorkflowsInput{Owner: types.OwnershipShared})
	if err != nil || shared.WorkflowVersionList == nil || len(shared.WorkflowVersionList) != 0 {
		t.Errorf("Shared: %v %+v (want an empty list)", err, shared)
	}

	builds, err := ib.ListWorkflowBuildVersions(ctx, &imagebuilder.ListWorkflowBuildVersionsInput{WorkflowVersionArn: aws.String(workflowARN(accountA, "build", "my-build", "1.0.0", 0)), MaxResults: aws.Int32(1)})
	if err != nil || len(builds.WorkflowSummaryList) != 1 || builds.NextToken == nil || aws.ToString(builds.WorkflowSummaryList[0].Arn) != b1 {
		t.Fatalf("ListWorkflowBuildVersions: %v %+v", err, builds)
	}
	next, err := ib.ListWorkflowBuildVersions(ctx, &imagebuilder.ListWorkflowBuildVersionsInput{WorkflowVersionArn: aws.String(workflowARN(accountA, "build", "my-build", "1.0.0", 0)), NextToken: builds.NextToken})
	if err != nil || len(next.WorkflowSummaryList) != 1 || aws.ToString(next.WorkflowSummaryList[0].Arn) != b2 || next.NextToken != nil {
		t.Fatalf("page 2: %v %+v", err, next)
	}
	// A token of another listing is refused.
	_, err = ib.ListWorkflows(ctx, &imagebuilder.ListWorkflowsInput{NextToken: builds.NextToken})
	requireAPIError(t, err, "InvalidPaginationTokenException", 400)

	// Tags through the tagging operations.
	if _, err := ib.TagResource(ctx, &imagebuilder.TagResourceInput{ResourceArn: aws.String(b1), Tags: map[string]string{"team": "images"}}); err != nil {
		t.Fatalf("TagResource: %v", err)
	}
	tags, err := ib.ListTagsForResource(ctx, &imagebuilder.ListTagsForResourceInput{ResourceArn: aws.String(b1)})
	if err != nil || tags.Tags["team"] != "images" || tags.Tags["env"] != "test" {
		t.Errorf("tags: %v %+v", err, tags)
	}

	// Another account sees none of it.
	other := client(t, emu, accountB)
	if _, err := other.GetWorkflow(ctx, &imagebuilder.GetWorkflowInput{WorkflowBuildVersionArn: aws.String(b1)}); err == nil {
		t.Errorf("account B read account A's workflow")
	}
	if l, err := other.ListWorkflows(ctx, &imagebuilder.ListWorkflowsInput{}); err != nil || len(l.WorkflowVersionList) != 0 {
		t.Errorf("account B lists %v %+v", err, l)
	}

	// Delete a build: the version answers its remaining build; numbers are not reused.
	if _, err := ib.DeleteWorkflow(ctx, &imagebuilder.DeleteWorkflowInput{WorkflowBuildVersionArn: aws.String(b2)}); err != nil {
		t.Fatalf("DeleteWorkflow: %v", err)
	}
	_, err = ib.GetWorkflow(ctx, &imagebuilder.GetWorkflowInput{WorkflowBuildVersionArn: aws.String(b2)})
	requireAPIError(t, err, "ResourceNotFoundException", 404)
	_, err = ib.DeleteWorkflow(ctx, &imagebuilder.DeleteWorkflowInput{WorkflowBuildVersionArn: aws.String(b2)})
	requireAPIError(t, err, "ResourceNotFoundException", 404)
	in.ClientToken = aws.String("third")
	if out, err := ib.CreateWorkflow(ctx, in); err != nil || aws.ToString(out.WorkflowBuildVersionArn) != workflowARN(accountA, "build", "my-build", "1.0.0", 3) {
		t.Fatalf("build after delete: %v %+v", err, out)
	}
	_, err = ib.DeleteWorkflow(ctx, &imagebuilder.DeleteWorkflowInput{WorkflowBuildVersionArn: aws.String(workflowARN("aws", "build", "build-image", "1.0.0", 1))})
	// The enforcement layer refuses it first: no policy of Amazon's allows it.
	requireAPIError(t, err, "AccessDeniedException", 403)

	// dryRun validates and stores nothing.
	dry := workflowInput("dry", "1.0.0", buildWorkflowDoc)
	dry.DryRun = true
	_, err = ib.CreateWorkflow(ctx, dry)
	requireAPIError(t, err, "DryRunOperationException", 412)
}

func TestWorkflowAmazonManaged(t *testing.T) {
	emu := emulatortest.Start(t)
	ib := client(t, emu, accountA)
	ctx := testContext(t)
	out, err := ib.ListWorkflows(ctx, &imagebuilder.ListWorkflowsInput{Owner: types.OwnershipAmazon})
	if err != nil {
		t.Fatalf("ListWorkflows Amazon: %v", err)
	}
	names := map[string]types.WorkflowType{}
	for _, v := range out.WorkflowVersionList {
		names[aws.ToString(v.Name)] = v.Type
		if aws.ToString(v.Owner) != "Amazon" {
			t.Errorf("owner of %s = %q", aws.ToString(v.Name), aws.ToString(v.Owner))
		}
	}
	for name, typ := range map[string]types.WorkflowType{"build-image": types.WorkflowTypeBuild, "test-image": types.WorkflowTypeTest, "distribute-image": types.WorkflowTypeDistribution} {
		if names[name] != typ {
			t.Errorf("managed workflow %s: type %q, want %q (listed %v)", name, names[name], typ, names)
		}
	}
	for _, arn := range []string{workflowARN("aws", "build", "build-image", "x.x.x", 0), workflowARN("aws", "test", "test-image", "1.0.0", 1)} {
		got, err := ib.GetWorkflow(ctx, &imagebuilder.GetWorkflowInput{WorkflowBuildVersionArn: aws.String(arn)})
		if err != nil || aws.ToString(got.Workflow.Data) == "" {
			t.Errorf("GetWorkflow %s: %v", arn, err)
		}
	}
	builds, err := ib.ListWorkflowBuildVersions(ctx, &imagebuilder.ListWorkflowBuildVersionsInput{WorkflowVersionArn: aws.String(workflowARN("aws", "distribution", "distribute-image", "1.0.0", 0))})
	if err != nil || len(builds.WorkflowSummaryList) != 1 {
		t.Errorf("ListWorkflowBuildVersions of a managed workflow: %v %+v", err, builds)
	}
	_, err = ib.GetWorkflow(ctx, &imagebuilder.GetWorkflowInput{WorkflowBuildVersionArn: aws.String(workflowARN("aws", "build", "no-such", "1.0.0", 1))})
	requireAPIError(t, err, "ResourceNotFoundException", 404)
}

func TestWorkflowDocumentValidation(t *testing.T) {
	emu := emulatortest.Start(t)
	ib := client(t, emu, accountA)
	ctx := testContext(t)
	step := "steps:\n  - name: Launch\n    action: LaunchInstance\n"
	head := "name: w\nschemaVersion: 1.0\n"
	cases := []struct{ name, typ, doc, want string }{
		{"not yaml", "BUILD", "steps: [", "Unable to parse the document as YAML"},
		{"no schema", "BUILD", "name: w\n" + step, "missing schemaVersion"},
		{"schema 2", "BUILD", "schemaVersion: 2.0\n" + step, "schemaVersion 2 is not supported"},
		{"no steps", "BUILD", head, "at least one step"},
		{"unknown top", "BUILD", head + "phases: []\n" + step, "Unknown property 'phases'"},
		{"unknown action", "BUILD", head + "steps:\n  - name: S\n    action: ExecuteBash\n", "The action 'ExecuteBash' of step 'S' is not a supported step action"},
		{"missing action", "BUILD", head + "steps:\n  - name: S\n", "missing the required property 'action'"},
		{"dup step", "BUILD", head + step + "  - name: Launch\n    action: LaunchInstance\n", "step name 'Launch' is used more than once"},
		{"bad step name", "BUILD", head + "steps:\n  - name: bad name\n    action: LaunchInstance\n", "Invalid step name 'bad name'"},
		{"onFailure", "BUILD", head + "steps:\n  - name: S\n    action: LaunchInstance\n    onFailure: Retry\n", "onFailure value Retry"},
		{"timeout", "BUILD", head + "steps:\n  - name: S\n    action: LaunchInstance\n    timeoutSeconds: 0\n", "timeoutSeconds value 0"},
		{"required input", "BUILD", head + "steps:\n  - name: S\n    action: ExecuteComponents\n", "missing the required input 'instanceId'"},
		{"wrong type", "TEST", head + "steps:\n  - name: S\n    action: CollectImageMetadata\n    inputs:\n      instanceId: i-1\n", "not valid in a TEST workflow"},
		{"undeclared parameter", "BUILD", head + "steps:\n  - name: S\n    action: LaunchInstance\n    inputs:\n      instanceType.$: $.parameters.size\n", "parameter 'size'"},
		{"later step output", "BUILD", head + "steps:\n  - name: A\n    action: TerminateInstance\n    inputs:\n      instanceId.$: $.stepOutputs.B.instanceId\n  - name: B\n    action: LaunchInstance\n", "not an earlier step"},
		{"param type", "BUILD", head + "parameters:\n  - name: p\n    type: number\n" + step, "type 'number' of parameter 'p'"},
		{"param default", "BUILD", head + "parameters:\n  - name: p\n    type: integer\n    default: ten\n" + step, "default value of parameter 'p' is not a valid integer"},
		{"bad if", "BUILD", head + "steps:\n  - name: S\n    action: LaunchInstance\n    if:\n      stringMatches: x\n      value: y\n", "'stringMatches' is not a condition operator"},
		{"output", "BUILD", head + step + "outputs:\n  - name: o\n", "missing the required property 'value'"},
		{"too long", "BUILD", head + step + "description: " + strings.Repeat("x", 16001) + "\n", "maximum is 16000"},
	}
	for _, tc := range cases {
		in := workflowInput("bad", "1.0.0", tc.doc)
		in.Type = types.WorkflowType(tc.typ)
		in.ClientToken = aws.String(tc.name)
		_, err := ib.CreateWorkflow(ctx, in)
		if err == nil {
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		if strings.Contains(tc.name, "too long") {
			// The model bounds data at 16000 characters before the document is read.
			continue
		}
		apiErr := requireAPIError(t, err, "InvalidParameterValueException", 400)
		if !strings.HasPrefix(apiErr.ErrorMessage(), "The value supplied for parameter 'data' is not valid. ") || !strings.Contains(apiErr.ErrorMessage(), tc.want) {
			t.Errorf("%s: message %q does not contain %q", tc.name, apiErr.ErrorMessage(), tc.want)
		}
	}
	_, err := ib.CreateWorkflow(ctx, &imagebuilder.CreateWorkflowInput{Name: aws.String("x"), SemanticVersion: aws.String("1.0.0"), Type: types.WorkflowTypeBuild, ClientToken: aws.String("none")})
	requireAPIError(t, err, "InvalidParameterValueException", 400)
	l, err := ib.ListWorkflows(ctx, &imagebuilder.ListWorkflowsInput{})
	if err != nil || len(l.WorkflowVersionList) != 0 {
		t.Errorf("something was stored: %v %+v", err, l)
	}
}

// TestWorkflowURIAndKey: a uri is read as the caller (s3:GetObject through
// Image Builder); a kmsKeyId needs kms:GenerateDataKey to create and
// kms:Decrypt to read.
func TestWorkflowURIAndKey(t *testing.T) {
	t.Parallel()
	e := startSTS(t)
	ctx := testContext(t)
	bucket := uniqueBucket("wf-docs")
	putS3Object(t, e.emu, accountA, bucket, "w.yaml", buildWorkflowDoc)
	ib := ibClient(t, e.user(t, "author", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"imagebuilder:*","Resource":"*"}]}`))
	in := &imagebuilder.CreateWorkflowInput{Name: aws.String("from-s3"), SemanticVersion: aws.String("1.0.0"), Type: types.WorkflowTypeBuild,
		Uri: aws.String("s3://" + bucket + "/w.yaml"), ClientToken: aws.String("a")}
	_, err := ib.CreateWorkflow(ctx, in)
	if apiErr := requireAPIError(t, err, "AccessDeniedException", 403); !strings.Contains(apiErr.ErrorMessage(), "s3:GetObject") {
		t.Errorf("denial %q does not name s3:GetObject", apiErr.ErrorMessage())
	}
	putUserPolicy(t, e.iam, "author", "s3", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::`+bucket+`/*","arn:aws:s3:::`+bucket+`"]}]}`)
	in.ClientToken = aws.String("b")
	out, err := ib.CreateWorkflow(ctx, in)
	if err != nil {
		t.Fatalf("CreateWorkflow from S3: %v", err)
	}
	got, err := ib.GetWorkflow(ctx, &imagebuilder.GetWorkflowInput{WorkflowBuildVersionArn: out.WorkflowBuildVersionArn})
	if err != nil || aws.ToString(got.Workflow.Data) != buildWorkflowDoc {
		t.Fatalf("GetWorkflow: %v", err)
	}
	in.Uri = aws.String("s3://" + bucket + "/missing.yaml")
	in.ClientToken = aws.String("c")
	_, err = ib.CreateWorkflow(ctx, in)
	requireAPIError(t, err, "InvalidParameterValueException", 400)

	key := aws.ToString(mustKey(t, kmsClient(t, e.root), "").Arn)
	enc := workflowInput("secret", "1.0.0", buildWorkflowDoc)
	enc.KmsKeyId = aws.String(key)
	_, err = ib.CreateWorkflow(ctx, enc)
	if apiErr := requireAPIError(t, err, "AccessDeniedException", 403); !strings.Contains(apiErr.ErrorMessage(), "kms:GenerateDataKey") {
		t.Errorf("denial %q does not name kms:GenerateDataKey", apiErr.ErrorMessage())
	}
	putUserPolicy(t, e.iam, "author", "kms", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:GenerateDataKey","Resource":"`+key+`"}]}`)
	encOut, err := ib.CreateWorkflow(ctx, enc)
	if err != nil {
		t.Fatalf("encrypted CreateWorkflow: %v", err)
	}
	_, err = ib.GetWorkflow(ctx, &imagebuilder.GetWorkflowInput{WorkflowBuildVersionArn: encOut.WorkflowBuildVersionArn})
	if apiErr := requireAPIError(t, err, "AccessDeniedException", 403); !strings.Contains(apiErr.ErrorMessage(), "kms:Decrypt") {
		t.Errorf("denial %q does not name kms:Decrypt", apiErr.ErrorMessage())
	}
	if got, err := ibClient(t, e.root).GetWorkflow(ctx, &imagebuilder.GetWorkflowInput{WorkflowBuildVersionArn: encOut.WorkflowBuildVersionArn}); err != nil || aws.ToString(got.Workflow.KmsKeyId) != key {
		t.Errorf("root GetWorkflow: %v", err)
	}

	// aws:ResourceTag decides on a workflow's tags.
	tagged := ibClient(t, e.user(t, "reader", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"imagebuilder:GetWorkflow","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/env":"test"}}}]}`))
	root := ibClient(t, e.root)
	ti := workflowInput("tagged", "1.0.0", buildWorkflowDoc)
	ti.Tags = map[string]string{"env": "test"}
	to, err := root.CreateWorkflow(ctx, ti)
	if err != nil {
		t.Fatalf("tagged: %v", err)
	}
	if _, err := tagged.GetWorkflow(ctx, &imagebuilder.GetWorkflowInput{WorkflowBuildVersionArn: to.WorkflowBuildVersionArn}); err != nil {
		t.Errorf("reader on tagged workflow: %v", err)
	}
	_, err = tagged.GetWorkflow(ctx, &imagebuilder.GetWorkflowInput{WorkflowBuildVersionArn: out.WorkflowBuildVersionArn})
	requireAPIError(t, err, "AccessDeniedException", 403)
}
