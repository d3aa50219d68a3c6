package emulator

import (
	"regexp"
	"testing"

	"github.com/ibemu/ibemu/internal/lazyre"
)

// Every package-level expression compiled on first use (lazyre) is valid,
// so no request can be the first to find out. The emulator links every
// package that has them (imagebuilder, kms, its own seeds).
func TestLazyRegexpsCompile(t *testing.T) {
	if len(lazyre.All()) < 20 {
		t.Fatalf("only %d lazy regexps registered", len(lazyre.All()))
	}
	for _, l := range lazyre.All() {
		if _, err := regexp.Compile(l.Expr()); err != nil {
			t.Errorf("%q: %v", l.Expr(), err)
		}
	}
}
