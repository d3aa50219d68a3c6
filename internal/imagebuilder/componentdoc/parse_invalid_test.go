package componentdoc

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestParseRejects(t *testing.T) {
	bash := "        action: ExecuteBash\n        inputs: {commands: [x]}\n"
	tests := []struct {
		name     string
		data     string
		platform string
		fragment string
		phase    string
		step     string
		line     int
	}{
		// Document level.
		{name: "not yaml", data: "schemaVersion: 1.0\nphases: [\n", fragment: "Unable to parse the document as YAML. Error: yaml: line"},
		{name: "tab indentation", data: "schemaVersion: 1.0\nphases:\n\t- name: build\n", fragment: "Unable to parse the document as YAML", line: 3},
		{name: "only comments", data: "# nothing here\n", fragment: "The document is empty."},
		{name: "empty", data: "", fragment: "The document is empty."},
		{name: "scalar document", data: "just text", fragment: "must be a YAML mapping", line: 1},
		{name: "list document", data: "- schemaVersion: 1.0", fragment: "must be a YAML mapping"},
		{name: "missing schema version", data: "phases:\n  - name: build\n    steps: []\n", fragment: "Invalid schema version. Supported versions include: 1.0."},
		{name: "schema version 1", data: "schemaVersion: 1\nphases: []\n", fragment: "Invalid schema version. Supported versions include: 1.0.", line: 1},
		{name: "schema version 2.0", data: "schemaVersion: 2.0\nphases: []\n", fragment: "Invalid schema version"},
		{name: "schema version list", data: "schemaVersion: [1.0]\nphases: []\n", fragment: "Invalid schema version"},
		{name: "name is a list", data: "name: [a]\nschemaVersion: 1.0\nphases: []\n", fragment: "Invalid document name at line 1: it must be a string."},
		{name: "description is a map", data: "description: {a: b}\nschemaVersion: 1.0\nphases: []\n", fragment: "Invalid document description"},
		{name: "missing phases", data: "schemaVersion: 1.0\n", fragment: "The document has no phases; it requires a 'phases' list."},
		{name: "phases not a list", data: "schemaVersion: 1.0\nphases:\n  build: {}\n", fragment: "'phases' must be a list of phases", line: 3},
		{name: "no phases", data: "schemaVersion: 1.0\nphases: []\n", fragment: "at least one of the following phases: build, validate, test."},
		{name: "only unknown phase", data: "schemaVersion: 1.0\nphases:\n  - name: deploy\n    steps: []\n", fragment: "at least one of the following phases"},
		{name: "phase not a map", data: "schemaVersion: 1.0\nphases:\n  - build\n", fragment: "Parsing phase at index 0 failed. Error: a phase must be a mapping", line: 3},
		{name: "phase without name", data: "schemaVersion: 1.0\nphases:\n  - steps: []\n", fragment: "Phase has no name; it requires a 'name'"},
		{name: "phase without steps", data: "schemaVersion: 1.0\nphases:\n  - name: build\n", fragment: "Parsing phase 'build' failed. Error: Phase has no steps", phase: "build"},
		{name: "steps not a list", data: "schemaVersion: 1.0\nphases:\n  - name: build\n    steps: {a: b}\n", fragment: "'steps' must be a list of steps", phase: "build"},
		{name: "duplicate phase", data: "schemaVersion: 1.0\nphases:\n  - name: build\n    steps: []\n  - name: build\n    steps: []\n",
			fragment: "Duplicate phase name 'build'.", phase: "build", line: 5},

		// Steps.
		{name: "step name with space", data: minimal("      - name: Install PowerShell\n" + bash),
			fragment: "Invalid step name 'Install PowerShell' in phase 'build'. Allowed characters are combinations of numbers [0-9], english letters [a-z,A-Z] and special characters [-_].",
			phase:    "build", step: "Install PowerShell"},
		{name: "step without name", data: minimal("      - action: ExecuteBash\n        inputs: {commands: [x]}\n"), fragment: "Invalid step name '' in phase 'build'", phase: "build"},
		{name: "step name a list", data: minimal("      - name: [A]\n" + bash), fragment: "Invalid step name ''", phase: "build"},
		{name: "step not a map", data: minimal("      - ExecuteBash\n"), fragment: "Parsing step at index 0 in phase 'build' failed. Error: a step must be a mapping", phase: "build"},
		{name: "duplicate step", data: minimal("      - name: A\n" + bash + "      - name: A\n" + bash),
			fragment: "Duplicate step name 'A' in phase 'build'.", phase: "build", step: "A", line: 8},
		{name: "missing action", data: minimal("      - name: A\n        inputs: {commands: [x]}\n"),
			fragment: "Parsing step 'A' in phase 'build' failed. Error: Step has no action; it requires an 'action'.", phase: "build", step: "A"},
		{name: "unknown action", data: minimal("      - name: InstallNginx\n        action: InvokeBash\n        inputs: {commands: [x]}\n"), platform: PlatformLinux,
			fragment: "Parsing step 'InstallNginx' in phase 'build' failed. Error: Unsupported action InvokeBash for os platform linux.", phase: "build", step: "InstallNginx", line: 6},
		{name: "unknown action any platform", data: minimal("      - name: A\n        action: InvokeBash\n        inputs: {commands: [x]}\n"),
			fragment: "Error: Unsupported action InvokeBash.", phase: "build", step: "A"},
		{name: "action case differs", data: minimal("      - name: A\n        action: executebash\n        inputs: {commands: [x]}\n"), fragment: "Unsupported action executebash"},
		{name: "bash on windows", data: minimal("      - name: A\n" + bash), platform: PlatformWindows,
			fragment: "Unsupported action ExecuteBash for os platform windows.", phase: "build", step: "A"},
		{name: "powershell on linux", data: minimal("      - name: A\n        action: ExecutePowerShell\n        inputs: {commands: [x]}\n"), platform: PlatformLinux,
			fragment: "Unsupported action ExecutePowerShell for os platform linux."},
		{name: "registry on macOS", data: minimal("      - name: A\n        action: SetRegistry\n        inputs: [{path: p}]\n"), platform: PlatformMacOS,
			fragment: "Unsupported action SetRegistry for os platform macos."},
		{name: "action is a map", data: minimal("      - name: A\n        action: {x: y}\n"), fragment: "'action' must be a string"},
		{name: "empty inputs list", data: minimal("      - name: Download\n        action: S3Download\n        inputs: []\n"),
			fragment: "Parsing step 'Download' in phase 'build' failed. Error: Action S3Download has no inputs; it requires an 'inputs'", phase: "build", step: "Download"},
		{name: "missing inputs", data: minimal("      - name: A\n        action: ExecuteBash\n"), fragment: "Action ExecuteBash has no inputs"},
		{name: "null inputs", data: minimal("      - name: A\n        action: ExecuteBinary\n        inputs:\n"), fragment: "Action ExecuteBinary has no inputs"},
		{name: "scalar inputs", data: minimal("      - name: A\n        action: Reboot\n        inputs: soon\n"), fragment: "'inputs' must be a mapping or a list"},
		{name: "onFailure invalid", data: minimal("      - name: A\n        action: ExecuteBash\n        onFailure: Stop\n        inputs: {commands: [x]}\n"),
			fragment: "Invalid onFailure value 'Stop'. Supported values include: Abort, Continue, Ignore.", step: "A", line: 7},
		{name: "timeout zero", data: minimal("      - name: A\n        action: ExecuteBash\n        timeoutSeconds: 0\n        inputs: {commands: [x]}\n"),
			fragment: "Invalid timeoutSeconds value '0'. It must be a positive integer, or -1 for no timeout."},
		{name: "timeout -5", data: minimal("      - name: A\n        action: ExecuteBash\n        timeoutSeconds: -5\n        inputs: {commands: [x]}\n"), fragment: "Invalid timeoutSeconds value '-5'"},
		{name: "timeout text", data: minimal("      - name: A\n        action: ExecuteBash\n        timeoutSeconds: an hour\n        inputs: {commands: [x]}\n"),
			fragment: "Invalid timeoutSeconds value 'an hour'. It must be an integer."},
		{name: "timeout float", data: minimal("      - name: A\n        action: ExecuteBash\n        timeoutSeconds: 1.5\n        inputs: {commands: [x]}\n"), fragment: "Invalid timeoutSeconds value '1.5'"},
		{name: "maxAttempts zero", data: minimal("      - name: A\n        action: ExecuteBash\n        maxAttempts: 0\n        inputs: {commands: [x]}\n"),
			fragment: "Invalid maxAttempts value '0'. It must be a positive integer."},
		{name: "maxAttempts list", data: minimal("      - name: A\n        action: ExecuteBash\n        maxAttempts: [3]\n        inputs: {commands: [x]}\n"), fragment: "Invalid maxAttempts value ''. It must be an integer."},
		{name: "execute document timeout", data: minimal("      - name: N\n        action: ExecuteDocument\n        timeoutSeconds: 60\n        inputs: {document: d.yaml}\n"),
			fragment: "Action ExecuteDocument runs without a timeout; timeoutSeconds must be -1 or omitted."},
		{name: "execute document retries", data: minimal("      - name: N\n        action: ExecuteDocument\n        maxAttempts: 2\n        inputs: {document: d.yaml}\n"),
			fragment: "Action ExecuteDocument runs once; maxAttempts must be 1 or omitted."},
		{name: "unquoted expression", data: minimal("      - name: Hello\n        action: ExecuteBash\n        inputs:\n          commands:\n            - {{ MyParameter }}\n"),
			fragment: "Parsing step 'Hello' in phase 'build' failed. Error: Invalid mapping key at line 9", phase: "build", step: "Hello", line: 9},
		{name: "duplicate key in step", data: minimal("      - name: A\n        action: ExecuteBash\n        action: ExecuteBinary\n        inputs: {commands: [x]}\n"),
			fragment: "Duplicate key 'action' at line 7; it is already defined at line 6.", step: "A"},
		{name: "duplicate top-level key", data: "schemaVersion: 1.0\nschemaVersion: 1.0\nphases: []\n", fragment: "Duplicate key 'schemaVersion' at line 2"},

		// Loops.
		{name: "loop scalar", data: minimal("      - name: A\n        action: ExecuteBash\n        loop: forever\n        inputs: {commands: [x]}\n"), fragment: "'loop' must be a mapping"},
		{name: "loop empty", data: minimal("      - name: A\n        action: ExecuteBash\n        loop: {name: l}\n        inputs: {commands: [x]}\n"),
			fragment: "a loop must define exactly one of 'for' or 'forEach'"},
		{name: "loop both kinds", data: minimal("      - name: A\n        action: ExecuteBash\n        loop: {for: {start: 1, end: 2, updateBy: 1}, forEach: [a]}\n        inputs: {commands: [x]}\n"),
			fragment: "exactly one of 'for' or 'forEach'"},
		{name: "for missing end", data: minimal("      - name: A\n        action: ExecuteBash\n        loop: {for: {start: 1, updateBy: 1}}\n        inputs: {commands: [x]}\n"),
			fragment: "'for' requires an integer 'end'"},
		{name: "for chaining start", data: minimal("      - name: A\n        action: ExecuteBash\n        loop: {for: {start: '{{ Count }}', end: 2, updateBy: 1}}\n        inputs: {commands: [x]}\n"),
			fragment: "'for' requires an integer 'start'"},
		{name: "for zero step", data: minimal("      - name: A\n        action: ExecuteBash\n        loop: {for: {start: 1, end: 2, updateBy: 0}}\n        inputs: {commands: [x]}\n"),
			fragment: "updateBy must be a non-zero integer"},
		{name: "for infinite", data: minimal("      - name: A\n        action: ExecuteBash\n        loop: {for: {start: 1, end: 10, updateBy: -1}}\n        inputs: {commands: [x]}\n"),
			fragment: "'for' with start 1, end 10 and updateBy -1 never reaches its end"},
		{name: "forEach nested list", data: minimal("      - name: A\n        action: ExecuteBash\n        loop: {forEach: [[a]]}\n        inputs: {commands: [x]}\n"),
			fragment: "'forEach' list items must be strings"},
		{name: "forEach bad delimiter", data: minimal("      - name: A\n        action: ExecuteBash\n        loop: {forEach: {list: 'a|b', delimiter: '|'}}\n        inputs: {commands: [x]}\n"),
			fragment: "'forEach' delimiter must be one character"},
		{name: "forEach missing list", data: minimal("      - name: A\n        action: ExecuteBash\n        loop: {forEach: {delimiter: ','}}\n        inputs: {commands: [x]}\n"),
			fragment: "'forEach' requires a 'list' string"},
		{name: "forEach scalar", data: minimal("      - name: A\n        action: ExecuteBash\n        loop: {forEach: a}\n        inputs: {commands: [x]}\n"),
			fragment: "'forEach' must be a list of strings or a mapping"},
		{name: "duplicate loop name", data: minimal("      - name: A\n        action: ExecuteBash\n        loop: {name: l, forEach: [a]}\n        inputs: {commands: [x]}\n" +
			"      - name: B\n        action: ExecuteBash\n        loop: {name: l, forEach: [b]}\n        inputs: {commands: [x]}\n"),
			fragment: "Duplicate loop name 'l' in phase 'build'.", step: "B"},

		// Conditions.
		{name: "if scalar", data: minimal("      - name: A\n        action: ExecuteBash\n        if: true\n        inputs: {commands: [x]}\n"), fragment: "'if' must contain a conditional expression", step: "A"},
		{name: "if empty", data: minimal("      - name: A\n        action: ExecuteBash\n        if: {}\n        inputs: {commands: [x]}\n"), fragment: "'if' must contain a conditional expression"},
		{name: "if bad then", data: minimal("      - name: A\n        action: ExecuteBash\n        if: {binaryExists: yum, then: Run}\n        inputs: {commands: [x]}\n"),
			fragment: "invalid 'then' step action 'Run'; supported step actions: Abort, Execute, Skip"},
		{name: "if and not a list", data: minimal("      - name: A\n        action: ExecuteBash\n        if: {and: {binaryExists: yum}}\n        inputs: {commands: [x]}\n"),
			fragment: "logical operator 'and' requires a list of expressions"},
		{name: "if not a list", data: minimal("      - name: A\n        action: ExecuteBash\n        if: {not: [a]}\n        inputs: {commands: [x]}\n"),
			fragment: "logical operator 'not' requires one expression"},
		{name: "if five logical levels", data: minimal("      - name: A\n        action: ExecuteBash\n        if: {and: [{or: [{not: {and: [{or: [{binaryExists: yum}]}]}}]}]}\n        inputs: {commands: [x]}\n"),
			fragment: "at most 4 levels of nested logical operators"},

		// Parameters and constants.
		{name: "parameters not a list", data: "schemaVersion: 1.0\nparameters:\n  Foo: {type: string}\nphases: []\n", fragment: "'parameters' must be a list", line: 3},
		{name: "parameter entry two keys", data: "schemaVersion: 1.0\nparameters:\n  - Foo: {type: string}\n    Bar: {type: string}\nphases: []\n",
			fragment: "Invalid parameter declaration at index 0 (line 3)"},
		{name: "parameter name short", data: "schemaVersion: 1.0\nparameters:\n  - ab: {type: string}\nphases: []\n",
			fragment: "Invalid parameter name 'ab'. The name must be between 3 and 128 characters long"},
		{name: "parameter name long", data: "schemaVersion: 1.0\nparameters:\n  - " + strings.Repeat("p", 129) + ": {type: string}\nphases: []\n",
			fragment: "Invalid parameter name 'ppp"},
		{name: "parameter name dot", data: "schemaVersion: 1.0\nparameters:\n  - my.param: {type: string}\nphases: []\n", fragment: "Invalid parameter name 'my.param'"},
		{name: "parameter name number", data: "schemaVersion: 1.0\nparameters:\n  - 12345: {type: string}\nphases: []\n",
			fragment: "Invalid parameter name '12345' (line 3): the name must be specified as a YAML string."},
		{name: "parameter type missing", data: "schemaVersion: 1.0\nparameters:\n  - Foo: {default: x}\nphases: []\n",
			fragment: "Invalid type '' for parameter 'Foo'. Supported types include: string."},
		{name: "parameter type integer", data: "schemaVersion: 1.0\nparameters:\n  - Foo: {type: integer}\nphases: []\n", fragment: "Invalid type 'integer' for parameter 'Foo'"},
		{name: "parameter definition scalar", data: "schemaVersion: 1.0\nparameters:\n  - Foo: string\nphases: []\n", fragment: "Invalid definition for parameter 'Foo'"},
		{name: "parameter default list", data: "schemaVersion: 1.0\nparameters:\n  - Foo: {type: string, default: [a, b]}\nphases: []\n",
			fragment: "Invalid default for parameter 'Foo' (line 3): the default must be a string."},
		{name: "parameter description map", data: "schemaVersion: 1.0\nparameters:\n  - Foo: {type: string, description: {a: b}}\nphases: []\n", fragment: "Invalid description for parameter 'Foo'"},
		{name: "duplicate parameter", data: "schemaVersion: 1.0\nparameters:\n  - Foo: {type: string}\n  - Foo: {type: string}\nphases: []\n",
			fragment: "Duplicate variable name 'Foo': it is already declared as a parameter."},
		{name: "constant shadows parameter", data: "schemaVersion: 1.0\nparameters:\n  - Foo: {type: string}\nconstants:\n  - Foo: {type: string, value: x}\nphases: []\n",
			fragment: "Duplicate variable name 'Foo': it is already declared as a parameter.", line: 5},
		{name: "constant without value", data: "schemaVersion: 1.0\nconstants:\n  - Foo: {type: string}\nphases: []\n", fragment: "Constant 'Foo' has no value; it requires a 'value' (line 3)."},
		{name: "constant value list", data: "schemaVersion: 1.0\nconstants:\n  - Foo: {type: string, value: [x]}\nphases: []\n", fragment: "Invalid value for constant 'Foo'"},
		{name: "constant bad type", data: "schemaVersion: 1.0\nconstants:\n  - Foo: {type: number, value: 1}\nphases: []\n", fragment: "Invalid type 'number' for constant 'Foo'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := ParseForPlatform(tt.data, tt.platform)
			if err == nil {
				t.Fatalf("accepted: %+v\n%s", doc, tt.data)
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error %T %v is not a *ValidationError", err, err)
			}
			if !strings.HasPrefix(err.Error(), MessagePrefix) {
				t.Errorf("message %q lacks the AWS prefix", err.Error())
			}
			if !strings.Contains(ve.Detail, tt.fragment) {
				t.Errorf("detail %q\ndoes not contain %q", ve.Detail, tt.fragment)
			}
			if tt.phase != "" && ve.Phase != tt.phase {
				t.Errorf("phase = %q, want %q", ve.Phase, tt.phase)
			}
			if tt.step != "" && ve.Step != tt.step {
				t.Errorf("step = %q, want %q", ve.Step, tt.step)
			}
			if tt.line != 0 && ve.Line != tt.line {
				t.Errorf("line = %d, want %d", ve.Line, tt.line)
			}
		})
	}
}

func TestValidationErrorAWSError(t *testing.T) {
	_, err := Parse(minimal("      - name: Install PowerShell\n        action: ExecutePowerShell\n        inputs: {commands: [x]}\n"))
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v", err)
	}
	ae := ve.AWSError()
	if ae.Code != "InvalidParameterValueException" || ae.HTTPStatus != http.StatusBadRequest || ae.Message != err.Error() {
		t.Errorf("AWSError = %+v", ae)
	}
	want := "The value supplied for parameter 'data' is not valid. Invalid step name 'Install PowerShell' in phase 'build'. " +
		"Allowed characters are combinations of numbers [0-9], english letters [a-z,A-Z] and special characters [-_]."
	if ae.Message != want {
		t.Errorf("message\n got %q\nwant %q", ae.Message, want)
	}
}

func TestParseForPlatformUnknownPlatform(t *testing.T) {
	_, err := ParseForPlatform(readTestdata(t, "typical_2kb.yaml"), "Solaris")
	var ve *ValidationError
	if err == nil || errors.As(err, &ve) {
		t.Fatalf("want a plain caller error, got %v", err)
	}
}
