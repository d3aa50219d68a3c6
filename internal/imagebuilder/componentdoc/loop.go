package componentdoc

import (
	"errors"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// loopDelimiters are the characters a delimited forEach list may split on.
const loopDelimiters = ".,;:\n\t -_"

func readLoop(node *yaml.Node) (*Loop, error) {
	f, ok := mappingFields(node)
	if !ok {
		return nil, errors.New("'loop' must be a mapping with 'for' or 'forEach'")
	}
	l := &Loop{}
	if name := f.get("name"); !isNull(name) {
		text, ok := scalarText(name)
		if !ok {
			return nil, errors.New("the loop name must be a string")
		}
		l.Name = text
	}
	hasFor, hasForEach := f.has("for"), f.has("forEach")
	if hasFor == hasForEach {
		return nil, errors.New("a loop must define exactly one of 'for' or 'forEach'")
	}
	if hasFor {
		l.Kind = LoopFor
		return l, readForLoop(l, f.get("for"))
	}
	l.Kind = LoopForEach
	return l, readForEachLoop(l, f.get("forEach"))
}

func readForLoop(l *Loop, node *yaml.Node) error {
	f, ok := mappingFields(node)
	if !ok {
		return errors.New("'for' must be a mapping with start, end and updateBy")
	}
	bounds := []struct {
		key string
		out *int64
	}{{"start", &l.Start}, {"end", &l.End}, {"updateBy", &l.UpdateBy}}
	for _, b := range bounds {
		n, ok := integer(f.get(b.key))
		if !ok {
			// Chaining expressions are not allowed here either.
			return fmt.Errorf("'for' requires an integer '%s'", b.key)
		}
		*b.out = n
	}
	if l.UpdateBy == 0 {
		return errors.New("'for' updateBy must be a non-zero integer")
	}
	if (l.End > l.Start && l.UpdateBy < 0) || (l.End < l.Start && l.UpdateBy > 0) {
		return fmt.Errorf("'for' with start %d, end %d and updateBy %d never reaches its end", l.Start, l.End, l.UpdateBy)
	}
	return nil
}

func readForEachLoop(l *Loop, node *yaml.Node) error {
	node = resolve(node)
	switch node.Kind {
	case yaml.SequenceNode:
		l.Items = make([]string, 0, len(node.Content))
		for _, item := range node.Content {
			text, ok := scalarText(item)
			if !ok {
				return errors.New("'forEach' list items must be strings")
			}
			l.Items = append(l.Items, text)
		}
		return nil
	case yaml.MappingNode:
		f, _ := mappingFields(node)
		list, ok := scalarText(f.get("list"))
		if !ok || !f.has("list") {
			return errors.New("'forEach' requires a 'list' string")
		}
		l.Delimited, l.List, l.Delimiter = true, list, ","
		if d := f.get("delimiter"); !isNull(d) {
			text, ok := scalarText(d)
			if !ok || len(text) != 1 || !strings.Contains(loopDelimiters, text) {
				return fmt.Errorf("'forEach' delimiter must be one character out of %q", loopDelimiters)
			}
			l.Delimiter = text
		}
		return nil
	}
	return errors.New("'forEach' must be a list of strings or a mapping with 'list' and 'delimiter'")
}
