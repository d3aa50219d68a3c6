package storage_test

import (
	"fmt"
	"testing"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/ibemu/ibemu/internal/storage"
)

func TestCountStopsAtLimitAndKeepsScopesApart(t *testing.T) {
	db, _ := openTestDB(t, storage.Options{NoSync: true})
	count := func(sc storage.Scope, limit int) int {
		t.Helper()
		var n int
		mustView(t, db, func(tx *storage.Tx) (err error) { n, err = names.Count(tx, sc, limit); return err })
		return n
	}
	if n := count(alice, 0); n != 0 {
		t.Fatalf("empty table: Count = %d", n)
	}
	mustUpdate(t, db, func(tx *storage.Tx) error {
		for i := range 7 {
			if err := names.Put(tx, alice, fmt.Appendf(nil, "k%02d", i), wrapperspb.String("v")); err != nil {
				return err
			}
		}
		return names.Put(tx, bob, []byte("only"), wrapperspb.String("v"))
	})
	for _, c := range []struct{ limit, want int }{{0, 7}, {3, 3}, {7, 7}, {100, 7}} {
		if n := count(alice, c.limit); n != c.want {
			t.Errorf("Count(alice, %d) = %d, want %d", c.limit, n, c.want)
		}
	}
	if n := count(bob, 0); n != 1 {
		t.Errorf("Count(bob) = %d, want 1", n)
	}
}
