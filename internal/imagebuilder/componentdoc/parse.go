package componentdoc

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Parse validates a component document without regard to platform: any
// AWSTOE action module is accepted. It returns the parsed document, or a
// *ValidationError that says what is wrong and where.
func Parse(data string) (*Document, error) {
	return parse(data, "", Inline)
}

// ParseForPlatform validates a document for CreateComponent's platform
// (Linux, Windows or macOS, case-insensitive): an action module the platform
// does not support is rejected the way AWSTOE rejects it. An empty platform
// behaves like Parse. An unknown platform is a caller error, not a
// *ValidationError.
func ParseForPlatform(data, platform string) (*Document, error) {
	if platform != "" {
		if _, ok := platformBit(platform); !ok {
			return nil, fmt.Errorf("componentdoc: unknown platform %q", platform)
		}
	}
	return parse(data, strings.ToLower(platform), Inline)
}

// ParseFrom is ParseForPlatform for a document from src: one read from S3
// (URI) may be up to MaxURILength characters, and its errors name 'uri'.
func ParseFrom(data, platform string, src Source) (*Document, error) {
	if platform != "" {
		if _, ok := platformBit(platform); !ok {
			return nil, fmt.Errorf("componentdoc: unknown platform %q", platform)
		}
	}
	doc, err := parse(data, strings.ToLower(platform), src)
	return doc, FromSource(err, src)
}

func parse(data, platform string, src Source) (doc *Document, err error) {
	if err := checkText(data, src); err != nil {
		return nil, err
	}
	defer func() {
		// The YAML library and the walk over its tree must never take the
		// caller down; whatever panics here is a malformed document.
		if r := recover(); r != nil {
			doc, err = nil, &ValidationError{Detail: "Unable to parse the document."}
		}
	}()
	root, err := load(data)
	if err != nil {
		return nil, err
	}
	if err := checkTree(root); err != nil {
		return nil, attributeToStep(root, err)
	}
	v := &validator{platform: platform}
	return v.document(root)
}

func checkText(data string, src Source) error {
	if data == "" {
		return &ValidationError{Detail: "The document is empty."}
	}
	if n, max := utf8.RuneCountInString(data), src.maxLength(); n > max {
		return &ValidationError{Detail: fmt.Sprintf(
			"The document is %d characters long; the maximum is %d.", n, max)}
	}
	if i := strings.IndexByte(data, 0); i >= 0 {
		line := strings.Count(data[:i], "\n") + 1
		return &ValidationError{Line: line, Detail: fmt.Sprintf(
			"The document contains a NUL character at line %d.", line)}
	}
	return nil
}

var yamlLine = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`line (\d+)`) })

// load is loadYAML; tests replace it to prove a panic is contained.
var load = loadYAML

// loadYAML parses the text into a node tree and returns the document's root
// node. Aliases stay unexpanded here, so memory is linear in the input.
func loadYAML(data string) (*yaml.Node, error) {
	var file yaml.Node
	if err := yaml.Unmarshal([]byte(data), &file); err != nil {
		ve := &ValidationError{Detail: "Unable to parse the document as YAML. Error: " + err.Error()}
		if m := yamlLine().FindStringSubmatch(err.Error()); m != nil {
			ve.Line, _ = strconv.Atoi(m[1])
		}
		return nil, ve
	}
	if file.Kind != yaml.DocumentNode || len(file.Content) == 0 || isNull(file.Content[0]) {
		return nil, &ValidationError{Detail: "The document is empty."}
	}
	return file.Content[0], nil
}
