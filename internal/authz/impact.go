package authz

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/iam/policy"
	adminv1 "github.com/ibemu/ibemu/proto/admin/v1"
)

// ChangeKind is which policy a PolicyChange replaces.
type ChangeKind uint8

const (
	// ChangeIdentity replaces one identity-based policy of the principal
	// (Name: the inline policy name or the managed policy ARN or name), or
	// adds one (Name "").
	ChangeIdentity ChangeKind = iota
	// ChangeBoundary replaces (or sets) the principal's permissions
	// boundary.
	ChangeBoundary
	// ChangeResource replaces (or sets) the resource-based policy of the
	// resources named ResourceARN (a KMS key's key policy included).
	ChangeResource
)

// ParseChangeKind reads identity (or ""), boundary or resource.
func ParseChangeKind(s string) (ChangeKind, error) {
	switch s {
	case "", "identity":
		return ChangeIdentity, nil
	case "boundary":
		return ChangeBoundary, nil
	case "resource":
		return ChangeResource, nil
	}
	return 0, fmt.Errorf("policy kind %q: use identity, boundary or resource", s)
}

// PolicyChange is a policy to evaluate recorded requests with.
type PolicyChange struct {
	Kind ChangeKind
	// Document is the policy (JSON).
	Document string
	// Name names the identity policy replaced; "" adds Document.
	Name string
	// ResourceARN is the resource whose policy is replaced (ChangeResource).
	ResourceARN string

	parsed *policy.Policy
}

// Parse checks the document with the engine's parser for its kind (the
// identity grammar for identity and boundary policies, the key policy
// grammar for a KMS key, the resource grammar otherwise).
func (c *PolicyChange) Parse() error {
	kind := policy.KindIdentity
	switch c.Kind {
	case ChangeBoundary:
		kind = policy.KindPermissionsBoundary
	case ChangeResource:
		if c.ResourceARN == "" {
			return errors.New("a resource policy change needs the resource ARN")
		}
		kind = policy.KindResource
		if a, ok := ParseARN(c.ResourceARN); ok && a.Service == "kms" {
			kind = policy.KindKeyPolicy
		}
	}
	p, err := policy.Parse(c.Document, kind)
	if err != nil {
		return err
	}
	c.parsed = p
	return nil
}

// Reevaluation is a recorded request decided again.
type Reevaluation struct {
	// Before is the decision with the policies in force now, After with
	// the change applied.
	Before, After policy.Decision
}

// Changed reports whether the outcome differs.
func (r *Reevaluation) Changed() bool { return r.Before.Outcome != r.After.Outcome }

// ErrNotReevaluable is returned for a record that cannot be decided again:
// a root user's or an unknown principal's, or one without an action.
var ErrNotReevaluable = errors.New("authz: the decision cannot be re-evaluated")

// Reevaluate decides a recorded request again, with the principal's
// current policies from IAM and the resource's current policy (both as
// live enforcement loads them), once as they are and once with change
// applied (change.Parse must have succeeded). The request context is the
// recorded one; value types are inferred from the key (dates, addresses,
// numbers and booleans of the global keys) since the log keeps text.
// Session policies of a role session are not recorded and not applied.
func (e *Enforcer) Reevaluate(ctx context.Context, r *adminv1.Decision, change *PolicyChange) (*Reevaluation, error) {
	if change.parsed == nil {
		return nil, errors.New("authz: PolicyChange.Parse was not called")
	}
	p, ok := principalOf(r)
	if !ok || r.GetAction() == "" {
		return nil, ErrNotReevaluable
	}
	// No call in ctx: the lookups note no "last used" for the principal.
	caller, err := e.Caller(stripCall(ctx), p)
	if err != nil {
		return nil, err
	}
	arn := r.GetResource()
	if arn == "" {
		arn = "*"
	}
	c := &callctx.Call{Account: p.AccountID, Region: r.GetRegion(), Principal: *p, Time: timeOf(r)}
	res, err := e.resolve(stripCall(ctx), c, r.GetAction(), &ResourceRef{ARN: arn, FromMember: arn != "*"})
	if err != nil || res == nil {
		res = &Resource{ARN: arn, Account: r.GetResourceAccount()}
	}
	if res.Account == "" {
		res.Account = r.GetResourceAccount()
	}
	req := policy.Request{Principal: &caller.Principal, Action: r.GetAction(), Resource: arn, ResourceAccount: res.Account, Context: recordedContext(r)}
	pols := policy.Policies{Identity: caller.Identity, Boundary: caller.Boundary, Session: caller.Session, Resource: res.Policy, Organizations: e.orgs}
	out := &Reevaluation{Before: policy.Evaluate(&req, &pols)}
	changed := pols
	switch change.Kind {
	case ChangeIdentity:
		changed.Identity = replaceIdentity(caller.Identity, change)
	case ChangeBoundary:
		changed.Boundary = &policy.Attached{Policy: change.parsed, Origin: policy.OriginCustomerManaged, Name: "changed permissions boundary"}
	case ChangeResource:
		if strings.EqualFold(arn, change.ResourceARN) {
			changed.Resource = &policy.Attached{Policy: change.parsed, Name: "changed policy of " + change.ResourceARN}
		}
	}
	out.After = policy.Evaluate(&req, &changed)
	return out, nil
}

// replaceIdentity is ids with the policy change names replaced by the
// changed document, or with it added.
func replaceIdentity(ids []policy.Attached, change *PolicyChange) []policy.Attached {
	repl := policy.Attached{Policy: change.parsed, Origin: policy.OriginInline, Name: "changed policy"}
	if change.Name != "" {
		repl.Name = "changed policy " + change.Name
	}
	out := make([]policy.Attached, 0, len(ids)+1)
	replaced := false
	for _, a := range ids {
		if change.Name != "" && namesPolicy(a.Name, change.Name) {
			if !replaced {
				out = append(out, repl)
				replaced = true
			}
			continue
		}
		out = append(out, a)
	}
	if !replaced {
		out = append(out, repl)
	}
	return out
}

// namesPolicy reports whether an attached policy's name (a managed policy
// ARN, or "user/NAME inline policy POLICY") is what name says: the ARN,
// the managed policy's name, or the inline policy's name.
func namesPolicy(attached, name string) bool {
	if attached == name {
		return true
	}
	if i := strings.LastIndex(attached, " inline policy "); i >= 0 {
		return attached[i+len(" inline policy "):] == name
	}
	return strings.HasSuffix(attached, ":policy/"+name) || strings.HasSuffix(attached, "/"+name) && strings.Contains(attached, ":policy/")
}

// stripCall hides the call in ctx (the admin call): lookups made for a
// re-evaluation are not uses of the principal.
func stripCall(ctx context.Context) context.Context { return callctx.With(ctx, nil) }

func timeOf(r *adminv1.Decision) time.Time { return time.Unix(0, r.GetTimeUnixNano()) }

// principalOf rebuilds the authenticated principal of a record: IAM users
// and role sessions (without their session policies and tags); others
// (root users, federated users) are not re-evaluated.
func principalOf(r *adminv1.Decision) (*auth.Principal, bool) {
	arn := r.GetPrincipal()
	switch r.GetPrincipalType() {
	case "IAMUser":
		name := arn[strings.LastIndexByte(arn, '/')+1:]
		return &auth.Principal{Kind: auth.PrincipalIAMUser, AccountID: r.GetAccountId(), ARN: arn, UserID: r.GetPrincipalId(), Name: name}, true
	case "AssumedRole":
		if r.GetRoleArn() == "" {
			return nil, false
		}
		return &auth.Principal{Kind: auth.PrincipalAssumedRole, AccountID: r.GetAccountId(), ARN: arn, UserID: r.GetPrincipalId(),
			SessionName: r.GetSessionName(), Session: &auth.Session{Kind: auth.SessionAssumeRole, RoleARN: r.GetRoleArn()}}, true
	}
	return nil, false
}

// keyTypes are the value types of the global keys that are not strings.
var keyTypes = map[string]policy.ValueType{
	"aws:currenttime": policy.TypeDate, "aws:tokenissuetime": policy.TypeDate,
	"aws:epochtime": policy.TypeNumeric, "aws:multifactorauthage": policy.TypeNumeric, "s3:signatureage": policy.TypeNumeric,
	"aws:sourceip":        policy.TypeIP,
	"aws:securetransport": policy.TypeBoolean, "aws:viaawsservice": policy.TypeBoolean,
	"aws:multifactorauthpresent": policy.TypeBoolean, "aws:principalisawsservice": policy.TypeBoolean,
}

// listKeys are multivalued keys even with one value.
var listKeys = map[string]bool{"aws:tagkeys": true, "aws:calledvia": true, "kms:encryptioncontextkeys": true}

// recordedContext rebuilds a request context from its recorded text.
func recordedContext(r *adminv1.Decision) *policy.Context {
	ctx := policy.NewContext()
	for _, e := range r.GetContext() {
		lk := strings.ToLower(e.GetKey())
		typ, ok := keyTypes[lk]
		if !ok {
			typ = policy.TypeString
		}
		var err error
		if listKeys[lk] || len(e.GetValues()) > 1 {
			err = ctx.SetList(e.GetKey(), typ, e.GetValues()...)
		} else {
			err = ctx.Set(e.GetKey(), typ, e.GetValues()...)
		}
		if err != nil && typ != policy.TypeString {
			// Not of the expected type after all: keep the text.
			if listKeys[lk] || len(e.GetValues()) > 1 {
				_ = ctx.SetList(e.GetKey(), policy.TypeString, e.GetValues()...)
			} else {
				_ = ctx.Set(e.GetKey(), policy.TypeString, e.GetValues()...)
			}
		}
	}
	return ctx
}
