package authz

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"path"
	"slices"
	"strconv"
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

// recordEncoder writes decisions in the log's record formats. It belongs
// to one goroutine (the Store's writer) and reuses one slice for the
// request context of each record and the time strings of the last second
// it saw.
type recordEncoder struct {
	kv []policy.KeyValues // the context of the record being encoded

	sec            int64 // the second current and epoch were made for
	timeSet        bool
	current, epoch string // aws:CurrentTime and aws:EpochTime of sec

	// The keys of the last context encoded, in order, with their codes in
	// compactKeyCodes (0: none): the next request's context usually sets
	// the same keys in the same order, found here without hashing.
	keys  []string
	codes []uint64

	// The last compact record of a decision whose context is fixed
	// (Decision.ctxFixed: never written after the decision). A compact
	// record is a function of its head, its context's keys and values and
	// the fields they may refer to, so the next decision with the same
	// context (the same object) and equal head and fields is written as
	// those bytes again: a caller's repeated request (the decision memo)
	// shares its context and everything else but its time (second) and
	// request id, which the journal keeps beside the record. forgetContext
	// drops it at the end of each batch, so the writer keeps no context
	// alive while it waits.
	last lastRecord
}

// forgetContext drops the last record and its context.
func (e *recordEncoder) forgetContext() {
	record := e.last.record[:0]
	if cap(record) > maxKeptRecordBytes {
		record = nil
	}
	e.last = lastRecord{record: record}
}

// maxKeptRecordBytes is the largest last record kept between batches.
const maxKeptRecordBytes = 16 << 10

// Record formats. A record is either an adminv1.Decision in protobuf wire
// form (denials, and every record written before the compact format), or
// a compact record: compactV1 (field 2047, a varint: the format's
// version), then protobuf-wire fields that describe an allowed decision
// (see appendRecord). No Decision field is numbered 2047 and no encoder
// ever wrote one, so the reader tells them apart by the first bytes; a
// compact record is still well-formed protobuf, so a build from before the
// format (a downgrade) lists it, incompletely, rather than failing on it.
// The tables below are part of the stored format: append to them, never
// reorder or change an entry.
var compactV1 = protowire.AppendVarint(protowire.AppendTag(nil, compactVersionField, protowire.VarintType), 1)

const compactVersionField protowire.Number = 2047

// Fields of a compact record besides those it shares with adminv1.Decision
// (Principal, PrincipalId, AccountId, AccessKeyId, RoleArn, SessionName,
// SessionIssuedUnix, Action, Resource, ResourceAccount, Check, Policy,
// Statement, Context, Service, Operation, Region, SourceIp, Transport,
// written as in the message). PrincipalType and PolicyType are a varint
// index into compactWords (or, for a word not there, the string). The time
// and request id are the journal's (key and index); the outcome is
// "allowed" and the explanation is made from the deciding policy, as
// Record makes them.
//
// A context entry (field 20) holds its key as a string (1), an index into
// compactKeys (3), or an index into compactKeyPrefixes (5) followed by the
// rest of the key (1); each value, in order, as a string (2), a reference
// to another field of the record (4, compactRef*) or an index into
// compactWords (6). Entries are stored in the order the request set them;
// the reader sorts them by key, as Record lists them.
const (
	fcKey       protowire.Number = 1
	fcValue     protowire.Number = 2
	fcKeyCode   protowire.Number = 3
	fcValueRef  protowire.Number = 4
	fcKeyPrefix protowire.Number = 5
	fcValueWord protowire.Number = 6
)

// compactKeys are the context keys a compact record names by number
// (index + 1).
var compactKeys = [...]string{
	"aws:CurrentTime", "aws:EpochTime", "aws:PrincipalAccount", "aws:PrincipalArn",
	"aws:PrincipalIsAWSService", "aws:PrincipalType", "aws:RequestedRegion", "aws:ResourceAccount",
	"aws:SecureTransport", "aws:SourceIp", "aws:ViaAWSService", "aws:username",
	"aws:userid", "aws:TokenIssueTime", "aws:MultiFactorAuthPresent", "aws:MultiFactorAuthAge",
	"aws:SourceIdentity", "aws:PrincipalServiceName", "aws:CalledVia", "aws:CalledViaFirst",
	"aws:CalledViaLast", "aws:TagKeys", "aws:FederatedProvider", "aws:PrincipalOrgID",
	"aws:ResourceOrgID", "kms:ViaService", "iam:PassedToService", "s3:authType",
	"s3:signatureversion", "s3:signatureAge", "s3:x-amz-content-sha256", "s3:TlsVersion",
}

// compactKeyPrefixes are the prefixes of tag keys a compact record names
// by number (index + 1).
var compactKeyPrefixes = [...]string{"aws:PrincipalTag/", "aws:ResourceTag/", "aws:RequestTag/"}

// compactWords are the values, principal types and policy types a compact
// record names by number (index, from 0).
var compactWords = [...]string{
	"", "true", "false", "User", "AssumedRole", "Account", "FederatedUser",
	"Root", "IAMUser", "AWSService", "WebIdentityUser", "Anonymous",
	"identity-based policy", "resource-based policy", "KMS key policy", "role trust policy",
	"permissions boundary", "session policy", "service control policy", "resource control policy", "policy",
}

// References of a context value to a field of its record (field 4 of a
// context entry).
const (
	compactRefPrincipal       = 1
	compactRefPrincipalID     = 2
	compactRefAccountID       = 3
	compactRefResourceAccount = 4
	compactRefRegion          = 5
	compactRefSourceIP        = 6
	compactRefRoleARN         = 7
	compactRefSessionName     = 8
	compactRefAccessKeyID     = 9
	compactRefCurrentTime     = 10 // the record's time, UTC, recordDateFormat, to the second
	compactRefEpochTime       = 11 // the record's time in seconds since the epoch
	compactRefPrincipalName   = 12 // the principal's ARN after its last '/'
)

// recordDateFormat is how a compact record's time is rendered for a
// compactRefCurrentTime value (the format of aws:CurrentTime).
const recordDateFormat = "2006-01-02T15:04:05Z"

var (
	compactKeyCodes = indexTable(compactKeys[:], 1)
	maxWordLen      = len(slices.MaxFunc(compactWords[:], func(a, b string) int { return len(a) - len(b) }))
)

// compactWordsByLen are the codes of compactWords by the words' length:
// a value is compared with the few words of its length, without hashing.
var compactWordsByLen = func() (t [][]uint64) {
	t = make([][]uint64, maxWordLen+1)
	for i, w := range compactWords {
		t[len(w)] = append(t[len(w)], uint64(i))
	}
	return t
}()

// wordCode returns the code of s in compactWords.
func wordCode(s string) (uint64, bool) {
	if len(s) >= len(compactWordsByLen) {
		return 0, false
	}
	for _, c := range compactWordsByLen[len(s)] {
		if compactWords[c] == s {
			return c, true
		}
	}
	return 0, false
}

func indexTable(ss []string, base int) map[string]uint64 {
	m := make(map[string]uint64, len(ss))
	for i, s := range ss {
		m[s] = uint64(i + base)
	}
	return m
}

// compactFields are the fields of a record that context values may refer
// to, indexed by compactRef*.
type compactFields [compactRefPrincipalName + 1]string

// timeStrings returns aws:CurrentTime and aws:EpochTime as a compact
// record made at unixNano renders them.
func timeStrings(unixNano int64) (current, epoch string) {
	t := time.Unix(0, unixNano).UTC()
	return t.Format(recordDateFormat), strconv.FormatInt(t.Unix(), 10)
}

// principalName is the principal's ARN after its last '/' (an IAM user's
// name without its path).
func principalName(arn string) string {
	return arn[strings.LastIndexByte(arn, '/')+1:]
}

// appendRecord appends d's record to b. Decoded (decodeRecord), it is
// exactly d.Record() (TestRecordEncoderMatchesRecord checks it). An
// allowed decision, the common case, is written as a compact record, field
// by field, without building the message: no explanation, no context
// entries, no sort; the context keys and values every request repeats
// (the principal's ARN, account, the time, the region...) are a byte or
// two each. Others (denials, soft denials, decisions without a principal)
// go through Record, which traces the request again, and are stored as
// the message.
func (e *recordEncoder) appendRecord(b []byte, d *Decision) ([]byte, error) {
	p := d.req.Principal
	if d.Outcome != policy.Allowed || d.Soft || p == nil {
		return proto.MarshalOptions{Deterministic: true}.MarshalAppend(b, d.Record())
	}
	ctx := d.req.Context
	// The fields context values may refer to (compactRef*), and the rest
	// of what the record says besides the context.
	var f compactFields
	if ctx != nil {
		f[compactRefPrincipal] = d.Principal
		f[compactRefPrincipalID] = p.UserID
		f[compactRefAccountID] = p.Account
		f[compactRefResourceAccount] = d.req.ResourceAccount
		f[compactRefRegion] = d.Region
		f[compactRefSourceIP] = d.SourceIP
		f[compactRefRoleARN] = p.RoleARN
		f[compactRefSessionName] = p.SessionName
		f[compactRefAccessKeyID] = d.AccessKeyID
		now := d.Time.UnixNano()
		if sec := time.Unix(0, now).Unix(); !e.timeSet || sec != e.sec {
			e.current, e.epoch = timeStrings(now)
			e.sec, e.timeSet = sec, true
		}
		f[compactRefCurrentTime], f[compactRefEpochTime] = e.current, e.epoch
		f[compactRefPrincipalName] = principalName(d.Principal)
	}
	head := recordHead{
		principal: d.Principal, principalType: principalType(p.Kind), principalID: p.UserID, account: p.Account,
		accessKeyID: d.AccessKeyID, roleARN: p.RoleARN, sessionName: p.SessionName, sessionIssued: !d.SessionIssued.IsZero(),
		action: d.Action, resource: d.Resource, resourceAccount: d.req.ResourceAccount, check: d.Check, source: d.Source,
		policy: d.Policy(), statement: d.Statement(), service: d.Service, operation: d.Operation, region: d.Region,
		sourceIP: d.SourceIP, transport: d.Transport,
	}
	if head.sessionIssued {
		head.sessionIssuedUnix = d.SessionIssued.Unix()
	}
	reuse := d.ctxFixed && ctx != nil
	if reuse && ctx == e.last.ctx && f == e.last.fields && head == e.last.head {
		return append(b, e.last.record...), nil
	}
	start := len(b)
	b = append(b, compactV1...)
	b = appendStringField(b, fPrincipal, head.principal)
	b = appendWordField(b, fPrincipalType, head.principalType)
	b = appendStringField(b, fPrincipalID, head.principalID)
	b = appendStringField(b, fAccountID, head.account)
	b = appendStringField(b, fAccessKeyID, head.accessKeyID)
	b = appendStringField(b, fRoleARN, head.roleARN)
	b = appendStringField(b, fSessionName, head.sessionName)
	if head.sessionIssued {
		b = appendVarintField(b, fSessionIssuedUnix, head.sessionIssuedUnix)
	}
	b = appendStringField(b, fAction, head.action)
	b = appendStringField(b, fResource, head.resource)
	b = appendStringField(b, fResourceAccount, head.resourceAccount)
	b = appendStringField(b, fCheck, head.check)
	if head.source != 0 {
		b = appendWordField(b, fPolicyType, kindName(head.source))
	}
	b = appendStringField(b, fPolicy, head.policy)
	b = appendStringField(b, fStatement, head.statement)
	b = appendStringField(b, fService, head.service)
	b = appendStringField(b, fOperation, head.operation)
	b = appendStringField(b, fRegion, head.region)
	b = appendStringField(b, fSourceIP, head.sourceIP)
	b = appendStringField(b, fTransport, head.transport)
	if ctx != nil {
		e.kv = ctx.AppendUnsorted(e.kv[:0])
		for i := range e.kv {
			b = appendCompactEntry(b, e.kv[i].Name, e.keyCode(i, e.kv[i].Name), e.kv[i].Values, &f)
		}
		clear(e.kv) // keep no decision's values alive
	}
	if reuse {
		e.last.ctx, e.last.fields, e.last.head = ctx, f, head
		e.last.record = append(e.last.record[:0], b[start:]...)
	}
	return b, nil
}

// recordHead is what a compact record says besides its context entries
// (and the fields they refer to, compactFields): with those, the record's
// bytes are a function of it.
type recordHead struct {
	principal, principalType, principalID, account, accessKeyID, roleARN, sessionName string
	sessionIssued                                                                     bool
	sessionIssuedUnix                                                                 int64
	action, resource, resourceAccount, check                                          string
	source                                                                            policy.PolicyKind
	policy, statement, service, operation, region, sourceIP, transport                string
}

// lastRecord is the last compact record written for a decision whose
// context is fixed (Decision.ctxFixed), with what it was made from.
type lastRecord struct {
	ctx    *policy.Context
	fields compactFields
	head   recordHead
	record []byte
}

// keyCode returns the code of the i-th key of a context in compactKeys
// (0 for none).
func (e *recordEncoder) keyCode(i int, key string) uint64 {
	if i < len(e.keys) && e.keys[i] == key {
		return e.codes[i]
	}
	c := compactKeyCodes[key]
	if i < len(e.keys) {
		e.keys[i], e.codes[i] = key, c
	} else if i == len(e.keys) {
		e.keys, e.codes = append(e.keys, key), append(e.codes, c)
	}
	return c
}

// appendCompactEntry appends a context entry of a compact record; code is
// the key's in compactKeys (0 for none).
func appendCompactEntry(b []byte, key string, code uint64, vals []policy.Value, f *compactFields) []byte {
	b = appendTag(b, fContext, protowire.BytesType)
	// One byte of length, moved aside in the rare entry of 128 bytes or
	// more.
	at := len(b)
	b = append(b, 0)
	if c := code; c != 0 {
		b = appendTag(b, fcKeyCode, protowire.VarintType)
		b = appendVarint(b, c)
	} else {
		prefixed := false
		for i, pre := range compactKeyPrefixes {
			if len(key) > len(pre) && key[:len(pre)] == pre {
				b = appendTag(b, fcKeyPrefix, protowire.VarintType)
				b = appendVarint(b, uint64(i+1))
				b = appendTag(b, fcKey, protowire.BytesType)
				b = append(appendVarint(b, uint64(len(key)-len(pre))), key[len(pre):]...)
				prefixed = true
				break
			}
		}
		if !prefixed {
			b = appendTag(b, fcKey, protowire.BytesType)
			b = append(appendVarint(b, uint64(len(key))), key...)
		}
	}
values:
	for i := range vals {
		v := vals[i].Raw
		for ref := 1; ref < len(f); ref++ {
			if f[ref] == v {
				b = appendTag(b, fcValueRef, protowire.VarintType)
				b = appendVarint(b, uint64(ref))
				continue values
			}
		}
		if w, ok := wordCode(v); ok {
			b = appendTag(b, fcValueWord, protowire.VarintType)
			b = appendVarint(b, w)
			continue
		}
		b = appendTag(b, fcValue, protowire.BytesType)
		b = append(appendVarint(b, uint64(len(v))), v...)
	}
	n := len(b) - at - 1
	if n < 0x80 {
		b[at] = byte(n)
		return b
	}
	var lb [binary.MaxVarintLen64]byte
	l := protowire.AppendVarint(lb[:0], uint64(n))
	b = append(b, l[1:]...)
	copy(b[at+len(l):], b[at+1:at+1+n])
	copy(b[at:], l)
	return b
}

// appendWordField appends a string field as its index in compactWords, or
// as the string if it is not there.
func appendWordField(b []byte, num protowire.Number, s string) []byte {
	if w, ok := wordCode(s); ok {
		b = appendTag(b, num, protowire.VarintType)
		return appendVarint(b, w)
	}
	return appendStringField(b, num, s)
}

// decodeCompact decodes a compact record (see appendRecord) stored at
// time unixNano for request id.
func decodeCompact(v []byte, unixNano int64, id string) (*adminv1.Decision, error) {
	if !bytes.HasPrefix(v, compactV1) {
		return nil, errors.New("unknown record format")
	}
	r := &adminv1.Decision{TimeUnixNano: unixNano, RequestId: id, Outcome: policy.Allowed.String()}
	var entries [][]byte
	for b := v[len(compactV1):]; len(b) > 0; {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		b = b[n:]
		switch typ {
		case protowire.VarintType:
			x, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return nil, protowire.ParseError(n)
			}
			b = b[n:]
			switch num {
			case fSessionIssuedUnix:
				r.SessionIssuedUnix = int64(x)
			case fPrincipalType, fPolicyType:
				if x >= uint64(len(compactWords)) {
					return nil, fmt.Errorf("word %d out of range", x)
				}
				if num == fPrincipalType {
					r.PrincipalType = compactWords[x]
				} else {
					r.PolicyType = compactWords[x]
				}
			default:
				return nil, fmt.Errorf("unexpected varint field %d", num)
			}
		case protowire.BytesType:
			val, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return nil, protowire.ParseError(n)
			}
			b = b[n:]
			if num == fContext {
				entries = append(entries, val)
				continue
			}
			s := string(val)
			switch num {
			case fPrincipal:
				r.Principal = s
			case fPrincipalType:
				r.PrincipalType = s
			case fPrincipalID:
				r.PrincipalId = s
			case fAccountID:
				r.AccountId = s
			case fAccessKeyID:
				r.AccessKeyId = s
			case fRoleARN:
				r.RoleArn = s
			case fSessionName:
				r.SessionName = s
			case fAction:
				r.Action = s
			case fResource:
				r.Resource = s
			case fResourceAccount:
				r.ResourceAccount = s
			case fCheck:
				r.Check = s
			case fPolicyType:
				r.PolicyType = s
			case fPolicy:
				r.Policy = s
			case fStatement:
				r.Statement = s
			case fService:
				r.Service = s
			case fOperation:
				r.Operation = s
			case fRegion:
				r.Region = s
			case fSourceIP:
				r.SourceIp = s
			case fTransport:
				r.Transport = s
			default:
				return nil, fmt.Errorf("unexpected field %d", num)
			}
		default:
			return nil, fmt.Errorf("unexpected wire type %d of field %d", typ, num)
		}
	}
	r.Explanation = allowExplanation(r.PolicyType, r.Policy, r.Statement)
	if len(entries) == 0 {
		return r, nil
	}
	var f compactFields
	f[compactRefPrincipal] = r.Principal
	f[compactRefPrincipalID] = r.PrincipalId
	f[compactRefAccountID] = r.AccountId
	f[compactRefResourceAccount] = r.ResourceAccount
	f[compactRefRegion] = r.Region
	f[compactRefSourceIP] = r.SourceIp
	f[compactRefRoleARN] = r.RoleArn
	f[compactRefSessionName] = r.SessionName
	f[compactRefAccessKeyID] = r.AccessKeyId
	f[compactRefCurrentTime], f[compactRefEpochTime] = timeStrings(unixNano)
	f[compactRefPrincipalName] = principalName(r.Principal)
	r.Context = make([]*adminv1.ContextEntry, len(entries))
	all := make([]adminv1.ContextEntry, len(entries))
	for i, body := range entries {
		e := &all[i]
		if err := decodeCompactEntry(e, body, &f); err != nil {
			return nil, err
		}
		r.Context[i] = e
	}
	slices.SortFunc(r.Context, func(a, b *adminv1.ContextEntry) int { return strings.Compare(a.Key, b.Key) })
	return r, nil
}

// decodeCompactEntry decodes a context entry of a compact record.
func decodeCompactEntry(e *adminv1.ContextEntry, b []byte, f *compactFields) error {
	prefix := ""
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		switch typ {
		case protowire.VarintType:
			x, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return protowire.ParseError(n)
			}
			b = b[n:]
			switch {
			case num == fcKeyCode && x >= 1 && x <= uint64(len(compactKeys)):
				e.Key = compactKeys[x-1]
			case num == fcKeyPrefix && x >= 1 && x <= uint64(len(compactKeyPrefixes)):
				prefix = compactKeyPrefixes[x-1]
			case num == fcValueRef && x >= 1 && x < uint64(len(f)):
				e.Values = append(e.Values, f[x])
			case num == fcValueWord && x < uint64(len(compactWords)):
				e.Values = append(e.Values, compactWords[x])
			default:
				return fmt.Errorf("context field %d: %d out of range", num, x)
			}
		case protowire.BytesType:
			val, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return protowire.ParseError(n)
			}
			b = b[n:]
			switch num {
			case fcKey:
				e.Key = prefix + string(val)
			case fcValue:
				e.Values = append(e.Values, string(val))
			default:
				return fmt.Errorf("unexpected context field %d", num)
			}
		default:
			return fmt.Errorf("unexpected wire type %d of context field %d", typ, num)
		}
	}
	return nil
}

// allowExplanation is the explanation Record gives an allowed decision.
func allowExplanation(kind, pol, st string) string {
	if kind == "" {
		return allowedRoot
	}
	s := allowedBy + kind
	if pol != "" {
		s += " " + pol
	}
	if st != "" {
		s += ", " + st
	}
	return s + "\n"
}

// Parts of the explanation of an allowed decision (see Record).
const (
	allowedBy   = "Decision: allowed by "
	allowedRoot = "Decision: allowed (the account root user is not limited by identity-based policies)\n"
)

func appendStringField(b []byte, num protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	b = appendTag(b, num, protowire.BytesType)
	return append(appendVarint(b, uint64(len(s))), s...)
}

func appendVarintField(b []byte, num protowire.Number, v int64) []byte {
	if v == 0 {
		return b
	}
	b = appendTag(b, num, protowire.VarintType)
	return appendVarint(b, uint64(v))
}

// appendVarint is protowire.AppendVarint with the one-byte case (most
// tags, lengths and codes of a compact record) inlined.
func appendVarint(b []byte, v uint64) []byte {
	if v < 0x80 {
		return append(b, byte(v))
	}
	return protowire.AppendVarint(b, v)
}

// appendTag is protowire.AppendTag with appendVarint's one-byte case.
func appendTag(b []byte, num protowire.Number, typ protowire.Type) []byte {
	return appendVarint(b, uint64(num)<<3|uint64(typ&7))
}

// isCompact reports whether a record is a compact one: it starts with the
// tag of compactVersionField (of any version).
func isCompact(v []byte) bool {
	return bytes.HasPrefix(v, compactV1[:2])
}
