package restxml

import (
	"encoding/base64"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ibemu/ibemu/internal/apimodel"
	"github.com/ibemu/ibemu/internal/awserr"
)

// Request is what the decoder needs from an HTTP request.
type Request struct {
	Labels Labels
	Query  url.Values
	// Header is the request's headers. Content-Length, which net/http
	// takes out of the map, should be put back by the caller with the
	// decoded payload's length.
	Header http.Header
	// Body is the decoded, verified payload.
	Body []byte
}

// invalidArgument is S3's answer to a header or query value that is not of
// the modeled type.
func invalidArgument(format string, args ...any) *awserr.Error {
	return awserr.Newf("InvalidArgument", http.StatusBadRequest, format, args...)
}

// PayloadMember returns the operation input's httpPayload member, or nil.
func PayloadMember(sh *apimodel.Shape) *apimodel.Member {
	for _, m := range sh.Members {
		if m.Location == apimodel.Payload {
			return m
		}
	}
	return nil
}

// RawPayload reports whether the operation's input payload is raw bytes (a
// blob, as PutObject's and UploadPart's object bodies are), which a server
// caps with its object size limit rather than its document limit.
func RawPayload(op *apimodel.Operation) bool {
	m := PayloadMember(op.Input)
	return m != nil && m.Target.Kind == apimodel.Blob
}

// DecodeInput fills msg, the operation's generated input message, from the
// request's URI labels, query string, headers, prefix headers and body:
// the payload member (raw bytes, raw text or one XML document) or, when
// there is none, an XML document whose children are the body members.
//
// Errors are S3's: InvalidArgument (400) for a header or query value not of
// its modeled type, MalformedXML (400) for a body that is not well-formed
// or does not fit the schema. Unknown elements and parameters are ignored,
// as S3 ignores them.
func DecodeInput(op *apimodel.Operation, req Request, msg proto.Message) *awserr.Error {
	m := msg.ProtoReflect()
	in := op.Input
	hasBody := false
	var payload *apimodel.Member
	for _, mem := range in.Members {
		switch mem.Location {
		case apimodel.Body:
			hasBody = true
		case apimodel.Payload:
			payload = mem
		case apimodel.Label:
			if v, ok := req.Labels[mem.LocationName]; ok {
				if err := setText(m, mem, mem.Target, v, "date-time"); err != nil {
					return err
				}
			}
		case apimodel.Query:
			vals, ok := req.Query[mem.LocationName]
			if !ok || len(vals) == 0 {
				continue
			}
			if mem.Field.IsList() {
				for _, v := range vals {
					if err := appendText(m, mem, v, "date-time"); err != nil {
						return err
					}
				}
			} else if err := setText(m, mem, mem.Target, vals[0], "date-time"); err != nil {
				return err
			}
		case apimodel.Header:
			vals := req.Header.Values(mem.LocationName)
			if len(vals) == 0 {
				continue
			}
			if mem.Field.IsList() {
				for _, v := range splitHeaderList(vals) {
					if err := appendText(m, mem, v, "http-date"); err != nil {
						return err
					}
				}
				continue
			}
			v := strings.TrimSpace(strings.Join(vals, ","))
			if v == "" && mem.Target.Kind != apimodel.String {
				continue
			}
			if err := setText(m, mem, mem.Target, v, "http-date"); err != nil {
				return err
			}
		case apimodel.PrefixHeaders:
			if err := decodePrefixHeaders(m, mem, req.Header); err != nil {
				return err
			}
		}
	}
	if payload != nil {
		return decodePayload(m, payload, req.Body)
	}
	if !hasBody || len(strings.TrimSpace(string(req.Body))) == 0 {
		return nil
	}
	root, err := parseDocument(req.Body)
	if err != nil {
		return err
	}
	return decodeStructure(in, root, m, true)
}

func decodePayload(m protoreflect.Message, mem *apimodel.Member, body []byte) *awserr.Error {
	switch mem.Target.Kind {
	case apimodel.Blob:
		if len(body) > 0 {
			m.Set(mem.Field, protoreflect.ValueOfBytes(body))
		}
		return nil
	case apimodel.String, apimodel.Enum:
		if len(body) > 0 {
			m.Set(mem.Field, protoreflect.ValueOfString(string(body)))
		}
		return nil
	case apimodel.Structure:
		if len(strings.TrimSpace(string(body))) == 0 {
			return nil
		}
		root, err := parseDocument(body)
		if err != nil {
			return err
		}
		v := m.NewField(mem.Field)
		if err := decodeStructure(mem.Target, root, v.Message(), false); err != nil {
			return err
		}
		m.Set(mem.Field, v)
		return nil
	}
	return MalformedXML()
}

func decodePrefixHeaders(m protoreflect.Message, mem *apimodel.Member, h http.Header) *awserr.Error {
	prefix := strings.ToLower(mem.LocationName)
	var mp protoreflect.Map
	for name, vals := range h {
		lower := strings.ToLower(name)
		if !strings.HasPrefix(lower, prefix) || len(lower) == len(prefix) {
			continue
		}
		if mp == nil {
			mp = m.Mutable(mem.Field).Map()
		}
		mp.Set(protoreflect.ValueOfString(lower[len(prefix):]).MapKey(), protoreflect.ValueOfString(strings.Join(vals, ",")))
	}
	return nil
}

// splitHeaderList splits list-valued header lines at commas outside double
// quotes, unquoting quoted items (Smithy "httpHeader" list serialization).
func splitHeaderList(lines []string) []string {
	var out []string
	for _, line := range lines {
		var cur strings.Builder
		quoted, wasQuoted := false, false
		flush := func() {
			s := cur.String()
			if !wasQuoted {
				s = strings.TrimSpace(s)
			}
			if s != "" || wasQuoted {
				out = append(out, s)
			}
			cur.Reset()
			wasQuoted = false
		}
		for i := 0; i < len(line); i++ {
			c := line[i]
			switch {
			case c == '"':
				quoted = !quoted
				wasQuoted = true
			case c == '\\' && quoted && i+1 < len(line):
				i++
				cur.WriteByte(line[i])
			case c == ',' && !quoted:
				flush()
			case !quoted && wasQuoted && (c == ' ' || c == '\t'):
			default:
				cur.WriteByte(c)
			}
		}
		flush()
	}
	return out
}

// xmlIndex maps element and attribute names of a structure to its members.
type xmlIndex struct {
	elems map[string]*apimodel.Member
	attrs map[string]*apimodel.Member
}

var indexes sync.Map // *apimodel.Shape → *xmlIndex

func indexOf(sh *apimodel.Shape) *xmlIndex {
	if v, ok := indexes.Load(sh); ok {
		return v.(*xmlIndex)
	}
	ix := &xmlIndex{elems: map[string]*apimodel.Member{}, attrs: map[string]*apimodel.Member{}}
	for _, mem := range sh.Members {
		name := mem.ElementName()
		if mem.XMLAttribute {
			if _, local, ok := strings.Cut(name, ":"); ok {
				name = local
			}
			ix.attrs[name] = mem
			continue
		}
		ix.elems[name] = mem
	}
	v, _ := indexes.LoadOrStore(sh, ix)
	return v.(*xmlIndex)
}

// decodeStructure fills m from the children and attributes of n. Only body
// members are read; at the top level of an input (no payload member),
// members bound to the URI or headers are ignored in the body.
func decodeStructure(sh *apimodel.Shape, n *node, m protoreflect.Message, top bool) *awserr.Error {
	if sh.Kind != apimodel.Structure {
		return MalformedXML()
	}
	ix := indexOf(sh)
	for _, a := range n.attrs {
		mem, ok := ix.attrs[a.Name.Local]
		if !ok || (top && mem.Location != apimodel.Body) {
			continue
		}
		if err := setScalar(m, mem, mem.Target, a.Value); err != nil {
			return err
		}
	}
	for _, c := range n.children {
		mem, ok := ix.elems[c.name]
		if !ok || (top && mem.Location != apimodel.Body) {
			continue
		}
		fd := mem.Field
		switch {
		case fd.IsList():
			if err := decodeList(m, mem, c); err != nil {
				return err
			}
		case fd.IsMap():
			if err := decodeMap(m, mem, c); err != nil {
				return err
			}
		default:
			v, err := decodeValue(mem, mem.Target, fd, c, func() protoreflect.Value { return m.NewField(fd) })
			if err != nil {
				return err
			}
			m.Set(fd, v)
		}
	}
	return nil
}

func decodeList(m protoreflect.Message, mem *apimodel.Member, c *node) *awserr.Error {
	list := m.Mutable(mem.Field).List()
	elem := mem.Target.Elem
	items := []*node{c}
	if !mem.XMLFlattened {
		name := mem.Target.ElemXMLName
		if name == "" {
			name = "member"
		}
		items = items[:0]
		for _, ch := range c.children {
			if ch.name == name {
				items = append(items, ch)
			}
		}
	}
	for _, it := range items {
		v, err := decodeValue(mem, elem, mem.Field, it, list.NewElement)
		if err != nil {
			return err
		}
		list.Append(v)
	}
	return nil
}

func decodeMap(m protoreflect.Message, mem *apimodel.Member, c *node) *awserr.Error {
	mp := m.Mutable(mem.Field).Map()
	sh := mem.Target
	keyName, valName := sh.KeyXMLName, sh.ValueXMLName
	if keyName == "" {
		keyName = "key"
	}
	if valName == "" {
		valName = "value"
	}
	entries := []*node{c}
	if !mem.XMLFlattened {
		entries = entries[:0]
		for _, ch := range c.children {
			if ch.name == "entry" {
				entries = append(entries, ch)
			}
		}
	}
	for _, e := range entries {
		var k, v *node
		for _, ch := range e.children {
			switch ch.name {
			case keyName:
				k = ch
			case valName:
				v = ch
			}
		}
		if k == nil || v == nil {
			return MalformedXML()
		}
		val, err := decodeValue(mem, sh.Elem, mem.Field.MapValue(), v, mp.NewValue)
		if err != nil {
			return err
		}
		mp.Set(protoreflect.ValueOfString(string(k.text)).MapKey(), val)
	}
	return nil
}

// decodeValue reads one element of shape sh; newMessage allocates the
// message of a structure value.
func decodeValue(mem *apimodel.Member, sh *apimodel.Shape, fd protoreflect.FieldDescriptor, n *node, newMessage func() protoreflect.Value) (protoreflect.Value, *awserr.Error) {
	if sh.Kind == apimodel.Structure {
		v := newMessage()
		if err := decodeStructure(sh, n, v.Message(), false); err != nil {
			return protoreflect.Value{}, err
		}
		return v, nil
	}
	// A value is text: an element nested where text belongs is not read as
	// the empty string (S3 answers MalformedXML).
	if len(n.children) > 0 {
		return protoreflect.Value{}, MalformedXML()
	}
	v, err := scalarFromText(sh, fd, string(n.text), timestampFormat(mem, sh, "date-time"))
	if err != nil {
		return protoreflect.Value{}, MalformedXML()
	}
	return v, nil
}

func setScalar(m protoreflect.Message, mem *apimodel.Member, sh *apimodel.Shape, text string) *awserr.Error {
	v, err := scalarFromText(sh, mem.Field, text, timestampFormat(mem, sh, "date-time"))
	if err != nil {
		return MalformedXML()
	}
	m.Set(mem.Field, v)
	return nil
}

// setText sets a member bound to the URI, the query string or a header
// from its text form; def is the location's default timestamp format.
func setText(m protoreflect.Message, mem *apimodel.Member, sh *apimodel.Shape, text, def string) *awserr.Error {
	v, err := scalarFromText(sh, mem.Field, text, timestampFormat(mem, sh, def))
	if err != nil {
		return invalidArgument("The value %q of %s is not a valid %s.", text, mem.LocationName, sh.Kind)
	}
	m.Set(mem.Field, v)
	return nil
}

func appendText(m protoreflect.Message, mem *apimodel.Member, text, def string) *awserr.Error {
	sh := mem.Target.Elem
	v, err := scalarFromText(sh, mem.Field, text, timestampFormat(mem, sh, def))
	if err != nil {
		return invalidArgument("The value %q of %s is not a valid %s.", text, mem.LocationName, sh.Kind)
	}
	m.Mutable(mem.Field).List().Append(v)
	return nil
}

// timestampFormat is the format a timestamp member uses: the member's
// smithy.api#timestampFormat, else its target's, else the location's
// default (restXml: http-date in headers, date-time elsewhere).
func timestampFormat(mem *apimodel.Member, sh *apimodel.Shape, def string) string {
	if mem != nil && mem.TimestampFormat != "" {
		return mem.TimestampFormat
	}
	if sh.TimestampFormat != "" {
		return sh.TimestampFormat
	}
	return def
}

type badValue struct{}

func (badValue) Error() string { return "bad value" }

func scalarFromText(sh *apimodel.Shape, fd protoreflect.FieldDescriptor, text, tsFormat string) (protoreflect.Value, error) {
	switch sh.Kind {
	case apimodel.String, apimodel.Enum:
		return protoreflect.ValueOfString(text), nil
	case apimodel.Boolean:
		switch strings.ToLower(strings.TrimSpace(text)) {
		case "true":
			return protoreflect.ValueOfBool(true), nil
		case "false":
			return protoreflect.ValueOfBool(false), nil
		}
	case apimodel.Integer:
		if i, err := strconv.ParseInt(strings.TrimSpace(text), 10, 32); err == nil {
			return protoreflect.ValueOfInt32(int32(i)), nil
		}
	case apimodel.Long:
		if i, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64); err == nil {
			return protoreflect.ValueOfInt64(i), nil
		}
	case apimodel.Float, apimodel.Double:
		if f, err := strconv.ParseFloat(strings.TrimSpace(text), 64); err == nil {
			if fd.Kind() == protoreflect.FloatKind {
				return protoreflect.ValueOfFloat32(float32(f)), nil
			}
			return protoreflect.ValueOfFloat64(f), nil
		}
	case apimodel.Blob:
		if b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(text)); err == nil {
			return protoreflect.ValueOfBytes(b), nil
		}
	case apimodel.Timestamp:
		if t, ok := parseTimestamp(strings.TrimSpace(text), tsFormat); ok {
			return protoreflect.ValueOfMessage(timestamppb.New(t).ProtoReflect()), nil
		}
	}
	return protoreflect.Value{}, badValue{}
}

// parseTimestamp reads a timestamp in a Smithy format; http-date and
// date-time values are also accepted in the other of the two forms, as
// lenient servers do.
func parseTimestamp(s, format string) (time.Time, bool) {
	switch format {
	case "epoch-seconds":
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 253402300799 {
			return time.Time{}, false
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(math.Round(frac*1e9))).UTC(), true
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	if t, err := http.ParseTime(s); err == nil {
		return t, true
	}
	return time.Time{}, false
}
