package apimodel

import (
	"strings"
	"testing"
)

// The remembered last match must never change an answer: values alternate
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
	if last := sh.lastMatch.Load(); last == nil || *last != "arn:aws:s:1" {
		t.Errorf("lastMatch = %v", last)
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
