package sigv4

import (
	"net/http"
	"strings"
	"unicode/utf8"
)

// headerValues returns the values of the header whose lower-case name is
// given, in received order. http.Header keys are canonical MIME keys; the
// key is built on the stack so the lookup does not allocate. A lower-case
// key (as in maps filled straight from gRPC metadata) is found too.
func headerValues(h http.Header, name string) []string {
	if key := knownHeaderKey(name); key != "" {
		if v, ok := h[key]; ok {
			return v
		}
		return h[name]
	}
	var buf [64]byte
	if len(name) <= len(buf) {
		key := buf[:len(name)]
		upper := true
		for i := 0; i < len(name); i++ {
			c := name[i]
			if upper && 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			} else if !upper && 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			key[i] = c
			upper = c == '-'
		}
		if v, ok := h[string(key)]; ok {
			return v
		}
	}
	return h[name]
}

// knownHeaderKey is the canonical MIME key of the lower-case names SigV4
// requests carry most (those the verifier reads and those the SDKs sign),
// "" for others. A switch on the name is cheaper than building the key.
func knownHeaderKey(name string) string {
	switch name {
	case "authorization":
		return "Authorization"
	case "x-amz-date":
		return "X-Amz-Date"
	case "x-amz-security-token":
		return "X-Amz-Security-Token"
	case "x-amz-content-sha256":
		return "X-Amz-Content-Sha256"
	case "amz-sdk-invocation-id":
		return "Amz-Sdk-Invocation-Id"
	case "amz-sdk-request":
		return "Amz-Sdk-Request"
	case "content-type":
		return "Content-Type"
	case "content-length":
		return "Content-Length"
	case "content-md5":
		return "Content-Md5"
	case "date":
		return "Date"
	case "x-amz-target":
		return "X-Amz-Target"
	case "x-amz-user-agent":
		return "X-Amz-User-Agent"
	case "x-amz-decoded-content-length":
		return "X-Amz-Decoded-Content-Length"
	case "x-amz-trailer":
		return "X-Amz-Trailer"
	case "x-amz-sdk-checksum-algorithm":
		return "X-Amz-Sdk-Checksum-Algorithm"
	case "content-encoding":
		return "Content-Encoding"
	}
	return ""
}

// seenHeader is a header the verifier has already looked up: its
// lower-case name and its values.
type seenHeader struct {
	name   string
	values []string
}

// firstHeader returns the first value of a header, or "".
func firstHeader(h http.Header, name string) string {
	if v := headerValues(h, name); len(v) > 0 {
		return v[0]
	}
	return ""
}

// appendTrimmed appends a header value with surrounding whitespace removed
// and every run of spaces collapsed to one (AWS's "trimall").
func appendTrimmed(dst []byte, v string) []byte {
	if n := len(v); n == 0 || v[0] <= ' ' || v[0] >= utf8.RuneSelf || v[n-1] <= ' ' || v[n-1] >= utf8.RuneSelf {
		// Only then can there be white space to trim (ASCII white space
		// is at most ' ').
		v = strings.TrimSpace(v)
	}
	if !strings.Contains(v, "  ") {
		return append(dst, v...)
	}
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		dst = append(dst, c)
	}
	return dst
}

// appendCanonicalHeaders appends "name:value\n" for every signed header, in
// the order the client listed them. Repeated headers are joined with ',' in
// received order. The host comes from the request's Host, which Go keeps out
// of the header map.
func appendCanonicalHeaders(dst []byte, req *Request, signedHeaders string) []byte {
	return appendCanonicalHeadersSeen(dst, req, signedHeaders, nil)
}

// appendCanonicalHeadersSeen is appendCanonicalHeaders taking the values of
// the header seen (if not nil) from it rather than from the map.
func appendCanonicalHeadersSeen(dst []byte, req *Request, signedHeaders string, seen *seenHeader) []byte {
	for rest := signedHeaders; ; {
		var name string
		if i := strings.IndexByte(rest, ';'); i >= 0 {
			name, rest = rest[:i], rest[i+1:]
		} else {
			name, rest = rest, ""
		}
		dst = append(dst, name...)
		dst = append(dst, ':')
		if isHost(name) && req.Host != "" {
			dst = appendTrimmed(dst, req.Host)
		} else {
			var values []string
			if seen != nil && seen.name != "" && name == seen.name {
				values = seen.values
			} else {
				values = headerValues(req.Header, name)
			}
			for i, v := range values {
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = appendTrimmed(dst, v)
			}
		}
		dst = append(dst, '\n')
		if rest == "" {
			return dst
		}
	}
}

// isHost reports whether name is "host" under Unicode case folding (as
// strings.EqualFold has it: "hoſt" is "host" too).
func isHost(name string) bool {
	return name == "host" || strings.EqualFold(name, "host")
}

// signsHeader reports whether the ';'-separated list names header
// (lower-case), under Unicode case folding.
func signsHeader(signedHeaders, header string) bool {
	for rest := signedHeaders; rest != ""; {
		name := rest
		if i := strings.IndexByte(rest, ';'); i >= 0 {
			name, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		if name == header || strings.EqualFold(name, header) {
			return true
		}
	}
	return false
}
