package authz_test

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/authz"
	"github.com/ibemu/ibemu/internal/iam/policy"
	"github.com/ibemu/ibemu/internal/storage"
	adminv1 "github.com/ibemu/ibemu/proto/admin/v1"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// sampleDecisions returns real decisions of the enforcer: allowed by a
// statement with a Sid and by one without, allowed for the root user
// without a policy, a create with request tags (list-valued context keys),
// and an explicit and an implicit denial.
func sampleDecisions(t testing.TB) []*authz.Decision {
	t.Helper()
	alice, bob, carol, dave := user(acctA, "alice"), user(acctA, "bob"), user(acctA, "carol"), user(acctA, "dave")
	ids := users{
		alice.ARN: {`{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":"imagebuilder:Get*","Resource":"*"},
			{"Effect":"Allow","Action":"imagebuilder:CreateComponent","Resource":"*"}]}`},
		bob.ARN:   {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"imagebuilder:Get*","Resource":"*"}]}`},
		dave.ARN:  {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"imagebuilder:List*","Resource":"*"}]}`},
		carol.ARN: {`{"Version":"2012-10-17","Statement":[{"Sid":"NoGet","Effect":"Deny","Action":"imagebuilder:Get*","Resource":"*"}]}`},
	}
	log := authz.NewLog(64)
	e, err := authz.New(authz.Options{Identities: ids, Recorder: log})
	if err != nil {
		t.Fatal(err)
	}
	getOp, _ := ibv1.Model().Operation("GetComponent")
	createOp, _ := ibv1.Model().Operation("CreateComponent")
	arn := "arn:aws:imagebuilder:us-east-1:" + acctA + ":component/a/1.0.0/1"
	get := &ibv1.GetComponentRequest{ComponentBuildVersionArn: proto.String(arn)}
	var out []*authz.Decision
	for i, p := range []auth.Principal{alice, bob, auth.RootPrincipal(acctA), carol, dave} {
		ctx, c := callCtx(p)
		c.RequestID = fmt.Sprintf("req-get-%d", i)
		_, err := e.Authorize(ctx, ibv1.Model(), getOp, get)
		ds := log.ByRequestID(c.RequestID)
		if len(ds) != 1 {
			t.Fatalf("%s: %d decisions (%v)", p.ARN, len(ds), err)
		}
		out = append(out, ds...)
	}
	ctx, c := callCtx(alice)
	c.RequestID = "req-create"
	if _, err := e.Authorize(ctx, ibv1.Model(), createOp, &ibv1.CreateComponentRequest{
		Name: proto.String("web"), SemanticVersion: proto.String("1.0.0"), Platform: proto.String("Linux"), ClientToken: proto.String("t"),
		Tags: map[string]string{"team": "blue", "env": ""},
	}); err != nil {
		t.Fatal(err)
	}
	out = append(out, log.ByRequestID(c.RequestID)...)
	if len(out) != 6 {
		t.Fatalf("%d decisions recorded, want 6", len(out))
	}
	// What the transport adds.
	for i, d := range out {
		d.Service, d.Operation, d.Transport, d.SourceIP = "imagebuilder", "GetComponent", "http", "192.0.2.10"
		d.AccessKeyID = "AKIAEXAMPLE"
		if i%2 == 0 {
			d.SessionIssued = when.Add(-time.Hour)
			d.Check = "dependent"
		}
	}
	return out
}

// The writer encodes an allowed decision field by field into a compact
// record; decoded, it is exactly the record Decision.Record renders.
// Denials are stored as the message itself, as every record was before.
func TestRecordEncoderMatchesRecord(t *testing.T) {
	allowed := 0
	for _, d := range append(sampleDecisions(t), edgeDecisions(t)...) {
		raw, err := authz.EncodeRecord(d)
		if err != nil {
			t.Fatal(err)
		}
		got, err := authz.DecodeRecord(raw, d.Time, d.RequestID)
		if err != nil {
			t.Fatalf("%s: %v", d.RequestID, err)
		}
		got.Id = ""
		want := d.Record()
		if !proto.Equal(got, want) {
			t.Errorf("%s (%s): encoded record\n%v\nwant\n%v", d.RequestID, d.Outcome, got, want)
		}
		msg, _ := proto.MarshalOptions{Deterministic: true}.Marshal(want)
		if d.Outcome == policy.Allowed {
			allowed++
			if len(want.GetContext()) == 0 || want.GetExplanation() == "" {
				t.Errorf("%s: the sample lacks a context or an explanation: %v", d.RequestID, want)
			}
			if !authz.IsCompactRecord(raw) || (!strings.HasPrefix(d.RequestID, "req-edge") && len(raw) > len(msg)*6/10) {
				t.Errorf("%s: allowed record of %d bytes (message: %d), want a compact one", d.RequestID, len(raw), len(msg))
			}
			// A build from before the compact format (after a downgrade)
			// reads it as a Decision, incomplete but without failing.
			old := &adminv1.Decision{}
			if err := proto.Unmarshal(raw, old); err != nil || old.GetPrincipal() != want.GetPrincipal() || old.GetAction() != want.GetAction() {
				t.Errorf("%s: a compact record read as a message: %v, %v", d.RequestID, old, err)
			}
		} else if err := proto.Unmarshal(raw, &adminv1.Decision{}); err != nil || authz.IsCompactRecord(raw) {
			t.Errorf("%s: a denial is not stored as the message: %v", d.RequestID, err)
		}
	}
	if allowed != 4+len(edgeDecisions(t)) {
		t.Fatalf("%d allowed decisions in the sample, want %d", allowed, 4+len(edgeDecisions(t)))
	}
}

// edgeDecisions are allowed decisions whose contexts exercise the compact
// record: keys outside its tables, tag keys, a key without values, list
// values, an empty value, an entry of more than 127 bytes, values equal to
// other fields and values that merely resemble them.
func edgeDecisions(t testing.TB) []*authz.Decision {
	t.Helper()
	ds := sampleDecisions(t)
	a, b := ds[0], ds[2] // alice, allowed by statement Read; the root user
	ctx := policy.NewContext()
	ctx.SetString("aws:PrincipalTag/team", "blue")
	ctx.SetString("aws:ResourceTag/", "bare prefix")
	ctx.SetString("aws:RequestTag/Cost Center", "")
	ctx.SetString("custom:Long", strings.Repeat("v", 300))
	if err := ctx.SetList("aws:TagKeys", policy.TypeString, "team", "env", "", "false"); err != nil {
		t.Fatal(err)
	}
	if err := ctx.Set("aws:CalledVia", policy.TypeString); err != nil {
		t.Fatal(err)
	}
	ctx.SetString("aws:SourceIp", "192.0.2.10")
	ctx.SetString("aws:username", "alice")
	ctx.SetString("aws:userid", "alice")
	ctx.SetString("aws:CurrentTime", "2026-11-29T12:00:00Z")
	ctx.SetString("aws:EpochTime", "1795953600")
	ctx.SetString("aws:TokenIssueTime", "2026-11-29T12:00:01Z")
	ctx.SetString("aws:SecureTransport", "true")
	ctx.SetString("aws:requestedregion", "us-east-1")
	ctx.SetString("aws:PrincipalType", "User")
	ctx.SetString("aws:PrincipalArn", "arn:aws:iam::111122223333:user/ALICE")
	ctx.SetString("kms:ViaService", "identity-based policy")
	authz.SetContext(a, ctx)
	a.RequestID = "req-edge"
	a.Time = when.Add(1500 * time.Millisecond)
	b.RequestID = "req-edge-root"
	b.Time = when.Add(-time.Nanosecond)
	return []*authz.Decision{a, b}
}

// allowedDecisions returns n allowed decisions of the enforcer, an IAM
// user's GetComponent each, with random request ids as the server makes.
func allowedDecisions(t testing.TB, n int) []*authz.Decision {
	t.Helper()
	alice := user(acctA, "alice")
	ids := users{alice.ARN: {`{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":"imagebuilder:Get*","Resource":"*"}]}`}}
	log := authz.NewLog(n)
	e, err := authz.New(authz.Options{Identities: ids, Recorder: log})
	if err != nil {
		t.Fatal(err)
	}
	op, _ := ibv1.Model().Operation("GetComponent")
	get := &ibv1.GetComponentRequest{ComponentBuildVersionArn: proto.String("arn:aws:imagebuilder:us-east-1:" + acctA + ":component/a/1.0.0/1")}
	out := make([]*authz.Decision, 0, n)
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < n; i++ {
		ctx, c := callCtx(alice)
		c.RequestID = fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", rnd.Uint32(), rnd.Uint32()&0xffff, rnd.Uint32()&0xfff, rnd.Uint32()&0xfff, rnd.Uint64()&(1<<48-1))
		if _, err := e.Authorize(ctx, ibv1.Model(), op, get); err != nil {
			t.Fatal(err)
		}
		ds := log.ByRequestID(c.RequestID)
		if len(ds) != 1 {
			t.Fatalf("%d decisions", len(ds))
		}
		out = append(out, ds[0])
	}
	return out
}

func openStore(t testing.TB, opts authz.StoreOptions) (*authz.Store, *storage.DB) {
	t.Helper()
	db, err := storage.Open(filepath.Join(t.TempDir(), "d.db"), storage.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	s := authz.NewStore(db, opts)
	t.Cleanup(func() {
		s.Close()
		_ = db.Close()
	})
	return s, db
}

func decisionAt(id string, at time.Time) *authz.Decision {
	return &authz.Decision{RequestID: id, Time: at, Action: "imagebuilder:GetComponent", Resource: "*", Outcome: policy.Allowed}
}

func listIDs(t testing.TB, s *authz.Store) []string {
	t.Helper()
	var ids []string
	after := ""
	for {
		page, next, err := s.List(context.Background(), authz.Filter{}, after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page {
			ids = append(ids, r.GetRequestId())
		}
		if next == "" {
			return ids
		}
		after = next
	}
}

// Under load the writer commits once per interval; Flush writes what is
// queued at once, in one transaction, and the watchers get it before Flush
// returns.
func TestStoreGroupCommitAndFlush(t *testing.T) {
	s, _ := openStore(t, authz.StoreOptions{CommitInterval: time.Hour})
	ctx := context.Background()
	watched, cancel := s.Watch(authz.Filter{})
	defer cancel()
	s.Record(decisionAt("first", when))
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if s.Written() != 1 || s.Commits() != 1 {
		t.Fatalf("after the first flush: written %d in %d commits", s.Written(), s.Commits())
	}
	// The next decisions follow a commit closely: they wait for the
	// interval (an hour here), so nothing more is written until Flush.
	for i := 0; i < 100; i++ {
		s.Record(decisionAt(fmt.Sprintf("r%03d", i), when.Add(time.Duration(i)*time.Millisecond)))
	}
	if s.Written() != 1 {
		t.Fatalf("written %d before the interval ended", s.Written())
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if s.Written() != 101 || s.Commits() != 2 {
		t.Fatalf("after the second flush: written %d in %d commits, want 101 in 2", s.Written(), s.Commits())
	}
	if ids := listIDs(t, s); len(ids) != 101 || ids[0] != "first" || ids[100] != "r099" {
		t.Fatalf("listed %d: %v", len(ids), ids)
	}
	for i := 0; i < 101; i++ {
		select {
		case r := <-watched:
			if r.GetId() == "" || r.GetOutcome() != "allowed" {
				t.Fatalf("watched %v", r)
			}
		default:
			t.Fatalf("watcher got %d decisions before Flush returned, want 101", i)
		}
	}
	// Readers flush first: a decision is found at once.
	s.Record(decisionAt("late", when.Add(time.Second)))
	rs, err := s.ByRequestID(ctx, "late")
	if err != nil || len(rs) != 1 || rs[0].GetId() == "" {
		t.Fatalf("ByRequestID: %v, %v", rs, err)
	}
	if s.Dropped() != 0 {
		t.Fatalf("dropped %d", s.Dropped())
	}
}

// A queue half full does not wait for the commit interval: the writer is
// woken and writes what is queued, so a small queue does not drop
// decisions while the writer sleeps.
func TestStoreWakesWhenQueueFills(t *testing.T) {
	s, _ := openStore(t, authz.StoreOptions{CommitInterval: time.Hour, Buffer: 16})
	ctx := context.Background()
	s.Record(decisionAt("first", when))
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	// The next ones follow a commit closely: the writer waits for the
	// interval (an hour) unless the queue reaches half its size (8).
	// Watchers see each decision once it is written.
	written, cancel := s.Watch(authz.Filter{})
	defer cancel()
	for i := 0; i < 8; i++ {
		s.Record(decisionAt(fmt.Sprintf("r%d", i), when))
	}
	// The bound only stops a writer that never wakes from hanging the test.
	bound := time.After(10 * time.Second)
	for i := 0; i < 8; i++ {
		select {
		case <-written:
		case <-bound:
			t.Fatalf("written %d, want 9: the writer was not woken", s.Written())
		}
	}
	if s.Written() != 9 {
		t.Fatalf("written %d, want 9", s.Written())
	}
	if s.Dropped() != 0 {
		t.Fatalf("dropped %d", s.Dropped())
	}
}

// Close writes what waits for the interval.
func TestStoreCloseWritesQueued(t *testing.T) {
	db, err := storage.Open(filepath.Join(t.TempDir(), "d.db"), storage.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := authz.NewStore(db, authz.StoreOptions{CommitInterval: time.Hour})
	for i := 0; i < 10; i++ {
		s.Record(decisionAt(fmt.Sprintf("r%d", i), when))
	}
	s.Close()
	if s.Written() != 10 {
		t.Fatalf("written %d on close, want 10", s.Written())
	}
	s = authz.NewStore(db, authz.StoreOptions{})
	defer s.Close()
	if ids := listIDs(t, s); len(ids) != 10 {
		t.Fatalf("after reopening: %d decisions, want 10", len(ids))
	}
}

// The count limit is applied with a margin of MaxCount/64: the log grows
// past MaxCount by at most the margin, then is trimmed back to MaxCount,
// keeping the newest. Small limits are exact.
func TestStoreRetentionMargin(t *testing.T) {
	ctx := context.Background()
	record := func(s *authz.Store, from, n int) {
		for i := from; i < from+n; i++ {
			s.Record(decisionAt(fmt.Sprintf("r%04d", i), when.Add(time.Duration(i)*time.Millisecond)))
		}
		if err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	s, _ := openStore(t, authz.StoreOptions{MaxCount: 128})
	record(s, 0, 130) // 128 plus the margin of 2: kept
	if ids := listIDs(t, s); len(ids) != 130 {
		t.Fatalf("%d kept within the margin, want 130", len(ids))
	}
	record(s, 130, 1) // over the margin: back to 128, the newest
	ids := listIDs(t, s)
	if len(ids) != 128 || ids[0] != "r0003" || ids[127] != "r0130" {
		t.Fatalf("after trimming: %d kept, %s … %s", len(ids), ids[0], ids[len(ids)-1])
	}
	for _, gone := range []string{"r0000", "r0002"} {
		// The ring still has it, but retention dropped it: explained no
		// more than listed.
		if rs, err := s.ByRequestID(ctx, gone); err != nil || len(rs) != 0 {
			t.Fatalf("%s trimmed, still found: %v %v", gone, rs, err)
		}
	}
	if rs, err := s.ByRequestID(ctx, "r0003"); err != nil || len(rs) != 1 {
		t.Fatalf("r0003, the oldest kept: %v %v", rs, err)
	}
	// A bound never exceeds MaxCount plus the margin, whatever the batch.
	for i := 0; i < 5; i++ {
		record(s, 1000+i*50, 50)
		if n := len(listIDs(t, s)); n > 130 || n < 128 {
			t.Fatalf("%d kept, want 128 to 130", n)
		}
	}

	small, _ := openStore(t, authz.StoreOptions{MaxCount: 5})
	record(small, 0, 7)
	if ids := listIDs(t, small); len(ids) != 5 || ids[0] != "r0002" {
		t.Fatalf("MaxCount 5 kept %v", ids)
	}
}

// A smaller MaxCount takes effect when the store opens, not at the first
// write: readers never list more than the limit (plus its margin) a
// restart sets. A start within the limits writes nothing.
func TestStoreTrimsToSmallerMaxCountAtOpen(t *testing.T) {
	db, err := storage.Open(filepath.Join(t.TempDir(), "d.db"), storage.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := authz.NewStore(db, authz.StoreOptions{MaxCount: 200})
	for i := 0; i < 150; i++ {
		s.Record(decisionAt(fmt.Sprintf("r%04d", i), when.Add(time.Duration(i)*time.Millisecond)))
	}
	s.Close()
	if authz.TrimmedAtOpen(s) {
		t.Fatal("an empty log was trimmed at open")
	}
	// The same limit, and a smaller one that 150 fits with its margin
	// (148 + 2): nothing to write.
	for _, max := range []int{200, 148} {
		s = authz.NewStore(db, authz.StoreOptions{MaxCount: max})
		if authz.TrimmedAtOpen(s) {
			t.Fatalf("MaxCount %d: trimmed 150 decisions at open", max)
		}
		if ids := listIDs(t, s); len(ids) != 150 {
			t.Fatalf("MaxCount %d: %d listed, want 150", max, len(ids))
		}
		s.Close()
	}
	s = authz.NewStore(db, authz.StoreOptions{MaxCount: 10})
	defer s.Close()
	if !authz.TrimmedAtOpen(s) {
		t.Fatal("not trimmed at open")
	}
	ids := listIDs(t, s)
	if len(ids) != 10 || ids[0] != "r0140" || ids[9] != "r0149" {
		t.Fatalf("after reopening with MaxCount 10: %d listed: %v", len(ids), ids)
	}
	if n, err := authz.StoredLen(s); err != nil || n != 10 {
		t.Fatalf("%d stored (%v), want 10", n, err)
	}
	if rs, err := s.ByRequestID(context.Background(), "r0100"); err != nil || len(rs) != 0 {
		t.Fatalf("a trimmed decision is still found: %v %v", rs, err)
	}
	if s.Written() != 0 {
		t.Fatalf("written %d", s.Written())
	}
}

// MaxAge trims decisions older than the limit once the oldest is past it
// by more than the margin (MaxAge/64, at most a second).
func TestStoreRetentionByAge(t *testing.T) {
	ctx := context.Background()
	now := when
	s, _ := openStore(t, authz.StoreOptions{MaxAge: 64 * time.Second, Clock: func() time.Time { return now }})
	for i := 0; i < 10; i++ {
		s.Record(decisionAt(fmt.Sprintf("r%d", i), when.Add(time.Duration(i)*time.Second)))
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	// r0 is 64.5 s old at the next write: within the margin of 1 s.
	now = when.Add(64*time.Second + 500*time.Millisecond)
	s.Record(decisionAt("x", now))
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := authz.StoredLen(s); err != nil || n != 11 {
		t.Fatalf("%d kept within the margin (%v), want 11", n, err)
	}
	// Readers never see a decision past MaxAge, trimmed or not.
	if ids := listIDs(t, s); len(ids) != 10 || ids[0] != "r1" {
		t.Fatalf("listed within the margin: %v", ids)
	}
	if rs, err := s.ByRequestID(ctx, "r0"); err != nil || len(rs) != 0 {
		t.Fatalf("ByRequestID of an expired decision: %v %v", rs, err)
	}
	// 2.5 s later r0, r1 and r2 are past the limit and r0 past the margin:
	// everything older than the limit goes.
	now = when.Add(66*time.Second + 500*time.Millisecond)
	s.Record(decisionAt("y", now))
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	ids := listIDs(t, s)
	if len(ids) != 9 || ids[0] != "r3" {
		t.Fatalf("after trimming by age: %v", ids)
	}
	if n, err := authz.StoredLen(s); err != nil || n != 9 {
		t.Fatalf("%d stored after trimming (%v), want 9", n, err)
	}
	// An idle log: time passes, nothing is written, nothing is trimmed;
	// readers still see only what is within MaxAge.
	now = when.Add(72*time.Second + 500*time.Millisecond)
	if ids := listIDs(t, s); len(ids) != 3 || ids[0] != "r9" {
		t.Fatalf("idle, 72.5 s on: %v", ids)
	}
}

// BenchmarkStoreWriter measures the writer alone: real allowed decisions
// (an IAM user's GetComponent, with its request context) recorded and
// flushed in batches of the given size, one commit per batch, with fsync,
// into a log already at its retention limit (50,000), so every batch also
// trims. Reported: decisions per second of the writer and, per op (one
// decision), its allocations.
//
// The fresh/ variants start from an empty log with the default limit
// (100,000), as a server does on a new data file: no trimming, as in a
// loadgen run of under 100,000 requests.
func BenchmarkStoreWriter(b *testing.B) {
	cases := []struct {
		name        string
		batch, kept int
		shared      bool // the decisions share a context, as the memo's do
	}{
		{"batch=8", 8, 50_000, false}, {"batch=200", 200, 50_000, false}, {"batch=4096", 4096, 50_000, false},
		{"fresh/batch=330", 330, 0, false},
		{"fresh/batch=330/memo", 330, 0, true},
	}
	for _, c := range cases {
		batch, kept := c.batch, c.kept
		b.Run(c.name, func(b *testing.B) {
			ds := allowedDecisions(b, 4096)
			if c.shared {
				shareContext(ds)
			}
			db, err := storage.Open(filepath.Join(b.TempDir(), "d.db"), storage.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			s := authz.NewStore(db, authz.StoreOptions{Buffer: 8192, MaxCount: kept}) // 0: the default
			defer s.Close()
			ctx := context.Background()
			flush := func() {
				if err := s.Flush(ctx); err != nil {
					b.Fatal(err)
				}
			}
			for i := 0; i < kept; i++ {
				s.Record(ds[i%len(ds)])
				if (i+1)%4096 == 0 {
					flush()
				}
			}
			flush()
			b.ReportAllocs()
			cpu0 := processCPU(b)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				s.Record(ds[i%len(ds)])
				if (i+1)%batch == 0 || i == b.N-1 {
					flush()
				}
			}
			b.StopTimer()
			if s.Dropped() != 0 {
				b.Fatalf("dropped %d", s.Dropped())
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
			b.ReportMetric(float64(processCPU(b)-cpu0)/float64(b.N), "cpu-ns/decision")
		})
	}
}

// BenchmarkStoreByRequestID measures finding a request's decisions (what
// explain does) in a full log of the default 100,000 decisions: one seek
// per generation of the index.
func BenchmarkStoreByRequestID(b *testing.B) {
	ds := allowedDecisions(b, 4096)
	s, _ := openStore(b, authz.StoreOptions{})
	ctx := context.Background()
	for i := 0; i < authz.DefaultMaxDecisions; i++ {
		s.Record(ds[i%len(ds)])
		if (i+1)%4096 == 0 {
			if err := s.Flush(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rs, err := s.ByRequestID(ctx, ds[i%len(ds)].RequestID)
		if err != nil || len(rs) == 0 {
			b.Fatalf("%d found: %v", len(rs), err)
		}
	}
}

// BenchmarkEncodeRecord measures the writer's encoding of a decision (an
// IAM user's allowed GetComponent, as the server makes them), the encoder
// and its buffer reused as the writer reuses them.
func BenchmarkEncodeRecord(b *testing.B) {
	ds := allowedDecisions(b, 256)
	enc := authz.NewRecordEncoder()
	var buf []byte
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var err error
		if buf, err = enc(buf[:0], ds[i%len(ds)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeRecordSharedContext is BenchmarkEncodeRecord with the
// decisions sharing one request context, as a caller's repeated requests
// do when the enforcer reuses its decision (scenario a).
func BenchmarkEncodeRecordSharedContext(b *testing.B) {
	ds := allowedDecisions(b, 256)
	shareContext(ds)
	enc := authz.NewRecordEncoder()
	var buf []byte
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var err error
		if buf, err = enc(buf[:0], ds[i%len(ds)]); err != nil {
			b.Fatal(err)
		}
	}
}

// shareContext gives every decision of ds the (fixed) request context of
// the first, as the decision memo does for a caller's repeated request.
func shareContext(ds []*authz.Decision) {
	for _, d := range ds {
		authz.SetFixedContext(d, ds[0].Context())
	}
}

// BenchmarkDecodeRecord measures what every reader pays per record (List
// decodes each record it scans): an allowed decision stored as a compact
// record, and as the message records were before it.
func BenchmarkDecodeRecord(b *testing.B) {
	d := allowedDecisions(b, 1)[0]
	compact, err := authz.EncodeRecord(d)
	if err != nil {
		b.Fatal(err)
	}
	message, err := proto.Marshal(d.Record())
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		raw  []byte
	}{{"compact", compact}, {"message", message}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := authz.DecodeRecord(c.raw, d.Time, d.RequestID); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// processCPU is the CPU time the process has used (user and system), in
// nanoseconds: the writer's cost, whatever the disk's latency.
func processCPU(b *testing.B) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// A data file written by the build before the generation-partitioned index
// (commit 6005f4d, testdata/decisions-6005f4d.db.gz: the six decisions of
// sampleDecisions) still opens; its records decode, are found by request
// id next to new ones, and are trimmed like them.
func TestStoreReadsEarlierDataFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	gz, err := os.Open("testdata/decisions-6005f4d.db.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer gz.Close()
	zr, err := gzip.NewReader(gz)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := storage.Open(path, storage.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	s := authz.NewStore(db, authz.StoreOptions{})
	want := sampleDecisions(t)
	if ids := listIDs(t, s); len(ids) != len(want) {
		t.Fatalf("listed %v", ids)
	}
	for _, d := range want {
		rs, err := s.ByRequestID(ctx, d.RequestID)
		if err != nil || len(rs) != 1 {
			t.Fatalf("%s: %v, %v", d.RequestID, rs, err)
		}
		r, w := rs[0], d.Record()
		if r.GetId() == "" || r.GetOutcome() != w.GetOutcome() || r.GetPrincipal() != w.GetPrincipal() || r.GetAction() != w.GetAction() ||
			r.GetResource() != w.GetResource() || r.GetExplanation() == "" || len(r.GetContext()) == 0 || (d.Outcome != policy.Allowed && len(r.GetFixes()) == 0) {
			t.Errorf("%s: decoded %v", d.RequestID, r)
		}
	}
	// New decisions join the old ones under the same request id.
	s.Record(decisionAt(want[0].RequestID, when.Add(time.Hour)))
	s.Record(decisionAt("new", when.Add(time.Hour)))
	if rs, err := s.ByRequestID(ctx, want[0].RequestID); err != nil || len(rs) != 2 || rs[0].GetTimeUnixNano() != want[0].Time.UnixNano() {
		t.Fatalf("old and new: %v, %v", rs, err)
	}
	s.Close()
	// Trimming removes old records and their index entries.
	s = authz.NewStore(db, authz.StoreOptions{MaxCount: 3})
	defer s.Close()
	s.Record(decisionAt("newer", when.Add(2*time.Hour)))
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if ids := listIDs(t, s); len(ids) != 3 || ids[0] != want[0].RequestID || ids[2] != "newer" {
		t.Fatalf("after trimming: %v", ids)
	}
	rs, err := s.ByRequestID(ctx, want[1].RequestID)
	if err != nil || len(rs) != 0 {
		t.Fatalf("a trimmed old record is still found: %v, %v", rs, err)
	}
}

// A data file written with compact records (testdata/decisions-compact-v1.db.gz:
// the decisions of sampleDecisions and edgeDecisions, written by the build
// that introduced the format) reads back as exactly what Record renders:
// the stored format of compact records does not drift. Regenerate only
// with a new format version, never over this file:
//
//	IBEMU_WRITE_DECISIONS_FIXTURE=/tmp/d.db go test -run TestStoreReadsCompactDataFile ./internal/authz
func TestStoreReadsCompactDataFile(t *testing.T) {
	want := append(sampleDecisions(t), edgeDecisions(t)...)
	if out := os.Getenv("IBEMU_WRITE_DECISIONS_FIXTURE"); out != "" {
		db, err := storage.Open(out, storage.Options{})
		if err != nil {
			t.Fatal(err)
		}
		s := authz.NewStore(db, authz.StoreOptions{})
		for _, d := range want {
			s.Record(d)
		}
		s.Close()
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		t.Skipf("wrote %s", out)
	}
	readCompactFixture(t, "testdata/decisions-compact-v1.db.gz", want)
}

// A data file written since the index by request id is a block per commit
// (testdata/decisions-bindex.db.gz, written as the test above writes its
// fixture, with IBEMU_WRITE_DECISIONS_FIXTURE) reads back the same.
func TestStoreReadsBlockIndexDataFile(t *testing.T) {
	readCompactFixture(t, "testdata/decisions-bindex.db.gz", append(sampleDecisions(t), edgeDecisions(t)...))
}

// readCompactFixture checks a data file holding the decisions want, the
// allowed ones as compact records.
func readCompactFixture(t *testing.T, path string, want []*authz.Decision) {
	t.Helper()
	ctx := context.Background()
	db := openFixture(t, path)
	s := authz.NewStore(db, authz.StoreOptions{})
	defer s.Close()
	listed, _, err := s.List(ctx, authz.Filter{}, "", 0)
	if err != nil || len(listed) != len(want) {
		t.Fatalf("listed %d (%v), want %d", len(listed), err, len(want))
	}
	compact := 0
	for _, d := range want {
		rs, err := s.ByRequestID(ctx, d.RequestID)
		if err != nil || len(rs) != 1 {
			t.Fatalf("%s: %v, %v", d.RequestID, rs, err)
		}
		got := proto.Clone(rs[0]).(*adminv1.Decision)
		got.Id = ""
		// The request's tags come from a map: aws:TagKeys lists them in
		// the order the map gave when the file was written.
		w := d.Record()
		for _, r := range []*adminv1.Decision{got, w} {
			for _, e := range r.GetContext() {
				if e.GetKey() == "aws:TagKeys" {
					slices.Sort(e.Values)
				}
			}
		}
		if !proto.Equal(got, w) {
			t.Errorf("%s: read\n%v\nwant\n%v", d.RequestID, got, w)
		}
		if d.Outcome == policy.Allowed {
			compact++
		}
	}
	if compact != 6 {
		t.Fatalf("%d allowed (compact) records, want 6", compact)
	}
	// New records join the file's under the same request id, and trimming
	// removes old ones.
	s.Record(decisionAt(want[0].RequestID, when.Add(time.Hour)))
	s.Record(decisionAt("new", when.Add(time.Hour)))
	if rs, err := s.ByRequestID(ctx, want[0].RequestID); err != nil || len(rs) != 2 || rs[0].GetTimeUnixNano() != want[0].Time.UnixNano() {
		t.Fatalf("old and new: %v, %v", rs, err)
	}
	s.Close()
	s = authz.NewStore(db, authz.StoreOptions{MaxCount: 3})
	defer s.Close()
	s.Record(decisionAt("newer", when.Add(2*time.Hour)))
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if ids := listIDs(t, s); len(ids) != 3 || ids[0] != want[0].RequestID || ids[2] != "newer" {
		t.Fatalf("after trimming: %v", ids)
	}
	for _, d := range want[1:] {
		if rs, err := s.ByRequestID(ctx, d.RequestID); err != nil || len(rs) != 0 {
			t.Fatalf("%s: a trimmed record is still found: %v, %v", d.RequestID, rs, err)
		}
	}
	if rs, err := s.ByRequestID(ctx, "new"); err != nil || len(rs) != 1 {
		t.Fatalf("new: %v, %v", rs, err)
	}
}

// openFixture opens a copy of a gzipped data file.
func openFixture(t *testing.T, name string) *storage.DB {
	t.Helper()
	gz, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer gz.Close()
	zr, err := gzip.NewReader(gz)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "fixture.db")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := storage.Open(path, storage.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// The in-memory ring returns a request's decisions oldest first, also
// across its wrap-around, and forgets evicted and cleared ones.
func TestLogRingOrder(t *testing.T) {
	log := authz.NewLog(3)
	for i, id := range []string{"a", "b", "a", "a", "c"} {
		log.Record(&authz.Decision{RequestID: id, Action: fmt.Sprintf("x:%d", i)})
	}
	var got []string
	for _, d := range log.ByRequestID("a") {
		got = append(got, d.Action)
	}
	if fmt.Sprint(got) != "[x:2 x:3]" {
		t.Fatalf("a: %v", got)
	}
	if ds := log.ByRequestID("b"); len(ds) != 0 {
		t.Fatalf("b survived eviction: %v", ds)
	}
	log.Clear()
	if ds := log.ByRequestID("c"); len(ds) != 0 {
		t.Fatalf("c survived Clear: %v", ds)
	}
}

// A decision the log dropped (here: recorded after Close, so never queued)
// is still explained from the in-memory ring when it is newer than what
// the log keeps; retention hides only what is at or before the oldest kept.
func TestStoreExplainsDroppedFromRing(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t, authz.StoreOptions{MaxCount: 5})
	for i := 0; i < 7; i++ {
		s.Record(decisionAt(fmt.Sprintf("r%04d", i), when.Add(time.Duration(i)*time.Millisecond)))
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s.Record(decisionAt("late", when.Add(time.Second)))
	s.Record(decisionAt("early", when.Add(-time.Second)))
	if s.Dropped() != 2 {
		t.Fatalf("dropped %d, want 2", s.Dropped())
	}
	rs, err := s.ByRequestID(ctx, "late")
	if err != nil || len(rs) != 1 || rs[0].GetRequestId() != "late" {
		t.Fatalf("late (dropped, newer than the log): %v %v", rs, err)
	}
	if rs, err := s.ByRequestID(ctx, "early"); err != nil || len(rs) != 0 {
		t.Fatalf("early (dropped, older than the oldest kept): %v %v", rs, err)
	}
}
