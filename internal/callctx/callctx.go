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
}

type key struct{}

// With returns ctx carrying c.
func With(ctx context.Context, c *Call) context.Context {
	return context.WithValue(ctx, key{}, c)
}

// From returns the Call in ctx, or nil.
func From(ctx context.Context) *Call {
	c, _ := ctx.Value(key{}).(*Call)
	return c
}
