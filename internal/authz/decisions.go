package authz

import (
	"sync"
	"time"

	"github.com/ibemu/ibemu/internal/iam/policy"
	"github.com/ibemu/ibemu/internal/seal"
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
	// "dependent", "forward access via <service>", "item" for one item of
	// an itemized operation (S3's DeleteObjects deciding each key), or
	// "reveal" for a check that decides only what the caller is told (S3's
	// s3:ListBucket deciding NoSuchKey or AccessDenied for a missing key).
	Check   string
	Outcome policy.Outcome
	// Soft marks a denial that soft enforcement allowed (ModeSoft): Outcome
	// keeps the engine's verdict, the log records softDeny.
	Soft bool
	// Source is the policy type that decided (see policy.Decision); Policy
	// and Statement name the deciding policy and statement.
	Source policy.PolicyKind
	// Message is the AccessDenied message of a denial ("" when allowed).
	Message string
	// Service, Operation, Region, SourceIP and Transport describe the API
	// call the decision was made for; AccessKeyID is the key it was signed
	// with and SessionIssued when its temporary credentials were issued
	// (zero for long-term keys).
	Service, Operation, Region, SourceIP, Transport, AccessKeyID string
	SessionIssued                                                time.Time

	req  policy.Request
	pols policy.Policies
	// ctxFixed says req.Context is never written after the decision and
	// may be shared with other decisions (decideOne's on a Kept resource,
	// which the decision memo reuses): the log's encoder may reuse the
	// record of an earlier decision with the same context.
	ctxFixed bool
	// by is the engine's decision, pointing into pols; the names of what
	// decided are rendered from it only when asked for.
	by policy.Decision
	// sealer seals a denial's authorization message, when asked for.
	sealer  *seal.Sealer
	encOnce sync.Once
	encoded string

	once sync.Once
	x    *policy.Explanation
}

// Policy names the deciding policy ("" for none).
func (d *Decision) Policy() string {
	if d.by.Policy == nil {
		return ""
	}
	return d.by.Policy.Name
}

// Statement names the deciding statement ("" for none).
func (d *Decision) Statement() string {
	if d.by.Statement == nil {
		return ""
	}
	return d.by.Statement.Label()
}

// EncodedMessage is a denial's sealed authorization message, which
// sts:DecodeAuthorizationMessage decodes in the denied principal's account;
// "" when the request was allowed or the enforcer has no sealer. It is made
// on first request, not on the request path.
func (d *Decision) EncodedMessage() string {
	if d.sealer == nil || d.Outcome == policy.Allowed || d.req.Principal == nil {
		return ""
	}
	d.encOnce.Do(func() { d.encoded, _ = EncodeMessage(d.sealer, d) })
	return d.encoded
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
// Recording is the request path's: it only stores a pointer in a ring.
// Finding a request's decisions scans the ring (a few microseconds for the
// default 4,096), which only explain-like readers do, rarely.
type Log struct {
	mu   sync.Mutex
	ring []*Decision
	next int
}

// DefaultLogSize is how many decisions a Log keeps unless told otherwise.
const DefaultLogSize = 4096

// NewLog returns a log of the last size decisions (DefaultLogSize if
// size <= 0).
func NewLog(size int) *Log {
	if size <= 0 {
		size = DefaultLogSize
	}
	return &Log{ring: make([]*Decision, size)}
}

// Record implements Recorder. The oldest decision makes room.
func (l *Log) Record(d *Decision) {
	l.mu.Lock()
	l.ring[l.next] = d
	if l.next++; l.next == len(l.ring) {
		l.next = 0
	}
	l.mu.Unlock()
}

// Clear forgets every decision (the state was reset or restored, and the
// decision log with it).
func (l *Log) Clear() {
	l.mu.Lock()
	defer l.mu.Unlock()
	clear(l.ring)
	l.next = 0
}

// ByRequestID returns the decisions made for a request, in the order they
// were recorded.
func (l *Log) ByRequestID(id string) []*Decision {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []*Decision
	n := len(l.ring)
	for i := 0; i < n; i++ { // oldest first: from next around
		if d := l.ring[(l.next+i)%n]; d != nil && d.RequestID == id {
			out = append(out, d)
		}
	}
	return out
}
