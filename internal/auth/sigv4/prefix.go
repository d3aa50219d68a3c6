package sigv4

import (
	"crypto/sha256"
	"encoding"
	"hash/maphash"
	"sync/atomic"
	"time"
)

// prefixCache keeps SHA-256 states after the first one and two blocks of
// recent canonical requests. A client repeating a call repeats their start:
// the method, path and query, then the first signed headers (every Query or
// JSON-protocol POST to one host shares its first block, a repeated GET of
// one resource its first two). A request whose canonical request starts
// with the bytes of a kept entry resumes hashing from its state: one or two
// block compressions fewer.
//
// Entries are never changed once stored. A slot takes a new entry only when
// it is empty or its entry is over a second old (by the verification
// time), so whatever the mix of requests the cache allocates at most
// len(slots) entries a second.
type prefixCache struct {
	slots [16]atomic.Pointer[prefixEntry]
}

type prefixEntry struct {
	made  int64 // when stored, UnixNano of the verification time
	long  bool  // the two-block state is set
	bytes [2 * sha256.BlockSize]byte
	one   []byte // state after bytes[:64]
	two   []byte // state after bytes[:128] (when long)
}

var prefixSeed = maphash.MakeSeed()

// sum returns the SHA-256 of creq, computed with m.
func (p *prefixCache) sum(m *macHash, creq []byte, now time.Time) [sha256.Size]byte {
	if len(creq) <= sha256.BlockSize {
		return sha256.Sum256(creq)
	}
	slot := &p.slots[maphash.Bytes(prefixSeed, creq[:sha256.BlockSize])%uint64(len(p.slots))]
	e := slot.Load()
	switch {
	case e != nil && e.long && len(creq) > 2*sha256.BlockSize && string(e.bytes[:]) == string(creq[:2*sha256.BlockSize]):
		m.restore(e.two)
		m.h.Write(creq[2*sha256.BlockSize:])
	case e != nil && string(e.bytes[:sha256.BlockSize]) == string(creq[:sha256.BlockSize]):
		m.restore(e.one)
		m.h.Write(creq[sha256.BlockSize:])
	default:
		m.h.Reset()
		if t := now.UnixNano(); e == nil || t-e.made > int64(time.Second) || t < e.made {
			p.keep(m, slot, creq, t)
		} else {
			m.h.Write(creq)
		}
	}
	var sum [sha256.Size]byte
	copy(sum[:], m.h.Sum(m.buf[:0]))
	return sum
}

// keep hashes creq into m (just reset), storing the states after its first
// one and two blocks in slot.
func (p *prefixCache) keep(m *macHash, slot *atomic.Pointer[prefixEntry], creq []byte, made int64) {
	ap := m.h.(encoding.BinaryAppender)
	e := &prefixEntry{made: made}
	m.h.Write(creq[:sha256.BlockSize])
	one, err := ap.AppendBinary(nil)
	if err != nil {
		m.h.Write(creq[sha256.BlockSize:])
		return
	}
	e.one = one
	rest := creq[sha256.BlockSize:]
	if len(creq) > 2*sha256.BlockSize {
		m.h.Write(creq[sha256.BlockSize : 2*sha256.BlockSize])
		if two, err := ap.AppendBinary(nil); err == nil {
			e.two, e.long = two, true
		}
		rest = creq[2*sha256.BlockSize:]
	}
	copy(e.bytes[:], creq)
	m.h.Write(rest)
	slot.Store(e)
}
