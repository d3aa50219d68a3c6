package imagebuilder

import (
	"regexp"
	"testing"
)

// TestLazyRegexpsCompile: every package-level expression compiled on first
// use is valid, so no request can be the first to find out.
func TestLazyRegexpsCompile(t *testing.T) {
	if len(lazyRegexps) < 10 {
		t.Fatalf("only %d lazy regexps registered", len(lazyRegexps))
	}
	for _, l := range lazyRegexps {
		if _, err := regexp.Compile(l.expr); err != nil {
			t.Errorf("%q: %v", l.expr, err)
		}
	}
}
