package emulator

import (
	"regexp"
	"sync"
)

// lazyRE is a package-level regular expression compiled on its first use
// rather than at package init, which every start-up pays for
// (docs/bench-startup.md). lazyPatterns lists them all, for the test that
// compiles each, so that no request is the first to find a bad expression.
func lazyRE(expr string) func() *regexp.Regexp {
	f := sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
	lazyPatterns = append(lazyPatterns, f)
	return f
}

var lazyPatterns []func() *regexp.Regexp
