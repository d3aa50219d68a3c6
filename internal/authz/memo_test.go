package authz_test

import (
	"context"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/authz"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/iam/policy"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// TestDecisionMemoMatchesEvaluation: an enforcer whose resolver hands out
// Kept resources reuses the caller's last decision, and records exactly
// what an enforcer evaluating every request records (the same encoded
// record, explanation, outcome and message), across a sequence of requests
// that change each fact the decision depends on: the second (aws:CurrentTime),
// the source address, the resource (another tag), the caller (an IAM
// change), the action, and a denial in between.
func TestDecisionMemoMatchesEvaluation(t *testing.T) {
	alice := user(acctA, "alice")
	arn := "arn:aws:imagebuilder:us-east-1:" + acctA + ":component/web/1.0.0/1"
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"imagebuilder:Get*","Resource":"*","Condition":{
		"StringEquals":{"aws:ResourceTag/team":"blue"},"IpAddress":{"aws:SourceIp":"192.0.2.0/24"},
		"DateLessThan":{"aws:CurrentTime":"2026-11-29T12:00:02Z"}}}]}`
	caller, err := users{alice.ARN: {doc}}.Caller(context.Background(), &alice)
	if err != nil {
		t.Fatal(err)
	}
	ids := &switchCaller{c: caller}
	blue := &authz.Resource{ARN: arn, Account: acctA, Region: region, Exists: true, Tags: map[string]string{"team": "blue"}, Kept: true}
	cur := blue
	kept := func(context.Context, *callctx.Call, string, *authz.ResourceRef) (*authz.Resource, error) {
		return cur, nil
	}
	fresh := func(context.Context, *callctx.Call, string, *authz.ResourceRef) (*authz.Resource, error) {
		r := *cur
		r.Kept = false
		return &r, nil
	}
	memo, memoLog := newEnforcer(t, authz.Options{Identities: ids, Resolvers: map[string]authz.Resolver{"imagebuilder": resolverFunc(kept)}})
	eval, evalLog := newEnforcer(t, authz.Options{Identities: ids, Resolvers: map[string]authz.Resolver{"imagebuilder": resolverFunc(fresh)}})
	get := getComponentOp(t)
	in := &ibv1.GetComponentRequest{ComponentBuildVersionArn: proto.String(arn)}

	var prevCtx *policy.Context
	step := func(name string, at time.Time, ip string, wantAllowed, wantReuse bool) {
		t.Helper()
		call := func() *callctx.Call {
			return &callctx.Call{RequestID: name, Service: "imagebuilder", Region: region, Account: acctA, Principal: alice, Time: at,
				SourceIP: netip.MustParseAddr(ip), Transport: "http"}
		}
		_, errM := memo.Authorize(callctx.With(context.Background(), call()), ibv1.Model(), get, in)
		_, errE := eval.Authorize(callctx.With(context.Background(), call()), ibv1.Model(), get, in)
		if (errM == nil) != wantAllowed || (errE == nil) != wantAllowed || (errM != nil && errM.Error() != errE.Error()) {
			t.Fatalf("%s: memo %v, evaluated %v, want allowed %v", name, errM, errE, wantAllowed)
		}
		dm, de := memoLog.ByRequestID(name), evalLog.ByRequestID(name)
		if len(dm) != 1 || len(de) != 1 {
			t.Fatalf("%s: %d and %d decisions", name, len(dm), len(de))
		}
		rm, err := authz.EncodeRecord(dm[0])
		if err != nil {
			t.Fatal(err)
		}
		re, err := authz.EncodeRecord(de[0])
		if err != nil {
			t.Fatal(err)
		}
		if string(rm) != string(re) {
			t.Errorf("%s: records differ:\n%q\n%q", name, rm, re)
		}
		if xm, xe := dm[0].Explain(), de[0].Explain(); !reflect.DeepEqual(xm, xe) {
			t.Errorf("%s: explanations differ:\n%+v\n%+v", name, xm, xe)
		}
		if dm[0].Outcome != de[0].Outcome || dm[0].Message != de[0].Message || dm[0].Policy() != de[0].Policy() || dm[0].Statement() != de[0].Statement() {
			t.Errorf("%s: decisions differ: %+v, %+v", name, dm[0], de[0])
		}
		if reused := dm[0].Context() == prevCtx; reused != wantReuse {
			t.Errorf("%s: context reused %v, want %v", name, reused, wantReuse)
		}
		prevCtx = dm[0].Context()
	}
	t0 := when // 12:00:00
	step("first", t0, "192.0.2.10", true, false)
	step("same second", t0.Add(300*time.Millisecond), "192.0.2.10", true, true)
	step("next second", t0.Add(time.Second), "192.0.2.10", true, false)
	step("again", t0.Add(time.Second+time.Millisecond), "192.0.2.10", true, true)
	step("other address", t0.Add(time.Second+2*time.Millisecond), "192.0.2.11", true, false)
	step("outside the range", t0.Add(time.Second+3*time.Millisecond), "198.51.100.1", false, false)
	step("back in range", t0.Add(time.Second+4*time.Millisecond), "192.0.2.11", true, false)
	step("past the date", t0.Add(2*time.Second), "192.0.2.11", false, false)
	step("denied again", t0.Add(2*time.Second+time.Millisecond), "192.0.2.11", false, false)
	step("earlier again", t0.Add(time.Second+5*time.Millisecond), "192.0.2.11", true, false)
	cur = &authz.Resource{ARN: arn, Account: acctA, Region: region, Exists: true, Tags: map[string]string{"team": "red"}, Kept: true}
	step("other tags", t0.Add(time.Second+6*time.Millisecond), "192.0.2.11", false, false)
	cur = blue
	step("blue again", t0.Add(time.Second+7*time.Millisecond), "192.0.2.11", true, false)
	step("blue kept", t0.Add(time.Second+8*time.Millisecond), "192.0.2.11", true, true)
	// IAM builds a new Caller after a change: the policy no longer allows.
	next, err := users{alice.ARN: {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"imagebuilder:List*","Resource":"*"}]}`}}.Caller(context.Background(), &alice)
	if err != nil {
		t.Fatal(err)
	}
	ids.c = next
	step("policy changed", t0.Add(time.Second+9*time.Millisecond), "192.0.2.11", false, false)
}

// switchCaller is an Identities whose one caller a test replaces, as IAM
// replaces a Caller after a write.
type switchCaller struct{ c *authz.Caller }

func (s *switchCaller) Caller(context.Context, *auth.Principal) (*authz.Caller, error) {
	return s.c, nil
}

// A reused decision costs the Target and the Decision, and nothing else.
func TestReusedDecisionAllocations(t *testing.T) {
	alice := user(acctA, "alice")
	docs := users{alice.ARN: {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"imagebuilder:Get*","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"blue"}}}]}`}}
	caller, err := docs.Caller(context.Background(), &alice)
	if err != nil {
		t.Fatal(err)
	}
	arn := "arn:aws:imagebuilder:us-east-1:" + acctA + ":component/web/1.0.0/1"
	res := &authz.Resource{ARN: arn, Account: acctA, Region: region, Exists: true, Tags: map[string]string{"team": "blue"}, Kept: true}
	e, log := newEnforcer(t, authz.Options{Identities: keptCaller{caller}, Resolvers: map[string]authz.Resolver{
		"imagebuilder": resolverFunc(func(context.Context, *callctx.Call, string, *authz.ResourceRef) (*authz.Resource, error) {
			return res, nil
		}),
	}})
	ctx, _ := callCtx(alice)
	op, in := getComponentOp(t), &ibv1.GetComponentRequest{ComponentBuildVersionArn: proto.String(arn)}
	if _, err := e.Authorize(ctx, ibv1.Model(), op, in); err != nil {
		t.Fatal(err)
	}
	n := testing.AllocsPerRun(200, func() {
		if _, err := e.Authorize(ctx, ibv1.Model(), op, in); err != nil {
			t.Fatal(err)
		}
	})
	if n > 2 {
		t.Errorf("a reused decision allocates %v times, want at most 2", n)
	}
	ds := log.ByRequestID("req-1")
	if len(ds) < 2 || ds[len(ds)-1].Context() != ds[0].Context() {
		t.Errorf("the decision was not reused (%d decisions)", len(ds))
	}
}
