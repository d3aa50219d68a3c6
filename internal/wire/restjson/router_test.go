package restjson

import (
	"testing"

	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

func TestRouter(t *testing.T) {
	r := NewRouter(ibv1.Model())
	arn := "arn:aws:imagebuilder:us-east-1:111122223333:component/c/1.0.0/1"
	escaped := "arn%3Aaws%3Aimagebuilder%3Aus-east-1%3A111122223333%3Acomponent%2Fc%2F1.0.0%2F1"
	cases := []struct {
		method, path, op string
		label            string
		pathFound        bool
	}{
		{"PUT", "/CreateComponent", "CreateComponent", "", true},
		{"GET", "/GetComponent", "GetComponent", "", true},
		{"GET", "/tags/" + escaped, "ListTagsForResource", arn, true},
		{"POST", "/tags/" + escaped, "TagResource", arn, true},
		{"DELETE", "/tags/" + escaped, "UntagResource", arn, true},
		{"GET", "/CreateComponent", "", "", true},
		{"PUT", "/tags/" + escaped, "", "", true},
		{"GET", "/nope", "", "", false},
		{"GET", "/tags/", "", "", false},
		{"GET", "/tags/a/b", "", "", false},
		{"GET", "/tags/%zz", "", "", false},
	}
	for _, c := range cases {
		op, labels, found := r.Match(c.method, c.path)
		name := ""
		if op != nil {
			name = op.Name
		}
		if name != c.op || found != c.pathFound {
			t.Errorf("%s %s: op %q found %v, want %q %v", c.method, c.path, name, found, c.op, c.pathFound)
		}
		if c.label != "" && labels["resourceArn"] != c.label {
			t.Errorf("%s %s: label %q", c.method, c.path, labels["resourceArn"])
		}
	}
}
