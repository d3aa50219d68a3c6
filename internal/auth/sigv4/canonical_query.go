package sigv4

import (
	"slices"
	"strings"
)

// queryParam is one query parameter in canonical (encoded) form.
type queryParam struct{ key, value string }

// parseQuery splits a raw query into canonical parameters, appending to
// params. Each key and value is decoded ('+' is a space, as Go's and the
// SDK's parsers read it; a malformed escape stays literal so it is still
// covered by the signature) and re-encoded with the SigV4 rules.
func parseQuery(params []queryParam, rawQuery string) []queryParam {
	for rawQuery != "" {
		var pair string
		pair, rawQuery, _ = strings.Cut(rawQuery, "&")
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		params = append(params, queryParam{key: canonicalComponent(k), value: canonicalComponent(v)})
	}
	return params
}

// canonicalComponent returns s decoded then SigV4-encoded. Components already
// in canonical form are returned as is, without allocating.
func canonicalComponent(s string) string {
	if isCanonicalComponent(s) {
		return s
	}
	return string(appendEscaped(nil, unescapeComponent(s)))
}

// isCanonicalComponent reports whether decoding and re-encoding s would
// give s back: only unreserved bytes and upper-case escapes of reserved ones.
func isCanonicalComponent(s string) bool {
	for {
		i := 0
		for i < len(s) && unreserved[s[i]] {
			i++
		}
		if i == len(s) {
			return true
		}
		if s[i] != '%' || i+2 >= len(s) || !isUpperHex(s[i+1]) || !isUpperHex(s[i+2]) {
			return false
		}
		if unreserved[unhex(s[i+1])<<4|unhex(s[i+2])] {
			return false
		}
		s = s[i+3:]
	}
}

func isUpperHex(c byte) bool { return '0' <= c && c <= '9' || 'A' <= c && c <= 'F' }

func isHex(c byte) bool { return isUpperHex(c) || 'a' <= c && c <= 'f' }

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// decodeComponent decodes a canonical component, without allocating when it
// has no escapes.
func decodeComponent(s string) string {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s
	}
	return unescapeComponent(s)
}

// unescapeComponent decodes a query component leniently.
func unescapeComponent(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			b = append(b, ' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// sortParams orders parameters by encoded key, then encoded value.
func sortParams(params []queryParam) {
	slices.SortFunc(params, func(a, b queryParam) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return strings.Compare(a.value, b.value)
	})
}

// appendCanonicalQuery appends sorted parameters as k=v pairs joined by '&',
// leaving out the parameter named skip (X-Amz-Signature when presigned).
func appendCanonicalQuery(dst []byte, params []queryParam, skip string) []byte {
	first := true
	for _, p := range params {
		if skip != "" && p.key == skip {
			continue
		}
		if !first {
			dst = append(dst, '&')
		}
		first = false
		dst = append(dst, p.key...)
		dst = append(dst, '=')
		dst = append(dst, p.value...)
	}
	return dst
}

// CanonicalQuery returns the canonical query string of a raw query.
func CanonicalQuery(rawQuery string) string {
	params := parseQuery(nil, rawQuery)
	sortParams(params)
	return string(appendCanonicalQuery(nil, params, ""))
}
