package storage_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ibemu/ibemu/internal/storage"
)

var testJournal = storage.NewJournal("test")

func TestJournalAppendScanIndexTrim(t *testing.T) {
	db, _ := openTestDB(t, storage.Options{NoSync: true})
	ctx := context.Background()
	base := time.Unix(1_700_000_000, 0)
	err := db.Update(ctx, func(tx *storage.Tx) error {
		for i := 0; i < 10; i++ {
			if _, err := testJournal.Append(tx, base.Add(time.Duration(i)*time.Second), fmt.Sprintf("req-%d", i%3), []byte{byte(i)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	read := func(after, until []byte) (vals []byte) {
		t.Helper()
		if err := db.View(ctx, func(tx *storage.Tx) error {
			return testJournal.Scan(tx, after, until, func(r storage.JournalRecord) (bool, error) {
				vals = append(vals, r.Value...)
				return true, nil
			})
		}); err != nil {
			t.Fatal(err)
		}
		return vals
	}
	if got := read(nil, nil); !bytes.Equal(got, []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
		t.Fatalf("scan = %v", got)
	}
	if got := read(storage.JournalKey(base.Add(3*time.Second)), storage.JournalKey(base.Add(6*time.Second))); !bytes.Equal(got, []byte{3, 4, 5}) {
		t.Fatalf("scan [3s,6s) = %v", got)
	}
	var recs []storage.JournalRecord
	_ = db.View(ctx, func(tx *storage.Tx) (err error) { recs, err = testJournal.ByIndex(tx, "req-1"); return err })
	if len(recs) != 3 || recs[0].Value[0] != 1 || recs[2].Value[0] != 7 || recs[1].Index != "req-1" || !recs[1].Time.Equal(base.Add(4*time.Second)) {
		t.Fatalf("by index = %+v", recs)
	}
	// Resume after a record's key.
	if got := read(recs[0].Key, nil); len(got) != 8 || got[0] != 2 {
		t.Fatalf("resume = %v", got)
	}
	var removed, n int
	if err := db.Update(ctx, func(tx *storage.Tx) (err error) {
		removed, err = testJournal.Trim(tx, 7, base.Add(4*time.Second))
		if err != nil {
			return err
		}
		n, err = testJournal.Len(tx)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if removed != 4 || n != 6 {
		t.Fatalf("trim removed %d, left %d", removed, n)
	}
	_ = db.View(ctx, func(tx *storage.Tx) (err error) { recs, err = testJournal.ByIndex(tx, "req-1"); return err })
	if len(recs) != 2 || recs[0].Value[0] != 4 {
		t.Fatalf("index after trim = %+v", recs)
	}
	if err := db.Update(ctx, func(tx *storage.Tx) error { _, err := testJournal.Append(tx, base, "a\x00b", nil); return err }); !errors.Is(err, storage.ErrInvalidKey) {
		t.Errorf("index with NUL: %v", err)
	}
}

func TestSnapshotResetRestore(t *testing.T) {
	db, _ := openTestDB(t, storage.Options{NoSync: true})
	ctx := context.Background()
	put := func(key, val string) { t.Helper(); putName(t, db, alice, key, val) }
	keys := func() string {
		t.Helper()
		var out string
		for _, k := range []string{"a", "b", "c"} {
			if _, ok := getName(t, db, alice, k); ok {
				out += k
			}
		}
		return out
	}
	if _, err := db.Secret(ctx, "seal", 32); err != nil {
		t.Fatal(err)
	}
	put("a", "1")
	var snap bytes.Buffer
	if _, err := db.WriteTo(ctx, &snap); err != nil {
		t.Fatal(err)
	}
	put("b", "2")
	if _, err := db.Restore(ctx, bytes.NewReader(snap.Bytes())); err != nil {
		t.Fatal(err)
	}
	if got := keys(); got != "a" {
		t.Fatalf("after restore: %q", got)
	}
	if err := db.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if got := keys(); got != "" {
		t.Fatalf("after reset: %q", got)
	}
	// Garbage is refused and changes nothing.
	put("c", "3")
	if _, err := db.Restore(ctx, bytes.NewReader([]byte("not a bolt file"))); !errors.Is(err, storage.ErrCorrupt) {
		t.Fatalf("garbage restore: %v", err)
	}
	if got := keys(); got != "c" {
		t.Fatalf("after refused restore: %q", got)
	}
	// A snapshot of another emulator (other secrets) is refused.
	other, _ := openTestDB(t, storage.Options{NoSync: true})
	if _, err := other.Secret(ctx, "seal", 32); err != nil {
		t.Fatal(err)
	}
	snap.Reset()
	if _, err := other.WriteTo(ctx, &snap); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Restore(ctx, &snap); !errors.Is(err, storage.ErrForeignSnapshot) {
		t.Fatalf("foreign snapshot: %v", err)
	}
}

// AppendAll writes what Append would, one record after the other, in one
// call; records of both read back alike, and a bad index writes nothing.
func TestJournalAppendAll(t *testing.T) {
	db, _ := openTestDB(t, storage.Options{NoSync: true})
	ctx := context.Background()
	base := time.Unix(1_700_000_000, 0)
	var oldest time.Time
	if err := db.View(ctx, func(tx *storage.Tx) (err error) { oldest, err = testJournal.Oldest(tx); return err }); err != nil || !oldest.IsZero() {
		t.Fatalf("oldest of an empty journal: %v, %v", oldest, err)
	}
	var keys []byte
	mustUpdate(t, db, func(tx *storage.Tx) error {
		if _, err := testJournal.Append(tx, base, "req-a", []byte("one")); err != nil {
			return err
		}
		var err error
		keys, err = testJournal.AppendAll(tx, []storage.JournalEntry{
			{Time: base.Add(time.Second), Index: "req-b", Value: []byte("two")},
			{Time: base.Add(time.Second), Index: "req-a", Value: []byte("three")},
			{Time: base.Add(2 * time.Second), Index: "", Value: nil},
		})
		return err
	})
	if len(keys) != 3*storage.JournalKeySize {
		t.Fatalf("keys: %d bytes", len(keys))
	}
	var got []storage.JournalRecord
	if err := db.View(ctx, func(tx *storage.Tx) error {
		return testJournal.Scan(tx, nil, nil, func(r storage.JournalRecord) (bool, error) {
			got = append(got, r)
			return true, nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || string(got[1].Value) != "two" || string(got[2].Value) != "three" || len(got[3].Value) != 0 || got[2].Index != "req-a" {
		t.Fatalf("scan = %+v", got)
	}
	for i := 0; i < 3; i++ {
		if !bytes.Equal(got[i+1].Key, keys[i*storage.JournalKeySize:(i+1)*storage.JournalKeySize]) {
			t.Errorf("key %d = %x, scan has %x", i, keys[i*storage.JournalKeySize:(i+1)*storage.JournalKeySize], got[i+1].Key)
		}
	}
	var byA []storage.JournalRecord
	var n int
	if err := db.View(ctx, func(tx *storage.Tx) (err error) {
		if byA, err = testJournal.ByIndex(tx, "req-a"); err != nil {
			return err
		}
		if oldest, err = testJournal.Oldest(tx); err != nil {
			return err
		}
		n, err = testJournal.Len(tx)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(byA) != 2 || string(byA[0].Value) != "one" || string(byA[1].Value) != "three" || n != 4 || !oldest.Equal(base) {
		t.Fatalf("by index %+v, len %d, oldest %v", byA, n, oldest)
	}
	err := db.Update(ctx, func(tx *storage.Tx) error {
		_, err := testJournal.AppendAll(tx, []storage.JournalEntry{{Time: base, Index: "ok"}, {Time: base, Index: "a\x00b"}})
		return err
	})
	if !errors.Is(err, storage.ErrInvalidKey) {
		t.Fatalf("index with NUL: %v", err)
	}
	if err := db.View(ctx, func(tx *storage.Tx) (err error) { n, err = testJournal.Len(tx); return err }); err != nil || n != 4 {
		t.Fatalf("after a refused AppendAll: %d records, %v", n, err)
	}
}

// Files written between gindex and bindex partition the index into
// generations of 256 records (sindex): lookups see every generation, and
// trimming removes the entries of the records it removes, so the index
// stays as bounded as the records.
func TestJournalIndexGenerations(t *testing.T) {
	storage.WriteSindex(true)
	defer storage.WriteSindex(false)
	db, path := openTestDB(t, storage.Options{NoSync: true})
	ctx := context.Background()
	base := time.Unix(1_700_000_000, 0)
	const total = 10_000
	mustUpdate(t, db, func(tx *storage.Tx) error {
		entries := make([]storage.JournalEntry, total)
		for i := range entries {
			entries[i] = storage.JournalEntry{Time: base.Add(time.Duration(i) * time.Millisecond), Index: fmt.Sprintf("req-%d", i%7), Value: []byte(fmt.Sprint(i))}
		}
		_, err := testJournal.AppendAll(tx, entries)
		return err
	})
	lookup := func(index string) (vals []string) {
		t.Helper()
		if err := db.View(ctx, func(tx *storage.Tx) error {
			recs, err := testJournal.ByIndex(tx, index)
			for _, r := range recs {
				vals = append(vals, string(r.Value))
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return vals
	}
	if got := lookup("req-3"); len(got) != (total+3)/7 || got[0] != "3" || got[1] != "10" || got[len(got)-1] != "9999" {
		t.Fatalf("req-3 before trimming: %d records, %v …", len(got), got[:3])
	}
	// Keep the last 5,000: records 5000…9999, sequences 5001…10000
	// (sequences start at 1), in generations 19 to 39.
	mustUpdate(t, db, func(tx *storage.Tx) error { _, err := testJournal.Trim(tx, 5000, time.Time{}); return err })
	if got := lookup("req-3"); len(got) != 715 || got[0] != "5001" {
		t.Fatalf("req-3 after trimming: %d records, first %v", len(got), got[:1])
	}
	if got := lookup("req-9"); len(got) != 0 {
		t.Fatalf("unknown index: %v", got)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// Exactly the kept records' entries are left: generations 0 to 18
	// (sequences 1…4863) are gone, generation 19 keeps 5001…5119.
	b, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	entries := 0
	if err := b.View(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("journals")).Bucket([]byte("test")).Bucket([]byte("sindex")).ForEach(func(k, _ []byte) error {
			if gen := binary.BigEndian.Uint64(k); gen < 19 {
				return fmt.Errorf("entry of generation %d left: %q", gen, k)
			}
			entries++
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	if want := 5000; entries != want {
		t.Fatalf("%d index entries left, want %d", entries, want)
	}
}

// Files written before sindex keep their index in gindex (generations of
// 4,096 records): lookups still find those entries beside new ones, and
// trimming drops a gindex generation once its last record is gone.
func TestJournalReadsGenerationsOf4096(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := storage.Open(path, storage.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	base := time.Unix(1_700_000_000, 0)
	const total = 10_000
	appendN := func(db *storage.DB, from, n int) {
		mustUpdate(t, db, func(tx *storage.Tx) error {
			entries := make([]storage.JournalEntry, n)
			for i := range entries {
				entries[i] = storage.JournalEntry{Time: base.Add(time.Duration(from+i) * time.Millisecond), Index: fmt.Sprintf("req-%d", (from+i)%7), Value: []byte(fmt.Sprint(from + i))}
			}
			_, err := testJournal.AppendAll(tx, entries)
			return err
		})
	}
	storage.WriteSindex(true)
	defer storage.WriteSindex(false)
	appendN(db, 0, total)
	storage.WriteSindex(false)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// Make it a file of the earlier layout: the entries move to gindex,
	// in generations of 4,096 (the sequence is the key's last 8 bytes).
	b, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Update(func(tx *bolt.Tx) error {
		root := tx.Bucket([]byte("journals")).Bucket([]byte("test"))
		old, err := root.CreateBucket([]byte("gindex"))
		if err != nil {
			return err
		}
		if err := root.Bucket([]byte("sindex")).ForEach(func(k, _ []byte) error {
			nk := bytes.Clone(k)
			binary.BigEndian.PutUint64(nk, binary.BigEndian.Uint64(k[len(k)-8:])/4096)
			return old.Put(nk, []byte{})
		}); err != nil {
			return err
		}
		return root.DeleteBucket([]byte("sindex"))
	}); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = storage.Open(path, storage.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	lookup := func(index string) (vals []string) {
		t.Helper()
		if err := db.View(ctx, func(tx *storage.Tx) error {
			recs, err := testJournal.ByIndex(tx, index)
			for _, r := range recs {
				vals = append(vals, string(r.Value))
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return vals
	}
	if got := lookup("req-3"); len(got) != (total+3)/7 || got[0] != "3" || got[len(got)-1] != "9999" {
		t.Fatalf("req-3 in the earlier layout: %d records", len(got))
	}
	// New records join them (in bindex).
	appendN(db, total, 100)
	if got := lookup("req-3"); len(got) != (total+100+3)/7 || got[0] != "3" || got[len(got)-1] != "10097" {
		t.Fatalf("req-3 old and new: %d records, last %v", len(got), got[len(got)-1])
	}
	// Keep the last 5,000: sequences 5101…10100. gindex generation 0
	// (sequences 1…4095) goes; generation 1 keeps the entries of its
	// records that are kept.
	mustUpdate(t, db, func(tx *storage.Tx) error { _, err := testJournal.Trim(tx, 5000, time.Time{}); return err })
	if got := lookup("req-3"); len(got) != 714 || got[0] != "5106" || got[len(got)-1] != "10097" {
		t.Fatalf("req-3 after trimming: %d records, first %v", len(got), got[:1])
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	b, err = bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.View(func(tx *bolt.Tx) error {
		gens := map[uint64]int{}
		if err := tx.Bucket([]byte("journals")).Bucket([]byte("test")).Bucket([]byte("gindex")).ForEach(func(k, _ []byte) error {
			gens[binary.BigEndian.Uint64(k)]++
			return nil
		}); err != nil {
			return err
		}
		if gens[0] != 0 || gens[1] != 2*4096-5101 || gens[2] != total-2*4096+1 {
			return fmt.Errorf("gindex generations left: %v", gens)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// A record's time is its request's start, which need not follow the order
// records are appended in (a slow request is appended after quicker ones
// that began later). Trimming by time must keep every kept record findable
// by its index, whatever its sequence. Found by a trial: a slow request
// that became the oldest record kept took the index entries of up to 255
// records appended before it, though they were kept.
func TestJournalTrimKeepsIndexOfRecordsOutOfOrder(t *testing.T) {
	db, _ := openTestDB(t, storage.Options{NoSync: true})
	ctx := context.Background()
	base := time.Unix(1_700_000_000, 0)
	appendAt := func(i int, at time.Time) {
		mustUpdate(t, db, func(tx *storage.Tx) error {
			_, err := testJournal.Append(tx, at, fmt.Sprintf("req-%d", i), []byte(fmt.Sprint(i)))
			return err
		})
	}
	// 300 quick requests, then a slow one that began before all but the
	// first ten of them; then more quick ones.
	for i := range 300 {
		appendAt(i, base.Add(time.Duration(i)*time.Millisecond))
	}
	appendAt(300, base.Add(9*time.Millisecond+time.Microsecond))
	for i := 301; i < 600; i++ {
		appendAt(i, base.Add(time.Duration(i)*time.Millisecond))
	}
	// Keep 590: records 0…9 go (by time), the slow one is the oldest kept.
	mustUpdate(t, db, func(tx *storage.Tx) error { _, err := testJournal.Trim(tx, 590, time.Time{}); return err })
	if err := db.View(ctx, func(tx *storage.Tx) error {
		for i := range 600 {
			recs, err := testJournal.ByIndex(tx, fmt.Sprintf("req-%d", i))
			if err != nil {
				return err
			}
			if want := i >= 10; (len(recs) == 1) != want {
				t.Errorf("req-%d: %d records found, kept=%v", i, len(recs), want)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// And by age: everything before the slow request's time goes.
	mustUpdate(t, db, func(tx *storage.Tx) error {
		_, err := testJournal.Trim(tx, 0, base.Add(9*time.Millisecond+time.Microsecond))
		return err
	})
	if err := db.View(ctx, func(tx *storage.Tx) error {
		for _, i := range []int{10, 299, 300, 301, 599} {
			if recs, err := testJournal.ByIndex(tx, fmt.Sprintf("req-%d", i)); err != nil || len(recs) != 1 {
				t.Errorf("req-%d after the age trim: %d records, %v", i, len(recs), err)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// An index entry whose record is gone (an earlier build trimmed records
// without their entries) is swept from the oldest generation by a trim.
func TestJournalTrimSweepsOrphanEntries(t *testing.T) {
	storage.WriteSindex(true)
	defer storage.WriteSindex(false)
	path := filepath.Join(t.TempDir(), "orphans.db")
	db, err := storage.Open(path, storage.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	base := time.Unix(1_700_000_000, 0)
	mustUpdate(t, db, func(tx *storage.Tx) error {
		entries := make([]storage.JournalEntry, 100)
		for i := range entries {
			entries[i] = storage.JournalEntry{Time: base.Add(time.Duration(i) * time.Millisecond), Index: fmt.Sprintf("req-%d", i), Value: []byte("v")}
		}
		_, err := testJournal.AppendAll(tx, entries)
		return err
	})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	sindexLen := func() (n int) {
		t.Helper()
		b, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		if err := b.View(func(tx *bolt.Tx) error {
			n = tx.Bucket([]byte("journals")).Bucket([]byte("test")).Bucket([]byte("sindex")).Stats().KeyN
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	b, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	orphan := make([]byte, 8, 64)
	orphan = append(append(orphan, "req-gone"...), 0)
	orphan = append(orphan, storage.JournalKey(base.Add(-time.Second))...)
	orphan = binary.BigEndian.AppendUint64(orphan[:len(orphan)-8], 0)
	if err := b.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("journals")).Bucket([]byte("test")).Bucket([]byte("sindex")).Put(orphan, []byte{})
	}); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if n := sindexLen(); n != 101 {
		t.Fatalf("%d entries with the orphan, want 101", n)
	}
	db, err = storage.Open(path, storage.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	mustUpdate(t, db, func(tx *storage.Tx) error { _, err := testJournal.Trim(tx, 90, time.Time{}); return err })
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if n := sindexLen(); n != 90 {
		t.Fatalf("%d index entries after trimming to 90, want 90 (the orphan swept)", n)
	}
}

// The index is written as one block of entries per commit (bindex), a
// small last block taking the next commit's entries: a trickle of
// one-record commits makes blocks of 256. Lookups are exact, and trimming
// removes the removed records' entries, and the blocks left empty.
func TestJournalIndexBlocks(t *testing.T) {
	db, path := openTestDB(t, storage.Options{NoSync: true})
	ctx := context.Background()
	base := time.Unix(1_700_000_000, 0)
	for i := range 1000 {
		mustUpdate(t, db, func(tx *storage.Tx) error {
			_, err := testJournal.Append(tx, base.Add(time.Duration(i)*time.Millisecond), fmt.Sprintf("req-%d", i%7), []byte(fmt.Sprint(i)))
			return err
		})
	}
	lookup := func(index string) (vals []string) {
		t.Helper()
		if err := db.View(ctx, func(tx *storage.Tx) error {
			recs, err := testJournal.ByIndex(tx, index)
			for _, r := range recs {
				if r.Index != index {
					return fmt.Errorf("%q found for %q", r.Index, index)
				}
				vals = append(vals, string(r.Value))
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return vals
	}
	if got := lookup("req-3"); len(got) != 143 || got[0] != "3" || got[1] != "10" || got[142] != "997" {
		t.Fatalf("req-3: %d records, %v", len(got), got)
	}
	// Keep the last 300: sequences 701…1000. The blocks of sequences
	// 1…256 and 257…512 go; 513…768 keeps the entries of 701…768.
	mustUpdate(t, db, func(tx *storage.Tx) error { _, err := testJournal.Trim(tx, 300, time.Time{}); return err })
	if got := lookup("req-3"); len(got) != 43 || got[0] != "703" {
		t.Fatalf("req-3 after trimming: %d records, %v", len(got), got)
	}
	if got := lookup("req-9"); len(got) != 0 {
		t.Fatalf("unknown index: %v", got)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.View(func(tx *bolt.Tx) error {
		root := tx.Bucket([]byte("journals")).Bucket([]byte("test"))
		if root.Bucket([]byte("sindex")) != nil {
			return errors.New("sindex written")
		}
		var blocks []string
		if err := root.Bucket([]byte("bindex")).ForEach(func(k, v []byte) error {
			blocks = append(blocks, fmt.Sprintf("%d:%d", binary.BigEndian.Uint64(k), len(v)/24))
			for i := 24; i < len(v); i += 24 {
				if bytes.Compare(v[i-24:i], v[i:i+24]) >= 0 {
					return fmt.Errorf("block %d is not sorted at entry %d", binary.BigEndian.Uint64(k), i/24)
				}
			}
			return nil
		}); err != nil {
			return err
		}
		if fmt.Sprint(blocks) != "[513:68 769:232]" {
			return fmt.Errorf("blocks (first sequence:entries) %v", blocks)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// Index strings whose hashes collide are told apart by the records' own:
// with every string hashing alike, lookups are still exact.
func TestJournalIndexHashCollisions(t *testing.T) {
	storage.SetJournalHash(t, func(string) uint64 { return 42 })
	db, _ := openTestDB(t, storage.Options{NoSync: true})
	base := time.Unix(1_700_000_000, 0)
	mustUpdate(t, db, func(tx *storage.Tx) error {
		entries := make([]storage.JournalEntry, 500)
		for i := range entries {
			entries[i] = storage.JournalEntry{Time: base.Add(time.Duration(i) * time.Millisecond), Index: fmt.Sprintf("req-%d", i%5), Value: []byte(fmt.Sprint(i))}
		}
		_, err := testJournal.AppendAll(tx, entries)
		return err
	})
	if err := db.View(context.Background(), func(tx *storage.Tx) error {
		for r := range 6 {
			recs, err := testJournal.ByIndex(tx, fmt.Sprintf("req-%d", r))
			if err != nil {
				return err
			}
			want := 100
			if r == 5 {
				want = 0
			}
			if len(recs) != want {
				return fmt.Errorf("req-%d: %d records, want %d", r, len(recs), want)
			}
			for i, rec := range recs {
				if rec.Value == nil || string(rec.Value) != fmt.Sprint(r+5*i) {
					return fmt.Errorf("req-%d: record %d is %q", r, i, rec.Value)
				}
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// A file written before bindex (an sindex entry per record) takes new
// records in bindex; lookups find both, and once trimming has removed
// every record of the older layout its index goes too.
func TestJournalMovesFromSindexToBlocks(t *testing.T) {
	db, path := openTestDB(t, storage.Options{NoSync: true})
	base := time.Unix(1_700_000_000, 0)
	appendN := func(from, n int) {
		mustUpdate(t, db, func(tx *storage.Tx) error {
			entries := make([]storage.JournalEntry, n)
			for i := range entries {
				entries[i] = storage.JournalEntry{Time: base.Add(time.Duration(from+i) * time.Millisecond), Index: fmt.Sprintf("req-%d", (from+i)%3), Value: []byte(fmt.Sprint(from + i))}
			}
			_, err := testJournal.AppendAll(tx, entries)
			return err
		})
	}
	storage.WriteSindex(true)
	appendN(0, 100)
	storage.WriteSindex(false)
	appendN(100, 100)
	count := func(index string) (n int) {
		t.Helper()
		if err := db.View(context.Background(), func(tx *storage.Tx) error {
			recs, err := testJournal.ByIndex(tx, index)
			n = len(recs)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count("req-1"); n != 67 {
		t.Fatalf("req-1 in both layouts: %d records, want 67", n)
	}
	mustUpdate(t, db, func(tx *storage.Tx) error { _, err := testJournal.Trim(tx, 100, time.Time{}); return err })
	if n := count("req-1"); n != 34 {
		t.Fatalf("req-1 after trimming the older layout's records: %d, want 34", n)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.View(func(tx *bolt.Tx) error {
		if tx.Bucket([]byte("journals")).Bucket([]byte("test")).Bucket([]byte("sindex")) != nil {
			return errors.New("the empty sindex is left")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// Trimming by time removes exactly the removed records' index entries,
// whatever their sequences: records whose times go back (a clock set
// back, slow requests) leave no entry behind in a block that still holds
// kept records, and no block of removed records behind a kept one.
func TestJournalTrimRemovesBlockEntriesOutOfOrder(t *testing.T) {
	db, path := openTestDB(t, storage.Options{NoSync: true})
	base := time.Unix(1_700_000_000, 0)
	// 3,000 records in commits of 100; the clock goes back an hour for
	// the middle 1,000.
	for c := range 30 {
		mustUpdate(t, db, func(tx *storage.Tx) error {
			entries := make([]storage.JournalEntry, 100)
			for i := range entries {
				n := c*100 + i
				at := base.Add(time.Duration(n) * time.Millisecond)
				if n >= 1000 && n < 2000 {
					at = at.Add(-time.Hour)
				}
				entries[i] = storage.JournalEntry{Time: at, Index: fmt.Sprintf("req-%d", n), Value: []byte(fmt.Sprint(n))}
			}
			_, err := testJournal.AppendAll(tx, entries)
			return err
		})
	}
	// Keep 1,500 by count: the middle 1,000 (oldest by time) and records
	// 0…499 go.
	mustUpdate(t, db, func(tx *storage.Tx) error { _, err := testJournal.Trim(tx, 1500, time.Time{}); return err })
	if err := db.View(context.Background(), func(tx *storage.Tx) error {
		for _, n := range []int{0, 499, 500, 999, 1000, 1999, 2000, 2999} {
			recs, err := testJournal.ByIndex(tx, fmt.Sprintf("req-%d", n))
			if err != nil {
				return err
			}
			if want := n >= 500 && (n < 1000 || n >= 2000); (len(recs) == 1) != want {
				return fmt.Errorf("req-%d: %d found, kept=%v", n, len(recs), want)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.View(func(tx *bolt.Tx) error {
		root := tx.Bucket([]byte("journals")).Bucket([]byte("test"))
		byTime := root.Bucket([]byte("time"))
		entries := 0
		if err := root.Bucket([]byte("bindex")).ForEach(func(k, v []byte) error {
			if len(v) == 0 {
				return fmt.Errorf("empty block %d left", binary.BigEndian.Uint64(k))
			}
			for i := 0; i < len(v); i += 24 {
				if byTime.Get(v[i+8:i+24]) == nil {
					return fmt.Errorf("block %d keeps the entry of a removed record", binary.BigEndian.Uint64(k))
				}
				entries++
			}
			return nil
		}); err != nil {
			return err
		}
		if entries != 1500 {
			return fmt.Errorf("%d index entries for 1,500 records", entries)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
