package authz

import (
	"context"

	"github.com/ibemu/ibemu/internal/storage"
)

// StoredLen is how many decisions the data file holds, trimmed or not yet,
// for tests.
func StoredLen(s *Store) (n int, err error) {
	err = s.db.View(context.Background(), func(tx *storage.Tx) error {
		n, err = decisionJournal.Len(tx)
		return err
	})
	return n, err
}

// EncodeRecord is the Store writer's encoding of d, for tests.
func EncodeRecord(d *Decision) ([]byte, error) {
	var e recordEncoder
	return e.appendRecord(nil, d)
}
