package storage_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/ibemu/ibemu/internal/storage"
)

// nameCache reads names[key] in alice's scope through a ReadCache,
// counting the loads.
type nameCache struct {
	c     *storage.ReadCache[string, string]
	loads int
	mu    sync.Mutex
}

func newNameCache(db *storage.DB, budget int, tables ...storage.Watched) *nameCache {
	return &nameCache{c: storage.NewReadCache[string, string](db, budget, tables...)}
}

func (n *nameCache) get(t testing.TB, key string) string {
	t.Helper()
	v, err := n.c.Get(context.Background(), key, func(tx *storage.Tx) (string, int, error) {
		n.mu.Lock()
		n.loads++
		n.mu.Unlock()
		rec, _, err := names.Get(tx, alice, []byte(key))
		return rec.GetValue(), len(key) + len(rec.GetValue()), err
	})
	if err != nil {
		t.Fatalf("Get %s: %v", key, err)
	}
	return v
}

func (n *nameCache) loaded() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.loads
}

func TestReadCacheServesUntilAWatchedTableIsWritten(t *testing.T) {
	db, _ := openTestDB(t, storage.Options{NoSync: true})
	putName(t, db, alice, "k", "v1")
	n := newNameCache(db, 1<<20, names)

	for range 3 {
		if got := n.get(t, "k"); got != "v1" {
			t.Fatalf("got %q, want v1", got)
		}
	}
	if n.loaded() != 1 {
		t.Fatalf("%d loads for three reads of an unchanged record, want 1", n.loaded())
	}

	// A write to another table leaves the value current.
	mustUpdate(t, db, func(tx *storage.Tx) error {
		return blobs.Put(tx, alice, []byte("k"), wrapperspb.Bytes([]byte("x")))
	})
	n.get(t, "k")
	if n.loaded() != 1 {
		t.Fatalf("a write to an unwatched table reloaded the value (%d loads)", n.loaded())
	}

	// A write to the table, even in another scope, reloads.
	putName(t, db, bob, "other", "x")
	n.get(t, "k")
	if n.loaded() != 2 {
		t.Fatalf("a write to the watched table did not reload (%d loads)", n.loaded())
	}

	putName(t, db, alice, "k", "v2")
	if got := n.get(t, "k"); got != "v2" {
		t.Fatalf("after Put: got %q, want v2", got)
	}
	mustUpdate(t, db, func(tx *storage.Tx) error {
		_, err := names.Delete(tx, alice, []byte("k"))
		return err
	})
	if got := n.get(t, "k"); got != "" {
		t.Fatalf("after Delete: got %q, want nothing", got)
	}
	mustUpdate(t, db, func(tx *storage.Tx) error {
		return names.Insert(tx, alice, []byte("k"), wrapperspb.String("v3"))
	})
	if got := n.get(t, "k"); got != "v3" {
		t.Fatalf("after Insert: got %q, want v3", got)
	}
}

func TestReadCacheFollowsResetAndRestore(t *testing.T) {
	ctx := context.Background()
	db, _ := openTestDB(t, storage.Options{NoSync: true})
	putName(t, db, alice, "k", "before")
	var snap bytes.Buffer
	if _, err := db.WriteTo(ctx, &snap); err != nil {
		t.Fatal(err)
	}
	putName(t, db, alice, "k", "after")
	n := newNameCache(db, 1<<20, names)
	if got := n.get(t, "k"); got != "after" {
		t.Fatalf("got %q, want after", got)
	}
	if _, err := db.Restore(ctx, bytes.NewReader(snap.Bytes())); err != nil {
		t.Fatal(err)
	}
	if got := n.get(t, "k"); got != "before" {
		t.Fatalf("after Restore: got %q, want before", got)
	}
	if err := db.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if got := n.get(t, "k"); got != "" {
		t.Fatalf("after Reset: got %q, want nothing", got)
	}
}

func TestReadCacheAfterAFailedWrite(t *testing.T) {
	db, _ := openTestDB(t, storage.Options{NoSync: true})
	putName(t, db, alice, "k", "kept")
	n := newNameCache(db, 1<<20, names)
	n.get(t, "k")
	boom := errors.New("boom")
	err := db.Update(context.Background(), func(tx *storage.Tx) error {
		if err := names.Put(tx, alice, []byte("k"), wrapperspb.String("rolled back")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v, want boom", err)
	}
	if got := n.get(t, "k"); got != "kept" {
		t.Fatalf("after a rolled back write: got %q, want kept", got)
	}
}

func TestReadCacheDoesNotKeepLoadsOfUnwatchedTables(t *testing.T) {
	db, _ := openTestDB(t, storage.Options{NoSync: true})
	putName(t, db, alice, "k", "v")
	c := storage.NewReadCache[string, string](db, 1<<20, blobs) // names is not watched
	load := func(tx *storage.Tx) (string, int, error) {
		rec, _, err := names.Get(tx, alice, []byte("k"))
		return rec.GetValue(), 1, err
	}
	for range 2 {
		if v, err := c.Get(context.Background(), "k", load); err != nil || v != "v" {
			t.Fatalf("Get = %q, %v", v, err)
		}
	}
	if c.Len() != 0 || c.Uncacheable() != 2 {
		t.Fatalf("kept %d values, %d uncacheable loads; want 0 and 2", c.Len(), c.Uncacheable())
	}
	// Had it been kept, this write would not have been noticed.
	putName(t, db, alice, "k", "w")
	if v, _ := c.Get(context.Background(), "k", load); v != "w" {
		t.Fatalf("Get = %q, want w", v)
	}
}

func TestReadCacheBudgetAndErrors(t *testing.T) {
	db, _ := openTestDB(t, storage.Options{NoSync: true})
	for i := range 10 {
		putName(t, db, alice, fmt.Sprint(i), "0123456789")
	}
	n := newNameCache(db, 40, names) // three entries of 11 bytes
	for i := range 10 {
		n.get(t, fmt.Sprint(i))
	}
	if l := n.c.Len(); l > 3 || l == 0 {
		t.Fatalf("%d values kept within a budget of three", l)
	}
	boom := errors.New("boom")
	_, err := n.c.Get(context.Background(), "x", func(*storage.Tx) (string, int, error) { return "", 1, boom })
	if !errors.Is(err, boom) {
		t.Fatalf("Get = %v, want the load's error", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := n.c.Get(ctx, "y", func(*storage.Tx) (string, int, error) { return "", 1, nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("Get with a cancelled context = %v", err)
	}
}

// TestReadCacheNeverServesAnOlderStateThanAFinishedWrite: once an Update
// returned, every read through the cache sees its write, whatever reads
// run concurrently and fill the cache from older snapshots.
func TestReadCacheNeverServesAnOlderStateThanAFinishedWrite(t *testing.T) {
	db, _ := openTestDB(t, storage.Options{NoSync: true})
	putName(t, db, alice, "k", "0")
	n := newNameCache(db, 1<<20, names)
	const writes = 200
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					n.get(t, "k")
				}
			}
		}()
	}
	for i := 1; i <= writes; i++ {
		want := fmt.Sprint(i)
		putName(t, db, alice, "k", want)
		if got := n.get(t, "k"); got != want {
			close(stop)
			wg.Wait()
			t.Fatalf("write %d: the cache answered %q", i, got)
		}
	}
	close(stop)
	wg.Wait()
}
