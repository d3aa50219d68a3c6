package policy

// Request is one authorization question: may this principal perform this
// action on this resource, given this request context.
type Request struct {
	Principal *Principal
	// Action is "service:Operation", e.g. "imagebuilder:GetComponent".
	Action string
	// Resource is the resource ARN, or "*" for actions without a resource.
	Resource string
	// ResourceAccount owns the resource (and its resource-based policy). When
	// empty the resource is taken to be in the principal's account.
	ResourceAccount string
	// Context holds the condition keys. It should already contain the
	// principal's global keys (see Context.AddPrincipalKeys).
	Context *Context
}

// Attached is a policy as it applies to a request, with the name that
// explanations use for it (a policy ARN, or "user/alice inline policy x").
type Attached struct {
	Policy *Policy
	Origin Origin
	Name   string
}

// Policies are the policies that apply to a request, by type.
type Policies struct {
	// Identity are the caller's identity-based policies: attached managed
	// policies, inline policies and the policies of the user's groups.
	Identity []Attached
	// Resource is the resource-based policy of the requested resource, or the
	// trust policy of the role being assumed (Policy.Kind == KindTrust).
	Resource *Attached
	// Boundary is the caller's permissions boundary.
	Boundary *Attached
	// Session are the session policies passed when the session was created.
	Session []Attached
	// Organizations supplies service and resource control policies; nil means
	// the accounts are not in an organization and nothing is restricted.
	Organizations OrganizationsPolicies
}

// OrganizationsPolicies is where AWS Organizations plugs in. Each method
// returns the policy hierarchy that applies to an account, from the
// organization root down to the account; nil means none applies. Every level
// must allow a request, and an explicit deny at any level wins ("How AWS
// enforcement code logic evaluates requests to allow or deny access").
type OrganizationsPolicies interface {
	// ServiceControlPolicies apply to the principals of an account.
	ServiceControlPolicies(account string) []OrgLevel
	// ResourceControlPolicies apply to the resources of an account.
	ResourceControlPolicies(account string) []OrgLevel
}

// OrgLevel is one level of an Organizations hierarchy.
type OrgLevel struct {
	// Target names the level: an organization root, OU or account ID.
	Target   string
	Policies []Attached
}

// Outcome is the result of an evaluation.
type Outcome uint8

const (
	// ImplicitDeny: nothing allowed the request.
	ImplicitDeny Outcome = iota
	// Allowed: the request is allowed.
	Allowed
	// ExplicitDeny: a Deny statement applied.
	ExplicitDeny
)

// String is the outcome as the simulator spells it.
func (o Outcome) String() string {
	switch o {
	case Allowed:
		return "allowed"
	case ExplicitDeny:
		return "explicitDeny"
	}
	return "implicitDeny"
}

// Decision is the answer to a Request. It only points into the inputs, so
// producing it does not allocate; Explain gives the full story.
type Decision struct {
	Outcome Outcome
	// Source is the policy type that decided: the type whose Deny applied,
	// whose Allow granted, or (implicit deny) the type that did not allow.
	// It is zero when the account root user is allowed without any policy.
	Source PolicyKind
	// Policy and Statement are the deciding policy and statement (nil for an
	// implicit deny, and for the root user's default allow).
	Policy    *Attached
	Statement *Statement
	// CrossAccount is set when the resource is in another account.
	CrossAccount bool
}

// Allowed reports whether the request is allowed.
func (d Decision) Allowed() bool { return d.Outcome == Allowed }
