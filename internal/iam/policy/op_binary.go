package policy

import (
	"encoding/base64"
)

// BinaryEquals compares bytes: the policy holds base-64 encoded values, the
// request value is binary (base-64 text in the simulator's context entries).

var binaryOperators = []opDef{
	{name: "BinaryEquals", build: buildBinary},
}

type binaryMatcher struct {
	values [][]byte
}

func buildBinary(values []string, _ bool) matcher {
	m := &binaryMatcher{}
	for _, v := range values {
		if b, err := base64.StdEncoding.DecodeString(v); err == nil {
			m.values = append(m.values, b)
		}
	}
	return m
}

func (m *binaryMatcher) matches(v *Value, _ *Context) bool {
	got := v.bin
	if v.Type != TypeBinary {
		b, err := base64.StdEncoding.DecodeString(v.Raw)
		if err != nil {
			return false
		}
		got = string(b)
	}
	for _, want := range m.values {
		if got == string(want) {
			return true
		}
	}
	return false
}
