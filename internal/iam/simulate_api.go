package iam

import (
	"context"
	"errors"
	"strings"

	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/iam/policy"
	"github.com/ibemu/ibemu/internal/iam/simulate"
	"github.com/ibemu/ibemu/internal/storage"
	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
)

// The policy simulator's operations. The simulation itself is
// internal/iam/simulate's, shared with the offline simulate-custom-policy
// command; for the principal operations this file loads the entity's
// policies with principalPolicies, the code live enforcement builds callers
// with, so that a simulation and a real request see the same policies.

// SimulateCustomPolicy simulates the policies of the request.
func (s *Service) SimulateCustomPolicy(_ context.Context, req *iamv1.SimulateCustomPolicyRequest) (*iamv1.SimulatePolicyResponse, error) {
	return simulate.SimulateCustomPolicy(req)
}

// GetContextKeysForCustomPolicy lists the context keys of the request's
// policies.
func (s *Service) GetContextKeysForCustomPolicy(_ context.Context, req *iamv1.GetContextKeysForCustomPolicyRequest) (*iamv1.GetContextKeysForPolicyResponse, error) {
	return simulate.ContextKeysForCustomPolicy(req)
}

// SimulatePrincipalPolicy simulates the policies of a user (with its
// groups'), a group or a role, and those of the request.
func (s *Service) SimulatePrincipalPolicy(ctx context.Context, req *iamv1.SimulatePrincipalPolicyRequest) (*iamv1.SimulatePolicyResponse, error) {
	p, err := s.simulatedPrincipal(ctx, req.GetPolicySourceArn())
	if err != nil {
		return nil, err
	}
	return simulate.SimulatePrincipalPolicy(req, p)
}

// GetContextKeysForPrincipalPolicy lists the context keys of an entity's
// policies and of the request's.
func (s *Service) GetContextKeysForPrincipalPolicy(ctx context.Context, req *iamv1.GetContextKeysForPrincipalPolicyRequest) (*iamv1.GetContextKeysForPolicyResponse, error) {
	p, err := s.simulatedPrincipal(ctx, req.GetPolicySourceArn())
	if err != nil {
		return nil, err
	}
	return simulate.ContextKeysForPrincipalPolicy(req, p)
}

// simulatedPrincipal loads the user, group or role a PolicySourceArn names
// in the caller's account, with its policies named as the simulator reports
// them. Anything but an IAM user, group or role ARN is InvalidInput with
// AWS's message ("Invalid Entity Arn: ARN", as IAM answers an assumed-role
// ARN); an entity that does not exist (or not at that path) is NoSuchEntity.
func (s *Service) simulatedPrincipal(ctx context.Context, sourceARN string) (*simulate.Principal, error) {
	var k *kind
	var account, path, name string
	for _, cand := range []*kind{userKind, groupKind, roleKind} {
		var ok bool
		if account, path, name, ok = splitEntityARN(sourceARN, cand.name); ok {
			k = cand
			break
		}
	}
	if k == nil {
		return nil, iamv1.ErrInvalidInput("Invalid Entity Arn: %s", sourceARN)
	}
	var out *simulate.Principal
	err := s.view(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		sc := accountScope(account)
		e, found, err := k.get(tx, sc, name)
		if err != nil {
			return err
		}
		if account != c.Account || !found || e.GetPath() != path || e.GetName() != name {
			return k.noSuchEntity(name)
		}
		identity, boundary, err := s.principalPolicies(tx, sc, k, e)
		if err != nil {
			return evaluationError(err)
		}
		out = &simulate.Principal{Kind: k.name, ARN: k.arn(account, e), Account: account, Name: e.GetName()}
		for _, a := range identity {
			out.Policies = append(out.Policies, simulate.Policy{ID: simulationID(a), Type: simulate.TypeIAMPolicy, Attached: a})
		}
		if boundary != nil {
			out.Boundary = &simulate.Policy{ID: simulationID(*boundary), Type: simulate.TypeIAMPolicy, Attached: *boundary}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// evaluationError reports a stored policy the engine cannot compile (the
// store only holds validated documents, so this is a defect) as IAM's
// PolicyEvaluation error; other errors pass.
func evaluationError(err error) error {
	var e *awserr.Error
	if errors.As(err, &e) && e.Code == "MalformedPolicyDocument" {
		return iamv1.ErrPolicyEvaluation("A policy of the entity could not be evaluated: %s", e.Message)
	}
	return err
}

// simulationID is the SourcePolicyId of one of an entity's policies: a
// managed policy's name (its ARN's last segment), or for an inline policy
// KIND_ENTITY_POLICY, from the name entityPolicies gave it (names hold
// neither '/' nor spaces, so the split is exact).
func simulationID(a policy.Attached) string {
	if a.Origin != policy.OriginInline {
		return a.Name[strings.LastIndexByte(a.Name, '/')+1:]
	}
	entity, policyName, _ := strings.Cut(a.Name, inlineMarker)
	kindName, entityName, _ := strings.Cut(entity, "/")
	return simulate.InlinePolicyID(kindName, entityName, policyName)
}
