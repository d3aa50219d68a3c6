package storage

import (
	"context"
	"errors"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
)

// Tx is a transaction handed to the function given to View or Update. Table
// methods and the other helpers take it so that several steps of one request
// share one consistent view and commit together. A Tx must not be used after
// that function returns, nor from another goroutine, and the function must
// not call View or Update itself: bbolt can deadlock when one goroutine holds
// two transactions.
type Tx struct {
	btx  *bolt.Tx
	ctx  context.Context
	done bool
	// wrote collects the tables this transaction wrote (nil in a View): their
	// generations move once the transaction is over (cache.go).
	wrote *writeSet
	// reads, when set, collects the tables read (ReadCache's check that a
	// load reads only the tables it watches).
	reads *[]*atomic.Uint64
}

// Context returns the context the transaction was started with.
func (tx *Tx) Context() context.Context { return tx.ctx }

// Writable reports whether the transaction may write (it came from Update).
func (tx *Tx) Writable() bool { return tx.btx.Writable() }

// usable reports why the transaction cannot be used for a read (or a write).
func (tx *Tx) usable(write bool) error {
	if tx.done {
		return ErrTxDone
	}
	if write && !tx.btx.Writable() {
		return ErrReadOnlyTx
	}
	return nil
}

// runTx wraps a bbolt transaction for one call of fn and retires the wrapper
// when fn returns, so a leaked *Tx fails cleanly instead of touching a
// finished bbolt transaction.
func runTx(ctx context.Context, btx *bolt.Tx, fn func(*Tx) error) error {
	return runTxWith(&Tx{btx: btx, ctx: ctx}, fn)
}

func runTxWith(tx *Tx, fn func(*Tx) error) error {
	defer func() { tx.done = true }()
	return fn(tx)
}

// View runs fn in a read-only transaction. It returns ctx.Err() without
// running fn if ctx is already done, and fn's error otherwise.
func (db *DB) View(ctx context.Context, fn func(*Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if db.closed.Load() {
		return ErrClosed
	}
	return mapDBError(db.bolt.View(func(btx *bolt.Tx) error {
		return runTx(ctx, btx, fn)
	}))
}

// Update runs fn in a read-write transaction and commits it if fn returns
// nil; any error from fn rolls back everything fn wrote. The commit is
// fsynced before Update returns unless Options.NoSync is set.
//
// Concurrent Updates are grouped into one bbolt transaction and one fsync
// (bbolt's Batch). Because of that:
//   - fn may be called more than once: if another function of the same
//     batch fails, the batch is rolled back and the survivors run again.
//     fn must therefore only read and write through tx and must not have
//     effects outside it (no sending on channels, no appending to shared
//     slices, no counters), and must compute its result afresh each call.
//     Results meant for the caller should be assigned to variables that
//     every call overwrites.
//   - An fn that returns an error is re-run alone in its own transaction
//     and that run's error is returned, so a failing request never rolls
//     back its neighbours.
//
// A lone Update (no other in flight) skips batching and commits at once, so
// single-writer latency is one fsync, not MaxBatchDelay plus one fsync.
//
// Update returns ctx.Err() without running fn if ctx is already done. If ctx
// is cancelled while waiting for the batch, fn is not run and the
// transaction part belonging to this call is rolled back.
func (db *DB) Update(ctx context.Context, fn func(*Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if db.closed.Load() {
		return ErrClosed
	}
	// The generations of the tables written move once bbolt is done with
	// the transaction — committed or not, moving them is always safe — and
	// before Update returns, so a read that starts after Update returned
	// never takes a cached value from before the write (cache.go). Every run
	// of fn (a batch may run it again) adds to the same set.
	var wrote writeSet
	defer wrote.bump()
	run := func(btx *bolt.Tx) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return runTxWith(&Tx{btx: btx, ctx: ctx, wrote: &wrote}, fn)
	}

	defer db.writers.Add(-1)
	var err error
	if db.writers.Add(1) == 1 {
		err = db.bolt.Update(run)
	} else {
		err = db.bolt.Batch(run)
	}
	if err == nil && db.created != nil {
		// A new file's name must be durable before a write is acknowledged.
		err = db.awaitCreated()
	}
	return mapDBError(err)
}

// mapDBError turns bbolt's "closed" into ErrClosed; other errors pass through
// unchanged so callers still see their own sentinels from fn.
func mapDBError(err error) error {
	if errors.Is(err, bolt.ErrDatabaseNotOpen) {
		return ErrClosed
	}
	return err
}
