package componentdoc

import (
	"errors"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxLogicalDepth is how deep and/or/not may nest in one conditional
// expression; AWSTOE fails validation beyond it.
const maxLogicalDepth = 4

var stepActions = []string{"Abort", "Execute", "Skip"}

// checkCondition validates a step's if construct. The comparison operators
// themselves are not checked: their full list is not established, and an
// unknown operator would only fail when the step is evaluated.
func checkCondition(node *yaml.Node) error {
	node = resolve(node)
	switch {
	case isScalar(node) || isEmptyCollection(node):
		return errors.New("'if' must contain a conditional expression")
	case node.Kind == yaml.SequenceNode:
		// The documented syntax also shows the expression as a list item;
		// its exact shape is unclear, so only non-empty mappings are required.
		for _, item := range node.Content {
			if f, ok := mappingFields(item); !ok || f.len() == 0 {
				return errors.New("'if' must contain a conditional expression")
			}
		}
		return nil
	}
	return checkExpression(node)
}

func checkExpression(node *yaml.Node) error {
	f, ok := mappingFields(node)
	if !ok {
		return errors.New("'if' must contain a conditional expression")
	}
	operators := 0
	for key := range f.values {
		switch key {
		case "then", "else":
			text, _ := scalarText(f.get(key))
			if indexFold(stepActions, text) < 0 {
				return fmt.Errorf("invalid '%s' step action '%s'; supported step actions: %s", key, text, strings.Join(stepActions, ", "))
			}
		case "value":
		default:
			operators++
		}
	}
	if operators == 0 {
		return errors.New("'if' must contain a conditional expression")
	}
	if depth, err := logicalDepth(f.node, 0); err != nil {
		return err
	} else if depth > maxLogicalDepth {
		return fmt.Errorf("conditional expressions support at most %d levels of nested logical operators (and, or, not)", maxLogicalDepth)
	}
	return nil
}

// logicalDepth returns how deep and/or/not nest below a mapping.
func logicalDepth(m *yaml.Node, depth int) (int, error) {
	if depth > maxLogicalDepth {
		return depth, nil
	}
	f, ok := mappingFields(m)
	if !ok {
		return depth, nil
	}
	deepest := depth
	for _, op := range []string{"and", "or", "not"} {
		child := resolve(f.get(op))
		if child == nil {
			continue
		}
		var operands []*yaml.Node
		switch {
		case op == "not" && child.Kind == yaml.MappingNode:
			operands = []*yaml.Node{child}
		case op != "not" && child.Kind == yaml.SequenceNode && len(child.Content) > 0:
			operands = child.Content
		case op == "not":
			return 0, errors.New("logical operator 'not' requires one expression")
		default:
			return 0, fmt.Errorf("logical operator '%s' requires a list of expressions", op)
		}
		for _, operand := range operands {
			d, err := logicalDepth(operand, depth+1)
			if err != nil {
				return 0, err
			}
			deepest = max(deepest, d)
		}
	}
	return deepest, nil
}
