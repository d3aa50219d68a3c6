package authz

import (
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/iam/policy"
)

// flatRequestContext is requestContext as it was before base contexts were
// kept: every key set on one new context, in the same order.
func flatRequestContext(c *callctx.Call, caller *Caller, session *auth.Session, via bool) *policy.Context {
	ctx := policy.NewContext()
	ctx.AddPrincipalKeys(&caller.Principal)
	now := c.Time.UTC()
	if tk := timeKeysAt(now); tk.currentOK {
		ctx.SetValue("aws:CurrentTime", tk.current)
		ctx.SetValue("aws:EpochTime", tk.epoch)
	}
	ctx.SetValue("aws:SecureTransport", boolValue(c.SecureTransport))
	if !via && c.SourceIP.IsValid() {
		ctx.SetValue("aws:SourceIp", sourceOf(c.SourceIP).val)
	}
	if c.Region != "" {
		ctx.SetString("aws:RequestedRegion", c.Region)
	}
	ctx.SetValue("aws:ViaAWSService", boolValue(via))
	if session != nil {
		sessionKeys(ctx, session, now)
	}
	if !via && c.S3 != nil {
		s3TransportKeys(ctx, c.S3)
	}
	return ctx
}

// The context a request gets from a kept base context is exactly the one
// built from scratch, and a base context is rebuilt whenever a fact it
// holds changes.
func TestRequestContextMatchesFlat(t *testing.T) {
	at := time.Date(2026, 11, 29, 12, 0, 0, 500, time.UTC)
	user := &Caller{Principal: policy.Principal{Kind: policy.PrincipalUser, ARN: "arn:aws:iam::111122223333:user/u",
		Account: "111122223333", UserID: "AIDA", Username: "u", Tags: map[string]string{"Team": "blue"}}}
	role := &Caller{Principal: policy.Principal{Kind: policy.PrincipalAssumedRole, ARN: "arn:aws:sts::111122223333:assumed-role/r/s",
		RoleARN: "arn:aws:iam::111122223333:role/r", Account: "111122223333", UserID: "AROA:s"}}
	session := &auth.Session{Kind: auth.SessionAssumeRole, Issued: at.Add(-time.Minute), MFA: true, MFATime: at.Add(-30 * time.Second), SourceIdentity: "me"}
	s3 := &callctx.S3Transport{AuthType: "REST-HEADER", SignatureVersion: "AWS4-HMAC-SHA256", ContentSHA256: "UNSIGNED-PAYLOAD"}

	c := &callctx.Call{Region: "us-east-1", Time: at, SourceIP: netip.MustParseAddr("127.0.0.1")}
	steps := []struct {
		name    string
		change  func()
		caller  *Caller
		session *auth.Session
		via     bool
		rebuild bool
	}{
		{"first", func() {}, user, nil, false, true},
		{"same second", func() { c.Time = at.Add(400 * time.Millisecond) }, user, nil, false, false},
		{"next second", func() { c.Time = at.Add(time.Second) }, user, nil, false, true},
		{"other address", func() { c.SourceIP = netip.MustParseAddr("::1") }, user, nil, false, true},
		{"no address", func() { c.SourceIP = netip.Addr{} }, user, nil, false, true},
		{"tls", func() { c.SecureTransport = true }, user, nil, false, true},
		{"other region", func() { c.Region = "eu-west-1" }, user, nil, false, true},
		{"no region", func() { c.Region = "" }, user, nil, false, true},
		{"via", func() { c.SourceIP = netip.MustParseAddr("10.0.0.1") }, user, nil, true, true},
		{"not via", func() {}, user, nil, false, true},
		{"s3", func() { c.S3 = s3 }, user, nil, false, false},
		{"role session", func() {}, role, session, false, true},
		{"role session again", func() { c.S3 = nil }, role, session, false, false},
	}
	for _, st := range steps {
		st.change()
		before := st.caller.base.Load()
		got := requestContext(c, st.caller, st.session, st.via)
		want := flatRequestContext(c, st.caller, st.session, st.via)
		if g, w := got.AppendSorted(nil), want.AppendSorted(nil); !reflect.DeepEqual(g, w) {
			t.Fatalf("%s: context\n got %+v\nwant %+v", st.name, g, w)
		}
		if rebuilt := st.caller.base.Load() != before; rebuilt != st.rebuild {
			t.Errorf("%s: base context rebuilt %v, want %v", st.name, rebuilt, st.rebuild)
		}
		// The derived context is the request's own: setting a key on it
		// leaves the shared base alone.
		got.SetString("aws:ResourceAccount", "999999999999")
		if again := requestContext(c, st.caller, st.session, st.via); again.Has("aws:ResourceAccount") {
			t.Fatalf("%s: a request's key leaked into the base context", st.name)
		}
	}
}

// Root callers are kept per account; different accounts never share one.
func TestRootCallerKept(t *testing.T) {
	e, err := New(Options{Identities: RootsOnly{}})
	if err != nil {
		t.Fatal(err)
	}
	a := e.rootCaller("111122223333")
	if e.rootCaller("111122223333") != a {
		t.Error("root caller not kept")
	}
	for i := range 200 {
		acct := "1000000000" + string(rune('0'+i/10%10)) + string(rune('0'+i%10))
		if c := e.rootCaller(acct); c.Principal.Account != acct || c.Principal.ARN != "arn:aws:iam::"+acct+":root" {
			t.Fatalf("rootCaller(%s) = %+v", acct, c.Principal)
		}
	}
}
