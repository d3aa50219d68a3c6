package imagebuilder

// This file is H9's stand-in for the AWS-managed workflows of the Amazon
// catalogue, which H8 adds to amazon.go at the same time. Its functions have
// the signatures of H8's (amazonWorkflows, amazonWorkflow, amazonPage), so
// when both branches meet this file is deleted, along with the workflow case
// of resolveARN, in favour of amazon.go's amazonSources.

import (
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/iam/policy"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// amazonWorkflowData are the managed workflows: build-image, test-image and
// distribute-image, version 1.0.0 build 1, with short stand-in documents.
var amazonWorkflowData = []struct{ typ, name, description, data string }{
	{"BUILD", "build-image", "Builds an image: launches a build instance, runs the build components and creates the output image.",
		"name: build-image\ndescription: Builds an image.\nschemaVersion: 1.0\nsteps:\n" +
			"  - name: LaunchBuildInstance\n    action: LaunchInstance\n    onFailure: Abort\n    inputs:\n      waitFor: ssmAgent\n" +
			"  - name: ApplyBuildComponents\n    action: ExecuteComponents\n    onFailure: Abort\n    inputs:\n      instanceId.$: $.stepOutputs.LaunchBuildInstance.instanceId\n" +
			"  - name: CreateOutputAMI\n    action: CreateImage\n    onFailure: Abort\n    inputs:\n      instanceId.$: $.stepOutputs.LaunchBuildInstance.instanceId\n" +
			"  - name: TerminateBuildInstance\n    action: TerminateInstance\n    onFailure: Continue\n    inputs:\n      instanceId.$: $.stepOutputs.LaunchBuildInstance.instanceId\n" +
			"outputs:\n  - name: ImageId\n    value: $.stepOutputs.CreateOutputAMI.imageId\n"},
	{"DISTRIBUTION", "distribute-image", "Distributes an image to the regions and accounts of its distribution configuration.",
		"name: distribute-image\ndescription: Distributes an image.\nschemaVersion: 1.0\nsteps:\n" +
			"  - name: DistributeImage\n    action: DistributeImage\n    onFailure: Abort\n"},
	{"TEST", "test-image", "Tests an image: launches a test instance from it and runs the test components.",
		"name: test-image\ndescription: Tests an image.\nschemaVersion: 1.0\nsteps:\n" +
			"  - name: LaunchTestInstance\n    action: LaunchInstance\n    onFailure: Abort\n    inputs:\n      waitFor: ssmAgent\n" +
			"  - name: RunTestComponents\n    action: ExecuteComponents\n    onFailure: Abort\n    inputs:\n      instanceId.$: $.stepOutputs.LaunchTestInstance.instanceId\n" +
			"  - name: TerminateTestInstance\n    action: TerminateInstance\n    onFailure: Continue\n    inputs:\n      instanceId.$: $.stepOutputs.LaunchTestInstance.instanceId\n"},
}

// amazonWorkflows returns the AWS-managed workflows for a region, in ARN
// order.
func amazonWorkflows(region string) []*ibv1.Workflow {
	var out []*ibv1.Workflow
	for _, e := range amazonWorkflowData {
		out = append(out, &ibv1.Workflow{
			Arn:         ptr(fmt.Sprintf("%s/%s/1.0.0/1", typeARN(region, awsOwner, workflowARNType(e.typ)), e.name)),
			Name:        ptr(e.name),
			Version:     ptr("1.0.0"),
			Description: ptr(e.description),
			Type:        ptr(e.typ),
			Owner:       ptr(ownerAmazon),
			Data:        ptr(e.data),
			DateCreated: ptr("2020-12-01T00:00:00.000Z"),
		})
	}
	return out
}

// amazonWorkflow resolves a workflow build ARN, version ARN or selector
// against the managed workflows.
func amazonWorkflow(region string, r resourceARN) (*ibv1.Workflow, bool, *awserr.Error) {
	var sel Selector
	if r.Build == 0 {
		var aerr *awserr.Error
		if sel, aerr = ParseSelector(r.Version); aerr != nil {
			return nil, false, aerr
		}
	}
	for _, wf := range amazonWorkflows(region) {
		wr, _ := parseARN("arn", wf.GetArn())
		if wr.Type != r.Type || wr.Name != r.Name || wr.Region != r.Region {
			continue
		}
		v, _ := ParseVersion(wr.Version)
		if (r.Build != 0 && wr.Version == r.Version && wr.Build == r.Build) || (r.Build == 0 && sel.Matches(v)) {
			return wf, true, nil
		}
	}
	return nil, false, nil
}

// amazonPage lists one page of catalogue records (in ARN order) that keep
// accepts, as item maps them; after is the last ARN of the previous page.
func amazonPage[T proto.Message, O any](items []T, listing string, after []byte, limit int, keep func(O) bool, item func(T) O) ([]O, *string) {
	out := []O{}
	var lastARN string
	for _, rec := range items {
		arn := stringField(rec, "arn")
		if after != nil && arn <= string(after) {
			continue
		}
		o := item(rec)
		if keep != nil && !keep(o) {
			continue
		}
		if len(out) == limit {
			return out, pageToken(listing, []byte(lastARN))
		}
		out = append(out, o)
		lastARN = arn
	}
	return out, nil
}

// amazonWorkflowsReadable lets every account read the managed workflows.
var amazonWorkflowsReadable = &policy.Attached{
	Name: "AWS-managed workflows",
	Policy: policy.MustParse(`{"Version":"2012-10-17","Statement":[{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Resource":"*",
  "Action":["imagebuilder:GetWorkflow","imagebuilder:ListWorkflows","imagebuilder:ListWorkflowBuildVersions"]}]}`, policy.KindResource),
}
