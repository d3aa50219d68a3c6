package imagebuilder

import (
	"context"
	"testing"

	"github.com/ibemu/ibemu/internal/authz"
	"github.com/ibemu/ibemu/internal/awserr"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// TestGetComponentFollowsEveryWrite: GetComponent's resolution comes from
// the read cache (sharedReads), so the same ARN, asked again after each
// kind of write, must answer the new state: tags changed and removed, a
// policy put and replaced, the build deleted, a new build, the state reset.
func TestGetComponentFollowsEveryWrite(t *testing.T) {
	s := newTestService(t)
	ctx, _ := callAs(ownerA)
	arn := create(t, s, ownerA, "cached", "1.0.0", map[string]string{"team": "blue"})
	version := componentAt(ownerA, "cached/1.0.0")
	selector := componentAt(ownerA, "cached/x.x.x")

	for range 2 { // the second time from the cache
		if res := resolve(t, s, ownerA, arn); !res.Exists || res.Tags["team"] != "blue" {
			t.Fatalf("resolved %+v", res)
		}
		out, err := authorizedGet(t, s, ownerA, arn)
		if err != nil || out.GetComponent().GetArn() != arn || out.GetLatestVersionReferences().GetLatestPatchVersionArn() != version {
			t.Fatalf("GetComponent = %v, %v", out, err)
		}
	}
	if s.reads.Len() == 0 {
		t.Fatal("GetComponent's resolution was not kept")
	}

	if _, err := s.TagResource(ctx, &ibv1.TagResourceRequest{ResourceArn: ptr(arn), Tags: map[string]string{"team": "red"}}); err != nil {
		t.Fatal(err)
	}
	if res := resolve(t, s, ownerA, arn); res.Tags["team"] != "red" {
		t.Fatalf("after TagResource: tags %v", res.Tags)
	}
	if out, err := authorizedGet(t, s, ownerA, arn); err != nil || out.GetComponent().GetTags()["team"] != "red" {
		t.Fatalf("after TagResource: GetComponent = %v, %v", out, err)
	}
	if _, err := s.UntagResource(ctx, &ibv1.UntagResourceRequest{ResourceArn: ptr(arn), TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	if res := resolve(t, s, ownerA, arn); len(res.Tags) != 0 {
		t.Fatalf("after UntagResource: tags %v", res.Tags)
	}

	// Another account is denied until a policy shares the build, and again
	// once the policy is replaced by one that does not.
	if _, err := authorizedGet(t, s, consumerB, arn); !isCode(err, "AccessDeniedException") {
		t.Fatalf("B before sharing: %v", err)
	}
	share := func(account string) {
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + account + `"},"Action":"imagebuilder:GetComponent","Resource":"` + arn + `"}]}`
		if _, err := s.PutComponentPolicy(ctx, &ibv1.PutComponentPolicyRequest{ComponentArn: ptr(arn), Policy: ptr(doc)}); err != nil {
			t.Fatal(err)
		}
	}
	share(consumerB)
	if _, err := authorizedGet(t, s, consumerB, arn); err != nil {
		t.Fatalf("B after sharing: %v", err)
	}
	share(strangerC)
	if _, err := authorizedGet(t, s, consumerB, arn); !isCode(err, "AccessDeniedException") {
		t.Fatalf("B after the policy was replaced: %v", err)
	}

	// A newer version moves the selector; deleting it moves it back.
	newer := create(t, s, ownerA, "cached", "1.1.0", nil)
	if out, err := authorizedGet(t, s, ownerA, selector); err != nil || out.GetComponent().GetArn() != newer {
		t.Fatalf("selector after a newer version: %v, %v", out.GetComponent().GetArn(), err)
	}
	if _, err := s.DeleteComponent(ctx, &ibv1.DeleteComponentRequest{ComponentBuildVersionArn: ptr(newer)}); err != nil {
		t.Fatal(err)
	}
	if out, err := authorizedGet(t, s, ownerA, selector); err != nil || out.GetComponent().GetArn() != arn {
		t.Fatalf("selector after deleting the newer version: %v, %v", out.GetComponent().GetArn(), err)
	}

	if _, err := s.DeleteComponent(ctx, &ibv1.DeleteComponentRequest{ComponentBuildVersionArn: ptr(arn)}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{arn, version, selector} {
		if _, err := authorizedGet(t, s, ownerA, name); !isCode(err, "ResourceNotFoundException") {
			t.Fatalf("GetComponent %s after DeleteComponent: %v", name, err)
		}
	}
	// The version's next build gets a new number; the deleted one stays gone.
	again := create(t, s, ownerA, "cached", "1.0.0", nil)
	if out, err := authorizedGet(t, s, ownerA, version); err != nil || out.GetComponent().GetArn() != again {
		t.Fatalf("version after a new build: %v, %v", out.GetComponent().GetArn(), err)
	}

	if err := s.db.Reset(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := authorizedGet(t, s, ownerA, again); !isCode(err, "ResourceNotFoundException") {
		t.Fatalf("GetComponent after Reset: %v", err)
	}
}

// TestSharedReadsOnlyForReadingHandlers: a resolution for an action whose
// handler may change the record is read afresh and never kept, so that
// handler cannot change what concurrent readers are answered.
func TestSharedReadsOnlyForReadingHandlers(t *testing.T) {
	s := newTestService(t)
	arn := create(t, s, ownerA, "fresh", "1.0.0", nil)
	ctx, c := callAs(ownerA)
	for _, action := range []string{"imagebuilder:DeleteComponent", "imagebuilder:PutComponentPolicy", "imagebuilder:TagResource"} {
		res, err := s.Resolver().Resolve(ctx, c, action, &authz.ResourceRef{Spec: getSpec, ARN: arn, FromMember: true})
		if err != nil || !res.Exists {
			t.Fatalf("%s: %+v, %v", action, res, err)
		}
	}
	if s.reads.Len() != 0 {
		t.Fatalf("%d resolutions kept for actions that may write", s.reads.Len())
	}
	a := resolve(t, s, ownerA, arn).Record.(*located).component
	b := resolve(t, s, ownerA, arn).Record.(*located).component
	if a != b {
		t.Error("two GetComponent resolutions of an unchanged build did not share the record")
	}
	if s.reads.Uncacheable() != 0 {
		t.Errorf("%d component loads read a table the cache does not watch", s.reads.Uncacheable())
	}
}

func isCode(err error, code string) bool {
	aerr, ok := err.(*awserr.Error)
	return ok && aerr.Code == code
}
