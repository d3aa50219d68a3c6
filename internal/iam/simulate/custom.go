package simulate

import (
	"sort"

	"github.com/ibemu/ibemu/internal/iam/policy"
	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
)

// ContextKeysForCustomPolicy answers GetContextKeysForCustomPolicy: the
// condition keys and policy variables the documents refer to.
func ContextKeysForCustomPolicy(req *iamv1.GetContextKeysForCustomPolicyRequest) (*iamv1.GetContextKeysForPolicyResponse, error) {
	return contextKeys(nil, req.GetPolicyInputList())
}

// ContextKeysForPrincipalPolicy answers GetContextKeysForPrincipalPolicy:
// the keys of the entity's policies (those a simulation of it evaluates,
// its permissions boundary included) and of the request's PolicyInputList.
func ContextKeysForPrincipalPolicy(req *iamv1.GetContextKeysForPrincipalPolicyRequest, p *Principal) (*iamv1.GetContextKeysForPolicyResponse, error) {
	return contextKeys(p, req.GetPolicyInputList())
}

// contextKeys lists the keys sorted (in byte order, as
// policy.Policy.ContextKeys sorts), each once: keys compare
// case-insensitively, and the first spelling met is kept.
func contextKeys(p *Principal, docs []string) (*iamv1.GetContextKeysForPolicyResponse, error) {
	var pols []*policy.Policy
	if p != nil {
		for i := range p.Policies {
			pols = append(pols, p.Policies[i].Attached.Policy)
		}
		if p.Boundary != nil {
			pols = append(pols, p.Boundary.Attached.Policy)
		}
	}
	for _, doc := range docs {
		pol, err := parsePolicy(doc, policy.KindIdentity)
		if err != nil {
			return nil, err
		}
		pols = append(pols, pol)
	}
	var keys []string
	for _, pol := range pols {
		keys = appendKeys(keys, pol.ContextKeys())
	}
	sort.Strings(keys)
	return &iamv1.GetContextKeysForPolicyResponse{ContextKeyNames: keys}, nil
}
