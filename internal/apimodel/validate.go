package apimodel

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// ViolationKind says which constraint a value failed.
type ViolationKind uint8

const (
	Missing   ViolationKind = iota + 1 // smithy.api#required
	TooShort                           // length below min (characters, bytes or items)
	TooLong                            // length above max
	NoMatch                            // pattern
	NotInEnum                          // enum value set
	TooSmall                           // range below min
	TooLarge                           // range above max
)

// PathElem is one step of a path to a member: a member name, a list index
// or a map key.
type PathElem struct {
	Member string
	Index  int // list index when Member == "" and !IsKey
	Key    string
	IsKey  bool
}

// Violation is one constraint a request failed.
type Violation struct {
	Kind   ViolationKind
	Path   []PathElem
	Shape  *Shape // the constrained shape (the list for item counts)
	Value  string // offending value as text; empty for sensitive shapes
	Length int    // measured length for TooShort/TooLong
}

// Validate checks a message against the constraints of its structure shape
// (required members, lengths, patterns, enums, ranges), recursively. It
// returns nil when the message is valid.
func Validate(sh *Shape, m protoreflect.Message) []Violation {
	// The path is passed down and lives on the stack while it is short,
	// so a valid input allocates nothing here (a violation copies it).
	var buf [8]PathElem
	var v validator
	v.structure(buf[:0], sh, m)
	return v.out
}

type validator struct {
	out []Violation
}

func (v *validator) add(path []PathElem, kind ViolationKind, sh *Shape, value string, length int) {
	if sh.Sensitive {
		value = ""
	}
	v.out = append(v.out, Violation{Kind: kind, Path: append([]PathElem(nil), path...), Shape: sh, Value: value, Length: length})
}

func (v *validator) structure(path []PathElem, sh *Shape, m protoreflect.Message) {
	for _, mem := range sh.Members {
		path := append(path, PathElem{Member: mem.Name})
		fd := mem.Field
		t := mem.Target
		switch {
		case fd.IsList():
			l := m.Get(fd).List()
			if l.Len() == 0 {
				if mem.Required {
					v.add(path, Missing, t, "", 0)
				}
				break
			}
			v.count(path, t, l.Len())
			for i := 0; i < l.Len(); i++ {
				v.value(append(path, PathElem{Index: i}), t.Elem, l.Get(i))
			}
		case fd.IsMap():
			mp := m.Get(fd).Map()
			if mp.Len() == 0 {
				if mem.Required {
					v.add(path, Missing, t, "", 0)
				}
				break
			}
			v.count(path, t, mp.Len())
			for _, e := range mapEntries(mp) {
				key := e.key.String()
				path := append(path, PathElem{Key: key, IsKey: true})
				if t.Key != nil {
					v.scalar(path, t.Key, key)
				}
				v.value(path, t.Elem, e.val)
			}
		default:
			if !m.Has(fd) {
				if mem.Required {
					v.add(path, Missing, t, "", 0)
				}
				break
			}
			v.value(path, t, m.Get(fd))
		}
	}
}

type mapEntry struct {
	key protoreflect.MapKey
	val protoreflect.Value
}

// mapEntries lists a map's entries in the order Range visits them; walking
// them outside Range's closure keeps the path off the heap.
func mapEntries(mp protoreflect.Map) []mapEntry {
	es := make([]mapEntry, 0, mp.Len())
	mp.Range(func(k protoreflect.MapKey, val protoreflect.Value) bool {
		es = append(es, mapEntry{k, val})
		return true
	})
	return es
}

func (v *validator) count(path []PathElem, sh *Shape, n int) {
	if sh.MinLength != nil && int64(n) < *sh.MinLength {
		v.add(path, TooShort, sh, "", n)
	}
	if sh.MaxLength != nil && int64(n) > *sh.MaxLength {
		v.add(path, TooLong, sh, "", n)
	}
}

func (v *validator) value(path []PathElem, sh *Shape, val protoreflect.Value) {
	switch sh.Kind {
	case Structure:
		v.structure(path, sh, val.Message())
	case String, Enum:
		v.scalar(path, sh, val.String())
	case Blob:
		b := val.Bytes()
		v.count(path, sh, len(b))
	case Integer, Long:
		n := val.Int()
		v.number(path, sh, float64(n), strconv.FormatInt(n, 10))
	case Float, Double:
		f := val.Float()
		v.number(path, sh, f, strconv.FormatFloat(f, 'g', -1, 64))
	}
}

func (v *validator) scalar(path []PathElem, sh *Shape, s string) {
	if sh.MinLength != nil || sh.MaxLength != nil {
		n := utf8.RuneCountInString(s)
		if sh.MinLength != nil && int64(n) < *sh.MinLength {
			v.add(path, TooShort, sh, s, n)
		}
		if sh.MaxLength != nil && int64(n) > *sh.MaxLength {
			v.add(path, TooLong, sh, s, n)
		}
	}
	if sh.GoPattern != "" && !sh.MatchPattern(s) {
		v.add(path, NoMatch, sh, s, 0)
	}
	if len(sh.EnumValues) > 0 && !contains(sh.EnumValues, s) {
		v.add(path, NotInEnum, sh, s, 0)
	}
}

func (v *validator) number(path []PathElem, sh *Shape, f float64, text string) {
	if sh.MinValue != nil && f < *sh.MinValue {
		v.add(path, TooSmall, sh, text, 0)
	}
	if sh.MaxValue != nil && f > *sh.MaxValue {
		v.add(path, TooLarge, sh, text, 0)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// DottedPath renders a path the way Image Builder names parameters:
// distributions[0].amiDistributionConfiguration.name, tags[key].
func DottedPath(path []PathElem) string {
	var b strings.Builder
	for _, e := range path {
		switch {
		case e.IsKey:
			b.WriteString("[" + e.Key + "]")
		case e.Member == "":
			b.WriteString("[" + strconv.Itoa(e.Index) + "]")
		default:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(e.Member)
		}
	}
	return b.String()
}

// CoralPath renders a path the way AWS's Query services name members in
// ValidationError messages: userName, tags.1.member.key (1-based).
func CoralPath(path []PathElem) string {
	var b strings.Builder
	for _, e := range path {
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		switch {
		case e.IsKey:
			b.WriteString(e.Key)
		case e.Member == "":
			b.WriteString(strconv.Itoa(e.Index+1) + ".member")
		default:
			b.WriteString(lowerFirst(e.Member))
		}
	}
	return b.String()
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return strings.ToLower(string(r)) + s[n:]
}
