package storage

import (
	"bytes"

	bolt "go.etcd.io/bbolt"
)

// ScanOptions select and order the records Scan visits.
type ScanOptions struct {
	// Prefix restricts the scan to keys that start with it.
	Prefix []byte
	// StartAfter resumes a previous page: only keys strictly after it in
	// scan order (greater when forward, smaller when Reverse) are visited.
	// It need not be a key that exists.
	StartAfter []byte
	// Reverse visits keys from greatest to smallest.
	Reverse bool
	// Limit caps how many records are passed to fn; zero or less means no cap.
	Limit int
}

// Scan calls fn for each record of the table in scope that matches opts, in
// key order (or reverse key order), until fn returns false or an error, or
// Limit records were visited. The cursor seeks straight to the first match,
// so a page costs the same wherever it starts. fn receives copies it may
// keep. fn must not write to this table in this scope; collect keys and
// write after Scan returns.
func (t *Table[T]) Scan(tx *Tx, scope Scope, opts ScanOptions, fn func(key []byte, value T) (more bool, err error)) error {
	if err := t.checkRead(tx, scope); err != nil {
		return t.wrap("scan", scope, opts.Prefix, err)
	}
	b := tx.tableBucket(scope, t.bucket)
	if b == nil {
		return nil
	}
	c := b.Cursor()
	step := c.Next
	if opts.Reverse {
		step = c.Prev
	}
	visited := 0
	for k, v := opts.first(c); k != nil && bytes.HasPrefix(k, opts.Prefix); k, v = step() {
		if v == nil {
			// A nested bucket; tables never create them, so skip it.
			continue
		}
		value, err := t.decode(scope, k, v)
		if err != nil {
			return err
		}
		more, err := fn(bytes.Clone(k), value)
		if err != nil || !more {
			return err
		}
		visited++
		if opts.Limit > 0 && visited >= opts.Limit {
			return nil
		}
	}
	return nil
}

// first positions c on the first key the scan visits.
func (opts ScanOptions) first(c *bolt.Cursor) (k, v []byte) {
	if opts.Reverse {
		return opts.firstReverse(c)
	}
	start := opts.Prefix
	if len(opts.StartAfter) > 0 && bytes.Compare(opts.StartAfter, start) >= 0 {
		start = opts.StartAfter
	}
	if len(start) == 0 {
		return c.First()
	}
	k, v = c.Seek(start)
	if k != nil && len(opts.StartAfter) > 0 && bytes.Equal(k, opts.StartAfter) {
		k, v = c.Next()
	}
	return k, v
}

// firstReverse positions c on the greatest key below the exclusive upper
// bound: the smaller of StartAfter and the end of the prefix range.
func (opts ScanOptions) firstReverse(c *bolt.Cursor) (k, v []byte) {
	upper := prefixEnd(opts.Prefix)
	if len(opts.StartAfter) > 0 && (upper == nil || bytes.Compare(opts.StartAfter, upper) < 0) {
		upper = opts.StartAfter
	}
	if upper == nil {
		return c.Last()
	}
	if k, _ = c.Seek(upper); k == nil {
		return c.Last()
	}
	return c.Prev()
}

// prefixEnd returns the smallest key greater than every key with prefix, or
// nil if there is none (empty prefix, or prefix of only 0xff bytes).
func prefixEnd(prefix []byte) []byte {
	end := bytes.Clone(prefix)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// Last returns the greatest key starting with prefix and its value, e.g. the
// newest version when versions are encoded with KeyBuilder.Uint64. found is
// false if no key has the prefix.
func (t *Table[T]) Last(tx *Tx, scope Scope, prefix []byte) (key []byte, value T, found bool, err error) {
	err = t.Scan(tx, scope, ScanOptions{Prefix: prefix, Reverse: true, Limit: 1}, func(k []byte, v T) (bool, error) {
		key, value, found = k, v, true
		return false, nil
	})
	if err != nil {
		var zero T
		return nil, zero, false, err
	}
	return key, value, found, nil
}
