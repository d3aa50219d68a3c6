package restjson

import (
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"

	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// populate sets the fields of m (every other one when sparse), nested
// messages to depth 3, with values that need escaping.
func populate(m protoreflect.Message, depth int, sparse bool) {
	fields := m.Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if sparse && i%2 == 1 {
			continue
		}
		if fd.ContainingOneof() != nil && !fd.ContainingOneof().IsSynthetic() && i%3 != 0 {
			continue
		}
		switch {
		case fd.IsList():
			l := m.Mutable(fd).List()
			for range 2 {
				if v, ok := sample(m, fd, l.NewElement, depth, sparse); ok {
					l.Append(v)
				}
			}
		case fd.IsMap():
			mp := m.Mutable(fd).Map()
			if v, ok := sample(m, fd.MapValue(), mp.NewValue, depth, sparse); ok && fd.MapKey().Kind() == protoreflect.StringKind {
				mp.Set(protoreflect.ValueOfString("k\"1").MapKey(), v)
			}
		default:
			if v, ok := sample(m, fd, func() protoreflect.Value { return m.NewField(fd) }, depth, sparse); ok {
				m.Set(fd, v)
			}
		}
	}
}

func sample(m protoreflect.Message, fd protoreflect.FieldDescriptor, newValue func() protoreflect.Value, depth int, sparse bool) (protoreflect.Value, bool) {
	switch fd.Kind() {
	case protoreflect.StringKind:
		return protoreflect.ValueOfString("v \"é\" <" + string(fd.Name()) + ">"), true
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(true), true
	case protoreflect.Int32Kind:
		return protoreflect.ValueOfInt32(-7), true
	case protoreflect.Int64Kind:
		return protoreflect.ValueOfInt64(1 << 40), true
	case protoreflect.DoubleKind:
		return protoreflect.ValueOfFloat64(2.5), true
	case protoreflect.FloatKind:
		return protoreflect.ValueOfFloat32(0.5), true
	case protoreflect.BytesKind:
		return protoreflect.ValueOfBytes([]byte{0, 1, 255}), true
	case protoreflect.MessageKind:
		if depth >= 3 {
			return protoreflect.Value{}, false
		}
		v := newValue()
		populate(v.Message(), depth+1, sparse)
		return v, true
	}
	return protoreflect.Value{}, false
}

// TestAppendOutputPlannedMatchesProtoreflect encodes the output of every
// Image Builder operation, full and sparse, frozen and not, through the
// generated struct (appendOutputPlanned) and through protoreflect
// (appendOutput): the bytes are the same.
func TestAppendOutputPlannedMatchesProtoreflect(t *testing.T) {
	planned := 0
	for _, o := range ibv1.Model().Operations {
		mt, err := protoregistry.GlobalTypes.FindMessageByName(o.Output.Message.FullName())
		if err != nil {
			t.Fatalf("%s: %v", o.Name, err)
		}
		for _, sparse := range []bool{false, true} {
			for _, frozen := range []bool{false, true} {
				msg := mt.New().Interface()
				populate(msg.ProtoReflect(), 0, sparse)
				if frozen {
					msg.ProtoReflect().Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
						if fd.Kind() == protoreflect.MessageKind && !fd.IsList() && !fd.IsMap() {
							Freeze(v.Message().Interface())
						}
						return true
					})
				}
				items := ""
				if o.Paginated != nil {
					items = o.Paginated.Items
				}
				want := appendOutput(nil, o.Output, msg.ProtoReflect(), items)
				for range 2 { // the second time from the memo, when frozen
					got, ok := appendOutputPlanned(nil, o.Output, msg, items)
					if !ok {
						t.Fatalf("%s: no plan for the generated output", o.Name)
					}
					if string(got) != string(want) {
						t.Fatalf("%s (sparse %v, frozen %v):\nplanned      %s\nprotoreflect %s", o.Name, sparse, frozen, got, want)
					}
					if got := AppendOutput(nil, o, msg); string(got) != string(want) {
						t.Fatalf("%s: AppendOutput %s, want %s", o.Name, got, want)
					}
				}
				planned++
			}
		}
	}
	if planned == 0 {
		t.Fatal("no operations")
	}
}

// A message that is not the generated type (a dynamic one) is encoded
// through protoreflect, with the same bytes.
func TestAppendOutputDynamicMessage(t *testing.T) {
	o := op(t, "GetComponent")
	gen := benchComponentOutput()
	dyn := dynamicpb.NewMessage(o.Output.Message)
	b, err := proto.Marshal(gen)
	if err != nil {
		t.Fatal(err)
	}
	if err := proto.Unmarshal(b, dyn); err != nil {
		t.Fatal(err)
	}
	if _, ok := appendOutputPlanned(nil, o.Output, dyn, ""); ok {
		t.Fatal("a dynamic message took the generated struct's path")
	}
	if got, want := AppendOutput(nil, o, dyn), AppendOutput(nil, o, gen); string(got) != string(want) {
		t.Fatalf("dynamic %s\ngenerated %s", got, want)
	}
}

// GetComponent's requestId, component and latestVersionReferences are read
// from the generated struct.
func TestOutputPlanGetComponent(t *testing.T) {
	o := op(t, "GetComponent")
	p := planFor(o.Output)
	n := 0
	for i, mem := range o.Output.Members {
		if p.fields[i] >= 0 {
			n++
		} else if mem.Name == "requestId" {
			t.Errorf("requestId not planned")
		}
	}
	if n != 3 {
		t.Fatalf("%d members planned, want 3", n)
	}
}
