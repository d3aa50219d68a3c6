package kms

import "testing"

func TestLazyPatternsCompile(t *testing.T) {
	if len(lazyPatterns) < 6 {
		t.Fatalf("only %d lazy patterns registered", len(lazyPatterns))
	}
	for _, p := range lazyPatterns {
		if p() == nil {
			t.Fatal("nil pattern")
		}
	}
}
