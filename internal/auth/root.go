package auth

import (
	"context"
	"sync/atomic"
)

const (
	// DefaultRootSecret is the secret of every built-in root access key
	// unless configured otherwise.
	DefaultRootSecret = "test"
	// DefaultAccessKeyID is the access key of the default account's root.
	DefaultAccessKeyID = "test"
	// DefaultAccountID is the account DefaultAccessKeyID belongs to.
	DefaultAccountID = "000000000000"
)

// RootSource is the built-in credential contract of the emulator:
//
//   - access key id "test" is the root user of account 000000000000;
//   - an access key id that is a 12-digit number N is the root user of
//     account N (the account comes into being on first use);
//
// both with the configured secret ("test" by default).
type RootSource struct {
	secret string
	// kept holds credentials already handed out, by access key id (a hash
	// picks the slot), so a steady client is not given a new one each time.
	kept [64]atomic.Pointer[Credential]
}

// NewRootSource returns the root source with the given secret.
func NewRootSource(secret string) *RootSource { return &RootSource{secret: secret} }

// LookupAccessKey implements CredentialSource.
func (s *RootSource) LookupAccessKey(_ context.Context, accessKeyID, _ string) (*Credential, error) {
	account, ok := RootAccountFor(accessKeyID)
	if !ok {
		return nil, ErrUnknownAccessKey
	}
	h := uint32(2166136261)
	for i := 0; i < len(accessKeyID); i++ {
		h = (h ^ uint32(accessKeyID[i])) * 16777619
	}
	slot := &s.kept[h%uint32(len(s.kept))]
	if c := slot.Load(); c != nil && c.AccessKeyID == accessKeyID {
		return c, nil
	}
	c := &Credential{AccessKeyID: accessKeyID, SecretAccessKey: s.secret, Principal: RootPrincipal(account)}
	slot.Store(c)
	return c, nil
}

// RootAccountFor returns the account whose root user the access key id
// names under the built-in contract.
func RootAccountFor(accessKeyID string) (string, bool) {
	if accessKeyID == DefaultAccessKeyID {
		return DefaultAccountID, true
	}
	if IsAccountID(accessKeyID) {
		return accessKeyID, true
	}
	return "", false
}

// IsAccountID reports whether s is a 12-digit AWS account id.
func IsAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
