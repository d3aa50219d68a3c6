package server

import (
	"encoding/binary"
	"encoding/hex"
	mrand "math/rand/v2"
	"unsafe"
)

// Request ids are drawn from the runtime's generator (math/rand/v2's
// top-level functions: a ChaCha8 state per thread, seeded from the
// operating system's entropy), not crypto/rand: an id is an identifier
// that must not repeat, not a secret — it is sent in every answer, logged
// and shown on the decisions page. crypto/rand.Read (a getrandom call and
// the FIPS DRBG layer) was about 60% of making an id.

// readRandom fills b (at most 16 bytes) with random bytes for a request id.
func readRandom(b []byte) {
	var r [16]byte
	binary.LittleEndian.PutUint64(r[:8], mrand.Uint64())
	binary.LittleEndian.PutUint64(r[8:], mrand.Uint64())
	copy(b, r[:])
}

// newRequestID returns a random request id in the UUID form AWS uses.
func newRequestID() string {
	var out [36]byte
	fillRequestID(&out)
	return string(out[:])
}

// requestIDValue is a request id and the header value slice carrying it,
// in one allocation. text is never written after the id is made.
type requestIDValue struct {
	header [1]string
	text   [36]byte
}

// newRequestIDHeader returns a new request id (as newRequestID) as the
// value slice of its header: the id is its only element.
func newRequestIDHeader() []string {
	v := new(requestIDValue)
	fillRequestID(&v.text)
	v.header[0] = unsafe.String(&v.text[0], len(v.text))
	return v.header[:]
}

// fillRequestID writes a random request id in the UUID form to out.
func fillRequestID(out *[36]byte) {
	var b [16]byte
	readRandom(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
}

// newS3RequestID returns a request id in the form S3 gives its
// x-amz-request-id: 16 upper-case hexadecimal digits (64 random bits).
func newS3RequestID() string {
	var b [8]byte
	readRandom(b[:])
	var out [16]byte
	hex.Encode(out[:], b[:])
	for i, c := range out {
		if c >= 'a' {
			out[i] = c - 'a' + 'A'
		}
	}
	return string(out[:])
}
