package sigv4

import "bytes"

// unreserved marks the RFC 3986 unreserved bytes, the only ones SigV4 never
// percent-encodes.
var unreserved = func() (t [256]bool) {
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	t['-'], t['.'], t['_'], t['~'] = true, true, true, true
	return t
}()

const upperHex = "0123456789ABCDEF"

// appendEscaped percent-encodes every byte of s outside the unreserved set.
func appendEscaped(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved[c] {
			dst = append(dst, c)
		} else {
			dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return dst
}

// appendCanonicalURI appends the canonical URI of a raw request path, as AWS
// computes it for every service except S3: dot segments are removed (RFC 3986
// section 5.2.4), repeated slashes collapse, a trailing slash stays, and each
// segment is URI-encoded once. Because the raw path is already escaped on the
// wire, this is the "double encoding" the SDK signers apply.
func appendCanonicalURI(dst []byte, rawPath string) []byte {
	base := len(dst)
	trailing := false
	for len(rawPath) > 0 {
		// Take the next segment between slashes.
		for len(rawPath) > 0 && rawPath[0] == '/' {
			rawPath = rawPath[1:]
			trailing = true
		}
		end := 0
		for end < len(rawPath) && rawPath[end] != '/' {
			end++
		}
		seg := rawPath[:end]
		rawPath = rawPath[end:]
		switch seg {
		case "":
			// Only slashes were left: the path ends with '/'.
		case ".":
			trailing = true
		case "..":
			if i := bytes.LastIndexByte(dst[base:], '/'); i >= 0 {
				dst = dst[:base+i]
			}
			trailing = true
		default:
			dst = append(dst, '/')
			dst = appendEscaped(dst, seg)
			trailing = false
		}
	}
	if len(dst) == base || trailing {
		dst = append(dst, '/')
	}
	return dst
}

// appendS3CanonicalURI appends the canonical URI S3 signs: the path as
// the client escaped it, without normalization ("Signature Calculations for
// the Authorization Header", Amazon S3 API Reference: "CanonicalURI is the
// URI-encoded version of the absolute path component of the URI", encoded
// once; S3 signers set DisableURIPathEscaping). Dot segments and repeated
// slashes are part of an object key and stay. Each byte is decoded if
// percent-encoded and re-encoded canonically, so a client's choice of
// escaping for unreserved bytes or hex case does not change the result.
func appendS3CanonicalURI(dst []byte, rawPath string) []byte {
	if rawPath == "" {
		return append(dst, '/')
	}
	for i := 0; i < len(rawPath); i++ {
		c := rawPath[i]
		if c == '%' && i+2 < len(rawPath) && isHex(rawPath[i+1]) && isHex(rawPath[i+2]) {
			c = unhex(rawPath[i+1])<<4 | unhex(rawPath[i+2])
			i += 2
		}
		if unreserved[c] || c == '/' {
			dst = append(dst, c)
		} else {
			dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return dst
}

// CanonicalURI returns the canonical URI of a raw request path.
func CanonicalURI(rawPath string) string {
	return string(appendCanonicalURI(nil, rawPath))
}
