package authz_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ibemu/ibemu/internal/authz"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/iam/policy"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// encodeAll encodes ds one after another with one encoder, as the Store's
// writer does within a batch, and checks each record against the one a
// fresh encoder makes.
func encodeAll(t *testing.T, ds []*authz.Decision) {
	t.Helper()
	enc := authz.NewRecordEncoder()
	for i, d := range ds {
		got, err := enc(nil, d)
		if err != nil {
			t.Fatal(err)
		}
		want, err := authz.EncodeRecord(d)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("record %d (%s): the writer's encoder wrote\n%q\nwant\n%q", i, d.RequestID, got, want)
		}
	}
}

// The writer's encoder reuses the last record of a decision whose context
// is fixed, for a decision saying the same. Decisions of a caller's repeated requests
// (the decision memo) share a context; every record is still the one a
// fresh encoder writes, across the changes a memo sees: the next second,
// another source address, another resource (other tags: the same record
// fields, another context), a denial in between.
func TestRecordEncoderReusesFixedContext(t *testing.T) {
	alice := user(acctA, "alice")
	docs := users{alice.ARN: {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"imagebuilder:Get*","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"blue"}}}]}`}}
	caller, err := docs.Caller(context.Background(), &alice)
	if err != nil {
		t.Fatal(err)
	}
	arn := "arn:aws:imagebuilder:us-east-1:" + acctA + ":component/web/1.0.0/1"
	blue := &authz.Resource{ARN: arn, Account: acctA, Region: region, Exists: true, Tags: map[string]string{"team": "blue"}, Kept: true}
	cur := blue
	e, log := newEnforcer(t, authz.Options{Identities: keptCaller{caller}, Resolvers: map[string]authz.Resolver{
		"imagebuilder": resolverFunc(func(context.Context, *callctx.Call, string, *authz.ResourceRef) (*authz.Resource, error) {
			return cur, nil
		}),
	}})
	op, in := getComponentOp(t), &ibv1.GetComponentRequest{ComponentBuildVersionArn: proto.String(arn)}
	var ds []*authz.Decision
	n := 0
	call := func(at time.Duration, ip string) {
		t.Helper()
		n++
		id := "req-" + string(rune('a'+n))
		c := &callctx.Call{RequestID: id, Service: "imagebuilder", Operation: "GetComponent", Region: region, Account: acctA, Principal: alice,
			Time: when.Add(at), SourceIP: netip.MustParseAddr(ip), Transport: "http"}
		_, _ = e.Authorize(callctx.With(context.Background(), c), ibv1.Model(), op, in)
		got := log.ByRequestID(id)
		if len(got) != 1 {
			t.Fatalf("%s: %d decisions", id, len(got))
		}
		ds = append(ds, got[0])
	}
	call(0, "192.0.2.10")
	call(100*time.Millisecond, "192.0.2.10")
	call(200*time.Millisecond, "192.0.2.10")
	call(time.Second, "192.0.2.10")
	call(time.Second+time.Millisecond, "192.0.2.10")
	call(time.Second+2*time.Millisecond, "192.0.2.11")
	call(time.Second+3*time.Millisecond, "192.0.2.11")
	cur = &authz.Resource{ARN: arn, Account: acctA, Region: region, Exists: true, Tags: map[string]string{"team": "red"}, Kept: true}
	call(time.Second+4*time.Millisecond, "192.0.2.11") // denied
	cur = blue
	call(time.Second+5*time.Millisecond, "192.0.2.11")
	call(time.Second+6*time.Millisecond, "192.0.2.11")
	// Another context with the same record fields.
	cur = &authz.Resource{ARN: arn, Account: acctA, Region: region, Exists: true, Tags: map[string]string{"team": "blue", "env": "prod"}, Kept: true}
	call(time.Second+7*time.Millisecond, "192.0.2.11")
	call(time.Second+8*time.Millisecond, "192.0.2.11")
	if ds[1].Context() != ds[0].Context() || ds[2].Context() != ds[0].Context() || ds[9].Context() != ds[8].Context() || ds[11].Context() != ds[10].Context() {
		t.Fatal("the memo did not share the context: the test shows nothing")
	}
	encodeAll(t, ds)
}

// A record with a fixed context is reused only with the same record fields
// its context's values may refer to (here the source address): a value
// equal to a field is written as a reference to it.
func TestRecordEncoderReusedContextFollowsFields(t *testing.T) {
	ds := allowedDecisions(t, 2)
	ctx := policy.NewContext()
	ctx.SetString("aws:SourceIp", "192.0.2.10")
	ctx.SetString("aws:username", "alice")
	for _, d := range ds {
		authz.SetFixedContext(d, ctx)
	}
	ds[0].SourceIP, ds[1].SourceIP = "192.0.2.10", "192.0.2.11"
	encodeAll(t, ds)
	rec, err := authz.EncodeRecord(ds[1])
	if err != nil {
		t.Fatal(err)
	}
	got, err := authz.DecodeRecord(rec, ds[1].Time, ds[1].RequestID)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range got.GetContext() {
		if c.GetKey() == "aws:SourceIp" && (len(c.GetValues()) != 1 || c.GetValues()[0] != "192.0.2.10") {
			t.Errorf("aws:SourceIp decoded as %v", c.GetValues())
		}
	}
}

// A decision whose context is not fixed (it may be written after the
// decision) is encoded anew, even with the same context object as the
// last one.
func TestRecordEncoderRereadsContextNotFixed(t *testing.T) {
	ds := allowedDecisions(t, 2)
	ctx := policy.NewContext()
	ctx.SetString("aws:username", "alice")
	authz.SetContext(ds[0], ctx)
	enc := authz.NewRecordEncoder()
	first, err := enc(nil, ds[0])
	if err != nil {
		t.Fatal(err)
	}
	ctx.SetString("custom:Later", "set after the first record")
	authz.SetContext(ds[1], ctx)
	got, err := enc(nil, ds[1])
	if err != nil {
		t.Fatal(err)
	}
	want, err := authz.EncodeRecord(ds[1])
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) || string(got) == string(first) {
		t.Errorf("second record\n%q\nwant\n%q", got, want)
	}
}

// A record is reused only for a decision saying the same besides its
// context: each field of the record, changed on its own between two
// decisions sharing a fixed context, is written as changed.
func TestRecordEncoderReusedRecordFollowsEachField(t *testing.T) {
	changes := []struct {
		name   string
		change func(d *authz.Decision)
	}{
		{"Action", func(d *authz.Decision) { d.Action = "imagebuilder:GetImage" }},
		{"Resource", func(d *authz.Decision) { d.Resource += "-other" }},
		{"Check", func(d *authz.Decision) { d.Check = "dependent" }},
		{"Service", func(d *authz.Decision) { d.Service = "iam" }},
		{"Operation", func(d *authz.Decision) { d.Operation = "GetImage" }},
		{"Transport", func(d *authz.Decision) { d.Transport = "grpc" }},
		{"Region", func(d *authz.Decision) { d.Region = "eu-west-1" }},
		{"SourceIP", func(d *authz.Decision) { d.SourceIP = "192.0.2.99" }},
		{"AccessKeyID", func(d *authz.Decision) { d.AccessKeyID = "AKIAOTHER" }},
		{"Principal", func(d *authz.Decision) { d.Principal += "-other" }},
		{"SessionIssued", func(d *authz.Decision) { d.SessionIssued = when.Add(-time.Hour) }},
		{"Time", func(d *authz.Decision) { d.Time = d.Time.Add(time.Second) }},
		{"Source", func(d *authz.Decision) { d.Source = policy.KindResource }},
	}
	ds := allowedDecisions(t, 2*len(changes))
	ctx := ds[0].Context()
	for i, c := range changes {
		a, b := ds[2*i], ds[2*i+1]
		authz.SetFixedContext(a, ctx)
		authz.SetFixedContext(b, ctx)
		c.change(b)
		enc := authz.NewRecordEncoder()
		for _, d := range []*authz.Decision{a, b} {
			got, err := enc(nil, d)
			if err != nil {
				t.Fatal(err)
			}
			want, err := authz.EncodeRecord(d)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("%s changed: the writer's encoder wrote\n%q\nwant\n%q", c.name, got, want)
			}
		}
	}
}
