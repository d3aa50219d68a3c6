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

// keyCacheKey identifies a derived key. The secret is held only as a hash.
type keyCacheKey struct {
	secret                [sha256.Size]byte
	date, region, service string
}

// keyCache memoizes derived keys: deriving costs four HMACs, while clients
// reuse one scope for a whole day.
//
// In front of the map, which is keyed by a hash of the secret, recent keys
// are also found by the secret string itself: key stores keep their secrets
// in memory and hand out the same string for every request (copies of a
// string share its bytes), so the address and length of those bytes name
// the secret without hashing it. An entry keeps the bytes alive, so no
// other string can be at that address while it exists, and a string's bytes
// never change: the same address and length are the same secret.
type keyCache struct {
	mu      sync.RWMutex
	entries map[keyCacheKey]*signingKey
	max     int
	recent  [64]atomic.Pointer[recentKey]
}

// recentKey is a derived key found by its secret's bytes.
type recentKey struct {
	secret                *byte // unsafe.StringData of the secret
	secretLen             int
	date, region, service string
	key                   *signingKey
}

// recentSlot picks the slot of a secret and scope.
func (c *keyCache) recentSlot(secret, region, service string) *atomic.Pointer[recentKey] {
	h := uint32(uintptr(unsafe.Pointer(unsafe.StringData(secret)))>>3) ^ uint32(len(secret))
	for _, s := range [2]string{region, service} {
		for i := 0; i < len(s); i++ {
			h = (h ^ uint32(s[i])) * 16777619
		}
	}
	return &c.recent[h%uint32(len(c.recent))]
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
	var slot *atomic.Pointer[recentKey]
	if secret != "" {
		slot = c.recentSlot(secret, region, service)
		if r := slot.Load(); r != nil && r.secret == unsafe.StringData(secret) && r.secretLen == len(secret) &&
			r.date == date && r.region == region && r.service == service {
			return r.key
		}
	}
	k := c.lookup(scratch, secret, date, region, service)
	if slot != nil {
		// Cloned so the entry does not pin the request's header strings.
		slot.Store(&recentKey{secret: unsafe.StringData(secret), secretLen: len(secret),
			date: strings.Clone(date), region: strings.Clone(region), service: strings.Clone(service), key: k})
	}
	return k
}

// lookup finds the derived key in the map by the secret's hash, deriving
// and keeping it on a miss.
func (c *keyCache) lookup(scratch []byte, secret, date, region, service string) *signingKey {
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
