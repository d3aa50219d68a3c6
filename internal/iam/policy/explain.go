package policy

import "strings"

// StatementOutcome says how far a statement got in matching a request.
type StatementOutcome uint8

// Statement outcomes: the statement applied, or the first element that did
// not match (Principal, NotPrincipal, Action, Resource, a condition).
const (
	StatementMatched StatementOutcome = iota + 1
	StatementNoPrincipal
	StatementPrincipalExcluded
	StatementNoAction
	StatementNoResource
	StatementConditionFailed
)

func (o StatementOutcome) String() string {
	switch o {
	case StatementMatched:
		return "matched"
	case StatementNoPrincipal:
		return "the Principal element does not name the caller"
	case StatementPrincipalExcluded:
		return "the NotPrincipal element exempts the caller"
	case StatementNoAction:
		return "no Action matches the request action"
	case StatementNoResource:
		return "no Resource matches the request resource"
	case StatementConditionFailed:
		return "a condition is not met"
	}
	return "not evaluated"
}

// StatementTrace records the evaluation of one statement.
type StatementTrace struct {
	Statement *Statement
	Outcome   StatementOutcome
	// Condition is the first condition that failed (Outcome ConditionFailed).
	Condition *Condition
	// RequestValues are the request's values of that condition's key; nil
	// when the key is absent from the request context.
	RequestValues []string
	// Grant describes how a matched resource-based statement names the caller.
	Grant string
}

// PolicyTrace records the evaluation of one policy.
type PolicyTrace struct {
	Kind   PolicyKind
	Policy *Attached
	// Level names the Organizations level (root, OU, account) of an SCP or RCP.
	Level      string
	Statements []StatementTrace
}

// Matched returns the statements of the given effect that applied.
func (pt *PolicyTrace) Matched(eff Effect) []*Statement {
	var out []*Statement
	for i := range pt.Statements {
		s := &pt.Statements[i]
		if s.Outcome == StatementMatched && s.Statement.Effect == eff {
			out = append(out, s.Statement)
		}
	}
	return out
}

// Explanation is a decision with the evaluation of every policy behind it.
type Explanation struct {
	Decision        Decision
	Principal       *Principal
	Action          string
	Resource        string
	ResourceAccount string
	Policies        []PolicyTrace
}

// Trace returns the trace of a policy, or nil if it was not evaluated.
func (x *Explanation) Trace(a *Attached) *PolicyTrace {
	for i := range x.Policies {
		if x.Policies[i].Policy == a {
			return &x.Policies[i]
		}
	}
	return nil
}

// tracer is the optional sink the evaluation reports to.
type tracer struct {
	x   *Explanation
	cur *PolicyTrace
}

func (t *tracer) enter(kind PolicyKind, a *Attached, level string) {
	for i := range t.x.Policies {
		if t.x.Policies[i].Policy == a && t.x.Policies[i].Kind == kind {
			t.cur = &t.x.Policies[i]
			return
		}
	}
	t.x.Policies = append(t.x.Policies, PolicyTrace{Kind: kind, Policy: a, Level: level})
	t.cur = &t.x.Policies[len(t.x.Policies)-1]
}

func (t *tracer) statement(e *evaluation, st *Statement, o StatementOutcome, c *Condition, g grant) {
	if t.cur == nil {
		return
	}
	tr := StatementTrace{Statement: st, Outcome: o, Condition: c}
	if c != nil {
		if vals, ok := e.ctx.lookup(c.key); ok {
			tr.RequestValues = make([]string, len(vals))
			for i := range vals {
				tr.RequestValues[i] = vals[i].Raw
			}
		}
	}
	if o == StatementMatched && st.principal != nil && st.Effect == Allow {
		tr.Grant = g.String()
	}
	// The deny and allow scans visit different statements; keep document order.
	ss := t.cur.Statements
	i := len(ss)
	for i > 0 && ss[i-1].Statement.Index > st.Index {
		i--
	}
	ss = append(ss, StatementTrace{})
	copy(ss[i+1:], ss[i:])
	ss[i] = tr
	t.cur.Statements = ss
}

// policyName names a policy in explanations.
func policyName(kind PolicyKind, a *Attached) string {
	var b strings.Builder
	if kind == KindKeyPolicy {
		b.WriteString("KMS key policy (resource-based policy)")
	} else {
		b.WriteString(kind.String())
	}
	if a != nil {
		if o := a.Origin.String(); o != "" && kind == KindIdentity {
			b.WriteString(" (" + o + ")")
		}
		if a.Name != "" {
			b.WriteString(" " + a.Name)
		}
	}
	return b.String()
}
