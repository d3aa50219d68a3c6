// Package simulate implements IAM's policy simulation on top of the policy
// engine: SimulateCustomPolicy, SimulatePrincipalPolicy,
// GetContextKeysForCustomPolicy and GetContextKeysForPrincipalPolicy, and
// the AWS CLI's `simulate-custom-policy` (offline) and
// `simulate-principal-policy` (through a caller of a running emulator)
// commands with their flags and json, text and table outputs.
//
// The package works on the generated API shapes (proto/iam/v1): a request
// message in, the response message out, so that the IAM service's
// operations, the offline command and the tests share one definition of
// the API and one implementation of it. The server passes the request it
// decoded (and, for the principal operations, the entity's policies as the
// IAM service loads them for live enforcement); the offline command decodes
// its JSON input into a SimulateCustomPolicyRequest and prints the
// SimulatePolicyResponse the way the AWS CLI prints it.
package simulate

import (
	"github.com/ibemu/ibemu/internal/iam/policy"
	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
)

// Params are the request members SimulateCustomPolicy and
// SimulatePrincipalPolicy share, read through the generated messages'
// getters: *iamv1.SimulateCustomPolicyRequest and
// *iamv1.SimulatePrincipalPolicyRequest are both Params. The model forbids
// empty strings in these members (length ≥ 1), so "" means absent.
type Params interface {
	GetPolicyInputList() []string
	GetPermissionsBoundaryPolicyInputList() []string
	GetActionNames() []string
	GetResourceArns() []string
	GetResourcePolicy() string
	GetResourceOwner() string
	GetCallerArn() string
	GetContextEntries() []*iamv1.ContextEntry
	GetResourceHandlingOption() string
	GetMaxItems() int32
	GetMarker() string
}

var (
	_ Params = (*iamv1.SimulateCustomPolicyRequest)(nil)
	_ Params = (*iamv1.SimulatePrincipalPolicyRequest)(nil)
)

// Principal is the IAM user, group or role named by a PolicySourceArn, with
// the policies that apply to it as the IAM service loads them for live
// enforcement (authz.Identities), each named as IAM reports it.
type Principal struct {
	// Kind is "user", "group" or "role".
	Kind string
	// ARN is the entity's ARN and Account its account.
	ARN     string
	Account string
	// Name is the entity's name.
	Name string
	// Policies are the identity-based policies: for a user its attached
	// managed and inline policies and those of its groups.
	Policies []Policy
	// Boundary is the entity's permissions boundary, or nil.
	Boundary *Policy
}

// Policy is a compiled policy with the identifiers IAM reports for it in
// MatchedStatements.
type Policy struct {
	// ID is the SourcePolicyId: "PolicyInputList.1" for a policy given in
	// the request, a managed policy's name, or KIND_ENTITY_NAME for an
	// inline policy (see InlinePolicyID).
	ID string
	// Type is the SourcePolicyType (TypeIAMPolicy, TypeResourcePolicy).
	Type     string
	Attached policy.Attached
}

// Source policy types as IAM reports them. The model's PolicySourceType
// enum (user, group, role, aws-managed, user-managed, resource, none) is not
// what the service sends: it reports "IAM Policy" for every identity-based
// policy and permissions boundary, and "Resource Policy" for the
// ResourcePolicy (observed in the AWS CLI's documented output and in SDKs
// that had to accept the undocumented value).
const (
	TypeIAMPolicy      = "IAM Policy"
	TypeResourcePolicy = "Resource Policy"
)

// InlinePolicyID is the SourcePolicyId IAM gives an entity's inline policy
// in SimulatePrincipalPolicy: the entity kind, the entity name and the
// policy name joined by "_" (e.g. "user_alice_ReadOnly"; the Terraform AWS
// provider's acceptance test of aws_iam_principal_policy_simulation checks
// "user_NAME_POLICY" against AWS). A managed policy is reported by its name.
func InlinePolicyID(kind, entity, policyName string) string {
	return kind + "_" + entity + "_" + policyName
}
