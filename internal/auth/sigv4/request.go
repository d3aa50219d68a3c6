package sigv4

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
)

// UnsignedPayload is the payload hash a signer uses when it cannot hash the
// body. Only transports that say so (gRPC) may accept it.
const UnsignedPayload = "UNSIGNED-PAYLOAD"

// EmptyPayloadHash is the hex SHA-256 of an empty body.
const EmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// Request describes a request exactly as it arrived, which is what a SigV4
// verifier must canonicalize: nothing here may be re-escaped or re-ordered.
type Request struct {
	// Method is the HTTP method, e.g. "POST".
	Method string
	// Path is the raw request-target path as received, before any
	// unescaping (in Go: the path part of r.RequestURI).
	Path string
	// RawQuery is the raw query string as received, without '?'.
	RawQuery string
	// Host is the Host header or :authority as received.
	Host string
	// Header holds the headers; repeated values must be in received order.
	Header http.Header
	// PayloadHash is the hex SHA-256 of the body, or UnsignedPayload.
	PayloadHash string
	// AllowUnsignedPayload permits PayloadHash == UnsignedPayload. The gRPC
	// transport sets it because per-RPC credentials cannot see the message.
	AllowUnsignedPayload bool
	// ExpectedService, when set, is the signing name the credential scope
	// must carry; otherwise any service is accepted and reported.
	ExpectedService string
}

// FromHTTP describes a server-side request. body is the full request body the
// caller has already read; its SHA-256 becomes the payload hash.
func FromHTTP(r *http.Request, body []byte) Request {
	path, query := splitRequestURI(r)
	host := r.Host
	if host == "" && r.URL != nil {
		host = r.URL.Host
	}
	return Request{
		Method:      r.Method,
		Path:        path,
		RawQuery:    query,
		Host:        host,
		Header:      r.Header,
		PayloadHash: bodyHash(body),
	}
}

// emptyPayloadHash is the hex SHA-256 of an empty body, the payload hash of
// every GET.
var emptyPayloadHash = func() string { sum := sha256.Sum256(nil); return hex.EncodeToString(sum[:]) }()

// bodyHash is the hex SHA-256 of body.
func bodyHash(body []byte) string {
	if len(body) == 0 {
		return emptyPayloadHash
	}
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// splitRequestURI returns the raw path and query as the client sent them.
// r.URL.EscapedPath() is not used: it re-escapes and would double-encode.
func splitRequestURI(r *http.Request) (path, query string) {
	uri := r.RequestURI
	if uri == "" || uri == "*" {
		// Not a server request (or OPTIONS *): fall back to the URL.
		if r.URL == nil {
			return "/", ""
		}
		if r.URL.Opaque != "" {
			return opaquePath(r.URL.Opaque), r.URL.RawQuery
		}
		return r.URL.EscapedPath(), r.URL.RawQuery
	}
	if !strings.HasPrefix(uri, "/") {
		// absolute-form "scheme://authority/path?query".
		if i := strings.Index(uri, "://"); i >= 0 {
			rest := uri[i+3:]
			if j := strings.IndexAny(rest, "/?"); j >= 0 {
				uri = rest[j:]
			} else {
				uri = ""
			}
		}
	}
	path, query, _ = strings.Cut(uri, "?")
	return path, query
}

// opaquePath extracts the path from a URL.Opaque of the form "//host/path".
func opaquePath(opaque string) string {
	opaque, _, _ = strings.Cut(opaque, "?")
	if rest, ok := strings.CutPrefix(opaque, "//"); ok {
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			return rest[i:]
		}
		return "/"
	}
	return opaque
}
