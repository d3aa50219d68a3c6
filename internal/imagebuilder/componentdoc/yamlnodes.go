package componentdoc

import (
	"fmt"
	"strconv"

	"go.yaml.in/yaml/v3"
)

const mergeTag = "!!merge"

// checkTree walks the whole tree with aliases expanded and rejects what no
// YAML decoder AWSTOE could use would accept: non-scalar mapping keys (an
// unquoted {{ expression }} parses as one), duplicate keys, runaway alias
// expansion and excessive nesting.
func checkTree(root *yaml.Node) error {
	budget := maxNodes
	return checkNode(root, 0, &budget)
}

func checkNode(n *yaml.Node, depth int, budget *int) error {
	if n == nil {
		return nil
	}
	*budget--
	if *budget < 0 {
		return &ValidationError{Line: n.Line, Detail: fmt.Sprintf(
			"The document is too complex: with its aliases expanded it exceeds %d nodes.", maxNodes)}
	}
	if depth > maxDepth {
		return &ValidationError{Line: n.Line, Detail: fmt.Sprintf(
			"The document nests deeper than %d levels (line %d).", maxDepth, n.Line)}
	}
	switch n.Kind {
	case yaml.AliasNode:
		return checkNode(n.Alias, depth+1, budget)
	case yaml.MappingNode:
		if err := checkKeys(n); err != nil {
			return err
		}
	}
	for _, c := range n.Content {
		if err := checkNode(c, depth+1, budget); err != nil {
			return err
		}
	}
	return nil
}

func checkKeys(m *yaml.Node) error {
	seen := make(map[string]int, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := resolve(m.Content[i])
		if k == nil || k.Kind != yaml.ScalarNode {
			line := m.Content[i].Line
			return &ValidationError{Line: line, Detail: fmt.Sprintf(
				"Invalid mapping key at line %d: keys must be strings. "+
					"Variable and chaining expressions such as {{ name }} must be enclosed in quotes.", line)}
		}
		if k.ShortTag() == mergeTag {
			continue
		}
		id := k.ShortTag() + "\x00" + k.Value
		if first, dup := seen[id]; dup {
			return &ValidationError{Line: k.Line, Detail: fmt.Sprintf(
				"Duplicate key '%s' at line %d; it is already defined at line %d.", k.Value, m.Content[i].Line, first)}
		}
		seen[id] = m.Content[i].Line
	}
	return nil
}

// resolve follows an alias to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	if n != nil && n.Kind == yaml.AliasNode {
		return n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	n = resolve(n)
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

func isScalar(n *yaml.Node) bool {
	n = resolve(n)
	return n != nil && n.Kind == yaml.ScalarNode
}

// fields is a mapping's entries with YAML merge keys (<<) applied: explicit
// keys win over merged ones, earlier merges over later ones.
type fields struct {
	node   *yaml.Node
	values map[string]*yaml.Node
	keys   map[string]*yaml.Node
}

func mappingFields(n *yaml.Node) (*fields, bool) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, false
	}
	f := &fields{node: n, values: map[string]*yaml.Node{}, keys: map[string]*yaml.Node{}}
	f.collect(n, 0)
	return f, true
}

func (f *fields) collect(m *yaml.Node, depth int) {
	if depth > maxDepth {
		return
	}
	var merges []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := resolve(m.Content[i])
		if k == nil || k.Kind != yaml.ScalarNode {
			continue
		}
		if k.ShortTag() == mergeTag {
			merges = append(merges, resolve(m.Content[i+1]))
			continue
		}
		// The mapping's own keys are collected before any merge, so a
		// key already taken always wins.
		if _, taken := f.values[k.Value]; taken {
			continue
		}
		f.values[k.Value] = m.Content[i+1]
		f.keys[k.Value] = m.Content[i]
	}
	for _, src := range merges {
		switch {
		case src == nil:
		case src.Kind == yaml.MappingNode:
			f.collect(src, depth+1)
		case src.Kind == yaml.SequenceNode:
			for _, item := range src.Content {
				if item = resolve(item); item != nil && item.Kind == yaml.MappingNode {
					f.collect(item, depth+1)
				}
			}
		}
	}
}

// get returns the value under key, nil when absent.
func (f *fields) get(key string) *yaml.Node { return f.values[key] }

// has reports whether key is present with a non-null value.
func (f *fields) has(key string) bool { return !isNull(f.values[key]) }

func (f *fields) len() int { return len(f.values) }

// line is the line of the value under key, else of the mapping itself.
func (f *fields) line(key string) int {
	if v := f.values[key]; v != nil {
		return v.Line
	}
	return f.node.Line
}

// scalarText returns a scalar's text, "" for an absent or null value; ok is
// false for collections.
func scalarText(n *yaml.Node) (string, bool) {
	n = resolve(n)
	if n == nil {
		return "", true
	}
	if n.Kind != yaml.ScalarNode {
		return "", false
	}
	if n.ShortTag() == "!!null" {
		return "", true
	}
	return n.Value, true
}

// integer reads a YAML integer; a quoted decimal is accepted as well, since it
// is not known that AWSTOE rejects one.
func integer(n *yaml.Node) (int64, bool) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode {
		return 0, false
	}
	switch n.ShortTag() {
	case "!!int":
		var v int64
		if err := n.Decode(&v); err != nil {
			return 0, false
		}
		return v, true
	case "!!str":
		v, err := strconv.ParseInt(n.Value, 10, 64)
		return v, err == nil
	}
	return 0, false
}

// isEmptyCollection reports an empty sequence or mapping.
func isEmptyCollection(n *yaml.Node) bool {
	n = resolve(n)
	return n != nil && (n.Kind == yaml.SequenceNode || n.Kind == yaml.MappingNode) && len(n.Content) == 0
}
