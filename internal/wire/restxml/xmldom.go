package restxml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"net/http"

	"github.com/ibemu/ibemu/internal/awserr"
)

// maxDepth bounds element nesting; S3's deepest documents (lifecycle and
// replication filters) nest well under it.
const maxDepth = 48

// node is one XML element: its local name, attributes, child elements and
// character data.
type node struct {
	name     string
	attrs    []xml.Attr
	children []*node
	text     []byte
}

// MalformedXML is S3's answer to a body that is not well-formed XML or does
// not match the operation's schema (S3 "Error responses": MalformedXML, 400).
func MalformedXML() *awserr.Error {
	return awserr.New("MalformedXML", http.StatusBadRequest, "The XML you provided was not well-formed or did not validate against our published schema")
}

// parseDocument reads one XML document into a tree. Namespaces are
// accepted and ignored (elements match by local name); DTDs, a second root
// and text outside the root are refused.
func parseDocument(body []byte) (*node, *awserr.Error) {
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = true
	d.Entity = nil
	var (
		root  *node
		stack []*node
	)
	for {
		tok, err := d.RawToken()
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, MalformedXML()
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 && root != nil {
				return nil, MalformedXML()
			}
			if len(stack) >= maxDepth {
				return nil, MalformedXML()
			}
			n := &node{name: t.Name.Local, attrs: append([]xml.Attr(nil), t.Attr...)}
			if len(stack) == 0 {
				root = n
			} else {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			if len(stack) == 0 || stack[len(stack)-1].name != t.Name.Local {
				return nil, MalformedXML()
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) != 0 {
					return nil, MalformedXML()
				}
				continue
			}
			n := stack[len(stack)-1]
			n.text = append(n.text, t...)
		case xml.Directive:
			// <!DOCTYPE …> and friends: S3 documents have none.
			return nil, MalformedXML()
		}
	}
	if root == nil || len(stack) != 0 {
		return nil, MalformedXML()
	}
	return root, nil
}
