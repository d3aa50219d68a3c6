package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// journalsBucket holds the emulator's own append-only logs (the decision
// log), outside every account's data:
//
//	journals
//	  <journal name>
//	    time    <time:8><seq:8> = <len(index):2><index><value>
//	    bindex  <seq:8> = (<hash(index):8><time:8><seq:8>)*  sorted
//	    sindex  <gen:8><index>\x00<time:8><seq:8> = ""   (gen = seq / 256)
//	    gindex  <gen:8><index>\x00<time:8><seq:8> = ""   (gen = seq / 4096)
//	    index   <index>\x00<time:8><seq:8> = ""
//	    count   = uint64 big-endian
//
// Times are nanoseconds since the Unix epoch, big-endian, so keys sort by
// time; seq (the bucket's sequence) orders records of the same instant.
//
// The index by string lives in bindex: not an entry per record, but one
// value per commit (AppendAll), a block of 24-byte entries (a 64-bit hash
// of the index string and the record's key) sorted by hash, keyed by the
// sequence of its first record. A commit that finds the last block small
// (under journalBlockMin entries) rewrites it with its own entries merged
// in, so an idle log's trickle of small commits still makes blocks of a
// few hundred. One insert per commit instead of one per record, and a
// block is written as one run of bytes instead of a B+tree leaf's
// entries. ByIndex binary-searches every block (a few hundred for the
// default retention) and reads each record found, keeping those whose
// stored index string is the one asked for (a hash collision costs a read,
// never a wrong answer). Trimming removes the removed records' entries:
// a block holds consecutive sequences (from its key to the next block's),
// so each removed record's block is found from its sequence, and each
// block touched is rewritten once, or deleted when empty. (A record's time
// is its request's start, which need not follow its sequence: trimming by
// time can remove records from any block, not only the oldest.)
//
// Earlier builds wrote an entry per record, in sindex (generations of 256
// consecutive records, gen = seq / 256), before that in gindex
// (generations of 4,096), and first in index (unpartitioned). A file
// holding any of them keeps it, read by ByIndex and trimmed entry by entry
// (plus a sweep of orphaned entries from its oldest generation), until it
// is empty and deleted; new records go to bindex only.
var journalsBucket = topBucket{name: []byte("journals")}

var (
	journalTime   = []byte("time")
	journalIndex  = []byte("index")
	journalCount  = []byte("count")
	journalBlocks = []byte("bindex")
)

const (
	// journalBlockEntry is the size of an entry of a bindex block: the
	// index string's hash and the record's key.
	journalBlockEntry = 8 + JournalKeySize
	// journalBlockMin is the size, in entries, under which a block is
	// rewritten with the next commit's entries rather than followed by a
	// new one.
	journalBlockMin = 256
)

// journalHash is the hash of an index string in bindex: 64-bit FNV-1a,
// part of the stored format. (A variable so a test can make every string
// collide.)
var journalHash = func(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// writeSindex makes AppendAll write the layout of the builds before bindex
// (an sindex entry per record), for tests of reading such files.
var writeSindex = false

// journalGenIndexes are the indexes partitioned into generations of size
// consecutive records; the first is the one written.
var journalGenIndexes = [...]struct {
	name []byte
	size uint64
}{
	{[]byte("sindex"), 256},
	{[]byte("gindex"), 4096},
}

// JournalKeySize is the size of a journal record's key.
const JournalKeySize = 16

// maxJournalIndex is the longest index string a record may carry.
const maxJournalIndex = 1024

// Journal is an append-only log of opaque records ordered by time, with a
// secondary index by a string (a request id) and bounded retention. Declare
// each once with NewJournal. Like tables, its methods take the transaction.
type Journal struct {
	name []byte
}

// NewJournal declares the journal called name.
func NewJournal(name string) *Journal { return &Journal{name: []byte(name)} }

// JournalRecord is a record read back from a journal.
type JournalRecord struct {
	// Key orders the record: 8 bytes of time, 8 of sequence.
	Key   []byte
	Time  time.Time
	Index string
	Value []byte
}

// JournalKey returns the smallest key of records at or after t.
func JournalKey(t time.Time) []byte {
	k := make([]byte, JournalKeySize)
	binary.BigEndian.PutUint64(k, uint64(t.UnixNano()))
	return k
}

func (j *Journal) bucket(tx *Tx) *bolt.Bucket {
	b := tx.btx.Bucket(journalsBucket.name)
	if b == nil {
		return nil
	}
	return b.Bucket(j.name)
}

func (j *Journal) createBuckets(tx *Tx) (root, byTime, byGen *bolt.Bucket, err error) {
	top, err := tx.btx.CreateBucketIfNotExists(journalsBucket.name)
	if err != nil {
		return nil, nil, nil, bucketError(err)
	}
	if root, err = top.CreateBucketIfNotExists(j.name); err != nil {
		return nil, nil, nil, bucketError(err)
	}
	if byTime, err = root.CreateBucketIfNotExists(journalTime); err != nil {
		return nil, nil, nil, bucketError(err)
	}
	name := journalBlocks
	if writeSindex {
		name = journalGenIndexes[0].name
	}
	if byGen, err = root.CreateBucketIfNotExists(name); err != nil {
		return nil, nil, nil, bucketError(err)
	}
	return root, byTime, byGen, nil
}

// Append adds a record at time t, findable by index (at most 1,024 bytes,
// no NUL), and returns its key.
func (j *Journal) Append(tx *Tx, t time.Time, index string, value []byte) ([]byte, error) {
	return j.AppendAll(tx, []JournalEntry{{Time: t, Index: index, Value: value}})
}

// JournalEntry is a record to append with AppendAll.
type JournalEntry struct {
	Time  time.Time
	Index string
	Value []byte
}

// AppendAll adds entries in order, as Append would one by one, and returns
// their keys: the key of entries[i] is keys[i*JournalKeySize:(i+1)*JournalKeySize].
// It resolves the journal's buckets and updates its count once, and keeps
// what bbolt must hold until the commit (keys, values, index keys) in one
// allocation, so a large batch costs little more per record than bbolt's
// own insert. Entries are validated first; an invalid index (over 1,024
// bytes or with NUL) fails the call with ErrInvalidKey before anything is
// written.
func (j *Journal) AppendAll(tx *Tx, entries []JournalEntry) ([]byte, error) {
	return j.AppendAllBuffered(tx, entries, nil)
}

// JournalBuffer is memory AppendAllBuffered reuses from call to call: a
// writer appending batch after batch (the decision log) spares the
// allocation (and clearing) of each batch's keys and values. Its memory
// is bbolt's until the transaction ends, and holds the keys AppendAllBuffered
// returned until the buffer is used again. The zero value is ready.
type JournalBuffer struct {
	arena []byte
	ents  []blockEntry
}

// maxKeptJournalBuffer is the largest arena a JournalBuffer keeps.
const maxKeptJournalBuffer = 4 << 20

// AppendAllBuffered is AppendAll keeping what bbolt must hold until the
// commit in b (nil: a new allocation, as AppendAll), which must not be used
// again before the transaction ends.
func (j *Journal) AppendAllBuffered(tx *Tx, entries []JournalEntry, b *JournalBuffer) ([]byte, error) {
	if err := tx.usable(true); err != nil {
		return nil, err
	}
	size := 0
	for i := range entries {
		e := &entries[i]
		if len(e.Index) > maxJournalIndex || strings.IndexByte(e.Index, 0) >= 0 {
			return nil, fmt.Errorf("%w: journal index of %d bytes or with NUL", ErrInvalidKey, len(e.Index))
		}
		// key, value with its index prefix.
		size += JournalKeySize + 2 + len(e.Index) + len(e.Value)
	}
	if len(entries) == 0 {
		return nil, nil
	}
	if writeSindex {
		return j.appendSindex(tx, entries)
	}
	root, byTime, blocks, err := j.createBuckets(tx)
	if err != nil {
		return nil, err
	}
	// Records are appended in time order: fill each page of the time
	// bucket before starting the next instead of splitting it half-empty
	// (bbolt's default fill of 50% suits random inserts). Half as many
	// pages to write at every commit, and to keep.
	byTime.FillPercent = 1.0
	blocks.FillPercent = 1.0 // keyed by sequence: appended in order too
	// Keys first, contiguous, so the caller can slice them; the records'
	// values after them, all in one allocation bbolt holds until the
	// commit.
	var arena []byte
	var ents []blockEntry
	if b != nil && cap(b.arena) >= size && cap(b.ents) >= len(entries) {
		arena, ents = b.arena[:len(entries)*JournalKeySize], b.ents[:len(entries)]
	} else if b == nil {
		arena, ents = make([]byte, len(entries)*JournalKeySize, size), make([]blockEntry, len(entries))
	} else {
		// Room for somewhat larger batches: they vary from commit to commit.
		arena = make([]byte, len(entries)*JournalKeySize, size+size/4)
		ents = make([]blockEntry, len(entries), len(entries)+len(entries)/4)
		b.arena, b.ents = nil, ents
		if cap(arena) <= maxKeptJournalBuffer {
			b.arena = arena
		}
	}
	keys := arena[: len(entries)*JournalKeySize : len(entries)*JournalKeySize]
	// This commit's index entries, sorted, join the last block if it is
	// small, or make a new one.
	seq := root.Sequence()
	for i := range entries {
		e := &entries[i]
		seq++
		key := keys[i*JournalKeySize : (i+1)*JournalKeySize : (i+1)*JournalKeySize]
		binary.BigEndian.PutUint64(key, uint64(e.Time.UnixNano()))
		binary.BigEndian.PutUint64(key[8:], seq)
		start := len(arena)
		arena = binary.BigEndian.AppendUint16(arena, uint16(len(e.Index)))
		arena = append(append(arena, e.Index...), e.Value...)
		if err := byTime.Put(key, arena[start:len(arena):len(arena)]); err != nil {
			return nil, err
		}
		ents[i] = blockEntry{hash: journalHash(e.Index), key: [JournalKeySize]byte(key)}
	}
	if err := root.SetSequence(seq); err != nil {
		return nil, err
	}
	slices.SortFunc(ents, compareBlockEntries)
	var blockKey, last []byte
	if k, v := blocks.Cursor().Last(); k != nil && len(v)%journalBlockEntry == 0 && len(v) < journalBlockMin*journalBlockEntry {
		blockKey, last = bytes.Clone(k), v
	} else {
		blockKey = keys[8:JournalKeySize:JournalKeySize] // the first record's sequence
	}
	if err := blocks.Put(blockKey, mergeBlock(last, ents)); err != nil {
		return nil, err
	}
	return keys, root.Put(journalCount, u64(count(root)+uint64(len(entries))))
}

// blockEntry is an entry of a bindex block.
type blockEntry struct {
	hash uint64
	key  [JournalKeySize]byte
}

func compareBlockEntries(a, b blockEntry) int {
	if a.hash != b.hash {
		if a.hash < b.hash {
			return -1
		}
		return 1
	}
	return bytes.Compare(a.key[:], b.key[:])
}

// mergeBlock returns the block of the sorted entries of block (nil: none)
// and ents (sorted), merged.
func mergeBlock(block []byte, ents []blockEntry) []byte {
	out := make([]byte, 0, len(block)+len(ents)*journalBlockEntry)
	for len(block) >= journalBlockEntry || len(ents) > 0 {
		if len(ents) == 0 || len(block) >= journalBlockEntry && compareBlockEntries(blockEntry{hash: binary.BigEndian.Uint64(block), key: [JournalKeySize]byte(block[8:journalBlockEntry])}, ents[0]) <= 0 {
			out = append(out, block[:journalBlockEntry]...)
			block = block[journalBlockEntry:]
			continue
		}
		out = binary.BigEndian.AppendUint64(out, ents[0].hash)
		out = append(out, ents[0].key[:]...)
		ents = ents[1:]
	}
	return out
}

// appendSindex is AppendAll as the builds before bindex wrote: an sindex
// entry per record (for tests of reading their files).
func (j *Journal) appendSindex(tx *Tx, entries []JournalEntry) ([]byte, error) {
	root, byTime, byGen, err := j.createBuckets(tx)
	if err != nil {
		return nil, err
	}
	byTime.FillPercent = 1.0
	keys := make([]byte, len(entries)*JournalKeySize)
	ikeys := make([][]byte, len(entries))
	for i := range entries {
		e := &entries[i]
		seq, err := root.NextSequence()
		if err != nil {
			return nil, err
		}
		key := keys[i*JournalKeySize : (i+1)*JournalKeySize : (i+1)*JournalKeySize]
		binary.BigEndian.PutUint64(key, uint64(e.Time.UnixNano()))
		binary.BigEndian.PutUint64(key[8:], seq)
		raw := binary.BigEndian.AppendUint16(nil, uint16(len(e.Index)))
		raw = append(append(raw, e.Index...), e.Value...)
		ikeys[i] = genIndexKey(seq/journalGenIndexes[0].size, e.Index, key)
		if err := byTime.Put(key, raw); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(ikeys, bytes.Compare)
	for _, ik := range ikeys {
		if err := byGen.Put(ik, []byte{}); err != nil {
			return nil, err
		}
	}
	return keys, root.Put(journalCount, u64(count(root)+uint64(len(entries))))
}

func indexKey(index string, key []byte) []byte {
	k := make([]byte, 0, len(index)+1+len(key))
	k = append(append(append(k, index...), 0), key...)
	return k
}

func u64(n uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, n)
	return b
}

func count(root *bolt.Bucket) uint64 {
	if v := root.Get(journalCount); len(v) == 8 {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

// Len returns how many records the journal holds, without scanning it.
func (j *Journal) Len(tx *Tx) (int, error) {
	if err := tx.usable(false); err != nil {
		return 0, err
	}
	root := j.bucket(tx)
	if root == nil {
		return 0, nil
	}
	return int(count(root)), nil
}

// Oldest returns the time of the oldest record, or the zero time when the
// journal is empty.
func (j *Journal) Oldest(tx *Tx) (time.Time, error) {
	if err := tx.usable(false); err != nil {
		return time.Time{}, err
	}
	root := j.bucket(tx)
	if root == nil {
		return time.Time{}, nil
	}
	byTime := root.Bucket(journalTime)
	if byTime == nil {
		return time.Time{}, nil
	}
	k, _ := byTime.Cursor().First()
	if len(k) != JournalKeySize {
		return time.Time{}, nil
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(k))), nil
}

// Trim removes the oldest records until at most maxCount remain (0: no
// limit) and every record older than before (zero: no limit) is gone. It
// visits only the records it removes. It returns how many it removed.
func (j *Journal) Trim(tx *Tx, maxCount int, before time.Time) (int, error) {
	if err := tx.usable(true); err != nil {
		return 0, err
	}
	root := j.bucket(tx)
	if root == nil {
		return 0, nil
	}
	byTime := root.Bucket(journalTime)
	if byTime == nil {
		return 0, fmt.Errorf("%w: journal %s lacks its buckets", ErrCorrupt, j.name)
	}
	byOld := root.Bucket(journalIndex)
	n := count(root)
	var cutoff []byte
	if !before.IsZero() {
		cutoff = JournalKey(before)
	}
	// Find what goes first, then delete it key by key: deleting under a
	// cursor and seeking the first record again would walk every leaf
	// emptied so far (bbolt rebalances only at commit), quadratic in the
	// records removed.
	var doomed [][]byte
	// The indexes, and the entries of removed records in each: the
	// generation-partitioned ones, then the unpartitioned one of old files.
	var indexes [len(journalGenIndexes) + 1]*bolt.Bucket
	var entries [len(indexes)][][]byte
	for i, gi := range journalGenIndexes {
		indexes[i] = root.Bucket(gi.name)
	}
	indexes[len(journalGenIndexes)] = byOld
	// Only an older index needs the removed records' index strings.
	legacy := false
	for _, b := range indexes {
		legacy = legacy || b != nil
	}
	// The doomed keys, copied into one buffer.
	var arena []byte
	if maxCount > 0 && n > uint64(maxCount) {
		arena = make([]byte, 0, (n-uint64(maxCount))*JournalKeySize)
	}
	c := byTime.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		over := maxCount > 0 && n-uint64(len(doomed)) > uint64(maxCount)
		old := cutoff != nil && bytes.Compare(k, cutoff) < 0
		if !over && !old {
			break
		}
		start := len(arena)
		arena = append(arena, k...)
		doomed = append(doomed, arena[start:len(arena):len(arena)])
		if !legacy {
			continue
		}
		index, _, err := splitJournalValue(v)
		if err != nil {
			return 0, err
		}
		// Its entry in whichever index holds it (an older file may hold
		// it in another; deleting a key that is not there does nothing).
		if byOld != nil {
			entries[len(journalGenIndexes)] = append(entries[len(journalGenIndexes)], indexKey(index, k))
		}
		if len(k) == JournalKeySize {
			seq := binary.BigEndian.Uint64(k[8:])
			for i, gi := range journalGenIndexes {
				if indexes[i] != nil {
					entries[i] = append(entries[i], genIndexKey(seq/gi.size, index, k))
				}
			}
		}
	}
	if len(doomed) == 0 {
		return 0, nil
	}
	for _, k := range doomed {
		if err := byTime.Delete(k); err != nil {
			return 0, err
		}
	}
	// Each removed record's own index entry goes: a record's time (its
	// request's start) need not follow its sequence, so a generation can
	// hold records older and newer than the ones kept. Sorted, the
	// deletes walk each index's pages once.
	for i, b := range indexes {
		slices.SortFunc(entries[i], bytes.Compare)
		for _, k := range entries[i] {
			if err := b.Delete(k); err != nil {
				return 0, err
			}
		}
	}
	// Entries whose records an earlier build trimmed without them (it
	// dropped whole generations, and only below the oldest record kept)
	// are swept from each index's oldest generation, one per trim.
	for _, b := range indexes[:len(journalGenIndexes)] {
		if b != nil {
			if err := sweepGeneration(b, byTime); err != nil {
				return 0, err
			}
		}
	}
	// An older index that no longer holds anything goes, and with it the
	// per-record work above.
	for i, b := range indexes {
		if b == nil {
			continue
		}
		if k, _ := b.Cursor().First(); k == nil {
			name := journalIndex
			if i < len(journalGenIndexes) {
				name = journalGenIndexes[i].name
			}
			if err := root.DeleteBucket(name); err != nil {
				return 0, err
			}
		}
	}
	if blocks := root.Bucket(journalBlocks); blocks != nil {
		if err := trimBlocks(blocks, doomed); err != nil {
			return 0, err
		}
	}
	removed := len(doomed)
	n -= uint64(removed)
	return removed, root.Put(journalCount, u64(n))
}

// trimBlocks removes the entries of the removed records (doomed, their
// keys) from the bindex blocks holding them, and the blocks left empty.
// A block holds the records of consecutive sequences from its key's to
// the next block's, so each removed record's block is found from its
// sequence; removed records come mostly in sequence order, so the blocks
// are found with few seeks, and each block touched is rewritten once.
func trimBlocks(blocks *bolt.Bucket, doomed [][]byte) error {
	gone := make(map[[JournalKeySize]byte]struct{}, len(doomed))
	var touched []uint64 // the keys of the blocks touched, as sequences
	c := blocks.Cursor()
	var lo, hi uint64 // the sequences of the last block found: [lo, hi)
	found := false
	for _, k := range doomed {
		if len(k) != JournalKeySize {
			continue
		}
		gone[[JournalKeySize]byte(k)] = struct{}{}
		seq := binary.BigEndian.Uint64(k[8:])
		if found && seq >= lo && seq < hi {
			continue
		}
		var key [8]byte
		binary.BigEndian.PutUint64(key[:], seq)
		bk, _ := c.Seek(key[:])
		if bk == nil || binary.BigEndian.Uint64(bk) > seq {
			if bk == nil {
				bk, _ = c.Last()
			} else {
				bk, _ = c.Prev()
			}
		}
		if len(bk) != 8 {
			found = false
			continue // before the first block: an older index holds it
		}
		lo, hi, found = binary.BigEndian.Uint64(bk), 1<<64-1, true
		if next, _ := c.Next(); len(next) == 8 {
			hi = binary.BigEndian.Uint64(next)
		}
		touched = append(touched, lo)
	}
	slices.Sort(touched)
	touched = slices.Compact(touched)
	for _, seq := range touched {
		key := binary.BigEndian.AppendUint64(nil, seq)
		v := blocks.Get(key)
		kept := make([]byte, 0, len(v))
		for i := 0; i+journalBlockEntry <= len(v); i += journalBlockEntry {
			if _, ok := gone[[JournalKeySize]byte(v[i+8:i+journalBlockEntry])]; !ok {
				kept = append(kept, v[i:i+journalBlockEntry]...)
			}
		}
		var err error
		switch {
		case len(kept) == 0:
			err = blocks.Delete(key)
		case len(kept) < len(v):
			err = blocks.Put(key, kept)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// genIndexKey is a record's key in an index partitioned in generations.
func genIndexKey(gen uint64, index string, key []byte) []byte {
	b := make([]byte, 8, 8+len(index)+1+len(key))
	binary.BigEndian.PutUint64(b, gen)
	return append(append(append(b, index...), 0), key...)
}

// sweepGeneration deletes the entries of the oldest generation of byGen
// whose records are no longer in byTime.
func sweepGeneration(byGen, byTime *bolt.Bucket) error {
	var orphans [][]byte
	c := byGen.Cursor()
	first, _ := c.First()
	if len(first) < 8 {
		return nil
	}
	gen := first[:8:8]
	for k, _ := first, []byte(nil); k != nil && bytes.HasPrefix(k, gen); k, _ = c.Next() {
		if len(k) < 8+1+JournalKeySize {
			continue
		}
		if byTime.Get(k[len(k)-JournalKeySize:]) == nil {
			orphans = append(orphans, bytes.Clone(k))
		}
	}
	for _, k := range orphans {
		if err := byGen.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

func splitJournalValue(v []byte) (string, []byte, error) {
	if len(v) < 2 || len(v) < 2+int(binary.BigEndian.Uint16(v)) {
		return "", nil, fmt.Errorf("%w: journal record of %d bytes", ErrCorrupt, len(v))
	}
	n := int(binary.BigEndian.Uint16(v))
	return string(v[2 : 2+n]), bytes.Clone(v[2+n:]), nil
}

func journalRecord(k, v []byte) (JournalRecord, error) {
	index, value, err := splitJournalValue(v)
	if err != nil {
		return JournalRecord{}, err
	}
	return JournalRecord{
		Key:   bytes.Clone(k),
		Time:  time.Unix(0, int64(binary.BigEndian.Uint64(k))),
		Index: index,
		Value: value,
	}, nil
}

// Scan calls fn with the records whose keys lie after `after` (nil: from
// the start) and before `until` (nil: to the end), oldest first, until fn
// returns false or an error. The cursor seeks straight to the first one.
func (j *Journal) Scan(tx *Tx, after, until []byte, fn func(JournalRecord) (bool, error)) error {
	if err := tx.usable(false); err != nil {
		return err
	}
	root := j.bucket(tx)
	if root == nil {
		return nil
	}
	byTime := root.Bucket(journalTime)
	if byTime == nil {
		return nil
	}
	c := byTime.Cursor()
	var k, v []byte
	if after == nil {
		k, v = c.First()
	} else {
		k, v = c.Seek(after)
		if k != nil && bytes.Equal(k, after) {
			k, v = c.Next()
		}
	}
	for ; k != nil; k, v = c.Next() {
		if until != nil && bytes.Compare(k, until) >= 0 {
			return nil
		}
		r, err := journalRecord(k, v)
		if err != nil {
			return err
		}
		more, err := fn(r)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// ByIndex returns the records appended with index, oldest first.
func (j *Journal) ByIndex(tx *Tx, index string) ([]JournalRecord, error) {
	if err := tx.usable(false); err != nil {
		return nil, err
	}
	root := j.bucket(tx)
	if root == nil {
		return nil, nil
	}
	byTime := root.Bucket(journalTime)
	if byTime == nil {
		return nil, nil
	}
	var out []JournalRecord
	add := func(key []byte) error {
		v := byTime.Get(key)
		if v == nil {
			return nil // trimmed; its generation is not dropped yet
		}
		r, err := journalRecord(key, v)
		if err != nil {
			return err
		}
		out = append(out, r)
		return nil
	}
	if byOld := root.Bucket(journalIndex); byOld != nil {
		prefix := append([]byte(index), 0)
		c := byOld.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if err := add(k[len(prefix):]); err != nil {
				return nil, err
			}
		}
	}
	if blocks := root.Bucket(journalBlocks); blocks != nil {
		h := journalHash(index)
		c := blocks.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			n := len(v) / journalBlockEntry
			lo, hi := 0, n
			for lo < hi {
				m := int(uint(lo+hi) >> 1)
				if binary.BigEndian.Uint64(v[m*journalBlockEntry:]) < h {
					lo = m + 1
				} else {
					hi = m
				}
			}
			for ; lo < n && binary.BigEndian.Uint64(v[lo*journalBlockEntry:]) == h; lo++ {
				key := v[lo*journalBlockEntry+8 : (lo+1)*journalBlockEntry]
				rv := byTime.Get(key)
				if rv == nil {
					continue // not there (trimming removes its entry with it)
				}
				if len(rv) < 2 || len(rv) < 2+int(binary.BigEndian.Uint16(rv)) {
					return nil, fmt.Errorf("%w: journal record of %d bytes", ErrCorrupt, len(rv))
				}
				if string(rv[2:2+int(binary.BigEndian.Uint16(rv))]) != index {
					continue // another index string with the same hash
				}
				r, err := journalRecord(key, rv)
				if err != nil {
					return nil, err
				}
				out = append(out, r)
			}
		}
	}
	for _, gi := range journalGenIndexes {
		byGen := root.Bucket(gi.name)
		if byGen == nil {
			continue
		}
		// One or two seeks per generation: about 600 for the default
		// retention.
		prefix := make([]byte, 8, 8+len(index)+1)
		prefix = append(append(prefix, index...), 0)
		var next [8]byte
		c := byGen.Cursor()
		for g, _ := c.First(); len(g) >= 8; {
			gen := binary.BigEndian.Uint64(g)
			binary.BigEndian.PutUint64(prefix, gen)
			k, _ := c.Seek(prefix)
			for ; k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
				if err := add(k[len(prefix):]); err != nil {
					return nil, err
				}
			}
			if len(k) >= 8 && binary.BigEndian.Uint64(k) > gen {
				g = k // the next generation, without seeking it
				continue
			}
			if gen == 1<<64-1 {
				break
			}
			binary.BigEndian.PutUint64(next[:], gen+1)
			g, _ = c.Seek(next[:])
		}
	}
	slices.SortFunc(out, func(a, b JournalRecord) int { return bytes.Compare(a.Key, b.Key) })
	return out, nil
}

// Clear removes every record of the journal.
func (j *Journal) Clear(tx *Tx) error {
	if err := tx.usable(true); err != nil {
		return err
	}
	top := tx.btx.Bucket(journalsBucket.name)
	if top == nil || top.Bucket(j.name) == nil {
		return nil
	}
	if err := top.DeleteBucket(j.name); err != nil && !errors.Is(err, bolt.ErrBucketNotFound) {
		return err
	}
	return nil
}
