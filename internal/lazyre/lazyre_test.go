package lazyre

import "testing"

func TestNewCompilesOnceOnFirstUse(t *testing.T) {
	n := len(All())
	l := New(`^a+$`)
	if len(All()) != n+1 {
		t.Fatalf("All has %d, want %d", len(All()), n+1)
	}
	if !l.MatchString("aaa") || l.MatchString("b") {
		t.Fatal("wrong expression")
	}
	if l.Get() != l.Get() {
		t.Fatal("compiled more than once")
	}
	bad := New(`(`)
	defer func() {
		if recover() == nil {
			t.Fatal("a bad expression did not panic on first use")
		}
	}()
	bad.Get()
}
