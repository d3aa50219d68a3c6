package restjson

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"

	"github.com/ibemu/ibemu/internal/awserr"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

func TestAppendOutputOmitsUnsetAndKeepsModelOrder(t *testing.T) {
	out := &ibv1.GetComponentResponse{
		RequestId: proto.String("r-1"),
		Component: &ibv1.Component{
			Arn:       proto.String("arn:aws:imagebuilder:us-east-1:111122223333:component/c/1.0.0/1"),
			Name:      proto.String("c \"quoted\" \u2028 <tag>"),
			Encrypted: proto.Bool(false),
			Tags:      map[string]string{"b": "2", "a": "1"},
			Parameters: []*ibv1.ComponentParameterDetail{
				{Name: proto.String("p"), Type: proto.String("String"), DefaultValue: []string{"x"}},
			},
		},
	}
	buf := AppendOutput(nil, op(t, "GetComponent"), out)
	got := string(buf)
	want := `{"requestId":"r-1","component":{"arn":"arn:aws:imagebuilder:us-east-1:111122223333:component/c/1.0.0/1","name":"c \"quoted\" \u2028 <tag>","parameters":[{"name":"p","type":"String","defaultValue":["x"]}],"encrypted":false,"tags":{"a":"1","b":"2"}}}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	var v map[string]any
	if err := json.Unmarshal(buf, &v); err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
}

// The list a paginated operation pages over is written even when empty, as
// AWS answers: clients read an empty list, not a missing one.
func TestAppendOutputKeepsAnEmptyPageList(t *testing.T) {
	got := string(AppendOutput(nil, op(t, "ListComponents"), &ibv1.ListComponentsResponse{RequestId: proto.String("r")}))
	if want := `{"requestId":"r","componentVersionList":[]}`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// Other empty lists stay out (a component's tags, parameters).
	got = string(AppendOutput(nil, op(t, "GetComponent"), &ibv1.GetComponentResponse{Component: &ibv1.Component{Name: proto.String("c")}}))
	if want := `{"component":{"name":"c"}}`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestAppendStringIsValidJSON(t *testing.T) {
	for _, s := range []string{"", "plain", "\x00\x1f\"\\/", "\xff\xfe bad utf8", "emoji \U0001F600", "\u2028\u2029", strings.Repeat("é", 100)} {
		buf := AppendString(nil, s)
		var back string
		if err := json.Unmarshal(buf, &back); err != nil {
			t.Fatalf("%q → %s: %v", s, buf, err)
		}
		if utf8.ValidString(s) && back != s {
			t.Errorf("round trip %q → %q", s, back)
		}
	}
}

func TestAppendError(t *testing.T) {
	e := awserr.New("ResourceNotFoundException", 404, `no "x"`)
	if got, want := string(AppendError(nil, e)), `{"message":"no \"x\""}`; got != want {
		t.Errorf("got %s want %s", got, want)
	}
}
