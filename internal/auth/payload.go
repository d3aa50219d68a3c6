package auth

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"io"
	"net/http"

	"github.com/ibemu/ibemu/internal/auth/sigv4"
	"github.com/ibemu/ibemu/internal/awserr"
)

// Payload is the body of a request authenticated before its body was read
// (S3, where the signature covers the payload only through the
// x-amz-content-sha256 header). Reading it verifies it as the header's mode
// requires: a hex SHA-256 must match, UNSIGNED-PAYLOAD is taken as is, and
// the aws-chunked STREAMING-* modes are decoded with each chunk signature
// and trailing checksum verified.
type Payload struct {
	r    *http.Request
	mode string // the x-amz-content-sha256 value
}

// Mode is the x-amz-content-sha256 header value the request was signed
// with: a hex SHA-256, "UNSIGNED-PAYLOAD", or a STREAMING-* mode. It is the
// value of the s3:x-amz-content-sha256 condition key.
func (p *Payload) Mode() string { return p.mode }

// ReadAll reads and verifies the whole decoded body, at most limit bytes.
// Errors are S3's: XAmzContentSHA256Mismatch (400) for a body that does not
// hash to the signed value, EntityTooLarge (400) beyond limit,
// IncompleteBody (400) for a body shorter than announced.
func (p *Payload) ReadAll(limit int64) ([]byte, *awserr.Error) {
	if p.r.ContentLength > limit {
		return nil, entityTooLarge(limit)
	}
	body, err := io.ReadAll(io.LimitReader(p.r.Body, limit+1))
	if err != nil {
		return nil, awserr.Newf("IncompleteBody", http.StatusBadRequest, "The request body terminated unexpectedly: %v", err)
	}
	if int64(len(body)) > limit {
		return nil, entityTooLarge(limit)
	}
	switch p.mode {
	case sigv4.UnsignedPayload:
		return body, nil
	case "":
		// No header: the signature was computed over the body's hash.
		return body, nil
	}
	want, err := hex.DecodeString(p.mode)
	if err != nil || len(want) != sha256.Size {
		return nil, awserr.Newf("NotImplemented", http.StatusNotImplemented, "A header you provided implies functionality that is not implemented: x-amz-content-sha256 %q.", p.mode)
	}
	got := sha256.Sum256(body)
	if subtle.ConstantTimeCompare(got[:], want) != 1 {
		return nil, awserr.Newf("XAmzContentSHA256Mismatch", http.StatusBadRequest, "The provided 'x-amz-content-sha256' header does not match what was computed.")
	}
	return body, nil
}

func entityTooLarge(limit int64) *awserr.Error {
	return awserr.Newf("EntityTooLarge", http.StatusBadRequest, "Your proposed upload exceeds the maximum allowed size of %d bytes.", limit)
}

// AuthenticateHTTPStreaming verifies the signature of a request whose body
// has not been read: the payload hash signed is the x-amz-content-sha256
// header (required, as S3 requires it). The body is verified as it is read
// through the returned Payload.
func (a *Authenticator) AuthenticateHTTPStreaming(r *http.Request) (*Identity, *Payload, *sigv4.Failure) {
	mode := r.Header.Get("X-Amz-Content-Sha256")
	req := sigv4.FromHTTP(r, nil)
	if mode != "" {
		req.PayloadHash = mode
		req.AllowUnsignedPayload = true
	} else if r.URL.Query().Get("X-Amz-Signature") != "" {
		// Presigned URLs sign UNSIGNED-PAYLOAD.
		req.PayloadHash, req.AllowUnsignedPayload, mode = sigv4.UnsignedPayload, true, sigv4.UnsignedPayload
	}
	id, f := a.Authenticate(r.Context(), &req)
	if f != nil {
		return nil, nil, f
	}
	return id, &Payload{r: r, mode: mode}, nil
}
