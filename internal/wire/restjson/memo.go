package restjson

import (
	"sync"
	"sync/atomic"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/ibemu/ibemu/internal/apimodel"
)

// Encodings of frozen messages
//
// A service that hands the same decoded record to many requests (Image
// Builder's read cache: GetComponent, GetWorkflow) may Freeze it: a promise
// that the message is never changed again. AppendOutput then encodes a
// frozen message that is a direct member of an output once, and copies
// those bytes into every later answer that carries the same message.
//
// The memo is keyed by the message's identity (its pointer), not by its
// contents, and needs no invalidation: a write never changes a frozen
// message, it makes a new one (the read cache decodes the record again
// once a table it watches was written), which has no encoding here yet.
// An entry holds its message, so a key's address cannot be reused by
// another message while the entry exists. The memo is bounded (memoBudget,
// estimated bytes) and dropped whole when full, as the read cache is.

// memoBudget bounds the memory the memo keeps alive: the encodings plus an
// estimate of the messages they hold.
const memoBudget = 4 << 20

// memoEntry is one frozen message, with its encoding once some answer
// encoded it.
type memoEntry struct {
	enc atomic.Pointer[memoEncoding]
}

// memoEncoding is a message's encoding as a member of shape sh.
type memoEncoding struct {
	sh  *apimodel.Shape
	enc []byte
}

var (
	memo      sync.Map // protoreflect.Message → *memoEntry
	memoLen   atomic.Int64
	memoBytes atomic.Int64
	// memoEpoch counts the times the memo was dropped (MemoEpoch).
	memoEpoch atomic.Uint64
)

// MemoEpoch changes whenever the memo is dropped. A caller that froze a
// message while MemoEpoch was e (read before Freeze) need not freeze it
// again while MemoEpoch is still e. Freezing is only ever an optimisation:
// a message not in the memo is encoded afresh.
func MemoEpoch() uint64 { return memoEpoch.Load() }

// verifyMemo makes every use of a remembered encoding encode the message
// again and panic on a difference (tests).
var verifyMemo atomic.Bool

// VerifyMemo turns on (or off) checking every remembered encoding against
// a fresh one as it is used, panicking on a difference: for tests that
// prove no frozen message is changed. It returns the previous setting.
func VerifyMemo(on bool) bool { return verifyMemo.Swap(on) }

// Freeze declares msgs immutable from now on, for as long as any reference
// to them remains, so that their JSON encodings may be remembered. nil
// messages are ignored. Changing a message after freezing it would make
// answers carry its old encoding: freeze only what is shared read-only.
func Freeze(msgs ...proto.Message) {
	for _, msg := range msgs {
		if msg == nil {
			continue
		}
		m := msg.ProtoReflect()
		if !m.IsValid() {
			continue
		}
		if _, ok := memo.Load(m); ok {
			continue // the common case: frozen before
		}
		if _, loaded := memo.LoadOrStore(m, &memoEntry{}); loaded {
			continue
		}
		memoLen.Add(1)
		charge(int64(128 + 2*proto.Size(msg)))
	}
}

// charge counts n more bytes kept by the memo, dropping it all when over
// budget.
func charge(n int64) {
	if memoBytes.Add(n) > memoBudget {
		memo.Clear()
		memoLen.Store(0)
		memoBytes.Store(0)
		memoEpoch.Add(1)
	}
}

// appendFrozen appends m as a member of shape sh: its remembered encoding
// when m is frozen (made and remembered now if it is the first time), else
// a fresh one.
func appendFrozen(buf []byte, sh *apimodel.Shape, m protoreflect.Message) []byte {
	if memoLen.Load() == 0 {
		return appendStructure(buf, sh, m, "")
	}
	v, ok := memo.Load(m)
	if !ok {
		return appendStructure(buf, sh, m, "")
	}
	e := v.(*memoEntry)
	if me := e.enc.Load(); me != nil && me.sh == sh {
		if verifyMemo.Load() {
			checkMemo(me.enc, sh, m)
		}
		return append(buf, me.enc...)
	}
	start := len(buf)
	buf = appendStructure(buf, sh, m, "")
	me := &memoEncoding{sh: sh, enc: append([]byte(nil), buf[start:]...)}
	if e.enc.CompareAndSwap(nil, me) {
		charge(int64(len(me.enc)))
	}
	return buf
}

func checkMemo(enc []byte, sh *apimodel.Shape, m protoreflect.Message) {
	if fresh := appendStructure(nil, sh, m, ""); string(fresh) != string(enc) {
		panic("restjson: a frozen message changed after its encoding was remembered:\nremembered " + string(enc) + "\nnow        " + string(fresh))
	}
}

// MemoLen is the number of frozen messages remembered (tests, metrics).
func MemoLen() int { return int(memoLen.Load()) }
