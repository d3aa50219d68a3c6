package auth

import (
	"bufio"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/ibemu/ibemu/internal/auth/sigv4"
	"github.com/ibemu/ibemu/internal/awserr"
)

// Payload is the body of a request authenticated before its body was read
// (S3, where the signature covers the payload only through the
// x-amz-content-sha256 header). Reading it verifies it as the header's mode
// requires ("Authenticating Requests: Using the Authorization Header",
// Amazon S3 API Reference):
//
//   - a hex SHA-256: the body must hash to it;
//   - UNSIGNED-PAYLOAD (and every presigned URL): taken as is;
//   - STREAMING-AWS4-HMAC-SHA256-PAYLOAD: an aws-chunked body, each chunk
//     signature verified along the chain seeded by the request signature;
//   - STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER: the same, then trailing
//     headers (x-amz-trailer) and their signature;
//   - STREAMING-UNSIGNED-PAYLOAD-TRAILER: an aws-chunked body without
//     chunk signatures, then the trailing headers.
//
// In every mode Content-MD5 and one flexible checksum (x-amz-checksum-crc32,
// -crc32c, -crc64nvme, -sha1 or -sha256, as a header or a trailer) are
// verified against the decoded body.
type Payload struct {
	r         *http.Request
	mode      string
	chain     *sigv4.ChunkChain
	checksums map[string]string
	decoded   int64
	read      bool
}

// Mode is the x-amz-content-sha256 header value the request was signed
// with: a hex SHA-256, "UNSIGNED-PAYLOAD", or a STREAMING-* mode. It is the
// value of the s3:x-amz-content-sha256 condition key.
func (p *Payload) Mode() string { return p.mode }

// Streaming reports an aws-chunked mode (STREAMING-*).
func (p *Payload) Streaming() bool { return strings.HasPrefix(p.mode, "STREAMING-") }

// DecodedLength is the size of the object in bytes: before ReadAll, what the
// request announces (x-amz-decoded-content-length for the aws-chunked
// modes, else Content-Length; -1 when unknown or malformed); after a
// successful ReadAll, the bytes returned.
func (p *Payload) DecodedLength() int64 {
	if p.read {
		return p.decoded
	}
	if p.Streaming() {
		n, err := strconv.ParseInt(p.r.Header.Get("X-Amz-Decoded-Content-Length"), 10, 64)
		if err != nil || n < 0 {
			return -1
		}
		return n
	}
	return p.r.ContentLength
}

// Checksums are the flexible checksums the client sent and ReadAll
// verified, keyed by lower-case header name ("x-amz-checksum-crc32") with
// the base64 value as sent, whether they came as headers or trailers. Nil
// before a successful ReadAll or when none was sent. S3 stores them and
// returns them on GetObject/HeadObject with ChecksumMode ENABLED.
func (p *Payload) Checksums() map[string]string { return p.checksums }

// ContentEncoding is the Content-Encoding to store with the object: the
// header without the aws-chunked coding, which describes the transfer only
// ("PutObject": "Content-Encoding … aws-chunked"), or "" if nothing is left.
func (p *Payload) ContentEncoding() string {
	var kept []string
	for _, v := range p.r.Header.Values("Content-Encoding") {
		for c := range strings.SplitSeq(v, ",") {
			if c = strings.TrimSpace(c); c != "" && !strings.EqualFold(c, "aws-chunked") {
				kept = append(kept, c)
			}
		}
	}
	return strings.Join(kept, ",")
}

// ReadAll reads and verifies the whole decoded body, at most limit decoded
// bytes, into one buffer sized from the announced length. It may be called
// once. Errors are S3's:
//   - XAmzContentSHA256Mismatch (400): the body does not hash to the signed
//     x-amz-content-sha256;
//   - SignatureDoesNotMatch (403): a chunk or trailer signature is wrong;
//   - BadDigest (400): a checksum or Content-MD5 does not match;
//     InvalidDigest (400): Content-MD5 is not base64 of 16 bytes;
//   - InvalidRequest (400): more than one checksum, a malformed checksum
//     value, an unsupported x-amz-trailer, bad aws-chunked framing;
//     MalformedTrailerError (400): bad trailing headers;
//   - EntityTooLarge (400): more than limit bytes (announced or read);
//   - IncompleteBody (400): the body ends before its announced length;
//   - MissingContentLength (411): an aws-chunked body without
//     x-amz-decoded-content-length.
func (p *Payload) ReadAll(limit int64) ([]byte, *awserr.Error) {
	if p.read {
		return nil, awserr.Internal(errors.New("auth: Payload.ReadAll called twice"))
	}
	p.read = true
	body, e := p.readAll(limit)
	if e != nil {
		return nil, e
	}
	p.decoded = int64(len(body))
	return body, nil
}

func (p *Payload) readAll(limit int64) ([]byte, *awserr.Error) {
	switch p.mode {
	case sigv4.StreamingECDSAPayload, sigv4.StreamingECDSAPayloadTrailer:
		return nil, awserr.Newf("NotImplemented", http.StatusNotImplemented, "A header you provided implies functionality that is not implemented: x-amz-content-sha256 %s.", p.mode)
	}
	trailerMode := p.mode == sigv4.StreamingPayloadTrailer || p.mode == sigv4.StreamingUnsignedPayloadTrailer
	plan, e := planDigests(p.r.Header, trailerMode)
	if e != nil {
		return nil, e
	}
	var body []byte
	if p.Streaming() {
		var trailers []trailer
		if body, trailers, e = p.readChunked(limit, trailerMode, &plan); e != nil {
			return nil, e
		}
		if e := plan.takeTrailer(trailers); e != nil {
			return nil, e
		}
	} else {
		if p.mode != sigv4.UnsignedPayload {
			want, err := hex.DecodeString(p.mode)
			if err != nil || len(want) != sha256.Size {
				return nil, invalidContentSHA256()
			}
			plan.sha256, plan.wantSHA = sha256.New(), want
		}
		if body, e = readPlain(p.r.Body, p.r.ContentLength, limit, plan.write); e != nil {
			return nil, e
		}
		if plan.sha256 != nil && subtle.ConstantTimeCompare(plan.sha256.Sum(nil), plan.wantSHA) != 1 {
			return nil, awserr.New("XAmzContentSHA256Mismatch", http.StatusBadRequest, "The provided 'x-amz-content-sha256' header does not match what was computed.")
		}
	}
	if e := plan.finish(); e != nil {
		return nil, e
	}
	if c := plan.checksum; c != nil {
		p.checksums = map[string]string{c.alg.header: c.value}
	}
	return body, nil
}

// readChunked decodes an aws-chunked body straight into one buffer of the
// declared decoded size.
func (p *Payload) readChunked(limit int64, trailerMode bool, plan *digestPlan) ([]byte, []trailer, *awserr.Error) {
	v := p.r.Header.Get("X-Amz-Decoded-Content-Length")
	if v == "" {
		return nil, nil, awserr.New("MissingContentLength", http.StatusLengthRequired, "You must provide the Content-Length HTTP header.")
	}
	declared, err := strconv.ParseInt(v, 10, 64)
	if err != nil || declared < 0 {
		return nil, nil, awserr.Newf("InvalidArgument", http.StatusBadRequest, "x-amz-decoded-content-length %q is not a valid length.", v)
	}
	if declared > limit {
		return nil, nil, entityTooLarge(limit)
	}
	d := chunkDecoder{
		br:       bufio.NewReaderSize(p.r.Body, maxChunkLine),
		chain:    p.chain,
		trailers: trailerMode,
		declared: declared,
		limit:    limit,
		sink:     plan.write,
	}
	if (p.mode == sigv4.StreamingPayload || p.mode == sigv4.StreamingPayloadTrailer) && p.chain == nil {
		return nil, nil, signatureMismatch() // a presigned URL cannot seed a chain
	}
	return d.decode(make([]byte, 0, min(declared, maxPrealloc)))
}

// takeTrailer fills in the checksum announced in x-amz-trailer from the
// trailing headers.
func (p *digestPlan) takeTrailer(ts []trailer) *awserr.Error {
	if !p.trailer {
		return nil
	}
	c := p.checksum
	for _, t := range ts {
		if t.name != c.alg.header {
			continue
		}
		if !validChecksumValue(c.alg, t.value) {
			return invalidRequest("Value for %s trailing header is invalid.", c.alg.header)
		}
		c.value = t.value
		return nil
	}
	return malformedTrailer()
}

// readPlain reads a body sent as is. n is Content-Length (-1 unknown): the
// buffer gets n+1 bytes of capacity so reaching EOF never reallocates.
func readPlain(r io.Reader, n, limit int64, sink func([]byte)) ([]byte, *awserr.Error) {
	if n > limit {
		return nil, entityTooLarge(limit)
	}
	size := int64(32 << 10)
	if n >= 0 {
		size = n + 1
	}
	buf := make([]byte, 0, min(size, limit+1, maxPrealloc))
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(cap(buf), maxPrealloc))
		}
		m, err := r.Read(buf[len(buf):cap(buf)])
		sink(buf[len(buf) : len(buf)+m])
		buf = buf[:len(buf)+m]
		if int64(len(buf)) > limit {
			return nil, entityTooLarge(limit)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, incompleteBody()
		}
	}
	if n >= 0 && int64(len(buf)) != n {
		return nil, incompleteBody()
	}
	return buf, nil
}

func entityTooLarge(limit int64) *awserr.Error {
	return awserr.Newf("EntityTooLarge", http.StatusBadRequest, "Your proposed upload exceeds the maximum allowed size of %d bytes.", limit)
}

const msgInvalidContentSHA256 = "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value."

func invalidContentSHA256() *awserr.Error {
	return awserr.New("InvalidArgument", http.StatusBadRequest, msgInvalidContentSHA256)
}

// validMode reports whether v is a payload mode S3 accepts.
func validMode(v string) bool {
	switch v {
	case sigv4.UnsignedPayload, sigv4.StreamingPayload, sigv4.StreamingPayloadTrailer,
		sigv4.StreamingUnsignedPayloadTrailer, sigv4.StreamingECDSAPayload, sigv4.StreamingECDSAPayloadTrailer:
		return true
	}
	if len(v) != 2*sha256.Size {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// AuthenticateHTTPStreaming verifies the signature of a request whose body
// has not been read: the payload hash signed is the x-amz-content-sha256
// header, which S3 requires on every request signed in the Authorization
// header (InvalidRequest "Missing required header for this request:
// x-amz-content-sha256" otherwise; InvalidArgument for a value that is no
// mode). Presigned URLs sign UNSIGNED-PAYLOAD. The body is verified as it is
// read through the returned Payload. Failures are reported with
// AWSError(sigv4.RESTXML).
func (a *Authenticator) AuthenticateHTTPStreaming(r *http.Request) (*Identity, *Payload, *sigv4.Failure) {
	mode := r.Header.Get("X-Amz-Content-Sha256")
	req := sigv4.FromHTTP(r, nil)
	switch {
	case mode != "":
		if !validMode(mode) {
			return nil, nil, sigv4.BadRequest("InvalidArgument", msgInvalidContentSHA256)
		}
	case r.Header.Get("Authorization") != "":
		return nil, nil, sigv4.BadRequest("InvalidRequest", "Missing required header for this request: x-amz-content-sha256")
	default:
		// Presigned (or anonymous, which fails authentication).
		mode = sigv4.UnsignedPayload
	}
	req.PayloadHash, req.AllowUnsignedPayload = mode, true
	id, chain, f := a.authenticate(r.Context(), &req)
	if f != nil {
		return nil, nil, f
	}
	return id, &Payload{r: r, mode: mode, chain: chain, decoded: -1}, nil
}
