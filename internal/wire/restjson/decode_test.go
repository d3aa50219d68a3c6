package restjson

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/ibemu/ibemu/internal/apimodel"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

func op(t testing.TB, name string) *apimodel.Operation {
	t.Helper()
	o, ok := ibv1.Model().Operation(name)
	if !ok {
		t.Fatalf("no operation %s", name)
	}
	return o
}

func TestDecodeBody(t *testing.T) {
	body := `{
		"name": "web server", "semanticVersion": "1.2.3", "platform": "Linux",
		"supportedOsVersions": ["Amazon Linux 2023", null],
		"tags": {"team": "a", "cost": "b", "gone": null},
		"dryRun": true, "unknownMember": {"nested": [1, 2, {"x": null}]},
		"description": null
	}`
	var got ibv1.CreateComponentRequest
	if err := DecodeInput(op(t, "CreateComponent"), Request{Body: []byte(body)}, &got); err != nil {
		t.Fatal(err)
	}
	want := &ibv1.CreateComponentRequest{
		Name: proto.String("web server"), SemanticVersion: proto.String("1.2.3"), Platform: proto.String("Linux"),
		SupportedOsVersions: []string{"Amazon Linux 2023"},
		Tags:                map[string]string{"team": "a", "cost": "b"},
		DryRun:              proto.Bool(true),
	}
	if !proto.Equal(want, &got) {
		t.Errorf("decoded\n%s\nwant\n%s", prototext.Format(&got), prototext.Format(want))
	}
}

func TestDecodeNestedStructuresAndNumbers(t *testing.T) {
	body := `{"name":"n","semanticVersion":"1.0.0","parentImage":"ami-1","clientToken":"t",
		"components":[{"componentArn":"arn:x","parameters":[{"name":"p","value":["a","b"]}]}],
		"blockDeviceMappings":[{"deviceName":"/dev/xvda","ebs":{"volumeSize":100,"iops":3000,"encrypted":false}}]}`
	var got ibv1.CreateImageRecipeRequest
	if err := DecodeInput(op(t, "CreateImageRecipe"), Request{Body: []byte(body)}, &got); err != nil {
		t.Fatal(err)
	}
	if n := len(got.GetComponents()); n != 1 || got.GetComponents()[0].GetParameters()[0].GetValue()[1] != "b" {
		t.Errorf("components = %v", got.GetComponents())
	}
	ebs := got.GetBlockDeviceMappings()[0].GetEbs()
	if ebs.GetVolumeSize() != 100 || ebs.GetIops() != 3000 || ebs.Encrypted == nil || ebs.GetEncrypted() {
		t.Errorf("ebs = %v", ebs)
	}
}

func TestDecodeQueryAndLabels(t *testing.T) {
	var got ibv1.UntagResourceRequest
	req := Request{
		Labels: Labels{"resourceArn": "arn:aws:imagebuilder:us-east-1:111122223333:component/c/1.0.0/1"},
		Query:  url.Values{"tagKeys": {"a", "b"}},
	}
	if err := DecodeInput(op(t, "UntagResource"), req, &got); err != nil {
		t.Fatal(err)
	}
	if got.GetResourceArn() != req.Labels["resourceArn"] || strings.Join(got.GetTagKeys(), ",") != "a,b" {
		t.Errorf("got %v", &got)
	}
	var lp ibv1.ListWorkflowExecutionsRequest
	// maxResults travels in the body; a query parameter that is not bound
	// is ignored.
	if err := DecodeInput(op(t, "ListWorkflowExecutions"), Request{Query: url.Values{"maxResults": {"x"}}, Body: []byte(`{"maxResults": 5}`)}, &lp); err != nil {
		t.Fatal(err)
	}
	if lp.GetMaxResults() != 5 {
		t.Errorf("maxResults = %d", lp.GetMaxResults())
	}
}

func TestDecodeErrors(t *testing.T) {
	cases := []struct {
		name, op, body string
		want           string
	}{
		{"not JSON", "CreateComponent", `{"name": `, "SerializationException"},
		{"not an object", "CreateComponent", `["a"]`, "SerializationException"},
		{"string expected", "CreateComponent", `{"name": 5}`, "SerializationException"},
		{"bool expected", "CreateComponent", `{"dryRun": "yes"}`, "SerializationException"},
		{"array expected", "CreateComponent", `{"supportedOsVersions": "x"}`, "SerializationException"},
		{"map expected", "CreateComponent", `{"tags": ["a"]}`, "SerializationException"},
		{"map value type", "CreateComponent", `{"tags": {"a": 1}}`, "SerializationException"},
		{"integer expected", "ListComponents", `{"maxResults": 1.5}`, "SerializationException"},
		{"integer overflow", "ListComponents", `{"maxResults": 4294967296}`, "SerializationException"},
		{"trailing data", "CreateComponent", `{} {}`, "SerializationException"},
		{"structure expected", "CreateImageRecipe", `{"components": [5]}`, "SerializationException"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := op(t, c.op)
			in := newInput(t, c.op)
			err := DecodeInput(o, Request{Body: []byte(c.body)}, in)
			if err == nil {
				t.Fatalf("decoded %s without error", c.body)
			}
			if err.Code != c.want || err.HTTPStatus != http.StatusBadRequest {
				t.Errorf("got %s %d, want %s 400", err.Code, err.HTTPStatus, c.want)
			}
		})
	}
}

func TestDeeplyNestedUnknownMemberIsSkipped(t *testing.T) {
	body := `{"name":"n","unknown":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `}`
	in := &ibv1.CreateComponentRequest{}
	if err := DecodeInput(op(t, "CreateComponent"), Request{Body: []byte(body)}, in); err != nil {
		t.Fatal(err)
	}
	if in.GetName() != "n" {
		t.Errorf("name = %q", in.GetName())
	}
}

func newInput(t testing.TB, name string) proto.Message {
	t.Helper()
	mt, err := protoregistry.GlobalTypes.FindMessageByName(op(t, name).Input.MessageName)
	if err != nil {
		t.Fatal(err)
	}
	return mt.New().Interface()
}
