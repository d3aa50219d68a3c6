package storage_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ibemu/ibemu/internal/storage"
)

// A JournalBuffer reused commit after commit (batches growing, shrinking,
// growing past its size) writes what AppendAll writes: every record reads
// back as appended, by time and by index, and the keys returned are the
// records' keys. The buffer's memory is overwritten by each later batch,
// so a record bbolt still read from it after its commit would come back
// wrong.
func TestJournalAppendAllBuffered(t *testing.T) {
	db, _ := openTestDB(t, storage.Options{NoSync: true})
	ctx := context.Background()
	base := time.Unix(1_700_000_000, 0)
	var buf storage.JournalBuffer
	type rec struct {
		index, value string
	}
	var want []rec
	n := 0
	for batch, size := range []int{3, 10, 2, 40, 40, 41, 1, 300, 5} {
		entries := make([]storage.JournalEntry, size)
		for i := range entries {
			n++
			r := rec{fmt.Sprintf("req-%d", n), fmt.Sprintf("batch %d record %d %s", batch, i, bytes.Repeat([]byte{byte('a' + n%26)}, n%50))}
			want = append(want, r)
			entries[i] = storage.JournalEntry{Time: base.Add(time.Duration(n) * time.Millisecond), Index: r.index, Value: []byte(r.value)}
		}
		var keys []byte
		mustUpdate(t, db, func(tx *storage.Tx) (err error) {
			keys, err = testJournal.AppendAllBuffered(tx, entries, &buf)
			return err
		})
		if len(keys) != size*storage.JournalKeySize {
			t.Fatalf("batch %d: %d bytes of keys", batch, len(keys))
		}
		var last []storage.JournalRecord
		if err := db.View(ctx, func(tx *storage.Tx) error {
			return testJournal.Scan(tx, nil, nil, func(r storage.JournalRecord) (bool, error) {
				last = append(last, r)
				return true, nil
			})
		}); err != nil {
			t.Fatal(err)
		}
		last = last[len(last)-size:]
		for i, r := range last {
			if !bytes.Equal(r.Key, keys[i*storage.JournalKeySize:(i+1)*storage.JournalKeySize]) {
				t.Fatalf("batch %d: key %d = %x, scan has %x", batch, i, keys[i*storage.JournalKeySize:(i+1)*storage.JournalKeySize], r.Key)
			}
		}
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
	if len(got) != len(want) {
		t.Fatalf("%d records, want %d", len(got), len(want))
	}
	for i, r := range got {
		if r.Index != want[i].index || string(r.Value) != want[i].value {
			t.Fatalf("record %d = %q %q, want %q %q", i, r.Index, r.Value, want[i].index, want[i].value)
		}
	}
	for _, i := range []int{0, 5, 60, 200, len(want) - 1} {
		var rs []storage.JournalRecord
		if err := db.View(ctx, func(tx *storage.Tx) (err error) { rs, err = testJournal.ByIndex(tx, want[i].index); return err }); err != nil {
			t.Fatal(err)
		}
		if len(rs) != 1 || string(rs[0].Value) != want[i].value {
			t.Errorf("by index %s: %+v", want[i].index, rs)
		}
	}
}
