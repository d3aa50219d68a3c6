package storage_test

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/ibemu/ibemu/internal/storage"
)

func TestOpenCreatesPrivateFileAndDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "state")
	path := filepath.Join(dir, "ibemu.db")
	db, err := storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer db.Close()

	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("file mode = %o, want 600", got)
	}
	di, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := di.Mode().Perm(); got != 0o700 {
		t.Errorf("directory mode = %o, want 700", got)
	}
	if db.Path() != path {
		t.Errorf("Path() = %q, want %q", db.Path(), path)
	}
}

func TestReopenFindsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ibemu.db")
	db, err := storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	putName(t, db, alice, "k1", "v1")
	putName(t, db, aliceIAM, "k1", "global-v1")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db, err = storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got, ok := getName(t, db, alice, "k1"); !ok || got != "v1" {
		t.Errorf("after reopen alice k1 = %q, %v; want v1, true", got, ok)
	}
	if got, ok := getName(t, db, aliceIAM, "k1"); !ok || got != "global-v1" {
		t.Errorf("after reopen global k1 = %q, %v; want global-v1, true", got, ok)
	}
}

// storedSchemaVersion reads the version stamp straight from the bolt file.
func storedSchemaVersion(t *testing.T, path string) uint64 {
	t.Helper()
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	var v uint64
	err = bdb.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket([]byte("meta"))
		if meta == nil {
			return errors.New("no meta bucket")
		}
		raw := meta.Get([]byte("schema_version"))
		if len(raw) != 8 {
			return errors.New("schema_version is not 8 bytes")
		}
		v = binary.BigEndian.Uint64(raw)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func writeStoredSchemaVersion(t *testing.T, path string, raw []byte) {
	t.Helper()
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	err = bdb.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("meta")).Put([]byte("schema_version"), raw)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSchemaVersionWrittenOnCreate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ibemu.db")
	noop := storage.Migration{Name: "noop", Apply: func(*storage.Tx) error { return nil }}
	db, err := storage.Open(path, storage.Options{Migrations: []storage.Migration{noop, noop}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := db.SchemaVersion(), storage.BaseSchemaVersion+2; got != want {
		t.Errorf("SchemaVersion() = %d, want %d", got, want)
	}
	db.Close()
	if got, want := storedSchemaVersion(t, path), storage.BaseSchemaVersion+2; got != want {
		t.Errorf("stored version = %d, want %d", got, want)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ibemu.db")
	noop := storage.Migration{Name: "noop", Apply: func(*storage.Tx) error { return nil }}
	db, err := storage.Open(path, storage.Options{Migrations: []storage.Migration{noop}})
	if err != nil {
		t.Fatal(err)
	}
	putName(t, db, alice, "k", "v")
	db.Close()

	// A program without that migration is older than the file.
	_, err = storage.Open(path, storage.Options{Timeout: time.Second})
	if !errors.Is(err, storage.ErrNewerSchema) {
		t.Fatalf("Open older program: err = %v, want ErrNewerSchema", err)
	}
	// The refusal released the lock and left the file untouched.
	if got := storedSchemaVersion(t, path); got != storage.BaseSchemaVersion+1 {
		t.Errorf("stored version = %d after refusal, want %d", got, storage.BaseSchemaVersion+1)
	}
	db, err = storage.Open(path, storage.Options{Migrations: []storage.Migration{noop}})
	if err != nil {
		t.Fatalf("Open with the matching program: %v", err)
	}
	defer db.Close()
	if got, ok := getName(t, db, alice, "k"); !ok || got != "v" {
		t.Errorf("data after refusal = %q, %v", got, ok)
	}
}

func TestMalformedSchemaVersionIsCorrupt(t *testing.T) {
	for name, raw := range map[string][]byte{
		"short": {1, 2, 3},
		"zero":  make([]byte, 8),
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ibemu.db")
			db, err := storage.Open(path, storage.Options{})
			if err != nil {
				t.Fatal(err)
			}
			db.Close()
			writeStoredSchemaVersion(t, path, raw)
			if _, err := storage.Open(path, storage.Options{}); !errors.Is(err, storage.ErrCorrupt) {
				t.Fatalf("err = %v, want ErrCorrupt", err)
			}
		})
	}
}

func TestMigrationsRunOnceInOrder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ibemu.db")
	db, err := storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	putName(t, db, alice, "greeting", "hello")
	db.Close()

	var ran []string
	migrations := []storage.Migration{
		{Name: "uppercase greeting", Apply: func(tx *storage.Tx) error {
			ran = append(ran, "1→2")
			v, ok, err := names.Get(tx, alice, []byte("greeting"))
			if err != nil || !ok {
				return errors.Join(err, storage.ErrNotFound)
			}
			return names.Put(tx, alice, []byte("greeting"), wrapperspb.String(v.GetValue()+" WORLD"))
		}},
		{Name: "add marker", Apply: func(tx *storage.Tx) error {
			ran = append(ran, "2→3")
			return names.Insert(tx, alice, []byte("marker"), wrapperspb.String("migrated"))
		}},
	}

	for round := 0; round < 2; round++ {
		db, err := storage.Open(path, storage.Options{Migrations: migrations})
		if err != nil {
			t.Fatalf("round %d: Open: %v", round, err)
		}
		if got, want := db.SchemaVersion(), storage.BaseSchemaVersion+2; got != want {
			t.Errorf("round %d: version %d, want %d", round, got, want)
		}
		if got, _ := getName(t, db, alice, "greeting"); got != "hello WORLD" {
			t.Errorf("round %d: greeting = %q, want %q", round, got, "hello WORLD")
		}
		if got, _ := getName(t, db, alice, "marker"); got != "migrated" {
			t.Errorf("round %d: marker = %q", round, got)
		}
		db.Close()
	}
	if len(ran) != 2 || ran[0] != "1→2" || ran[1] != "2→3" {
		t.Errorf("migrations ran %v, want [1→2 2→3] exactly once each", ran)
	}
}

func TestFailedMigrationLeavesOldVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ibemu.db")
	db, err := storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	boom := errors.New("boom")
	_, err = storage.Open(path, storage.Options{Migrations: []storage.Migration{{
		Name: "half done",
		Apply: func(tx *storage.Tx) error {
			if err := names.Put(tx, alice, []byte("partial"), wrapperspb.String("x")); err != nil {
				return err
			}
			return boom
		},
	}}})
	if !errors.Is(err, boom) {
		t.Fatalf("Open: err = %v, want boom", err)
	}
	if got := storedSchemaVersion(t, path); got != storage.BaseSchemaVersion {
		t.Errorf("version after failed migration = %d, want %d", got, storage.BaseSchemaVersion)
	}
	db, err = storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, ok := getName(t, db, alice, "partial"); ok {
		t.Error("a failed migration's write survived")
	}
}

func TestSecondOpenFailsWithErrLocked(t *testing.T) {
	_, path := openTestDB(t, storage.Options{})
	start := time.Now()
	_, err := storage.Open(path, storage.Options{Timeout: 100 * time.Millisecond})
	if !errors.Is(err, storage.ErrLocked) {
		t.Fatalf("second Open: err = %v, want ErrLocked", err)
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("second Open took %s; the timeout is not bounding it", elapsed)
	}
}

func TestForeignBoltFileRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "other.db")
	bdb, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = bdb.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucket([]byte("someone-else"))
		return err
	})
	bdb.Close()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := storage.Open(path, storage.Options{}); !errors.Is(err, storage.ErrCorrupt) {
		t.Fatalf("Open foreign file: err = %v, want ErrCorrupt", err)
	}
}

func TestNotABoltFileRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "garbage.db")
	garbage := make([]byte, 64*1024)
	for i := range garbage {
		garbage[i] = byte(i * 7)
	}
	if err := os.WriteFile(path, garbage, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := storage.Open(path, storage.Options{}); !errors.Is(err, storage.ErrCorrupt) {
		t.Fatalf("Open garbage: err = %v, want ErrCorrupt", err)
	}
}

func TestCloseIsIdempotentAndFinal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ibemu.db")
	db, err := storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if err := db.Close(); err != nil {
			t.Fatalf("Close #%d: %v", i+1, err)
		}
	}
	ctx := context.Background()
	called := false
	if err := db.View(ctx, func(*storage.Tx) error { called = true; return nil }); !errors.Is(err, storage.ErrClosed) {
		t.Errorf("View after Close: %v, want ErrClosed", err)
	}
	if err := db.Update(ctx, func(*storage.Tx) error { called = true; return nil }); !errors.Is(err, storage.ErrClosed) {
		t.Errorf("Update after Close: %v, want ErrClosed", err)
	}
	if called {
		t.Error("a function ran after Close")
	}
	// The lock is released: another Open succeeds at once.
	db2, err := storage.Open(path, storage.Options{Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("reopen after Close: %v", err)
	}
	db2.Close()
}
