package storage

import "errors"

// Sentinel errors. Every error the package returns wraps one of these (or a
// context error, or an I/O error from bbolt) with context about where it
// happened, so callers match with errors.Is and logs still say which table,
// scope and key were involved.
var (
	// ErrNotFound reports a missing record where one was required. Get and
	// Delete report absence with a boolean instead; ErrNotFound is for
	// callers that want to turn that boolean into an error consistently.
	ErrNotFound = errors.New("storage: not found")
	// ErrExists is returned by Table.Insert when the key is already present.
	ErrExists = errors.New("storage: already exists")
	// ErrNewerSchema is returned by Open when the file was written by a newer
	// version of the code than this one understands.
	ErrNewerSchema = errors.New("storage: database schema is newer than this program")
	// ErrCorrupt reports bytes on disk that cannot be decoded: a value that
	// is not a valid message of the table's type, a malformed schema version,
	// or a bucket where a value belongs.
	ErrCorrupt = errors.New("storage: corrupt data")
	// ErrLocked is returned by Open when another process holds the file.
	ErrLocked = errors.New("storage: database file is locked by another process")
	// ErrClosed is returned when the DB was closed before the call.
	ErrClosed = errors.New("storage: database is closed")
	// ErrTxDone is returned when a Tx is used after its function returned.
	ErrTxDone = errors.New("storage: transaction already finished")
	// ErrInvalidScope is returned when a Scope has an empty account or region.
	ErrInvalidScope = errors.New("storage: invalid scope")
	// ErrInvalidKey is returned for an empty key or one bbolt cannot store.
	ErrInvalidKey = errors.New("storage: invalid key")
	// ErrInvalidValue is returned when a value is nil or cannot be encoded.
	ErrInvalidValue = errors.New("storage: invalid value")
	// ErrReadOnlyTx is returned when a write is attempted inside View.
	ErrReadOnlyTx = errors.New("storage: write in a read-only transaction")
)
