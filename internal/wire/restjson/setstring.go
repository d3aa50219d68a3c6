package restjson

import (
	"reflect"
	"strings"
	"sync"
	"unsafe"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// SetString sets the string field fd of m to *s. For a generated message
// whose field is a *string (explicit presence: proto2, proto3 optional) it
// stores s itself in the struct field, as the generated code's own
// constructors do, instead of protoreflect's Set, which allocates a copy
// of the pointer, an interface box and a reflect value; m then shares *s,
// which must not change afterwards. Other messages (dynamic ones, fields
// without presence) are set through protoreflect.
func SetString(m protoreflect.Message, fd protoreflect.FieldDescriptor, s *string) {
	if m.IsValid() {
		setString(m.Interface(), m, fd, s)
		return
	}
	m.Set(fd, protoreflect.ValueOfString(*s))
}

// setString is SetString of msg, whose reflective view is m, for a caller
// that has msg: m.Interface() of a generated message costs a reflect.NewAt
// (a sync.Map read for the pointer type).
func setString(msg proto.Message, m protoreflect.Message, fd protoreflect.FieldDescriptor, s *string) {
	if m.IsValid() {
		if f := goStringField(fd); f != nil && f.t == reflect.TypeOf(msg) {
			// The struct field at f.offset is a *string (checked when f was
			// made); the store is typed, so the collector sees it.
			*(**string)(unsafe.Add(reflect.ValueOf(msg).UnsafePointer(), f.offset)) = s
			return
		}
	}
	m.Set(fd, protoreflect.ValueOfString(*s))
}

// StringField is where SetString stores fd in the generated Go struct of
// fd's message: t, the pointer type, and the offset of its *string field;
// ok is false when SetString would go through protoreflect. A caller that
// checks a message's type against t may read and store the *string at the
// offset itself (nil: the field is unset).
func StringField(fd protoreflect.FieldDescriptor) (t reflect.Type, offset uintptr, ok bool) {
	if f := goStringField(fd); f != nil {
		return f.t, f.offset, true
	}
	return nil, 0, false
}

// goField is where the generated Go struct of type t keeps a field.
type goField struct {
	t      reflect.Type // a pointer to the struct
	offset uintptr
}

// goStringFields holds goStringField's answers by field descriptor (nil:
// none).
var goStringFields sync.Map // protoreflect.FieldDescriptor → *goField

// goStringField is the exported *string struct field that protoc-gen-go
// generated for fd, or nil: looked up once per field.
func goStringField(fd protoreflect.FieldDescriptor) *goField {
	if v, ok := goStringFields.Load(fd); ok {
		return v.(*goField)
	}
	f := findGoStringField(fd)
	goStringFields.Store(fd, f)
	return f
}

func findGoStringField(fd protoreflect.FieldDescriptor) *goField {
	if fd.Kind() != protoreflect.StringKind || fd.IsList() || fd.IsMap() || !fd.HasPresence() {
		return nil
	}
	if o := fd.ContainingOneof(); o != nil && !o.IsSynthetic() {
		return nil // a real oneof's members live in an interface field
	}
	mt, err := protoregistry.GlobalTypes.FindMessageByName(fd.ContainingMessage().FullName())
	if err != nil || mt.Descriptor() != fd.ContainingMessage() {
		return nil
	}
	t := reflect.TypeOf(mt.Zero().Interface())
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return nil
	}
	st := t.Elem()
	for i := range st.NumField() {
		sf := st.Field(i)
		if !sf.IsExported() || sf.Type != reflect.TypeFor[*string]() {
			continue
		}
		// protoc-gen-go's tag: "bytes,1,opt,name=request_id,json=requestId,proto3,oneof".
		for part := range strings.SplitSeq(sf.Tag.Get("protobuf"), ",") {
			if part == "name="+string(fd.Name()) {
				return &goField{t: t, offset: sf.Offset}
			}
		}
	}
	return nil
}
