package emulator_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
)

// TestDeleteComponent deletes builds one at a time: the version index
// follows the latest remaining build, and the version disappears with its
// last build.
func TestDeleteComponent(t *testing.T) {
	t.Parallel()
	_, c := startClient(t)
	ctx := testContext(t)
	b1 := mustCreate(t, c, createInput("doomed", "1.0.0"))
	in := createInput("doomed", "1.0.0")
	in.Description = aws.String("second build")
	b2 := mustCreate(t, c, in)
	kept := mustCreate(t, c, createInput("kept", "1.0.0"))
	v := versionARN(accountA, "doomed", "1.0.0")

	del := func(arn string) {
		t.Helper()
		out, err := c.DeleteComponent(ctx, &imagebuilder.DeleteComponentInput{ComponentBuildVersionArn: aws.String(arn)})
		if err != nil {
			t.Fatalf("DeleteComponent %s: %v", arn, err)
		}
		if aws.ToString(out.ComponentBuildVersionArn) != arn || aws.ToString(out.RequestId) == "" {
			t.Errorf("DeleteComponent answered %+v", out)
		}
	}

	// Deleting the latest build: the version now means build 1.
	del(b2)
	_, err := c.GetComponent(ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(b2)})
	requireAPIError(t, err, "ResourceNotFoundException", 404)
	if got := aws.ToString(mustGet(t, c, v).Component.Arn); got != b1 {
		t.Errorf("version ARN resolves to %s after deleting build 2, want %s", got, b1)
	}
	if got := aws.ToString(mustGet(t, c, versionARN(accountA, "doomed", "x.x.x")).Component.Arn); got != b1 {
		t.Errorf("x.x.x resolves to %s, want %s", got, b1)
	}
	var listed bool
	for _, cv := range listAll(t, c, nil) {
		if aws.ToString(cv.Arn) == v {
			listed = true
			if cv.Description != nil {
				t.Errorf("the listed version still describes deleted build 2: description %q", aws.ToString(cv.Description))
			}
		}
	}
	if !listed {
		t.Errorf("version %s is no longer listed while build 1 exists", v)
	}
	requireSameStrings(t, "builds", buildARNs(t, c, v), []string{b1})

	// Deleting the last build removes the version.
	del(b1)
	requireSameStrings(t, "versions", listARNs(t, c, nil), []string{versionARN(accountA, "kept", "1.0.0")})
	if got := buildARNs(t, c, v); len(got) != 0 {
		t.Errorf("builds after deleting all = %v", got)
	}
	for _, arn := range []string{b1, v, versionARN(accountA, "doomed", "x.x.x")} {
		_, err := c.GetComponent(ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(arn)})
		requireAPIError(t, err, "ResourceNotFoundException", 404)
	}
	mustGet(t, c, kept)

	// Deleting again: not found.
	_, err = c.DeleteComponent(ctx, &imagebuilder.DeleteComponentInput{ComponentBuildVersionArn: aws.String(b1)})
	requireAPIError(t, err, "ResourceNotFoundException", 404)

	// A deleted build's number is not handed out again: its ARN may still be
	// referenced (by recipes, policies, a client token's answer) and must
	// not start naming a different build.
	if next := mustCreate(t, c, createInput("doomed", "1.0.0")); next != componentARN(accountA, "doomed", "1.0.0", 3) {
		t.Errorf("after deleting builds 1 and 2, the next create made %s, want build 3", next)
	}
	_, err = c.GetComponent(ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(b2)})
	requireAPIError(t, err, "ResourceNotFoundException", 404)
}

// TestDeletedLatestBuildNumberNotReused: deleting the latest build and
// creating again gives a new number, not the deleted one.
func TestDeletedLatestBuildNumberNotReused(t *testing.T) {
	t.Parallel()
	_, c := startClient(t)
	ctx := testContext(t)
	in := createInput("renumbered", "1.0.0")
	in.ClientToken = aws.String("first-build-2")
	mustCreate(t, c, createInput("renumbered", "1.0.0"))
	b2 := mustCreate(t, c, in)
	if _, err := c.DeleteComponent(ctx, &imagebuilder.DeleteComponentInput{ComponentBuildVersionArn: aws.String(b2)}); err != nil {
		t.Fatal(err)
	}
	b3 := mustCreate(t, c, createInput("renumbered", "1.0.0"))
	if b3 != componentARN(accountA, "renumbered", "1.0.0", 3) {
		t.Errorf("created %s after deleting build 2, want build 3", b3)
	}
	// A retry of the request that made build 2 still answers build 2 (which
	// is gone), not the new build 3.
	if retry := mustCreate(t, c, in); retry != b2 {
		t.Errorf("retry answered %s, want the original %s", retry, b2)
	}
	requireSameStrings(t, "builds", buildARNs(t, c, versionARN(accountA, "renumbered", "1.0.0")), []string{
		componentARN(accountA, "renumbered", "1.0.0", 1), b3,
	})
}

// TestDeleteComponentNeedsBuildARN: DeleteComponent takes a build version
// ARN only.
func TestDeleteComponentNeedsBuildARN(t *testing.T) {
	t.Parallel()
	_, c := startClient(t)
	ctx := testContext(t)
	mustCreate(t, c, createInput("whole", "1.0.0"))
	for _, arn := range []string{versionARN(accountA, "whole", "1.0.0"), versionARN(accountA, "whole", "x.x.x"), "whole"} {
		_, err := c.DeleteComponent(ctx, &imagebuilder.DeleteComponentInput{ComponentBuildVersionArn: aws.String(arn)})
		requireAPIError(t, err, "InvalidParameterValueException", 400)
	}
	mustGet(t, c, componentARN(accountA, "whole", "1.0.0", 1))
}
