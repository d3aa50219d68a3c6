package componentdoc

import (
	"fmt"
	"regexp"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// variableNamePattern is AWSTOE's rule for parameter and constant names:
// 3 to 128 characters out of a-z, A-Z, 0-9, dash and underscore.
var variableNamePattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_-]{3,128}$`) })

// variableType is the only type AWSTOE supports for parameters and constants.
const variableType = "string"

const (
	kindParameter = "parameter"
	kindConstant  = "constant"
)

// declaration is one "- name: {definition}" entry of parameters or constants.
type declaration struct {
	name string
	def  *fields
	line int
}

// declarations reads a parameters or constants list, enforcing the naming
// rules both share and uniqueness across the two.
func (v *validator) declarations(section, kind string, node *yaml.Node) ([]declaration, error) {
	if isNull(node) {
		return nil, nil
	}
	list := resolve(node)
	if list.Kind != yaml.SequenceNode {
		return nil, &ValidationError{Line: list.Line, Detail: fmt.Sprintf(
			"Invalid %s at line %d: '%s' must be a list.", section, list.Line, section)}
	}
	out := make([]declaration, 0, len(list.Content))
	for i, item := range list.Content {
		entry := resolve(item)
		if entry.Kind != yaml.MappingNode || len(entry.Content) != 2 {
			return nil, &ValidationError{Line: item.Line, Detail: fmt.Sprintf(
				"Invalid %s declaration at index %d (line %d): each entry must map one %s name to its definition.",
				kind, i, item.Line, kind)}
		}
		key := resolve(entry.Content[0])
		if key.ShortTag() != "!!str" {
			return nil, &ValidationError{Line: key.Line, Detail: fmt.Sprintf(
				"Invalid %s name '%s' (line %d): the name must be specified as a YAML string.", kind, key.Value, key.Line)}
		}
		name := key.Value
		if !variableNamePattern().MatchString(name) {
			return nil, &ValidationError{Line: key.Line, Detail: fmt.Sprintf(
				"Invalid %s name '%s'. The name must be between 3 and 128 characters long and contain only "+
					"alphanumeric characters (a-z, A-Z, 0-9), dashes (-), or underscores (_).", kind, name)}
		}
		if prior, dup := v.variables[name]; dup {
			return nil, &ValidationError{Line: key.Line, Detail: fmt.Sprintf(
				"Duplicate variable name '%s': it is already declared as a %s. Parameter and constant names "+
					"must be unique within a document.", name, prior)}
		}
		v.variables[name] = kind
		def, ok := mappingFields(entry.Content[1])
		if !ok {
			return nil, &ValidationError{Line: key.Line, Detail: fmt.Sprintf(
				"Invalid definition for %s '%s' (line %d): it must be a mapping with a 'type'.", kind, name, key.Line)}
		}
		typ, _ := scalarText(def.get("type"))
		if !def.has("type") || !strings.EqualFold(typ, variableType) {
			return nil, &ValidationError{Line: def.line("type"), Detail: fmt.Sprintf(
				"Invalid type '%s' for %s '%s'. Supported types include: %s.", typ, kind, name, variableType)}
		}
		out = append(out, declaration{name: name, def: def, line: key.Line})
	}
	return out, nil
}

func (v *validator) parameters(node *yaml.Node) ([]Parameter, error) {
	decls, err := v.declarations("parameters", kindParameter, node)
	if err != nil || len(decls) == 0 {
		return nil, err
	}
	params := make([]Parameter, 0, len(decls))
	for _, d := range decls {
		typ, _ := scalarText(d.def.get("type"))
		p := Parameter{Name: d.name, Type: typ}
		if def := d.def.get("default"); !isNull(def) {
			text, ok := scalarText(def)
			if !ok {
				return nil, &ValidationError{Line: def.Line, Detail: fmt.Sprintf(
					"Invalid default for parameter '%s' (line %d): the default must be a string.", d.name, def.Line)}
			}
			p.DefaultValue = []string{text}
		}
		if desc := d.def.get("description"); !isNull(desc) {
			text, ok := scalarText(desc)
			if !ok {
				return nil, &ValidationError{Line: desc.Line, Detail: fmt.Sprintf(
					"Invalid description for parameter '%s' (line %d): it must be a string.", d.name, desc.Line)}
			}
			p.Description = text
		}
		params = append(params, p)
	}
	return params, nil
}

func (v *validator) constants(node *yaml.Node) ([]Constant, error) {
	decls, err := v.declarations("constants", kindConstant, node)
	if err != nil || len(decls) == 0 {
		return nil, err
	}
	consts := make([]Constant, 0, len(decls))
	for _, d := range decls {
		typ, _ := scalarText(d.def.get("type"))
		value := d.def.get("value")
		if isNull(value) {
			return nil, &ValidationError{Line: d.line, Detail: fmt.Sprintf(
				"Constant '%s' has no value; it requires a 'value' (line %d).", d.name, d.line)}
		}
		text, ok := scalarText(value)
		if !ok {
			return nil, &ValidationError{Line: value.Line, Detail: fmt.Sprintf(
				"Invalid value for constant '%s' (line %d): the value must be a string.", d.name, value.Line)}
		}
		consts = append(consts, Constant{Name: d.name, Type: typ, Value: text})
	}
	return consts, nil
}
