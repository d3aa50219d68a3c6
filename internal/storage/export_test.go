package storage

import (
	"errors"

	bolt "go.etcd.io/bbolt"
)

// CheckConsistency runs bbolt's page-level consistency check over the file.
func CheckConsistency(db *DB) error {
	return db.bolt.View(func(btx *bolt.Tx) error {
		var errs []error
		for err := range btx.Check() {
			errs = append(errs, err)
		}
		return errors.Join(errs...)
	})
}

// SetCreateHook sets the hook create calls at each of its steps (nil: none).
func SetCreateHook(h func(step string)) { createHook = h }

// CreateSteps are the steps create reports to its hook, in order.
var CreateSteps = []string{"temporary file", "synced", "linked", "directory synced"}

// SetOnDiskCreate makes create build new files on disk (bbolt's own first
// pages and sync) instead of from an in-memory image, as on systems
// without memfds; false restores the default.
func SetOnDiskCreate(on bool) {
	if on {
		memImage = func(Options) ([]byte, error) { return nil, nil }
	} else {
		memImage = newImage
	}
}

// SetInPlaceCreate makes Open create new files in place, as before create
// existed (for the benchmark that compares); false restores the default.
func SetInPlaceCreate(on bool) { atomicCreate = !on }

// WriteSindex makes journals write the layout of the builds before bindex
// (an sindex entry per record), or not.
func WriteSindex(on bool) { writeSindex = on }

// SetJournalHash replaces the hash of index strings in bindex until the
// test ends.
func SetJournalHash(t interface{ Cleanup(func()) }, h func(string) uint64) {
	old := journalHash
	journalHash = h
	t.Cleanup(func() { journalHash = old })
}
