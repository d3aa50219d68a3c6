package storage

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Defaults applied by Open to zero-valued Options fields.
const (
	// DefaultOpenTimeout bounds the wait for the file lock, so a second
	// process fails with ErrLocked instead of hanging.
	DefaultOpenTimeout = 2 * time.Second
	// DefaultMaxBatchDelay is how long a batch of concurrent Updates waits
	// for company before committing. Short, because a lone writer never waits
	// (see DB.Update) and an fsync already takes about this long.
	DefaultMaxBatchDelay = 2 * time.Millisecond
	// DefaultMaxBatchSize commits a batch early once this many Updates joined.
	DefaultMaxBatchSize = 1000
)

const (
	fileMode = 0o600
	dirMode  = 0o700
)

// Options configure Open. The zero value is the production setting.
type Options struct {
	// Timeout bounds the wait for another process to release the file.
	// Zero means DefaultOpenTimeout; there is no way to wait forever.
	Timeout time.Duration
	// NoSync skips fsync on commit. Only for tests and benchmarks: a crash can
	// lose acknowledged writes or corrupt the file.
	NoSync bool
	// MaxBatchDelay and MaxBatchSize tune how concurrent Updates are grouped.
	// Zero means the package default.
	MaxBatchDelay time.Duration
	MaxBatchSize  int
	// Migrations are the schema upgrade steps, oldest first; see Migration.
	// Their count fixes the schema version this program writes.
	Migrations []Migration
	// Secrets names secrets (name → size in bytes) to create with a new
	// file, in the transaction that stamps its schema: one commit (two
	// fsyncs) fewer than a later Secret call creating them. An existing
	// file is not changed; Secret still creates what is missing.
	Secrets map[string]int
}

// DB is an open storage file. It is safe for concurrent use.
type DB struct {
	bolt    *bolt.DB
	path    string
	version uint64

	// writers counts Updates in flight; a lone writer skips batching.
	writers atomic.Int64

	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error

	// created is set for a file this Open created: its directory entry is
	// synced in the background, and writes wait for it (awaitCreated).
	created *dirSync
	// made is set when this Open made the file (created, or made in place
	// exclusively): see Created.
	made bool
}

// Created reports whether this Open made the file at Path, rather than
// opening one that existed (or that another process made meanwhile). A
// caller that fails to start may remove a file it made, and only then.
func (db *DB) Created() bool { return db.made || db.created != nil }

// dirSync is the background sync of a new file's directory: done is
// closed when it has ended, with err.
type dirSync struct {
	done chan struct{}
	err  error
}

// awaitCreated waits until a file this Open created is durably named by
// its path: an Update that committed is acknowledged only then, so no
// acknowledged write can be lost with the directory entry. It is at once
// for a file that was opened in place, and once the sync has ended.
func (db *DB) awaitCreated() error {
	c := db.created
	if c == nil {
		return nil
	}
	createStep("await directory")
	<-c.done
	if c.err != nil {
		return fmt.Errorf("storage: create %s: sync the directory: %w", db.path, c.err)
	}
	return nil
}

// Open opens or creates the storage file at path. A missing file is created
// with mode 0600 and missing parent directories with mode 0700. The file is
// upgraded with opts.Migrations if it is older than the program, and refused
// with ErrNewerSchema if it is newer. If another process has the file open,
// Open fails with ErrLocked after opts.Timeout.
func Open(path string, opts Options) (*DB, error) {
	if path == "" {
		return nil, errors.New("storage: open: empty path")
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultOpenTimeout
	}
	if opts.MaxBatchDelay <= 0 {
		opts.MaxBatchDelay = DefaultMaxBatchDelay
	}
	if opts.MaxBatchSize <= 0 {
		opts.MaxBatchSize = DefaultMaxBatchSize
	}
	// A file removed from under us while we waited for its lock (a start
	// that made it and failed removes it, holding the lock) is opened again
	// at its path: at most a few times, each after another process's whole
	// failed start.
	for attempt := 1; ; attempt++ {
		db, err := openOnce(path, opts)
		if !errors.Is(err, errMoved) || attempt == maxOpenAttempts {
			return db, err
		}
	}
}

// maxOpenAttempts bounds Open's retries when the file at its path is
// removed or replaced while it waits for the lock.
const maxOpenAttempts = 5

// errMoved is openOnce finding, once it holds the lock, that the path no
// longer names the file it locked.
var errMoved = errors.New("storage: the data file was removed or replaced while waiting for its lock")

func openOnce(path string, opts Options) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), dirMode); err != nil {
		return nil, pathError(path, err)
	}

	if !opts.NoSync && atomicCreate {
		db, err := create(path, opts)
		if !errors.Is(err, errNotCreated) {
			return db, err
		}
		// The file exists (perhaps made by another process a moment ago),
		// or this file system cannot link: open it in place.
	}

	// A missing file is made here, exclusively, so that Created can tell
	// this Open's file from one another process made at the same moment.
	made := false
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, fileMode)
		switch {
		case err == nil:
			made = true
			if err := f.Close(); err != nil {
				return nil, pathError(path, err)
			}
		case errors.Is(err, fs.ErrNotExist):
			// Its directory was removed since MkdirAll (by a failed start
			// that had made it): again from the top.
			return nil, fmt.Errorf("%w: %s", errMoved, path)
		case !errors.Is(err, fs.ErrExist):
			return nil, pathError(path, err)
		}
	}
	before, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s", errMoved, path)
		}
		return nil, pathError(path, err)
	}
	bdb, err := bolt.Open(path, fileMode, boltOptions(opts))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", errMoved, path) // as above
	}
	if err != nil {
		return nil, openError(path, opts.Timeout, err)
	}
	createStep("locked")
	// Holding the lock, check that the path still names the file: the
	// process that held it may have removed it (a failed start removes
	// the file it made before it lets go of the lock).
	if after, err := os.Stat(path); err != nil || !os.SameFile(before, after) {
		_ = bdb.Close()
		return nil, fmt.Errorf("%w: %s", errMoved, path)
	}
	bdb.MaxBatchDelay = opts.MaxBatchDelay
	bdb.MaxBatchSize = opts.MaxBatchSize

	version, err := prepareSchema(bdb, opts.Migrations, opts.Secrets)
	if err != nil {
		_ = bdb.Close()
		return nil, fmt.Errorf("storage: open %s: %w", path, err)
	}
	return &DB{bolt: bdb, path: path, version: version, made: made}, nil
}

// pathError reports err, met opening path, without naming path twice (an
// *fs.PathError names it already).
func pathError(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("storage: %w", err)
	}
	return fmt.Errorf("storage: open %s: %w", path, err)
}

func boltOptions(opts Options) *bolt.Options {
	return &bolt.Options{
		Timeout: opts.Timeout,
		NoSync:  opts.NoSync,
		// The hashmap freelist stays fast as the file fragments. The freelist
		// itself is still synced: without it, opening after a crash would
		// scan every page to rebuild it.
		FreelistType: bolt.FreelistMapType,
	}
}

// atomicCreate says whether create may be tried: it needs hard links and a
// directory that can be synced, which Windows does not offer. (A variable
// so that a benchmark can compare with creating in place.)
var atomicCreate = runtime.GOOS != "windows"

// errNotCreated is create declining: the caller opens the path in place.
var errNotCreated = errors.New("storage: not created")

// memImage is newImage; tests replace it to take the other way.
var memImage = newImage

// createHook, when set (by tests), is called at each step of create; a test
// ends the process there to stand for a crash at that step.
var createHook func(step string)

func createStep(step string) {
	if createHook != nil {
		createHook(step)
	}
}

// create makes a new storage file at path so that path never names a
// half-made file: the file is built under a temporary name beside it
// (bbolt's first pages, the schema stamp and opts.Secrets, committed
// without syncs), synced once, then linked to path and the directory
// synced in the background. That is two syncs on the way to a usable file,
// and a third after it, where creating in place takes four (bbolt's first
// pages, the grown file, and the two of the schema commit: fdatasync,
// ftruncate+fsync, fdatasync, fdatasync); docs/bench-startup.md.
//
// A crash at any step leaves either no file at path (the next start creates
// it; a stale hidden ".NAME.new-*" file may stay beside it until a later
// create finds it older than staleImageAge) or the whole synced file: no
// write is acknowledged before the directory sync has ended
// (DB.awaitCreated). os.Link, unlike a rename, never replaces a file another process created at path
// meanwhile: create then returns errNotCreated and Open opens that file (and
// waits for its lock) as usual. errNotCreated also covers a path that exists
// and a file system without hard links.
func create(path string, opts Options) (*DB, error) {
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		return nil, errNotCreated
	}
	img, err := memImage(opts)
	if err != nil {
		// The in-memory build failed (a sandbox refusing a memfd's lock or
		// map, say): build on disk, where a real problem shows again.
		img = nil
	}
	dir, name := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	removeStaleImages(dir, name)
	f, err := os.CreateTemp(dir, "."+name+".new-*")
	if err != nil {
		return nil, errNotCreated
	}
	tmp := f.Name()
	linked := false
	defer func() {
		if !linked {
			_ = os.Remove(tmp)
		}
	}()
	createStep("temporary file")
	var bdb *bolt.DB
	if img != nil {
		// One write and one sync; bbolt then opens a whole file and writes
		// nothing.
		_, err := f.Write(img)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("storage: create %s: %w", path, err)
		}
		if bdb, err = bolt.Open(tmp, fileMode, boltOptions(opts)); err != nil {
			return nil, openError(path, opts.Timeout, err)
		}
	} else {
		// bbolt makes the file (and syncs its first pages); the schema
		// commit skips its syncs, and one sync covers it.
		if err := f.Close(); err != nil {
			return nil, errNotCreated
		}
		bo := boltOptions(opts)
		bo.NoSync, bo.NoGrowSync = true, true
		if bdb, err = bolt.Open(tmp, fileMode, bo); err != nil {
			return nil, openError(path, opts.Timeout, err)
		}
		if _, err := prepareSchema(bdb, opts.Migrations, opts.Secrets); err != nil {
			_ = bdb.Close()
			return nil, fmt.Errorf("storage: open %s: %w", path, err)
		}
		// From here on every commit syncs, as in a file opened in place.
		bdb.NoSync, bdb.NoGrowSync = false, false
		if err := bdb.Sync(); err != nil {
			_ = bdb.Close()
			return nil, fmt.Errorf("storage: create %s: sync: %w", path, err)
		}
	}
	closeWith := func(err error) (*DB, error) {
		_ = bdb.Close()
		return nil, err
	}
	bdb.MaxBatchDelay = opts.MaxBatchDelay
	bdb.MaxBatchSize = opts.MaxBatchSize
	// The file is stamped: this reads the stamp (and checks the image).
	version, err := prepareSchema(bdb, opts.Migrations, opts.Secrets)
	if err != nil {
		return closeWith(fmt.Errorf("storage: open %s: %w", path, err))
	}
	createStep("synced")
	if err := os.Link(tmp, path); err != nil {
		return closeWith(errNotCreated)
	}
	linked = true
	createStep("linked")
	_ = os.Remove(tmp)
	// The file is whole and visible to other processes at path; only the
	// durability of its name is missing. The directory is synced off the
	// start-up's path: nothing is acknowledged before it ends (Update and
	// Close wait for it).
	c := &dirSync{done: make(chan struct{})}
	go func() {
		defer close(c.done)
		c.err = syncDir(dir)
		createStep("directory synced")
	}()
	return &DB{bolt: bdb, path: path, version: version, created: c}, nil
}

// staleImageAge is how old a leftover temporary file of create must be
// before another create removes it: far longer than any create takes, so a
// file another process is building at that moment is never taken.
const staleImageAge = 10 * time.Minute

// removeStaleImages removes the temporary files ".NAME.new-*" that a
// process which died while creating the data file NAME in dir left behind
// (create's comment). Best effort: errors are ignored.
func removeStaleImages(dir, name string) {
	matches, _ := filepath.Glob(filepath.Join(dir, "."+globEscape(name)+".new-*"))
	for _, m := range matches {
		if fi, err := os.Lstat(m); err == nil && fi.Mode().IsRegular() && time.Since(fi.ModTime()) > staleImageAge {
			_ = os.Remove(m)
		}
	}
}

// globEscape quotes the characters filepath.Match treats specially.
func globEscape(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '*', '?', '[', '\\':
			b = append(b, '\\')
		}
		b = append(b, s[i])
	}
	return string(b)
}

// syncDir makes the directory entries of dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

func openError(path string, timeout time.Duration, err error) error {
	switch {
	case errors.Is(err, bolt.ErrTimeout):
		return fmt.Errorf("%w: %s (waited %s)", ErrLocked, path, timeout)
	case errors.Is(err, bolt.ErrInvalid), errors.Is(err, bolt.ErrChecksum), errors.Is(err, bolt.ErrVersionMismatch):
		return fmt.Errorf("%w: open %s: %w", ErrCorrupt, path, err)
	default:
		return pathError(path, err)
	}
}

// Path returns the file the DB was opened from.
func (db *DB) Path() string { return db.path }

// SchemaVersion returns the schema version of the open file, which after a
// successful Open is the version this program writes.
func (db *DB) SchemaVersion() uint64 { return db.version }

// Close waits for running transactions to finish and releases the file.
// Calling it again returns the first call's result. Calls made after Close
// fail with ErrClosed.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		db.closed.Store(true)
		createdErr := db.awaitCreated()
		if err := db.bolt.Close(); err != nil {
			db.closeErr = fmt.Errorf("storage: close %s: %w", db.path, err)
		} else {
			db.closeErr = createdErr
		}
	})
	return db.closeErr
}
