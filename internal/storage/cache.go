package storage

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
)

// Write generations and the read cache
//
// Every table has a generation that moves once a write transaction that
// wrote to it is over (committed or rolled back: moving it needlessly is
// safe), before DB.Update returns. Reset and Restore, which replace the
// whole state below the tables, move stateEpoch. A ReadCache stamps each
// value with the sum of the generations of the tables it watches plus the
// epoch, read BEFORE the read transaction that computes the value begins,
// and serves a value only while the current sum still equals its stamp.
// The counters only grow, so the sum is unchanged exactly when none of them
// moved. Hence:
//
//   - a value read from a snapshot older than some write carries a stamp
//     from before that write's move, so it stops being served the moment
//     the write's Update returns;
//   - a value stamped after the move was read from a snapshot that includes
//     the write (the move happens after the commit).
//
// A read that starts after an Update returned therefore never sees an older
// state through the cache than it would through a transaction of its own.

// stateEpoch moves when Reset or Restore replaced the whole state.
var stateEpoch atomic.Uint64

// writeSet is the set of table generations one Update wrote, moved once
// the transaction is over.
type writeSet struct {
	gens []*atomic.Uint64
	all  bool
}

func (w *writeSet) add(g *atomic.Uint64) {
	if w == nil || slices.Contains(w.gens, g) {
		return
	}
	w.gens = append(w.gens, g)
}

// everything marks a write below the tables (Reset, Restore).
func (w *writeSet) everything() {
	if w != nil {
		w.all = true
	}
}

func (w *writeSet) bump() {
	for _, g := range w.gens {
		g.Add(1)
	}
	if w.all {
		stateEpoch.Add(1)
	}
}

// Watched is a table whose writes a ReadCache follows: any *Table.
type Watched interface {
	generation() *atomic.Uint64
}

func (t *Table[T]) generation() *atomic.Uint64 { return &t.gen }

// ReadCache keeps values computed in read transactions from some tables,
// by a key, and serves each only until one of those tables is written (in
// any scope), or the state is reset or restored. It trades a map lookup for
// a transaction, bucket walks and decoding on hot reads of rarely written
// records.
//
// Values are shared by every caller that gets them: they must be treated
// as immutable, or cloned before any change.
//
// A load that reads a table the cache does not watch (a dependency the
// cache's owner forgot) is served but not kept, so a missing declaration
// costs speed, never correctness; Uncacheable counts such loads.
//
// The cache holds at most its byte budget, as the loads report sizes; when
// a value would exceed it, everything is dropped and filling starts over.
// It is safe for concurrent use.
type ReadCache[K comparable, V any] struct {
	db     *DB
	gens   []*atomic.Uint64
	budget int

	mu   sync.RWMutex
	m    map[K]cacheEntry[V]
	size int

	uncacheable atomic.Uint64
}

type cacheEntry[V any] struct {
	stamp uint64
	size  int
	value V
}

// NewReadCache returns a cache of values read from db's tables, of at most
// budget bytes (as the loads report them), watching tables.
func NewReadCache[K comparable, V any](db *DB, budget int, tables ...Watched) *ReadCache[K, V] {
	c := &ReadCache[K, V]{db: db, budget: budget, m: map[K]cacheEntry[V]{}}
	for _, t := range tables {
		c.gens = append(c.gens, t.generation())
	}
	return c
}

// stamp is the current state of the watched tables.
func (c *ReadCache[K, V]) stamp() uint64 {
	s := stateEpoch.Load()
	for _, g := range c.gens {
		s += g.Load()
	}
	return s
}

// Get returns the value of key: the one kept, if none of the watched tables
// was written since it was read; otherwise load's, run in a read
// transaction, which is kept if load reported a size ≥ 0 and read only
// watched tables. load's error is returned as is, and nothing is kept.
func (c *ReadCache[K, V]) Get(ctx context.Context, key K, load func(tx *Tx) (value V, size int, err error)) (V, error) {
	stamp := c.stamp()
	c.mu.RLock()
	e, ok := c.m[key]
	c.mu.RUnlock()
	if ok && e.stamp == stamp {
		return e.value, nil
	}
	var (
		value V
		size  int
		reads []*atomic.Uint64
	)
	if err := ctx.Err(); err != nil {
		return value, err
	}
	if c.db.closed.Load() {
		return value, ErrClosed
	}
	err := mapDBError(c.db.bolt.View(func(btx *bolt.Tx) error {
		reads = reads[:0]
		return runTxWith(&Tx{btx: btx, ctx: ctx, reads: &reads}, func(tx *Tx) error {
			var err error
			value, size, err = load(tx)
			return err
		})
	}))
	if err != nil {
		var zero V
		return zero, err
	}
	if size < 0 || size > c.budget {
		return value, nil
	}
	for _, g := range reads {
		if !slices.Contains(c.gens, g) {
			c.uncacheable.Add(1)
			return value, nil
		}
	}
	c.mu.Lock()
	if old, ok := c.m[key]; ok {
		if old.stamp > stamp {
			// A concurrent load read a newer state: keep that one.
			c.mu.Unlock()
			return value, nil
		}
		c.size -= old.size
	}
	if c.size+size > c.budget {
		clear(c.m)
		c.size = 0
	}
	c.m[key] = cacheEntry[V]{stamp: stamp, size: size, value: value}
	c.size += size
	c.mu.Unlock()
	return value, nil
}

// Uncacheable counts the loads not kept because they read a table the
// cache does not watch.
func (c *ReadCache[K, V]) Uncacheable() uint64 { return c.uncacheable.Load() }

// Len is the number of values kept, current or stale.
func (c *ReadCache[K, V]) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}
