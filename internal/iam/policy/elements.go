package policy

import (
	"strconv"
	"strings"
)

// Helpers for reading policy elements out of the JSON tree.

// stringList reads an element that is a string or an array of strings.
func stringList(elem string, v *jsonValue) ([]string, *Error) {
	switch v.kind {
	case jsonString:
		return []string{v.text}, nil
	case jsonArray:
		out := make([]string, 0, len(v.items))
		for _, it := range v.items {
			if it.kind != jsonString {
				return nil, syntaxError(elem + " must be a string or an array of strings.")
			}
			out = append(out, it.text)
		}
		return out, nil
	}
	return nil, syntaxError(elem + " must be a string or an array of strings.")
}

// scalarList reads condition values: a scalar or an array of scalars.
// Numbers and booleans are read as written, as IAM compares their text.
func scalarList(elem string, v *jsonValue) ([]string, *Error) {
	if s, ok := v.scalarText(); ok {
		return []string{s}, nil
	}
	if v.kind != jsonArray {
		return nil, syntaxError(elem + " must be a string, number or boolean, or an array of them.")
	}
	out := make([]string, 0, len(v.items))
	for _, it := range v.items {
		s, ok := it.scalarText()
		if !ok {
			return nil, syntaxError(elem + " must be a string, number or boolean, or an array of them.")
		}
		out = append(out, s)
	}
	return out, nil
}

// elementText is a compact rendering of an element's value for explanations.
func elementText(v *jsonValue) string {
	var b strings.Builder
	writeElement(&b, v)
	return b.String()
}

func writeElement(b *strings.Builder, v *jsonValue) {
	switch v.kind {
	case jsonString:
		b.WriteString(quoteJSON(v.text))
	case jsonObject:
		b.WriteByte('{')
		for i, m := range v.members {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(quoteJSON(m.key))
			b.WriteByte(':')
			writeElement(b, m.value)
		}
		b.WriteByte('}')
	case jsonArray:
		b.WriteByte('[')
		for i, it := range v.items {
			if i > 0 {
				b.WriteByte(',')
			}
			writeElement(b, it)
		}
		b.WriteByte(']')
	case jsonNull:
		b.WriteString("null")
	default:
		b.WriteString(v.text)
	}
}

// quoteJSON quotes s the way it appears in a policy.
func quoteJSON(s string) string {
	return strconv.Quote(s)
}
