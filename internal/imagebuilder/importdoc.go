package imagebuilder

import (
	"bytes"
	"context"

	"go.yaml.in/yaml/v3"

	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/imagebuilder/componentdoc"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// importedDocument builds the component document of an imported script: one
// phase (build or test, after the component type) with one step that runs
// the script with the platform's shell.
//
// The document is emitted by the YAML encoder rather than by formatting
// text, so that any script survives verbatim: leading spaces, tabs, lines
// that look like YAML markers or comments.
func (s *Service) importedDocument(ctx context.Context, req *ibv1.ImportComponentRequest) (*string, error) {
	script := req.GetData()
	switch {
	case req.Data != nil && req.Uri != nil:
		return nil, ibv1.ErrInvalidParameterCombination("The value supplied for parameter 'data' is not valid. You can specify either data or uri, not both.")
	case req.Data == nil && req.Uri == nil:
		return nil, ibv1.ErrInvalidParameterValue("The value supplied for parameter 'data' is not valid. Specify the script either inline in data or as an S3 object in uri.")
	case req.Uri != nil:
		text, err := s.readS3Document(ctx, "uri", *req.Uri)
		if err != nil {
			return nil, err
		}
		script = text
	}
	action := "ExecuteBash"
	if req.GetPlatform() == "Windows" {
		action = "ExecutePowerShell"
	}
	phase := "build"
	if req.GetType() == "TEST" {
		phase = "test"
	}
	// A literal block keeps the script readable; where the encoder cannot
	// write one that reads back verbatim (a line starting with a tab), the
	// script is double-quoted instead.
	text, err := encodeImported(req.GetName(), phase, action, script, yaml.LiteralStyle)
	if err == nil && !scriptSurvives(text, script) {
		text, err = encodeImported(req.GetName(), phase, action, script, yaml.DoubleQuotedStyle)
	}
	if err != nil {
		return nil, awserr.Internal(err)
	}
	if _, err := componentdoc.Parse(text); err != nil {
		return nil, ibv1.ErrInvalidParameterValue("The value supplied for parameter 'data' is not valid. The script cannot be converted into a component document.")
	}
	return &text, nil
}

func encodeImported(name, phase, action, script string, style yaml.Style) (string, error) {
	step := mapping(
		"name", str("ImportedScript"),
		"action", str(action),
		"inputs", mapping("commands", &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{
			{Kind: yaml.ScalarNode, Tag: "!!str", Value: script, Style: style},
		}}),
	)
	doc := mapping(
		"name", str(name),
		"schemaVersion", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: "1.0"},
		"phases", &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{mapping(
			"name", str(phase),
			"steps", &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{step}},
		)}},
	)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return "", err
	}
	if err := enc.Close(); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// scriptSurvives reports whether the document reads back with the script
// unchanged.
func scriptSurvives(text, script string) bool {
	var doc struct {
		Phases []struct {
			Steps []struct {
				Inputs struct {
					Commands []string `yaml:"commands"`
				} `yaml:"inputs"`
			} `yaml:"steps"`
		} `yaml:"phases"`
	}
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		return false
	}
	if len(doc.Phases) != 1 || len(doc.Phases[0].Steps) != 1 || len(doc.Phases[0].Steps[0].Inputs.Commands) != 1 {
		return false
	}
	return doc.Phases[0].Steps[0].Inputs.Commands[0] == script
}

func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

// mapping builds a YAML mapping from alternating keys and values.
func mapping(kv ...any) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i < len(kv); i += 2 {
		m.Content = append(m.Content, str(kv[i].(string)), kv[i+1].(*yaml.Node))
	}
	return m
}
