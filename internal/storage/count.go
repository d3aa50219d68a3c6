package storage

// Count returns how many records the table holds in scope, stopping at
// limit when limit > 0 (a quota check needs to know only whether the
// account is at its limit). It walks keys without decoding values: about as
// costly as a scan of limit keys.
func (t *Table[T]) Count(tx *Tx, scope Scope, limit int) (int, error) {
	if err := t.checkRead(tx, scope); err != nil {
		return 0, t.wrap("count", scope, nil, err)
	}
	b := tx.tableBucket(scope, t.bucket)
	if b == nil {
		return 0, nil
	}
	n := 0
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if v == nil {
			continue // a nested bucket; tables never create them
		}
		n++
		if limit > 0 && n >= limit {
			break
		}
	}
	return n, nil
}
