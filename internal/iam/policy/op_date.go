package policy

// Date condition operators compare points in time given in ISO 8601 or as
// epoch seconds (dates.go). Wildcards and policy variables are not
// supported; Parse rejects a policy value that is not a date, as IAM does.

var dateOperators = []opDef{
	{name: "DateEquals", build: buildDate(cmpEq)},
	{name: "DateNotEquals", negated: true, build: buildDate(cmpEq)},
	{name: "DateLessThan", build: buildDate(cmpLt)},
	{name: "DateLessThanEquals", build: buildDate(cmpLe)},
	{name: "DateGreaterThan", build: buildDate(cmpGt)},
	{name: "DateGreaterThanEquals", build: buildDate(cmpGe)},
}

type dateMatcher struct {
	op    compareOp
	dates []instant
}

func buildDate(op compareOp) func([]string, bool) matcher {
	return func(values []string, _ bool) matcher {
		m := &dateMatcher{op: op}
		for _, v := range values {
			if d, ok := parseDate(v); ok {
				m.dates = append(m.dates, d)
			}
		}
		return m
	}
}

func (m *dateMatcher) matches(v *Value, _ *Context) bool {
	t, ok := v.when(), v.Type == TypeDate
	if !ok {
		if t, ok = parseDate(v.Raw); !ok {
			return false
		}
	}
	for _, d := range m.dates {
		if m.op.holds(t.compare(d)) {
			return true
		}
	}
	return false
}
