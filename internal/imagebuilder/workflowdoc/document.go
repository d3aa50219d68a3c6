// Package workflowdoc validates Image Builder workflow documents, the YAML
// CreateWorkflow accepts in its data member (or reads from S3 through its
// uri).
//
// The schema is the one the Image Builder User Guide describes under
// "Create a YAML workflow document" and "Supported step actions for your
// workflow document": a name and description, schemaVersion 1.0, typed
// parameters with defaults, steps (name, action, description, onFailure
// Abort or Continue, rollbackEnabled, timeoutSeconds, an if condition and
// inputs) and outputs (name and value). References to $.parameters.NAME
// must name a declared parameter and $.stepOutputs.STEP an earlier step.
//
// As with component documents, where the documentation does not establish a
// rule the validator accepts: a false rejection blocks a real workflow, a
// false acceptance only surfaces when a build runs. The text checks (length,
// NUL, YAML syntax, duplicate keys, nesting and alias bounds) are
// componentdoc's.
package workflowdoc

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/ibemu/ibemu/internal/imagebuilder/componentdoc"
)

// ValidationError is the error of an invalid document; its AWSError is the
// InvalidParameterValueException CreateWorkflow answers.
type ValidationError = componentdoc.ValidationError

// Workflow types, as CreateWorkflow's type member names them.
const (
	TypeBuild        = "BUILD"
	TypeTest         = "TEST"
	TypeDistribution = "DISTRIBUTION"
)

// Parameter is a declared workflow parameter.
type Parameter struct {
	Name, Type, Description string
	// Default is the default value rendered as strings (one per item for a
	// stringList); nil when the parameter has none.
	Default []string
}

// Step is one step of the document.
type Step struct {
	Name, Action, OnFailure string
	RollbackEnabled         bool
	TimeoutSeconds          int
}

// Document is a validated workflow document.
type Document struct {
	Name, Description string
	Parameters        []Parameter
	Steps             []Step
	Outputs           []string
}

// actions are the step actions of the user guide, each with the inputs it
// requires and the workflow types it may appear in (nil: every type).
var actions = map[string]struct {
	required []string
	types    []string
}{
	"ApplyImageConfigurations":      {types: []string{TypeDistribution}},
	"BootstrapInstanceForContainer": {required: []string{"instanceId"}},
	"CollectImageMetadata":          {required: []string{"instanceId"}, types: []string{TypeBuild}},
	"CollectImageScanFindings":      {},
	"CreateImage":                   {required: []string{"instanceId"}},
	"DistributeImage":               {types: []string{TypeDistribution}},
	"ExecuteComponents":             {required: []string{"instanceId"}},
	"ExecuteStateMachine":           {required: []string{"stateMachineArn"}},
	"LaunchInstance":                {},
	"ModifyImageAttributes":         {},
	"RegisterImage":                 {},
	"RunCommand":                    {required: []string{"documentName", "instanceId"}},
	"RunSysPrep":                    {required: []string{"instanceId"}},
	"SanitizeInstance":              {required: []string{"instanceId"}},
	"TerminateInstance":             {required: []string{"instanceId"}},
	"WaitForAction":                 {},
	"WaitForSSMAgent":               {required: []string{"instanceId"}},
}

// Actions lists the supported step actions, sorted.
func Actions() []string {
	out := make([]string, 0, len(actions))
	for a := range actions {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

var (
	topKeys       = []string{"name", "description", "schemaVersion", "parameters", "steps", "outputs"}
	stepKeys      = []string{"name", "action", "description", "onFailure", "rollbackEnabled", "timeoutSeconds", "if", "inputs"}
	paramKeys     = []string{"name", "type", "default", "description"}
	outputKeys    = []string{"name", "value"}
	paramTypes    = []string{"string", "integer", "boolean", "stringList"}
	stepName      = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$`) })
	refParameter  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\$\.parameters\.([A-Za-z0-9_-]+)`) })
	refStepOutput = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\$\.stepOutputs\.([A-Za-z0-9_-]+)`) })
	comparisons   = []string{"booleanEquals", "numberEquals", "numberGreaterThan", "numberGreaterThanEquals", "numberLessThan", "numberLessThanEquals", "stringEquals"}
)

// maxTimeoutSeconds bounds timeoutSeconds: no step action allows more than
// 12 hours (the longest maximum timeout the user guide lists).
const maxTimeoutSeconds = 43200

func invalid(format string, args ...any) error {
	return &ValidationError{Detail: fmt.Sprintf(format, args...)}
}

// Parse validates data as a workflow document of the given type (BUILD,
// TEST or DISTRIBUTION).
func Parse(data, typ string) (*Document, error) {
	return ParseFrom(data, typ, componentdoc.Inline)
}

// ParseFrom is Parse for a document from src: one read from S3
// (componentdoc.URI) has the longer limit and errors naming 'uri'.
func ParseFrom(data, typ string, src componentdoc.Source) (*Document, error) {
	doc, err := parse(data, typ, src)
	return doc, componentdoc.FromSource(err, src)
}

func parse(data, typ string, src componentdoc.Source) (*Document, error) {
	root, err := componentdoc.LoadTreeFrom(data, src)
	if err != nil {
		return nil, err
	}
	var raw any
	if err := root.Decode(&raw); err != nil {
		return nil, invalid("Unable to parse the document as YAML. Error: %v", err)
	}
	top, ok := raw.(map[string]any)
	if !ok {
		return nil, invalid("The workflow document must be a YAML mapping with schemaVersion and steps.")
	}
	if err := onlyKeys(top, topKeys, "the workflow document"); err != nil {
		return nil, err
	}
	doc := &Document{}
	if doc.Name, err = optString(top, "name", "the workflow document"); err != nil {
		return nil, err
	}
	if doc.Description, err = optString(top, "description", "the workflow document"); err != nil {
		return nil, err
	}
	switch v := top["schemaVersion"].(type) {
	case nil:
		return nil, invalid("The workflow document is missing schemaVersion; the supported version is 1.0.")
	case float64:
		if v != 1.0 {
			return nil, invalid("The schemaVersion %v is not supported; the supported version is 1.0.", v)
		}
	case string:
		if v != "1.0" {
			return nil, invalid("The schemaVersion %q is not supported; the supported version is 1.0.", v)
		}
	default:
		return nil, invalid("The schemaVersion %v is not supported; the supported version is 1.0.", v)
	}
	params := map[string]string{}
	if doc.Parameters, err = parameters(top["parameters"], params); err != nil {
		return nil, err
	}
	if doc.Steps, err = steps(top["steps"], typ, params); err != nil {
		return nil, err
	}
	stepNames := map[string]bool{}
	for _, s := range doc.Steps {
		stepNames[s.Name] = true
	}
	if doc.Outputs, err = outputs(top["outputs"], params, stepNames); err != nil {
		return nil, err
	}
	return doc, nil
}

func parameters(v any, declared map[string]string) ([]Parameter, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, invalid("The parameters of the workflow document must be a list.")
	}
	var out []Parameter
	for i, item := range list {
		m, ok := item.(map[string]any)
		where := fmt.Sprintf("parameter %d", i+1)
		if !ok {
			return nil, invalid("The %s of the workflow document must be a mapping with name and type.", where)
		}
		if err := onlyKeys(m, paramKeys, where); err != nil {
			return nil, err
		}
		name, err := reqString(m, "name", where)
		if err != nil {
			return nil, err
		}
		where = fmt.Sprintf("parameter '%s'", name)
		if _, dup := declared[name]; dup {
			return nil, invalid("The parameter name '%s' is declared more than once.", name)
		}
		typ, err := reqString(m, "type", where)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(paramTypes, typ) {
			return nil, invalid("The type '%s' of parameter '%s' is not valid; use one of: %s.", typ, name, strings.Join(paramTypes, ", "))
		}
		p := Parameter{Name: name, Type: typ}
		if p.Description, err = optString(m, "description", where); err != nil {
			return nil, err
		}
		if d, has := m["default"]; has && d != nil {
			if p.Default, err = defaultValue(d, typ, name); err != nil {
				return nil, err
			}
		}
		declared[name] = typ
		out = append(out, p)
	}
	return out, nil
}

// defaultValue checks a default against its parameter's type.
func defaultValue(d any, typ, name string) ([]string, error) {
	bad := func() ([]string, error) {
		return nil, invalid("The default value of parameter '%s' is not a valid %s.", name, typ)
	}
	switch typ {
	case "string":
		if s, ok := d.(string); ok {
			return []string{s}, nil
		}
	case "integer":
		switch n := d.(type) {
		case int:
			return []string{strconv.Itoa(n)}, nil
		case string:
			if _, err := strconv.ParseInt(n, 10, 64); err == nil {
				return []string{n}, nil
			}
		}
	case "boolean":
		if b, ok := d.(bool); ok {
			return []string{strconv.FormatBool(b)}, nil
		}
	case "stringList":
		list, ok := d.([]any)
		if !ok {
			return bad()
		}
		out := []string{}
		for _, item := range list {
			s, ok := item.(string)
			if !ok {
				return bad()
			}
			out = append(out, s)
		}
		return out, nil
	}
	return bad()
}

func steps(v any, typ string, params map[string]string) ([]Step, error) {
	list, ok := v.([]any)
	if v == nil || (ok && len(list) == 0) {
		return nil, invalid("The workflow document must have at least one step.")
	}
	if !ok {
		return nil, invalid("The steps of the workflow document must be a list.")
	}
	var out []Step
	seen := map[string]bool{}
	for i, item := range list {
		m, ok := item.(map[string]any)
		where := fmt.Sprintf("step %d", i+1)
		if !ok {
			return nil, invalid("The %s of the workflow document must be a mapping with name and action.", where)
		}
		name, err := reqString(m, "name", where)
		if err != nil {
			return nil, err
		}
		if !stepName().MatchString(name) {
			return nil, invalid("Invalid step name '%s': a step name has 1 to 128 letters, digits, hyphens and underscores, and starts with a letter or digit.", name)
		}
		if seen[name] {
			return nil, invalid("The step name '%s' is used more than once; step names must be unique.", name)
		}
		where = fmt.Sprintf("step '%s'", name)
		if err := onlyKeys(m, stepKeys, where); err != nil {
			return nil, err
		}
		action, err := reqString(m, "action", where)
		if err != nil {
			return nil, err
		}
		spec, known := actions[action]
		if !known {
			return nil, invalid("The action '%s' of step '%s' is not a supported step action; use one of: %s.", action, name, strings.Join(Actions(), ", "))
		}
		if spec.types != nil && typ != "" && !slices.Contains(spec.types, typ) {
			return nil, invalid("The action '%s' of step '%s' is not valid in a %s workflow; it is valid in %s workflows only.", action, name, typ, strings.Join(spec.types, ", "))
		}
		s := Step{Name: name, Action: action, OnFailure: "Abort", RollbackEnabled: true}
		if _, err := optString(m, "description", where); err != nil {
			return nil, err
		}
		if of, has := m["onFailure"]; has {
			if of != "Abort" && of != "Continue" {
				return nil, invalid("The onFailure value %v of step '%s' is not valid; use Abort or Continue.", of, name)
			}
			s.OnFailure = of.(string)
		}
		if rb, has := m["rollbackEnabled"]; has {
			b, ok := rb.(bool)
			if !ok {
				return nil, invalid("The rollbackEnabled value %v of step '%s' is not valid; use true or false.", rb, name)
			}
			s.RollbackEnabled = b
		}
		if ts, has := m["timeoutSeconds"]; has {
			n, ok := ts.(int)
			if !ok || n < 1 || n > maxTimeoutSeconds {
				return nil, invalid("The timeoutSeconds value %v of step '%s' is not valid; use an integer from 1 to %d.", ts, name, maxTimeoutSeconds)
			}
			s.TimeoutSeconds = n
		}
		if cond, has := m["if"]; has {
			if err := condition(cond, name, 0); err != nil {
				return nil, err
			}
		}
		inputs := map[string]any{}
		if in, has := m["inputs"]; has && in != nil {
			if inputs, ok = in.(map[string]any); !ok {
				return nil, invalid("The inputs of step '%s' must be a mapping.", name)
			}
		}
		for _, req := range spec.required {
			if inputs[req] == nil && inputs[req+".$"] == nil {
				return nil, invalid("The step '%s' is missing the required input '%s' of action %s.", name, req, action)
			}
		}
		if err := references(m, where, params, seen); err != nil {
			return nil, err
		}
		seen[name] = true
		out = append(out, s)
	}
	return out, nil
}

// condition checks an if condition: one of and/or (a list of conditions),
// not (a condition), or a comparison operator with the value it compares.
func condition(v any, step string, depth int) error {
	bad := func(why string) error {
		return invalid("The if condition of step '%s' is not valid: %s", step, why)
	}
	if depth > 16 {
		return bad("conditions nest too deeply.")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return bad("a condition is a mapping.")
	}
	for _, op := range []string{"and", "or"} {
		if sub, has := m[op]; has {
			list, ok := sub.([]any)
			if !ok || len(list) == 0 || len(m) != 1 {
				return bad(fmt.Sprintf("'%s' takes a non-empty list of conditions and nothing else.", op))
			}
			for _, c := range list {
				if err := condition(c, step, depth+1); err != nil {
					return err
				}
			}
			return nil
		}
	}
	if sub, has := m["not"]; has {
		if len(m) != 1 {
			return bad("'not' takes one condition and nothing else.")
		}
		return condition(sub, step, depth+1)
	}
	var ops []string
	for k := range m {
		if slices.Contains(comparisons, k) {
			ops = append(ops, k)
		} else if k != "value" {
			return bad(fmt.Sprintf("'%s' is not a condition operator; use and, or, not or one of %s.", k, strings.Join(comparisons, ", ")))
		}
	}
	if len(ops) != 1 {
		return bad(fmt.Sprintf("a comparison has exactly one operator (%s) and a value.", strings.Join(comparisons, ", ")))
	}
	if _, has := m["value"]; !has {
		return bad(fmt.Sprintf("the comparison %s needs a value to compare.", ops[0]))
	}
	return nil
}

// references checks $.parameters and $.stepOutputs references in a step or
// output: parameters must be declared, step outputs must come from an
// earlier step (steps holds those).
func references(v any, where string, params map[string]string, steps map[string]bool) error {
	switch t := v.(type) {
	case string:
		for _, m := range refParameter().FindAllStringSubmatch(t, -1) {
			if _, ok := params[m[1]]; !ok {
				return invalid("The %s refers to the parameter '%s', which the workflow document does not declare.", where, m[1])
			}
		}
		for _, m := range refStepOutput().FindAllStringSubmatch(t, -1) {
			if !steps[m[1]] {
				return invalid("The %s refers to the outputs of step '%s', which is not an earlier step of the workflow.", where, m[1])
			}
		}
	case []any:
		for _, item := range t {
			if err := references(item, where, params, steps); err != nil {
				return err
			}
		}
	case map[string]any:
		for _, item := range t {
			if err := references(item, where, params, steps); err != nil {
				return err
			}
		}
	}
	return nil
}

func outputs(v any, params map[string]string, steps map[string]bool) ([]string, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, invalid("The outputs of the workflow document must be a list.")
	}
	var out []string
	for i, item := range list {
		m, ok := item.(map[string]any)
		where := fmt.Sprintf("output %d", i+1)
		if !ok {
			return nil, invalid("The %s of the workflow document must be a mapping with name and value.", where)
		}
		if err := onlyKeys(m, outputKeys, where); err != nil {
			return nil, err
		}
		name, err := reqString(m, "name", where)
		if err != nil {
			return nil, err
		}
		if slices.Contains(out, name) {
			return nil, invalid("The output name '%s' is used more than once.", name)
		}
		where = fmt.Sprintf("output '%s'", name)
		if _, err := reqString(m, "value", where); err != nil {
			return nil, err
		}
		if err := references(m["value"], where, params, steps); err != nil {
			return nil, err
		}
		out = append(out, name)
	}
	return out, nil
}

func onlyKeys(m map[string]any, allowed []string, where string) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !slices.Contains(allowed, k) {
			return invalid("Unknown property '%s' in %s; the supported properties are: %s.", k, where, strings.Join(allowed, ", "))
		}
	}
	return nil
}

func reqString(m map[string]any, key, where string) (string, error) {
	v, has := m[key]
	if !has || v == nil {
		return "", invalid("The %s is missing the required property '%s'.", where, key)
	}
	s, ok := v.(string)
	if !ok || s == "" {
		return "", invalid("The property '%s' of %s must be a non-empty string.", key, where)
	}
	return s, nil
}

func optString(m map[string]any, key, where string) (string, error) {
	v, has := m[key]
	if !has || v == nil {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", invalid("The property '%s' of %s must be a string.", key, where)
	}
	return s, nil
}
