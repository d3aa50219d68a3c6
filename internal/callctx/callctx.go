// Package callctx carries what every layer needs to know about the API call
// in flight — who is calling, in which account and region, which operation,
// under which request id — through a context.Context.
//
// The transports create the Call after authentication; enforcement and
// services read it. It is the only request-scoped value the layers share.
package callctx

import (
	"context"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ibemu/ibemu/internal/auth"
)

// Call describes one API call.
type Call struct {
	RequestID string
	// Service is the SigV4 signing name of the service called, e.g.
	// "imagebuilder", "iam", "sts".
	Service string
	// Operation is the API operation name, e.g. "CreateComponent".
	Operation string
	// Region is the region from the SigV4 credential scope.
	Region string
	// Account is the caller's AWS account id.
	Account string
	// Principal is who signed the request.
	Principal auth.Principal
	// Time is when the call arrived, from the server's clock.
	Time time.Time
	// Transport is "http" or "grpc".
	Transport string
	// SourceIP is the address of the client the call came from (the peer
	// of the connection: an HTTP request's RemoteAddr, a gRPC call's
	// peer), IPv4-mapped IPv6 unmapped to IPv4; the zero Addr when the
	// transport has no IP peer. It is what aws:SourceIp compares.
	SourceIP netip.Addr
	// SecureTransport reports that the call came over TLS: what
	// aws:SecureTransport is.
	SecureTransport bool
	// S3 holds the transport facts of an S3 request over HTTP, from which
	// the s3: transport condition keys are set; nil for other calls.
	S3 *S3Transport

	// wouldDeny are the actions soft enforcement allowed although the
	// policies denied them (NoteWouldDeny).
	wdMu      sync.Mutex
	wouldDeny []string

	// cx is the context node of the first With of this call, allocated
	// with it (the transports make one per request).
	cx     callContext
	cxUsed atomic.Bool
}

// NoteWouldDeny remembers that action was allowed only because enforcement
// is soft: the transports answer the list in a response header. Each
// action is kept once. Safe for concurrent use.
func (c *Call) NoteWouldDeny(action string) {
	c.wdMu.Lock()
	defer c.wdMu.Unlock()
	for _, a := range c.wouldDeny {
		if a == action {
			return
		}
	}
	c.wouldDeny = append(c.wouldDeny, action)
}

// WouldDeny returns the actions noted by NoteWouldDeny, in the order first
// noted; nil when none.
func (c *Call) WouldDeny() []string {
	c.wdMu.Lock()
	defer c.wdMu.Unlock()
	return append([]string(nil), c.wouldDeny...)
}

// S3Transport is how an S3 request was signed and carried: the values of
// S3's transport condition keys ("Amazon S3 condition keys", Service
// Authorization Reference).
type S3Transport struct {
	// AuthType is s3:authType: "REST-HEADER" (Authorization header) or
	// "REST-QUERY-STRING" (presigned URL).
	AuthType string
	// SignatureVersion is s3:signatureversion: "AWS4-HMAC-SHA256".
	SignatureVersion string
	// SignatureAge is s3:signatureAge in milliseconds since the signing
	// time; set (HasSignatureAge) for presigned URLs only.
	SignatureAge    int64
	HasSignatureAge bool
	// ContentSHA256 is s3:x-amz-content-sha256: the payload mode signed (a
	// hex SHA-256, UNSIGNED-PAYLOAD or a STREAMING-* mode).
	ContentSHA256 string
	// TLSVersion is s3:TlsVersion ("1.2", "1.3"); "" without TLS.
	TLSVersion string
}

type key struct{}

// With returns ctx carrying c.
func With(ctx context.Context, c *Call) context.Context {
	if c != nil && c.cxUsed.CompareAndSwap(false, true) {
		c.cx = callContext{Context: ctx, c: c}
		return &c.cx
	}
	return context.WithValue(ctx, key{}, c)
}

// callContext is context.WithValue(parent, key{}, c) living in c.
type callContext struct {
	context.Context
	c *Call
}

func (x *callContext) Value(k any) any {
	if _, ok := k.(key); ok {
		return x.c
	}
	return x.Context.Value(k)
}

// From returns the Call in ctx, or nil.
func From(ctx context.Context) *Call {
	c, _ := ctx.Value(key{}).(*Call)
	return c
}
