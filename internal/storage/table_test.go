package storage_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/ibemu/ibemu/internal/storage"
)

func TestPutGetDelete(t *testing.T) {
	db, _ := openTestDB(t, storage.Options{NoSync: true})
	key := []byte("component/a")

	mustView(t, db, func(tx *storage.Tx) error {
		_, found, err := names.Get(tx, alice, key)
		if err != nil || found {
			t.Errorf("Get on an empty file = found %v, err %v; want not found, nil", found, err)
		}
		return nil
	})

	putName(t, db, alice, string(key), "v1")
	putName(t, db, alice, string(key), "v2") // Put replaces.
	if got, ok := getName(t, db, alice, string(key)); !ok || got != "v2" {
		t.Fatalf("Get = %q, %v; want v2, true", got, ok)
	}

	var deleted, deletedAgain bool
	mustUpdate(t, db, func(tx *storage.Tx) error {
		var err error
		if deleted, err = names.Delete(tx, alice, key); err != nil {
			return err
		}
		deletedAgain, err = names.Delete(tx, alice, key)
		return err
	})
	if !deleted || deletedAgain {
		t.Errorf("Delete = %v then %v; want true then false", deleted, deletedAgain)
	}
	if _, ok := getName(t, db, alice, string(key)); ok {
		t.Error("key still present after Delete")
	}
	mustUpdate(t, db, func(tx *storage.Tx) error {
		ok, err := names.Delete(tx, bob, []byte("never-written"))
		if ok || err != nil {
			t.Errorf("Delete in a scope with no buckets = %v, %v; want false, nil", ok, err)
		}
		return nil
	})
}

func TestInsertRefusesExistingKey(t *testing.T) {
	db, _ := openTestDB(t, storage.Options{NoSync: true})
	key := []byte("k")
	mustUpdate(t, db, func(tx *storage.Tx) error {
		return names.Insert(tx, alice, key, wrapperspb.String("first"))
	})
	err := db.Update(context.Background(), func(tx *storage.Tx) error {
		return names.Insert(tx, alice, key, wrapperspb.String("second"))
	})
	if !errors.Is(err, storage.ErrExists) {
		t.Fatalf("second Insert: err = %v, want ErrExists", err)
	}
	if got, _ := getName(t, db, alice, "k"); got != "first" {
		t.Errorf("value after refused Insert = %q, want first", got)
	}
	// The same key in another scope or table is a different record.
	mustUpdate(t, db, func(tx *storage.Tx) error {
		if err := names.Insert(tx, bob, key, wrapperspb.String("bob")); err != nil {
			return err
		}
		return blobs.Insert(tx, alice, key, wrapperspb.Bytes([]byte{1}))
	})
}

func TestScopesAndTablesAreIsolated(t *testing.T) {
	db, _ := openTestDB(t, storage.Options{NoSync: true})
	scopes := []storage.Scope{alice, aliceWest, aliceIAM, bob}
	mustUpdate(t, db, func(tx *storage.Tx) error {
		for _, s := range scopes {
			if err := names.Put(tx, s, []byte("shared-key"), wrapperspb.String(s.String())); err != nil {
				return err
			}
		}
		return nil
	})
	for _, s := range scopes {
		if got, ok := getName(t, db, s, "shared-key"); !ok || got != s.String() {
			t.Errorf("%s: got %q, %v; want %q", s, got, ok, s.String())
		}
	}
	mustUpdate(t, db, func(tx *storage.Tx) error {
		_, err := names.Delete(tx, aliceWest, []byte("shared-key"))
		return err
	})
	for _, s := range scopes {
		_, ok := getName(t, db, s, "shared-key")
		if want := s != aliceWest; ok != want {
			t.Errorf("after deleting in %s: present in %s = %v, want %v", aliceWest, s, ok, want)
		}
	}
	mustView(t, db, func(tx *storage.Tx) error {
		_, found, err := blobs.Get(tx, alice, []byte("shared-key"))
		if found || err != nil {
			t.Errorf("another table sees the key: found %v, err %v", found, err)
		}
		return nil
	})
}

func TestReturnedValuesAreIndependentOfTheTransaction(t *testing.T) {
	db, _ := openTestDB(t, storage.Options{NoSync: true})
	original := bytes.Repeat([]byte("0123456789abcdef"), 64)
	mustUpdate(t, db, func(tx *storage.Tx) error {
		for i := 0; i < 50; i++ {
			if err := blobs.Put(tx, alice, fmt.Appendf(nil, "k%03d", i), wrapperspb.Bytes(original)); err != nil {
				return err
			}
		}
		return nil
	})

	var (
		got      *wrapperspb.BytesValue
		keys     [][]byte
		scanned  []*wrapperspb.BytesValue
		lastKey  []byte
		lastSeen *wrapperspb.BytesValue
	)
	mustView(t, db, func(tx *storage.Tx) error {
		var err error
		if got, _, err = blobs.Get(tx, alice, []byte("k000")); err != nil {
			return err
		}
		if lastKey, lastSeen, _, err = blobs.Last(tx, alice, nil); err != nil {
			return err
		}
		return blobs.Scan(tx, alice, storage.ScanOptions{}, func(k []byte, v *wrapperspb.BytesValue) (bool, error) {
			keys = append(keys, k)
			scanned = append(scanned, v)
			return true, nil
		})
	})

	// Churn the file so the pages the reads came from are freed and reused.
	for round := 0; round < 20; round++ {
		mustUpdate(t, db, func(tx *storage.Tx) error {
			for i := 0; i < 50; i++ {
				k := fmt.Appendf(nil, "k%03d", i)
				if _, err := blobs.Delete(tx, alice, k); err != nil {
					return err
				}
				if err := blobs.Put(tx, alice, k, wrapperspb.Bytes(bytes.Repeat([]byte{byte(round)}, len(original)))); err != nil {
					return err
				}
			}
			return nil
		})
	}

	if !bytes.Equal(got.GetValue(), original) {
		t.Error("value from Get changed after the transaction ended")
	}
	if !bytes.Equal(lastSeen.GetValue(), original) || string(lastKey) != "k049" {
		t.Errorf("Last result changed after the transaction ended: key %q", lastKey)
	}
	if len(keys) != 50 {
		t.Fatalf("scanned %d keys, want 50", len(keys))
	}
	for i, k := range keys {
		if want := fmt.Sprintf("k%03d", i); string(k) != want {
			t.Errorf("scanned key %d = %q after the transaction ended, want %q", i, k, want)
		}
		if !bytes.Equal(scanned[i].GetValue(), original) {
			t.Errorf("scanned value %d changed after the transaction ended", i)
		}
	}

	// Mutating a returned value does not change what is stored.
	got.Value[0] = 'X'
	keys[1][0] = 'X'
	mustView(t, db, func(tx *storage.Tx) error {
		v, _, err := blobs.Get(tx, alice, []byte("k000"))
		if err != nil {
			return err
		}
		if v.GetValue()[0] == 'X' {
			t.Error("mutating a returned value changed the stored one")
		}
		_, found, err := blobs.Get(tx, alice, []byte("k001"))
		if !found || err != nil {
			t.Errorf("mutating a returned key affected the stored key: found %v, err %v", found, err)
		}
		return nil
	})
}

func TestStructValuesRoundTrip(t *testing.T) {
	db, _ := openTestDB(t, storage.Options{NoSync: true})
	want, err := structpb.NewStruct(map[string]any{
		"name":    "component",
		"version": "1.0.2",
		"tags":    map[string]any{"team": "infra", "env": "prod"},
		"steps":   []any{"build", "test"},
	})
	if err != nil {
		t.Fatal(err)
	}
	mustUpdate(t, db, func(tx *storage.Tx) error {
		if err := records.Put(tx, alice, []byte("r"), want); err != nil {
			return err
		}
		// An empty message is a present value, not an absent one.
		return records.Put(tx, alice, []byte("empty"), &structpb.Struct{})
	})
	mustView(t, db, func(tx *storage.Tx) error {
		got, ok, err := records.Get(tx, alice, []byte("r"))
		if err != nil || !ok || !proto.Equal(got, want) {
			t.Errorf("Get = %v, %v, %v; want %v", got, ok, err, want)
		}
		empty, ok, err := records.Get(tx, alice, []byte("empty"))
		if err != nil || !ok || len(empty.GetFields()) != 0 {
			t.Errorf("Get empty = %v, %v, %v; want empty struct, true, nil", empty, ok, err)
		}
		return nil
	})
}

func TestInvalidArguments(t *testing.T) {
	db, _ := openTestDB(t, storage.Options{NoSync: true})
	ctx := context.Background()
	cases := []struct {
		name string
		fn   func(tx *storage.Tx) error
		want error
	}{
		{"empty account", func(tx *storage.Tx) error {
			return names.Put(tx, storage.Scope{Region: "us-east-1"}, []byte("k"), wrapperspb.String("v"))
		}, storage.ErrInvalidScope},
		{"empty region", func(tx *storage.Tx) error {
			_, _, err := names.Get(tx, storage.Scope{Account: "1"}, []byte("k"))
			return err
		}, storage.ErrInvalidScope},
		{"empty key", func(tx *storage.Tx) error {
			return names.Put(tx, alice, nil, wrapperspb.String("v"))
		}, storage.ErrInvalidKey},
		{"oversized key", func(tx *storage.Tx) error {
			return names.Insert(tx, alice, make([]byte, bolt.MaxKeySize+1), wrapperspb.String("v"))
		}, storage.ErrInvalidKey},
		{"nil value", func(tx *storage.Tx) error {
			return names.Put(tx, alice, []byte("k"), nil)
		}, storage.ErrInvalidValue},
		{"invalid UTF-8 in a string field", func(tx *storage.Tx) error {
			return names.Put(tx, alice, []byte("k"), wrapperspb.String("\xff"))
		}, storage.ErrInvalidValue},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := db.Update(ctx, c.fn); !errors.Is(err, c.want) {
				t.Errorf("err = %v, want %v", err, c.want)
			}
		})
	}
	// None of the refused writes created anything.
	mustView(t, db, func(tx *storage.Tx) error {
		return storage.Accounts(tx, func(account string) (bool, error) {
			t.Errorf("refused writes created account bucket %q", account)
			return true, nil
		})
	})
}

func TestWriteInViewIsRefused(t *testing.T) {
	db, _ := openTestDB(t, storage.Options{NoSync: true})
	err := db.View(context.Background(), func(tx *storage.Tx) error {
		if tx.Writable() {
			t.Error("View transaction claims to be writable")
		}
		return names.Put(tx, alice, []byte("k"), wrapperspb.String("v"))
	})
	if !errors.Is(err, storage.ErrReadOnlyTx) {
		t.Fatalf("Put in View: err = %v, want ErrReadOnlyTx", err)
	}
	err = db.View(context.Background(), func(tx *storage.Tx) error {
		_, err := names.Delete(tx, alice, []byte("k"))
		return err
	})
	if !errors.Is(err, storage.ErrReadOnlyTx) {
		t.Fatalf("Delete in View: err = %v, want ErrReadOnlyTx", err)
	}
}

func TestTxUnusableAfterItsFunctionReturns(t *testing.T) {
	db, _ := openTestDB(t, storage.Options{NoSync: true})
	var leaked *storage.Tx
	mustUpdate(t, db, func(tx *storage.Tx) error { leaked = tx; return nil })
	if err := names.Put(leaked, alice, []byte("k"), wrapperspb.String("v")); !errors.Is(err, storage.ErrTxDone) {
		t.Errorf("Put on a finished Tx: err = %v, want ErrTxDone", err)
	}
	mustView(t, db, func(tx *storage.Tx) error { leaked = tx; return nil })
	if _, _, err := names.Get(leaked, alice, []byte("k")); !errors.Is(err, storage.ErrTxDone) {
		t.Errorf("Get on a finished Tx: err = %v, want ErrTxDone", err)
	}
	if err := storage.Accounts(leaked, func(string) (bool, error) { return true, nil }); !errors.Is(err, storage.ErrTxDone) {
		t.Errorf("Accounts on a finished Tx: err = %v, want ErrTxDone", err)
	}
}

// TestCorruptValueIsAnError plants bytes that are not a valid message where a
// value belongs and checks that every read path reports ErrCorrupt.
func TestCorruptValueIsAnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ibemu.db")
	db, err := storage.Open(path, storage.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	putName(t, db, alice, "good", "fine")
	db.Close()

	bdb, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = bdb.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("data")).Bucket([]byte(alice.Account)).Bucket([]byte(alice.Region)).Bucket([]byte(names.Name()))
		// Field 1, wire type 2 (bytes) claiming 100 bytes that are not there.
		return b.Put([]byte("zzz-bad"), []byte{0x0a, 100, 'x'})
	})
	bdb.Close()
	if err != nil {
		t.Fatal(err)
	}

	db, err = storage.Open(path, storage.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(context.Background(), func(tx *storage.Tx) error {
		_, _, err := names.Get(tx, alice, []byte("zzz-bad"))
		return err
	})
	if !errors.Is(err, storage.ErrCorrupt) {
		t.Errorf("Get: err = %v, want ErrCorrupt", err)
	}
	err = db.View(context.Background(), func(tx *storage.Tx) error {
		_, _, _, err := names.Last(tx, alice, nil)
		return err
	})
	if !errors.Is(err, storage.ErrCorrupt) {
		t.Errorf("Last: err = %v, want ErrCorrupt", err)
	}
	// The good record is still readable around the bad one.
	if got, ok := getName(t, db, alice, "good"); !ok || got != "fine" {
		t.Errorf("good record = %q, %v", got, ok)
	}
}

func TestNewTableRejectsMisuse(t *testing.T) {
	expectPanic := func(name string, fn func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s: no panic", name)
			}
		}()
		fn()
	}
	expectPanic("duplicate name", func() { storage.NewTable[*wrapperspb.Int64Value](names.Name()) })
	expectPanic("empty name", func() { storage.NewTable[*wrapperspb.Int64Value]("") })
	expectPanic("interface type", func() { storage.NewTable[proto.Message]("test.interface") })
}

func TestAccountsAndRegionsListBucketsOnly(t *testing.T) {
	db, _ := openTestDB(t, storage.Options{NoSync: true})
	mustView(t, db, func(tx *storage.Tx) error {
		return storage.Accounts(tx, func(a string) (bool, error) {
			t.Errorf("fresh file lists account %q", a)
			return true, nil
		})
	})
	for _, s := range []storage.Scope{bob, alice, aliceIAM, aliceWest, {Account: "333333333333", Region: "eu-west-1"}} {
		putName(t, db, s, "k", "v")
	}

	var accounts, regions, firstOnly []string
	mustView(t, db, func(tx *storage.Tx) error {
		if err := storage.Accounts(tx, func(a string) (bool, error) {
			accounts = append(accounts, a)
			return true, nil
		}); err != nil {
			return err
		}
		if err := storage.Accounts(tx, func(a string) (bool, error) {
			firstOnly = append(firstOnly, a)
			return false, nil
		}); err != nil {
			return err
		}
		if err := storage.Regions(tx, "999999999999", func(r string) (bool, error) {
			t.Errorf("unknown account lists region %q", r)
			return true, nil
		}); err != nil {
			return err
		}
		return storage.Regions(tx, alice.Account, func(r string) (bool, error) {
			regions = append(regions, r)
			return true, nil
		})
	})
	if want := []string{"111111111111", "222222222222", "333333333333"}; fmt.Sprint(accounts) != fmt.Sprint(want) {
		t.Errorf("Accounts = %v, want %v", accounts, want)
	}
	if len(firstOnly) != 1 {
		t.Errorf("Accounts kept going after fn returned false: %v", firstOnly)
	}
	if want := []string{storage.GlobalRegion, "us-east-1", "us-west-2"}; fmt.Sprint(regions) != fmt.Sprint(want) {
		t.Errorf("Regions = %v, want %v", regions, want)
	}

	stop := errors.New("stop")
	err := db.View(context.Background(), func(tx *storage.Tx) error {
		return storage.Accounts(tx, func(string) (bool, error) { return true, stop })
	})
	if !errors.Is(err, stop) {
		t.Errorf("Accounts did not return fn's error: %v", err)
	}
}
