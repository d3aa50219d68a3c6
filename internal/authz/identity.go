package authz

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/iam/policy"
)

// Identities tells the enforcement layer who a caller is in IAM's terms and
// which policies apply to it now. The IAM service implements it over its
// store, so a policy change, a deleted user or a deleted role takes effect on
// the next request.
type Identities interface {
	// Caller returns the principal p authenticated as. For an IAM user: the
	// user's attached, inline and group policies, its permissions boundary
	// and tags. For a role session: the role's policies, boundary and tags,
	// the session policies and session tags. A principal whose user or role
	// no longer exists is returned with no policies (it is allowed nothing).
	// The result is shared and must not be modified.
	Caller(ctx context.Context, p *auth.Principal) (*Caller, error)
}

// Caller is a principal as the policy engine sees it, with the policies that
// apply to it.
type Caller struct {
	Principal policy.Principal
	Identity  []policy.Attached
	Boundary  *policy.Attached
	Session   []policy.Attached

	// base is the last context of global keys built for this caller
	// (requestContext), shared by its requests within one second.
	base atomic.Pointer[baseContext]
	// memo is the caller's last decision that may be reused (see
	// Enforcer.memoFor).
	memo atomic.Pointer[decisionMemo]
}

// errNoIdentities is returned for IAM principals when no Identities source
// is configured.
var errNoIdentities = errors.New("authz: no identity source for IAM principals")

// RootCaller is the account root user as the engine sees it: no policies, all
// of its own account's resources.
func RootCaller(account string) *Caller {
	return &Caller{Principal: policy.Principal{
		Kind:    policy.PrincipalRoot,
		ARN:     "arn:aws:iam::" + account + ":root",
		Account: account,
		UserID:  account,
	}}
}

// RootsOnly is an Identities for setups with nothing but root users: every
// other principal is an error.
type RootsOnly struct{}

// Caller implements Identities.
func (RootsOnly) Caller(_ context.Context, p *auth.Principal) (*Caller, error) {
	if p.Kind == auth.PrincipalRoot {
		return RootCaller(p.AccountID), nil
	}
	return nil, errNoIdentities
}
