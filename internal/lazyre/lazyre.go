// Package lazyre holds package-level regular expressions compiled on first
// use instead of at package init, which every start-up pays for
// (docs/bench-startup.md, docs/bench-startmem.md).
package lazyre

import (
	"regexp"
	"sync"
)

// Regexp is a regular expression compiled on its first use. Its methods
// are regexp.Regexp's. The expressions are constants of the program: a bad
// one panics on first use, as regexp.MustCompile does, and All lets a test
// compile every one so that no request is the first to find it.
type Regexp struct {
	expr string
	once sync.Once
	re   *regexp.Regexp
}

var (
	mu  sync.Mutex
	all []*Regexp
)

// New returns expr, to be compiled on first use.
func New(expr string) *Regexp {
	l := &Regexp{expr: expr}
	mu.Lock()
	all = append(all, l)
	mu.Unlock()
	return l
}

// All returns every Regexp made by New in the packages linked so far.
func All() []*Regexp {
	mu.Lock()
	defer mu.Unlock()
	return append([]*Regexp(nil), all...)
}

// Expr returns the expression's source text.
func (l *Regexp) Expr() string { return l.expr }

// Get returns the compiled expression, compiling it on the first call.
func (l *Regexp) Get() *regexp.Regexp {
	l.once.Do(func() { l.re = regexp.MustCompile(l.expr) })
	return l.re
}

func (l *Regexp) MatchString(s string) bool { return l.Get().MatchString(s) }

func (l *Regexp) FindStringSubmatch(s string) []string { return l.Get().FindStringSubmatch(s) }

func (l *Regexp) FindAllStringSubmatch(s string, n int) [][]string {
	return l.Get().FindAllStringSubmatch(s, n)
}

func (l *Regexp) ReplaceAllStringFunc(s string, f func(string) string) string {
	return l.Get().ReplaceAllStringFunc(s, f)
}
