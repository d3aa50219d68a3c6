package restjson

import (
	"reflect"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// SetString leaves a message exactly as protoreflect's Set would, on the
// generated path and on the fallback, and the generated path allocates
// nothing.
func TestSetStringMatchesProtoreflect(t *testing.T) {
	for _, name := range []string{"name", "data", "arn"} {
		got := &ibv1.Component{}
		want := &ibv1.Component{}
		fd := got.ProtoReflect().Descriptor().Fields().ByName(protoName(name))
		s := "value of " + name
		SetString(got.ProtoReflect(), fd, &s)
		want.ProtoReflect().Set(fd, protoValue(s))
		if !proto.Equal(got, want) {
			t.Errorf("%s: got %v want %v", name, got, want)
		}
		if f := goStringField(fd); f == nil || f.t != reflectType(got) {
			t.Errorf("%s: the generated field was not found", name)
		}
	}
	dyn := dynamicpb.NewMessage((&ibv1.Component{}).ProtoReflect().Descriptor())
	fd := dyn.Descriptor().Fields().ByName("name")
	s := "dynamic"
	SetString(dyn, fd, &s)
	if got := dyn.Get(fd).String(); got != "dynamic" {
		t.Errorf("dynamic: %q", got)
	}
	c := &ibv1.Component{}
	cfd := c.ProtoReflect().Descriptor().Fields().ByName("name")
	if n := testing.AllocsPerRun(100, func() { c.Name = nil; SetString(c.ProtoReflect(), cfd, &s) }); n != 0 {
		t.Errorf("%v allocations per SetString", n)
	}
}

func protoName(s string) protoreflect.Name { return protoreflect.Name(s) }

func protoValue(s string) protoreflect.Value { return protoreflect.ValueOfString(s) }

func reflectType(m proto.Message) reflect.Type { return reflect.TypeOf(m) }

func BenchmarkSetString(b *testing.B) {
	c := &ibv1.Component{}
	fd := c.ProtoReflect().Descriptor().Fields().ByName("name")
	s := "value"
	b.Run("SetString", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c.Name = nil
			SetString(c.ProtoReflect(), fd, &s)
		}
	})
	b.Run("protoreflect", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c.Name = nil
			c.ProtoReflect().Set(fd, protoreflect.ValueOfString(s))
		}
	})
}
