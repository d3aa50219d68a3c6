package restxml

import (
	"encoding/base64"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/ibemu/ibemu/internal/apimodel"
	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/wire/xmltext"
)

// ContentType is the media type of restXml documents.
const ContentType = "application/xml"

// DefaultObjectContentType is what S3 answers for an object stored without a
// Content-Type.
const DefaultObjectContentType = "binary/octet-stream"

// xmlHeader starts every XML document S3 writes.
const xmlHeader = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

// dateTimeFormat is S3's date-time: ISO 8601 in UTC with milliseconds.
const dateTimeFormat = "2006-01-02T15:04:05.000Z"

// Output is an encoded response: status, headers (set on the header map
// passed to EncodeOutput) and body.
type Output struct {
	Status int
	Body   []byte
	// Raw reports a raw payload (an object body) rather than an XML
	// document.
	Raw bool
}

// EncodeOutput writes the output message's header members, prefix headers
// and Content-Type into h and returns the status and body: the payload
// member's raw bytes or text, or an XML document whose root is the payload
// structure's element, or the output shape's XMLName (or name) holding the
// body members, in the service's XML namespace. An UnwrappedOutput
// operation's document is its one body member's element. The status is the
// operation's, a ResponseCode member's when set, and 206 when a successful
// 200 carries Content-Range (RFC 9110, 15.3.7).
//
// Content-Length is left to the caller: for a body it is the body's
// length; for a HEAD request the ContentLength header member, when set.
func EncodeOutput(h http.Header, svc *apimodel.Service, op *apimodel.Operation, msg proto.Message) Output {
	m := msg.ProtoReflect()
	out := op.Output
	res := Output{Status: op.HTTPCode}
	if res.Status == 0 {
		res.Status = http.StatusOK
	}
	var payload *apimodel.Member
	var body []*apimodel.Member
	for _, mem := range out.Members {
		switch mem.Location {
		case apimodel.Header:
			writeHeader(h, mem, m)
		case apimodel.PrefixHeaders:
			mp := m.Get(mem.Field).Map()
			mp.Range(func(k protoreflect.MapKey, v protoreflect.Value) bool {
				h.Set(mem.LocationName+k.String(), v.String())
				return true
			})
		case apimodel.ResponseCode:
			if m.Has(mem.Field) {
				res.Status = int(m.Get(mem.Field).Int())
			}
		case apimodel.Payload:
			payload = mem
		case apimodel.Body:
			body = append(body, mem)
		}
	}
	if res.Status == http.StatusOK && h.Get("Content-Range") != "" {
		res.Status = http.StatusPartialContent
	}
	switch {
	case payload != nil:
		switch payload.Target.Kind {
		case apimodel.Blob:
			res.Raw = true
			res.Body = m.Get(payload.Field).Bytes()
			if h.Get("Content-Type") == "" {
				h.Set("Content-Type", DefaultObjectContentType)
			}
		case apimodel.String, apimodel.Enum:
			res.Raw = true
			if m.Has(payload.Field) {
				res.Body = []byte(m.Get(payload.Field).String())
			}
			if h.Get("Content-Type") == "" {
				h.Set("Content-Type", "text/plain")
			}
		case apimodel.Structure:
			if m.Has(payload.Field) {
				name := payload.XMLName
				if name == "" {
					name = shapeElement(payload.Target)
				}
				w := &writer{buf: append(make([]byte, 0, 512), xmlHeader...)}
				w.structure(name, svc.XMLNamespace, payload, payload.Target, m.Get(payload.Field).Message())
				res.Body = w.buf
				h.Set("Content-Type", ContentType)
			}
		}
	case op.UnwrappedOutput && len(body) == 1:
		mem := body[0]
		w := &writer{buf: append(make([]byte, 0, 128), xmlHeader...)}
		name := mem.ElementName()
		w.open(name, svc.XMLNamespace, nil, nil)
		if m.Has(mem.Field) && m.Get(mem.Field).String() != "" {
			w.scalar(mem, mem.Target, m.Get(mem.Field))
			w.close(name)
		} else {
			w.buf = append(w.buf[:len(w.buf)-1], "/>"...)
		}
		res.Body = w.buf
		h.Set("Content-Type", ContentType)
	case len(body) > 0:
		w := &writer{buf: append(make([]byte, 0, 512), xmlHeader...)}
		w.structure(shapeElement(out), svc.XMLNamespace, nil, out, m)
		res.Body = w.buf
		h.Set("Content-Type", ContentType)
	}
	return res
}

// shapeElement is the element name of a structure written as a document.
func shapeElement(sh *apimodel.Shape) string {
	if sh.XMLName != "" {
		return sh.XMLName
	}
	return sh.Name
}

func writeHeader(h http.Header, mem *apimodel.Member, m protoreflect.Message) {
	fd := mem.Field
	if fd.IsList() {
		l := m.Get(fd).List()
		if l.Len() == 0 {
			return
		}
		parts := make([]string, 0, l.Len())
		for i := 0; i < l.Len(); i++ {
			s := headerText(mem, mem.Target.Elem, l.Get(i))
			if strings.ContainsAny(s, `,"`) {
				s = strconv.Quote(s)
			}
			parts = append(parts, s)
		}
		h.Set(mem.LocationName, strings.Join(parts, ", "))
		return
	}
	if !m.Has(fd) {
		return
	}
	h.Set(mem.LocationName, headerText(mem, mem.Target, m.Get(fd)))
}

func headerText(mem *apimodel.Member, sh *apimodel.Shape, v protoreflect.Value) string {
	if sh.Kind == apimodel.Timestamp {
		return formatTimestamp(v, timestampFormat(mem, sh, "http-date"))
	}
	return string(appendScalarText(nil, mem, sh, v))
}

func formatTimestamp(v protoreflect.Value, format string) string {
	t := timeOf(v)
	switch format {
	case "http-date":
		return t.Format(http.TimeFormat)
	case "epoch-seconds":
		if t.Nanosecond() == 0 {
			return strconv.FormatInt(t.Unix(), 10)
		}
		return strconv.FormatFloat(float64(t.UnixNano())/1e9, 'f', -1, 64)
	}
	return t.Format(dateTimeFormat)
}

func timeOf(v protoreflect.Value) time.Time {
	tm := v.Message()
	fields := tm.Descriptor().Fields()
	return time.Unix(tm.Get(fields.ByName("seconds")).Int(), tm.Get(fields.ByName("nanos")).Int()).UTC()
}

// appendScalarText appends the text form of a scalar (not escaped).
func appendScalarText(buf []byte, mem *apimodel.Member, sh *apimodel.Shape, v protoreflect.Value) []byte {
	switch sh.Kind {
	case apimodel.String, apimodel.Enum:
		return append(buf, v.String()...)
	case apimodel.Boolean:
		return strconv.AppendBool(buf, v.Bool())
	case apimodel.Integer, apimodel.Long:
		return strconv.AppendInt(buf, v.Int(), 10)
	case apimodel.Float, apimodel.Double:
		f := v.Float()
		switch {
		case math.IsNaN(f):
			return append(buf, "NaN"...)
		case math.IsInf(f, 1):
			return append(buf, "Infinity"...)
		case math.IsInf(f, -1):
			return append(buf, "-Infinity"...)
		}
		return strconv.AppendFloat(buf, f, 'g', -1, 64)
	case apimodel.Blob:
		return base64.StdEncoding.AppendEncode(buf, v.Bytes())
	case apimodel.Timestamp:
		return append(buf, formatTimestamp(v, timestampFormat(mem, sh, "date-time"))...)
	}
	return buf
}

// writer appends XML.
type writer struct {
	buf []byte
}

// open writes a start tag with an optional default namespace, the member's
// own namespace declaration and attributes.
func (w *writer) open(name, ns string, mem *apimodel.Member, attrs func()) {
	w.buf = append(w.buf, '<')
	w.buf = append(w.buf, name...)
	if ns != "" {
		w.buf = append(w.buf, ` xmlns="`...)
		w.buf = xmltext.AppendAttr(w.buf, ns)
		w.buf = append(w.buf, '"')
	}
	if mem != nil && mem.XMLNamespace != "" {
		w.buf = append(w.buf, " xmlns"...)
		if mem.XMLPrefix != "" {
			w.buf = append(w.buf, ':')
			w.buf = append(w.buf, mem.XMLPrefix...)
		}
		w.buf = append(w.buf, `="`...)
		w.buf = xmltext.AppendAttr(w.buf, mem.XMLNamespace)
		w.buf = append(w.buf, '"')
	}
	if attrs != nil {
		attrs()
	}
	w.buf = append(w.buf, '>')
}

func (w *writer) close(name string) {
	w.buf = append(w.buf, "</"...)
	w.buf = append(w.buf, name...)
	w.buf = append(w.buf, '>')
}

// structure writes m as the element name; mem is the member it is the
// value of (for its namespace), nil for a document root.
func (w *writer) structure(name, ns string, mem *apimodel.Member, sh *apimodel.Shape, m protoreflect.Message) {
	w.open(name, ns, mem, func() {
		for _, a := range sh.Members {
			if !a.XMLAttribute || !m.Has(a.Field) {
				continue
			}
			w.buf = append(w.buf, ' ')
			w.buf = append(w.buf, a.ElementName()...)
			w.buf = append(w.buf, `="`...)
			w.buf = xmltext.AppendAttr(w.buf, string(appendScalarText(nil, a, a.Target, m.Get(a.Field))))
			w.buf = append(w.buf, '"')
		}
	})
	for _, c := range sh.Members {
		if c.XMLAttribute || c.Location != apimodel.Body {
			continue
		}
		w.member(c, m)
	}
	w.close(name)
}

func (w *writer) member(mem *apimodel.Member, m protoreflect.Message) {
	fd := mem.Field
	name := mem.ElementName()
	switch {
	case fd.IsList():
		l := m.Get(fd).List()
		if l.Len() == 0 && !mem.Required && !mem.SentEmpty {
			return
		}
		elem := mem.Target.Elem
		if mem.XMLFlattened {
			for i := 0; i < l.Len(); i++ {
				w.value(name, mem, elem, l.Get(i))
			}
			return
		}
		item := mem.Target.ElemXMLName
		if item == "" {
			item = "member"
		}
		w.open(name, "", mem, nil)
		for i := 0; i < l.Len(); i++ {
			w.value(item, nil, elem, l.Get(i))
		}
		w.close(name)
	case fd.IsMap():
		mp := m.Get(fd).Map()
		if mp.Len() == 0 && !mem.Required && !mem.SentEmpty {
			return
		}
		sh := mem.Target
		keyName, valName := sh.KeyXMLName, sh.ValueXMLName
		if keyName == "" {
			keyName = "key"
		}
		if valName == "" {
			valName = "value"
		}
		keys := make([]string, 0, mp.Len())
		mp.Range(func(k protoreflect.MapKey, _ protoreflect.Value) bool {
			keys = append(keys, k.String())
			return true
		})
		slices.Sort(keys)
		if !mem.XMLFlattened {
			w.open(name, "", mem, nil)
		}
		for _, k := range keys {
			entry := "entry"
			if mem.XMLFlattened {
				entry = name
			}
			w.open(entry, "", nil, nil)
			w.open(keyName, "", nil, nil)
			w.buf = xmltext.AppendText(w.buf, k)
			w.close(keyName)
			w.value(valName, nil, sh.Elem, mp.Get(protoreflect.ValueOfString(k).MapKey()))
			w.close(entry)
		}
		if !mem.XMLFlattened {
			w.close(name)
		}
	default:
		if !m.Has(fd) {
			return
		}
		w.value(name, mem, mem.Target, m.Get(fd))
	}
}

func (w *writer) value(name string, mem *apimodel.Member, sh *apimodel.Shape, v protoreflect.Value) {
	if sh.Kind == apimodel.Structure {
		w.structure(name, "", mem, sh, v.Message())
		return
	}
	w.open(name, "", mem, nil)
	w.scalar(mem, sh, v)
	w.close(name)
}

func (w *writer) scalar(mem *apimodel.Member, sh *apimodel.Shape, v protoreflect.Value) {
	if sh.Kind == apimodel.String || sh.Kind == apimodel.Enum {
		w.buf = xmltext.AppendText(w.buf, v.String())
		return
	}
	w.buf = appendScalarText(w.buf, mem, sh, v)
}

// AppendError appends S3's error document: <Error> with Code, Message, the
// extra elements given (name/value pairs such as BucketName or Key, in
// order), RequestId and HostId. S3 does not wrap it in <ErrorResponse>.
func AppendError(buf []byte, e *awserr.Error, requestID, hostID string, extra ...string) []byte {
	buf = append(buf, xmlHeader...)
	buf = append(buf, "<Error><Code>"...)
	buf = xmltext.AppendText(buf, e.Code)
	buf = append(buf, "</Code><Message>"...)
	buf = xmltext.AppendText(buf, e.Message)
	buf = append(buf, "</Message>"...)
	for i := 0; i+1 < len(extra); i += 2 {
		buf = append(buf, '<')
		buf = append(buf, extra[i]...)
		buf = append(buf, '>')
		buf = xmltext.AppendText(buf, extra[i+1])
		buf = append(buf, "</"...)
		buf = append(buf, extra[i]...)
		buf = append(buf, '>')
	}
	buf = append(buf, "<RequestId>"...)
	buf = xmltext.AppendText(buf, requestID)
	buf = append(buf, "</RequestId><HostId>"...)
	buf = xmltext.AppendText(buf, hostID)
	return append(buf, "</HostId></Error>"...)
}
