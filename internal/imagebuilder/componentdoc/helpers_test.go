package componentdoc

import (
	"os"
	"path/filepath"
	"testing"
)

func readTestdata(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// stepSummary is "phase/step:action" for each step, in document order.
func stepSummary(d *Document) []string {
	var out []string
	for _, p := range d.Phases {
		for _, s := range p.Steps {
			out = append(out, p.Name+"/"+s.Name+":"+s.Action)
		}
	}
	return out
}

// minimal wraps one step body (already indented for a step) in a valid
// document with a build phase.
func minimal(step string) string {
	return "schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n" + step
}
