package authz

import (
	"path"
	"strings"
	"time"

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
