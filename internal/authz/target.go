package authz

import (
	"context"
	"errors"

	"github.com/ibemu/ibemu/internal/apimodel"
	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/iam/policy"
)

// Target is what the enforcement layer hands an allowed call: the resources
// it resolved (in the spec's order) and the caller as IAM sees it.
type Target struct {
	Caller    *Caller
	Resources []*Resource

	enforcer *Enforcer
	call     *callctx.Call
	protocol apimodel.Protocol

	// one backs Resources for the usual single resource; cx is the context
	// carrying the target (Target.context); ref is the first resource
	// reference of the request: all allocated with it, as they live as
	// long as the request.
	one [1]*Resource
	cx  targetContext
	ref oneRef
}

type targetKey struct{}

// targetContext is context.WithValue(parent, targetKey{}, t) without an
// allocation of its own: it lives in the Target.
type targetContext struct {
	context.Context
	t *Target
}

func (c *targetContext) Value(key any) any {
	if _, ok := key.(targetKey); ok {
		return c.t
	}
	return c.Context.Value(key)
}

// context returns parent carrying t, for TargetFrom.
func (t *Target) context(parent context.Context) context.Context {
	t.cx = targetContext{Context: parent, t: t}
	return &t.cx
}

// TargetFrom returns the Target of the call in ctx, or nil when the call did
// not go through the enforcement layer.
func TargetFrom(ctx context.Context) *Target {
	t, _ := ctx.Value(targetKey{}).(*Target)
	return t
}

// Resource returns the first resolved resource, or nil.
func (t *Target) Resource() *Resource {
	if t == nil || len(t.Resources) == 0 {
		return nil
	}
	return t.Resources[0]
}

// CheckRequest is a further decision a service needs while serving a call.
type CheckRequest struct {
	// Action is the action to decide, e.g. "iam:PassRole", "kms:Decrypt".
	Action string
	// ARN is the resource; "" or "*" for none. It is loaded through its
	// service's resolver (tags, resource policy for this action).
	ARN string
	// Keys are condition keys the check adds (iam:PassedToService,
	// kms:ViaService, kms:EncryptionContext:…).
	Keys []Key
	// Via names the services the request passes through on the caller's
	// behalf, first to last (forward access sessions): it sets aws:CalledVia,
	// aws:CalledViaFirst/Last and aws:ViaAWSService, and drops aws:SourceIp.
	// Empty for a dependent action the caller must hold itself.
	Via []string
	// As evaluates the check as another principal (the instance role a build
	// runs as) instead of the caller.
	As *auth.Principal
	// Item marks the decision of one item of an itemized operation
	// (apimodel.Authz.Itemized): the call's own action on one of the
	// resources it names, recorded with Check "item".
	Item bool
	// Reveal marks a check that decides what the caller may learn rather
	// than whether the call may run: S3's s3:ListBucket check deciding
	// whether a missing key is NoSuchKey or AccessDenied. It is recorded
	// with Check "reveal", so the trace explains the answer; the handler
	// picks the answer from the returned error.
	Reveal bool
}

// Check decides a dependent or forward-access check as part of the call in
// ctx, records it under the call's request id, and returns AccessDenied (in
// the calling API's protocol) when it is denied.
func Check(ctx context.Context, r CheckRequest) error {
	t := TargetFrom(ctx)
	if t == nil || t.enforcer == nil {
		return awserr.Internal(errors.New("authz: Check outside an authorized call"))
	}
	return t.enforcer.check(ctx, t, r)
}

func (e *Enforcer) check(ctx context.Context, t *Target, r CheckRequest) error {
	c := t.call
	caller, session := t.Caller, c.Principal.Session
	if r.As != nil {
		session = r.As.Session
		var err error
		if caller, err = e.Caller(ctx, r.As); err != nil {
			return err
		}
	} else if caller == nil {
		var err error
		if caller, err = e.Caller(ctx, &c.Principal); err != nil {
			return err
		}
	}
	arn := r.ARN
	if arn == "" {
		arn = "*"
	}
	res, err := e.resolve(ctx, c, r.Action, &ResourceRef{ARN: arn, FromMember: arn != "*"})
	if err != nil {
		return err
	}
	var dm *decided
	var space *policy.DerivedSpace
	if e.mode != ModeOff {
		dm = new(decided)
		space = &dm.ctx
	}
	rctx := requestContextIn(c, caller, session, len(r.Via) > 0, space)
	viaKeys(rctx, r.Via)
	extraKeys(rctx, r.Keys)
	resourceKeys(rctx, res)
	kind := "dependent"
	switch {
	case r.Item:
		kind = "item"
	case r.Reveal:
		kind = "reveal"
	case len(r.Via) > 0:
		kind = "forward access via " + r.Via[len(r.Via)-1]
	}
	var d *Decision
	if dm != nil {
		d = &dm.d
	}
	return e.decide(c, t.protocol, caller, r.Action, res, rctx, kind, d)
}

// Allows reports whether the caller may perform action on the resource arn
// of account, whose resource-based policy is pol (nil: none) — decided as
// the call itself would be, without recording anything. It is for listings
// that show only what the caller could read (resources another account
// shares with some of the caller's account's principals but not others).
// It is false outside an authorized call. It follows the enforcement
// mode: true whatever the policies say under ModeSoft and ModeOff (nothing
// is recorded either way).
func (t *Target) Allows(action, arn, account string, pol *policy.Attached) bool {
	if t == nil || t.call == nil || t.enforcer == nil {
		return false
	}
	if t.enforcer.mode != ModeOn {
		return true
	}
	if t.Caller == nil {
		return false
	}
	rctx := requestContext(t.call, t.Caller, t.call.Principal.Session, false)
	resourceKeys(rctx, &Resource{ARN: arn, Account: account})
	req := policy.Request{Principal: &t.Caller.Principal, Action: action, Resource: arn, ResourceAccount: account, Context: rctx}
	pols := policy.Policies{Identity: t.Caller.Identity, Boundary: t.Caller.Boundary, Session: t.Caller.Session, Resource: pol, Organizations: t.enforcer.orgs}
	return policy.Evaluate(&req, &pols).Allowed()
}

// Detached returns ctx carrying the call c and an authorization target for
// it, for work a service does after the API call that started it has
// answered (an image build advancing on the service's clock): Check then
// decides as c.Principal — an instance-profile role session, a
// service-linked role session, or the caller itself for forward access —
// and records each decision under c.RequestID, so the trace of a build is
// found by the request id of the call that started it. c must carry the
// account, region and time the checks are made for.
func (e *Enforcer) Detached(ctx context.Context, c *callctx.Call, p apimodel.Protocol) (context.Context, error) {
	caller, err := e.Caller(ctx, &c.Principal)
	if err != nil {
		return nil, err
	}
	t := &Target{Caller: caller, enforcer: e, call: c, protocol: p}
	return context.WithValue(callctx.With(ctx, c), targetKey{}, t), nil
}
