package query

import (
	"net/url"
	"slices"
	"strings"
	"sync"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/ibemu/ibemu/internal/apimodel"
	"github.com/ibemu/ibemu/internal/awserr"
)

// Limits on untrusted input.
const (
	// MaxParams is the most parameters (name=value pairs) a request may have.
	MaxParams = 10000
	// MaxListIndex is the largest N accepted in Name.member.N and
	// Name.entry.N. Indexes may be sparse; nothing is sized by them.
	MaxListIndex = 10000
	// maxPathSteps bounds the members and indexes one parameter name may
	// walk through, and with it the decoder's recursion depth.
	maxPathSteps = 64
)

// A parameter name is parsed into a path of steps against the shapes:
// a member's position in its structure, a list index, or a map entry index
// followed by mapKey or mapValue. Sorting parameters by their paths groups
// each structure, list element and map entry together and puts list
// elements in numeric index order, whatever order the request used.
const (
	mapKey   int32 = 0
	mapValue int32 = 1
)

// param is one name=value pair whose name resolved to a member.
type param struct {
	name  string
	value string
	off   int32 // path: decoder.steps[off : off+n]
	n     int32
}

type decoder struct {
	steps []int32
	// ends[i] is where, in its parameter's name, the text of steps[i]
	// ends: error messages name a part of a parameter with it.
	ends   []int32
	params []param

	// The failure of the smallest parameter name, so that a request with
	// several bad parameters always gets the same answer.
	err     *awserr.Error
	errName string
}

var decoderPool = sync.Pool{New: func() any { return new(decoder) }}

// DecodeInput decodes the request parameters into msg, which must be the
// generated input message of op. Parameters that name no member (Action,
// Version, X-Amz-* signing parameters, anything unknown) are ignored, as AWS
// ignores them. Constraint checks (required members, lengths, patterns,
// enums) are not made here; see apimodel.Validate.
func DecodeInput(op *apimodel.Operation, params url.Values, msg proto.Message) *awserr.Error {
	in := op.Input
	m := msg.ProtoReflect()
	if in == nil || in.Message == nil || m.Descriptor() != in.Message {
		return internalf("%s: message %s does not match input shape", op.Name, m.Descriptor().FullName())
	}
	count := 0
	for _, vs := range params {
		count += len(vs)
	}
	if count > MaxParams {
		return tooManyParams(count)
	}

	d := decoderPool.Get().(*decoder)
	defer d.release()
	for name, values := range params {
		d.add(in, name, values)
	}
	if d.err != nil {
		return d.err
	}
	slices.SortFunc(d.params, d.compare)
	return d.structure(in, m, d.params, 0)
}

func (d *decoder) release() {
	// Keep the scratch space unless a huge request grew it.
	if cap(d.steps) > 1<<16 || cap(d.params) > 1<<12 {
		*d = decoder{}
	} else {
		clear(d.params)
		*d = decoder{steps: d.steps[:0], ends: d.ends[:0], params: d.params[:0]}
	}
	decoderPool.Put(d)
}

func (d *decoder) fail(name string, err *awserr.Error) {
	if d.err == nil || name < d.errName {
		d.err, d.errName = err, name
	}
}

// add parses one parameter name against the input shape and records its
// values. Names that do not resolve to a member are dropped.
func (d *decoder) add(in *apimodel.Shape, name string, values []string) {
	off := len(d.steps)
	sh := in // the shape the next name segment refers into
	rest := name
	more := true
	next := func() string {
		var seg string
		seg, rest, more = strings.Cut(rest, ".")
		return seg
	}
	push := func(steps ...int32) {
		end := int32(len(name) - len(rest))
		if more {
			end-- // the dot
		}
		for _, s := range steps {
			d.steps = append(d.steps, s)
			d.ends = append(d.ends, end)
		}
	}
	drop := func() {
		d.steps, d.ends = d.steps[:off], d.ends[:off]
	}
	for more {
		if len(d.steps)-off >= maxPathSteps {
			drop()
			d.fail(name, malformed("Parameter %s is nested too deeply.", echo(name)))
			return
		}
		seg := next()
		switch sh.Kind {
		case apimodel.Structure:
			i := memberIndex(sh, seg)
			if i < 0 {
				drop()
				return
			}
			push(int32(i))
			sh = sh.Members[i].Target
		case apimodel.List:
			if seg != "member" || !more || isContainer(sh.Elem) {
				drop()
				return
			}
			seg = next()
			idx, ok := parseIndex(seg)
			if !ok {
				drop()
				d.fail(name, badIndex(name, seg))
				return
			}
			push(idx)
			sh = sh.Elem
		case apimodel.Map:
			if seg != "entry" || !more || isContainer(sh.Elem) {
				drop()
				return
			}
			seg = next()
			idx, ok := parseIndex(seg)
			if !ok {
				drop()
				d.fail(name, badIndex(name, seg))
				return
			}
			if !more {
				drop()
				return
			}
			push(idx)
			switch next() {
			case "key":
				push(mapKey)
				sh = sh.Key
			case "value":
				push(mapValue)
				sh = sh.Elem
			default:
				drop()
				return
			}
		default: // a scalar has no parts
			drop()
			return
		}
	}
	n := int32(len(d.steps) - off)
	for _, v := range values {
		d.params = append(d.params, param{name: name, value: v, off: int32(off), n: n})
	}
}

// isContainer reports shapes a list or map element cannot be: protobuf has
// no repeated-of-repeated, so the generator never produces them.
func isContainer(sh *apimodel.Shape) bool {
	return sh.Kind == apimodel.List || sh.Kind == apimodel.Map
}

func memberIndex(sh *apimodel.Shape, name string) int {
	for i, m := range sh.Members {
		if m.Name == name {
			return i
		}
	}
	return -1
}

// parseIndex reads a 1-based list or map index.
func parseIndex(s string) (int32, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := int32(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int32(c-'0')
	}
	if n < 1 || n > MaxListIndex {
		return 0, false
	}
	return n, true
}

func (d *decoder) path(p *param) []int32 { return d.steps[p.off : p.off+p.n] }

// prefix returns the part of p's name that steps 0..i spell.
func (d *decoder) prefix(p *param, i int) string { return p.name[:d.ends[int(p.off)+i]] }

func (d *decoder) compare(a, b param) int {
	if c := slices.Compare(d.path(&a), d.path(&b)); c != 0 {
		return c
	}
	// Same member twice: order by name and value so that errors about it
	// do not depend on map iteration order.
	if c := strings.Compare(a.name, b.name); c != 0 {
		return c
	}
	return strings.Compare(a.value, b.value)
}

// step returns step i of p's path.
func (d *decoder) step(p *param, i int) int32 { return d.steps[int(p.off)+i] }

// group returns how many leading params share step i with ps[0].
func (d *decoder) group(ps []param, i int) int {
	s := d.step(&ps[0], i)
	n := 1
	for n < len(ps) && d.step(&ps[n], i) == s {
		n++
	}
	return n
}

// structure decodes ps, whose paths all continue at step depth into a member
// of sh, into m.
func (d *decoder) structure(sh *apimodel.Shape, m protoreflect.Message, ps []param, depth int) *awserr.Error {
	for len(ps) > 0 {
		n := d.group(ps, depth)
		mem := sh.Members[d.step(&ps[0], depth)]
		if err := d.member(mem, m, ps[:n], depth+1); err != nil {
			return err
		}
		ps = ps[n:]
	}
	return nil
}

// member decodes the params of one member; their paths end at depth or go
// on into the member's parts.
func (d *decoder) member(mem *apimodel.Member, m protoreflect.Message, ps []param, depth int) *awserr.Error {
	fd, t := mem.Field, mem.Target
	switch {
	case fd.IsList():
		ps, err := d.bare(ps, depth, t)
		if err != nil {
			return err
		}
		if len(ps) == 0 {
			return nil
		}
		return d.list(t, fd, m.Mutable(fd).List(), ps, depth)
	case fd.IsMap():
		ps, err := d.bare(ps, depth, t)
		if err != nil {
			return err
		}
		if len(ps) == 0 {
			return nil
		}
		return d.mapEntries(t, fd, m.Mutable(fd).Map(), ps, depth)
	case t.Kind == apimodel.Structure:
		ps, err := d.bare(ps, depth, t)
		if err != nil {
			return err
		}
		return d.structure(t, m.Mutable(fd).Message(), ps, depth)
	}
	if len(ps) > 1 {
		return duplicateParam(ps[0].name)
	}
	v, err := scalar(t, fd, &ps[0])
	if err != nil {
		return err
	}
	m.Set(fd, v)
	return nil
}

// bare consumes the params that name a list, map or structure (of shape
// sh) itself, as in "Tags=", rather than a part of it. The Query protocol
// sends an empty list that way; any other value is malformed. It returns
// the remaining params.
func (d *decoder) bare(ps []param, depth int, sh *apimodel.Shape) ([]param, *awserr.Error) {
	n := 0
	for n < len(ps) && int(ps[n].n) == depth { // shorter paths sort first
		n++
	}
	switch {
	case n > 1:
		return nil, duplicateParam(ps[0].name)
	case n == 1 && ps[0].value != "":
		name := echo(ps[0].name)
		switch sh.Kind {
		case apimodel.List:
			return nil, malformed("Parameter %s is a list: give its items as %s.member.N, or an empty value for an empty list.", name, name)
		case apimodel.Map:
			return nil, malformed("Parameter %s is a map: give its entries as %s.entry.N.key and %s.entry.N.value, or an empty value for an empty map.", name, name, name)
		}
		return nil, malformed("Parameter %s is a structure: give its members as %s.Name.", name, name)
	}
	return ps[n:], nil
}

// list appends the elements in ps, grouped by index at step depth, to l in
// index order.
func (d *decoder) list(t *apimodel.Shape, fd protoreflect.FieldDescriptor, l protoreflect.List, ps []param, depth int) *awserr.Error {
	elem := t.Elem
	for len(ps) > 0 {
		n := d.group(ps, depth)
		el := ps[:n]
		ps = ps[n:]
		if elem.Kind == apimodel.Structure {
			v := l.NewElement()
			rest, err := d.bare(el, depth+1, elem)
			if err != nil {
				return err
			}
			if err := d.structure(elem, v.Message(), rest, depth+1); err != nil {
				return err
			}
			l.Append(v)
			continue
		}
		if n > 1 {
			return duplicateParam(el[0].name)
		}
		v, err := scalar(elem, fd, &el[0])
		if err != nil {
			return err
		}
		l.Append(v)
	}
	return nil
}

// mapEntries sets the entries in ps, grouped by entry index at step depth,
// into mp. Each entry needs exactly one key and one value.
func (d *decoder) mapEntries(t *apimodel.Shape, fd protoreflect.FieldDescriptor, mp protoreflect.Map, ps []param, depth int) *awserr.Error {
	if fd.MapKey().Kind() != protoreflect.StringKind {
		return internalf("%s: map key kind %s", fd.FullName(), fd.MapKey().Kind())
	}
	vfd := fd.MapValue()
	for len(ps) > 0 {
		n := d.group(ps, depth)
		entry := ps[:n]
		ps = ps[n:]
		// Within an entry the key (step mapKey) sorts before the value.
		keys := 0
		for keys < len(entry) && d.step(&entry[keys], depth+1) == mapKey {
			keys++
		}
		values := entry[keys:]
		switch {
		case keys == 0:
			return malformed("Map entry %s has a value but no key.", echo(d.prefix(&entry[0], depth)))
		case keys > 1:
			return duplicateParam(entry[0].name)
		case len(values) == 0:
			return malformed("Map entry %s has a key but no value.", echo(d.prefix(&entry[0], depth)))
		}
		k := protoreflect.ValueOfString(entry[0].value).MapKey()
		if mp.Has(k) {
			return malformed("Parameter %s repeats the map key '%s'.", echo(entry[0].name), echo(entry[0].value))
		}
		if t.Elem.Kind == apimodel.Structure {
			v := mp.NewValue()
			rest, err := d.bare(values, depth+2, t.Elem)
			if err != nil {
				return err
			}
			if err := d.structure(t.Elem, v.Message(), rest, depth+2); err != nil {
				return err
			}
			mp.Set(k, v)
			continue
		}
		if len(values) > 1 {
			return duplicateParam(values[0].name)
		}
		v, err := scalar(t.Elem, vfd, &values[0])
		if err != nil {
			return err
		}
		mp.Set(k, v)
	}
	return nil
}
