package policy

import (
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// The policy parser needs what encoding/json does not give: the byte offsets
// of every value (SimulateCustomPolicy reports statement positions), object
// members in document order, and duplicate keys (which IAM rejects). This is
// a small strict RFC 8259 parser that keeps all three.

type jsonKind uint8

const (
	jsonObject jsonKind = iota + 1
	jsonArray
	jsonString
	jsonNumber
	jsonTrue
	jsonFalse
	jsonNull
)

func (k jsonKind) String() string {
	switch k {
	case jsonObject:
		return "an object"
	case jsonArray:
		return "an array"
	case jsonString:
		return "a string"
	case jsonNumber:
		return "a number"
	case jsonTrue, jsonFalse:
		return "a boolean"
	}
	return "null"
}

type jsonValue struct {
	kind jsonKind
	// text is the decoded string, the number as written, or "true"/"false".
	text string
	// start and end are byte offsets of the value: [start, end).
	start, end int
	// lead is the offset of the structural character that precedes the value
	// inside its container ('[' or ',' for array items, ':' for members).
	lead    int
	members []jsonMember
	items   []*jsonValue
}

type jsonMember struct {
	key    string
	keyOff int
	value  *jsonValue
}

// scalarText is the value as IAM reads a scalar: strings as decoded, numbers
// and booleans as written.
func (v *jsonValue) scalarText() (string, bool) {
	switch v.kind {
	case jsonString, jsonNumber, jsonTrue, jsonFalse:
		return v.text, true
	}
	return "", false
}

// maxJSONDepth bounds nesting so hostile input cannot exhaust the stack.
const maxJSONDepth = 64

type jsonSyntaxError struct {
	offset int
	msg    string
}

type jsonParser struct {
	src   string
	pos   int
	depth int
}

func parseJSON(src string) (*jsonValue, *jsonSyntaxError) {
	p := &jsonParser{src: src}
	p.skipSpace()
	v, err := p.value(-1)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos != len(p.src) {
		return nil, p.fail("unexpected data after the end of the document")
	}
	return v, nil
}

func (p *jsonParser) fail(msg string) *jsonSyntaxError {
	return &jsonSyntaxError{offset: p.pos, msg: msg}
}

func (p *jsonParser) skipSpace() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jsonParser) value(lead int) (*jsonValue, *jsonSyntaxError) {
	if p.pos >= len(p.src) {
		return nil, p.fail("unexpected end of the document")
	}
	start := p.pos
	switch c := p.src[p.pos]; {
	case c == '{':
		return p.object(lead)
	case c == '[':
		return p.array(lead)
	case c == '"':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		return &jsonValue{kind: jsonString, text: s, start: start, end: p.pos, lead: lead}, nil
	case c == '-' || (c >= '0' && c <= '9'):
		if err := p.number(); err != nil {
			return nil, err
		}
		return &jsonValue{kind: jsonNumber, text: p.src[start:p.pos], start: start, end: p.pos, lead: lead}, nil
	case strings.HasPrefix(p.src[p.pos:], "true"):
		p.pos += 4
		return &jsonValue{kind: jsonTrue, text: "true", start: start, end: p.pos, lead: lead}, nil
	case strings.HasPrefix(p.src[p.pos:], "false"):
		p.pos += 5
		return &jsonValue{kind: jsonFalse, text: "false", start: start, end: p.pos, lead: lead}, nil
	case strings.HasPrefix(p.src[p.pos:], "null"):
		p.pos += 4
		return &jsonValue{kind: jsonNull, start: start, end: p.pos, lead: lead}, nil
	default:
		return nil, p.fail("unexpected character " + strconv.QuoteRune(p.peekRune()))
	}
}

func (p *jsonParser) peekRune() rune {
	r, _ := utf8.DecodeRuneInString(p.src[p.pos:])
	return r
}

func (p *jsonParser) enter() *jsonSyntaxError {
	p.depth++
	if p.depth > maxJSONDepth {
		return p.fail("the document is nested too deeply")
	}
	return nil
}

func (p *jsonParser) object(lead int) (*jsonValue, *jsonSyntaxError) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	v := &jsonValue{kind: jsonObject, start: p.pos, lead: lead}
	p.pos++ // '{'
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == '}' {
		p.pos++
		v.end = p.pos
		p.depth--
		return v, nil
	}
	for {
		p.skipSpace()
		if p.pos >= len(p.src) || p.src[p.pos] != '"' {
			return nil, p.fail("expected a quoted member name")
		}
		keyOff := p.pos
		key, err := p.str()
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.pos >= len(p.src) || p.src[p.pos] != ':' {
			return nil, p.fail("expected ':' after a member name")
		}
		colon := p.pos
		p.pos++
		p.skipSpace()
		val, err := p.value(colon)
		if err != nil {
			return nil, err
		}
		v.members = append(v.members, jsonMember{key: key, keyOff: keyOff, value: val})
		p.skipSpace()
		if p.pos >= len(p.src) {
			return nil, p.fail("unexpected end of the document inside an object")
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			v.end = p.pos
			p.depth--
			return v, nil
		default:
			return nil, p.fail("expected ',' or '}' in an object")
		}
	}
}

func (p *jsonParser) array(lead int) (*jsonValue, *jsonSyntaxError) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	v := &jsonValue{kind: jsonArray, start: p.pos, lead: lead}
	sep := p.pos
	p.pos++ // '['
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == ']' {
		p.pos++
		v.end = p.pos
		p.depth--
		return v, nil
	}
	for {
		p.skipSpace()
		item, err := p.value(sep)
		if err != nil {
			return nil, err
		}
		v.items = append(v.items, item)
		p.skipSpace()
		if p.pos >= len(p.src) {
			return nil, p.fail("unexpected end of the document inside an array")
		}
		switch p.src[p.pos] {
		case ',':
			sep = p.pos
			p.pos++
		case ']':
			p.pos++
			v.end = p.pos
			p.depth--
			return v, nil
		default:
			return nil, p.fail("expected ',' or ']' in an array")
		}
	}
}

// str reads a JSON string starting at the opening quote and returns it decoded.
func (p *jsonParser) str() (string, *jsonSyntaxError) {
	p.pos++ // opening quote
	start := p.pos
	// Fast path: no escapes.
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if c == '"' {
			s := p.src[start:p.pos]
			p.pos++
			return s, nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return "", p.fail("control character in a string")
		}
		p.pos++
	}
	var b strings.Builder
	b.WriteString(p.src[start:p.pos])
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '"':
			p.pos++
			return b.String(), nil
		case c < 0x20:
			return "", p.fail("control character in a string")
		case c != '\\':
			b.WriteByte(c)
			p.pos++
			continue
		}
		if p.pos+1 >= len(p.src) {
			break
		}
		esc := p.src[p.pos+1]
		p.pos += 2
		switch esc {
		case '"', '\\', '/':
			b.WriteByte(esc)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", p.fail("invalid \\u escape in a string")
			}
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if strings.HasPrefix(p.src[p.pos:], "\\u") {
					p.pos += 2
					if lo, ok := p.hex4(); ok {
						r2 = utf16.DecodeRune(r, lo)
					}
				}
				r = r2
			}
			b.WriteRune(r)
		default:
			return "", p.fail("invalid escape in a string")
		}
	}
	return "", p.fail("unterminated string")
}

func (p *jsonParser) hex4() (rune, bool) {
	if p.pos+4 > len(p.src) {
		return 0, false
	}
	n, err := strconv.ParseUint(p.src[p.pos:p.pos+4], 16, 32)
	if err != nil {
		return 0, false
	}
	p.pos += 4
	return rune(n), true
}

func (p *jsonParser) number() *jsonSyntaxError {
	s := p.src
	i := p.pos
	if s[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(s) && s[i] == '0' {
		i++
	} else if digits() == 0 {
		p.pos = i
		return p.fail("invalid number")
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			p.pos = i
			return p.fail("invalid number")
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			p.pos = i
			return p.fail("invalid number")
		}
	}
	p.pos = i
	return nil
}

// lineIndex maps byte offsets to 1-based line and column numbers, counting
// columns in characters.
type lineIndex struct {
	src    string
	starts []int
	// ascii documents (the common case) need no rune counting.
	ascii bool
}

func newLineIndex(src string) *lineIndex {
	starts := []int{0}
	ascii := true
	for i := 0; i < len(src); i++ {
		switch c := src[i]; {
		case c == '\n':
			starts = append(starts, i+1)
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return &lineIndex{src: src, starts: starts, ascii: ascii}
}

func (li *lineIndex) position(off int) Position {
	if off > len(li.src) {
		off = len(li.src)
	}
	lo, hi := 0, len(li.starts)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if li.starts[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	col := off - li.starts[lo] + 1
	if !li.ascii {
		col = utf8.RuneCountInString(li.src[li.starts[lo]:off]) + 1
	}
	return Position{Line: lo + 1, Column: col}
}

// Position is a 1-based line and column in a policy document.
type Position struct {
	Line   int
	Column int
}
