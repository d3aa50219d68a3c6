package authz

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/ibemu/ibemu/internal/iam/awsmanaged"
	"github.com/ibemu/ibemu/internal/iam/policy"
)

// Fix is one change to the policies that would let a denied request
// through. Fixes computes them from the engine's trace of the decision.
type Fix struct {
	// Kind is FixAddStatement, FixAttachPolicy, FixSetCondition or
	// FixRemoveDeny.
	Kind string
	// PolicyType is the type of the policy to change, as AccessDenied
	// messages spell it ("identity-based policy", "permissions boundary",
	// "role trust policy", "KMS key policy", …).
	PolicyType string
	// Policy names the policy to change; "" when a new one is needed.
	Policy string
	// Sid names the statement to change or remove ("statement #2" when the
	// statement has no Sid).
	Sid string
	// Text says what to do, in one sentence or two.
	Text string
	// Statement is the JSON statement to add (FixAddStatement).
	Statement string
	// ConditionKey and ConditionValues are the condition key to satisfy and
	// the values that would satisfy it (FixSetCondition).
	ConditionKey    string
	ConditionValues []string
}

// Fix kinds.
const (
	FixAddStatement = "add-statement"
	FixSetCondition = "set-condition-value"
	FixRemoveDeny   = "remove-deny"
	// FixAttachPolicy attaches the AWS managed policy Policy (an ARN).
	FixAttachPolicy = "attach-policy"
)

// Fixes returns the smallest changes that would allow the request the
// explanation x describes, most specific first; nil when it was allowed.
//
//   - An explicit deny: remove (or narrow) every Deny statement that
//     applied, naming its policy and Sid — nothing else helps while one
//     applies.
//   - An implicit deny: for each policy type that must allow and did not
//     (the identity side, a permissions boundary, session policies, SCPs and
//     RCPs, the resource-based policy across accounts, a role trust policy,
//     a KMS key policy), first the Allow statements of that type that almost
//     applied — the condition value to set, the resource or action to add —
//     then a statement to add, as JSON, scoped to the action and resource.
//     AWS managed policies cannot be edited, so none is proposed for a
//     change; when the caller's identity-based policies are all AWS
//     managed, an AWS managed policy that grants the action (the emulator's
//     catalogue, internal/iam/awsmanaged) is proposed for attaching, before
//     the statement to add.
//
// It is a pure function of the trace: nothing is looked up.
func Fixes(x *policy.Explanation) []Fix {
	if x == nil || x.Decision.Outcome == policy.Allowed {
		return nil
	}
	if x.Decision.Outcome == policy.ExplicitDeny {
		return removeDenies(x)
	}
	var out []Fix
	for _, kind := range missingAllows(x) {
		out = append(out, nearMisses(x, kind)...)
		if kind == policy.KindIdentity {
			out = append(out, attachManaged(x)...)
		}
		out = append(out, addStatement(x, kind))
	}
	return out
}

// missingAllows lists the policy types whose Allow the request lacks, the
// deciding one first.
func missingAllows(x *policy.Explanation) []policy.PolicyKind {
	src := x.Decision.Source
	if src == 0 {
		src = policy.KindIdentity
	}
	kinds := []policy.PolicyKind{src}
	p := x.Principal
	identitySide := p != nil && (p.Kind == policy.PrincipalUser || p.Kind == policy.PrincipalAssumedRole || p.Kind == policy.PrincipalFederatedUser)
	switch src {
	case policy.KindIdentity, policy.KindPermissionsBoundary, policy.KindSession:
		// Across accounts the resource-based policy must allow too.
		if x.Decision.CrossAccount && !allowsIn(x, policy.KindResource, policy.KindKeyPolicy, policy.KindTrust) {
			kinds = append(kinds, resourceKindOf(x))
		}
		if src == policy.KindIdentity {
			// The limits apply after the identity side; say so when they
			// would deny as well.
			if hasTrace(x, policy.KindPermissionsBoundary) && !allowsIn(x, policy.KindPermissionsBoundary) {
				kinds = append(kinds, policy.KindPermissionsBoundary)
			}
			if hasTrace(x, policy.KindSession) && !allowsIn(x, policy.KindSession) {
				kinds = append(kinds, policy.KindSession)
			}
		}
	case policy.KindResource, policy.KindKeyPolicy, policy.KindTrust:
		if x.Decision.CrossAccount && identitySide && !allowsIn(x, policy.KindIdentity) {
			kinds = append(kinds, policy.KindIdentity)
		}
	}
	return kinds
}

func resourceKindOf(x *policy.Explanation) policy.PolicyKind {
	for i := range x.Policies {
		switch k := x.Policies[i].Kind; k {
		case policy.KindKeyPolicy, policy.KindTrust:
			return k
		}
	}
	return policy.KindResource
}

func hasTrace(x *policy.Explanation, kind policy.PolicyKind) bool {
	for i := range x.Policies {
		if x.Policies[i].Kind == kind {
			return true
		}
	}
	return false
}

// allowsIn reports whether an Allow statement of one of the kinds applied.
func allowsIn(x *policy.Explanation, kinds ...policy.PolicyKind) bool {
	for i := range x.Policies {
		pt := &x.Policies[i]
		for _, k := range kinds {
			if pt.Kind == k && len(pt.Matched(policy.Allow)) > 0 {
				return true
			}
		}
	}
	return false
}

func removeDenies(x *policy.Explanation) []Fix {
	var out []Fix
	for i := range x.Policies {
		pt := &x.Policies[i]
		for _, st := range pt.Matched(policy.Deny) {
			name := attachedName(pt.Policy)
			f := Fix{Kind: FixRemoveDeny, PolicyType: kindName(pt.Kind), Policy: name, Sid: st.Label()}
			where := kindName(pt.Kind)
			if name != "" {
				where += " " + name
			}
			if pt.Level != "" {
				where += " at " + pt.Level
			}
			f.Text = "Remove " + st.Label() + " (Deny) from " + where + ", or narrow its Action, Resource or Condition so that it no longer matches " + x.Action + " on " + x.Resource + "."
			out = append(out, f)
		}
	}
	return out
}

// nearMisses turns the Allow statements of kind that failed on one element
// into the change that would make them apply.
func nearMisses(x *policy.Explanation, kind policy.PolicyKind) []Fix {
	var out []Fix
	for i := range x.Policies {
		pt := &x.Policies[i]
		if pt.Kind != kind || awsmanaged.IsAWSManagedARN(attachedName(pt.Policy)) {
			// An AWS managed policy cannot be edited.
			continue
		}
		for j := range pt.Statements {
			s := &pt.Statements[j]
			st := s.Statement
			if st.Effect != policy.Allow {
				continue
			}
			f := Fix{PolicyType: kindName(kind), Policy: attachedName(pt.Policy), Sid: st.Label()}
			where := st.Label() + " of " + describePolicy(pt)
			switch s.Outcome {
			case policy.StatementConditionFailed:
				c := s.Condition
				if c == nil {
					continue
				}
				f.Kind = FixSetCondition
				f.ConditionKey = c.Key
				if len(s.RequestValues) == 0 {
					f.ConditionValues = c.Values
					f.Text = where + " would allow the request, but its condition " + c.Operator + " on " + c.Key + " needs " + quoted(c.Values) + " and the request has no " + c.Key + ". Send " + c.Key + " with one of those values, or change the condition."
				} else {
					f.ConditionValues = s.RequestValues
					f.Text = where + " would allow the request, but its condition " + c.Operator + " on " + c.Key + " expects " + quoted(c.Values) + " and the request has " + quoted(s.RequestValues) + ". Set " + c.Key + " to one of the expected values, or add " + quoted(s.RequestValues) + " to the condition's values."
				}
			case policy.StatementNoResource:
				if st.NotResource {
					continue
				}
				f.Kind = FixAddStatement
				f.Text = where + " allows " + x.Action + " but not on this resource: add " + strconv.Quote(x.Resource) + " to its Resource element (it names " + quoted(st.Resources) + ")."
			case policy.StatementNoAction:
				if st.NotAction || !statementAllowsResource(st) {
					continue
				}
				f.Kind = FixAddStatement
				f.Text = where + " covers the resource but not the action: add " + strconv.Quote(x.Action) + " to its Action element (it names " + quoted(st.Actions) + ")."
			default:
				continue
			}
			out = append(out, f)
		}
	}
	return out
}

// attachManaged proposes, when the caller's identity-based policies are all
// AWS managed (which cannot be edited), the narrowest AWS managed policy of
// the catalogue (the shortest document, not a grant of every action) that
// alone allows the request.
func attachManaged(x *policy.Explanation) []Fix {
	if x.Principal == nil {
		return nil
	}
	attached := map[string]bool{}
	for i := range x.Policies {
		name := attachedName(x.Policies[i].Policy)
		if x.Policies[i].Kind == policy.KindIdentity && !awsmanaged.IsAWSManagedARN(name) {
			// A policy of the caller's own can take the statement.
			return nil
		}
		attached[name] = true
	}
	if len(attached) == 0 {
		return nil
	}
	resource := x.Resource
	if resource == "" {
		resource = "*"
	}
	var best *awsmanaged.Policy
	for _, m := range awsmanaged.All() {
		if m.Parsed == nil || attached[m.ARN] || (best != nil && len(m.Document) >= len(best.Document)) {
			continue
		}
		allows := func(action string) bool {
			rctx := policy.NewContext()
			rctx.AddPrincipalKeys(x.Principal)
			req := &policy.Request{Principal: x.Principal, Action: action, Resource: resource, Context: rctx}
			return policy.Evaluate(req, &policy.Policies{Identity: []policy.Attached{{Policy: m.Parsed, Name: m.ARN}}}).Allowed()
		}
		// A policy that allows an action of no service at all (Action "*",
		// a broad NotAction: AdministratorAccess, PowerUserAccess) is not
		// a fix to propose.
		if allows(x.Action) && !allows("nosuchservice:NoSuchAction") {
			best = m
		}
	}
	if best == nil {
		return nil
	}
	api := "iam:AttachUserPolicy"
	if x.Principal.Kind == policy.PrincipalAssumedRole {
		api = "iam:AttachRolePolicy"
	}
	return []Fix{{Kind: FixAttachPolicy, PolicyType: kindName(policy.KindIdentity), Policy: best.ARN,
		Text: "Attach the AWS managed policy " + best.ARN + " to " + principalForPolicy(x.Principal) + " (" + api + "): it allows " + x.Action + "."}}
}

// statementAllowsResource is a cheap guess that a statement's Resource
// covers "everything" in the sense of the near-miss: only "*" counts, so a
// statement about unrelated resources is not suggested for a new action.
func statementAllowsResource(st *policy.Statement) bool {
	for _, r := range st.Resources {
		if r == "*" {
			return true
		}
	}
	return len(st.Resources) == 0
}

// addStatement is the statement to add to a policy of kind.
func addStatement(x *policy.Explanation, kind policy.PolicyKind) Fix {
	stmt := map[string]any{"Effect": "Allow", "Action": x.Action}
	resource := x.Resource
	if resource == "" {
		resource = "*"
	}
	p := x.Principal
	who := principalForPolicy(p)
	f := Fix{Kind: FixAddStatement, PolicyType: kindName(kind)}
	var text string
	switch kind {
	case policy.KindResource:
		stmt["Principal"] = map[string]string{"AWS": who}
		stmt["Resource"] = resource
		f.Policy = "resource-based policy of " + resource
		text = "Add this statement to the resource-based policy of " + resource + " (" + resourcePolicyAPI(x.Action, resource) + "), naming the caller"
		if x.Decision.CrossAccount {
			text += " from account " + principalAccount(p)
		}
	case policy.KindKeyPolicy:
		stmt["Principal"] = map[string]string{"AWS": who}
		stmt["Resource"] = "*"
		f.Policy = "key policy of " + resource
		text = "Add this statement to the key policy of " + resource + " (kms:PutKeyPolicy): a KMS key policy must allow the caller or its account before identity-based policies count"
	case policy.KindTrust:
		stmt["Principal"] = map[string]string{"AWS": who}
		f.Policy = "trust policy of " + resource
		text = "Add this statement to the trust policy of role " + resource + " (iam:UpdateAssumeRolePolicy)"
	case policy.KindPermissionsBoundary:
		stmt["Resource"] = resource
		f.Policy = attachedNameOfKind(x, kind)
		text = "Add this statement to the permissions boundary " + f.Policy + " (or remove the boundary from " + who + "): a boundary limits what identity-based policies can grant"
	case policy.KindSession:
		stmt["Resource"] = resource
		text = "Pass a session policy that allows the action when creating the session (the Policy or PolicyArns parameter of sts:AssumeRole or GetFederationToken), for example this statement, or create the session without session policies"
	case policy.KindServiceControl, policy.KindResourceControl:
		stmt["Resource"] = resource
		text = "Add this statement to a " + kindName(kind) + " at every level of the organization that does not allow the action"
	default:
		stmt["Resource"] = resource
		text = "Add this statement to an identity-based policy of " + who + " (for example an inline policy: " + inlinePolicyAPI(p) + ")"
	}
	raw, _ := json.MarshalIndent(orderedStatement(stmt), "", "  ")
	f.Statement = string(raw)
	f.Text = text + "."
	return f
}

// orderedStatement keeps Effect, Principal, Action, Resource in the order
// people write them.
func orderedStatement(m map[string]any) json.Marshaler {
	return statementJSON(m)
}

type statementJSON map[string]any

func (s statementJSON) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	first := true
	for _, k := range []string{"Effect", "Principal", "Action", "Resource"} {
		v, ok := s[k]
		if !ok {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		kb, _ := json.Marshal(k)
		vb, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

// principalForPolicy is how a policy names the caller: the role for a role
// session (a policy naming the session ARN stops matching the next
// session), the ARN otherwise.
func principalForPolicy(p *policy.Principal) string {
	if p == nil {
		return "*"
	}
	if p.Kind == policy.PrincipalAssumedRole && p.RoleARN != "" {
		return p.RoleARN
	}
	return p.DisplayARN()
}

func principalAccount(p *policy.Principal) string {
	if p == nil {
		return ""
	}
	return p.Account
}

func inlinePolicyAPI(p *policy.Principal) string {
	if p != nil && p.Kind == policy.PrincipalAssumedRole {
		return "iam:PutRolePolicy"
	}
	return "iam:PutUserPolicy"
}

// resourcePolicyAPI names the API that sets the resource-based policy of a
// resource.
func resourcePolicyAPI(action, resource string) string {
	a, _ := ParseARN(resource)
	switch a.Service {
	case "s3":
		return "s3:PutBucketPolicy on the bucket"
	case "imagebuilder":
		switch {
		case strings.HasPrefix(a.Resource, "component/"):
			return "imagebuilder:PutComponentPolicy"
		case strings.HasPrefix(a.Resource, "image/"):
			return "imagebuilder:PutImagePolicy"
		case strings.HasPrefix(a.Resource, "image-recipe/"):
			return "imagebuilder:PutImageRecipePolicy"
		case strings.HasPrefix(a.Resource, "container-recipe/"):
			return "imagebuilder:PutContainerRecipePolicy"
		}
	case "kms":
		return "kms:PutKeyPolicy"
	}
	return "the service's Put…Policy operation"
}

func attachedName(a *policy.Attached) string {
	if a == nil {
		return ""
	}
	return a.Name
}

func attachedNameOfKind(x *policy.Explanation, kind policy.PolicyKind) string {
	for i := range x.Policies {
		if x.Policies[i].Kind == kind {
			if n := attachedName(x.Policies[i].Policy); n != "" {
				return n
			}
		}
	}
	return ""
}

func describePolicy(pt *policy.PolicyTrace) string {
	s := kindName(pt.Kind)
	if n := attachedName(pt.Policy); n != "" {
		s += " " + n
	}
	if pt.Level != "" {
		s += " at " + pt.Level
	}
	return s
}

// kindName names a policy type; a KMS key policy by its own name.
func kindName(k policy.PolicyKind) string {
	if k == policy.KindKeyPolicy {
		return "KMS key policy"
	}
	return k.String()
}

func quoted(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = strconv.Quote(v)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
