package authz

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ibemu/ibemu/internal/storage"
	adminv1 "github.com/ibemu/ibemu/proto/admin/v1"
)

// decisionJournal is where the decision log lives in the data file.
var decisionJournal = storage.NewJournal("decisions")

// Defaults of StoreOptions.
const (
	// DefaultMaxDecisions is how many decisions the log keeps.
	DefaultMaxDecisions = 100_000
	// DefaultDecisionBuffer is how many decisions may wait for the writer
	// before new ones are dropped (and counted).
	DefaultDecisionBuffer = 8192
	// DefaultCommitInterval is the least time between two commits of the
	// log while decisions keep coming (see StoreOptions.CommitInterval).
	DefaultCommitInterval = 50 * time.Millisecond
	// maxBatch is the most decisions written in one transaction: a batch
	// that reaches it is written without waiting for the interval.
	maxBatch = 4096
	// batchLinger is how long a decision that finds the writer idle waits
	// for company (the other checks of its request) before it is written.
	batchLinger = 2 * time.Millisecond
	// maxKeptBuffer is the largest encoding buffer the writer keeps between
	// batches.
	maxKeptBuffer = 4 << 20
)

// StoreOptions configure a Store.
type StoreOptions struct {
	// MaxCount is how many decisions are kept (oldest trimmed first);
	// 0 means DefaultMaxDecisions, a negative value no count limit. The
	// bound is approximate by a margin of MaxCount/64 (about 1.5%): the
	// log is trimmed back to MaxCount once it holds more than MaxCount
	// plus the margin, so trimming is paid in chunks rather than on every
	// write. A MaxCount under 64 is exact. NewStore trims a log that an
	// earlier run (with a larger limit) left over the limit and its margin.
	MaxCount int
	// MaxAge drops decisions older than this (by the clock); 0 keeps them
	// whatever their age. Readers (List, ByRequestID) never return a
	// decision older than MaxAge; the data file may keep it until a write
	// finds it MaxAge/64 (at most a second) past the limit.
	MaxAge time.Duration
	// Buffer is the capacity of the queue between the request path and the
	// writer; 0 means DefaultDecisionBuffer.
	Buffer int
	// CommitInterval is the least time between two commits while decisions
	// keep coming: 0 means DefaultCommitInterval; a negative value commits
	// every batch gathered within batchLinger (2 ms), as the log did
	// before group commit. It bounds how late a decision reaches the data
	// file and the watchers (Watch) under load; a decision that finds the
	// writer idle (no commit within the interval) is written within
	// batchLinger, and Flush, Close and every reader (ByRequestID, List)
	// write what is queued at once.
	CommitInterval time.Duration
	// Clock is the time retention is measured against; nil means time.Now.
	Clock  func() time.Time
	Logger *slog.Logger
}

// Store is the persistent decision log: a Recorder whose Record only
// queues the decision (and keeps it in an in-memory ring for the most
// recent requests); one goroutine encodes queued decisions and writes them
// in batches, one bbolt transaction per batch, trimming to the retention
// limits in the same transaction.
//
// Group commit: while decisions keep coming, the writer commits at most
// once per StoreOptions.CommitInterval (50 ms by default) or when half its
// queue (4,096 decisions by default, maxBatch at most) is waiting, so a
// busy emulator pays one transaction and one fsync for hundreds of
// decisions. Between commits the writer sleeps: a request only adds its
// decision to the queue, without waking it. A decision that finds the
// writer idle (no commit within the interval) waits only batchLinger
// (2 ms). Flush cuts the wait short, and so do the readers (ByRequestID and
// List flush first) and Close; only watchers (Watch) see a decision up to
// one interval late.
//
// Records: an allowed decision is encoded straight into a compact record
// (see recordEncoder.appendRecord); a denial is rendered with its
// explanation, fixes and sealed message by Record, off the request path,
// and stored as that message. Readers decode either into the same
// adminv1.Decision (decodeRecord).
//
// When the queue is full, Record drops the decision from the log (it stays
// in the ring) and counts it (Dropped): the request path never waits for
// the disk.
type Store struct {
	db    *storage.DB
	ring  *Log
	opts  StoreOptions
	log   *slog.Logger
	queue chan item
	done  chan struct{}
	// kick wakes the writer from its wait for the commit interval: a
	// barrier (Flush), Close, or a queue filling up sends one. While the
	// writer waits, decisions gather in the queue without waking it.
	kick   chan struct{}
	kickAt int          // batch size (queued + held) at which Record kicks
	mu     sync.RWMutex // guards closed against Record racing Close
	closed bool

	dropped atomic.Uint64
	written atomic.Uint64
	commits atomic.Uint64
	// openTrims is 1 if NewStore had to trim what an earlier run left.
	openTrims int

	subsMu  sync.Mutex
	subs    map[*subscription]struct{}
	watched atomic.Int32 // len(subs), read without the lock

	// The writer's own state, reused from batch to batch.
	enc     recordEncoder
	jbuf    storage.JournalBuffer // the journal's memory for each batch (bbolt's until its commit)
	buf     []byte
	ends    []int
	entries []storage.JournalEntry
}

// item is a decision to write, or (flushed != nil) a barrier.
type item struct {
	d       *Decision
	flushed chan struct{}
}

type subscription struct {
	f  Filter
	ch chan *adminv1.Decision
}

// NewStore returns a store writing to db and starts its writer; Close
// stops it.
func NewStore(db *storage.DB, opts StoreOptions) *Store {
	if opts.MaxCount == 0 {
		opts.MaxCount = DefaultMaxDecisions
	}
	if opts.Buffer <= 0 {
		opts.Buffer = DefaultDecisionBuffer
	}
	if opts.CommitInterval == 0 {
		opts.CommitInterval = DefaultCommitInterval
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Store{
		db: db, ring: NewLog(0), opts: opts, log: opts.Logger,
		queue: make(chan item, opts.Buffer), done: make(chan struct{}),
		kick:   make(chan struct{}, 1),
		kickAt: max(1, min(maxBatch, opts.Buffer/2)),
		subs:   map[*subscription]struct{}{},
	}
	s.trimAtOpen()
	go s.run()
	return s
}

// trimAtOpen applies the count limit to what an earlier run left, so that a
// smaller MaxCount takes effect at once rather than at the first write (the
// age limit does already: readers hide what is past it). A read
// transaction checks first, so a start within the limits (and its margin)
// writes nothing.
func (s *Store) trimAtOpen() {
	if s.opts.MaxCount <= 0 {
		return
	}
	over := false
	err := s.db.View(context.Background(), func(tx *storage.Tx) error {
		n, err := decisionJournal.Len(tx)
		over = n > s.opts.MaxCount+s.opts.MaxCount/64
		return err
	})
	if err == nil && over {
		s.openTrims++
		err = s.db.Update(context.Background(), s.trim)
	}
	if err != nil && !errors.Is(err, storage.ErrClosed) {
		s.log.Error("decision log: trim at open", "error", err)
	}
}

// Record implements Recorder. It never blocks.
func (s *Store) Record(d *Decision) {
	s.ring.Record(d)
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		s.dropped.Add(1)
		return
	}
	select {
	case s.queue <- item{d: d}:
		// Counting the decision the writer may hold while it waits (it
		// takes the first of a batch before waiting for the rest).
		if len(s.queue)+1 >= s.kickAt {
			s.wake()
		}
	default:
		if s.dropped.Add(1) == 1 {
			s.log.Warn("decision log queue full: decisions are being dropped from the log", "buffer", s.opts.Buffer)
		}
	}
}

// wake kicks the writer out of its wait, if it is not kicked already.
func (s *Store) wake() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Dropped is how many decisions were not written because the queue was full.
func (s *Store) Dropped() uint64 { return s.dropped.Load() }

// Written is how many decisions were written.
func (s *Store) Written() uint64 { return s.written.Load() }

// Commits is how many transactions the writer has committed: Written
// divided by Commits is the mean batch size.
func (s *Store) Commits() uint64 { return s.commits.Load() }

// Ring is the in-memory log of the most recent decisions.
func (s *Store) Ring() *Log { return s.ring }

// Flush waits until every decision recorded before the call is written (or
// ctx ends). It does not wait for the commit interval: what is queued is
// written at once.
func (s *Store) Flush(ctx context.Context) error {
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return nil
	}
	ch := make(chan struct{})
	select {
	case s.queue <- item{flushed: ch}:
	case <-ctx.Done():
		s.mu.RUnlock()
		return ctx.Err()
	}
	s.mu.RUnlock()
	s.wake()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close writes what is queued and stops the writer. Decisions recorded
// afterwards are counted as dropped.
func (s *Store) Close() {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.queue)
	}
	s.mu.Unlock()
	s.wake()
	<-s.done
}

func (s *Store) run() {
	defer close(s.done)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	var last time.Time // when the previous commit finished
	full := false      // the previous batch left decisions queued
	batch := make([]item, 0, 64)
	for it := range s.queue {
		batch = append(batch[:0], it)
		// Wait for company, unless this is a barrier or a backlog: a
		// decision that finds the writer idle waits batchLinger, one that
		// follows a commit closely waits for the rest of the commit
		// interval. The writer sleeps meanwhile; decisions gather in the
		// queue, and a barrier, Close or a filling queue (wake) cut the
		// wait short.
		if it.flushed == nil && !full && len(s.queue)+1 < s.kickAt {
			wait := batchLinger
			if rest := s.opts.CommitInterval - time.Since(last); rest > wait {
				wait = rest
			}
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-s.kick:
			}
			timer.Stop()
		}
		// Take what is queued, barriers included (write releases them
		// after the commit), up to a full batch.
	take:
		for len(batch) < maxBatch {
			select {
			case more, ok := <-s.queue:
				if !ok {
					break take
				}
				batch = append(batch, more)
			default:
				break take
			}
		}
		full = len(batch) == maxBatch
		s.write(batch)
		last = time.Now()
		clear(batch) // let the decisions go
	}
}

// write encodes and stores a batch, then releases its barriers and feeds
// the watchers.
func (s *Store) write(batch []item) {
	buf, ends, entries := s.buf[:0], s.ends[:0], s.entries[:0]
	for _, it := range batch {
		if it.d == nil {
			continue
		}
		n := len(buf)
		var err error
		if buf, err = s.enc.appendRecord(buf, it.d); err != nil {
			buf = buf[:n]
			s.log.Error("decision log: encode", "request_id", it.d.RequestID, "error", err)
			continue
		}
		ends = append(ends, len(buf))
		entries = append(entries, storage.JournalEntry{Time: it.d.Time, Index: it.d.RequestID})
	}
	// The buffer may have moved while it grew: slice it only now.
	from := 0
	for i := range entries {
		entries[i].Value = buf[from:ends[i]:ends[i]]
		from = ends[i]
	}
	if len(entries) > 0 {
		var keys []byte
		err := s.db.Update(context.Background(), func(tx *storage.Tx) error {
			var err error
			if keys, err = decisionJournal.AppendAllBuffered(tx, entries, &s.jbuf); err != nil {
				return err
			}
			return s.trim(tx)
		})
		if err != nil {
			if !errors.Is(err, storage.ErrClosed) {
				s.log.Error("decision log: write", "decisions", len(entries), "error", err)
			}
			s.dropped.Add(uint64(len(entries)))
		} else {
			s.written.Add(uint64(len(entries)))
			s.commits.Add(1)
			if s.watched.Load() > 0 {
				for i, e := range entries {
					s.publish(storage.JournalRecord{Key: keys[i*storage.JournalKeySize : (i+1)*storage.JournalKeySize], Time: e.Time, Index: e.Index, Value: e.Value})
				}
			}
		}
	}
	for _, it := range batch {
		if it.flushed != nil {
			close(it.flushed)
		}
	}
	clear(entries)
	s.enc.forgetContext()
	if cap(buf) > maxKeptBuffer {
		buf = nil
	}
	s.buf, s.ends, s.entries = buf, ends, entries
}

// trim applies the retention limits, with their margins (see
// StoreOptions): it visits the journal's oldest records only when the
// limits are exceeded by more than the margin.
func (s *Store) trim(tx *storage.Tx) error {
	max := s.opts.MaxCount
	if max < 0 {
		max = 0
	}
	over := false
	if max > 0 {
		n, err := decisionJournal.Len(tx)
		if err != nil {
			return err
		}
		over = n > max+max/64
	}
	var before time.Time
	if s.opts.MaxAge > 0 {
		slack := min(s.opts.MaxAge/64, time.Second)
		before = s.opts.Clock().Add(-s.opts.MaxAge)
		oldest, err := decisionJournal.Oldest(tx)
		if err != nil {
			return err
		}
		if !over && (oldest.IsZero() || !oldest.Before(before.Add(-slack))) {
			return nil
		}
	} else if !over {
		return nil
	}
	_, err := decisionJournal.Trim(tx, max, before)
	return err
}

// publish hands a written record to the watchers whose filter it matches.
func (s *Store) publish(jr storage.JournalRecord) {
	s.subsMu.Lock()
	defer s.subsMu.Unlock()
	if len(s.subs) == 0 {
		return
	}
	r, err := decodeRecord(jr)
	if err != nil {
		s.log.Error("decision log: decode for watchers", "error", err)
		return
	}
	for sub := range s.subs {
		if !sub.f.Match(r) {
			continue
		}
		select {
		case sub.ch <- r:
		default: // a watcher that does not keep up misses decisions
		}
	}
}

// Watch delivers the decisions written from now on that match f, until
// cancel is called. Under load a decision reaches watchers up to one
// commit interval (StoreOptions.CommitInterval) after it was made. A
// watcher that falls more than 1,024 decisions behind misses some. The
// watchers share each delivered *adminv1.Decision: they must not change it.
func (s *Store) Watch(f Filter) (<-chan *adminv1.Decision, func()) {
	sub := &subscription{f: f, ch: make(chan *adminv1.Decision, 1024)}
	s.subsMu.Lock()
	s.subs[sub] = struct{}{}
	s.watched.Store(int32(len(s.subs)))
	s.subsMu.Unlock()
	var once sync.Once
	return sub.ch, func() {
		once.Do(func() {
			s.subsMu.Lock()
			delete(s.subs, sub)
			s.watched.Store(int32(len(s.subs)))
			s.subsMu.Unlock()
		})
	}
}

// ByRequestID returns the decisions of a request, oldest first: from the
// data file, or from the in-memory ring for decisions the log dropped.
func (s *Store) ByRequestID(ctx context.Context, id string) ([]*adminv1.Decision, error) {
	if err := s.Flush(ctx); err != nil {
		return nil, err
	}
	var cut int64
	if c := s.cutoff(); !c.IsZero() {
		cut = c.UnixNano()
	}
	var out []*adminv1.Decision
	var oldest time.Time
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		recs, err := decisionJournal.ByIndex(tx, id)
		if err != nil {
			return err
		}
		out = out[:0]
		for _, jr := range recs {
			r, err := decodeRecord(jr)
			if err != nil {
				return err
			}
			if r.GetTimeUnixNano() >= cut {
				out = append(out, r)
			}
		}
		if len(out) == 0 {
			oldest, err = decisionJournal.Oldest(tx)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		// The ring answers for decisions the log dropped (a full queue, a
		// failed write), not for those retention trimmed: the count limit
		// trims the oldest first, so a decision at or before the oldest
		// kept one is past it, as List already says (and as a restart,
		// which empties the ring, would).
		for _, d := range s.ring.ByRequestID(id) {
			if t := d.Time.UnixNano(); t >= cut && (oldest.IsZero() || t > oldest.UnixNano()) {
				out = append(out, d.Record())
			}
		}
	}
	return out, nil
}

// cutoff is the time before which decisions are past MaxAge (zero without
// one). Readers hide them at once, although the writer trims them only on
// its next commit, with a margin: an idle emulator serves none past MaxAge.
func (s *Store) cutoff() time.Time {
	if s.opts.MaxAge <= 0 {
		return time.Time{}
	}
	return s.opts.Clock().Add(-s.opts.MaxAge)
}

// decodeRecord decodes a record of either format (see appendRecord): a
// compact one (allowed decisions written since the format exists) or an
// adminv1.Decision message (denials, and everything written before).
func decodeRecord(jr storage.JournalRecord) (*adminv1.Decision, error) {
	var r *adminv1.Decision
	var err error
	if isCompact(jr.Value) {
		r, err = decodeCompact(jr.Value, jr.Time.UnixNano(), jr.Index)
	} else {
		r = &adminv1.Decision{}
		err = proto.Unmarshal(jr.Value, r)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: decision %x: %w", storage.ErrCorrupt, jr.Key, err)
	}
	r.Id = hex.EncodeToString(jr.Key)
	return r, nil
}

// ErrBadToken is returned for a paging token List did not produce.
var ErrBadToken = errors.New("authz: invalid decision listing token")

// List returns up to limit decisions matching f, oldest first, starting
// after the decision whose Id is after (""; from the start), and the Id to
// resume from ("" at the end).
func (s *Store) List(ctx context.Context, f Filter, after string, limit int) ([]*adminv1.Decision, string, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	var from, until []byte
	if after != "" {
		k, err := hex.DecodeString(after)
		if err != nil || len(k) != storage.JournalKeySize {
			return nil, "", ErrBadToken
		}
		from = k
	}
	if c := s.cutoff(); !c.IsZero() && (f.Since.IsZero() || f.Since.Before(c)) {
		f.Since = c
	}
	if !f.Since.IsZero() {
		if k := storage.JournalKey(f.Since); from == nil || string(k) > string(from) {
			// Seek to the first key at Since: "after" the key just below it.
			from = precede(k)
		}
	}
	if !f.Until.IsZero() {
		until = storage.JournalKey(f.Until)
	}
	if err := s.Flush(ctx); err != nil {
		return nil, "", err
	}
	var out []*adminv1.Decision
	next := ""
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		out, next = out[:0], ""
		return decisionJournal.Scan(tx, from, until, func(jr storage.JournalRecord) (bool, error) {
			r, err := decodeRecord(jr)
			if err != nil {
				return false, err
			}
			if !f.Match(r) {
				return true, nil
			}
			if len(out) == limit {
				next = out[len(out)-1].GetId()
				return false, nil
			}
			out = append(out, r)
			return true, nil
		})
	})
	return out, next, err
}

// precede returns the greatest 16-byte key below k (k itself when k is all
// zeros), so that scanning "after" it starts at k.
func precede(k []byte) []byte {
	p := append([]byte(nil), k...)
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] > 0 {
			p[i]--
			for j := i + 1; j < len(p); j++ {
				p[j] = 0xff
			}
			return p
		}
	}
	return nil
}
