package restjson

import (
	"encoding/base64"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/ibemu/ibemu/internal/apimodel"
	"github.com/ibemu/ibemu/internal/awserr"
)

// ContentType is the media type of restJson1 bodies.
const ContentType = "application/json"

// AppendOutput appends the JSON body of an operation's output message to
// buf: members in model order, only those that are set — except the list a
// paginated operation pages over, which is written even when empty, as AWS
// answers ("componentVersionList": []), and required lists and maps.
func AppendOutput(buf []byte, op *apimodel.Operation, msg proto.Message) []byte {
	items := ""
	if op.Paginated != nil {
		items = op.Paginated.Items
	}
	if out, ok := appendOutputPlanned(buf, op.Output, msg, items); ok {
		return out
	}
	return appendOutput(buf, op.Output, msg.ProtoReflect(), items)
}

// appendOutput is appendStructure for the output message itself, whose
// structure members may be frozen (see Freeze).
func appendOutput(buf []byte, sh *apimodel.Shape, m protoreflect.Message, items string) []byte {
	buf = append(buf, '{')
	first := true
	for _, mem := range sh.Members {
		if mem.Location != apimodel.Body {
			continue
		}
		fd := mem.Field
		if mem.Target.Kind != apimodel.Structure || fd.IsList() || fd.IsMap() {
			buf, first = appendMember(buf, mem, m, items, first)
			continue
		}
		if !m.Has(fd) {
			continue
		}
		buf = appendKey(buf, mem.Name, &first)
		buf = appendFrozen(buf, mem.Target, m.Get(fd).Message())
	}
	return append(buf, '}')
}

func appendStructure(buf []byte, sh *apimodel.Shape, m protoreflect.Message, items string) []byte {
	buf = append(buf, '{')
	first := true
	for _, mem := range sh.Members {
		if mem.Location != apimodel.Body {
			continue
		}
		buf, first = appendMember(buf, mem, m, items, first)
	}
	return append(buf, '}')
}

// appendMember appends the body member mem of m, if it is to be written,
// preceded by a comma unless it is the first; it reports whether the
// next member is still the first.
func appendMember(buf []byte, mem *apimodel.Member, m protoreflect.Message, items string, first bool) ([]byte, bool) {
	fd := mem.Field
	keepEmpty := mem.Required || mem.SentEmpty || (items != "" && mem.Name == items)
	// Has first: Get of an unset list or map allocates an empty one.
	switch {
	case fd.IsList():
		if !keepEmpty && !m.Has(fd) {
			return buf, first
		}
		l := m.Get(fd).List()
		buf = appendKey(buf, mem.Name, &first)
		buf = append(buf, '[')
		for i := 0; i < l.Len(); i++ {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendValue(buf, mem.Target.Elem, l.Get(i))
		}
		buf = append(buf, ']')
	case fd.IsMap():
		if !keepEmpty && !m.Has(fd) {
			return buf, first
		}
		mp := m.Get(fd).Map()
		buf = appendKey(buf, mem.Name, &first)
		buf = appendMap(buf, mem.Target, mp)
	default:
		if !m.Has(fd) {
			return buf, first
		}
		buf = appendKey(buf, mem.Name, &first)
		buf = appendValue(buf, mem.Target, m.Get(fd))
	}
	return buf, first
}

func appendKey(buf []byte, name string, first *bool) []byte {
	if !*first {
		buf = append(buf, ',')
	}
	*first = false
	buf = AppendString(buf, name)
	return append(buf, ':')
}

// mapEntry is one entry of a map member being encoded.
type mapEntry struct {
	key   string
	value protoreflect.Value
}

func appendMap(buf []byte, sh *apimodel.Shape, mp protoreflect.Map) []byte {
	// Sorted keys keep responses deterministic. The values are taken while
	// ranging: looking each up again by key costs allocations.
	entries := make([]mapEntry, 0, mp.Len())
	mp.Range(func(k protoreflect.MapKey, v protoreflect.Value) bool {
		entries = append(entries, mapEntry{k.String(), v})
		return true
	})
	slices.SortFunc(entries, func(a, b mapEntry) int { return strings.Compare(a.key, b.key) })
	buf = append(buf, '{')
	for i, e := range entries {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = AppendString(buf, e.key)
		buf = append(buf, ':')
		buf = appendValue(buf, sh.Elem, e.value)
	}
	return append(buf, '}')
}

func appendValue(buf []byte, sh *apimodel.Shape, v protoreflect.Value) []byte {
	switch sh.Kind {
	case apimodel.Structure:
		return appendStructure(buf, sh, v.Message(), "")
	case apimodel.String, apimodel.Enum:
		return AppendString(buf, v.String())
	case apimodel.Boolean:
		return strconv.AppendBool(buf, v.Bool())
	case apimodel.Integer, apimodel.Long:
		return strconv.AppendInt(buf, v.Int(), 10)
	case apimodel.Float, apimodel.Double:
		f := v.Float()
		switch {
		case math.IsNaN(f):
			return append(buf, `"NaN"`...)
		case math.IsInf(f, 1):
			return append(buf, `"Infinity"`...)
		case math.IsInf(f, -1):
			return append(buf, `"-Infinity"`...)
		}
		return strconv.AppendFloat(buf, f, 'g', -1, 64)
	case apimodel.Blob:
		buf = append(buf, '"')
		buf = base64.StdEncoding.AppendEncode(buf, v.Bytes())
		return append(buf, '"')
	case apimodel.Timestamp:
		// restJson1 sends timestamps as epoch seconds.
		tm := v.Message()
		fields := tm.Descriptor().Fields()
		sec := tm.Get(fields.ByName("seconds")).Int()
		nanos := tm.Get(fields.ByName("nanos")).Int()
		if nanos == 0 {
			return strconv.AppendInt(buf, sec, 10)
		}
		return strconv.AppendFloat(buf, float64(sec)+float64(nanos)/1e9, 'f', -1, 64)
	}
	return append(buf, "null"...)
}

const hexDigits = "0123456789abcdef"

// jsonSafe marks the bytes AppendString copies as they are: printable ASCII
// other than '"' and '\\' (DEL included, as encoding/json does).
var jsonSafe = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// AppendString appends s as a JSON string literal: '"', '\\' and control
// characters escaped (\n, \r, \t by name, the others as \u00XX), invalid
// UTF-8 as \ufffd, U+2028 and U+2029 as \u2028 and \u2029. Runs of bytes
// that need nothing are copied whole; the buffer grows once up front.
func AppendString(buf []byte, s string) []byte {
	buf = slices.Grow(buf, len(s)+2)
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if jsonSafe[c] {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			buf = append(buf, s[start:i]...)
			switch c {
			case '"', '\\':
				buf = append(buf, '\\', c)
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
			i += size
			start = i
			continue
		}
		// U+2028 and U+2029 break JavaScript consumers of JSON.
		if r == '\u2028' || r == '\u2029' {
			buf = append(buf, s[start:i]...)
			buf = append(buf, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}

// AppendError appends the JSON body of an error. The code travels in the
// X-Amzn-ErrorType header (see ErrorHeaders); the body carries the message.
func AppendError(buf []byte, e *awserr.Error) []byte {
	buf = append(buf, `{"message":`...)
	buf = AppendString(buf, e.Message)
	return append(buf, '}')
}

// SetErrorHeaders sets the headers of an error response.
func SetErrorHeaders(h http.Header, e *awserr.Error) {
	h.Set("Content-Type", ContentType)
	h.Set("X-Amzn-ErrorType", e.Code)
}
