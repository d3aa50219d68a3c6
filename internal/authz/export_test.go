package authz

import (
	"context"
	"time"

	"github.com/ibemu/ibemu/internal/iam/policy"
	"github.com/ibemu/ibemu/internal/storage"
	adminv1 "github.com/ibemu/ibemu/proto/admin/v1"
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

// DecodeRecord decodes a record as the Store's readers do, given the time
// and request id the journal keeps beside it.
func DecodeRecord(raw []byte, t time.Time, requestID string) (*adminv1.Decision, error) {
	return decodeRecord(storage.JournalRecord{Key: storage.JournalKey(t), Time: time.Unix(0, t.UnixNano()), Index: requestID, Value: raw})
}

// SetContext replaces the request context d was decided with, for tests
// of the record formats.
func SetContext(d *Decision, ctx *policy.Context) { d.req.Context, d.ctxFixed = ctx, false }

// IsCompactRecord reports whether raw is a compact record.
func IsCompactRecord(raw []byte) bool { return isCompact(raw) }

// TrimmedAtOpen reports whether NewStore wrote to trim the log it found.
func TrimmedAtOpen(s *Store) bool { return s.openTrims > 0 }

// NewRecordEncoder returns the writer's encoder, reused call after call as
// the writer does, for benchmarks.
func NewRecordEncoder() func([]byte, *Decision) ([]byte, error) {
	e := &recordEncoder{}
	return e.appendRecord
}

// SetFixedContext replaces the request context d was decided with and
// marks it fixed (never written after), as decideOne's contexts are, for
// tests of the encoder's reuse of a context's entries.
func SetFixedContext(d *Decision, ctx *policy.Context) { d.req.Context, d.ctxFixed = ctx, true }
