package grpcsigv4

import (
	"net/textproto"
	"strings"

	"google.golang.org/grpc/metadata"

	"github.com/ibemu/ibemu/internal/auth/sigv4"
)

// RequestFromMetadata rebuilds, on the server, the virtual request a client
// signed for an RPC: POST to the full method, host the :authority (taken from
// md when authority is empty), the metadata as headers, and an unsigned
// payload. ExpectedService is the signing name derived from the method.
func RequestFromMetadata(fullMethod, authority string, md metadata.MD) sigv4.Request {
	if authority == "" {
		if v := md.Get(":authority"); len(v) > 0 {
			authority = v[0]
		}
	}
	header := make(map[string][]string, len(md))
	for k, v := range md {
		if strings.HasPrefix(k, ":") {
			continue // pseudo-headers are not metadata
		}
		key := textproto.CanonicalMIMEHeaderKey(k)
		header[key] = append(header[key], v...)
	}
	return sigv4.Request{
		Method:               Method,
		Path:                 fullMethod,
		Host:                 signedHost(authority),
		Header:               header,
		PayloadHash:          UnsignedPayload,
		AllowUnsignedPayload: true,
		ExpectedService:      SigningName(fullMethod),
	}
}
