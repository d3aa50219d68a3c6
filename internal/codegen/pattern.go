package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// translatePattern turns a Smithy (ECMA 262) pattern into an RE2 pattern Go
// can compile, plus RE2 patterns that must not match, standing in for the
// negative lookaheads RE2 lacks. Only the constructs found in AWS models are
// handled; anything else fails generation loudly.
func translatePattern(p string) (goPat string, excludes []string, err error) {
	s := p
	// ^(?!X)rest — a prefix exclusion.
	if strings.HasPrefix(s, "^(?!") {
		end := strings.IndexByte(s, ')')
		if end < 0 {
			return "", nil, fmt.Errorf("pattern %q: unterminated lookahead", p)
		}
		excludes = append(excludes, "^"+regexp.QuoteMeta(s[len("^(?!"):end]))
		s = "^" + s[end+1:]
	}
	// -(?!-) — a character that may not repeat.
	for {
		i := strings.Index(s, "(?!")
		if i < 0 {
			break
		}
		end := strings.IndexByte(s[i:], ')')
		if end < 0 || i == 0 {
			return "", nil, fmt.Errorf("pattern %q: unsupported lookahead", p)
		}
		look := s[i+3 : i+end]
		prev := s[i-1 : i]
		if look != prev {
			return "", nil, fmt.Errorf("pattern %q: unsupported lookahead (?!%s)", p, look)
		}
		excludes = append(excludes, regexp.QuoteMeta(prev+look))
		s = s[:i] + s[i+end+1:]
	}
	// ECMA without the u flag reads \u10000 as \u1000 followed by "0"; the
	// models mean the supplementary planes.
	s = strings.ReplaceAll(s, `\u10000-\u10FFFF`, `\x{10000}-\x{10FFFF}`)
	s = uEscape.ReplaceAllString(s, `\x{$1}`)
	// RE2 caps repeat counts at 1000; a larger bound is left to the length
	// constraint, which the same shapes carry.
	s = bigRepeat.ReplaceAllStringFunc(s, func(m string) string {
		parts := bigRepeat.FindStringSubmatch(m)
		if n, _ := strconv.Atoi(parts[2]); n > 1000 {
			return "{" + parts[1] + ",}"
		}
		return m
	})
	if _, err := regexp.Compile(s); err != nil {
		return "", nil, fmt.Errorf("pattern %q: %w", p, err)
	}
	return s, excludes, nil
}

var (
	uEscape   = regexp.MustCompile(`\\u([0-9A-Fa-f]{4})`)
	bigRepeat = regexp.MustCompile(`\{(\d+),(\d+)\}`)
)
