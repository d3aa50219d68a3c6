package policy

// ARN operators match each of the six colon-separated ARN components
// separately, case-sensitively, with * and ? allowed in every component.
// ArnEquals and ArnLike behave identically, as do their negations. Policy
// variables are substituted. A request value that is not an ARN matches
// nothing.

var arnOperators = []opDef{
	{name: "ArnEquals", variables: true, build: buildARN},
	{name: "ArnLike", variables: true, build: buildARN},
	{name: "ArnNotEquals", negated: true, variables: true, build: buildARN},
	{name: "ArnNotLike", negated: true, variables: true, build: buildARN},
}

type arnMatcher struct {
	pats []pattern
}

func buildARN(values []string, vars bool) matcher {
	m := &arnMatcher{}
	for _, v := range values {
		m.pats = append(m.pats, compilePattern(v, patternOptions{wildcards: true, variables: vars}))
	}
	return m
}

func (m *arnMatcher) matches(v *Value, ctx *Context) bool {
	if _, ok := splitARN(v.Raw); !ok {
		return false
	}
	o := arnMatch(v.Raw)
	for i := range m.pats {
		if m.pats[i].match(v.Raw, o, ctx) {
			return true
		}
	}
	return false
}

func (m *arnMatcher) variableKeys() []string { return patternVariables(m.pats) }
