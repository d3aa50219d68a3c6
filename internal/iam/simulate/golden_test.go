package simulate

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/simulate")

const goldenDir = "../../../testdata/simulate"

// Every testdata/simulate/NAME.json is a --cli-input-json document; the
// expected exit status, standard output and standard error are in
// NAME.golden.
func TestGolden(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join(goldenDir, "*.json"))
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".json")
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Main([]string{"--cli-input-json", "file://" + in}, strings.NewReader(""), &stdout, &stderr)
			got := formatRun(code, stdout.String(), stderr.String())
			golden := strings.TrimSuffix(in, ".json") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("missing golden file (run with -update and review it): %v", err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s:\n--- got\n%s\n--- want\n%s", golden, got, want)
			}
		})
	}
}

func formatRun(code int, stdout, stderr string) string {
	return "exit: " + strconv.Itoa(code) + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr
}

const minimalInput = `{"PolicyInputList":["{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}}"],"ActionNames":["s3:GetObject"]}`

func TestInputSources(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "in.json")
	if err := os.WriteFile(path, []byte(minimalInput), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		args  []string
		stdin string
	}{
		{"file", []string{"--cli-input-json", "file://" + path}, ""},
		{"stdin", []string{"--cli-input-json", "-"}, minimalInput},
		{"raw json", []string{"--cli-input-json", minimalInput}, ""},
		{"equals form", []string{"--cli-input-json=file://" + path}, ""},
		{"with command name", []string{"simulate-custom-policy", "--cli-input-json", "file://" + path, "--output", "json"}, ""},
	}
	var first string
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := Main(c.args, strings.NewReader(c.stdin), &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d, stderr %s", code, stderr.String())
			}
			if !strings.Contains(stdout.String(), `"EvalDecision": "allowed"`) {
				t.Fatalf("unexpected output %s", stdout.String())
			}
			if first == "" {
				first = stdout.String()
			} else if stdout.String() != first {
				t.Errorf("output differs between input sources:\n%s\n%s", first, stdout.String())
			}
		})
	}
}

func TestCommandLineErrors(t *testing.T) {
	cases := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no input", nil, 252, "the following arguments are required"},
		{"unknown option", []string{"--policy-inputs", "x"}, 252, "Unknown options: --policy-inputs, x"},
		{"flags without actions", []string{"--policy-input-list", "x"}, 252, "Missing required parameter in input: \"ActionNames\""},
		{"missing file", []string{"--cli-input-json", "file:///nonexistent/in.json"}, 252, "Unable to load paramfile file:///nonexistent/in.json"},
		{"invalid json", []string{"--cli-input-json", "{not json"}, 252, "Invalid JSON received."},
		{"json array", []string{"--cli-input-json", "[]"}, 252, "Invalid JSON received."},
		{"missing value", []string{"--cli-input-json"}, 252, "expected one argument"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Main(c.args, strings.NewReader(""), &stdout, &stderr)
			if code != c.code {
				t.Errorf("exit %d, want %d", code, c.code)
			}
			if !strings.Contains(stderr.String(), c.stderr) {
				t.Errorf("stderr %q does not contain %q", stderr.String(), c.stderr)
			}
			if stdout.Len() != 0 {
				t.Errorf("unexpected stdout %q", stdout.String())
			}
		})
	}
	var stdout bytes.Buffer
	if code := Main([]string{"--help"}, nil, &stdout, &bytes.Buffer{}); code != 0 || !strings.Contains(stdout.String(), "usage:") {
		t.Errorf("--help: exit %d, output %q", code, stdout.String())
	}
}
