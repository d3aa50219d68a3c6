package apimodel

import (
	"fmt"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
)

// The remembered matches must never change an answer: values alternate
// between matching, not matching and excluded ones.
func TestMatchPatternMemo(t *testing.T) {
	sh := &Shape{GoPattern: `^arn:aws:[a-z]+:[0-9]+$`, PatternExcludes: []string{`:0+$`}}
	long := "arn:aws:x:" + strings.Repeat("1", maxMemoMatch)
	cases := []struct {
		v    string
		want bool
	}{
		{"arn:aws:s:1", true}, {"arn:aws:s:1", true}, {"arn:aws:s:1x", false}, {"arn:aws:s:000", false},
		{"arn:aws:s:1", true}, {"arn:aws:t:2", true}, {"arn:aws:s:1", true}, {"", false}, {long, true}, {long + "x", false},
		{"arn:aws:s:1", true}, {"ARN:aws:s:1", false},
	}
	for i := 0; i < 2; i++ {
		for _, c := range cases {
			if got := sh.MatchPattern(c.v); got != c.want {
				t.Errorf("MatchPattern(%.40q) = %v, want %v", c.v, got, c.want)
			}
		}
	}
	if known := sh.matched.slot("arn:aws:s:1").Load(); known == nil || *known != "arn:aws:s:1" {
		t.Errorf("the slot of a matched value holds %v", known)
	}
	for _, v := range []string{"arn:aws:s:1x", "arn:aws:s:000", long + "x", long} {
		if known := sh.matched.slot(v).Load(); known != nil && *known == v {
			t.Errorf("%.40q is kept: only matches (of at most maxMemoMatch bytes) are", v)
		}
	}
	b := []byte("arn:aws:s:7")
	if !sh.MatchPattern(string(b)) {
		t.Fatal("no match")
	}
	b[len(b)-1] = 'x'
	if sh.MatchPattern(string(b)) {
		t.Error("a remembered value followed its caller's buffer")
	}
	if n := testing.AllocsPerRun(100, func() { sh.MatchPattern("arn:aws:s:7") }); n != 0 {
		t.Errorf("a repeated match allocates %v times", n)
	}
}

// Many values in turn, more than the table has slots: each answer is the
// regexp's, and a working set the table holds is answered without a run
// (no allocation).
func TestMatchPatternMemoMany(t *testing.T) {
	sh := &Shape{GoPattern: `^arn:aws:imagebuilder:[a-z0-9-]+:[0-9]{12}:component/[a-z0-9-]+/[0-9]+\.[0-9]+\.[0-9]+/[0-9]+$`}
	re := regexp.MustCompile(sh.GoPattern)
	var vs []string
	for i := range 300 {
		vs = append(vs, fmt.Sprintf("arn:aws:imagebuilder:us-east-1:111122223333:component/c-%d/1.0.0/1", i))
		vs = append(vs, fmt.Sprintf("arn:aws:imagebuilder:us-east-1:111122223333:component/C-%d/1.0.0/1", i))
	}
	for round := range 3 {
		for _, v := range vs {
			if got, want := sh.MatchPattern(v), re.MatchString(v); got != want {
				t.Fatalf("round %d: MatchPattern(%q) = %v, want %v", round, v, got, want)
			}
		}
	}
	// A working set of values in distinct slots stays.
	var set []string
	used := map[*atomic.Pointer[string]]bool{}
	for _, v := range vs {
		if s := sh.matched.slot(v); re.MatchString(v) && !used[s] && len(set) < 16 {
			used[s] = true
			set = append(set, v)
		}
	}
	for _, v := range set {
		sh.MatchPattern(v)
	}
	if n := testing.AllocsPerRun(50, func() {
		for _, v := range set {
			sh.MatchPattern(v)
		}
	}); n != 0 {
		t.Errorf("a working set of %d matched values allocates %v times a round", len(set), n)
	}
}
