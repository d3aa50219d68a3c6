package policy

// The Null operator checks whether a key is absent ("true") or present
// ("false"). It looks at presence rather than at values, so Condition.eval
// calls it before anything else, and it has no IfExists form. Several policy
// values combine with OR; a value other than true or false never holds.

// NullOperator is the operator's name.
const NullOperator = "Null"

// parseNullValues reads the policy values: true means "must be absent".
func parseNullValues(values []string) []bool {
	var wants []bool
	for _, v := range values {
		if b, ok := parseBool(v); ok {
			wants = append(wants, b)
		}
	}
	return wants
}

// nullHolds evaluates Null for a key that is present or not.
func nullHolds(wantAbsent []bool, present bool) bool {
	for _, w := range wantAbsent {
		if w != present {
			return true
		}
	}
	return false
}
