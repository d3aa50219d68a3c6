package workflowdoc

import (
	"errors"
	"strings"
	"testing"
)

const valid = `name: w
schemaVersion: "1.0"
parameters:
  - name: count
    type: integer
    default: 3
steps:
  - name: Launch
    action: LaunchInstance
  - name: Run
    action: RunCommand
    if:
      and:
        - numberGreaterThan: 1
          value: $.parameters.count
        - not:
            stringEquals: x
            value: y
    inputs:
      documentName: AWS-RunShellScript
      instanceId.$: $.stepOutputs.Launch.instanceId
outputs:
  - name: id
    value: $.stepOutputs.Launch.instanceId
`

func TestParseValid(t *testing.T) {
	doc, err := Parse(valid, TypeBuild)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(doc.Steps) != 2 || doc.Steps[1].OnFailure != "Abort" || !doc.Steps[1].RollbackEnabled ||
		len(doc.Parameters) != 1 || strings.Join(doc.Parameters[0].Default, ",") != "3" || len(doc.Outputs) != 1 {
		t.Errorf("doc = %+v", doc)
	}
	if n := len(Actions()); n != 17 {
		t.Errorf("%d actions, want the user guide's 17", n)
	}
}

func TestParseInvalidIsValidationError(t *testing.T) {
	for _, doc := range []string{"", "[1, 2]", "schemaVersion: 1.0\nsteps: 3\n", "a: &a [*a]\n", "schemaVersion: 1.0\nsteps:\n  - {1: 2}\n"} {
		_, err := Parse(doc, TypeTest)
		var verr *ValidationError
		if !errors.As(err, &verr) {
			t.Errorf("Parse(%q) = %v, want a *ValidationError", doc, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(valid)
	f.Add("schemaVersion: 1.0\nsteps:\n  - name: a\n    action: WaitForAction\n    if: {or: [{not: {}}]}\n")
	f.Fuzz(func(t *testing.T, data string) {
		doc, err := Parse(data, TypeBuild)
		if (doc == nil) == (err == nil) {
			t.Fatalf("Parse returned doc %v and err %v", doc, err)
		}
	})
}
