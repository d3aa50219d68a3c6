package query

import (
	"encoding/base64"
	"math"
	"slices"
	"strconv"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ibemu/ibemu/internal/apimodel"
	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/wire/xmltext"
)

// EncodeOutput returns the XML body of a successful response:
//
//	<OpResponse xmlns="NS"><OpResult>…</OpResult>
//	<ResponseMetadata><RequestId>ID</RequestId></ResponseMetadata></OpResponse>
//
// msg must be op's generated output message (nil encodes an empty result).
func EncodeOutput(svc *apimodel.Service, op *apimodel.Operation, msg proto.Message, requestID string) []byte {
	return AppendOutput(nil, svc, op, msg, requestID)
}

// AppendOutput is EncodeOutput appending to dst, so that callers can reuse a
// buffer.
//
// The result element is written whenever the model declares an output
// structure, even an empty one (the SDKs require it for IAM UpdateRole);
// operations declared without output (smithy.api#Unit) answer, as AWS
// does, with the response metadata only.
func AppendOutput(dst []byte, svc *apimodel.Service, op *apimodel.Operation, msg proto.Message, requestID string) []byte {
	dst = append(dst, '<')
	dst = append(dst, op.Name...)
	dst = append(dst, `Response xmlns="`...)
	dst = xmltext.AppendAttr(dst, svc.XMLNamespace)
	dst = append(dst, `">`...)
	if op.OutputUnit {
		return appendResponseMetadata(dst, op, requestID)
	}
	dst = append(dst, '<')
	dst = append(dst, op.Name...)
	dst = append(dst, "Result>"...)
	if msg != nil && op.Output != nil {
		if m := msg.ProtoReflect(); m.IsValid() && m.Descriptor() == op.Output.Message {
			items := ""
			if op.Paginated != nil {
				items = op.Paginated.Items
			}
			dst = appendStructure(dst, op.Output, m, items)
		}
	}
	dst = append(dst, "</"...)
	dst = append(dst, op.Name...)
	dst = append(dst, "Result>"...)
	return appendResponseMetadata(dst, op, requestID)
}

func appendResponseMetadata(dst []byte, op *apimodel.Operation, requestID string) []byte {
	dst = append(dst, "<ResponseMetadata><RequestId>"...)
	dst = xmltext.AppendText(dst, requestID)
	dst = append(dst, "</RequestId></ResponseMetadata></"...)
	dst = append(dst, op.Name...)
	dst = append(dst, "Response>"...)
	return dst
}

// EncodeError returns the XML body of an error response:
//
//	<ErrorResponse xmlns="NS"><Error><Type>Sender|Receiver</Type>
//	<Code>…</Code><Message>…</Message></Error><RequestId>…</RequestId></ErrorResponse>
func EncodeError(svc *apimodel.Service, e *awserr.Error, requestID string) []byte {
	return AppendError(nil, svc, e, requestID)
}

// AppendError is EncodeError appending to dst.
func AppendError(dst []byte, svc *apimodel.Service, e *awserr.Error, requestID string) []byte {
	dst = append(dst, `<ErrorResponse xmlns="`...)
	dst = xmltext.AppendAttr(dst, svc.XMLNamespace)
	dst = append(dst, `"><Error><Type>`...)
	dst = append(dst, e.Fault()...)
	dst = append(dst, "</Type><Code>"...)
	dst = xmltext.AppendText(dst, e.Code)
	dst = append(dst, "</Code>"...)
	if e.Message != "" {
		dst = append(dst, "<Message>"...)
		dst = xmltext.AppendText(dst, e.Message)
		dst = append(dst, "</Message>"...)
	}
	dst = append(dst, "</Error><RequestId>"...)
	dst = xmltext.AppendText(dst, requestID)
	dst = append(dst, "</RequestId></ErrorResponse>"...)
	return dst
}

// appendStructure writes the members of m that are set, in model order. A
// required list or map that is empty, one the model marks SentEmpty, and the
// list a paginated operation pages over (items), is written as an empty
// element, as AWS answers
// (ListUsers of an account without users: <Users/>): clients then read an
// empty list, not a missing one (the CLI's `length(Users)` fails on a
// missing one).
func appendStructure(dst []byte, sh *apimodel.Shape, m protoreflect.Message, items string) []byte {
	for _, mem := range sh.Members {
		fd := mem.Field
		// Has is false for unset scalars and messages and for empty lists
		// and maps, and unlike Get it allocates nothing.
		if !m.Has(fd) {
			if (mem.Required || mem.SentEmpty || (items != "" && mem.Name == items)) && (fd.IsList() || fd.IsMap()) {
				dst = openTag(dst, mem.Name)
				dst = closeTag(dst, mem.Name)
			}
			continue
		}
		switch {
		case fd.IsList():
			l := m.Get(fd).List()
			dst = openTag(dst, mem.Name)
			for i := 0; i < l.Len(); i++ {
				dst = append(dst, "<member>"...)
				dst = appendValue(dst, mem.Target.Elem, l.Get(i))
				dst = append(dst, "</member>"...)
			}
			dst = closeTag(dst, mem.Name)
		case fd.IsMap():
			mp := m.Get(fd).Map()
			dst = openTag(dst, mem.Name)
			dst = appendMap(dst, mem.Target, mp)
			dst = closeTag(dst, mem.Name)
		default:
			dst = openTag(dst, mem.Name)
			dst = appendValue(dst, mem.Target, m.Get(fd))
			dst = closeTag(dst, mem.Name)
		}
	}
	return dst
}

// appendMap writes the entries in key order, so that responses are
// deterministic.
func appendMap(dst []byte, sh *apimodel.Shape, mp protoreflect.Map) []byte {
	keys := make([]protoreflect.MapKey, 0, mp.Len())
	mp.Range(func(k protoreflect.MapKey, _ protoreflect.Value) bool {
		keys = append(keys, k)
		return true
	})
	slices.SortFunc(keys, func(a, b protoreflect.MapKey) int {
		switch as, bs := a.String(), b.String(); {
		case as < bs:
			return -1
		case as > bs:
			return 1
		}
		return 0
	})
	for _, k := range keys {
		dst = append(dst, "<entry><key>"...)
		dst = xmltext.AppendText(dst, k.String())
		dst = append(dst, "</key><value>"...)
		dst = appendValue(dst, sh.Elem, mp.Get(k))
		dst = append(dst, "</value></entry>"...)
	}
	return dst
}

// appendValue writes the content of one element holding v, a value of
// shape sh.
func appendValue(dst []byte, sh *apimodel.Shape, v protoreflect.Value) []byte {
	switch sh.Kind {
	case apimodel.Structure:
		return appendStructure(dst, sh, v.Message(), "")
	case apimodel.Timestamp:
		return appendTimestamp(dst, v.Message())
	case apimodel.Blob:
		return base64.StdEncoding.AppendEncode(dst, v.Bytes())
	case apimodel.String, apimodel.Enum:
		return xmltext.AppendText(dst, v.String())
	case apimodel.Boolean:
		return strconv.AppendBool(dst, v.Bool())
	case apimodel.Integer, apimodel.Long:
		return strconv.AppendInt(dst, v.Int(), 10)
	case apimodel.Float:
		return appendFloat(dst, v.Float(), 32)
	case apimodel.Double:
		return appendFloat(dst, v.Float(), 64)
	}
	return dst
}

func appendFloat(dst []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	}
	return strconv.AppendFloat(dst, f, 'g', -1, bits)
}

// appendTimestamp writes an ISO 8601 UTC date-time as IAM and STS send it:
// whole seconds as 2024-01-01T00:00:00Z, a fraction to milliseconds as
// 2024-01-01T00:00:00.123Z.
func appendTimestamp(dst []byte, m protoreflect.Message) []byte {
	var sec int64
	var nsec int32
	if ts, ok := m.Interface().(*timestamppb.Timestamp); ok {
		sec, nsec = ts.GetSeconds(), ts.GetNanos()
	} else {
		fields := m.Descriptor().Fields()
		sec = m.Get(fields.ByNumber(1)).Int()
		nsec = int32(m.Get(fields.ByNumber(2)).Int())
	}
	return appendISO8601(dst, time.Unix(sec, int64(nsec)).UTC())
}

// appendISO8601 appends t (in UTC) as AWS Query timestamps read:
// 2006-01-02T15:04:05Z, with milliseconds (trailing zeros dropped) when
// there are any, as t.AppendFormat with "2006-01-02T15:04:05.999Z" would
// write; by hand for years 0 to 9999, which spares the layout parsing.
func appendISO8601(dst []byte, t time.Time) []byte {
	ms := t.Nanosecond() / int(time.Millisecond)
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		if ms == 0 {
			return t.AppendFormat(dst, "2006-01-02T15:04:05Z")
		}
		return t.AppendFormat(dst, "2006-01-02T15:04:05.999Z")
	}
	hour, minute, second := t.Clock()
	dst = append(dst, byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), '-',
		byte('0'+int(month)/10), byte('0'+int(month)%10), '-', byte('0'+day/10), byte('0'+day%10), 'T',
		byte('0'+hour/10), byte('0'+hour%10), ':', byte('0'+minute/10), byte('0'+minute%10), ':',
		byte('0'+second/10), byte('0'+second%10))
	if ms != 0 {
		digits := [3]byte{byte('0' + ms/100), byte('0' + ms/10%10), byte('0' + ms%10)}
		n := 3
		for digits[n-1] == '0' {
			n--
		}
		dst = append(dst, '.')
		dst = append(dst, digits[:n]...)
	}
	return append(dst, 'Z')
}

func openTag(dst []byte, name string) []byte {
	dst = append(dst, '<')
	dst = append(dst, name...)
	return append(dst, '>')
}

func closeTag(dst []byte, name string) []byte {
	dst = append(dst, "</"...)
	dst = append(dst, name...)
	return append(dst, '>')
}
