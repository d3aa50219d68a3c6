package storage

import (
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// GlobalRegion is the region of global services such as IAM and STS.
const GlobalRegion = "global"

// Scope selects one account's data in one region. Every table operation is
// confined to its scope: keys never collide or leak across scopes.
type Scope struct {
	Account string
	Region  string
}

// String renders the scope for error messages.
func (s Scope) String() string { return s.Account + "/" + s.Region }

func (s Scope) validate() error {
	if s.Account == "" || s.Region == "" {
		return fmt.Errorf("%w: account %q, region %q (both required)", ErrInvalidScope, s.Account, s.Region)
	}
	return nil
}

// tableBucket finds data/account/region/table without creating anything. A
// missing level, or a value where a bucket belongs, yields nil: to a reader
// that is an empty table.
func (tx *Tx) tableBucket(scope Scope, table []byte) *bolt.Bucket {
	b := tx.btx.Bucket(dataBucket.name)
	if b == nil {
		return nil
	}
	if b = b.Bucket([]byte(scope.Account)); b == nil {
		return nil
	}
	if b = b.Bucket([]byte(scope.Region)); b == nil {
		return nil
	}
	return b.Bucket(table)
}

// createTableBucket finds or creates data/account/region/table.
func (tx *Tx) createTableBucket(scope Scope, table []byte) (*bolt.Bucket, error) {
	b, err := tx.btx.CreateBucketIfNotExists(dataBucket.name)
	if err != nil {
		return nil, bucketError(err)
	}
	for _, name := range [][]byte{[]byte(scope.Account), []byte(scope.Region), table} {
		if b, err = b.CreateBucketIfNotExists(name); err != nil {
			return nil, bucketError(err)
		}
	}
	return b, nil
}

// bucketError marks "a plain value sits where a bucket belongs" as corruption.
func bucketError(err error) error {
	if errors.Is(err, bolt.ErrIncompatibleValue) {
		return fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return err
}

// Accounts calls fn with each account id that has data, in byte order, until
// fn returns false or an error. Only the account bucket names are read, not
// their contents, so the cost is proportional to the number of accounts.
// An account stays listed once written to, even if all its records are
// deleted later.
func Accounts(tx *Tx, fn func(account string) (more bool, err error)) error {
	if err := tx.usable(false); err != nil {
		return err
	}
	return eachChildBucket(tx.btx.Bucket(dataBucket.name), fn)
}

// Regions calls fn with each region that has data in account, in byte order,
// until fn returns false or an error.
func Regions(tx *Tx, account string, fn func(region string) (more bool, err error)) error {
	if err := tx.usable(false); err != nil {
		return err
	}
	data := tx.btx.Bucket(dataBucket.name)
	if data == nil {
		return nil
	}
	return eachChildBucket(data.Bucket([]byte(account)), fn)
}

// eachChildBucket lists the nested buckets of b by name. A cursor yields a
// nil value for a nested bucket without reading inside it.
func eachChildBucket(b *bolt.Bucket, fn func(name string) (bool, error)) error {
	if b == nil {
		return nil
	}
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if v != nil {
			continue
		}
		more, err := fn(string(k))
		if err != nil || !more {
			return err
		}
	}
	return nil
}
