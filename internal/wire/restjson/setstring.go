package restjson

import (
	"reflect"
	"strings"
	"sync"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// SetString sets the string field fd of m to *s. For a generated message
// whose field is a *string (explicit presence: proto2, proto3 optional) it
// stores s itself in the struct field, as the generated code's own
// constructors do, instead of protoreflect's Set, which allocates a copy
// of the pointer, an interface box and a reflect value; m then shares *s,
// which must not change afterwards. Other messages (dynamic ones, fields
// without presence) are set through protoreflect.
func SetString(m protoreflect.Message, fd protoreflect.FieldDescriptor, s *string) {
	if m.IsValid() && fd.Kind() == protoreflect.StringKind && !fd.IsList() && !fd.IsMap() {
		v := reflect.ValueOf(m.Interface())
		if i := goStringField(v.Type(), fd); i >= 0 {
			v.Elem().Field(i).Set(reflect.ValueOf(s))
			return
		}
	}
	m.Set(fd, protoreflect.ValueOfString(*s))
}

type goFieldKey struct {
	t  reflect.Type
	fd protoreflect.FieldDescriptor
}

// goStringFields holds goStringField's answers.
var goStringFields sync.Map // goFieldKey → int

// goStringField is the index of the exported *string struct field that
// protoc-gen-go generated for fd in the message type t (a pointer to a
// struct), or -1: looked up once per type and field.
func goStringField(t reflect.Type, fd protoreflect.FieldDescriptor) int {
	k := goFieldKey{t, fd}
	if v, ok := goStringFields.Load(k); ok {
		return v.(int)
	}
	i := findGoStringField(t, fd)
	goStringFields.Store(k, i)
	return i
}

func findGoStringField(t reflect.Type, fd protoreflect.FieldDescriptor) int {
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct || !fd.HasPresence() {
		return -1
	}
	if o := fd.ContainingOneof(); o != nil && !o.IsSynthetic() {
		return -1 // a real oneof's members live in an interface field
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
				return i
			}
		}
	}
	return -1
}
