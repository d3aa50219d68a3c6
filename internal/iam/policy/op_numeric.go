package policy

// Numeric condition operators compare integers and decimals. Policy variables
// are not substituted. A policy value that is not a number matches nothing.

type compareOp uint8

const (
	cmpEq compareOp = iota
	cmpLt
	cmpLe
	cmpGt
	cmpGe
)

// holds applies the operator to the result of comparing the request value
// with the policy value (-1, 0, 1).
func (op compareOp) holds(c int) bool {
	switch op {
	case cmpEq:
		return c == 0
	case cmpLt:
		return c < 0
	case cmpLe:
		return c <= 0
	case cmpGt:
		return c > 0
	case cmpGe:
		return c >= 0
	}
	return false
}

var numericOperators = []opDef{
	{name: "NumericEquals", build: buildNumeric(cmpEq)},
	{name: "NumericNotEquals", negated: true, build: buildNumeric(cmpEq)},
	{name: "NumericLessThan", build: buildNumeric(cmpLt)},
	{name: "NumericLessThanEquals", build: buildNumeric(cmpLe)},
	{name: "NumericGreaterThan", build: buildNumeric(cmpGt)},
	{name: "NumericGreaterThanEquals", build: buildNumeric(cmpGe)},
}

type numericMatcher struct {
	op   compareOp
	nums []float64
}

func buildNumeric(op compareOp) func([]string, bool) matcher {
	return func(values []string, _ bool) matcher {
		m := &numericMatcher{op: op}
		for _, v := range values {
			if n, ok := parseNumber(v); ok {
				m.nums = append(m.nums, n)
			}
		}
		return m
	}
}

func (m *numericMatcher) matches(v *Value, _ *Context) bool {
	x, ok := v.num(), v.Type == TypeNumeric
	if !ok {
		if x, ok = parseNumber(v.Raw); !ok {
			return false
		}
	}
	for _, n := range m.nums {
		c := 0
		switch {
		case x < n:
			c = -1
		case x > n:
			c = 1
		}
		if m.op.holds(c) {
			return true
		}
	}
	return false
}
