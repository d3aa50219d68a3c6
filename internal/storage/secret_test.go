package storage_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/ibemu/ibemu/internal/storage"
)

// A secret is created once and is the same after reopening the file.
func TestSecretIsStableAcrossReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	db, err := storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := db.Secret(ctx, "token-key", 32)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 32 || bytes.Equal(a, make([]byte, 32)) {
		t.Fatalf("secret = %x, want 32 random bytes", a)
	}
	again, err := db.Secret(ctx, "token-key", 32)
	if err != nil || !bytes.Equal(a, again) {
		t.Fatalf("second call: %x, %v; want %x", again, err, a)
	}
	other, err := db.Secret(ctx, "other", 32)
	if err != nil || bytes.Equal(a, other) {
		t.Fatalf("another name gave %x, %v; want a different secret", other, err)
	}
	a[0] ^= 0xff // the caller's copy is its own
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	b, err := db.Secret(ctx, "token-key", 32)
	a[0] ^= 0xff
	if err != nil || !bytes.Equal(a, b) {
		t.Fatalf("after reopen: %x, %v; want %x", b, err, a)
	}
	if _, err := db.Secret(ctx, "token-key", 16); !errors.Is(err, storage.ErrCorrupt) {
		t.Fatalf("size mismatch: err = %v, want ErrCorrupt", err)
	}
}

// Options.Secrets creates the secrets with a new file; reopening with the
// option does not replace them, and Secret finds them.
func TestSecretsCreatedWithANewFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	opts := storage.Options{Secrets: map[string]int{"seal": 32}}
	db, err := storage.Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	first, err := db.Secret(ctx, "seal", 32)
	if err != nil || len(first) != 32 || bytes.Equal(first, make([]byte, 32)) {
		t.Fatalf("secret made with the file: %x, %v", first, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = storage.Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	again, err := db.Secret(ctx, "seal", 32)
	if err != nil || !bytes.Equal(first, again) {
		t.Fatalf("after reopening: %x, %v; want %x", again, err, first)
	}
}
