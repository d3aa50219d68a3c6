package sts

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/auth/sigv4"
	"github.com/ibemu/ibemu/internal/seal"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
)

// Temporary credentials.
//
// Nothing per session is stored. A session is three values:
//
//   - the access key id, ASIA + 16 base32 characters carrying the account
//     (keyid.go) and 40 random bits;
//   - the secret access key, HMAC-SHA256 of the key id under the sealer's
//     secretPurpose subkey, the first 30 bytes in base64: 40 characters,
//     computable only with the emulator's key;
//   - the session token, the session (recordsv1.STSSession, marshaled)
//     sealed with AES-256-GCM under the tokenPurpose subkey with the key id
//     as additional data: it cannot be read, forged or altered, nor moved to
//     another key id.
//
// The key lives in the data file, so credentials stay valid across a
// restart of the emulator on the same file, until they expire.
const (
	tokenPurpose  = "sts-session-token"
	secretPurpose = "sts-secret-access-key"
)

// sessions issues and opens temporary credentials.
type sessions struct {
	sealer *seal.Sealer
	cache  tokenCache
	// principals, when set, is asked whether the user or role a session is
	// bound to still exists (the IAM service).
	principals Principals
}

// Principals is what STS asks IAM when it resolves temporary credentials:
// whether the entity they are bound to still exists, and the generation of
// the IAM store (moved by every committed IAM write) so that an answer can
// be reused until IAM changes.
type Principals interface {
	Generation() uint64
	SessionPrincipalExists(ctx context.Context, p *auth.Principal) (bool, error)
}

// issued is what an STS operation hands back.
type issued struct {
	AccessKeyID, SecretAccessKey, SessionToken string
	Expiration                                 time.Time
}

func (s *sessions) secret(keyID string) string {
	return base64.StdEncoding.EncodeToString(s.sealer.Derive(secretPurpose, []byte(keyID))[:30])
}

// issue seals rec into fresh credentials.
func (s *sessions) issue(rec *recordsv1.STSSession) (issued, error) {
	keyID, err := newAccessKeyID(rec.GetAccount())
	if err != nil {
		return issued{}, err
	}
	raw, err := proto.Marshal(rec)
	if err != nil {
		return issued{}, err
	}
	return issued{
		AccessKeyID:     keyID,
		SecretAccessKey: s.secret(keyID),
		SessionToken:    s.sealer.Seal(tokenPurpose, raw, []byte(keyID)),
		Expiration:      time.Unix(rec.GetExpires(), 0).UTC(),
	}, nil
}

// open returns the session a token seals for keyID, or seal.ErrInvalid.
func (s *sessions) open(keyID, token string) (*recordsv1.STSSession, error) {
	raw, err := s.sealer.Open(tokenPurpose, token, []byte(keyID))
	if err != nil {
		return nil, err
	}
	rec := &recordsv1.STSSession{}
	if err := proto.Unmarshal(raw, rec); err != nil {
		return nil, seal.ErrInvalid
	}
	return rec, nil
}

// LookupAccessKey implements auth.CredentialSource for ASIA key ids: the
// credential is what the request's session token seals for that key id. A
// missing token, or one that does not open for the key id (tampered, from
// another key id, from another emulator's key), is the InvalidSecurityToken
// failure: AWS's InvalidClientTokenId "The security token included in the
// request is invalid." (UnrecognizedClientException for JSON protocols,
// InvalidToken for S3). So are the credentials of a session whose IAM user
// or role has been deleted, even if one of the same name was created since
// (see Principals): every service, IAM, STS, S3, KMS and Image Builder,
// over HTTP and gRPC, resolves them here and refuses them alike. Expiry is
// the authenticator's to check, on its clock.
func (s *sessions) LookupAccessKey(ctx context.Context, keyID, token string) (*auth.Credential, error) {
	if !strings.HasPrefix(keyID, PrefixTemporary) {
		return nil, auth.ErrUnknownAccessKey
	}
	if token == "" {
		return nil, sigv4.InvalidSecurityToken()
	}
	// The generation is read before the store: an answer read while a
	// write was being committed is filed under the older generation and so
	// never reused after the write is acknowledged.
	var gen uint64
	if s.principals != nil {
		gen = s.principals.Generation()
	}
	c, checked := s.cache.get(keyID, token)
	if c != nil && (s.principals == nil || checked == gen) {
		return c, nil
	}
	if c == nil {
		rec, err := s.open(keyID, token)
		if err != nil {
			return nil, sigv4.InvalidSecurityToken()
		}
		c = &auth.Credential{
			AccessKeyID:     keyID,
			SecretAccessKey: s.secret(keyID),
			SessionToken:    token,
			Expiration:      time.Unix(rec.GetExpires(), 0),
			Principal:       principalOf(rec),
		}
	}
	if s.principals != nil {
		live, err := s.principals.SessionPrincipalExists(ctx, &c.Principal)
		if err != nil {
			return nil, err
		}
		if !live {
			s.cache.drop(keyID)
			return nil, sigv4.InvalidSecurityToken()
		}
	}
	s.cache.put(keyID, c, gen)
	return c, nil
}

// principalOf is the principal a session stands for.
func principalOf(rec *recordsv1.STSSession) auth.Principal {
	sess := &auth.Session{
		Kind:              auth.SessionKind(rec.GetSessionKind()),
		Issued:            time.Unix(rec.GetIssued(), 0).UTC(),
		Expires:           time.Unix(rec.GetExpires(), 0).UTC(),
		RoleARN:           rec.GetRoleArn(),
		RoleID:            rec.GetRoleId(),
		SourceARN:         rec.GetSourceArn(),
		SourceUserID:      rec.GetSourceUserId(),
		Policy:            rec.GetPolicy(),
		PolicyARNs:        rec.GetPolicyArns(),
		TransitiveTagKeys: rec.GetTransitiveTagKeys(),
		SourceIdentity:    rec.GetSourceIdentity(),
		MFA:               rec.GetMfa(),
		Chained:           rec.GetChained(),
	}
	if rec.GetMfaTime() != 0 {
		sess.MFATime = time.Unix(rec.GetMfaTime(), 0).UTC()
	}
	if len(rec.GetTags()) > 0 {
		sess.Tags = make(map[string]string, len(rec.GetTags()))
		for _, t := range rec.GetTags() {
			sess.Tags[t.GetKey()] = t.GetValue()
		}
	}
	return auth.Principal{
		Kind:        auth.PrincipalKind(rec.GetPrincipalKind()),
		AccountID:   rec.GetAccount(),
		ARN:         rec.GetPrincipalArn(),
		UserID:      rec.GetUserId(),
		Name:        rec.GetName(),
		SessionName: rec.GetSessionName(),
		Session:     sess,
	}
}

// tokenCache keeps recently opened credentials by access key id, so a
// request signed with temporary credentials costs a map lookup and a
// comparison of the token instead of an AES-GCM open and an unmarshal. An
// entry serves only the exact token it was opened from. The cache is
// bounded: when full it is emptied (sessions come and go; the next requests
// refill it).
type tokenCache struct {
	mu sync.RWMutex
	m  map[string]cachedToken
}

type cachedToken struct {
	token string
	cred  *auth.Credential
	// gen is the IAM generation at which the session's principal was last
	// found to exist.
	gen uint64
}

// maxCachedTokens bounds the cache.
const maxCachedTokens = 4096

// get returns the credential opened from exactly token, with the IAM
// generation its principal was last checked at; nil when not cached.
func (c *tokenCache) get(keyID, token string) (*auth.Credential, uint64) {
	c.mu.RLock()
	e, ok := c.m[keyID]
	c.mu.RUnlock()
	if !ok || len(e.token) != len(token) || subtle.ConstantTimeCompare([]byte(e.token), []byte(token)) != 1 {
		return nil, 0
	}
	return e.cred, e.gen
}

func (c *tokenCache) put(keyID string, cred *auth.Credential, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedTokens {
		c.m = make(map[string]cachedToken)
	}
	c.m[keyID] = cachedToken{token: cred.SessionToken, cred: cred, gen: gen}
}

// drop forgets keyID: its session's principal is gone.
func (c *tokenCache) drop(keyID string) {
	c.mu.Lock()
	delete(c.m, keyID)
	c.mu.Unlock()
}
