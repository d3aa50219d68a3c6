package policy

import (
	"sort"
	"strings"
)

// Condition operators are values behind the matcher interface, one file per
// operator family. The qualifiers ForAllValues/ForAnyValue, the IfExists
// suffix, negation and missing keys are handled here, the same way for every
// family ("IAM JSON policy elements: Condition operators", "Creating a
// condition with multiple keys or values").

// matcher is a compiled operator with its policy values. matches is the
// positive test of one request value: does it match any policy value. Negated
// operators (StringNotEquals, NotIpAddress, ...) are the negation of their
// positive twin, applied by the condition, so several policy values of a
// negated operator combine as NOR, as IAM documents.
type matcher interface {
	matches(v *Value, ctx *Context) bool
}

// opDef describes one operator name of a family.
type opDef struct {
	name string
	// negated operators are evaluated as the negation of build's matcher.
	negated bool
	// variables says whether policy variables are substituted in the values
	// (string, ARN and Boolean operators only).
	variables bool
	build     func(values []string, vars bool) matcher
}

// operatorTable maps base operator names to their definitions. It is built
// once from the per-family tables and never changed.
var operatorTable = func() map[string]opDef {
	m := map[string]opDef{}
	for _, family := range [][]opDef{stringOperators, numericOperators, dateOperators, boolOperators, binaryOperators, ipOperators, arnOperators} {
		for _, d := range family {
			m[d.name] = d
		}
	}
	return m
}()

type qualifier uint8

const (
	qualNone qualifier = iota
	qualForAllValues
	qualForAnyValue
)

// Condition is one operator/key pair of a statement's Condition element.
type Condition struct {
	// Operator is the operator as written, e.g. "ForAnyValue:StringLikeIfExists".
	Operator string
	// Key is the condition key as written.
	Key string
	// Values are the policy values as written.
	Values []string

	base      string
	key       string
	qualifier qualifier
	ifExists  bool
	negated   bool
	null      bool
	nullWant  []bool
	m         matcher
}

func parseConditions(v *jsonValue, version string) ([]Condition, *Error) {
	if v.kind != jsonObject {
		return nil, syntaxError("Condition must be an object.")
	}
	var out []Condition
	for i, om := range v.members {
		for _, prev := range v.members[:i] {
			if prev.key == om.key {
				return nil, syntaxError("Duplicate field " + om.key + " in Condition.")
			}
		}
		if om.value.kind != jsonObject {
			return nil, syntaxError("Condition operator " + om.key + " must map condition keys to values.")
		}
		// An operator with no keys is accepted and tests nothing; IAM does
		// not even look at the operator's name then.
		for j, km := range om.value.members {
			for _, prev := range om.value.members[:j] {
				if strings.EqualFold(prev.key, km.key) {
					return nil, syntaxError("Duplicate condition key " + km.key + " in " + om.key + ".")
				}
			}
			values, err := scalarList("Condition values of "+km.key, km.value)
			if err != nil {
				return nil, err
			}
			// A key with an empty list of values is accepted, as by IAM; no
			// request value matches it.
			c, err := compileCondition(om.key, km.key, values, version)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
	}
	return out, nil
}

func compileCondition(op, key string, values []string, version string) (Condition, *Error) {
	c := Condition{Operator: op, Key: key, Values: values, key: strings.ToLower(key)}
	// IAM's older parser reads the values of Date operators when the policy
	// is created and fails the document when one is not a date (see
	// dates.go), before it looks at the key. The values of the other typed
	// operators (Numeric, Bool, IpAddress, BinaryEquals, Arn) are not checked
	// by IAM, on the public record of its answers: such a policy is accepted
	// and a value that does not parse matches no request (IAM Access
	// Analyzer's policy validation is what reports them, as data type
	// mismatches).
	if isDateOperator(op) {
		for _, v := range values {
			if !validPolicyDate(v) {
				return c, malformed(errLegacyParsing)
			}
		}
	}
	colon := strings.IndexByte(key, ':')
	if colon <= 0 || colon == len(key)-1 {
		return c, malformed("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")
	}
	name := op
	switch {
	case strings.HasPrefix(name, "ForAllValues:"):
		c.qualifier = qualForAllValues
		name = name[len("ForAllValues:"):]
	case strings.HasPrefix(name, "ForAnyValue:"):
		c.qualifier = qualForAnyValue
		name = name[len("ForAnyValue:"):]
	}
	if strings.HasSuffix(name, "IfExists") {
		c.ifExists = true
		name = name[:len(name)-len("IfExists")]
	}
	c.base = name
	if name == "Null" {
		// Null checks existence itself, so it has no IfExists form.
		if c.ifExists {
			return c, malformed("Invalid Condition type : " + op)
		}
		c.null = true
		c.nullWant = parseNullValues(values)
		return c, nil
	}
	def, ok := operatorTable[name]
	if !ok {
		return c, malformed("Invalid Condition type : " + op)
	}
	c.negated = def.negated
	c.m = def.build(values, def.variables && version == Version2012)
	return c, nil
}

// isDateOperator reports whether op, with its qualifier and IfExists
// removed, is a Date operator.
func isDateOperator(op string) bool {
	if i := strings.IndexByte(op, ':'); i >= 0 {
		op = op[i+1:]
	}
	op = strings.TrimSuffix(op, "IfExists")
	for _, d := range dateOperators {
		if d.name == op {
			return true
		}
	}
	return false
}

// eval reports whether the condition holds for the request context.
func (c *Condition) eval(ctx *Context) bool {
	vals, present := ctx.lookup(c.key)
	if c.null {
		// "Null false" checks that the key exists and its value is not null;
		// the set-operator pages name an empty string as a null value.
		return nullHolds(c.nullWant, present && !nullDataset(vals))
	}
	if !present {
		if c.ifExists {
			return true
		}
		switch c.qualifier {
		case qualForAllValues:
			// Vacuously true: there is no value that fails.
			return true
		case qualForAnyValue:
			return false
		}
		// A missing key matches nothing, so a negated operator holds.
		return c.negated
	}
	switch c.qualifier {
	case qualForAllValues:
		// A null dataset ("such as an empty string") is vacuously true, like
		// a missing key.
		if nullDataset(vals) {
			return true
		}
		for i := range vals {
			if c.m.matches(&vals[i], ctx) == c.negated {
				return false
			}
		}
		return true
	case qualForAnyValue:
		// ForAnyValue returns false for a null dataset, whatever the operator.
		if nullDataset(vals) {
			return false
		}
		for i := range vals {
			if c.m.matches(&vals[i], ctx) != c.negated {
				return true
			}
		}
		return false
	}
	// Without a qualifier a key with several values matches when any of them
	// does (and a negated operator holds when none does). AWS only says that
	// multivalued keys "require" a set operator, not how a bare operator
	// evaluates them; this is the reading of the emulator, not a documented rule.
	for i := range vals {
		if c.m.matches(&vals[i], ctx) {
			return !c.negated
		}
	}
	return c.negated
}

// nullDataset reports whether a key's values resolve to what the condition
// operator pages call a null dataset: no values, or only empty strings.
func nullDataset(vals []Value) bool {
	for i := range vals {
		if vals[i].Raw != "" {
			return false
		}
	}
	return true
}

// variableKeys lists the context keys the condition's values refer to.
func (c *Condition) variableKeys() []string {
	type varLister interface{ variableKeys() []string }
	if vl, ok := c.m.(varLister); ok {
		return vl.variableKeys()
	}
	return nil
}

func patternVariables(pats []pattern) []string {
	var out []string
	for i := range pats {
		out = append(out, pats[i].variables()...)
	}
	return out
}

func sortedUnique(in []string) []string {
	sort.Strings(in)
	out := in[:0]
	for i, s := range in {
		if i == 0 || s != in[i-1] {
			out = append(out, s)
		}
	}
	return out
}
