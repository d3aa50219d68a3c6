package policy

// The Bool operator compares with "true" or "false". Policy variables are
// substituted (the condition operators page lists Boolean among the operators
// that accept them).

var boolOperators = []opDef{
	{name: "Bool", variables: true, build: buildBool},
}

type boolMatcher struct {
	pats []pattern
}

func buildBool(values []string, vars bool) matcher {
	m := &boolMatcher{}
	for _, v := range values {
		m.pats = append(m.pats, compilePattern(v, patternOptions{variables: vars}))
	}
	return m
}

func (m *boolMatcher) matches(v *Value, ctx *Context) bool {
	b, ok := v.b, v.Type == TypeBoolean
	if !ok {
		if b, ok = parseBool(v.Raw); !ok {
			return false
		}
	}
	want := "false"
	if b {
		want = "true"
	}
	// A policy value means true or false in any letter case; matching it
	// against the canonical text avoids building resolved strings.
	for i := range m.pats {
		if m.pats[i].match(want, matchOptions{fold: true}, ctx) {
			return true
		}
	}
	return false
}

func (m *boolMatcher) variableKeys() []string { return patternVariables(m.pats) }
