package server

import (
	"context"
	"net"
	"net/http"
	"net/netip"

	"google.golang.org/grpc/peer"
)

// httpSource returns the client address and whether the request came over
// TLS.
func httpSource(r *http.Request) (netip.Addr, bool) {
	return parseHostPort(r.RemoteAddr), r.TLS != nil
}

// tlsAuthType is what grpc-go's TLS credentials report as their AuthType.
const tlsAuthType = "tls"

// grpcSource returns the peer address of a gRPC call and whether its
// connection is TLS.
func grpcSource(ctx context.Context) (netip.Addr, bool) {
	p, ok := peer.FromContext(ctx)
	if !ok {
		return netip.Addr{}, false
	}
	var ip netip.Addr
	switch a := p.Addr.(type) {
	case *net.TCPAddr:
		ip = a.AddrPort().Addr().Unmap()
	case nil:
	default:
		ip = parseHostPort(a.String())
	}
	return ip, p.AuthInfo != nil && p.AuthInfo.AuthType() == tlsAuthType
}

// parseHostPort reads the IP of "host:port" (or a bare IP); anything else,
// such as a Unix socket path, is the zero Addr.
func parseHostPort(s string) netip.Addr {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap()
	}
	host := s
	if h, _, err := net.SplitHostPort(s); err == nil {
		host = h
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip.Unmap()
	}
	return netip.Addr{}
}
