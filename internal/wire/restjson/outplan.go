package restjson

import (
	"reflect"
	"strings"
	"sync"
	"sync/atomic"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/ibemu/ibemu/internal/apimodel"
)

// Output members read from the generated struct
//
// appendOutput's members are mostly a requestId string and structures
// (often frozen, see Freeze). protoreflect's Has and Get on a generated
// message cost more than the rest of such an answer together: each finds
// its field, checks it, and Get of a message field makes the member's
// reflective view through reflect.NewAt, whose pointer type lookup is a
// sync.Map read. An outputPlan reads those members from the generated Go
// struct instead, with reflect (no unsafe): a *string field is set when it
// is not nil (proto3 optional and proto2 strings have explicit presence,
// as Has reports it), and a singular message field is set when it is not
// nil, its ProtoReflect view the one Get returns. Members of other kinds,
// and messages that are not the plan's generated type (dynamic messages),
// still go through protoreflect.

// outputPlan says, for the body members of one output shape, which can be
// read from the generated struct of type t and where.
type outputPlan struct {
	sh     *apimodel.Shape
	t      reflect.Type // the generated message's pointer type; nil: no plan
	fields []int        // by member index: the struct field's index, or -1
	keys   [][]byte     // by member index: the member's JSON name and ':'
}

// outputPlans holds a plan by output shape; lastPlan the one used last (an
// operation answers call after call).
var (
	outputPlans sync.Map // *apimodel.Shape → *outputPlan
	lastPlan    atomic.Pointer[outputPlan]
)

// planFor is the plan of output shape sh.
func planFor(sh *apimodel.Shape) *outputPlan {
	if p := lastPlan.Load(); p != nil && p.sh == sh {
		return p
	}
	if v, ok := outputPlans.Load(sh); ok {
		p := v.(*outputPlan)
		lastPlan.Store(p)
		return p
	}
	p := makePlan(sh)
	outputPlans.Store(sh, p)
	lastPlan.Store(p)
	return p
}

func makePlan(sh *apimodel.Shape) *outputPlan {
	p := &outputPlan{sh: sh}
	md := sh.Message
	if md == nil {
		return p
	}
	t := generatedType(md)
	if t == nil {
		return p
	}
	st := t.Elem()
	p.fields = make([]int, len(sh.Members))
	p.keys = make([][]byte, len(sh.Members))
	for i, mem := range sh.Members {
		p.fields[i] = -1
		p.keys[i] = append(AppendString(nil, mem.Name), ':')
		if mem.Location != apimodel.Body || mem.Field.ContainingMessage() != md {
			continue
		}
		switch k := mem.Target.Kind; {
		case mem.Field.Kind() == protoreflect.StringKind && (k == apimodel.String || k == apimodel.Enum):
		case mem.Field.Kind() == protoreflect.MessageKind && k == apimodel.Structure:
		default:
			continue // as appendOutput writes it: appendMember
		}
		if f, ok := pointerField(st, mem.Field); ok {
			p.fields[i] = f
		}
	}
	p.t = t
	return p
}

// generatedType is the Go type (*T) protoc-gen-go generated for md, or nil.
func generatedType(md protoreflect.MessageDescriptor) reflect.Type {
	mt, err := protoregistry.GlobalTypes.FindMessageByName(md.FullName())
	if err != nil || mt.Descriptor() != md {
		return nil
	}
	t := reflect.TypeOf(mt.Zero().Interface())
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return nil
	}
	return t
}

// pointerField is the index of the exported field of st that protoc-gen-go
// generated for fd, when fd is a string with explicit presence (a *string
// field) or a singular message (a *M field, M fd's generated message).
func pointerField(st reflect.Type, fd protoreflect.FieldDescriptor) (int, bool) {
	if fd.IsList() || fd.IsMap() {
		return 0, false
	}
	if o := fd.ContainingOneof(); o != nil && !o.IsSynthetic() {
		return 0, false // a real oneof's members live in an interface field
	}
	var want reflect.Type
	switch fd.Kind() {
	case protoreflect.StringKind:
		if !fd.HasPresence() {
			return 0, false
		}
		want = reflect.TypeFor[*string]()
	case protoreflect.MessageKind:
		if want = generatedType(fd.Message()); want == nil {
			return 0, false
		}
	default:
		return 0, false
	}
	for i := range st.NumField() {
		sf := st.Field(i)
		if !sf.IsExported() || sf.Type != want {
			continue
		}
		// protoc-gen-go's tag: "bytes,1,opt,name=request_id,json=requestId,proto3,oneof".
		for part := range strings.SplitSeq(sf.Tag.Get("protobuf"), ",") {
			if part == "name="+string(fd.Name()) {
				return i, true
			}
		}
	}
	return 0, false
}

// appendOutputPlanned is appendOutput for a generated message of the
// plan's type: ok is false (and buf unchanged) when msg is not one.
func appendOutputPlanned(buf []byte, sh *apimodel.Shape, msg proto.Message, items string) (_ []byte, ok bool) {
	p := planFor(sh)
	if p.t == nil || reflect.TypeOf(msg) != p.t {
		return buf, false
	}
	v := reflect.ValueOf(msg)
	if v.IsNil() {
		return buf, false
	}
	v = v.Elem()
	m := msg.ProtoReflect()
	buf = append(buf, '{')
	first := true
	for i, mem := range sh.Members {
		if mem.Location != apimodel.Body {
			continue
		}
		fi := p.fields[i]
		if fi < 0 {
			if mem.Target.Kind != apimodel.Structure || mem.Field.IsList() || mem.Field.IsMap() {
				buf, first = appendMember(buf, mem, m, items, first)
				continue
			}
			if !m.Has(mem.Field) {
				continue
			}
			buf = appendKey(buf, mem.Name, &first)
			buf = appendFrozen(buf, mem.Target, m.Get(mem.Field).Message())
			continue
		}
		f := v.Field(fi)
		if f.IsNil() {
			continue
		}
		if !first {
			buf = append(buf, ',')
		}
		first = false
		buf = append(buf, p.keys[i]...) // appendKey's bytes, made once
		if mem.Field.Kind() == protoreflect.StringKind {
			buf = AppendString(buf, f.Elem().String()) // appendValue of a String or Enum
			continue
		}
		buf = appendFrozen(buf, mem.Target, f.Interface().(proto.Message).ProtoReflect())
	}
	return append(buf, '}'), true
}
