package imagebuilder

import (
	"testing"

	"github.com/ibemu/ibemu/internal/authz"
	"github.com/ibemu/ibemu/internal/awserr"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// authorizedGet runs a GetComponent call as account through an enforcement
// layer that uses the service's resolver, with the model's generated
// authorization spec, and returns what the handler answers.
func authorizedGet(t *testing.T, s *Service, account, arn string) (*ibv1.GetComponentResponse, error) {
	t.Helper()
	svc := ibv1.Model()
	op, ok := svc.Operation("GetComponent")
	if !ok || op.Authz == nil {
		t.Fatal("no authorization spec for GetComponent in the model")
	}
	e, err := authz.New(authz.Options{Identities: authz.RootsOnly{}, Resolvers: map[string]authz.Resolver{"imagebuilder": s.Resolver()}})
	if err != nil {
		t.Fatal(err)
	}
	req := &ibv1.GetComponentRequest{ComponentBuildVersionArn: ptr(arn)}
	ctx, _ := callAs(account)
	ctx, err = e.Authorize(ctx, svc, op, req)
	if err != nil {
		return nil, err
	}
	return s.GetComponent(ctx, req)
}

// TestEnforcedCrossAccountRead: through the enforcement layer, the account a
// component is shared with reads it from its owner's scope, and an account
// it is not shared with is denied access (AccessDeniedException), not told
// that the component does not exist.
func TestEnforcedCrossAccountRead(t *testing.T) {
	s := newTestService(t)
	arn := create(t, s, ownerA, "enforced", "1.0.0", nil)
	ctx, _ := callAs(ownerA)
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + consumerB + `"},"Action":"imagebuilder:GetComponent","Resource":"` + arn + `"}]}`
	if _, err := s.PutComponentPolicy(ctx, &ibv1.PutComponentPolicyRequest{ComponentArn: ptr(arn), Policy: ptr(doc)}); err != nil {
		t.Fatal(err)
	}

	for _, name := range []string{arn, componentAt(ownerA, "enforced/1.0.0"), componentAt(ownerA, "enforced/x.x.x")} {
		out, err := authorizedGet(t, s, consumerB, name)
		if err != nil {
			t.Fatalf("B's GetComponent %s: %v", name, err)
		}
		if out.GetComponent().GetArn() != arn || out.GetComponent().GetOwner() != ownerA {
			t.Errorf("B's GetComponent %s = %s owned by %s", name, out.GetComponent().GetArn(), out.GetComponent().GetOwner())
		}
	}
	_, err := authorizedGet(t, s, strangerC, arn)
	if aerr, ok := err.(*awserr.Error); !ok || aerr.Code != "AccessDeniedException" || aerr.HTTPStatus != 403 {
		t.Fatalf("C's GetComponent: %v, want AccessDeniedException", err)
	}
	// The owner's own missing build is a ResourceNotFoundException once
	// authorized.
	_, err = authorizedGet(t, s, ownerA, componentAt(ownerA, "enforced/1.0.0/7"))
	if aerr, ok := err.(*awserr.Error); !ok || aerr.Code != "ResourceNotFoundException" {
		t.Fatalf("A's GetComponent of a missing build: %v", err)
	}
}
