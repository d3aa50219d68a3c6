package storage_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/ibemu/ibemu/internal/storage"
)

func TestUpdateErrorRollsBack(t *testing.T) {
	db, _ := openTestDB(t, storage.Options{})
	putName(t, db, alice, "kept", "before")

	boom := errors.New("boom")
	err := db.Update(context.Background(), func(tx *storage.Tx) error {
		if err := names.Put(tx, alice, []byte("kept"), wrapperspb.String("after")); err != nil {
			return err
		}
		if err := names.Put(tx, bob, []byte("new"), wrapperspb.String("x")); err != nil {
			return err
		}
		if _, err := names.Delete(tx, alice, []byte("kept")); err != nil {
			return err
		}
		return fmt.Errorf("request failed: %w", boom)
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update returned %v, want the function's error", err)
	}
	if got, ok := getName(t, db, alice, "kept"); !ok || got != "before" {
		t.Errorf("kept = %q, %v after rollback; want before, true", got, ok)
	}
	if _, ok := getName(t, db, bob, "new"); ok {
		t.Error("write from the failed Update survived")
	}
	mustView(t, db, func(tx *storage.Tx) error {
		return storage.Accounts(tx, func(a string) (bool, error) {
			if a == bob.Account {
				t.Error("bucket created by the failed Update survived")
			}
			return true, nil
		})
	})
}

func TestCancelledContextRunsNothing(t *testing.T) {
	db, _ := openTestDB(t, storage.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	if err := db.View(ctx, func(*storage.Tx) error { called = true; return nil }); err != context.Canceled {
		t.Errorf("View: err = %v, want context.Canceled", err)
	}
	if err := db.Update(ctx, func(*storage.Tx) error { called = true; return nil }); err != context.Canceled {
		t.Errorf("Update: err = %v, want context.Canceled", err)
	}
	if called {
		t.Error("function ran under a cancelled context")
	}
}

func TestTxCarriesContext(t *testing.T) {
	db, _ := openTestDB(t, storage.Options{})
	type ctxKey struct{}
	ctx := context.WithValue(context.Background(), ctxKey{}, "request-1")
	for name, run := range map[string]func(context.Context, func(*storage.Tx) error) error{"View": db.View, "Update": db.Update} {
		err := run(ctx, func(tx *storage.Tx) error {
			if tx.Context().Value(ctxKey{}) != "request-1" {
				return errors.New("tx.Context() is not the caller's context")
			}
			return nil
		})
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestConcurrentUpdatesLoseNothing has 32 goroutines each doing
// read-modify-write on one shared counter plus writes of their own keys. Any
// lost or doubled batch member shows up as a wrong count or a missing key.
func TestConcurrentUpdatesLoseNothing(t *testing.T) {
	db, _ := openTestDB(t, storage.Options{})
	const (
		workers   = 32
		perWorker = 25
	)
	counterKey := []byte("counter")
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perWorker; i++ {
				key := fmt.Appendf(nil, "w%02d/%03d", w, i)
				err := db.Update(context.Background(), func(tx *storage.Tx) error {
					cur, _, err := names.Get(tx, alice, counterKey)
					if err != nil {
						return err
					}
					n, _ := strconv.Atoi(cur.GetValue())
					if err := names.Put(tx, alice, counterKey, wrapperspb.String(strconv.Itoa(n+1))); err != nil {
						return err
					}
					return names.Insert(tx, alice, key, wrapperspb.String(string(key)))
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Update: %v", err)
	}

	if got, _ := getName(t, db, alice, "counter"); got != strconv.Itoa(workers*perWorker) {
		t.Errorf("counter = %s, want %d", got, workers*perWorker)
	}
	count := 0
	mustView(t, db, func(tx *storage.Tx) error {
		return names.Scan(tx, alice, storage.ScanOptions{Prefix: []byte("w")}, func(k []byte, v *wrapperspb.StringValue) (bool, error) {
			if v.GetValue() != string(k) {
				t.Errorf("%s = %q", k, v.GetValue())
			}
			count++
			return true, nil
		})
	})
	if count != workers*perWorker {
		t.Errorf("%d keys written, want %d", count, workers*perWorker)
	}
}

// TestFailingBatchMemberDoesNotAffectOthers runs succeeding and failing
// Updates concurrently so they share batches: every failure must be rolled
// back alone and every success must commit.
func TestFailingBatchMemberDoesNotAffectOthers(t *testing.T) {
	db, _ := openTestDB(t, storage.Options{})
	const workers = 32
	boom := errors.New("boom")
	var wg sync.WaitGroup
	results := make([]error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 5; i++ {
				key := fmt.Appendf(nil, "w%02d/%d", w, i)
				err := db.Update(context.Background(), func(tx *storage.Tx) error {
					if err := names.Put(tx, alice, key, wrapperspb.String("x")); err != nil {
						return err
					}
					if w%2 == 1 {
						return boom
					}
					return nil
				})
				if (w%2 == 1) != errors.Is(err, boom) || (w%2 == 0 && err != nil) {
					results[w] = fmt.Errorf("worker %d update %d: err = %v", w, i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range results {
		if err != nil {
			t.Error(err)
		}
	}
	for w := 0; w < workers; w++ {
		for i := 0; i < 5; i++ {
			_, ok := getName(t, db, alice, fmt.Sprintf("w%02d/%d", w, i))
			if want := w%2 == 0; ok != want {
				t.Errorf("worker %d key %d present = %v, want %v", w, i, ok, want)
			}
		}
	}
}
