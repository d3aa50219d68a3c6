package componentdoc

import (
	"errors"

	"go.yaml.in/yaml/v3"
)

// attributeToStep names the phase and step that contain the line of a
// tree-level error, so the message says where the problem is the way step
// errors do. It is best effort: outside a step the error is returned as is.
func attributeToStep(root *yaml.Node, err error) error {
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Line == 0 {
		return err
	}
	phase, step, ok := stepAtLine(root, ve.Line)
	if !ok {
		return err
	}
	located := stepError(phase, step, ve.Line, "%s", ve.Detail)
	return located
}

// stepAtLine finds the step whose text spans line: a step runs from its own
// line up to the line before the next step or phase.
func stepAtLine(root *yaml.Node, line int) (phase, step string, ok bool) {
	top, isMap := mappingFields(root)
	if !isMap {
		return "", "", false
	}
	phases := resolve(top.get("phases"))
	if phases == nil || phases.Kind != yaml.SequenceNode {
		return "", "", false
	}
	for pi, p := range phases.Content {
		pf, isMap := mappingFields(p)
		if !isMap {
			continue
		}
		steps := resolve(pf.get("steps"))
		if steps == nil || steps.Kind != yaml.SequenceNode {
			continue
		}
		phaseEnd := int(^uint(0) >> 1)
		if pi+1 < len(phases.Content) {
			phaseEnd = phases.Content[pi+1].Line - 1
		}
		for si, s := range steps.Content {
			end := phaseEnd
			if si+1 < len(steps.Content) {
				end = steps.Content[si+1].Line - 1
			}
			if line < s.Line || line > end {
				continue
			}
			sf, isMap := mappingFields(s)
			if !isMap {
				return "", "", false
			}
			pn, _ := scalarText(pf.get("name"))
			sn, _ := scalarText(sf.get("name"))
			return pn, sn, true
		}
	}
	return "", "", false
}
