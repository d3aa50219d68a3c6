package componentdoc

import (
	"reflect"
	"testing"
)

func TestParametersExtracted(t *testing.T) {
	doc, err := Parse(readTestdata(t, "linux_webserver.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Parameter{
		{Name: "SiteBucket", Type: "string", DefaultValue: []string{"example-site-artifacts"}, Description: "S3 bucket that holds the site bundle."},
		{Name: "ListenPort", Type: "string", DefaultValue: []string{"8080"}, Description: "TCP port nginx listens on."},
		{Name: "ExtraPackages", Type: "string", Description: "Comma separated list of extra packages to install."},
	}
	if !reflect.DeepEqual(doc.Parameters, want) {
		t.Errorf("parameters\n got %+v\nwant %+v", doc.Parameters, want)
	}
}

func TestParameterDefaults(t *testing.T) {
	data := "schemaVersion: 1.0\nparameters:\n" +
		"  - Unquoted_Number:\n      type: string\n      default: 8080\n" +
		"  - Empty-Default:\n      type: String\n      default: ''\n" +
		"  - NullDefault:\n      type: string\n      default:\n" +
		"  - MultiLine:\n      type: string\n      default: |\n        line one\n        line two\n" +
		"  - &anchored Aliased:\n      type: string\n      default: from-anchor\n" +
		"phases:\n  - name: build\n    steps: []\n"
	doc, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	want := []Parameter{
		{Name: "Unquoted_Number", Type: "string", DefaultValue: []string{"8080"}},
		// The type keeps its spelling; AWSTOE's "string" is matched without case.
		{Name: "Empty-Default", Type: "String", DefaultValue: []string{""}},
		{Name: "NullDefault", Type: "string"},
		{Name: "MultiLine", Type: "string", DefaultValue: []string{"line one\nline two\n"}},
		{Name: "Aliased", Type: "string", DefaultValue: []string{"from-anchor"}},
	}
	if !reflect.DeepEqual(doc.Parameters, want) {
		t.Errorf("parameters\n got %+v\nwant %+v", doc.Parameters, want)
	}
}

func TestParameterNameBounds(t *testing.T) {
	for name, ok := range map[string]bool{
		"abc":                  true,
		"a-_":                  true,
		"A1234567890123456789": true,
		"x":                    false,
		"has space":            false,
	} {
		data := "schemaVersion: 1.0\nparameters:\n  - " + name + ": {type: string}\nphases:\n  - name: build\n    steps: []\n"
		_, err := Parse(data)
		if (err == nil) != ok {
			t.Errorf("name %q: err = %v, want ok=%v", name, err, ok)
		}
	}
	long := make([]byte, 128)
	for i := range long {
		long[i] = 'p'
	}
	data := "schemaVersion: 1.0\nparameters:\n  - " + string(long) + ": {type: string}\nphases:\n  - name: build\n    steps: []\n"
	if doc, err := Parse(data); err != nil || doc.Parameters[0].Name != string(long) {
		t.Errorf("128-character name rejected: %v", err)
	}
}
