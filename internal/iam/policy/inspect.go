package policy

// Helpers for tools (the simulator, GetContextKeys*) that look at single
// policies instead of whole decisions. They use the same matching code as
// Evaluate.

// InScope reports whether the statement's Principal, Action and Resource
// elements cover the request, ignoring its conditions. Statements in scope
// are the ones whose condition keys a simulation needs.
func (st *Statement) InScope(req *Request) bool {
	return st.CoversAction(req) && st.matchesResource(req.Resource, fifthColon(req.Resource), req.Context)
}

// ResourceVariables lists the context keys the statement's Resource (or
// NotResource) patterns refer to through policy variables: without them the
// patterns cannot match, so a simulation that leaves them out needs them.
func (st *Statement) ResourceVariables() []string {
	var out []string
	for i := range st.resources {
		out = append(out, st.resources[i].variables()...)
	}
	return sortedUnique(out)
}

// CoversAction reports whether the statement's Principal and Action elements
// cover the request, ignoring its Resource element and conditions.
func (st *Statement) CoversAction(req *Request) bool {
	var e evaluation
	e.init(req, nil, nil)
	if st.principal != nil {
		if st.NotPrincipal {
			if st.principal.exempts(e.p, st.Effect) {
				return false
			}
		} else if st.principal.grantFor(e.p) == grantNone {
			return false
		}
	}
	return st.matchesAction(&e)
}

// PolicyDecision evaluates one policy on its own, without combining policy
// types: ExplicitDeny when one of its Deny statements applies, Allowed when
// an Allow statement applies, ImplicitDeny otherwise.
func PolicyDecision(req *Request, kind PolicyKind, a *Attached) Outcome {
	var e evaluation
	e.init(req, &Policies{}, nil)
	if e.firstDeny(kind, a, "") != nil {
		return ExplicitDeny
	}
	if st, _ := e.bestAllow(kind, a, ""); st != nil {
		return Allowed
	}
	return ImplicitDeny
}
