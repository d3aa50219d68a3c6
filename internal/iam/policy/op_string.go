package policy

import "strings"

// String condition operators: exact (case-sensitive), ignore-case and Like
// (with * and ? wildcards). Policy variables are substituted in the values.

var stringOperators = []opDef{
	{name: "StringEquals", variables: true, build: buildString(false, false)},
	{name: "StringNotEquals", negated: true, variables: true, build: buildString(false, false)},
	{name: "StringEqualsIgnoreCase", variables: true, build: buildString(true, false)},
	{name: "StringNotEqualsIgnoreCase", negated: true, variables: true, build: buildString(true, false)},
	{name: "StringLike", variables: true, build: buildString(false, true)},
	{name: "StringNotLike", negated: true, variables: true, build: buildString(false, true)},
}

type stringMatcher struct {
	pats []pattern
	fold bool
}

func buildString(fold, like bool) func([]string, bool) matcher {
	return func(values []string, vars bool) matcher {
		m := &stringMatcher{fold: fold}
		for _, v := range values {
			m.pats = append(m.pats, compilePattern(v, patternOptions{wildcards: like, variables: vars}))
		}
		return m
	}
}

func (m *stringMatcher) matches(v *Value, ctx *Context) bool {
	for i := range m.pats {
		p := &m.pats[i]
		if m.fold && p.plain {
			// Plain values compare with full Unicode case folding.
			if strings.EqualFold(p.lit, v.Raw) {
				return true
			}
			continue
		}
		if p.match(v.Raw, matchOptions{fold: m.fold}, ctx) {
			return true
		}
	}
	return false
}

func (m *stringMatcher) variableKeys() []string { return patternVariables(m.pats) }
