package storage_test

import (
	"context"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/ibemu/ibemu/internal/storage"
)

// Test tables, declared once like production tables.
var (
	names   = storage.NewTable[*wrapperspb.StringValue]("test.names")
	blobs   = storage.NewTable[*wrapperspb.BytesValue]("test.blobs")
	records = storage.NewTable[*structpb.Struct]("test.records")
)

var (
	alice     = storage.Scope{Account: "111111111111", Region: "us-east-1"}
	aliceWest = storage.Scope{Account: "111111111111", Region: "us-west-2"}
	aliceIAM  = storage.Scope{Account: "111111111111", Region: storage.GlobalRegion}
	bob       = storage.Scope{Account: "222222222222", Region: "us-east-1"}
)

func openTestDB(t testing.TB, opts storage.Options) (*storage.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state", "ibemu.db")
	db, err := storage.Open(path, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db, path
}

func mustUpdate(t testing.TB, db *storage.DB, fn func(*storage.Tx) error) {
	t.Helper()
	if err := db.Update(context.Background(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func mustView(t testing.TB, db *storage.DB, fn func(*storage.Tx) error) {
	t.Helper()
	if err := db.View(context.Background(), fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

func putName(t testing.TB, db *storage.DB, scope storage.Scope, key, value string) {
	t.Helper()
	mustUpdate(t, db, func(tx *storage.Tx) error {
		return names.Put(tx, scope, []byte(key), wrapperspb.String(value))
	})
}

// getName returns the stored string, or "" and false.
func getName(t testing.TB, db *storage.DB, scope storage.Scope, key string) (string, bool) {
	t.Helper()
	var (
		got   string
		found bool
	)
	mustView(t, db, func(tx *storage.Tx) error {
		v, ok, err := names.Get(tx, scope, []byte(key))
		if err != nil {
			return err
		}
		if ok {
			got, found = v.GetValue(), true
		}
		return nil
	})
	return got, found
}
