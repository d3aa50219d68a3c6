package storage

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// secretsBucket holds the emulator's own secrets, such as the key that seals
// STS session tokens, by name. It is created on first use.
var secretsBucket = topBucket{name: []byte("secrets")}

// Secret returns the secret called name: size random bytes from crypto/rand,
// created and made durable on first use and the same ever after, so what a
// secret sealed stays readable across restarts. A stored secret of another
// size is reported as corruption rather than silently replaced.
func (db *DB) Secret(ctx context.Context, name string, size int) ([]byte, error) {
	if name == "" || size <= 0 {
		return nil, errors.New("storage: Secret needs a name and a positive size")
	}
	key := []byte(name)
	var out []byte
	read := func(btx *bolt.Tx) error {
		if b := btx.Bucket(secretsBucket.name); b != nil {
			if v := b.Get(key); v != nil {
				out = bytes.Clone(v)
			}
		}
		return nil
	}
	if err := db.View(ctx, func(tx *Tx) error { return read(tx.btx) }); err != nil {
		return nil, err
	}
	if out == nil {
		fresh := make([]byte, size)
		if _, err := rand.Read(fresh); err != nil {
			return nil, fmt.Errorf("storage: secret %s: %w", name, err)
		}
		err := db.Update(ctx, func(tx *Tx) error {
			out = nil
			if err := read(tx.btx); err != nil || out != nil {
				return err
			}
			b, err := tx.btx.CreateBucketIfNotExists(secretsBucket.name)
			if err != nil {
				return bucketError(err)
			}
			out = bytes.Clone(fresh)
			return b.Put(key, fresh)
		})
		if err != nil {
			return nil, fmt.Errorf("storage: secret %s: %w", name, err)
		}
	}
	if len(out) != size {
		return nil, fmt.Errorf("%w: secret %s is %d bytes, want %d", ErrCorrupt, name, len(out), size)
	}
	return out, nil
}

// createSecrets creates fresh random secrets (name → size in bytes) in a new
// file's first transaction (Options.Secrets).
func createSecrets(btx *bolt.Tx, secrets map[string]int) error {
	if len(secrets) == 0 {
		return nil
	}
	b, err := btx.CreateBucketIfNotExists(secretsBucket.name)
	if err != nil {
		return bucketError(err)
	}
	for name, size := range secrets {
		if name == "" || size <= 0 {
			return errors.New("storage: Options.Secrets needs names and positive sizes")
		}
		fresh := make([]byte, size)
		if _, err := rand.Read(fresh); err != nil {
			return fmt.Errorf("storage: secret %s: %w", name, err)
		}
		if err := b.Put([]byte(name), fresh); err != nil {
			return err
		}
	}
	return nil
}
