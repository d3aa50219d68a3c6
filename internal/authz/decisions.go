package authz

import (
	"sync"
	"time"

	"github.com/ibemu/ibemu/internal/iam/policy"
)

// Decision is one authorization decision: an API call's own, or a dependent
// or forward-access check made while serving it. It keeps what the engine
// decided on, so the full explanation can be produced when someone asks,
// not on the request path.
type Decision struct {
	RequestID string
	Time      time.Time
	// Principal is the caller's ARN (the session ARN for role sessions).
	Principal string
	Action    string
	Resource  string
	// Check is empty for the call's own action, else what asked for it:
	// "dependent" or "forward access via <service>".
	Check   string
	Outcome policy.Outcome
	// Source, Policy and Statement point at what decided (see policy.Decision).
	Source    policy.PolicyKind
	Policy    string
	Statement string
	// Message is the AccessDenied message of a denial ("" when allowed).
	Message string
	// EncodedMessage is a denial's sealed authorization message, which
	// sts:DecodeAuthorizationMessage decodes ("" when allowed or when the
	// enforcer has no sealer).
	EncodedMessage string

	req  policy.Request
	pols policy.Policies

	once sync.Once
	x    *policy.Explanation
}

// Explain returns the engine's full explanation of the decision: every
// policy considered, every statement and why it did or did not apply.
func (d *Decision) Explain() *policy.Explanation {
	d.once.Do(func() { d.x = policy.Explain(&d.req, &d.pols) })
	return d.x
}

// Context is the request context the decision was made with.
func (d *Decision) Context() *policy.Context { return d.req.Context }

// Recorder receives every decision.
type Recorder interface {
	Record(d *Decision)
}

// Log keeps the most recent decisions in memory, findable by request id.
type Log struct {
	mu    sync.Mutex
	ring  []*Decision
	next  int
	byReq map[string][]*Decision
}

// DefaultLogSize is how many decisions a Log keeps unless told otherwise.
const DefaultLogSize = 4096

// NewLog returns a log of the last size decisions (DefaultLogSize if
// size <= 0).
func NewLog(size int) *Log {
	if size <= 0 {
		size = DefaultLogSize
	}
	return &Log{ring: make([]*Decision, size), byReq: make(map[string][]*Decision)}
}

// Record implements Recorder. The oldest decision makes room.
func (l *Log) Record(d *Decision) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if old := l.ring[l.next]; old != nil {
		list := l.byReq[old.RequestID]
		if len(list) <= 1 {
			delete(l.byReq, old.RequestID)
		} else {
			l.byReq[old.RequestID] = list[1:]
		}
	}
	l.ring[l.next] = d
	l.next = (l.next + 1) % len(l.ring)
	l.byReq[d.RequestID] = append(l.byReq[d.RequestID], d)
}

// ByRequestID returns the decisions made for a request, in order.
func (l *Log) ByRequestID(id string) []*Decision {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]*Decision(nil), l.byReq[id]...)
}
