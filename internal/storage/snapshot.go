package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

// ErrForeignSnapshot is returned by Restore for a snapshot whose secrets
// (the keys that seal session tokens and key material) differ from this
// file's: what it sealed could not be opened by the running emulator.
var ErrForeignSnapshot = errors.New("storage: the snapshot was taken by another emulator (its sealing secrets differ)")

// WriteTo writes a consistent copy of the whole file to w (bbolt's
// Tx.WriteTo inside a read transaction, so writers are not blocked) and
// returns the number of bytes written. The copy is itself a data file:
// Open accepts it, and Restore reads it back.
func (db *DB) WriteTo(ctx context.Context, w io.Writer) (int64, error) {
	var n int64
	err := db.View(ctx, func(tx *Tx) error {
		var err error
		n, err = tx.btx.WriteTo(w)
		return err
	})
	return n, err
}

// Reset empties the state: every account's data and every journal, in one
// transaction. The schema version and the secrets are kept, so what was
// sealed before (session tokens, encoded messages) still opens.
func (db *DB) Reset(ctx context.Context) error {
	return db.Update(ctx, func(tx *Tx) error {
		tx.wrote.everything()
		return replaceState(tx.btx, nil)
	})
}

// Restore replaces the state with the snapshot read from r (as WriteTo
// wrote it) and returns the snapshot's size in bytes. The snapshot is
// spooled to a temporary file beside the data file and checked (a bbolt
// file at this schema version with the same secrets) before anything
// changes; the replacement then happens in one write transaction, so
// readers see the old state or the new one, never a mix, and a crash
// leaves one of the two. Secrets are never replaced.
func (db *DB) Restore(ctx context.Context, r io.Reader) (int64, error) {
	tmp, err := os.CreateTemp(filepath.Dir(db.path), ".restore-*.db")
	if err != nil {
		return 0, fmt.Errorf("storage: restore: %w", err)
	}
	defer os.Remove(tmp.Name())
	n, err := io.Copy(tmp, r)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, fmt.Errorf("storage: restore: spool the snapshot: %w", err)
	}
	src, err := bolt.Open(tmp.Name(), fileMode, &bolt.Options{ReadOnly: true, Timeout: DefaultOpenTimeout})
	if err != nil {
		return n, fmt.Errorf("%w: restore: the snapshot is not a data file: %w", ErrCorrupt, err)
	}
	defer src.Close()
	err = src.View(func(stx *bolt.Tx) error {
		version, fresh, err := readSchemaVersion(stx)
		if err != nil {
			return err
		}
		if fresh || version != db.version {
			return fmt.Errorf("%w: restore: the snapshot is at schema version %d, this program writes %d", ErrCorrupt, version, db.version)
		}
		if err := db.View(ctx, func(tx *Tx) error { return sameSecrets(tx.btx, stx) }); err != nil {
			return err
		}
		return db.Update(ctx, func(tx *Tx) error {
			tx.wrote.everything()
			return replaceState(tx.btx, stx)
		})
	})
	return n, err
}

// kept are the top-level buckets Reset and Restore leave alone.
func kept(name []byte) bool {
	return bytes.Equal(name, metaBucket.name) || bytes.Equal(name, secretsBucket.name)
}

// replaceState drops every top-level bucket but the kept ones and copies
// src's (none when src is nil).
func replaceState(dst *bolt.Tx, src *bolt.Tx) error {
	var drop [][]byte
	if err := dst.ForEach(func(name []byte, _ *bolt.Bucket) error {
		if !kept(name) {
			drop = append(drop, bytes.Clone(name))
		}
		return nil
	}); err != nil {
		return err
	}
	for _, name := range drop {
		if err := dst.DeleteBucket(name); err != nil {
			return err
		}
	}
	if src == nil {
		_, err := dst.CreateBucketIfNotExists(dataBucket.name)
		return err
	}
	return src.ForEach(func(name []byte, b *bolt.Bucket) error {
		if kept(name) {
			return nil
		}
		nb, err := dst.CreateBucket(name)
		if err != nil {
			return err
		}
		return copyBucket(nb, b)
	})
}

func copyBucket(dst, src *bolt.Bucket) error {
	if err := dst.SetSequence(src.Sequence()); err != nil {
		return err
	}
	c := src.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if v != nil {
			if err := dst.Put(bytes.Clone(k), bytes.Clone(v)); err != nil {
				return err
			}
			continue
		}
		nb, err := dst.CreateBucket(bytes.Clone(k))
		if err != nil {
			return err
		}
		if err := copyBucket(nb, src.Bucket(k)); err != nil {
			return err
		}
	}
	return nil
}

// sameSecrets reports ErrForeignSnapshot unless every secret both files
// hold is the same.
func sameSecrets(cur, snap *bolt.Tx) error {
	a, b := cur.Bucket(secretsBucket.name), snap.Bucket(secretsBucket.name)
	if a == nil || b == nil {
		return nil
	}
	return a.ForEach(func(k, v []byte) error {
		if w := b.Get(k); w != nil && !bytes.Equal(v, w) {
			return fmt.Errorf("%w: secret %s", ErrForeignSnapshot, k)
		}
		return nil
	})
}
