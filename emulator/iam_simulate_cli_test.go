package emulator_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/emulator/emulatortest"
	"github.com/ibemu/ibemu/internal/apimodel"
	"github.com/ibemu/ibemu/internal/iam/simulate"
	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
)

// cliExampleBody is the request body aws-cli 2.9 sends for
// `aws iam simulate-custom-policy --cli-input-json
// file://testdata/simulate/cli-example-allowed.json`, as captured on the
// wire.
const cliExampleBody = "Action=SimulateCustomPolicy&Version=2010-05-08&PolicyInputList.member.1=%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22dynamodb%3A%2A%22%2C%22Resource%22%3A%22%2A%22%2C%22Condition%22%3A%7B%22DateGreaterThan%22%3A%7B%22aws%3ACurrentTime%22%3A%222018-08-16T12%3A00%3A00Z%22%7D%7D%7D%7D&ActionNames.member.1=dynamodb%3ACreateBackup&ContextEntries.member.1.ContextKeyName=aws%3ACurrentTime&ContextEntries.member.1.ContextKeyValues.member.1=2019-04-25T11%3A00%3A00Z&ContextEntries.member.1.ContextKeyType=date"

const simulateGoldenDir = "../testdata/simulate"

// TestIAMSimulateCustomPolicyAsTheCLI sends, for every input of the
// offline command's golden tests, the Query request the AWS CLI sends for
// it (following Marker as the CLI does) with a raw signed request, and
// requires the XML answer to say what the offline command prints for the
// same input: the same results, decisions, statements and positions, or the
// same error, empty lists included. Empty maps are not compared (see
// comparable).
func TestIAMSimulateCustomPolicyAsTheCLI(t *testing.T) {
	t.Parallel()
	emu := emulatortest.Start(t)
	inputs, err := filepath.Glob(filepath.Join(simulateGoldenDir, "*.json"))
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	example := filepath.Join(simulateGoldenDir, "cli-example-allowed.json")
	if body, _ := cliQueryBody(t, example, ""); body != cliExampleBody {
		t.Fatalf("the body built for %s is not the CLI's:\n%s\nwant\n%s", example, body, cliExampleBody)
	}
	compared := 0
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".json")
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := simulate.Main([]string{"--cli-input-json", "file://" + in}, strings.NewReader(""), &stdout, &stderr)
			switch code {
			case 0:
				var offline any
				if err := json.Unmarshal(stdout.Bytes(), &offline); err != nil {
					t.Fatal(err)
				}
				requireSameAnswer(t, comparable(offline), comparable(serverAnswer(t, emu, in)))
			case 254:
				// A service error: the server must answer the same.
				code, msg := serverError(t, emu, in)
				want := fmt.Sprintf("An error occurred (%s) when calling the SimulateCustomPolicy operation: %s", code, msg)
				if strings.TrimSpace(stderr.String()) != want {
					t.Errorf("offline: %s\nserver:  %s", strings.TrimSpace(stderr.String()), want)
				}
			default:
				return // the CLI refuses the input before sending anything
			}
			compared++
		})
	}
	if compared < 15 {
		t.Errorf("only %d golden inputs compared", compared)
	}
}

// cliQueryBody is the form body botocore sends for a --cli-input-json
// document: Action and Version, then the members in model order, lists as
// NAME.member.N and structures' members as NAME.member.N.MEMBER, encoded
// like Python's urlencode. marker, when set, replaces the input's Marker
// (the CLI's next page). paged reports that the CLI follows the pages: no
// MaxItems or Marker in the input.
func cliQueryBody(t *testing.T, path, marker string) (body string, paged bool) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var in map[string]any
	if err := json.Unmarshal(raw, &in); err != nil {
		t.Fatal(err)
	}
	_, hasMax := in["MaxItems"]
	_, hasMarker := in["Marker"]
	if marker != "" {
		in["Marker"] = marker
	}
	params := [][2]string{{"Action", "SimulateCustomPolicy"}, {"Version", "2010-05-08"}}
	var add func(prefix string, v any)
	add = func(prefix string, v any) {
		switch x := v.(type) {
		case []any:
			for i, e := range x {
				add(prefix+".member."+strconv.Itoa(i+1), e)
			}
		case map[string]any:
			for _, m := range simulate.MemberNames(&iamv1.ContextEntry{}) {
				if mv, ok := x[m]; ok {
					add(prefix+"."+m, mv)
				}
			}
		case float64:
			params = append(params, [2]string{prefix, strconv.FormatFloat(x, 'f', -1, 64)})
		default:
			params = append(params, [2]string{prefix, fmt.Sprint(x)})
		}
	}
	for _, m := range simulate.MemberNames(&iamv1.SimulateCustomPolicyRequest{}) {
		if v, ok := in[m]; ok {
			add(m, v)
		}
	}
	parts := make([]string, len(params))
	for i, p := range params {
		parts[i] = url.QueryEscape(p[0]) + "=" + url.QueryEscape(p[1])
	}
	return strings.Join(parts, "&"), !hasMax && !hasMarker
}

// serverAnswer sends the CLI's requests for an input and returns what the
// CLI would print: the joined EvaluationResults of every page, or the one
// page with IsTruncated and Marker when the input pages by itself.
func serverAnswer(t *testing.T, emu *emulator.Emulator, path string) any {
	t.Helper()
	var results []any
	marker := ""
	for {
		body, paged := cliQueryBody(t, path, marker)
		resp := signedQuery(t, emu, "iam", http.MethodPost, "", body)
		if resp.status != http.StatusOK {
			t.Fatalf("HTTP %d: %s", resp.status, resp.body)
		}
		page := xmlTree(t, resp.body)["SimulateCustomPolicyResult"].(map[string]any)
		if !paged {
			return page
		}
		if r, ok := page["EvaluationResults"].([]any); ok {
			results = append(results, r...)
		}
		if page["IsTruncated"] != "true" {
			return map[string]any{"EvaluationResults": results}
		}
		marker = page["Marker"].(string)
	}
}

// serverError sends the CLI's request for an input that fails and returns
// the error's code and message.
func serverError(t *testing.T, emu *emulator.Emulator, path string) (code, message string) {
	t.Helper()
	body, _ := cliQueryBody(t, path, "")
	resp := signedQuery(t, emu, "iam", http.MethodPost, "", body)
	e, ok := xmlTree(t, resp.body)["Error"].(map[string]any)
	if resp.status == http.StatusOK || !ok {
		t.Fatalf("HTTP %d: %s", resp.status, resp.body)
	}
	return e["Code"].(string), e["Message"].(string)
}

// xmlTree reads a Query response as botocore does: by the model, an element
// of a list member is a list (empty when it has no <member>), of a map
// member a map, of a structure a structure, any other a string. Elements
// outside the SimulatePolicyResponse shape (the error) are read by their
// children.
func xmlTree(t *testing.T, body []byte) map[string]any {
	t.Helper()
	type node struct {
		XMLName  xml.Name
		Text     string `xml:",chardata"`
		Children []node `xml:",any"`
	}
	var root node
	if err := xml.Unmarshal(body, &root); err != nil {
		t.Fatalf("not XML: %v\n%s", err, body)
	}
	result, _ := iamv1.Model().Shape("SimulatePolicyResponse")
	var conv func(n node, sh *apimodel.Shape) any
	conv = func(n node, sh *apimodel.Shape) any {
		switch {
		case sh != nil && sh.Kind == apimodel.List:
			l := make([]any, 0, len(n.Children))
			for _, c := range n.Children {
				l = append(l, conv(c, sh.Elem))
			}
			return l
		case sh != nil && sh.Kind == apimodel.Map:
			m := map[string]any{}
			for _, c := range n.Children {
				e := conv(c, nil).(map[string]any)
				m[e["key"].(string)] = conv(node{Text: fmt.Sprint(e["value"])}, sh.Elem)
			}
			return m
		case len(n.Children) == 0 && (sh == nil || sh.Kind != apimodel.Structure):
			return n.Text
		}
		m := map[string]any{}
		for _, c := range n.Children {
			var cs *apimodel.Shape
			if n.XMLName.Local == "SimulateCustomPolicyResult" {
				cs = memberTarget(result, c.XMLName.Local)
			} else if sh != nil {
				cs = memberTarget(sh, c.XMLName.Local)
			}
			m[c.XMLName.Local] = conv(c, cs)
		}
		return m
	}
	return conv(root, nil).(map[string]any)
}

func memberTarget(sh *apimodel.Shape, name string) *apimodel.Shape {
	if m, ok := sh.Member(name); ok {
		return m.Target
	}
	return nil
}

// comparable drops empty maps (the CLI prints EvalDecisionDetails {} where
// IAM sends it empty, which a protobuf map cannot tell from absent) and
// turns every scalar into its text, as the XML has it. Empty lists are
// compared: the server sends those AWS sends.
func comparable(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			if c := comparable(e); c != nil {
				out[k] = c
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = comparable(e)
		}
		return out
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

func requireSameAnswer(t *testing.T, offline, server any) {
	t.Helper()
	if !reflect.DeepEqual(offline, server) {
		a, _ := json.MarshalIndent(offline, "", "  ")
		b, _ := json.MarshalIndent(server, "", "  ")
		t.Errorf("the server's answer differs from the offline command's:\noffline %s\nserver  %s", a, b)
	}
}
