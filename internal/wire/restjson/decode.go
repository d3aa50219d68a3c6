package restjson

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ibemu/ibemu/internal/apimodel"
	"github.com/ibemu/ibemu/internal/awserr"
)

// maxDepth bounds JSON nesting of modeled members; AWS's Image Builder
// shapes nest far less deeply.
const maxDepth = 32

// Request is what the decoder needs from an HTTP request.
type Request struct {
	Labels Labels
	// Query is the parsed query string; when it is nil, RawQuery is read.
	Query    url.Values
	RawQuery Query
	Header   http.Header
	Body     []byte
}

// serializationError is the error restJson1 services answer for a body or
// parameter that cannot be read as the modeled type.
func serializationError(format string, args ...any) *awserr.Error {
	return awserr.Newf("SerializationException", http.StatusBadRequest, format, args...)
}

// DecodeInput fills msg, the operation's generated input message, from the
// request's URI labels, query string, headers and JSON body.
func DecodeInput(op *apimodel.Operation, req Request, msg proto.Message) *awserr.Error {
	m := msg.ProtoReflect()
	in := op.Input
	hasBody := false
	for _, mem := range in.Members {
		switch mem.Location {
		case apimodel.Body:
			hasBody = true
		case apimodel.Label:
			if v, ok := req.Labels[mem.LocationName]; ok {
				if err := setText(msg, m, mem, v); err != nil {
					return err
				}
			}
		case apimodel.Query:
			var (
				vals []string
				ok   bool
				one  [1]string
			)
			switch {
			case req.Query != nil:
				vals, ok = req.Query[mem.LocationName]
			case mem.Field.IsList():
				vals, ok = req.RawQuery.appendValues(nil, mem.LocationName, false)
			default:
				vals, ok = req.RawQuery.appendValues(one[:0], mem.LocationName, true)
			}
			if !ok {
				continue
			}
			if mem.Field.IsList() {
				for _, v := range vals {
					if err := appendText(m, mem, v); err != nil {
						return err
					}
				}
			} else if len(vals) > 0 {
				if err := setText(msg, m, mem, vals[0]); err != nil {
					return err
				}
			}
		case apimodel.Header:
			if v := req.Header.Get(mem.LocationName); v != "" {
				if err := setText(msg, m, mem, v); err != nil {
					return err
				}
			}
		}
	}
	if !hasBody {
		return nil
	}
	body := bytes.TrimSpace(req.Body)
	if len(body) == 0 {
		return nil
	}
	d := &decoder{dec: json.NewDecoder(bytes.NewReader(body))}
	d.dec.UseNumber()
	if _, err := d.structure(in, m, 0, true); err != nil {
		return err
	}
	if _, err := d.dec.Token(); err != io.EOF {
		return serializationError("Unexpected content after the JSON object in the request body")
	}
	return nil
}

type decoder struct {
	dec *json.Decoder
}

func (d *decoder) token() (json.Token, *awserr.Error) {
	t, err := d.dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, serializationError("Unexpected end of the JSON request body")
		}
		return nil, serializationError("The request body is not valid JSON: %v", err)
	}
	return t, nil
}

// structure reads a JSON object into m. Unknown members are skipped, as AWS
// services ignore them; members bound to the URI are not read from the body.
// It reports a JSON null (an absent member) as isNull.
func (d *decoder) structure(sh *apimodel.Shape, m protoreflect.Message, depth int, top bool) (isNull bool, _ *awserr.Error) {
	if depth > maxDepth {
		return false, serializationError("The request body nests too deeply")
	}
	t, err := d.token()
	if err != nil {
		return false, err
	}
	if t == nil && !top {
		return true, nil
	}
	if delim, ok := t.(json.Delim); !ok || delim != '{' {
		return false, serializationError("Expected a JSON object for %s but found %s", sh.Name, describe(t))
	}
	for d.dec.More() {
		kt, err := d.token()
		if err != nil {
			return false, err
		}
		key, _ := kt.(string)
		mem, ok := sh.Member(key)
		if !ok || mem.Location != apimodel.Body {
			var skip json.RawMessage
			if err := d.dec.Decode(&skip); err != nil {
				return false, serializationError("The request body is not valid JSON: %v", err)
			}
			continue
		}
		if err := d.member(mem, m, depth+1); err != nil {
			return false, err
		}
	}
	_, err = d.token() // }
	return false, err
}

func (d *decoder) member(mem *apimodel.Member, m protoreflect.Message, depth int) *awserr.Error {
	fd := mem.Field
	t := mem.Target
	switch {
	case fd.IsList():
		tok, err := d.token()
		if err != nil {
			return err
		}
		if tok == nil {
			return nil
		}
		if delim, ok := tok.(json.Delim); !ok || delim != '[' {
			return serializationError("Expected a JSON array for member '%s' but found %s", mem.Name, describe(tok))
		}
		list := m.Mutable(fd).List()
		for d.dec.More() {
			v, isNull, err := d.value(t.Elem, fd, list.NewElement, depth)
			if err != nil {
				return err
			}
			if !isNull {
				list.Append(v)
			}
		}
		_, err = d.token() // ]
		return err
	case fd.IsMap():
		tok, err := d.token()
		if err != nil {
			return err
		}
		if tok == nil {
			return nil
		}
		if delim, ok := tok.(json.Delim); !ok || delim != '{' {
			return serializationError("Expected a JSON object for member '%s' but found %s", mem.Name, describe(tok))
		}
		mp := m.Mutable(fd).Map()
		for d.dec.More() {
			kt, err := d.token()
			if err != nil {
				return err
			}
			key, _ := kt.(string)
			v, isNull, err := d.value(t.Elem, fd.MapValue(), mp.NewValue, depth)
			if err != nil {
				return err
			}
			if !isNull {
				mp.Set(protoreflect.ValueOfString(key).MapKey(), v)
			}
		}
		_, err = d.token() // }
		return err
	default:
		v, isNull, err := d.value(t, fd, func() protoreflect.Value { return m.NewField(fd) }, depth)
		if err != nil {
			return err
		}
		if !isNull {
			m.Set(fd, v)
		}
		return nil
	}
}

// value reads one JSON value of shape sh. newMessage allocates the message
// for structure values.
func (d *decoder) value(sh *apimodel.Shape, fd protoreflect.FieldDescriptor, newMessage func() protoreflect.Value, depth int) (protoreflect.Value, bool, *awserr.Error) {
	if sh.Kind == apimodel.Structure {
		v := newMessage()
		isNull, err := d.structure(sh, v.Message(), depth, false)
		if err != nil || isNull {
			return protoreflect.Value{}, isNull, err
		}
		return v, false, nil
	}
	if sh.Kind == apimodel.Timestamp {
		tok, err := d.token()
		if err != nil {
			return protoreflect.Value{}, false, err
		}
		if tok == nil {
			return protoreflect.Value{}, true, nil
		}
		ts, aerr := parseTimestamp(tok)
		if aerr != nil {
			return protoreflect.Value{}, false, aerr
		}
		return protoreflect.ValueOfMessage(ts.ProtoReflect()), false, nil
	}
	tok, err := d.token()
	if err != nil {
		return protoreflect.Value{}, false, err
	}
	if tok == nil {
		return protoreflect.Value{}, true, nil
	}
	v, aerr := scalarFromJSON(sh, fd, tok)
	return v, false, aerr
}

func scalarFromJSON(sh *apimodel.Shape, fd protoreflect.FieldDescriptor, tok json.Token) (protoreflect.Value, *awserr.Error) {
	switch sh.Kind {
	case apimodel.String, apimodel.Enum:
		if s, ok := tok.(string); ok {
			return protoreflect.ValueOfString(s), nil
		}
	case apimodel.Boolean:
		if b, ok := tok.(bool); ok {
			return protoreflect.ValueOfBool(b), nil
		}
	case apimodel.Integer, apimodel.Long:
		if n, ok := tok.(json.Number); ok {
			i, err := strconv.ParseInt(string(n), 10, 64)
			if err != nil {
				return protoreflect.Value{}, serializationError("Expected an integer for %s but found %s", sh.Name, n)
			}
			if sh.Kind == apimodel.Integer {
				if i < math.MinInt32 || i > math.MaxInt32 {
					return protoreflect.Value{}, serializationError("The integer %s for %s is out of range", n, sh.Name)
				}
				return protoreflect.ValueOfInt32(int32(i)), nil
			}
			return protoreflect.ValueOfInt64(i), nil
		}
	case apimodel.Float, apimodel.Double:
		var f float64
		switch v := tok.(type) {
		case json.Number:
			var err error
			if f, err = strconv.ParseFloat(string(v), 64); err != nil {
				return protoreflect.Value{}, serializationError("Expected a number for %s but found %s", sh.Name, v)
			}
		case string:
			switch v {
			case "NaN":
				f = math.NaN()
			case "Infinity":
				f = math.Inf(1)
			case "-Infinity":
				f = math.Inf(-1)
			default:
				return protoreflect.Value{}, serializationError("Expected a number for %s but found a string", sh.Name)
			}
		default:
			return protoreflect.Value{}, serializationError("Expected a number for %s but found %s", sh.Name, describe(tok))
		}
		if fd.Kind() == protoreflect.FloatKind {
			return protoreflect.ValueOfFloat32(float32(f)), nil
		}
		return protoreflect.ValueOfFloat64(f), nil
	case apimodel.Blob:
		if s, ok := tok.(string); ok {
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return protoreflect.Value{}, serializationError("Expected base64 data for %s", sh.Name)
			}
			return protoreflect.ValueOfBytes(b), nil
		}
	}
	return protoreflect.Value{}, serializationError("Expected a %s value for %s but found %s", sh.Kind, sh.Name, describe(tok))
}

func parseTimestamp(tok json.Token) (*timestamppb.Timestamp, *awserr.Error) {
	switch v := tok.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 253402300799 {
			return nil, serializationError("Expected a timestamp in epoch seconds but found %s", v)
		}
		sec, frac := math.Modf(f)
		return &timestamppb.Timestamp{Seconds: int64(sec), Nanos: int32(math.Round(frac * 1e9))}, nil
	case string:
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return nil, serializationError("Expected a timestamp but found %q", v)
		}
		return timestamppb.New(t), nil
	}
	return nil, serializationError("Expected a timestamp but found %s", describe(tok))
}

// setText sets a member bound to the URI or a header from its text form;
// m is msg.ProtoReflect().
func setText(msg proto.Message, m protoreflect.Message, mem *apimodel.Member, text string) *awserr.Error {
	if k := mem.Target.Kind; k == apimodel.String || k == apimodel.Enum {
		setString(msg, m, mem.Field, &text)
		return nil
	}
	v, err := fromText(mem, mem.Target, mem.Field, text)
	if err != nil {
		return err
	}
	m.Set(mem.Field, v)
	return nil
}

func appendText(m protoreflect.Message, mem *apimodel.Member, text string) *awserr.Error {
	v, err := fromText(mem, mem.Target.Elem, mem.Field, text)
	if err != nil {
		return err
	}
	m.Mutable(mem.Field).List().Append(v)
	return nil
}

func fromText(mem *apimodel.Member, sh *apimodel.Shape, fd protoreflect.FieldDescriptor, text string) (protoreflect.Value, *awserr.Error) {
	switch sh.Kind {
	case apimodel.String, apimodel.Enum:
		return protoreflect.ValueOfString(text), nil
	case apimodel.Boolean:
		switch text {
		case "true":
			return protoreflect.ValueOfBool(true), nil
		case "false":
			return protoreflect.ValueOfBool(false), nil
		}
	case apimodel.Integer:
		if i, err := strconv.ParseInt(text, 10, 32); err == nil {
			return protoreflect.ValueOfInt32(int32(i)), nil
		}
	case apimodel.Long:
		if i, err := strconv.ParseInt(text, 10, 64); err == nil {
			return protoreflect.ValueOfInt64(i), nil
		}
	case apimodel.Float, apimodel.Double:
		if f, err := strconv.ParseFloat(text, 64); err == nil {
			if fd.Kind() == protoreflect.FloatKind {
				return protoreflect.ValueOfFloat32(float32(f)), nil
			}
			return protoreflect.ValueOfFloat64(f), nil
		}
	case apimodel.Timestamp:
		if t, err := time.Parse(time.RFC3339Nano, text); err == nil {
			return protoreflect.ValueOfMessage(timestamppb.New(t).ProtoReflect()), nil
		}
	}
	return protoreflect.Value{}, serializationError("The value %q of parameter '%s' is not a valid %s", text, mem.LocationName, sh.Kind)
}

func describe(t json.Token) string {
	switch v := t.(type) {
	case nil:
		return "null"
	case json.Delim:
		switch v {
		case '{':
			return "an object"
		case '[':
			return "an array"
		}
		return fmt.Sprintf("%q", string(v))
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("%T", t)
}
