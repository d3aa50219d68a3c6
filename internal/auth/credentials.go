package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"time"
	"unsafe"

	"github.com/ibemu/ibemu/internal/auth/sigv4"
)

// ErrUnknownAccessKey is what a CredentialSource returns for an access key
// id it does not hold.
var ErrUnknownAccessKey = sigv4.ErrUnknownAccessKey

// Credential is an access key as the server knows it.
type Credential struct {
	AccessKeyID     string
	SecretAccessKey string
	// SessionToken is set for temporary credentials: requests must then
	// carry exactly this token. Long-term keys have none and requests
	// signed with them must not carry one either.
	SessionToken string
	// Expiration is when temporary credentials stop working (zero: never).
	Expiration time.Time
	// Principal is who the key belongs to. AccessKeyID and SessionToken of
	// the principal are filled in per request.
	Principal Principal
}

// CredentialSource resolves access key ids: the built-in root source, IAM
// users' access keys and STS temporary credentials each implement it.
type CredentialSource interface {
	// LookupAccessKey returns the credential for an access key id, or
	// ErrUnknownAccessKey. sessionToken is the X-Amz-Security-Token the
	// request carries ("" when none): sources of temporary credentials whose
	// tokens seal the session read it, others ignore it. The signature is not
	// verified yet when this is called, so nothing may be trusted from the
	// token that its own integrity check does not prove. Any other error is
	// an internal failure; a *sigv4.Failure is passed to the client as is.
	// The credential may be shared with other requests: callers only read it.
	LookupAccessKey(ctx context.Context, accessKeyID, sessionToken string) (*Credential, error)
}

// ChainSource asks each source in turn; the first that knows the key wins.
type ChainSource []CredentialSource

// LookupAccessKey implements CredentialSource.
func (c ChainSource) LookupAccessKey(ctx context.Context, accessKeyID, sessionToken string) (*Credential, error) {
	for _, s := range c {
		cred, err := s.LookupAccessKey(ctx, accessKeyID, sessionToken)
		if errors.Is(err, ErrUnknownAccessKey) {
			continue
		}
		return cred, err
	}
	return nil, ErrUnknownAccessKey
}

// checkSessionToken applies the session-token rules: temporary credentials
// need their exact token and must not have expired; long-term keys must not
// come with a token.
func checkSessionToken(cred *Credential, sent string, now time.Time) *sigv4.Failure {
	if cred.SessionToken == "" {
		if sent != "" {
			return sigv4.InvalidSecurityToken()
		}
		return nil
	}
	if !constantTimeEqual(sent, cred.SessionToken) {
		return sigv4.InvalidSecurityToken()
	}
	if !cred.Expiration.IsZero() && !now.Before(cred.Expiration) {
		return sigv4.ExpiredToken()
	}
	return nil
}

// constantTimeEqual compares secrets in time that does not depend on where
// they differ.
func constantTimeEqual(a, b string) bool {
	// Read in place: a session token is longer than what a conversion to
	// []byte could keep on the stack.
	return subtle.ConstantTimeCompare(unsafe.Slice(unsafe.StringData(a), len(a)), unsafe.Slice(unsafe.StringData(b), len(b))) == 1
}
