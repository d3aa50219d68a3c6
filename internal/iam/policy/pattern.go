package policy

import (
	"strings"
	"unicode/utf8"
)

// A pattern is a compiled Action, Resource or condition value: literal text,
// the wildcards * and ? and policy variables. Variables are kept as tokens
// and resolved from the request context while matching, so matching never
// builds strings (and never allocates).

type tokenKind uint8

const (
	tokLiteral tokenKind = iota
	tokStar
	tokQuestion
	tokVariable
)

type token struct {
	kind tokenKind
	// text is the literal text, or the default value of a variable.
	text string
	// key is the lower-cased context key of a variable; name is as written.
	key, name  string
	hasDefault bool
}

type pattern struct {
	raw  string
	toks []token
	// all is set for a bare "*" with wildcards enabled: it matches anything.
	all bool
	// plain is set when the pattern is one literal (no wildcards, no variables).
	plain bool
	lit   string
	vars  bool
}

type patternOptions struct {
	wildcards bool
	variables bool
	// varsFrom is the byte offset from which ${...} is recognised; Resource
	// elements only substitute variables in the resource part of the ARN.
	varsFrom int
}

func compilePattern(s string, o patternOptions) pattern {
	p := pattern{raw: s}
	if o.wildcards && s == "*" {
		p.all = true
		return p
	}
	// Most values are plain text: no tokens to build.
	if !strings.ContainsAny(s, "*?$") {
		p.plain, p.lit = true, s
		return p
	}
	litStart := 0
	flush := func(i int) {
		if i > litStart {
			p.toks = append(p.toks, token{kind: tokLiteral, text: s[litStart:i]})
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case o.wildcards && c == '*':
			flush(i)
			if n := len(p.toks); n == 0 || p.toks[n-1].kind != tokStar {
				p.toks = append(p.toks, token{kind: tokStar})
			}
			i++
			litStart = i
			continue
		case o.wildcards && c == '?':
			flush(i)
			p.toks = append(p.toks, token{kind: tokQuestion})
			i++
			litStart = i
			continue
		case o.variables && c == '$' && i >= o.varsFrom && strings.HasPrefix(s[i:], "${"):
			if tok, n, ok := parseVariable(s[i:]); ok {
				flush(i)
				if tok.kind == tokVariable {
					p.vars = true
				}
				p.toks = append(p.toks, tok)
				i += n
				litStart = i
				continue
			}
		}
		i++
	}
	flush(len(s))
	// Adjacent literals (from ${*}-style escapes) are joined.
	merged := p.toks[:0]
	for _, t := range p.toks {
		if n := len(merged); n > 0 && t.kind == tokLiteral && merged[n-1].kind == tokLiteral {
			merged[n-1].text += t.text
			continue
		}
		merged = append(merged, t)
	}
	p.toks = merged
	switch {
	case len(p.toks) == 0:
		p.plain = true
	case len(p.toks) == 1 && p.toks[0].kind == tokLiteral:
		p.plain = true
		p.lit = p.toks[0].text
	}
	return p
}

// parseVariable reads "${name}", "${name, 'default'}" or one of the escapes
// ${*}, ${?}, ${$} at the start of s. It returns the token (a literal for the
// escapes), the bytes consumed and whether s starts with a well-formed
// variable. Malformed variables are left as literal text.
func parseVariable(s string) (token, int, bool) {
	end := -1
	inQuote := false
	for i := 2; i < len(s); i++ {
		c := s[i]
		if c == '\'' {
			inQuote = !inQuote
			continue
		}
		if c == '}' && !inQuote {
			end = i
			break
		}
	}
	if end < 0 {
		return token{}, 0, false
	}
	inner := s[2:end]
	switch inner {
	case "*", "?", "$":
		return token{kind: tokLiteral, text: inner}, end + 1, true
	}
	name := inner
	tok := token{kind: tokVariable}
	if comma := strings.IndexByte(inner, ','); comma >= 0 {
		name = inner[:comma]
		d := strings.TrimSpace(inner[comma+1:])
		if len(d) < 2 || d[0] != '\'' || d[len(d)-1] != '\'' {
			return token{}, 0, false
		}
		// Inside the quotes a doubled quote stands for one quote.
		body := d[1 : len(d)-1]
		if strings.Count(strings.ReplaceAll(body, "''", ""), "'") != 0 {
			return token{}, 0, false
		}
		tok.text = strings.ReplaceAll(body, "''", "'")
		tok.hasDefault = true
	}
	name = strings.TrimSpace(name)
	if name == "" || strings.ContainsAny(name, " \t${}'") {
		return token{}, 0, false
	}
	tok.name = name
	tok.key = strings.ToLower(name)
	return tok, end + 1, true
}

// matchOptions controls one match.
type matchOptions struct {
	// fold compares ASCII letters case-insensitively.
	fold bool
	// lowered says the pattern's literals are already lower case (action
	// patterns), so only the subject needs folding.
	lowered bool
	// arn keeps wildcards from matching ':' inside the first five ARN
	// separators of the subject: each of the first five components is matched
	// separately, the resource part may contain ':' and '/'.
	arn bool
	// limit is fifthColon(subject) when arn is set; callers matching one
	// subject against many patterns compute it once.
	limit int
}

func arnMatch(subject string) matchOptions {
	return matchOptions{arn: true, limit: fifthColon(subject)}
}

// match reports whether s matches the pattern. Variables are resolved from
// ctx; a variable that cannot be resolved and has no default matches nothing.
func (p *pattern) match(s string, o matchOptions, ctx *Context) bool {
	if p.all {
		return true
	}
	if p.plain {
		switch {
		case o.lowered:
			return len(s) == len(p.lit) && lowerPrefix(s, p.lit)
		case o.fold:
			return equalFoldASCII(p.lit, s)
		}
		return p.lit == s
	}
	limit := -1
	if o.arn {
		limit = o.limit
	}
	toks := p.toks
	ti, si := 0, 0
	starTi, starSi := -1, 0
	for {
		if ti < len(toks) {
			t := &toks[ti]
			switch t.kind {
			case tokStar:
				if ti == len(toks)-1 {
					// A trailing star takes the rest, unless that holds a
					// separator it may not cross.
					for k := si; k <= limit && k < len(s); k++ {
						if s[k] == ':' {
							return false
						}
					}
					return true
				}
				starTi, starSi = ti, si
				ti++
				continue
			case tokQuestion:
				if si < len(s) && (s[si] != ':' || si > limit) {
					_, n := utf8.DecodeRuneInString(s[si:])
					si += n
					ti++
					continue
				}
			case tokLiteral:
				if hasPrefixOpt(s[si:], t.text, o) {
					si += len(t.text)
					ti++
					continue
				}
			case tokVariable:
				v, ok := ctx.variable(t.key)
				if !ok {
					if !t.hasDefault {
						return false
					}
					v = t.text
				}
				if hasPrefixOpt(s[si:], v, o) {
					si += len(v)
					ti++
					continue
				}
			}
		} else if si == len(s) {
			return true
		}
		// Mismatch: let the most recent star absorb one more character.
		if starTi < 0 || starSi >= len(s) {
			return false
		}
		if s[starSi] == ':' && starSi <= limit {
			return false
		}
		_, n := utf8.DecodeRuneInString(s[starSi:])
		starSi += n
		// When a literal follows the star, positions where the subject does
		// not start with the literal's first byte would fail at once: let
		// the star absorb them here (under the same rules) rather than try
		// each.
		if next := starTi + 1; next < len(toks) && toks[next].kind == tokLiteral && toks[next].text != "" {
			c := toks[next].text[0]
			for starSi < len(s) && !firstByteMatches(s[starSi], c, o) {
				if s[starSi] == ':' && starSi <= limit {
					return false
				}
				_, n := utf8.DecodeRuneInString(s[starSi:])
				starSi += n
			}
		}
		si = starSi
		ti = starTi + 1
	}
}

// firstByteMatches reports whether subject byte b can begin a literal
// starting with c under o (what hasPrefixOpt compares first).
func firstByteMatches(b, c byte, o matchOptions) bool {
	if o.lowered || o.fold {
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if o.fold && 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
	}
	return b == c
}

// fifthColon returns the index of the fifth ':' in s, or len(s) when s has
// fewer (then no ':' may be matched by a wildcard).
func fifthColon(s string) int {
	at := -1
	for n := 0; n < 5; n++ {
		i := strings.IndexByte(s[at+1:], ':')
		if i < 0 {
			return len(s)
		}
		at += i + 1
	}
	return at
}

func hasPrefixOpt(s, prefix string, o matchOptions) bool {
	if len(s) < len(prefix) {
		return false
	}
	switch {
	case o.lowered:
		return lowerPrefix(s, prefix)
	case o.fold:
		return equalFoldASCII(s[:len(prefix)], prefix)
	}
	return s[:len(prefix)] == prefix
}

// lowerPrefix reports whether s starts with lower, a lower-case ASCII
// string, ignoring the case of s.
func lowerPrefix(s, lower string) bool {
	for i := 0; i < len(lower); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x == y {
			continue
		}
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// variables lists the context keys a pattern refers to, as written.
func (p *pattern) variables() []string {
	var out []string
	for _, t := range p.toks {
		if t.kind == tokVariable {
			out = append(out, t.name)
		}
	}
	return out
}
