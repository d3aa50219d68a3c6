package simulate

import (
	"sort"
	"strconv"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"

	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
)

// The AWS CLI prints responses with Python's json.dumps(indent=4,
// ensure_ascii=False): four-space indentation, ", " and ": " separators,
// members in the order of the response shape, non-ASCII text as is. This
// small ordered writer reproduces that byte for byte.

type jsonNode interface {
	write(b *strings.Builder, depth int)
}

type jsonObject []jsonMember

type jsonMember struct {
	key   string
	value jsonNode
}

type jsonArray []jsonNode

type jsonString string

type jsonInt int

type jsonBool bool

func (o jsonObject) write(b *strings.Builder, depth int) {
	if len(o) == 0 {
		b.WriteString("{}")
		return
	}
	b.WriteString("{\n")
	for i, m := range o {
		indent(b, depth+1)
		jsonString(m.key).write(b, depth+1)
		b.WriteString(": ")
		m.value.write(b, depth+1)
		if i < len(o)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	indent(b, depth)
	b.WriteByte('}')
}

func (a jsonArray) write(b *strings.Builder, depth int) {
	if len(a) == 0 {
		b.WriteString("[]")
		return
	}
	b.WriteString("[\n")
	for i, v := range a {
		indent(b, depth+1)
		v.write(b, depth+1)
		if i < len(a)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	indent(b, depth)
	b.WriteByte(']')
}

func (s jsonString) write(b *strings.Builder, _ int) {
	b.WriteByte('"')
	for _, r := range string(s) {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if r < 0x20 {
				b.WriteString(`\u00`)
				b.WriteByte("0123456789abcdef"[r>>4])
				b.WriteByte("0123456789abcdef"[r&0xf])
				continue
			}
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}

func (n jsonInt) write(b *strings.Builder, _ int) { b.WriteString(strconv.Itoa(int(n))) }

func (v jsonBool) write(b *strings.Builder, _ int) {
	if v {
		b.WriteString("true")
	} else {
		b.WriteString("false")
	}
}

func indent(b *strings.Builder, depth int) {
	for i := 0; i < depth; i++ {
		b.WriteString("    ")
	}
}

func renderJSON(n jsonNode) string {
	var b strings.Builder
	n.write(&b, 0)
	b.WriteByte('\n')
	return b.String()
}

// cliOutput is what the CLI prints for the pages of a simulation: the
// pagination tokens removed and the pages' EvaluationResults joined, as
// botocore's paginator builds the full result.
func cliOutput(results []*iamv1.EvaluationResult) jsonNode {
	a := jsonArray{}
	for _, r := range results {
		a = append(a, messageJSON(r.ProtoReflect()))
	}
	return jsonObject{{"EvaluationResults", a}}
}

// messageJSON renders a response structure as botocore parses IAM's XML:
// the members present, in model order (the generated fields' order), under
// their model names (the fields' JSON names).
func messageJSON(m protoreflect.Message) jsonNode {
	o := jsonObject{}
	fields := m.Descriptor().Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if !m.Has(fd) && !sentEmpty(m, fd) {
			continue
		}
		o = append(o, jsonMember{fd.JSONName(), fieldJSON(fd, m.Get(fd))})
	}
	return o
}

// sentEmpty tells the empty lists and maps IAM still sends (and botocore
// parses as [] or {}): those the model marks SentEmpty or required and the
// page's EvaluationResults — what the server's Query codec writes too — and,
// from the CLI's documented output, EvalDecisionDetails when specific
// resources were simulated. A protobuf message cannot hold an empty list
// apart from a missing one, so the rule lives in the model.
func sentEmpty(m protoreflect.Message, fd protoreflect.FieldDescriptor) bool {
	switch fd.FullName() {
	case "ibemu.iam.v1.SimulatePolicyResponse.evaluation_results":
		return true
	case "ibemu.iam.v1.EvaluationResult.eval_decision_details":
		return m.Has(m.Descriptor().Fields().ByName("resource_specific_results"))
	}
	if sh, ok := iamv1.Model().Shape(string(m.Descriptor().Name())); ok {
		if mem, ok := sh.Member(fd.JSONName()); ok {
			return mem.SentEmpty || mem.Required
		}
	}
	return false
}

func fieldJSON(fd protoreflect.FieldDescriptor, v protoreflect.Value) jsonNode {
	switch {
	case fd.IsList():
		a := jsonArray{}
		l := v.List()
		for i := 0; i < l.Len(); i++ {
			a = append(a, scalarJSON(fd, l.Get(i)))
		}
		return a
	case fd.IsMap():
		mp := v.Map()
		keys := make([]string, 0, mp.Len())
		mp.Range(func(k protoreflect.MapKey, _ protoreflect.Value) bool {
			keys = append(keys, k.String())
			return true
		})
		sort.Strings(keys)
		o := jsonObject{}
		for _, k := range keys {
			o = append(o, jsonMember{k, scalarJSON(fd.MapValue(), mp.Get(protoreflect.ValueOfString(k).MapKey()))})
		}
		return o
	}
	return scalarJSON(fd, v)
}

func scalarJSON(fd protoreflect.FieldDescriptor, v protoreflect.Value) jsonNode {
	switch fd.Kind() {
	case protoreflect.MessageKind:
		return messageJSON(v.Message())
	case protoreflect.BoolKind:
		return jsonBool(v.Bool())
	case protoreflect.Int32Kind, protoreflect.Int64Kind:
		return jsonInt(v.Int())
	}
	return jsonString(v.String())
}
