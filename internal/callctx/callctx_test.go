package callctx

import (
	"context"
	"testing"
)

type otherKey struct{}

// With carries the call, keeps the parent's values and cancellation, and
// stays correct when a call is put into several contexts.
func TestWith(t *testing.T) {
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), otherKey{}, "v"))
	c := &Call{RequestID: "r1"}
	ctx := With(parent, c)
	if From(ctx) != c || ctx.Value(otherKey{}) != "v" {
		t.Fatalf("From = %v, other = %v", From(ctx), ctx.Value(otherKey{}))
	}
	// A second With of the same call on another parent leaves the first
	// context as it was.
	ctx2 := With(context.Background(), c)
	if From(ctx2) != c || ctx2.Value(otherKey{}) != nil || ctx.Value(otherKey{}) != "v" {
		t.Fatal("second With disturbed the first context")
	}
	// A nil call hides the one in the parent.
	if From(With(ctx, nil)) != nil {
		t.Fatal("With(ctx, nil) still carries a call")
	}
	// Derived contexts see the call and the parent's cancellation.
	child, stop := context.WithCancel(ctx)
	defer stop()
	cancel()
	<-child.Done()
	if From(child) != c || ctx.Err() == nil {
		t.Fatal("cancellation or call lost")
	}
	if n := testing.AllocsPerRun(100, func() { _ = With(context.Background(), &Call{}) }); n > 1 {
		t.Errorf("With allocates %v times beyond the call", n-1)
	}
}
