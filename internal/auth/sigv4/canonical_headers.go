package sigv4

import (
	"net/http"
	"strings"
)

// headerValues returns the values of the header whose lower-case name is
// given, in received order. http.Header keys are canonical MIME keys; the
// key is built on the stack so the lookup does not allocate. A lower-case
// key (as in maps filled straight from gRPC metadata) is found too.
func headerValues(h http.Header, name string) []string {
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
	v = strings.TrimSpace(v)
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
	for rest := signedHeaders; ; {
		var name string
		name, rest, _ = strings.Cut(rest, ";")
		dst = append(dst, name...)
		dst = append(dst, ':')
		if strings.EqualFold(name, "host") && req.Host != "" {
			dst = appendTrimmed(dst, req.Host)
		} else {
			for i, v := range headerValues(req.Header, name) {
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

// signsHeader reports whether the ';'-separated list names header (lower-case).
func signsHeader(signedHeaders, header string) bool {
	for rest := signedHeaders; rest != ""; {
		var name string
		name, rest, _ = strings.Cut(rest, ";")
		if strings.EqualFold(name, header) {
			return true
		}
	}
	return false
}
