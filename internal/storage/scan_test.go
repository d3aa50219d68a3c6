package storage_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/ibemu/ibemu/internal/storage"
)

// scanAll collects key=value pairs from a Scan.
func scanAll(t testing.TB, db *storage.DB, scope storage.Scope, opts storage.ScanOptions) []string {
	t.Helper()
	var out []string
	mustView(t, db, func(tx *storage.Tx) error {
		return names.Scan(tx, scope, opts, func(k []byte, v *wrapperspb.StringValue) (bool, error) {
			out = append(out, string(k)+"="+v.GetValue())
			return true, nil
		})
	})
	return out
}

// modelScan is the reference: filter, sort and cut a plain key list.
func modelScan(keys []string, opts storage.ScanOptions) []string {
	var match []string
	for _, k := range keys {
		if !bytes.HasPrefix([]byte(k), opts.Prefix) {
			continue
		}
		if len(opts.StartAfter) > 0 {
			c := bytes.Compare([]byte(k), opts.StartAfter)
			if (!opts.Reverse && c <= 0) || (opts.Reverse && c >= 0) {
				continue
			}
		}
		match = append(match, k)
	}
	slices.Sort(match)
	if opts.Reverse {
		slices.Reverse(match)
	}
	if opts.Limit > 0 && len(match) > opts.Limit {
		match = match[:opts.Limit]
	}
	var out []string
	for _, k := range match {
		out = append(out, k+"="+valueFor(k))
	}
	return out
}

// valueFor derives a valid UTF-8 value from a possibly binary key.
func valueFor(key string) string { return fmt.Sprintf("v:%x", key) }

func seedNames(t testing.TB, db *storage.DB, scope storage.Scope, keys []string) {
	t.Helper()
	mustUpdate(t, db, func(tx *storage.Tx) error {
		for _, k := range keys {
			if err := names.Put(tx, scope, []byte(k), wrapperspb.String(valueFor(k))); err != nil {
				return err
			}
		}
		return nil
	})
}

func TestScanOptions(t *testing.T) {
	db, _ := openTestDB(t, storage.Options{NoSync: true})
	keys := []string{"a", "a/1", "a/2", "a/3", "ab", "b/1", "b/2", "c", "\xff", "\xff\xff", "\xff\xff\x01"}
	seedNames(t, db, alice, keys)
	// Noise in neighbouring scopes and tables must never show up.
	seedNames(t, db, bob, []string{"a/0", "a/15", "zz"})
	seedNames(t, db, aliceWest, []string{"a/25"})
	mustUpdate(t, db, func(tx *storage.Tx) error {
		return blobs.Put(tx, alice, []byte("a/17"), wrapperspb.Bytes(nil))
	})

	cases := []storage.ScanOptions{
		{},
		{Reverse: true},
		{Prefix: []byte("a/")},
		{Prefix: []byte("a/"), Reverse: true},
		{Prefix: []byte("a")},
		{Prefix: []byte("a/"), StartAfter: []byte("a/1")},
		{Prefix: []byte("a/"), StartAfter: []byte("a/1"), Reverse: true},
		{Prefix: []byte("a/"), StartAfter: []byte("a/3"), Reverse: true},
		{Prefix: []byte("a/"), StartAfter: []byte("a/15")},                // between keys
		{Prefix: []byte("a/"), StartAfter: []byte("a/15"), Reverse: true}, // between keys
		{Prefix: []byte("a/"), StartAfter: []byte("0")},                   // before the prefix range
		{Prefix: []byte("a/"), StartAfter: []byte("0"), Reverse: true},
		{Prefix: []byte("a/"), StartAfter: []byte("zzz")}, // after the prefix range
		{Prefix: []byte("a/"), StartAfter: []byte("zzz"), Reverse: true},
		{Prefix: []byte("\xff")},
		{Prefix: []byte("\xff"), Reverse: true},
		{Prefix: []byte("\xff\xff"), Reverse: true, StartAfter: []byte("\xff\xff\x01")},
		{Limit: 3},
		{Limit: 3, Reverse: true},
		{Prefix: []byte("b/"), Limit: 10},
		{Prefix: []byte("nope")},
		{Prefix: []byte("nope"), Reverse: true},
		{StartAfter: []byte("\xff\xff\x01")},
		{StartAfter: []byte("a"), Reverse: true},
	}
	for _, opts := range cases {
		name := fmt.Sprintf("prefix=%q after=%q rev=%v limit=%d", opts.Prefix, opts.StartAfter, opts.Reverse, opts.Limit)
		t.Run(name, func(t *testing.T) {
			got := scanAll(t, db, alice, opts)
			want := modelScan(keys, opts)
			if !slices.Equal(got, want) {
				t.Errorf("got  %q\nwant %q", got, want)
			}
		})
	}

	// Missing scope: empty, no error.
	if got := scanAll(t, db, storage.Scope{Account: "444444444444", Region: "us-east-1"}, storage.ScanOptions{}); len(got) != 0 {
		t.Errorf("scan of an unknown account = %q", got)
	}
}

// TestScanMatchesModelOnRandomData compares many random option sets against
// the model over random binary keys.
func TestScanMatchesModelOnRandomData(t *testing.T) {
	db, _ := openTestDB(t, storage.Options{NoSync: true})
	rng := rand.New(rand.NewPCG(1, 2))
	randKey := func() string {
		b := make([]byte, 1+rng.IntN(4))
		for i := range b {
			b[i] = "\x00\x01ab\xfe\xff"[rng.IntN(6)]
		}
		return string(b)
	}
	seen := map[string]bool{}
	var keys []string
	for len(keys) < 300 {
		if k := randKey(); !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	seedNames(t, db, alice, keys)
	for i := 0; i < 500; i++ {
		opts := storage.ScanOptions{Reverse: rng.IntN(2) == 0, Limit: rng.IntN(8) - 2}
		if rng.IntN(3) > 0 {
			opts.Prefix = []byte(randKey()[:1+rng.IntN(1)])
		}
		if rng.IntN(2) == 0 {
			opts.StartAfter = []byte(randKey())
		}
		got := scanAll(t, db, alice, opts)
		if want := modelScan(keys, opts); !slices.Equal(got, want) {
			t.Fatalf("opts %+v:\ngot  %q\nwant %q", opts, got, want)
		}
	}
}

// TestPaginationEqualsFullScan pages with StartAfter = last key of the
// previous page, in both directions, and compares with one full scan.
func TestPaginationEqualsFullScan(t *testing.T) {
	db, _ := openTestDB(t, storage.Options{NoSync: true})
	var keys []string
	for i := 0; i < 257; i++ {
		keys = append(keys, string(storage.NewKey().String("component").Uint32(uint32(i*37%257)).Key()))
	}
	keys = append(keys, "other/1", "other/2")
	seedNames(t, db, alice, keys)
	prefix := storage.NewKey().String("component").Key()

	for _, reverse := range []bool{false, true} {
		full := scanAll(t, db, alice, storage.ScanOptions{Prefix: prefix, Reverse: reverse})
		if len(full) != 257 {
			t.Fatalf("full scan has %d items, want 257", len(full))
		}
		for _, pageSize := range []int{1, 7, 50, 256, 257, 300} {
			var (
				paged []string
				after []byte
				pages int
			)
			for {
				var page []string
				var last []byte
				mustView(t, db, func(tx *storage.Tx) error {
					return names.Scan(tx, alice, storage.ScanOptions{Prefix: prefix, StartAfter: after, Reverse: reverse, Limit: pageSize},
						func(k []byte, v *wrapperspb.StringValue) (bool, error) {
							page = append(page, string(k)+"="+v.GetValue())
							last = k
							return true, nil
						})
				})
				if len(page) > pageSize {
					t.Fatalf("page of %d items with Limit %d", len(page), pageSize)
				}
				paged = append(paged, page...)
				pages++
				if len(page) < pageSize {
					break
				}
				if pages > len(full)+1 {
					t.Fatalf("reverse=%v pageSize=%d: pagination does not advance", reverse, pageSize)
				}
				after = last
			}
			if !slices.Equal(paged, full) {
				t.Errorf("reverse=%v pageSize=%d: paged scan differs from full scan", reverse, pageSize)
			}
			if want := 257/pageSize + 1; pages != want {
				t.Errorf("reverse=%v pageSize=%d: %d pages, want %d", reverse, pageSize, pages, want)
			}
		}
	}
}

func TestScanStopsOnFalseAndError(t *testing.T) {
	db, _ := openTestDB(t, storage.Options{NoSync: true})
	seedNames(t, db, alice, []string{"a", "b", "c", "d"})
	var seen []string
	mustView(t, db, func(tx *storage.Tx) error {
		return names.Scan(tx, alice, storage.ScanOptions{}, func(k []byte, _ *wrapperspb.StringValue) (bool, error) {
			seen = append(seen, string(k))
			return string(k) != "b", nil
		})
	})
	if !slices.Equal(seen, []string{"a", "b"}) {
		t.Errorf("visited %q, want [a b]", seen)
	}
	stop := errors.New("stop")
	err := db.View(t.Context(), func(tx *storage.Tx) error {
		return names.Scan(tx, alice, storage.ScanOptions{}, func([]byte, *wrapperspb.StringValue) (bool, error) {
			return true, stop
		})
	})
	if !errors.Is(err, stop) {
		t.Errorf("Scan returned %v, want fn's error", err)
	}
}

func TestLastFindsLatestVersionPerScope(t *testing.T) {
	db, _ := openTestDB(t, storage.Options{NoSync: true})
	version := func(name string, major, minor, patch uint32) []byte {
		return storage.NewKey().String(name).Uint32(major).Uint32(minor).Uint32(patch).Key()
	}
	mustUpdate(t, db, func(tx *storage.Tx) error {
		for _, v := range [][3]uint32{{1, 0, 0}, {1, 0, 10}, {1, 0, 9}, {2, 0, 0}, {10, 1, 0}, {9, 99, 99}} {
			val := wrapperspb.String(fmt.Sprintf("%d.%d.%d", v[0], v[1], v[2]))
			if err := names.Put(tx, alice, version("build", v[0], v[1], v[2]), val); err != nil {
				return err
			}
		}
		// "build-extra" sorts after "build" as a string but is another name.
		if err := names.Put(tx, alice, version("build-extra", 99, 0, 0), wrapperspb.String("other")); err != nil {
			return err
		}
		return names.Put(tx, bob, version("build", 50, 0, 0), wrapperspb.String("50.0.0"))
	})
	mustView(t, db, func(tx *storage.Tx) error {
		prefix := storage.NewKey().String("build").Key()
		for _, c := range []struct {
			scope storage.Scope
			want  string
			found bool
		}{{alice, "10.1.0", true}, {bob, "50.0.0", true}, {aliceWest, "", false}} {
			key, v, found, err := names.Last(tx, c.scope, prefix)
			if err != nil {
				return err
			}
			if found != c.found || v.GetValue() != c.want {
				t.Errorf("%s: Last = %q, %v; want %q, %v", c.scope, v.GetValue(), found, c.want, c.found)
			}
			if found && !bytes.HasPrefix(key, prefix) {
				t.Errorf("%s: Last key %q lacks the prefix", c.scope, key)
			}
		}
		// Latest patch of 1.0.x.
		_, v, _, err := names.Last(tx, alice, storage.NewKey().String("build").Uint32(1).Uint32(0).Key())
		if err != nil {
			return err
		}
		if v.GetValue() != "1.0.10" {
			t.Errorf("latest 1.0.x = %q, want 1.0.10", v.GetValue())
		}
		return nil
	})
}
