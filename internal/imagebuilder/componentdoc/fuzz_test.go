package componentdoc

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse checks that no input makes Parse panic, hang or answer with
// anything but a Document or a *ValidationError that carries the AWS prefix.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b), PlatformLinux)
	}
	f.Add("schemaVersion: 1.0\nphases: [{name: build, steps: [{name: A, action: Reboot}]}]", PlatformWindows)
	f.Add("a: &a [*a]", "")
	f.Add("{{ x }}: y", PlatformMacOS)
	f.Fuzz(func(t *testing.T, data, platform string) {
		if _, ok := platformBit(platform); !ok {
			platform = ""
		}
		doc, err := ParseForPlatform(data, platform)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error %T %v is not a *ValidationError", err, err)
			}
			if !strings.HasPrefix(err.Error(), MessagePrefix) || ve.Detail == "" {
				t.Fatalf("malformed message %q", err.Error())
			}
			if doc != nil {
				t.Fatal("document returned with an error")
			}
			return
		}
		if doc.SchemaVersion != supportedSchemaVersion {
			t.Fatalf("accepted schemaVersion %q", doc.SchemaVersion)
		}
		for _, p := range doc.Phases {
			for _, s := range p.Steps {
				if !ActionSupported(s.Action, platform) || !stepNamePattern().MatchString(s.Name) {
					t.Fatalf("accepted step %+v on platform %q", s, platform)
				}
			}
		}
	})
}
