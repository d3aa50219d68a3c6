package policy

import (
	"testing"
	"unicode/utf8"
)

// referenceMatch is pattern.match as it was before a star followed by a
// literal skipped the positions that cannot begin it: every match must
// agree with it.
func (p *pattern) referenceMatch(s string, o matchOptions, ctx *Context) bool {
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
		si = starSi
		ti = starTi + 1
	}
}

func checkMatchAgrees(t *testing.T, pat, subject string) {
	t.Helper()
	ctx := NewContext()
	ctx.SetString("aws:username", "Alice")
	for _, po := range []patternOptions{{wildcards: true}, {wildcards: true, variables: true}} {
		p := compilePattern(pat, po)
		for _, o := range []matchOptions{{}, {fold: true}, {lowered: true}, {arn: true, limit: fifthColon(subject)}, {arn: true, fold: true, limit: fifthColon(subject)}} {
			if got, want := p.match(subject, o, ctx), p.referenceMatch(subject, o, ctx); got != want {
				t.Fatalf("pattern %q subject %q options %+v: match %v, reference %v", pat, subject, o, got, want)
			}
		}
	}
}

func TestPatternSkipAgrees(t *testing.T) {
	subjects := []string{
		"arn:aws:imagebuilder:us-east-1:111122223333:component/web/1.0.0/1",
		"arn:aws:s3:::bucket-1/key:with:colons/x",
		"imagebuilder:GetComponent", "IMAGEBUILDER:getcomponent", "", "a", "::::::", "aaa:bbb", "ü:ß*?",
		"arn:aws:iam::111122223333:user/Alice", "arn:aws:iam::111122223333:user/alice",
	}
	patterns := []string{
		"arn:aws:imagebuilder:*:111122223333:component/*", "arn:aws:*:*:*:*", "*:*", "imagebuilder:Get*", "imagebuilder:get*",
		"*Component", "*c*o*m*", "arn:aws:s3:::bucket-*/*", "a*b*c", "*:", ":*", "*?:*", "*ß*", "arn:aws:iam::*:user/${aws:username}",
		"*${aws:username}", "*/A*", "*", "?*?", "arn:*:*:*:111122223333:*",
	}
	for _, p := range patterns {
		for _, s := range subjects {
			checkMatchAgrees(t, p, s)
		}
	}
}

func FuzzPatternSkipAgrees(f *testing.F) {
	f.Add("arn:aws:imagebuilder:*:111122223333:component/*", "arn:aws:imagebuilder:us-east-1:111122223333:component/web/1.0.0/1")
	f.Add("*:*b", "a:B:b")
	f.Add("imagebuilder:Get*", "IMAGEBUILDER:GETcomponent")
	f.Fuzz(func(t *testing.T, pat, subject string) {
		if !utf8.ValidString(pat) || len(pat) > 200 || len(subject) > 400 {
			return
		}
		checkMatchAgrees(t, pat, subject)
	})
}
