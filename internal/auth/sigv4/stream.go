package sigv4

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
)

// Payload modes S3 accepts in x-amz-content-sha256 besides a hex SHA-256 and
// UnsignedPayload ("Authenticating Requests: Using the Authorization Header",
// Amazon S3 API Reference).
const (
	// StreamingPayload: an aws-chunked body whose chunks each carry a
	// signature chained from the request's (seed) signature.
	StreamingPayload = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	// StreamingPayloadTrailer: StreamingPayload followed by trailing
	// headers and their own signature.
	StreamingPayloadTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	// StreamingUnsignedPayloadTrailer: an aws-chunked body without chunk
	// signatures, followed by trailing headers (a checksum), unsigned.
	StreamingUnsignedPayloadTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
	// StreamingECDSAPayload and StreamingECDSAPayloadTrailer are the SigV4a
	// forms; they are recognised but SigV4a is not verified.
	StreamingECDSAPayload        = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD"
	StreamingECDSAPayloadTrailer = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER"
)

// String-to-sign prefixes of chunk and trailer signatures ("Signature
// Calculations for the Authorization Header: Transferring Payload in
// Multiple Chunks", "… Including Trailing Headers", Amazon S3 API Reference).
const (
	chunkAlgorithm   = "AWS4-HMAC-SHA256-PAYLOAD"
	trailerAlgorithm = "AWS4-HMAC-SHA256-TRAILER"
)

// ChunkChain verifies the signatures of a STREAMING-AWS4-HMAC-SHA256-*
// body: each chunk's signature is computed over the previous signature
// (starting from the request's seed signature) and the chunk's SHA-256, with
// the request's signing key and scope; the trailer signature continues the
// chain over the trailing headers' hash. It is created by the Verifier for a
// request whose payload hash is a signed streaming mode and is used by one
// request's reader; it is not safe for concurrent use.
//
// It holds the derived signing key: it prints as an opaque value and must
// never be logged field by field.
type ChunkChain struct {
	key     *signingKey
	amzDate string
	scope   string
	prev    [2 * sha256.Size]byte // hex of the last verified signature
	sts     []byte
	mac     *macHash
}

func newChunkChain(key *signingKey, amzDate, scope, seed string) *ChunkChain {
	c := &ChunkChain{key: key, amzDate: amzDate, scope: scope, sts: make([]byte, 0, 256), mac: newMACHash()}
	copy(c.prev[:], seed)
	return c
}

// String hides the key.
func (c *ChunkChain) String() string { return "sigv4.ChunkChain{…}" }

// GoString hides the key from %#v.
func (c *ChunkChain) GoString() string { return c.String() }

// emptySHA256 is SHA-256(""), the "hash of the chunk headers" that every
// chunk string to sign carries (no chunk headers are signed).
var emptySHA256 = func() (b [2 * sha256.Size]byte) {
	hex.Encode(b[:], func() []byte { s := sha256.Sum256(nil); return s[:] }())
	return b
}()

// VerifyChunk checks sent, the hex chunk-signature of the next chunk whose
// data hashes to sum. The string to sign is
//
//	AWS4-HMAC-SHA256-PAYLOAD \n TIME \n SCOPE \n PREVIOUS-SIGNATURE \n
//	HEX(SHA256("")) \n HEX(SHA256(chunk-data))
//
// The comparison is constant-time. On success the chain advances to sent.
func (c *ChunkChain) VerifyChunk(sum [sha256.Size]byte, sent []byte) bool {
	var h [2 * sha256.Size]byte
	hex.Encode(h[:], sum[:])
	c.sts = append(c.sts[:0], chunkAlgorithm...)
	c.sts = c.appendContext(c.sts)
	c.sts = append(c.sts, emptySHA256[:]...)
	c.sts = append(c.sts, '\n')
	c.sts = append(c.sts, h[:]...)
	return c.check(sent)
}

// VerifyTrailer checks sent, the x-amz-trailer-signature, over the
// canonical trailing headers whose SHA-256 is sum (each "name:value\n",
// lower-case names, sorted). The string to sign is
//
//	AWS4-HMAC-SHA256-TRAILER \n TIME \n SCOPE \n PREVIOUS-SIGNATURE \n
//	HEX(SHA256(trailing-headers))
func (c *ChunkChain) VerifyTrailer(sum [sha256.Size]byte, sent []byte) bool {
	var h [2 * sha256.Size]byte
	hex.Encode(h[:], sum[:])
	c.sts = append(c.sts[:0], trailerAlgorithm...)
	c.sts = c.appendContext(c.sts)
	c.sts = append(c.sts, h[:]...)
	return c.check(sent)
}

func (c *ChunkChain) appendContext(dst []byte) []byte {
	dst = append(dst, '\n')
	dst = append(dst, c.amzDate...)
	dst = append(dst, '\n')
	dst = append(dst, c.scope...)
	dst = append(dst, '\n')
	dst = append(dst, c.prev[:]...)
	return append(dst, '\n')
}

func (c *ChunkChain) check(sent []byte) bool {
	mac := c.key.sum(c.mac, c.sts)
	var want [2 * sha256.Size]byte
	hex.Encode(want[:], mac[:])
	if subtle.ConstantTimeCompare(want[:], sent) != 1 {
		return false
	}
	c.prev = want
	return true
}
