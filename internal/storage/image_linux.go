//go:build linux

package storage

import (
	"bytes"
	"os"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"
)

// newImage returns the bytes of a new storage file (bbolt's first pages,
// the schema stamp and opts.Secrets), made by bbolt in an anonymous
// in-memory file (memfd), so that creating a file on disk costs one sync:
// bbolt syncs the first pages of any file it creates, unconditionally. It
// returns nil, nil where memfds are not available; create then builds the
// file on disk.
func newImage(opts Options) ([]byte, error) {
	fd, err := unix.MemfdCreate("ibemu-storage", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, nil
	}
	f := os.NewFile(uintptr(fd), "memfd:ibemu-storage")
	bo := boltOptions(opts)
	bo.NoSync, bo.NoGrowSync = true, true
	bo.OpenFile = func(string, int, os.FileMode) (*os.File, error) { return f, nil }
	bdb, err := bolt.Open(f.Name(), fileMode, bo)
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	defer bdb.Close()
	if _, err := prepareSchema(bdb, opts.Migrations, opts.Secrets); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	err = bdb.View(func(tx *bolt.Tx) error {
		_, err := tx.WriteTo(&buf)
		return err
	})
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
