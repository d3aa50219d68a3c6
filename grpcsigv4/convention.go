package grpcsigv4

import "strings"

// Metadata keys that carry the signature.
const (
	MetadataAuthorization = "authorization"
	MetadataDate          = "x-amz-date"
	MetadataContentSHA256 = "x-amz-content-sha256"
	MetadataSecurityToken = "x-amz-security-token"
	// MetadataNonce carries a random value, signed, that makes every
	// call's signature unique: the server refuses a signature it has
	// already accepted within its replay window, because the signature
	// does not cover the message.
	MetadataNonce = "x-ibemu-nonce"
)

// Parts of the virtual request every RPC is signed as.
const (
	// Method is the HTTP method of the virtual request.
	Method = "POST"
	// UnsignedPayload is the payload hash: the message is not signed.
	UnsignedPayload = "UNSIGNED-PAYLOAD"
)

// SigningName returns the SigV4 signing name for a gRPC full method: the
// second dot-separated segment of the proto package, e.g.
// "/ibemu.imagebuilder.v1.Imagebuilder/CreateComponent" → "imagebuilder".
// It returns "" when the package has fewer than two segments.
func SigningName(fullMethod string) string {
	service, _, _ := strings.Cut(strings.TrimPrefix(fullMethod, "/"), "/")
	dot := strings.LastIndexByte(service, '.')
	if dot < 0 {
		return ""
	}
	segments := strings.Split(service[:dot], ".")
	if len(segments) < 2 {
		return ""
	}
	return segments[1]
}

// signedHost is the host the virtual request is signed for. gRPC drops a
// default ":443" from the audience it gives per-RPC credentials, so both
// sides drop it.
func signedHost(authority string) string {
	return strings.TrimSuffix(authority, ":443")
}
