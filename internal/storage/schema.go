package storage

import (
	"context"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// topBucket names a bucket directly under the root. Every one the package
// uses is declared below and nowhere else.
type topBucket struct{ name []byte }

var (
	// metaBucket holds bookkeeping about the file itself.
	metaBucket = topBucket{name: []byte("meta")}
	// dataBucket holds account → region → table → key = value.
	dataBucket = topBucket{name: []byte("data")}
)

// schemaVersionKey in metaBucket holds the layout version as a big-endian uint64.
var schemaVersionKey = []byte("schema_version")

// BaseSchemaVersion is the version of the first layout. A program with n
// migrations writes and understands version BaseSchemaVersion+n.
const BaseSchemaVersion uint64 = 1

// Migration upgrades a file by exactly one schema version. Options.Migrations[i]
// turns version BaseSchemaVersion+i into BaseSchemaVersion+i+1.
type Migration struct {
	// Name says what the step does; it appears in errors.
	Name string
	// Apply rewrites the data. It runs in one write transaction together with
	// the version bump, so a crash leaves the file at the old version or the
	// new one, never in between, and a completed step never runs again.
	Apply func(tx *Tx) error
}

// codeSchemaVersion is the version this program writes and understands.
func codeSchemaVersion(migrations []Migration) uint64 {
	return BaseSchemaVersion + uint64(len(migrations))
}

// prepareSchema stamps a new file with the current version, or brings an
// existing file up to it. It returns the version the file is at afterwards.
func prepareSchema(bdb *bolt.DB, migrations []Migration, secrets map[string]int) (uint64, error) {
	want := codeSchemaVersion(migrations)

	var (
		have  uint64
		fresh bool
	)
	err := bdb.View(func(btx *bolt.Tx) error {
		var err error
		have, fresh, err = readSchemaVersion(btx)
		return err
	})
	if err != nil {
		return 0, err
	}

	if fresh {
		// A new file already has the newest layout: no migration applies.
		err := bdb.Update(func(btx *bolt.Tx) error {
			if _, err := btx.CreateBucketIfNotExists(dataBucket.name); err != nil {
				return err
			}
			if err := createSecrets(btx, secrets); err != nil {
				return err
			}
			return writeSchemaVersion(btx, want)
		})
		if err != nil {
			return 0, fmt.Errorf("storage: initialise schema: %w", err)
		}
		return want, nil
	}

	if have > want {
		return 0, fmt.Errorf("%w: file is at version %d, this program understands up to %d", ErrNewerSchema, have, want)
	}
	for v := have; v < want; v++ {
		m := migrations[v-BaseSchemaVersion]
		err := bdb.Update(func(btx *bolt.Tx) error {
			if m.Apply != nil {
				if err := runTx(context.Background(), btx, m.Apply); err != nil {
					return err
				}
			}
			return writeSchemaVersion(btx, v+1)
		})
		if err != nil {
			return 0, fmt.Errorf("storage: migration %d→%d (%s): %w", v, v+1, m.Name, err)
		}
	}
	return want, nil
}

// readSchemaVersion returns the stored version, or fresh=true for a file
// that has never been stamped (and holds nothing else either).
func readSchemaVersion(btx *bolt.Tx) (version uint64, fresh bool, err error) {
	meta := btx.Bucket(metaBucket.name)
	if meta == nil {
		// Looking at the first root key is enough to tell an empty file from
		// someone else's bbolt file; no scan is needed.
		if k, _ := btx.Cursor().First(); k != nil {
			return 0, false, fmt.Errorf("%w: bbolt file has buckets but no %q bucket; not a storage file", ErrCorrupt, metaBucket.name)
		}
		return 0, true, nil
	}
	raw := meta.Get(schemaVersionKey)
	if raw == nil {
		return 0, false, fmt.Errorf("%w: missing schema version", ErrCorrupt)
	}
	if len(raw) != 8 {
		return 0, false, fmt.Errorf("%w: schema version is %d bytes, want 8", ErrCorrupt, len(raw))
	}
	version = binary.BigEndian.Uint64(raw)
	if version < BaseSchemaVersion {
		return 0, false, fmt.Errorf("%w: schema version %d is below the base version %d", ErrCorrupt, version, BaseSchemaVersion)
	}
	return version, false, nil
}

func writeSchemaVersion(btx *bolt.Tx, version uint64) error {
	meta, err := btx.CreateBucketIfNotExists(metaBucket.name)
	if err != nil {
		return err
	}
	return meta.Put(schemaVersionKey, binary.BigEndian.AppendUint64(nil, version))
}
