package authz

import (
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/iam/policy"
)

// The date format of date condition keys (aws:CurrentTime,
// aws:TokenIssueTime): ISO 8601 in UTC.
const dateFormat = "2006-01-02T15:04:05Z"

// requestContext returns a new request context holding the global
// condition keys AWS sets on every request from the call and the caller
// ("AWS global condition context keys"): the principal's keys,
// aws:CurrentTime, aws:EpochTime, aws:SecureTransport, aws:SourceIp,
// aws:RequestedRegion, aws:ViaAWSService, and for temporary credentials
// aws:TokenIssueTime, aws:MultiFactorAuthPresent and Age and
// aws:SourceIdentity; for S3 requests S3's transport keys. via marks a
// request a service makes on the caller's behalf.
//
// The keys that depend only on the caller and on facts every request of a
// client shares within one second (the principal's keys, the time, the
// transport, the source address, the region) are built once into a frozen
// context kept on the Caller (baseContext); the result is derived from it,
// so each request adds only its own keys. A Caller is never modified once
// shared and is replaced when its IAM state changes, so a kept context can
// never be stale.
func requestContext(c *callctx.Call, caller *Caller, session *auth.Session, via bool) *policy.Context {
	return requestContextIn(c, caller, session, via, nil)
}

// requestContextIn is requestContext with the context placed in sp, or in
// memory of its own when sp is nil.
func requestContextIn(c *callctx.Call, caller *Caller, session *auth.Session, via bool, sp *policy.DerivedSpace) *policy.Context {
	if sp == nil {
		sp = new(policy.DerivedSpace)
	}
	ctx := caller.baseContext(c, via).DeriveIn(sp)
	if session != nil {
		sessionKeys(ctx, session, c.Time.UTC())
	}
	if !via && c.S3 != nil {
		s3TransportKeys(ctx, c.S3)
	}
	return ctx
}

// baseKey is what a Caller's base context depends on besides the caller.
type baseKey struct {
	sec    int64
	ip     netip.Addr // zero when the request carries no aws:SourceIp
	region string
	secure bool
	via    bool
}

// baseContext is a Caller's frozen context of global keys for one baseKey.
type baseContext struct {
	key baseKey
	ctx *policy.Context
}

// baseContext returns the frozen context of the caller's global keys for
// the call, building it when the last one kept was for other facts.
func (caller *Caller) baseContext(c *callctx.Call, via bool) *policy.Context {
	now := c.Time.UTC()
	k := baseKey{sec: now.Unix(), region: c.Region, secure: c.SecureTransport, via: via}
	// A request a service makes on the caller's behalf carries no source IP
	// ("aws:SourceIp": not present when the request comes through an AWS
	// service).
	if !via && c.SourceIP.IsValid() {
		k.ip = c.SourceIP
	}
	if b := caller.base.Load(); b != nil && b.key == k {
		return b.ctx
	}
	ctx := policy.NewContext()
	globalKeys(ctx, caller, now, k)
	ctx.Freeze()
	caller.base.Store(&baseContext{key: k, ctx: ctx})
	return ctx
}

// globalKeys adds the keys of a base context.
func globalKeys(ctx *policy.Context, caller *Caller, now time.Time, k baseKey) {
	ctx.AddPrincipalKeys(&caller.Principal)
	tk := timeKeysAt(now)
	// A time Set cannot parse (a year past 9999) was never set: nor is it here.
	if tk.currentOK {
		ctx.SetValue("aws:CurrentTime", tk.current)
	}
	if tk.epochOK {
		ctx.SetValue("aws:EpochTime", tk.epoch)
	}
	ctx.SetValue("aws:SecureTransport", boolValue(k.secure))
	if k.ip.IsValid() {
		if st := sourceOf(k.ip); st.ok {
			ctx.SetValue("aws:SourceIp", st.val)
		}
	}
	if k.region != "" {
		ctx.SetString("aws:RequestedRegion", k.region)
	}
	ctx.SetValue("aws:ViaAWSService", boolValue(k.via))
}

// s3TransportKeys adds S3's keys about how the request was signed and
// carried ("Condition keys for Amazon S3", Service Authorization Reference):
// s3:authType, s3:signatureversion, s3:signatureAge (presigned URLs only,
// milliseconds), s3:x-amz-content-sha256 and, over TLS, s3:TlsVersion. The
// transport sets them for S3 requests only; a request a service makes on the
// caller's behalf carries none.
func s3TransportKeys(ctx *policy.Context, t *callctx.S3Transport) {
	if t.AuthType != "" {
		ctx.SetString("s3:authType", t.AuthType)
	}
	if t.SignatureVersion != "" {
		ctx.SetString("s3:signatureversion", t.SignatureVersion)
	}
	if t.HasSignatureAge {
		_ = ctx.Set("s3:signatureAge", policy.TypeNumeric, strconv.FormatInt(t.SignatureAge, 10))
	}
	if t.ContentSHA256 != "" {
		ctx.SetString("s3:x-amz-content-sha256", t.ContentSHA256)
	}
	if t.TLSVersion != "" {
		_ = ctx.Set("s3:TlsVersion", policy.TypeNumeric, t.TLSVersion)
	}
}

// timeKeys are aws:CurrentTime and aws:EpochTime of one second, formatted
// and parsed once for every request of that second.
type timeKeys struct {
	sec                int64
	current, epoch     policy.Value
	currentOK, epochOK bool
}

// The boolean values "true" and "false", parsed once.
var trueValue, falseValue = mustValue("true", policy.TypeBoolean), mustValue("false", policy.TypeBoolean)

func boolValue(b bool) policy.Value {
	if b {
		return trueValue
	}
	return falseValue
}

// mustValue parses a value this package formats itself.
func mustValue(raw string, typ policy.ValueType) policy.Value {
	v, err := policy.ParseValue(raw, typ)
	if err != nil {
		panic(err)
	}
	return v
}

var lastTimeKeys atomic.Pointer[timeKeys]

// sourceText is an address, its text and its parsed aws:SourceIp value,
// kept for the next request from the same client (a test suite calls from
// one address).
type sourceText struct {
	addr netip.Addr
	text string
	val  policy.Value
	ok   bool // val parsed (an address always does)
}

var lastSource atomic.Pointer[sourceText]

// ipText is a.String(), without formatting it again for the same address
// as the previous call.
func ipText(a netip.Addr) string {
	return sourceOf(a).text
}

func sourceOf(a netip.Addr) *sourceText {
	if st := lastSource.Load(); st != nil && st.addr == a {
		return st
	}
	st := &sourceText{addr: a, text: a.String()}
	v, err := policy.ParseValue(st.text, policy.TypeIP)
	st.val, st.ok = v, err == nil
	lastSource.Store(st)
	return st
}

func timeKeysAt(now time.Time) *timeKeys {
	sec := now.Unix()
	if tk := lastTimeKeys.Load(); tk != nil && tk.sec == sec {
		return tk
	}
	tk := &timeKeys{sec: sec}
	var err error
	tk.current, err = policy.ParseValue(now.Format(dateFormat), policy.TypeDate)
	tk.currentOK = err == nil
	tk.epoch, err = policy.ParseValue(strconv.FormatInt(sec, 10), policy.TypeNumeric)
	tk.epochOK = err == nil
	lastTimeKeys.Store(tk)
	return tk
}

func sessionKeys(ctx *policy.Context, s *auth.Session, now time.Time) {
	if !s.Issued.IsZero() {
		_ = ctx.Set("aws:TokenIssueTime", policy.TypeDate, s.Issued.UTC().Format(dateFormat))
	}
	// Present (true or false) only for temporary credentials.
	_ = ctx.Set("aws:MultiFactorAuthPresent", policy.TypeBoolean, strconv.FormatBool(s.MFA))
	if s.MFA && !s.MFATime.IsZero() {
		age := int64(now.Sub(s.MFATime) / time.Second)
		if age < 0 {
			age = 0
		}
		_ = ctx.Set("aws:MultiFactorAuthAge", policy.TypeNumeric, strconv.FormatInt(age, 10))
	}
	if s.SourceIdentity != "" {
		ctx.SetString("aws:SourceIdentity", s.SourceIdentity)
	}
}

// requestKeys adds the condition keys the request contributes, read from the
// input members the spec binds them to.
func requestKeys(ctx *policy.Context, p *plan, in protoreflect.Message) {
	for i := range p.keys {
		k := &p.keys[i]
		switch {
		case k.prefix:
			k.path.tags(in, func(tag, val string) {
				ctx.SetTag(k.key, tag, val)
			})
		case k.tagKey:
			var keys []string
			k.path.tags(in, func(tag, _ string) { keys = append(keys, tag) })
			if len(keys) > 0 {
				_ = ctx.SetList(k.key, policy.TypeString, keys...)
			}
		default:
			vals, ok := k.path.values(in)
			if !ok || len(vals) == 0 {
				continue
			}
			if k.list {
				_ = ctx.SetList(k.key, k.typ, vals...)
			} else if err := ctx.Set(k.key, k.typ, vals...); err != nil {
				// A value the key's type cannot hold (a malformed ARN in an
				// ARN-typed key is still a string): keep it as a string, so
				// string operators see it and typed ones do not match.
				_ = ctx.Set(k.key, policy.TypeString, vals...)
			}
		}
	}
}

// resourceKeys adds what the resource contributes: aws:ResourceAccount,
// aws:ResourceTag/* (and iam:ResourceTag/* for IAM users and roles, which the
// reference lists beside it) and the resolver's own keys.
func resourceKeys(ctx *policy.Context, r *Resource) {
	if r.Account != "" && r.ARN != "*" {
		ctx.SetStringName(keyResourceAccount, r.Account)
	}
	iamTags := r.Type == "role" || r.Type == "user"
	for k, v := range r.Tags {
		ctx.SetTag("aws:ResourceTag/", k, v)
		if iamTags {
			ctx.SetTag("iam:ResourceTag/", k, v)
		}
	}
	for _, k := range r.Keys {
		if k.List {
			_ = ctx.SetList(k.Name, k.Type, k.Values...)
		} else {
			_ = ctx.Set(k.Name, k.Type, k.Values...)
		}
	}
}

var keyResourceAccount = policy.NewKeyName("aws:ResourceAccount")

// extraKeys adds keys a service passes with a check.
func extraKeys(ctx *policy.Context, keys []Key) {
	for _, k := range keys {
		if k.List {
			_ = ctx.SetList(k.Name, k.Type, k.Values...)
		} else {
			_ = ctx.Set(k.Name, k.Type, k.Values...)
		}
	}
}

// viaKeys adds the keys of a request a service makes on the caller's behalf
// ("aws:CalledVia", "aws:CalledViaFirst", "aws:CalledViaLast").
func viaKeys(ctx *policy.Context, chain []string) {
	if len(chain) == 0 {
		return
	}
	_ = ctx.SetList("aws:CalledVia", policy.TypeString, chain...)
	ctx.SetString("aws:CalledViaFirst", chain[0])
	ctx.SetString("aws:CalledViaLast", chain[len(chain)-1])
}

// serviceOfAction returns the prefix of "service:Action".
func serviceOfAction(action string) string {
	if i := strings.IndexByte(action, ':'); i > 0 {
		return action[:i]
	}
	return action
}
