package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding"
	"hash"
	"hash/maphash"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
)

// signingKey is a derived SigV4 key, kept as the two SHA-256 states of its
// HMAC with the inner and outer padded key blocks already hashed (RFC 2104;
// crypto/hmac keeps the same states after its first Reset). A signature
// then costs the blocks of the message and of the inner sum only: two block
// compressions fewer than hashing the pads each time. The states are never
// changed once made, so one key serves any number of goroutines; each
// computation restores them into a digest of its own (macHash).
type signingKey struct {
	inner, outer []byte // marshaled SHA-256 states after the ipad and opad blocks
	// buf holds the states (108 bytes each with today's crypto/sha256), so
	// a key is one object: fewer cache lines to reach per request.
	buf [2][128]byte
	// first is the inner state after the first block of a request's string
	// to sign as well (see sumStringToSign).
	first atomic.Pointer[firstBlock]
	// cached marks keys kept by a keyCache: only those keep a first block
	// (a key derived for one request would allocate it for nothing).
	cached bool
}

// firstBlock is the inner HMAC state of a signing key after the pad block
// and block, the first 64 bytes of a string to sign. Never changed once
// stored.
type firstBlock struct {
	block [sha256.BlockSize]byte
	state []byte
}

func newSigningKey(key []byte) *signingKey {
	var inner, outer [sha256.BlockSize]byte
	copy(inner[:], key)
	copy(outer[:], key)
	for i := range inner {
		inner[i] ^= 0x36
		outer[i] ^= 0x5c
	}
	k := &signingKey{}
	k.inner = hashState(k.buf[0][:0], inner[:])
	k.outer = hashState(k.buf[1][:0], outer[:])
	return k
}

// hashState appends to dst the marshaled SHA-256 state after hashing block.
func hashState(dst, block []byte) []byte {
	h := sha256.New()
	h.Write(block)
	state, err := h.(encoding.BinaryAppender).AppendBinary(dst)
	if err != nil {
		panic("sigv4: SHA-256 state: " + err.Error())
	}
	return state
}

// macHash is a SHA-256 digest for signingKey.sum, owned by one goroutine at
// a time (a pooled scratch, a ChunkChain).
type macHash struct {
	h   hash.Hash
	u   encoding.BinaryUnmarshaler
	buf [sha256.Size]byte
}

func newMACHash() *macHash {
	h := sha256.New()
	return &macHash{h: h, u: h.(encoding.BinaryUnmarshaler)}
}

// restore sets the digest to a saved state.
func (m *macHash) restore(state []byte) {
	if err := m.u.UnmarshalBinary(state); err != nil {
		panic("sigv4: SHA-256 state: " + err.Error()) // states come from hashState
	}
}

// sum returns HMAC-SHA256(key, msg) (RFC 2104), computed with m.
func (k *signingKey) sum(m *macHash, msg []byte) [sha256.Size]byte {
	m.restore(k.inner)
	m.h.Write(msg)
	return k.outerSum(m)
}

// sumStringToSign is sum for a request's string to sign. Its first block,
// "AWS4-HMAC-SHA256\n", the request time to the second and the start of the
// scope, is the same for every request signed with the key in the same
// second; the inner state after it is kept, so a request in the same second
// as the one kept costs one block compression fewer. The state kept is
// replaced only by a later first block (the time orders them: the key fixes
// the scope), so it changes at most once a second per key, whatever the
// mix of clients' clocks.
func (k *signingKey) sumStringToSign(m *macHash, sts []byte) [sha256.Size]byte {
	if len(sts) <= sha256.BlockSize {
		return k.sum(m, sts)
	}
	head := sts[:sha256.BlockSize]
	kept := k.first.Load()
	if kept != nil && string(kept.block[:]) == string(head) {
		m.restore(kept.state)
	} else {
		m.restore(k.inner)
		m.h.Write(head)
		if k.cached && (kept == nil || string(head) > string(kept.block[:])) {
			k.keepFirst(m, head)
		}
	}
	m.h.Write(sts[sha256.BlockSize:])
	return k.outerSum(m)
}

// keepFirst stores the state of m, which has hashed the pad block and head.
func (k *signingKey) keepFirst(m *macHash, head []byte) {
	state, err := m.h.(encoding.BinaryAppender).AppendBinary(nil)
	if err != nil {
		return // not kept; the sum is still right
	}
	f := &firstBlock{state: state}
	copy(f.block[:], head)
	k.first.Store(f)
}

// outerSum finishes an HMAC whose inner digest m has hashed the message.
func (k *signingKey) outerSum(m *macHash) [sha256.Size]byte {
	inner := m.h.Sum(m.buf[:0])
	m.restore(k.outer)
	m.h.Write(inner)
	var mac [sha256.Size]byte
	copy(mac[:], m.h.Sum(m.buf[:0]))
	return mac
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

// recentKey is a derived key found by its secret's bytes and the credential
// scope ("date/region/service/aws4_request"; the verifier has checked the
// terminator, so the scope names the date, region and service).
type recentKey struct {
	secret    *byte // unsafe.StringData of the secret
	secretLen int
	scope     string
	key       *signingKey
}

// recentSlot picks the slot of a secret and scope.
func (c *keyCache) recentSlot(secret, scope string) *atomic.Pointer[recentKey] {
	h := maphash.String(recentSeed, scope) ^ uint64(uintptr(unsafe.Pointer(unsafe.StringData(secret)))>>3) ^ uint64(len(secret))
	return &c.recent[h%uint64(len(c.recent))]
}

var recentSeed = maphash.MakeSeed()

func newKeyCache(max int) *keyCache {
	return &keyCache{entries: make(map[keyCacheKey]*signingKey), max: max}
}

// get returns the derived key for the scope (date/region/service/
// aws4_request, with those date, region and service), deriving it on a
// miss. scratch is used to hash the secret without allocating.
func (c *keyCache) get(scratch []byte, secret, scope, date, region, service string) *signingKey {
	if c == nil || c.max <= 0 {
		return deriveSigningKey(secret, date, region, service)
	}
	var slot *atomic.Pointer[recentKey]
	if secret != "" {
		slot = c.recentSlot(secret, scope)
		if r := slot.Load(); r != nil && r.secret == unsafe.StringData(secret) && r.secretLen == len(secret) && r.scope == scope {
			return r.key
		}
	}
	k := c.lookup(scratch, secret, date, region, service)
	if slot != nil {
		// Cloned so the entry does not pin the request's header strings.
		slot.Store(&recentKey{secret: unsafe.StringData(secret), secretLen: len(secret), scope: strings.Clone(scope), key: k})
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
	k.cached = true // before it is shared
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
