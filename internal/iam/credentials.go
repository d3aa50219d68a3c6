package iam

import (
	"context"
	"strings"
	"sync"

	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/auth/sigv4"
	"github.com/ibemu/ibemu/internal/storage"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
)

// Credentials is the credential source of IAM users' access keys (AKIA…),
// for the authenticator chain. Found keys are cached in memory with the
// store generation they were read at (Service.gen, moved after every
// committed IAM write, the admin API's Reset and Restore included): the
// write that deletes or deactivates a key, deletes or renames its user or
// replaces the state moves the generation before it is acknowledged, so
// such a key stops working on the very next request.
func (s *Service) Credentials() auth.CredentialSource { return credentialSource{s} }

type credentialSource struct{ s *Service }

// LookupAccessKey implements auth.CredentialSource: the key's secret and
// the user it belongs to. An inactive key is refused as AWS refuses it
// (InvalidClientTokenId, "The security token included in the request is
// invalid.").
func (cs credentialSource) LookupAccessKey(ctx context.Context, accessKeyID, _ string) (*auth.Credential, error) {
	if !strings.HasPrefix(accessKeyID, prefixAccessKey) {
		return nil, auth.ErrUnknownAccessKey
	}
	// The generation is read before the store: an entry built from a read
	// that raced a write is at worst filed under the older generation and
	// so never served after the write is acknowledged.
	gen := cs.s.gen.Load()
	if c := cs.s.keys.get(accessKeyID, gen); c != nil {
		return c, nil
	}
	var cred *auth.Credential
	err := cs.s.db.View(ctx, func(tx *storage.Tx) error {
		ref, found, err := accessKeyIndex.Get(tx, keyIndexScope, []byte(accessKeyID))
		if err != nil || !found {
			return err
		}
		sc := accountScope(ref.GetAccount())
		k, found, err := accessKeys.Get(tx, sc, accessKeyKey(ref.GetUserKey(), accessKeyID))
		if err != nil || !found {
			return err
		}
		u, found, err := userKind.get(tx, sc, ref.GetUserKey())
		if err != nil || !found {
			return err
		}
		if k.GetStatus() != keyActive {
			return sigv4.UnknownAccessKey()
		}
		cred = &auth.Credential{AccessKeyID: accessKeyID, SecretAccessKey: k.GetSecretAccessKey(), Principal: userPrincipal(ref.GetAccount(), u)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if cred == nil {
		return nil, auth.ErrUnknownAccessKey
	}
	cs.s.keys.put(accessKeyID, gen, cred)
	return cred, nil
}

// keyCache holds the active access keys found by LookupAccessKey, each with
// the generation it was read at. Unknown and inactive keys are not cached:
// they are read from the store each time, so guessed ids cannot grow it.
type keyCache struct {
	mu sync.RWMutex
	m  map[string]*cachedKey
}

type cachedKey struct {
	gen  uint64
	cred auth.Credential
}

// maxCachedKeys bounds the cache; it is simply emptied when full.
const maxCachedKeys = 10000

func newKeyCache() *keyCache { return &keyCache{m: map[string]*cachedKey{}} }

// get returns the key's credential when it was read at gen. It is the
// cached credential itself, shared by every request signed with the key:
// an entry is never changed once stored (put replaces it whole), and the
// authenticator only reads a credential (auth.CredentialSource).
func (kc *keyCache) get(id string, gen uint64) *auth.Credential {
	kc.mu.RLock()
	e, ok := kc.m[id]
	kc.mu.RUnlock()
	if !ok || e.gen != gen {
		return nil
	}
	return &e.cred
}

func (kc *keyCache) put(id string, gen uint64, c *auth.Credential) {
	kc.mu.Lock()
	defer kc.mu.Unlock()
	if len(kc.m) >= maxCachedKeys {
		kc.m = map[string]*cachedKey{}
	}
	if e, ok := kc.m[id]; ok && e.gen > gen {
		return
	}
	kc.m[id] = &cachedKey{gen: gen, cred: *c}
}

// userPrincipal is an IAM user as the authentication layer names it.
func userPrincipal(account string, u *recordsv1.IAMEntity) auth.Principal {
	return auth.Principal{
		Kind:      auth.PrincipalIAMUser,
		AccountID: account,
		ARN:       userKind.arn(account, u),
		UserID:    u.GetId(),
		Name:      u.GetName(),
	}
}
