package policy

// Evaluate decides a request exactly as AWS documents it ("Policy evaluation
// logic", "Cross-account policy evaluation logic", "Permissions boundaries
// for IAM entities"):
//
//  1. An explicit Deny in any applicable policy wins: service and resource
//     control policies, the resource-based policy, identity-based policies,
//     the permissions boundary and session policies.
//  2. Every level of applicable SCPs and RCPs must allow.
//  3. Within one account an Allow from the identity side (identity-based
//     policies, limited by the boundary and session policies) or from the
//     resource-based policy suffices; how far a resource-based Allow reaches
//     depends on how it names the caller (see grant). Role trust policies must
//     allow the caller themselves.
//  4. Across accounts both the caller's identity side and the resource-based
//     policy must allow.
//
// Evaluate does not allocate; Explain runs the same code with a tracer.
func Evaluate(req *Request, pols *Policies) Decision {
	var e evaluation
	e.init(req, pols, nil)
	return e.decide()
}

// Explain evaluates the request like Evaluate and records why every policy
// did or did not apply. Its Decision always equals Evaluate's.
func Explain(req *Request, pols *Policies) *Explanation {
	x := &Explanation{}
	var e evaluation
	e.init(req, pols, &tracer{x: x})
	x.Decision = e.decide()
	caller := *e.p
	x.Principal = &caller
	x.Action = e.action
	x.Resource = e.res
	x.ResourceAccount = e.resAccount
	return x
}

var (
	anonymous  = Principal{Kind: PrincipalAnonymous}
	noPolicies = Policies{}
)

type evaluation struct {
	p          *Principal
	pols       *Policies
	ctx        *Context
	action     string
	svc        string
	name       string
	svcLower   bool
	res        string
	resLimit   int
	resAccount string
	cross      bool
	tr         *tracer
}

func (e *evaluation) init(req *Request, pols *Policies, tr *tracer) {
	e.tr = tr
	e.p = req.Principal
	if e.p == nil {
		e.p = &anonymous
	}
	e.pols = pols
	if e.pols == nil {
		e.pols = &noPolicies
	}
	e.ctx = req.Context
	e.action = req.Action
	e.svc, e.name = "", e.action
	for i := 0; i < len(e.action); i++ {
		if e.action[i] == ':' {
			e.svc, e.name = e.action[:i], e.action[i+1:]
			break
		}
	}
	e.svcLower = lowerASCII(e.svc)
	e.res = req.Resource
	e.resLimit = fifthColon(e.res)
	e.resAccount = req.ResourceAccount
	if e.resAccount == "" {
		e.resAccount = e.p.Account
	}
	e.cross = e.p.hasAccount() && e.resAccount != "" && e.resAccount != e.p.Account
}

// applies evaluates one statement against the request. For statements with a
// Principal element it returns how the caller is named; grantDirect otherwise.
func (e *evaluation) applies(kind PolicyKind, st *Statement) grant {
	g := grantDirect
	if st.principal != nil {
		if st.NotPrincipal {
			excluded := st.principal.exempts(e.p, st.Effect)
			// "Permissions boundaries for IAM entities": NotPrincipal with Deny
			// always denies IAM principals that have a permissions boundary.
			if excluded && st.Effect == Deny && e.pols.Boundary != nil && e.p.hasIdentityPolicies() {
				excluded = false
			}
			if excluded {
				e.trace(st, StatementPrincipalExcluded, nil, grantNone)
				return grantNone
			}
		} else if g = st.principal.grantFor(e.p); g == grantNone {
			e.trace(st, StatementNoPrincipal, nil, grantNone)
			return grantNone
		}
	}
	if !st.matchesAction(e) {
		e.trace(st, StatementNoAction, nil, grantNone)
		return grantNone
	}
	if !st.matchesResource(e.res, e.resLimit, e.ctx) {
		e.trace(st, StatementNoResource, nil, grantNone)
		return grantNone
	}
	for i := range st.Conditions {
		if !st.Conditions[i].eval(e.ctx) {
			e.trace(st, StatementConditionFailed, &st.Conditions[i], grantNone)
			return grantNone
		}
	}
	e.trace(st, StatementMatched, nil, g)
	return g
}

func (e *evaluation) trace(st *Statement, o StatementOutcome, c *Condition, g grant) {
	if e.tr != nil {
		e.tr.statement(e, st, o, c, g)
	}
}

// firstDeny returns the first Deny statement of a policy that applies.
func (e *evaluation) firstDeny(kind PolicyKind, a *Attached, level string) *Statement {
	if a == nil || a.Policy == nil {
		return nil
	}
	if e.tr != nil {
		e.tr.enter(kind, a, level)
	}
	var found *Statement
	for _, st := range a.Policy.denies.candidates(e.svc, e.svcLower, e.tr != nil) {
		if e.applies(kind, st) != grantNone {
			if found == nil {
				found = st
			}
			if e.tr == nil {
				break
			}
		}
	}
	return found
}

// bestAllow returns the Allow statement that names the caller most directly
// (the first one, for policies without principals).
func (e *evaluation) bestAllow(kind PolicyKind, a *Attached, level string) (*Statement, grant) {
	if a == nil || a.Policy == nil {
		return nil, grantNone
	}
	if e.tr != nil {
		e.tr.enter(kind, a, level)
	}
	var found *Statement
	best := grantNone
	for _, st := range a.Policy.allows.candidates(e.svc, e.svcLower, e.tr != nil) {
		if g := e.applies(kind, st); g > best {
			found, best = st, g
			if best == grantDirect && e.tr == nil {
				break
			}
		}
	}
	return found, best
}

// resourceKind is the role the resource-based policy plays.
func (e *evaluation) resourceKind() PolicyKind {
	if r := e.pols.Resource; r != nil && r.Policy != nil {
		switch r.Policy.Kind {
		case KindTrust, KindResourceControl, KindKeyPolicy:
			return r.Policy.Kind
		}
	}
	return KindResource
}

func (e *evaluation) orgLevels() (scp, rcp []OrgLevel) {
	org := e.pols.Organizations
	if org == nil {
		return nil, nil
	}
	if e.p.hasAccount() {
		scp = org.ServiceControlPolicies(e.p.Account)
	}
	// RCPs limit every principal acting on the account's resources, AWS
	// service principals included ("Policy evaluation logic"; the
	// Organizations RCP examples deny service principals by condition). The
	// exemptions AWS lists, the management account and service-linked roles,
	// are for the OrganizationsPolicies implementation to apply.
	if e.resAccount != "" {
		rcp = org.ResourceControlPolicies(e.resAccount)
	}
	return scp, rcp
}

type denyHit struct {
	kind PolicyKind
	a    *Attached
	st   *Statement
}

func (h *denyHit) note(kind PolicyKind, a *Attached, st *Statement) {
	if st != nil && h.st == nil {
		*h = denyHit{kind: kind, a: a, st: st}
	}
}

// done tells the scans to stop once a deny is known, except when tracing.
func (e *evaluation) done(h *denyHit) bool { return h.st != nil && e.tr == nil }

func (e *evaluation) findDeny(scp, rcp []OrgLevel, rkind PolicyKind) denyHit {
	var h denyHit
	for i := range scp {
		for j := range scp[i].Policies {
			a := &scp[i].Policies[j]
			h.note(KindServiceControl, a, e.firstDeny(KindServiceControl, a, scp[i].Target))
			if e.done(&h) {
				return h
			}
		}
	}
	for i := range rcp {
		for j := range rcp[i].Policies {
			a := &rcp[i].Policies[j]
			h.note(KindResourceControl, a, e.firstDeny(KindResourceControl, a, rcp[i].Target))
			if e.done(&h) {
				return h
			}
		}
	}
	h.note(rkind, e.pols.Resource, e.firstDeny(rkind, e.pols.Resource, ""))
	if e.done(&h) || !e.p.hasIdentityPolicies() {
		return h
	}
	for i := range e.pols.Identity {
		a := &e.pols.Identity[i]
		if e.tr == nil && (a.Policy == nil || len(a.Policy.denies.all) == 0) {
			// Most identity-based policies only allow: nothing to scan
			// (tracing still enters every policy).
			continue
		}
		h.note(KindIdentity, a, e.firstDeny(KindIdentity, a, ""))
		if e.done(&h) {
			return h
		}
	}
	h.note(KindPermissionsBoundary, e.pols.Boundary, e.firstDeny(KindPermissionsBoundary, e.pols.Boundary, ""))
	if e.done(&h) || !e.p.isSession() {
		return h
	}
	for i := range e.pols.Session {
		a := &e.pols.Session[i]
		h.note(KindSession, a, e.firstDeny(KindSession, a, ""))
		if e.done(&h) {
			return h
		}
	}
	return h
}

// levelsAllow reports whether every level has an applicable Allow.
func (e *evaluation) levelsAllow(kind PolicyKind, levels []OrgLevel) bool {
	ok := true
	for i := range levels {
		allowed := false
		for j := range levels[i].Policies {
			if st, _ := e.bestAllow(kind, &levels[i].Policies[j], levels[i].Target); st != nil {
				allowed = true
				if e.tr == nil {
					break
				}
			}
		}
		if !allowed {
			ok = false
			if e.tr == nil {
				return false
			}
		}
	}
	return ok
}

// facts are what the allow phase found; combine turns them into a decision.
type facts struct {
	root, identitySide, cross bool

	idPol  *Attached
	idStmt *Statement

	boundary bool
	bStmt    *Statement

	session, federatedUser, sessionPolicies bool
	sStmt                                   *Statement

	rPol   *Attached
	rKind  PolicyKind
	rStmt  *Statement
	rGrant grant
}

func (e *evaluation) decide() Decision {
	scp, rcp := e.orgLevels()
	rkind := e.resourceKind()
	if h := e.findDeny(scp, rcp, rkind); h.st != nil {
		return Decision{Outcome: ExplicitDeny, Source: h.kind, Policy: h.a, Statement: h.st, CrossAccount: e.cross}
	}
	if !e.levelsAllow(KindServiceControl, scp) {
		return Decision{Outcome: ImplicitDeny, Source: KindServiceControl, CrossAccount: e.cross}
	}
	if !e.levelsAllow(KindResourceControl, rcp) {
		return Decision{Outcome: ImplicitDeny, Source: KindResourceControl, CrossAccount: e.cross}
	}
	f := facts{
		root:         e.p.Kind == PrincipalRoot,
		identitySide: e.p.hasIdentityPolicies(),
		cross:        e.cross,
		rPol:         e.pols.Resource,
		rKind:        rkind,
	}
	f.rStmt, f.rGrant = e.bestAllow(rkind, e.pols.Resource, "")
	if f.identitySide {
		for i := range e.pols.Identity {
			a := &e.pols.Identity[i]
			if st, _ := e.bestAllow(KindIdentity, a, ""); st != nil && f.idStmt == nil {
				f.idPol, f.idStmt = a, st
				if e.tr == nil {
					break
				}
			}
		}
		if b := e.pols.Boundary; b != nil && b.Policy != nil {
			f.boundary = true
			f.bStmt, _ = e.bestAllow(KindPermissionsBoundary, b, "")
		}
		if e.p.isSession() {
			f.session = true
			f.federatedUser = e.p.Kind == PrincipalFederatedUser
			// The inline and managed session policies pass the session step
			// together, like identity-based policies: an Allow in any one of
			// them. The documentation only speaks of "the session policies" as
			// a whole; this is the reading that keeps order irrelevant.
			for i := range e.pols.Session {
				a := &e.pols.Session[i]
				if a.Policy == nil {
					continue
				}
				f.sessionPolicies = true
				if st, _ := e.bestAllow(KindSession, a, ""); st != nil && f.sStmt == nil {
					f.sStmt = st
					if e.tr == nil {
						break
					}
				}
			}
		}
	}
	return f.combine()
}

// limitsAllow: the permissions boundary and session policies, which limit
// grants through the caller's role or federating user.
func (f *facts) limitsAllow() (bool, PolicyKind) {
	if f.root {
		return true, 0
	}
	if f.boundary && f.bStmt == nil {
		return false, KindPermissionsBoundary
	}
	if f.session {
		switch {
		case f.sessionPolicies && f.sStmt == nil:
			return false, KindSession
		case !f.sessionPolicies && f.federatedUser:
			// A federated user session without session policies has no
			// permissions of its own ("Session policies" in the evaluation flow).
			return false, KindSession
		}
	}
	return true, 0
}

// callerAllows: the identity side of the caller's account.
func (f *facts) callerAllows() (bool, PolicyKind) {
	if f.root {
		return true, 0
	}
	if !f.identitySide || f.idStmt == nil {
		return false, KindIdentity
	}
	return f.limitsAllow()
}

func (f *facts) combine() Decision {
	allowResource := Decision{Outcome: Allowed, Source: f.rKind, Policy: f.rPol, Statement: f.rStmt, CrossAccount: f.cross}
	deny := func(k PolicyKind) Decision {
		return Decision{Outcome: ImplicitDeny, Source: k, CrossAccount: f.cross}
	}
	switch {
	case !f.root && !f.identitySide:
		// Anonymous callers, services and web identities have no identity
		// side: only the resource-based policy can allow them.
		if f.rGrant != grantNone {
			return allowResource
		}
		return deny(f.rKind)
	case f.cross:
		if ok, k := f.callerAllows(); !ok {
			return deny(k)
		}
		if f.rGrant == grantNone {
			return deny(f.rKind)
		}
		return allowResource
	case f.rKind == KindTrust || f.rKind == KindKeyPolicy:
		// Role trust policies must allow the caller even within the account,
		// and so must KMS key policies: identity-based policies count only
		// when the key policy allows the account for the action
		// (grantAccount), and the root user has no access of its own.
		switch f.rGrant {
		case grantNone:
			return deny(f.rKind)
		case grantDirect:
			return allowResource
		case grantLimited:
			if ok, k := f.limitsAllow(); !ok {
				return deny(k)
			}
			return allowResource
		}
		if ok, k := f.callerAllows(); !ok {
			return deny(k)
		}
		if f.rKind == KindKeyPolicy && !f.root {
			// The key policy only lets the identity-based policy decide.
			return Decision{Outcome: Allowed, Source: KindIdentity, Policy: f.idPol, Statement: f.idStmt}
		}
		return allowResource
	}
	switch f.rGrant {
	case grantDirect:
		return allowResource
	case grantLimited:
		if ok, k := f.limitsAllow(); !ok {
			return deny(k)
		}
		return allowResource
	}
	if ok, k := f.callerAllows(); !ok {
		return deny(k)
	}
	if f.root {
		return Decision{Outcome: Allowed}
	}
	return Decision{Outcome: Allowed, Source: KindIdentity, Policy: f.idPol, Statement: f.idStmt}
}
