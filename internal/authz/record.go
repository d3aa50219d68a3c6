package authz

import (
	"path"
	"strings"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/ibemu/ibemu/internal/iam/policy"
	adminv1 "github.com/ibemu/ibemu/proto/admin/v1"
)

// Record renders a decision for the decision log: everything recorded
// about it, with the engine's explanation, the smallest changes that would
// allow it (Fixes) and the sealed authorization message of a denial. It
// evaluates the request again with tracing, so it belongs off the request
// path (the Store's writer calls it).
func (d *Decision) Record() *adminv1.Decision {
	r := &adminv1.Decision{
		TimeUnixNano:    d.Time.UnixNano(),
		RequestId:       d.RequestID,
		Principal:       d.Principal,
		Action:          d.Action,
		Resource:        d.Resource,
		Check:           d.Check,
		Outcome:         d.Outcome.String(),
		Policy:          d.Policy(),
		Statement:       d.Statement(),
		Message:         d.Message,
		Service:         d.Service,
		Operation:       d.Operation,
		Region:          d.Region,
		SourceIp:        d.SourceIP,
		Transport:       d.Transport,
		AccessKeyId:     d.AccessKeyID,
		ResourceAccount: d.req.ResourceAccount,
	}
	if d.Soft {
		r.Outcome, r.WouldDeny = SoftDeny, d.Outcome.String()
	}
	if !d.SessionIssued.IsZero() {
		r.SessionIssuedUnix = d.SessionIssued.Unix()
	}
	if d.Source != 0 {
		r.PolicyType = kindName(d.Source)
	}
	if p := d.req.Principal; p != nil {
		r.PrincipalType = principalType(p.Kind)
		r.PrincipalId = p.UserID
		r.AccountId = p.Account
		r.RoleArn = p.RoleARN
		r.SessionName = p.SessionName
	}
	if p := d.req.Principal; p != nil && d.Outcome == policy.Allowed {
		// An allow is explained by what allowed it; tracing every policy
		// again would cost more than the request did.
		r.Explanation = "Decision: allowed"
		if r.PolicyType != "" {
			r.Explanation += " by " + r.PolicyType
			if r.Policy != "" {
				r.Explanation += " " + r.Policy
			}
			if r.Statement != "" {
				r.Explanation += ", " + r.Statement
			}
		} else {
			r.Explanation += " (the account root user is not limited by identity-based policies)"
		}
		r.Explanation += "\n"
	} else if p != nil {
		x := d.Explain()
		r.Explanation = x.String()
		for _, f := range Fixes(x) {
			r.Fixes = append(r.Fixes, &adminv1.Fix{
				Kind: f.Kind, PolicyType: f.PolicyType, Policy: f.Policy, Sid: f.Sid, Text: f.Text,
				Statement: f.Statement, ConditionKey: f.ConditionKey, ConditionValues: f.ConditionValues,
			})
		}
		for _, k := range []policy.PolicyKind{policy.KindServiceControl, policy.KindResourceControl, policy.KindResource, policy.KindKeyPolicy, policy.KindTrust, policy.KindIdentity, policy.KindPermissionsBoundary, policy.KindSession} {
			for _, fc := range x.FailedConditions(k) {
				r.FailedConditions = append(r.FailedConditions, kindName(k)+": "+fc)
			}
		}
	} else {
		r.PrincipalType = "Root"
		if d.Principal != "" && !strings.HasSuffix(d.Principal, ":root") {
			r.PrincipalType = "Unknown"
		}
	}
	if ctx := d.req.Context; ctx != nil {
		for _, k := range ctx.Keys() {
			vals, _ := ctx.Lookup(k)
			e := &adminv1.ContextEntry{Key: k}
			for _, v := range vals {
				e.Values = append(e.Values, v.Raw)
			}
			r.Context = append(r.Context, e)
		}
	}
	r.EncodedMessage = d.EncodedMessage()
	return r
}

// principalType is CloudTrail's userIdentity.type of a principal kind.
func principalType(k policy.PrincipalKind) string {
	switch k {
	case policy.PrincipalRoot:
		return "Root"
	case policy.PrincipalUser:
		return "IAMUser"
	case policy.PrincipalAssumedRole:
		return "AssumedRole"
	case policy.PrincipalFederatedUser:
		return "FederatedUser"
	case policy.PrincipalService:
		return "AWSService"
	case policy.PrincipalWebIdentity:
		return "WebIdentityUser"
	}
	return "Anonymous"
}

// Filter selects decisions; zero fields match everything.
type Filter struct {
	// Principal is an ARN, matched exactly (case-insensitively); a role ARN
	// also matches the sessions of that role.
	Principal string
	// Action is an IAM action, matched case-insensitively; "*" and "?"
	// wildcards are allowed ("imagebuilder:Get*").
	Action string
	// Outcome is "allow", "deny" (implicit or explicit, enforced),
	// "softDeny" (allowed by soft enforcement), "wouldDeny" (either kind of
	// denial) or "".
	Outcome string
	// Since and Until bound the decision time: Since <= t < Until.
	Since, Until time.Time
	// RequestID selects the decisions of one request.
	RequestID string
}

// FilterFromProto converts the admin API's filter.
func FilterFromProto(f *adminv1.DecisionFilter) Filter {
	out := Filter{Principal: f.GetPrincipal(), Action: f.GetAction(), Outcome: f.GetOutcome(), RequestID: f.GetRequestId()}
	if n := f.GetSinceUnixNano(); n != 0 {
		out.Since = time.Unix(0, n)
	}
	if n := f.GetUntilUnixNano(); n != 0 {
		out.Until = time.Unix(0, n)
	}
	return out
}

// Match reports whether the filter selects r.
func (f Filter) Match(r *adminv1.Decision) bool {
	if f.RequestID != "" && r.GetRequestId() != f.RequestID {
		return false
	}
	if f.Principal != "" && !strings.EqualFold(r.GetPrincipal(), f.Principal) && !strings.EqualFold(r.GetRoleArn(), f.Principal) {
		return false
	}
	if f.Action != "" {
		if ok, _ := path.Match(strings.ToLower(f.Action), strings.ToLower(r.GetAction())); !ok {
			return false
		}
	}
	switch f.Outcome {
	case "allow", "allowed":
		if r.GetOutcome() != policy.Allowed.String() {
			return false
		}
	case "deny", "denied":
		if o := r.GetOutcome(); o == policy.Allowed.String() || o == SoftDeny {
			return false
		}
	case "softdeny", SoftDeny, "soft":
		if r.GetOutcome() != SoftDeny {
			return false
		}
	case "wouldDeny", "woulddeny":
		if r.GetOutcome() == policy.Allowed.String() {
			return false
		}
	}
	t := r.GetTimeUnixNano()
	if !f.Since.IsZero() && t < f.Since.UnixNano() {
		return false
	}
	if !f.Until.IsZero() && t >= f.Until.UnixNano() {
		return false
	}
	return true
}

// Field numbers of adminv1.Decision and adminv1.ContextEntry
// (proto/admin/v1/admin.proto), for the hand-written encoder below.
const (
	fTimeUnixNano      protowire.Number = 2
	fRequestID         protowire.Number = 3
	fPrincipal         protowire.Number = 4
	fPrincipalType     protowire.Number = 5
	fPrincipalID       protowire.Number = 6
	fAccountID         protowire.Number = 7
	fAccessKeyID       protowire.Number = 8
	fRoleARN           protowire.Number = 9
	fSessionName       protowire.Number = 10
	fSessionIssuedUnix protowire.Number = 11
	fAction            protowire.Number = 12
	fResource          protowire.Number = 13
	fResourceAccount   protowire.Number = 14
	fCheck             protowire.Number = 15
	fOutcome           protowire.Number = 16
	fPolicyType        protowire.Number = 17
	fPolicy            protowire.Number = 18
	fStatement         protowire.Number = 19
	fContext           protowire.Number = 20
	fMessage           protowire.Number = 21
	fExplanation       protowire.Number = 23
	fService           protowire.Number = 25
	fOperation         protowire.Number = 26
	fRegion            protowire.Number = 27
	fSourceIP          protowire.Number = 28
	fTransport         protowire.Number = 30

	fContextKey    protowire.Number = 1
	fContextValues protowire.Number = 2
)

// recordEncoder writes decisions in the log's record format (an
// adminv1.Decision in protobuf wire form). It belongs to one goroutine (the
// Store's writer) and reuses one slice for the sorted request context of
// each record.
type recordEncoder struct {
	kv []policy.KeyValues // the context of the record being encoded
}

// appendRecord appends d's record to b: the same bytes, once decoded, as
// proto.Marshal of d.Record() (TestRecordEncoderMatchesRecord checks it).
// An allowed decision, the common case, is written field by field without
// building the message: no explanation string, no context entries, no
// message to marshal. Others (denials, soft denials, decisions without a
// principal) go through Record, which traces the request again.
func (e *recordEncoder) appendRecord(b []byte, d *Decision) ([]byte, error) {
	p := d.req.Principal
	if d.Outcome != policy.Allowed || d.Soft || p == nil {
		return proto.MarshalOptions{Deterministic: true}.MarshalAppend(b, d.Record())
	}
	b = appendVarintField(b, fTimeUnixNano, d.Time.UnixNano())
	b = appendStringField(b, fRequestID, d.RequestID)
	b = appendStringField(b, fPrincipal, d.Principal)
	b = appendStringField(b, fPrincipalType, principalType(p.Kind))
	b = appendStringField(b, fPrincipalID, p.UserID)
	b = appendStringField(b, fAccountID, p.Account)
	b = appendStringField(b, fAccessKeyID, d.AccessKeyID)
	b = appendStringField(b, fRoleARN, p.RoleARN)
	b = appendStringField(b, fSessionName, p.SessionName)
	if !d.SessionIssued.IsZero() {
		b = appendVarintField(b, fSessionIssuedUnix, d.SessionIssued.Unix())
	}
	b = appendStringField(b, fAction, d.Action)
	b = appendStringField(b, fResource, d.Resource)
	b = appendStringField(b, fResourceAccount, d.req.ResourceAccount)
	b = appendStringField(b, fCheck, d.Check)
	b = appendStringField(b, fOutcome, d.Outcome.String())
	var kind string
	if d.Source != 0 {
		kind = kindName(d.Source)
	}
	pol, st := d.Policy(), d.Statement()
	b = appendStringField(b, fPolicyType, kind)
	b = appendStringField(b, fPolicy, pol)
	b = appendStringField(b, fStatement, st)
	if ctx := d.req.Context; ctx != nil {
		e.kv = ctx.AppendSorted(e.kv[:0])
		for i := range e.kv {
			k, vals := e.kv[i].Name, e.kv[i].Values
			n := 0
			if k != "" {
				n += protowire.SizeTag(fContextKey) + protowire.SizeBytes(len(k))
			}
			for i := range vals {
				n += protowire.SizeTag(fContextValues) + protowire.SizeBytes(len(vals[i].Raw))
			}
			b = protowire.AppendTag(b, fContext, protowire.BytesType)
			b = protowire.AppendVarint(b, uint64(n))
			b = appendStringField(b, fContextKey, k)
			for i := range vals {
				b = protowire.AppendTag(b, fContextValues, protowire.BytesType)
				b = protowire.AppendString(b, vals[i].Raw)
			}
		}
		clear(e.kv) // keep no decision's values alive
	}
	b = appendStringField(b, fMessage, d.Message)
	b = appendAllowExplanation(b, kind, pol, st)
	b = appendStringField(b, fService, d.Service)
	b = appendStringField(b, fOperation, d.Operation)
	b = appendStringField(b, fRegion, d.Region)
	b = appendStringField(b, fSourceIP, d.SourceIP)
	b = appendStringField(b, fTransport, d.Transport)
	return b, nil
}

// Parts of the explanation of an allowed decision (see Record).
const (
	allowedBy   = "Decision: allowed by "
	allowedRoot = "Decision: allowed (the account root user is not limited by identity-based policies)\n"
)

// appendAllowExplanation appends the explanation field of an allowed
// decision, as Record writes it, without building the string first.
func appendAllowExplanation(b []byte, kind, pol, st string) []byte {
	b = protowire.AppendTag(b, fExplanation, protowire.BytesType)
	if kind == "" {
		return protowire.AppendString(b, allowedRoot)
	}
	n := len(allowedBy) + len(kind) + 1
	if pol != "" {
		n += 1 + len(pol)
	}
	if st != "" {
		n += 2 + len(st)
	}
	b = protowire.AppendVarint(b, uint64(n))
	b = append(b, allowedBy...)
	b = append(b, kind...)
	if pol != "" {
		b = append(append(b, ' '), pol...)
	}
	if st != "" {
		b = append(append(b, ", "...), st...)
	}
	return append(b, '\n')
}

func appendStringField(b []byte, num protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func appendVarintField(b []byte, num protowire.Number, v int64) []byte {
	if v == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, uint64(v))
}
