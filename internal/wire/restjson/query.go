package restjson

import (
	"net/url"
	"os"
	"strings"
	"unsafe"
)

// Query is a request's query string, checked as url.ParseQuery checks it
// but not parsed into url.Values: the decoder reads only the members the
// operation binds to the query, and unescapes only their values. A
// one-parameter query (GetComponent's ARN) costs no map, no slice and no
// escape work beyond its value.
type Query struct{ raw string }

// ParseQuery checks raw (a URL's RawQuery) and returns it as a Query. Its
// error is url.ParseQuery's, word for word: a query it would refuse is
// refused the same way.
func ParseQuery(raw string) (Query, error) {
	if !plainQuery(raw) {
		if _, err := url.ParseQuery(raw); err != nil {
			return Query{}, err
		}
	}
	return Query{raw: raw}, nil
}

// maxPlainParams is the number of parameters up to which plainQuery
// decides alone; larger queries are checked by url.ParseQuery, which
// also enforces its parameter limit (10,000, or GODEBUG's
// urlmaxqueryparams).
const maxPlainParams = 64

// godebugQueryLimit reports a GODEBUG urlmaxqueryparams setting, which
// may lower url.ParseQuery's limit below maxPlainParams: every query is
// then checked by url.ParseQuery.
var godebugQueryLimit = strings.Contains(os.Getenv("GODEBUG"), "urlmaxqueryparams")

// plainQuery reports whether url.ParseQuery would accept raw without
// error, for the queries it can tell quickly: no semicolon, every '%'
// followed by two hexadecimal digits, few parameters. false means "ask
// url.ParseQuery", not "invalid".
func plainQuery(raw string) bool {
	if godebugQueryLimit || strings.Count(raw, "&") >= maxPlainParams || strings.IndexByte(raw, ';') >= 0 {
		return false
	}
	for rest := raw; ; {
		i := strings.IndexByte(rest, '%')
		if i < 0 {
			return true
		}
		if i+2 >= len(rest) || !isHex(rest[i+1]) || !isHex(rest[i+2]) {
			return false
		}
		rest = rest[i+3:]
	}
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// appendValues appends the values of key, in order, as url.Values[key]
// holds them (only the first when first is set), and reports whether key
// is present at all.
func (q Query) appendValues(dst []string, key string, first bool) ([]string, bool) {
	found := false
	for rest := q.raw; rest != ""; {
		var pair string
		pair, rest, _ = strings.Cut(rest, "&")
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		if !queryKeyIs(k, key) {
			continue
		}
		found = true
		dst = append(dst, unescapeQuery(v))
		if first {
			break
		}
	}
	return dst, found
}

// queryKeyIs reports whether the escaped key k names key.
func queryKeyIs(k, key string) bool {
	if strings.IndexByte(k, '%') < 0 && strings.IndexByte(k, '+') < 0 {
		return k == key
	}
	return unescapeQuery(k) == key
}

// unescapeQuery is url.QueryUnescape of a component ParseQuery accepted
// (every '%' starts a valid escape): one allocation, none when there is
// nothing to unescape. One pass over the bytes into a buffer of the exact
// size, which becomes the string (never written after): an ARN has an
// escape every few bytes, and searching for the next one
// (strings.IndexAny) and copying the runs between cost more than this.
// FuzzUnescapeQuery checks it against url.QueryUnescape.
func unescapeQuery(s string) string {
	n := strings.Count(s, "%")
	if n == 0 && strings.IndexByte(s, '+') < 0 {
		return s
	}
	// Every '%' starts a complete escape, so the result is exactly this
	// long; a '%' that does not (never after ParseQuery) goes the safe way.
	size := len(s) - 2*n
	if size <= 0 {
		return unescapeQueryAny(s)
	}
	buf := make([]byte, size)
	j := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '+':
			c = ' '
		case '%':
			if i+2 >= len(s) || s[i+1] == '%' || s[i+2] == '%' {
				return unescapeQueryAny(s)
			}
			c = unhex(s[i+1])<<4 | unhex(s[i+2])
			i += 2
		}
		if j == len(buf) {
			// An incomplete escape further on made size too small.
			return unescapeQueryAny(s)
		}
		buf[j] = c
		j++
	}
	return unsafe.String(unsafe.SliceData(buf), len(buf))
}

// unescapeQueryAny is unescapeQuery for any s, including a '%' without two
// bytes after it or followed by another '%' (which ParseQuery refuses):
// such a '%' and what follows it are kept as they are, as before.
func unescapeQueryAny(s string) string {
	buf := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '+':
			c = ' '
		case '%':
			if i+2 >= len(s) || s[i+1] == '%' || s[i+2] == '%' {
				return string(append(buf, s[i:]...))
			}
			c = unhex(s[i+1])<<4 | unhex(s[i+2])
			i += 2
		}
		buf = append(buf, c)
	}
	return string(buf)
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10
	}
	return 0
}
