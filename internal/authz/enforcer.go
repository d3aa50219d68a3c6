package authz

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/ibemu/ibemu/internal/apimodel"
	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/iam/policy"
	"github.com/ibemu/ibemu/internal/seal"
)

// Options configure an Enforcer.
type Options struct {
	// Identities resolves callers other than root users. Required.
	Identities Identities
	// Resolvers load resources, by the service part of their ARNs
	// ("imagebuilder", "iam", …). A service without one gets resources that
	// are just their ARN: no tags, no resource-based policy.
	Resolvers map[string]Resolver
	// AlwaysAllowed lists actions no policy can deny, such as
	// sts:GetCallerIdentity, which needs no permission and which even an
	// explicit deny does not stop.
	AlwaysAllowed []string
	// Recorder receives every decision; nil keeps none.
	Recorder Recorder
	// Organizations supplies SCPs and RCPs; nil means no organization.
	Organizations policy.OrganizationsPolicies
	// Sealer, when set, encodes every denial's authorization message
	// (Decision.EncodedMessage) for sts:DecodeAuthorizationMessage.
	Sealer *seal.Sealer
	// Mode is how decisions are applied: ModeOn (the zero value) enforces,
	// ModeSoft records but allows, ModeOff decides nothing.
	Mode Mode
}

// Enforcer decides API calls and the checks services ask for. It implements
// the server's Authorizer.
type Enforcer struct {
	ids       Identities
	resolvers map[string]Resolver
	always    map[string]bool
	rec       Recorder
	orgs      policy.OrganizationsPolicies
	sealer    *seal.Sealer
	mode      Mode
	plans     sync.Map // *apimodel.Operation → *plan or error
	// roots keeps root callers by account (a hash picks the slot), so
	// requests by one root user share one Caller and its base context.
	roots [64]atomic.Pointer[Caller]
}

// New returns an enforcer. It fails without an identity source: an
// enforcement layer that cannot tell who is calling must not exist.
func New(opts Options) (*Enforcer, error) {
	if opts.Identities == nil {
		return nil, errors.New("authz: Options.Identities is required")
	}
	e := &Enforcer{
		ids:       opts.Identities,
		resolvers: map[string]Resolver{},
		always:    map[string]bool{},
		rec:       opts.Recorder,
		orgs:      opts.Organizations,
		sealer:    opts.Sealer,
		mode:      opts.Mode,
	}
	for svc, r := range opts.Resolvers {
		e.resolvers[svc] = r
	}
	for _, a := range opts.AlwaysAllowed {
		e.always[a] = true
	}
	return e, nil
}

// Authorize decides whether the call in ctx may run op with input. On
// success the returned context carries the Target: the resolved resources
// and the means to make further checks. An itemized operation
// (apimodel.Authz.Itemized, S3's DeleteObjects) gets its resources resolved
// and its session restrictions applied but no decision here: its handler
// decides each item with Check. On denial it returns AWS's
// AccessDenied error for the API's protocol with the engine's enhanced
// message; every decision goes to the Recorder under the call's request id.
func (e *Enforcer) Authorize(ctx context.Context, svc *apimodel.Service, op *apimodel.Operation, input any) (context.Context, error) {
	c := callctx.From(ctx)
	if c == nil {
		return nil, awserr.Internal(errors.New("authz: no call in the context"))
	}
	msg, ok := input.(proto.Message)
	if !ok {
		return nil, awserr.Internal(fmt.Errorf("authz: %s input is %T", op.Name, input))
	}
	if op.Authz == nil {
		return nil, noSpec(svc, op)
	}
	p, err := e.plan(op)
	if err != nil {
		return nil, awserr.Internal(err)
	}
	if err := e.restrictSession(c, svc.Protocol, p.spec.Action); err != nil {
		return nil, err
	}
	t := &Target{enforcer: e, call: c, protocol: svc.Protocol}
	ctx = t.context(ctx)
	if e.always[p.spec.Action] {
		if e.mode == ModeOff {
			return ctx, nil
		}
		e.record(c, &Decision{Action: p.spec.Action, Resource: "*", Outcome: policy.Allowed, Principal: c.Principal.ARN})
		return ctx, nil
	}
	caller, err := e.Caller(ctx, &c.Principal)
	if err != nil {
		return nil, err
	}
	t.Caller = caller
	in := msg.ProtoReflect()
	refs := e.refs(c, p, in, &t.ref)
	if len(refs) == 1 && e.memoable(c, p) {
		// The usual request: one resource, no keys of its own.
		res, err := e.resolve(ctx, c, p.spec.Action, refs[0])
		if err != nil {
			return nil, err
		}
		t.Resources = append(t.one[:0], res)
		if err := e.decideOne(c, svc.Protocol, caller, p, res); err != nil {
			return nil, err
		}
		return ctx, nil
	}
	// The last resource is decided in base itself (the others in clones):
	// its decision and base are allocated together, as the decision keeps
	// the context.
	var last *decided
	var space *policy.DerivedSpace
	if e.mode != ModeOff && !p.spec.Itemized {
		last = new(decided)
		space = &last.ctx
	}
	base := requestContextIn(c, caller, c.Principal.Session, false, space)
	requestKeys(base, p, in)
	t.Resources = t.one[:0]
	for i, ref := range refs {
		res, err := e.resolve(ctx, c, p.spec.Action, ref)
		if err != nil {
			return nil, err
		}
		t.Resources = append(t.Resources, res)
		if p.spec.Itemized {
			// The handler decides each item (authz.Check); the resources
			// are resolved for it, the whole request is not decided.
			continue
		}
		rctx, d := base, (*Decision)(nil)
		if i < len(refs)-1 {
			rctx = base.Clone()
		} else if last != nil {
			d = &last.d
		}
		resourceKeys(rctx, res)
		if err := e.decide(c, svc.Protocol, caller, p.spec.Action, res, rctx, "", d); err != nil {
			return nil, err
		}
	}
	return ctx, nil
}

func (e *Enforcer) plan(op *apimodel.Operation) (*plan, error) {
	if v, ok := e.plans.Load(op); ok {
		if err, bad := v.(error); bad {
			return nil, err
		}
		return v.(*plan), nil
	}
	p, err := compile(op)
	if err != nil {
		e.plans.Store(op, err)
		return nil, err
	}
	e.plans.Store(op, p)
	return p, nil
}

// Caller resolves a principal as the engine sees it, with its policies;
// root users need no lookup.
func (e *Enforcer) Caller(ctx context.Context, p *auth.Principal) (*Caller, error) {
	if p.Kind == auth.PrincipalRoot && p.Session == nil {
		return e.rootCaller(p.AccountID), nil
	}
	caller, err := e.ids.Caller(ctx, p)
	if err != nil {
		return nil, awserr.From(err)
	}
	return caller, nil
}

// rootCaller is RootCaller(account), kept for the account's next request.
func (e *Enforcer) rootCaller(account string) *Caller {
	h := uint32(2166136261)
	for i := 0; i < len(account); i++ {
		h = (h ^ uint32(account[i])) * 16777619
	}
	slot := &e.roots[h%uint32(len(e.roots))]
	if c := slot.Load(); c != nil && c.Principal.Account == account {
		return c
	}
	c := RootCaller(account)
	slot.Store(c)
	return c
}

// refs builds what the request says about each resource type of the spec.
// Types whose member the request leaves out are skipped when optional; an
// ARN member naming another type than this one's format (TagResource's
// resourceArn) picks the type that matches.
func (e *Enforcer) refs(c *callctx.Call, p *plan, in protoreflect.Message, one *oneRef) []*ResourceRef {
	if len(p.resources) == 0 {
		return appendRef(nil, ResourceRef{ARN: "*"}, one)
	}
	var out []*ResourceRef
	var named string // an ARN member's value that matched no type
	for i := range p.resources {
		rp := &p.resources[i]
		if len(rp.arn) > 0 {
			v, ok := rp.arn.str(in)
			if !ok || v == "" {
				continue
			}
			v = completeWildcard(v, rp.spec.ARNFormat)
			if len(p.resources) > 1 && !MatchesFormat(v, rp.spec.ARNFormat) {
				named = v
				continue
			}
			out = appendRef(out, ResourceRef{Spec: rp.spec, ARN: v, FromMember: true, Input: in}, one)
			continue
		}
		ref := ResourceRef{Spec: rp.spec, Vars: map[string]string{}, Input: in}
		for _, vp := range rp.vars {
			if v, ok := vp.value.str(in); ok && v != "" {
				ref.Vars[vp.name] = v
			} else if vp.def != "" {
				ref.Vars[vp.name] = vp.def
			}
			if len(vp.dir) > 0 {
				ref.Path, _ = vp.dir.str(in)
			}
		}
		if len(ref.Vars) == 0 && !rp.spec.Required && len(p.resources) > 1 {
			continue
		}
		ref.ARN = FillARN(rp.spec.ARNFormat, c.Region, c.Account, ref.Vars, "*")
		out = appendRef(out, ref, one)
	}
	if len(out) == 0 {
		arn := named
		if arn == "" {
			arn = "*"
		}
		out = appendRef(out, ResourceRef{ARN: arn, FromMember: named != "", Input: in}, one)
	}
	return out
}

// oneRef is a reference list of one, allocated at once (most operations
// name one resource).
type oneRef struct {
	ref  ResourceRef
	list [1]*ResourceRef
}

// appendRef appends a copy of r to out. The first reference goes to one
// (the Target's, allocated with it) when one is not nil.
func appendRef(out []*ResourceRef, r ResourceRef, one *oneRef) []*ResourceRef {
	if out == nil {
		if one == nil {
			one = new(oneRef)
		}
		one.ref = r
		one.list[0] = &one.ref
		return one.list[:1:1]
	}
	p := new(ResourceRef)
	*p = r
	return append(out, p)
}

// completeWildcard appends the "/*" a format ends in (the all*BuildVersions
// types of Image Builder) to the version ARN a request names.
func completeWildcard(arn, format string) string {
	if strings.HasSuffix(format, "/*") && !MatchesFormat(arn, format) && MatchesFormat(arn+"/*", format) {
		return arn + "/*"
	}
	return arn
}

// resolve completes a reference with the owning service's resolver.
func (e *Enforcer) resolve(ctx context.Context, c *callctx.Call, action string, ref *ResourceRef) (*Resource, error) {
	if ref.ARN == "*" && ref.Spec == nil {
		return &Resource{ARN: "*", Account: c.Account}, nil
	}
	svc, ok := arnService(ref.ARN)
	if !ok && ref.Spec != nil {
		svc, _ = arnService(ref.Spec.ARNFormat)
	}
	if r := e.resolvers[svc]; r != nil {
		res, err := r.Resolve(ctx, c, action, ref)
		if err != nil {
			return nil, awserr.From(err)
		}
		if res.Type == "" && ref.Spec != nil && ref.Spec.Type != "" { // a Kept resource is never written
			res.Type = ref.Spec.Type
		}
		return res, nil
	}
	res := &Resource{ARN: ref.ARN}
	if ref.Spec != nil {
		res.Type = ref.Spec.Type
	}
	if a, ok := ParseARN(ref.ARN); ok {
		res.Account, res.Region = a.Account, a.Region
	}
	if res.Account == "" {
		res.Account = c.Account
	}
	return res, nil
}

// Mode is the enforcement mode the enforcer was made with.
func (e *Enforcer) Mode() Mode { return e.mode }

// decide evaluates one action on one resource, records the decision and
// returns the AccessDenied error when it denies. It is the one place the
// enforcement mode applies: ModeOff returns nil without evaluating or
// recording; ModeSoft records a denial as a soft one, notes the action on
// the call and returns nil.
//
// d, when not nil, is an unused Decision to fill (allocated with rctx);
// else decide allocates one.
func (e *Enforcer) decide(c *callctx.Call, proto apimodel.Protocol, caller *Caller, action string, res *Resource, rctx *policy.Context, check string, d *Decision) error {
	_, err := e.decideKnown(c, proto, caller, action, res, rctx, check, d, nil)
	return err
}

// decideKnown is decide; with known, the engine's decision of this very
// request and these policies, made before (decideOne), the engine is not
// asked again. It returns the engine's decision.
func (e *Enforcer) decideKnown(c *callctx.Call, proto apimodel.Protocol, caller *Caller, action string, res *Resource, rctx *policy.Context, check string, d *Decision, known *policy.Decision) (policy.Decision, error) {
	if e.mode == ModeOff {
		return policy.Decision{}, nil
	}
	if d == nil {
		d = new(Decision)
	}
	d.req = policy.Request{Principal: &caller.Principal, Action: action, Resource: res.ARN, ResourceAccount: res.Account, Context: rctx}
	d.pols = policy.Policies{
		Identity:      caller.Identity,
		Boundary:      caller.Boundary,
		Session:       caller.Session,
		Resource:      res.Policy,
		Organizations: e.orgs,
	}
	d.Principal = caller.Principal.DisplayARN()
	d.Action = action
	d.Resource = res.ARN
	d.Check = check
	var pd policy.Decision
	if known != nil {
		pd = *known
	} else {
		pd = policy.Evaluate(&d.req, &d.pols)
	}
	d.Outcome, d.Source, d.by = pd.Outcome, pd.Source, pd
	if !pd.Allowed() {
		d.Message = policy.AccessDeniedMessage(&d.req, pd)
		d.sealer = e.sealer
		d.Soft = e.mode == ModeSoft
	}
	e.record(c, d)
	if pd.Allowed() {
		return pd, nil
	}
	if d.Soft {
		c.NoteWouldDeny(action)
		return pd, nil
	}
	return pd, AccessDenied(proto, d.Message)
}

// memoable reports whether the call's request context is its caller's
// global keys (the frozen base context) plus the resource's keys and
// nothing else: no session keys (they depend on the instant within the
// second), no S3 transport keys, no keys from the input, and no
// Organizations policies (they change without the caller changing). Such
// a request on a Kept resource is decided exactly as the caller's
// previous one on the same resource, action and base context was.
func (e *Enforcer) memoable(c *callctx.Call, p *plan) bool {
	return e.mode != ModeOff && !p.spec.Itemized && len(p.keys) == 0 && c.Principal.Session == nil && c.S3 == nil && e.orgs == nil
}

// decisionMemo is a caller's decision that later requests may reuse: the
// engine's decision for the request context rctx, built from base (the
// caller's frozen global keys) and res's keys. Nothing in it changes once
// kept: base is frozen, res is Kept, rctx is not written after the
// decision, the caller's policies are never modified.
type decisionMemo struct {
	e      *Enforcer
	base   *policy.Context
	res    *Resource
	action string
	rctx   *policy.Context
	pd     policy.Decision
}

// decideOne decides a memoable request (memoable) on one resource. The
// request context of a request like the caller's last decided one (same
// base context, Kept resource and action) would be built from the same
// keys and evaluated with the same policies to the same decision: that
// decision is reused, with its context, in a new Decision (each request is
// recorded on its own). Otherwise it decides as decide does, and keeps the
// result for the next request.
func (e *Enforcer) decideOne(c *callctx.Call, proto apimodel.Protocol, caller *Caller, p *plan, res *Resource) error {
	action := p.spec.Action
	base := caller.baseContext(c, false)
	if res.Kept {
		if m := caller.memo.Load(); m != nil && m.e == e && m.base == base && m.res == res && m.action == action {
			d := &Decision{ctxFixed: true}
			_, err := e.decideKnown(c, proto, caller, action, res, m.rctx, "", d, &m.pd)
			return err
		}
	}
	last := new(decided)
	rctx := base.DeriveIn(&last.ctx)
	resourceKeys(rctx, res)
	// rctx is complete: nothing writes it after the decision. Only a
	// context the memo may share is worth the log encoder's reuse.
	last.d.ctxFixed = res.Kept
	pd, err := e.decideKnown(c, proto, caller, action, res, rctx, "", &last.d, nil)
	if res.Kept && err == nil && pd.Allowed() {
		m := &last.memo
		*m = decisionMemo{e: e, base: base, res: res, action: action, rctx: rctx, pd: pd}
		caller.memo.Store(m)
	}
	return err
}

// decided is a Decision with the memory of the request context it is
// decided in, allocated at once: the decision keeps its context (the
// decision log and explain read its keys), so both live exactly as long.
type decided struct {
	d   Decision
	ctx policy.DerivedSpace
	// memo is the decision kept for the caller's next requests, when it
	// is (decideOne).
	memo decisionMemo
}

func (e *Enforcer) record(c *callctx.Call, d *Decision) {
	if e.rec == nil {
		return
	}
	d.RequestID, d.Time = c.RequestID, c.Time
	d.Service, d.Operation, d.Region, d.Transport = c.Service, c.Operation, c.Region, c.Transport
	d.AccessKeyID = c.Principal.AccessKeyID
	if c.SourceIP.IsValid() {
		d.SourceIP = ipText(c.SourceIP)
	}
	if s := c.Principal.Session; s != nil {
		d.SessionIssued = s.Issued
	}
	e.rec.Record(d)
}

// AccessDenied is the error of a denied request in an API's protocol:
// AccessDeniedException for JSON protocols, AccessDenied for the Query
// protocol and S3 (restXml), HTTP 403 (gRPC PermissionDenied) either way.
func AccessDenied(p apimodel.Protocol, message string) *awserr.Error {
	code := "AccessDeniedException"
	if p == apimodel.AWSQuery || p == apimodel.RESTXML {
		code = "AccessDenied"
	}
	return awserr.New(code, http.StatusForbidden, message)
}

// noSpec refuses an operation the Service Authorization Reference does not
// describe: without knowing its action and resources, no decision can be
// made, so none is made in the caller's favour.
func noSpec(svc *apimodel.Service, op *apimodel.Operation) *awserr.Error {
	return AccessDenied(svc.Protocol, fmt.Sprintf("%s:%s has no entry in the Service Authorization Reference this emulator enforces with, so it cannot be authorized and is refused.", svc.SigningName, op.Name))
}
