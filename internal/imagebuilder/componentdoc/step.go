package componentdoc

import (
	"fmt"
	"regexp"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// stepNamePattern is the rule behind AWS's "Invalid step name" message.
var stepNamePattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9A-Za-z_-]+$`) })

var onFailureValues = []string{"Abort", "Continue", "Ignore"}

// stepError builds AWSTOE's "Parsing step 'S' in phase 'P' failed. Error: ..."
func stepError(phase, step string, line int, format string, args ...any) *ValidationError {
	return &ValidationError{Phase: phase, Step: step, Line: line, Detail: fmt.Sprintf(
		"Parsing step '%s' in phase '%s' failed. Error: %s", step, phase, fmt.Sprintf(format, args...))}
}

func (v *validator) step(phase string, index int, item *yaml.Node) (Step, error) {
	f, ok := mappingFields(item)
	if !ok {
		return Step{}, &ValidationError{Phase: phase, Line: item.Line, Detail: fmt.Sprintf(
			"Parsing step at index %d in phase '%s' failed. Error: a step must be a mapping (line %d).", index, phase, item.Line)}
	}
	name, ok := scalarText(f.get("name"))
	if !ok || !stepNamePattern().MatchString(name) {
		if !ok {
			name = ""
		}
		return Step{}, &ValidationError{Phase: phase, Step: name, Line: f.line("name"), Detail: fmt.Sprintf(
			"Invalid step name '%s' in phase '%s'. Allowed characters are combinations of numbers [0-9], "+
				"english letters [a-z,A-Z] and special characters [-_].", name, phase)}
	}
	fail := func(key, format string, args ...any) error {
		return stepError(phase, name, f.line(key), format, args...)
	}
	s := Step{Name: name, OnFailure: DefaultOnFailure, TimeoutSeconds: DefaultTimeoutSeconds, MaxAttempts: DefaultMaxAttempts}

	action, ok := scalarText(f.get("action"))
	if !ok {
		return Step{}, fail("action", "'action' must be a string (line %d).", f.line("action"))
	}
	if action == "" {
		return Step{}, fail("action", "Step has no action; it requires an 'action'.")
	}
	spec, known := actions[action]
	if !known || !ActionSupported(action, v.platform) {
		if v.platform == "" {
			return Step{}, fail("action", "Unsupported action %s.", action)
		}
		return Step{}, fail("action", "Unsupported action %s for os platform %s.", action, v.platform)
	}
	s.Action = action

	if err := s.readRunPolicy(f, spec, fail); err != nil {
		return Step{}, err
	}

	inputs := f.get("inputs")
	switch {
	case isNull(inputs) || isEmptyCollection(inputs):
		if !spec.inputsOptional {
			return Step{}, fail("inputs", "Action %s has no inputs; it requires an 'inputs'", action)
		}
	case isScalar(inputs):
		return Step{}, fail("inputs", "'inputs' must be a mapping or a list (line %d).", f.line("inputs"))
	default:
		s.HasInputs = true
	}

	if loop := f.get("loop"); !isNull(loop) {
		l, err := readLoop(loop)
		if err != nil {
			return Step{}, fail("loop", "%s (line %d)", err.Error(), f.line("loop"))
		}
		s.Loop = l
	}
	if cond := f.get("if"); !isNull(cond) {
		if err := checkCondition(cond); err != nil {
			return Step{}, fail("if", "%s (line %d)", err.Error(), f.line("if"))
		}
		s.HasCondition = true
	}
	return s, nil
}

// readRunPolicy reads onFailure, timeoutSeconds and maxAttempts.
func (s *Step) readRunPolicy(f *fields, spec actionSpec, fail func(string, string, ...any) error) error {
	if node := f.get("onFailure"); !isNull(node) {
		text, _ := scalarText(node)
		i := indexFold(onFailureValues, text)
		if i < 0 {
			return fail("onFailure", "Invalid onFailure value '%s'. Supported values include: %s.",
				text, strings.Join(onFailureValues, ", "))
		}
		s.OnFailure = onFailureValues[i]
	}
	if spec.fixedRunPolicy {
		s.TimeoutSeconds = -1
	}
	if node := f.get("timeoutSeconds"); !isNull(node) {
		n, ok := integer(node)
		if !ok {
			text, _ := scalarText(node)
			return fail("timeoutSeconds", "Invalid timeoutSeconds value '%s'. It must be an integer.", text)
		}
		if n == 0 || n < -1 {
			return fail("timeoutSeconds", "Invalid timeoutSeconds value '%d'. It must be a positive integer, or -1 for no timeout.", n)
		}
		if spec.fixedRunPolicy && n != -1 {
			return fail("timeoutSeconds", "Action %s runs without a timeout; timeoutSeconds must be -1 or omitted.", s.Action)
		}
		s.TimeoutSeconds = int(min(n, int64(1<<31-1)))
	}
	if node := f.get("maxAttempts"); !isNull(node) {
		n, ok := integer(node)
		if !ok {
			text, _ := scalarText(node)
			return fail("maxAttempts", "Invalid maxAttempts value '%s'. It must be an integer.", text)
		}
		if n < 1 {
			return fail("maxAttempts", "Invalid maxAttempts value '%d'. It must be a positive integer.", n)
		}
		if spec.fixedRunPolicy && n != 1 {
			return fail("maxAttempts", "Action %s runs once; maxAttempts must be 1 or omitted.", s.Action)
		}
		s.MaxAttempts = int(min(n, int64(1<<31-1)))
	}
	return nil
}

func indexFold(values []string, s string) int {
	for i, v := range values {
		if strings.EqualFold(v, s) {
			return i
		}
	}
	return -1
}
