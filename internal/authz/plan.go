package authz

import (
	"fmt"
	"strconv"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/ibemu/ibemu/internal/apimodel"
	"github.com/ibemu/ibemu/internal/iam/policy"
)

// plan is an operation's authorization spec compiled against its input
// shape: member paths resolved to protobuf fields once, so a request only
// reads fields.
type plan struct {
	op        *apimodel.Operation
	spec      *apimodel.Authz
	service   string // the action's service prefix, e.g. "imagebuilder"
	resources []resourcePlan
	keys      []keyPlan
}

type resourcePlan struct {
	spec    *apimodel.AuthzResource
	service string // the ARN format's service, which picks the resolver
	arn     fieldPath
	vars    []varPlan
}

type varPlan struct {
	name       string
	value, dir fieldPath
	def        string // the value when the request leaves the member out
}

type keyPlan struct {
	key    string // e.g. "aws:TagKeys", "aws:RequestTag/" (template prefix)
	prefix bool   // the key is a template KEY/${TagKey}: one key per tag
	tagKey bool   // aws:TagKeys-style: the keys of a tags member
	typ    policy.ValueType
	list   bool
	path   fieldPath
}

// fieldPath is a member path resolved to fields, outermost first.
type fieldPath []protoreflect.FieldDescriptor

// compile resolves the spec's member paths against the input shape. A path
// that does not resolve is a generator defect; it fails the plan, and with it
// every call of the operation (closed, not open).
func compile(op *apimodel.Operation) (*plan, error) {
	spec := op.Authz
	p := &plan{op: op, spec: spec}
	if i := strings.IndexByte(spec.Action, ':'); i > 0 {
		p.service = spec.Action[:i]
	}
	for _, r := range spec.Resources {
		rp := resourcePlan{spec: r}
		if a, ok := ParseARN(r.ARNFormat); ok {
			rp.service = a.Service
		}
		var err error
		if r.ARNMember != "" {
			if rp.arn, err = resolvePath(op.Input, r.ARNMember); err != nil {
				return nil, err
			}
		}
		for _, v := range r.Variables {
			vp := varPlan{name: v.Name, def: v.Default}
			if vp.value, err = resolvePath(op.Input, v.Member); err != nil {
				return nil, err
			}
			if v.PathMember != "" {
				if vp.dir, err = resolvePath(op.Input, v.PathMember); err != nil {
					return nil, err
				}
			}
			rp.vars = append(rp.vars, vp)
		}
		p.resources = append(p.resources, rp)
	}
	for _, k := range spec.RequestKeys {
		path, err := resolvePath(op.Input, k.Member)
		if err != nil {
			return nil, err
		}
		kp := keyPlan{key: k.Key, path: path}
		kp.typ, kp.list = keyType(k.Type)
		switch i := strings.Index(k.Key, "${"); {
		case i > 0 && strings.HasSuffix(k.Key, "}"):
			// A template key: aws:RequestTag/${TagKey},
			// kms:EncryptionContext:${EncryptionContextKey}.
			kp.key, kp.prefix = k.Key[:i], true
		case strings.HasSuffix(k.Key, "Keys"):
			// The keys of a tags or map member: aws:TagKeys,
			// kms:EncryptionContextKeys.
			kp.tagKey, kp.list = true, true
		}
		p.keys = append(p.keys, kp)
	}
	return p, nil
}

// resolvePath turns "a.b" into the fields of member a of shape and member b
// of a's structure.
func resolvePath(shape *apimodel.Shape, path string) (fieldPath, error) {
	var out fieldPath
	sh := shape
	for _, name := range strings.Split(path, ".") {
		if sh == nil || sh.Kind != apimodel.Structure {
			return nil, fmt.Errorf("authz: member path %q: %q is not in a structure", path, name)
		}
		m, ok := sh.Member(name)
		if !ok || m.Field == nil {
			return nil, fmt.Errorf("authz: member path %q: %s has no member %q", path, sh.Name, name)
		}
		out = append(out, m.Field)
		sh = m.Target
	}
	return out, nil
}

// keyType maps the reference's condition key types to the engine's.
func keyType(t string) (policy.ValueType, bool) {
	list := strings.HasPrefix(t, "ArrayOf")
	switch strings.TrimPrefix(t, "ArrayOf") {
	case "Numeric", "Long", "Integer":
		return policy.TypeNumeric, list
	case "Bool", "Boolean":
		return policy.TypeBoolean, list
	case "Date":
		return policy.TypeDate, list
	case "IPAddress":
		return policy.TypeIP, list
	}
	return policy.TypeString, list
}

// value returns the field at the end of path, and whether it is set.
func (fp fieldPath) value(m protoreflect.Message) (protoreflect.Value, protoreflect.FieldDescriptor, bool) {
	for i, fd := range fp {
		if !m.Has(fd) {
			return protoreflect.Value{}, nil, false
		}
		v := m.Get(fd)
		if i == len(fp)-1 {
			return v, fd, true
		}
		m = v.Message()
	}
	return protoreflect.Value{}, nil, false
}

// str reads a string field (scalars rendered as IAM reads them).
func (fp fieldPath) str(m protoreflect.Message) (string, bool) {
	if len(fp) == 0 {
		return "", false
	}
	v, fd, ok := fp.value(m)
	if !ok || fd.IsList() || fd.IsMap() {
		return "", false
	}
	return scalarText(v, fd), true
}

func scalarText(v protoreflect.Value, fd protoreflect.FieldDescriptor) string {
	switch fd.Kind() {
	case protoreflect.StringKind:
		return v.String()
	case protoreflect.BoolKind:
		return strconv.FormatBool(v.Bool())
	case protoreflect.Int32Kind, protoreflect.Int64Kind, protoreflect.Sint32Kind, protoreflect.Sint64Kind:
		return strconv.FormatInt(v.Int(), 10)
	case protoreflect.Uint32Kind, protoreflect.Uint64Kind:
		return strconv.FormatUint(v.Uint(), 10)
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		return strconv.FormatFloat(v.Float(), 'g', -1, 64)
	}
	return ""
}

// tags reads a tags member: a map of strings, or a list of structures with
// Key and Value members (IAM's and STS's Tag), or TagKey and TagValue
// (KMS's).
func (fp fieldPath) tags(m protoreflect.Message, fn func(k, v string)) {
	v, fd, ok := fp.value(m)
	if !ok {
		return
	}
	switch {
	case fd.IsMap():
		v.Map().Range(func(k protoreflect.MapKey, val protoreflect.Value) bool {
			fn(k.String(), val.String())
			return true
		})
	case fd.IsList() && fd.Kind() == protoreflect.MessageKind:
		l := v.List()
		kf, vf := tagFields(fd.Message())
		for i := 0; i < l.Len(); i++ {
			e := l.Get(i).Message()
			if kf == nil {
				continue
			}
			val := ""
			if vf != nil {
				val = e.Get(vf).String()
			}
			fn(e.Get(kf).String(), val)
		}
	case fd.IsList():
		l := v.List()
		for i := 0; i < l.Len(); i++ {
			fn(l.Get(i).String(), "")
		}
	}
}

func tagFields(md protoreflect.MessageDescriptor) (k, v protoreflect.FieldDescriptor) {
	fs := md.Fields()
	for i := 0; i < fs.Len(); i++ {
		f := fs.Get(i)
		switch strings.ToLower(string(f.Name())) {
		case "key", "tag_key": // KMS's Tag is TagKey/TagValue
			k = f
		case "value", "tag_value":
			v = f
		}
	}
	return k, v
}

// values reads a scalar or a list of scalars.
func (fp fieldPath) values(m protoreflect.Message) ([]string, bool) {
	v, fd, ok := fp.value(m)
	if !ok {
		return nil, false
	}
	if fd.IsMap() {
		return nil, false
	}
	if !fd.IsList() {
		return []string{scalarText(v, fd)}, true
	}
	l := v.List()
	out := make([]string, 0, l.Len())
	for i := 0; i < l.Len(); i++ {
		out = append(out, scalarText(l.Get(i), fd))
	}
	return out, true
}
