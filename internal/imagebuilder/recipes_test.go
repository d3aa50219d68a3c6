package imagebuilder

import (
	"errors"
	"testing"

	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/storage"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// TestRecipeDependencyHook: a family that uses recipes registers a hook
// with dependOn; while it answers ResourceDependencyException the recipe
// cannot be deleted, and nothing changes.
func TestRecipeDependencyHook(t *testing.T) {
	s := newTestService(t)
	ctx, _ := callAs(ownerA)
	out, err := s.CreateImageRecipe(ctx, &ibv1.CreateImageRecipeRequest{
		Name: ptr("used"), SemanticVersion: ptr("1.0.0"), ParentImage: ptr("ami-0123456789abcdef0"), ClientToken: ptr("t1"),
	})
	if err != nil {
		t.Fatalf("CreateImageRecipe: %v", err)
	}
	arn := out.GetImageRecipeArn()
	var asked string
	saved := imageRecipes.dependents
	t.Cleanup(func() { imageRecipes.dependents = saved })
	imageRecipes.dependOn(func(_ *storage.Tx, sc storage.Scope, at string) error {
		asked = sc.Account + " " + at
		return ibv1.ErrResourceDependency("The image recipe %s is used by pipeline p.", at)
	})
	_, err = s.DeleteImageRecipe(ctx, &ibv1.DeleteImageRecipeRequest{ImageRecipeArn: ptr(arn)})
	var aerr *awserr.Error
	if !errors.As(err, &aerr) || aerr.Code != "ResourceDependencyException" {
		t.Fatalf("DeleteImageRecipe of a used recipe: %v", err)
	}
	if asked != ownerA+" "+arn {
		t.Errorf("hook asked about %q", asked)
	}
	if _, err := s.GetImageRecipe(ctx, &ibv1.GetImageRecipeRequest{ImageRecipeArn: ptr(arn)}); err != nil {
		t.Fatalf("the recipe is gone after a refused delete: %v", err)
	}
	imageRecipes.dependents = saved
	if _, err := s.DeleteImageRecipe(ctx, &ibv1.DeleteImageRecipeRequest{ImageRecipeArn: ptr(arn)}); err != nil {
		t.Fatalf("DeleteImageRecipe once unused: %v", err)
	}
}

// TestRecipeIdempotency: a retry with the same client token answers the
// first answer; a different request with it is refused.
func TestRecipeIdempotency(t *testing.T) {
	s := newTestService(t)
	ctx, _ := callAs(ownerA)
	req := &ibv1.CreateImageRecipeRequest{Name: ptr("r"), SemanticVersion: ptr("1.0.0"), ParentImage: ptr("ami-0123456789abcdef0"), ClientToken: ptr("tok")}
	first, err := s.CreateImageRecipe(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.CreateImageRecipe(ctx, req)
	if err != nil || again.GetImageRecipeArn() != first.GetImageRecipeArn() {
		t.Fatalf("retry = %v, %v", again, err)
	}
	other := &ibv1.CreateImageRecipeRequest{Name: ptr("r"), SemanticVersion: ptr("2.0.0"), ParentImage: ptr("ami-0123456789abcdef0"), ClientToken: ptr("tok")}
	_, err = s.CreateImageRecipe(ctx, other)
	var aerr *awserr.Error
	if !errors.As(err, &aerr) || aerr.Code != "IdempotentParameterMismatchException" {
		t.Fatalf("different request with the token: %v", err)
	}
}

// TestAmazonLookups: selectors resolve to the latest catalogue version.
func TestAmazonLookups(t *testing.T) {
	r, _ := parseARN("arn", "arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-2023-x86/x.x.x")
	img, found, aerr := amazonImage("us-east-1", r)
	if aerr != nil || !found || img.GetVersion() != "2025.1.8" || img.GetPlatform() != "Linux" {
		t.Fatalf("amazonImage x.x.x = %v %v %v", img, found, aerr)
	}
	r, _ = parseARN("arn", "arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-2023-x86/2024.x.x")
	if img, _, _ := amazonImage("us-east-1", r); img.GetVersion() != "2024.12.3" {
		t.Errorf("2024.x.x = %s", img.GetVersion())
	}
	r, _ = parseARN("arn", "arn:aws:imagebuilder:us-east-1:aws:workflow/build/build-image/1.0.0/1")
	if wf, found, _ := amazonWorkflow("us-east-1", r); !found || wf.GetType() != "BUILD" {
		t.Errorf("build-image = %v %v", wf, found)
	}
	r, _ = parseARN("arn", "arn:aws:imagebuilder:us-east-1:aws:workflow/test/build-image/1.0.0/1")
	if _, found, _ := amazonWorkflow("us-east-1", r); found {
		t.Error("build-image found as a test workflow")
	}
}
