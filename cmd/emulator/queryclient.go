package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/ibemu/ibemu/internal/apimodel"
	"github.com/ibemu/ibemu/internal/awserr"
)

// queryClient calls an awsQuery service (IAM, STS) over HTTP with the
// generated request and response messages, driven by the service's model
// as the emulator's own codec is: a signed form POST, an XML answer. The
// emulator command uses it instead of an SDK client so that the server
// binary does not link the SDK's service packages.
type queryClient struct {
	model    *apimodel.Service
	endpoint string // http://host:port
	region   string
	creds    aws.Credentials
	http     *http.Client
	clock    func() time.Time
}

// maxQueryResponse bounds an answer read into memory.
const maxQueryResponse = 64 << 20

// call sends operation with in and fills out. A service's error answer is
// an *awserr.Error with its code and message; any other failure (the
// connection, an unreadable answer) is a plain error.
func (c *queryClient) call(ctx context.Context, operation string, in, out proto.Message) error {
	op, ok := c.model.Operation(operation)
	if !ok {
		return fmt.Errorf("%s has no operation %s", c.model.Name, operation)
	}
	form := url.Values{"Action": {op.Name}, "Version": {c.model.APIVersion}}
	encodeQuery(form, "", op.Input, in.ProtoReflect())
	body := []byte(form.Encode())
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if req.URL.Path == "" {
		req.URL.Path = "/"
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, c.creds, req, hex.EncodeToString(sum[:]), c.model.SigningName, c.region, c.clock()); err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxQueryResponse))
	if err != nil {
		return err
	}
	root, err := parseXML(raw)
	if err != nil {
		return fmt.Errorf("reading the %s response (HTTP %d): %v", op.Name, resp.StatusCode, err)
	}
	if resp.StatusCode/100 != 2 {
		e := root.find("Error")
		if e == nil {
			return fmt.Errorf("%s: HTTP %d", op.Name, resp.StatusCode)
		}
		return &awserr.Error{Code: e.child("Code"), Message: e.child("Message")}
	}
	result := root.find(op.Name + "Result")
	if result == nil {
		result = &xmlNode{}
	}
	doc, err := json.Marshal(decodeQuery(result, op.Output))
	if err != nil {
		return err
	}
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(doc, out); err != nil {
		return fmt.Errorf("reading the %s response: %v", op.Name, err)
	}
	return nil
}

// encodeQuery adds the members of msg (a message of structure shape sh)
// as Query parameters under prefix: lists as Name.member.N, maps as
// Name.entry.N.key and .value, structures as Name.Member.
func encodeQuery(form url.Values, prefix string, sh *apimodel.Shape, msg protoreflect.Message) {
	fields := msg.Descriptor().Fields()
	for _, m := range sh.Members {
		fd := fields.ByName(m.FieldName)
		if fd == nil || !msg.Has(fd) {
			continue
		}
		name := prefix + m.Name
		v := msg.Get(fd)
		switch {
		case fd.IsList():
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				encodeQueryValue(form, name+".member."+strconv.Itoa(i+1), m.Target.Elem, l.Get(i))
			}
		case fd.IsMap():
			i := 0
			v.Map().Range(func(k protoreflect.MapKey, e protoreflect.Value) bool {
				i++
				entry := name + ".entry." + strconv.Itoa(i)
				form.Set(entry+".key", k.String())
				encodeQueryValue(form, entry+".value", m.Target.Elem, e)
				return true
			})
		default:
			encodeQueryValue(form, name, m.Target, v)
		}
	}
}

func encodeQueryValue(form url.Values, name string, sh *apimodel.Shape, v protoreflect.Value) {
	if sh != nil && sh.Kind == apimodel.Structure {
		encodeQuery(form, name+".", sh, v.Message())
		return
	}
	form.Set(name, v.String())
}

// xmlNode is an element of an XML answer.
type xmlNode struct {
	name     string
	text     strings.Builder
	children []*xmlNode
}

func parseXML(b []byte) (*xmlNode, error) {
	d := xml.NewDecoder(bytes.NewReader(b))
	root := &xmlNode{}
	stack := []*xmlNode{root}
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		top := stack[len(stack)-1]
		switch t := tok.(type) {
		case xml.StartElement:
			n := &xmlNode{name: t.Name.Local}
			top.children = append(top.children, n)
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			top.text.Write(t)
		}
	}
	return root, nil
}

// find is the first element named name, depth first.
func (n *xmlNode) find(name string) *xmlNode {
	for _, c := range n.children {
		if c.name == name {
			return c
		}
		if f := c.find(name); f != nil {
			return f
		}
	}
	return nil
}

// child is the text of the child element named name.
func (n *xmlNode) child(name string) string {
	for _, c := range n.children {
		if c.name == name {
			return c.text.String()
		}
	}
	return ""
}

// decodeQuery turns an element holding a value of shape sh into the JSON
// value protojson reads for it (JSON names are the model's member names).
func decodeQuery(n *xmlNode, sh *apimodel.Shape) any {
	if sh == nil {
		return n.text.String()
	}
	switch sh.Kind {
	case apimodel.Structure:
		obj := map[string]any{}
		for _, m := range sh.Members {
			for _, c := range n.children {
				if c.name == m.ElementName() {
					obj[m.Name] = decodeQuery(c, m.Target)
					break
				}
			}
		}
		return obj
	case apimodel.List:
		elem := sh.ElemXMLName
		if elem == "" {
			elem = "member"
		}
		list := []any{}
		for _, c := range n.children {
			if c.name == elem {
				list = append(list, decodeQuery(c, sh.Elem))
			}
		}
		return list
	case apimodel.Map:
		key, value := sh.KeyXMLName, sh.ValueXMLName
		if key == "" {
			key = "key"
		}
		if value == "" {
			value = "value"
		}
		obj := map[string]any{}
		for _, entry := range n.children {
			var k string
			var val any
			for _, c := range entry.children {
				switch c.name {
				case key:
					k = c.text.String()
				case value:
					val = decodeQuery(c, sh.Elem)
				}
			}
			obj[k] = val
		}
		return obj
	case apimodel.Boolean:
		return strings.TrimSpace(n.text.String()) == "true"
	case apimodel.Integer, apimodel.Long, apimodel.Float, apimodel.Double:
		return json.Number(strings.TrimSpace(n.text.String()))
	}
	return n.text.String()
}
