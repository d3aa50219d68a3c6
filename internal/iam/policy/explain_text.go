package policy

import (
	"strconv"
	"strings"
)

// String renders the explanation for humans: the decision, the request, and
// for every evaluated policy each statement's outcome, down to the condition
// key and values that failed.
func (x *Explanation) String() string {
	var b strings.Builder
	d := x.Decision
	b.WriteString("Decision: ")
	b.WriteString(d.Outcome.String())
	switch {
	case d.Outcome == Allowed && d.Statement == nil:
		b.WriteString(" (the account root user is not limited by identity-based policies)")
	case d.Statement != nil:
		verb := " by "
		if d.Outcome == ExplicitDeny {
			verb = ": explicit deny in "
		}
		b.WriteString(verb + policyName(d.Source, d.Policy) + ", " + d.Statement.Label())
	default:
		b.WriteString(" (" + denialReason(d, x.Action) + ")")
	}
	b.WriteByte('\n')

	who := "anonymous"
	if x.Principal != nil {
		who = x.Principal.DisplayARN() + " (" + x.Principal.Kind.String() + ")"
	}
	b.WriteString("Request: " + who + " performs " + x.Action + " on " + x.Resource + "\n")
	if x.ResourceAccount != "" {
		scope := "same account"
		if d.CrossAccount {
			scope = "cross-account: both the caller's identity-based policies and the resource-based policy must allow"
		}
		b.WriteString("Resource account: " + x.ResourceAccount + " (" + scope + ")\n")
	}
	if len(x.Policies) == 0 {
		b.WriteString("No policies apply to this request.\n")
		return b.String()
	}
	b.WriteString("Policies:\n")
	for i := range x.Policies {
		pt := &x.Policies[i]
		b.WriteString("  " + policyName(pt.Kind, pt.Policy))
		if pt.Level != "" {
			b.WriteString(" at " + pt.Level)
		}
		b.WriteByte('\n')
		if len(pt.Statements) == 0 {
			b.WriteString("    no statement of the evaluated effect\n")
		}
		for j := range pt.Statements {
			writeStatementTrace(&b, &pt.Statements[j])
		}
	}
	return b.String()
}

func writeStatementTrace(b *strings.Builder, s *StatementTrace) {
	st := s.Statement
	b.WriteString("    " + st.Label() + " (" + st.Effect.String() + ", line " + strconv.Itoa(st.Start.Line) + "): ")
	switch s.Outcome {
	case StatementMatched:
		b.WriteString("applies")
		if s.Grant != "" {
			b.WriteString("; its Principal names " + s.Grant)
		}
	case StatementNoAction:
		b.WriteString(s.Outcome.String() + " (" + elementName("Action", st.NotAction) + " " + strings.Join(st.Actions, ", ") + ")")
	case StatementNoResource:
		b.WriteString(s.Outcome.String() + " (" + elementName("Resource", st.NotResource) + " " + strings.Join(st.Resources, ", ") + ")")
	case StatementNoPrincipal, StatementPrincipalExcluded:
		b.WriteString(s.Outcome.String() + " (" + elementName("Principal", st.NotPrincipal) + " " + st.Principal + ")")
	case StatementConditionFailed:
		b.WriteString(describeConditionFailure(s))
	default:
		b.WriteString(s.Outcome.String())
	}
	b.WriteByte('\n')
}

func elementName(name string, negated bool) string {
	if negated {
		return "Not" + name
	}
	return name
}

func describeConditionFailure(s *StatementTrace) string {
	c := s.Condition
	if c == nil {
		return s.Outcome.String()
	}
	msg := "condition " + c.Operator + " on " + c.Key + " is not met: policy values " + quoteList(c.Values)
	if s.RequestValues == nil {
		return msg + ", the key is not in the request context"
	}
	msg += ", request values " + quoteList(s.RequestValues)
	if c.null || c.qualifier != qualNone {
		empty := true
		for _, v := range s.RequestValues {
			empty = empty && v == ""
		}
		if empty {
			// Null and the set operators read empty values as a null dataset.
			msg += " (empty, which counts as a null value)"
		}
	}
	return msg
}

func quoteList(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = strconv.Quote(v)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// FailedConditions lists, for the policies of one kind, every statement whose
// condition failed: "Sid: Operator Key (request values)". It is a compact
// form for decision logs.
func (x *Explanation) FailedConditions(kind PolicyKind) []string {
	var out []string
	for i := range x.Policies {
		pt := &x.Policies[i]
		if pt.Kind != kind {
			continue
		}
		for j := range pt.Statements {
			s := &pt.Statements[j]
			if s.Outcome == StatementConditionFailed && s.Condition != nil {
				out = append(out, s.Statement.Label()+": "+describeConditionFailure(s))
			}
		}
	}
	return out
}
