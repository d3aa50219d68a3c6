package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
)

// smithyModel is the part of the Smithy 2.0 JSON AST the generator reads.
type smithyModel struct {
	Smithy string                  `json:"smithy"`
	Shapes map[string]*smithyShape `json:"shapes"`
}

type smithyShape struct {
	Type       string             `json:"type"`
	Members    orderedMembers     `json:"members"`
	Member     *smithyMember      `json:"member"` // list
	Key        *smithyMember      `json:"key"`    // map
	Value      *smithyMember      `json:"value"`  // map
	Input      *smithyRef         `json:"input"`  // operation
	Output     *smithyRef         `json:"output"` // operation
	Errors     []smithyRef        `json:"errors"`
	Operations []smithyRef        `json:"operations"` // service
	Version    string             `json:"version"`    // service
	Traits     map[string]rawJSON `json:"traits"`

	synthetic bool // an empty structure standing in for smithy.api#Unit
}

type smithyRef struct {
	Target string `json:"target"`
}

type smithyMember struct {
	Name   string             `json:"-"`
	Target string             `json:"target"`
	Traits map[string]rawJSON `json:"traits"`
}

type rawJSON = json.RawMessage

// orderedMembers keeps structure members in model order: the order of
// members on the wire and in the .proto (their field numbers come from the
// lock file, see fieldlock.go).
type orderedMembers []*smithyMember

func (o *orderedMembers) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil { // {
		return err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := tok.(string)
		m := &smithyMember{Name: name}
		if err := dec.Decode(m); err != nil {
			return fmt.Errorf("member %s: %w", name, err)
		}
		*o = append(*o, m)
	}
	return nil
}

func loadModel(path string) (*smithyModel, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m smithyModel
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &m, nil
}

func (s *smithyShape) hasTrait(name string) bool {
	_, ok := s.Traits[name]
	return ok
}

func (m *smithyMember) hasTrait(name string) bool {
	_, ok := m.Traits[name]
	return ok
}

func traitInto(traits map[string]rawJSON, name string, v any) (bool, error) {
	raw, ok := traits[name]
	if !ok {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return true, fmt.Errorf("trait %s: %w", name, err)
	}
	return true, nil
}

// localName strips the namespace from a shape id.
func localName(id string) string {
	if i := strings.IndexByte(id, '#'); i >= 0 {
		return id[i+1:]
	}
	return id
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
