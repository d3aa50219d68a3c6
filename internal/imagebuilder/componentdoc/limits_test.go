package componentdoc

import (
	"errors"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func wantValidationError(t *testing.T, err error, fragment string) *ValidationError {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %T %v, want *ValidationError", err, err)
	}
	if !strings.Contains(ve.Detail, fragment) {
		t.Fatalf("detail %q does not contain %q", ve.Detail, fragment)
	}
	return ve
}

func TestBillionLaughsIsRejected(t *testing.T) {
	var b strings.Builder
	b.WriteString("schemaVersion: 1.0\nlol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i <= 9; i++ {
		b.WriteString("lol")
		b.WriteString(string(rune('0' + i)))
		b.WriteString(": &l")
		b.WriteString(string(rune('0' + i)))
		b.WriteString(" [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*l")
			b.WriteString(string(rune('0' + i - 1)))
		}
		b.WriteString("]\n")
	}
	b.WriteString("phases:\n  - name: build\n    steps: []\n")
	_, err := Parse(b.String())
	wantValidationError(t, err, "exceeds 100000 nodes")
}

func TestAliasBombInsideStepInputs(t *testing.T) {
	// Every anchor lives inside the step's inputs, where validation never
	// looks structurally; the tree walk must still bound the expansion.
	level := func(name, prev string) string {
		return "          " + name + ": &" + name + " [" + strings.Repeat("*"+prev+",", 7) + "*" + prev + "]\n"
	}
	bomb := minimal("      - name: A\n        action: ExecuteBash\n        inputs:\n" +
		"          a: &a [1,1,1,1,1,1,1,1]\n" +
		level("b", "a") + level("c", "b") + level("d", "c") + level("e", "d") + level("f", "e") +
		"          commands: *f\n")
	_, err := Parse(bomb)
	ve := wantValidationError(t, err, "too complex")
	if ve.Phase != "build" || ve.Step != "A" {
		t.Errorf("error not attributed to the step: %+v", ve)
	}
}

func TestSelfReferencingAliasIsRejected(t *testing.T) {
	// An anchor used inside its own value makes a cycle in the node tree.
	_, err := Parse("schemaVersion: 1.0\nloop: &a [x, *a]\nphases:\n  - name: build\n    steps: []\n")
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v, want a *ValidationError", err)
	}
}

func TestDeepNestingIsRejected(t *testing.T) {
	for name, data := range map[string]string{
		"flow sequences": "schemaVersion: 1.0\nx: " + strings.Repeat("[", 500) + strings.Repeat("]", 500) + "\nphases: []\n",
		"flow mappings":  "schemaVersion: 1.0\nx: " + strings.Repeat("{a: ", 200) + "1" + strings.Repeat("}", 200) + "\nphases: []\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(data)
			wantValidationError(t, err, "nests deeper than 64 levels")
		})
	}
}

func TestLengthLimit(t *testing.T) {
	base := minimal("      - name: A\n        action: ExecuteBash\n        inputs:\n          commands:\n            - echo '")
	tail := "'\n"
	fill := func(chars int, r string) string {
		return base + strings.Repeat(r, chars-len(base)-len(tail)) + tail
	}
	if _, err := Parse(fill(MaxDataLength, "a")); err != nil {
		t.Fatalf("document of exactly %d characters rejected: %v", MaxDataLength, err)
	}
	_, err := Parse(fill(MaxDataLength+1, "a"))
	wantValidationError(t, err, "The document is 16001 characters long; the maximum is 16000.")

	// Characters, not bytes, are counted: 16000 characters of three bytes each
	// pass.
	multi := base + strings.Repeat("€", MaxDataLength-len(base)-len(tail)) + tail
	if len(multi) <= MaxDataLength {
		t.Fatal("test document is not multi-byte")
	}
	if _, err := Parse(multi); err != nil {
		t.Fatalf("multi-byte document rejected: %v", err)
	}
}

func TestNULCharacterIsRejected(t *testing.T) {
	_, err := Parse("schemaVersion: 1.0\nphases:\n  - name: bu\x00ild\n")
	ve := wantValidationError(t, err, "NUL character at line 3")
	if ve.Line != 3 {
		t.Errorf("line = %d", ve.Line)
	}
}

func TestInvalidUTF8IsRejected(t *testing.T) {
	_, err := Parse("schemaVersion: 1.0\nname: \xff\xfe\nphases: []\n")
	wantValidationError(t, err, "Unable to parse the document as YAML")
}

func TestPanicInsideYAMLBecomesValidationError(t *testing.T) {
	saved := load
	t.Cleanup(func() { load = saved })
	load = func(string) (*yaml.Node, error) { panic("boom") }
	_, err := Parse(readTestdata(t, "typical_2kb.yaml"))
	wantValidationError(t, err, "Unable to parse the document.")
}
