package componentdoc

import "go.yaml.in/yaml/v3"

// LoadTree checks a YAML document the way component documents are checked
// before their schema is looked at — not empty, at most MaxDataLength
// characters, no NUL, parseable YAML, string keys without duplicates,
// bounded nesting and alias expansion — and returns its root node. Other
// Image Builder documents written in YAML (workflow documents) share these
// rules. Errors are *ValidationError.
func LoadTree(data string) (root *yaml.Node, err error) {
	return LoadTreeFrom(data, Inline)
}

// LoadTreeFrom is LoadTree for a document from src (see ParseFrom).
func LoadTreeFrom(data string, src Source) (*yaml.Node, error) {
	root, err := loadTree(data, src)
	return root, FromSource(err, src)
}

func loadTree(data string, src Source) (root *yaml.Node, err error) {
	if err := checkText(data, src); err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			root, err = nil, &ValidationError{Detail: "Unable to parse the document."}
		}
	}()
	root, err = load(data)
	if err != nil {
		return nil, err
	}
	if err := checkTree(root); err != nil {
		return nil, err
	}
	return root, nil
}
