package apimodel

import (
	"regexp"
	"testing"
)

// FuzzMatchPatternMemo: whatever values come, in whatever order, the
// answer with the table of matched values is the regexp's.
func FuzzMatchPatternMemo(f *testing.F) {
	pattern := `^arn:aws[^:]*:imagebuilder:[^:]+:(?:[0-9]{12}|aws(?:-[a-z-]+)?):component/[a-z0-9-_]+/(?:(?:([0-9]+|x)\.([0-9]+|x)\.([0-9]+|x))|(?:[0-9]+\.[0-9]+\.[0-9]+/[0-9]+))$`
	sh := &Shape{GoPattern: pattern, PatternExcludes: []string{`/0\.0\.0/`}}
	re, ex := regexp.MustCompile(pattern), regexp.MustCompile(`/0\.0\.0/`)
	f.Add("arn:aws:imagebuilder:us-east-1:111122223333:component/c/1.0.0/1", "arn:aws:imagebuilder:us-east-1:111122223333:component/c/1.0.0/2")
	f.Add("arn:aws:imagebuilder:us-east-1:aws:component/c/x.x.x", "arn:aws:imagebuilder:us-east-1:111122223333:component/c/0.0.0/1")
	f.Add("", "arn:aws:imagebuilder:us-east-1:111122223333:component/C/1.0.0/1")
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, v := range []string{a, b, a, b + "x", a} {
			want := re.MatchString(v) && !ex.MatchString(v)
			if got := sh.MatchPattern(v); got != want {
				t.Fatalf("MatchPattern(%q) = %v, the regexp says %v", v, got, want)
			}
		}
	})
}
