package componentdoc

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// supportedSchemaVersion is the only schemaVersion AWSTOE accepts.
const supportedSchemaVersion = "1.0"

// validator turns a checked YAML tree into a Document, stopping at the first
// problem as AWS does.
type validator struct {
	// platform is lower-case, or empty for any platform.
	platform string
	// variables maps each declared parameter or constant name to its kind.
	variables map[string]string
}

func (v *validator) document(root *yaml.Node) (*Document, error) {
	top, ok := mappingFields(root)
	if !ok {
		return nil, &ValidationError{Line: root.Line, Detail: fmt.Sprintf(
			"The document must be a YAML mapping with schemaVersion and phases (line %d).", root.Line)}
	}
	doc := &Document{}
	var err error
	if doc.SchemaVersion, err = schemaVersion(top); err != nil {
		return nil, err
	}
	if doc.Name, err = topLevelString(top, "name"); err != nil {
		return nil, err
	}
	if doc.Description, err = topLevelString(top, "description"); err != nil {
		return nil, err
	}
	v.variables = map[string]string{}
	if doc.Parameters, err = v.parameters(top.get("parameters")); err != nil {
		return nil, err
	}
	if doc.Constants, err = v.constants(top.get("constants")); err != nil {
		return nil, err
	}
	if doc.Phases, err = v.phases(top); err != nil {
		return nil, err
	}
	return doc, nil
}

func schemaVersion(top *fields) (string, error) {
	text, ok := scalarText(top.get("schemaVersion"))
	if !ok || text != supportedSchemaVersion {
		return "", &ValidationError{Line: top.line("schemaVersion"), Detail: fmt.Sprintf(
			"Invalid schema version. Supported versions include: %s.", supportedSchemaVersion)}
	}
	return text, nil
}

func topLevelString(top *fields, key string) (string, error) {
	text, ok := scalarText(top.get(key))
	if !ok {
		return "", &ValidationError{Line: top.line(key), Detail: fmt.Sprintf(
			"Invalid document %s at line %d: it must be a string.", key, top.line(key))}
	}
	return text, nil
}

func (v *validator) phases(top *fields) ([]Phase, error) {
	node := resolve(top.get("phases"))
	if isNull(node) {
		return nil, &ValidationError{Line: top.line("phases"), Detail: "The document has no phases; it requires a 'phases' list."}
	}
	if node.Kind != yaml.SequenceNode {
		return nil, &ValidationError{Line: node.Line, Detail: fmt.Sprintf(
			"Invalid phases at line %d: 'phases' must be a list of phases.", node.Line)}
	}
	phases := make([]Phase, 0, len(node.Content))
	seen := map[string]bool{}
	for i, item := range node.Content {
		p, err := v.phase(i, item)
		if err != nil {
			return nil, err
		}
		if seen[p.Name] {
			return nil, &ValidationError{Phase: p.Name, Line: item.Line, Detail: fmt.Sprintf(
				"Duplicate phase name '%s'. Each phase name must be unique within a document.", p.Name)}
		}
		seen[p.Name] = true
		phases = append(phases, p)
	}
	if !seen[PhaseBuild] && !seen[PhaseValidate] && !seen[PhaseTest] && !seen[PhaseContainerHostTest] {
		return nil, &ValidationError{Line: node.Line, Detail: "The document must contain at least one of the following phases: build, validate, test."}
	}
	return phases, nil
}

func (v *validator) phase(index int, item *yaml.Node) (Phase, error) {
	f, ok := mappingFields(item)
	if !ok {
		return Phase{}, &ValidationError{Line: item.Line, Detail: fmt.Sprintf(
			"Parsing phase at index %d failed. Error: a phase must be a mapping with 'name' and 'steps' (line %d).", index, item.Line)}
	}
	name, ok := scalarText(f.get("name"))
	if !ok || name == "" {
		return Phase{}, &ValidationError{Line: f.line("name"), Detail: fmt.Sprintf(
			"Parsing phase at index %d failed. Error: Phase has no name; it requires a 'name' (line %d).", index, f.line("name"))}
	}
	phaseErr := func(line int, format string, args ...any) error {
		return &ValidationError{Phase: name, Line: line, Detail: fmt.Sprintf(
			"Parsing phase '%s' failed. Error: ", name) + fmt.Sprintf(format, args...)}
	}
	steps := resolve(f.get("steps"))
	if isNull(steps) {
		return Phase{}, phaseErr(f.line("steps"), "Phase has no steps; it requires a 'steps' list.")
	}
	if steps.Kind != yaml.SequenceNode {
		return Phase{}, phaseErr(steps.Line, "'steps' must be a list of steps (line %d).", steps.Line)
	}
	p := Phase{Name: name, Steps: make([]Step, 0, len(steps.Content))}
	stepNames := map[string]bool{}
	loopNames := map[string]bool{}
	for i, item := range steps.Content {
		s, err := v.step(name, i, item)
		if err != nil {
			return Phase{}, err
		}
		if stepNames[s.Name] {
			return Phase{}, &ValidationError{Phase: name, Step: s.Name, Line: item.Line, Detail: fmt.Sprintf(
				"Duplicate step name '%s' in phase '%s'. Step names must be unique within a phase.", s.Name, name)}
		}
		stepNames[s.Name] = true
		if s.Loop != nil && s.Loop.Name != "" {
			if loopNames[s.Loop.Name] {
				return Phase{}, &ValidationError{Phase: name, Step: s.Name, Line: item.Line, Detail: fmt.Sprintf(
					"Duplicate loop name '%s' in phase '%s'. Loop names must be unique within a phase.", s.Loop.Name, name)}
			}
			loopNames[s.Loop.Name] = true
		}
		p.Steps = append(p.Steps, s)
	}
	return p, nil
}
