package storage_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/ibemu/ibemu/internal/storage"
)

func BenchmarkGetSmallValue(b *testing.B) {
	db, _ := openTestDB(b, storage.Options{NoSync: true})
	key := storage.NewKey().String("component").Uint32(1).Uint32(0).Uint32(0).Key()
	putName(b, db, alice, string(key), "arn:aws:imagebuilder:us-east-1:111111111111:component/component/1.0.0/1")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		err := db.View(ctx, func(tx *storage.Tx) error {
			_, ok, err := names.Get(tx, alice, key)
			if !ok && err == nil {
				err = fmt.Errorf("missing")
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDurablePut measures fsynced Updates, each putting one small
// value, from a fixed number of goroutines.
func BenchmarkDurablePut(b *testing.B) {
	for _, writers := range []int{1, 16} {
		b.Run(fmt.Sprintf("goroutines=%d", writers), func(b *testing.B) {
			db, _ := openTestDB(b, storage.Options{})
			ctx := context.Background()
			var next atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			var failed atomic.Value
			for w := 0; w < writers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i := next.Add(1)
						if i > int64(b.N) {
							return
						}
						key := storage.NewKey().Uint64(uint64(i)).Key()
						err := db.Update(ctx, func(tx *storage.Tx) error {
							return names.Put(tx, alice, key, wrapperspb.String("small value"))
						})
						if err != nil {
							failed.Store(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			if err := failed.Load(); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "ops/s")
		})
	}
}

// BenchmarkScanPageFromMiddle reads one 50-item page starting halfway
// through 100k keys, as a paginated List would.
func BenchmarkScanPageFromMiddle(b *testing.B) {
	const total, page = 100_000, 50
	db, _ := openTestDB(b, storage.Options{NoSync: true})
	keyOf := func(i int) []byte { return storage.NewKey().String("component").Uint64(uint64(i)).Key() }
	for start := 0; start < total; start += 10_000 {
		mustUpdate(b, db, func(tx *storage.Tx) error {
			for i := start; i < start+10_000; i++ {
				if err := names.Put(tx, alice, keyOf(i), wrapperspb.String(fmt.Sprintf("component-%d", i))); err != nil {
					return err
				}
			}
			return nil
		})
	}
	opts := storage.ScanOptions{Prefix: storage.NewKey().String("component").Key(), StartAfter: keyOf(total / 2), Limit: page}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		err := db.View(ctx, func(tx *storage.Tx) error {
			return names.Scan(tx, alice, opts, func([]byte, *wrapperspb.StringValue) (bool, error) {
				n++
				return true, nil
			})
		})
		if err != nil || n != page {
			b.Fatalf("scan: %d items, %v", n, err)
		}
	}
}

// BenchmarkCreate times Open of a new data file with syncs on, as a first
// start does: in place (bbolt's creation, its growth and the schema commit:
// four syncs), built on disk beside the path (two syncs), and from an
// in-memory image (one sync). The directory's sync, which runs beside the
// start-up and which Close waits for, is outside the timer, with Close. Its
// time is mostly the disk's sync latency; docs/bench-startup.md.
func BenchmarkCreate(b *testing.B) {
	opts := storage.Options{Secrets: map[string]int{"seal": 32}}
	for _, mode := range []string{"in-place", "disk", "memory"} {
		b.Run(mode, func(b *testing.B) {
			storage.SetInPlaceCreate(mode == "in-place")
			storage.SetOnDiskCreate(mode == "disk")
			defer storage.SetInPlaceCreate(false)
			defer storage.SetOnDiskCreate(false)
			dir := b.TempDir()
			for i := 0; i < b.N; i++ {
				db, err := storage.Open(fmt.Sprintf("%s/%d.db", dir, i), opts)
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if err := db.Close(); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}
