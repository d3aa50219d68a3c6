package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
)

// signingKey is a derived SigV4 key, kept as the two padded HMAC blocks so a
// signature costs two SHA-256 sums and no allocations.
type signingKey struct {
	inner, outer [sha256.BlockSize]byte
}

func newSigningKey(key []byte) *signingKey {
	k := &signingKey{}
	copy(k.inner[:], key)
	copy(k.outer[:], key)
	for i := range k.inner {
		k.inner[i] ^= 0x36
		k.outer[i] ^= 0x5c
	}
	return k
}

// sum returns HMAC-SHA256(key, msg) (RFC 2104). scratch is reused to build
// the inner block; the grown slice is not returned because callers keep
// their own buffers.
func (k *signingKey) sum(scratch, msg []byte) [sha256.Size]byte {
	scratch = append(scratch[:0], k.inner[:]...)
	scratch = append(scratch, msg...)
	innerSum := sha256.Sum256(scratch)
	var outer [sha256.BlockSize + sha256.Size]byte
	copy(outer[:], k.outer[:])
	copy(outer[sha256.BlockSize:], innerSum[:])
	return sha256.Sum256(outer[:])
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// deriveSigningKey runs the SigV4 key chain:
// "AWS4"+secret → date → region → service → "aws4_request".
func deriveSigningKey(secret, date, region, service string) *signingKey {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	k = hmacSHA256(k, "aws4_request")
	return newSigningKey(k)
}

// KeyMemo remembers the signing key last derived from a secret, for a key
// store that keeps the secret in an object of its own (a credential): the
// next request signed for the same day, region and service finds the key
// there, without hashing the secret to look it up in the verifier's cache.
// The zero value is empty and ready; it is safe for concurrent use.
//
// An entry is bound to the very string the secret was read from (its
// memory, which the entry keeps alive): a memo copied along with its
// credential and then used with another secret misses, never answers with
// the other secret's key.
type KeyMemo struct {
	last unsafe.Pointer // *memoKey, read and written atomically
}

type memoKey struct {
	secret                *byte // unsafe.StringData of the secret
	secretLen             int
	date, region, service string
	key                   *signingKey
}

// MemoKeyLookup is a KeyLookup that also returns the KeyMemo kept with the
// secret it found. The verifier prefers it to SecretKey when a key store
// has it.
type MemoKeyLookup interface {
	KeyLookup
	SecretKeyMemo(accessKeyID string) (secret string, memo *KeyMemo, err error)
}

// signingKey returns the derived key of the credential's scope: from the
// secret's memo when it holds that scope, else from the key cache (and then
// kept in the memo).
func (v *Verifier) signingKey(scratch []byte, secret string, memo *KeyMemo, cred *Credential) *signingKey {
	if memo == nil || secret == "" || v.keys == nil || v.keys.max <= 0 {
		return v.keys.get(scratch, secret, cred.Date, cred.Region, cred.Service)
	}
	if m := (*memoKey)(atomic.LoadPointer(&memo.last)); m != nil && m.secret == unsafe.StringData(secret) && m.secretLen == len(secret) &&
		m.date == cred.Date && m.region == cred.Region && m.service == cred.Service {
		return m.key
	}
	k := v.keys.get(scratch, secret, cred.Date, cred.Region, cred.Service)
	m := &memoKey{secret: unsafe.StringData(secret), secretLen: len(secret),
		date: strings.Clone(cred.Date), region: strings.Clone(cred.Region), service: strings.Clone(cred.Service), key: k}
	atomic.StorePointer(&memo.last, unsafe.Pointer(m))
	return k
}

// keyCacheKey identifies a derived key. The secret is held only as a hash.
type keyCacheKey struct {
	secret                [sha256.Size]byte
	date, region, service string
}

// keyCache memoizes derived keys: deriving costs four HMACs, while clients
// reuse one scope for a whole day.
type keyCache struct {
	mu      sync.RWMutex
	entries map[keyCacheKey]*signingKey
	max     int
}

func newKeyCache(max int) *keyCache {
	return &keyCache{entries: make(map[keyCacheKey]*signingKey), max: max}
}

// get returns the derived key for the scope, deriving it on a miss. scratch
// is used to hash the secret without allocating.
func (c *keyCache) get(scratch []byte, secret, date, region, service string) *signingKey {
	if c == nil || c.max <= 0 {
		return deriveSigningKey(secret, date, region, service)
	}
	scratch = append(scratch[:0], secret...)
	id := keyCacheKey{secret: sha256.Sum256(scratch), date: date, region: region, service: service}
	c.mu.RLock()
	k, ok := c.entries[id]
	c.mu.RUnlock()
	if ok {
		return k
	}
	k = deriveSigningKey(secret, date, region, service)
	// Clone so the cache does not pin the request's header strings.
	id.date, id.region, id.service = strings.Clone(date), strings.Clone(region), strings.Clone(service)
	c.mu.Lock()
	if len(c.entries) >= c.max {
		// Keys are cheap to re-derive; a full reset keeps this simple.
		clear(c.entries)
	}
	c.entries[id] = k
	c.mu.Unlock()
	return k
}
