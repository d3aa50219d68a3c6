// Package simulate implements IAM's policy simulation (SimulateCustomPolicy,
// and the core SimulatePrincipalPolicy shares) on top of the policy engine,
// and `aws iam simulate-custom-policy --cli-input-json` as an offline command.
//
// The core is Simulate: a Request of named policy documents, actions,
// resources and context entries in, an Output shaped like IAM's
// SimulatePolicyResponse out. The CLI (Main) and the server's IAM operations
// are thin layers over it.
package simulate

import "net/http"

// PolicyInput is a policy document to simulate with the identifiers IAM
// reports for it in MatchedStatements.
type PolicyInput struct {
	// ID is the SourcePolicyId: "PolicyInputList.1" for custom policies, the
	// policy name for a principal's policies.
	ID string
	// Type is the SourcePolicyType, e.g. "IAM Policy" or "Resource Policy".
	Type     string
	Document string
}

// ContextEntry is one simulated context key (the ContextEntry shape).
type ContextEntry struct {
	ContextKeyName   string
	ContextKeyValues []string
	// ContextKeyType is string, stringList, numeric, numericList, boolean,
	// booleanList, ip, ipList, binary, binaryList, date or dateList.
	ContextKeyType string
}

// Request is a simulation: the caller's identity-based policies, an optional
// permissions boundary and resource-based policy, and what to try.
type Request struct {
	Identity []PolicyInput
	// Boundary holds at most one permissions boundary.
	Boundary       []PolicyInput
	ResourcePolicy *PolicyInput
	// ResourceOwner is an account ARN (arn:aws:iam::ACCOUNT:root) owning the
	// resources and the resource policy; it defaults to the caller's account.
	ResourceOwner string
	// CallerArn is the simulated caller (an IAM user, or a role).
	CallerArn              string
	ActionNames            []string
	ResourceArns           []string
	ContextEntries         []ContextEntry
	ResourceHandlingOption string
	// MaxItems and Marker page through EvaluationResults (default 100 items).
	MaxItems int
	Marker   string
	// ResourceTemplate names the ARN format of an action's resource type for
	// the top-level EvalResourceName; nil uses the built-in table.
	ResourceTemplate func(action string, resources []string) string
}

// Output is the SimulatePolicyResponse.
type Output struct {
	EvaluationResults []EvaluationResult
	IsTruncated       bool
	Marker            string
}

// EvaluationResult is the result for one action (members in the model's order).
type EvaluationResult struct {
	EvalActionName                    string
	EvalResourceName                  string
	EvalDecision                      string
	MatchedStatements                 []Statement
	MissingContextValues              []string
	PermissionsBoundaryDecisionDetail *PermissionsBoundaryDecisionDetail
	// EvalDecisionDetails is nil when absent and empty but non-nil when IAM
	// returns an empty map (same-account simulation of specific resources).
	EvalDecisionDetails     map[string]string
	ResourceSpecificResults []ResourceSpecificResult
}

// ResourceSpecificResult is the result for one action on one resource.
type ResourceSpecificResult struct {
	EvalResourceName                  string
	EvalResourceDecision              string
	MatchedStatements                 []Statement
	MissingContextValues              []string
	EvalDecisionDetails               map[string]string
	PermissionsBoundaryDecisionDetail *PermissionsBoundaryDecisionDetail
}

// Statement identifies a statement that decided a result.
type Statement struct {
	SourcePolicyId   string
	SourcePolicyType string
	StartPosition    Position
	EndPosition      Position
}

// Position is a line and column in a policy document.
type Position struct {
	Line   int
	Column int
}

// PermissionsBoundaryDecisionDetail tells whether the boundary allowed.
type PermissionsBoundaryDecisionDetail struct {
	AllowedByPermissionsBoundary bool
}

// Error is an IAM error of the simulation operations.
type Error struct {
	Code    string
	Message string
	Status  int
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func invalidInput(msg string) *Error {
	return &Error{Code: "InvalidInput", Message: msg, Status: http.StatusBadRequest}
}

// Source policy types as IAM reports them.
const (
	TypeIAMPolicy      = "IAM Policy"
	TypeResourcePolicy = "Resource Policy"
)
