package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/ibemu/ibemu/cmd/loadgen/internal/baseline"
)

func TestSpread(t *testing.T) {
	xs := []float64{0.9, 0.7, 1.1, 0.8}
	lo, mid, hi := spread(xs)
	if lo != 0.7 || hi != 1.1 || mid < 0.8499 || mid > 0.8501 {
		t.Errorf("even count: %v %v %v, want 0.7 0.85 1.1", lo, mid, hi)
	}
	if !slices.Equal(xs, []float64{0.9, 0.7, 1.1, 0.8}) {
		t.Errorf("the input was reordered: %v", xs)
	}
	dlo, dmid, dhi := spread([]time.Duration{30, -5, 12})
	if dlo != -5 || dmid != 12 || dhi != 30 {
		t.Errorf("odd count: %v %v %v, want -5 12 30", dlo, dmid, dhi)
	}
	if lo, mid, hi := spread([]float64{2}); lo != 2 || mid != 2 || hi != 2 {
		t.Errorf("one: %v %v %v", lo, mid, hi)
	}
	if lo, mid, hi := spread[time.Duration](nil); lo != 0 || mid != 0 || hi != 0 {
		t.Errorf("none: %v %v %v", lo, mid, hi)
	}
}

// phase is a measured phase of n requests in d, with cpu server time
// (unknown when negative).
func phase(n int, d, cpu time.Duration) result {
	r := result{requests: n, elapsed: d, cpu: cpu, cpuKnown: cpu >= 0}
	for range n {
		r.latencies = append(r.latencies, time.Millisecond)
	}
	return r
}

// Rounds are paired by their order: the ratio and difference of each
// round, not of the totals.
func TestPairedRounds(t *testing.T) {
	var ref, emu result
	// Round 1: the replay 1000/s at 100 µs, the emulator 800/s at 130 µs.
	ref.add(phase(1000, time.Second, 100*time.Millisecond))
	emu.add(phase(800, time.Second, 104*time.Millisecond))
	// Round 2: both slower (a busy neighbour), the emulator's extra the
	// same.
	ref.add(phase(500, time.Second, 75*time.Millisecond))
	emu.add(phase(450, time.Second, 81*time.Millisecond))
	ratios, diffs := pairedRounds(&ref, &emu)
	if len(ratios) != 2 || ratios[0] != 0.8 || ratios[1] != 0.9 {
		t.Errorf("ratios %v, want [0.8 0.9]", ratios)
	}
	if !slices.Equal(diffs, []time.Duration{30 * time.Microsecond, 30 * time.Microsecond}) {
		t.Errorf("differences %v, want [30µs 30µs]", diffs)
	}
	// The totals are still the sums.
	if ref.requests != 1500 || emu.cpu != 185*time.Millisecond || len(emu.latencies) != 1250 {
		t.Errorf("totals: %d requests, %v CPU, %d latencies", ref.requests, emu.cpu, len(emu.latencies))
	}

	// A round with no CPU time read has a ratio and no difference; one
	// where the reference served nothing has neither; one where the
	// emulator served nothing has a ratio (0) and no difference.
	ref.add(phase(1000, time.Second, -1))
	emu.add(phase(1000, time.Second, 150*time.Millisecond))
	ref.add(phase(0, time.Second, 0))
	emu.add(phase(900, time.Second, 90*time.Millisecond))
	ref.add(phase(1000, time.Second, 70*time.Millisecond))
	emu.add(phase(0, time.Second, 0))
	ratios, diffs = pairedRounds(&ref, &emu)
	if !slices.Equal(ratios, []float64{0.8, 0.9, 1, 0}) || len(diffs) != 2 {
		t.Errorf("ratios %v, differences %v", ratios, diffs)
	}
}

// The variant's client names the components in turn by the phase's
// sequence number, whichever of the clients sends the request: every
// component equally often, and never the same one twice in a row.
func TestGetOpRotates(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	next := baseline.HandlerWith(`{"requestId":"r","component":{"name":"x"}}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.URL.Query().Get("componentBuildVersionArn")]++
		mu.Unlock()
		next.ServeHTTP(w, r)
	}))
	defer srv.Close()
	const count, per, n = 64, 5, 8
	var arns []string
	for k := range count {
		arns = append(arns, fmt.Sprintf("arn:aws:imagebuilder:us-east-1:%s:component/lg-get-x-%02d/1.0.0/1", account, k))
	}
	creds := credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")
	op := getOp(srv.URL, creds, arns, n)
	r := drive(context.Background(), n, bounds{requests: count * per, duration: time.Minute}, 0, op)
	if r.errors != 0 || r.requests != count*per {
		t.Fatalf("%d requests, %d errors (%v)", r.requests, r.errors, r.firstErr)
	}
	if len(seen) != count {
		t.Errorf("%d components named, want %d", len(seen), count)
	}
	for _, arn := range arns {
		if seen[arn] != per {
			t.Errorf("%s named %d times, want %d", arn, seen[arn], per)
		}
	}

	// Request i's component, by sequence number: consecutive requests
	// differ; with one component, it is always the one.
	seq := &recordingGet{}
	op = getOp(seq.start(t), creds, arns, 1)
	for i := 1; i <= 2*count; i++ {
		if err := op(context.Background(), 0, i); err != nil {
			t.Fatal(err)
		}
	}
	got := seq.got()
	if len(got) != 2*count {
		t.Fatalf("%d requests received, want %d", len(got), 2*count)
	}
	for i, arn := range got {
		if want := arns[(i+1)%count]; arn != want {
			t.Fatalf("request %d named %s, want %s", i+1, arn, want)
		}
	}
	one := &recordingGet{}
	op = getOp(one.start(t), creds, arns[:1], 1)
	for i := 1; i <= 3; i++ {
		if err := op(context.Background(), 0, i); err != nil {
			t.Fatal(err)
		}
	}
	if got := one.got(); !slices.Equal(got, []string{arns[0], arns[0], arns[0]}) {
		t.Errorf("one component: %v", got)
	}
}

// recordingGet is a do-nothing server recording the ARNs of the
// GetComponent requests it receives, in order (one client).
type recordingGet struct {
	mu   sync.Mutex
	arns []string
}

func (g *recordingGet) start(t *testing.T) string {
	next := baseline.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		g.arns = append(g.arns, r.URL.Query().Get("componentBuildVersionArn"))
		g.mu.Unlock()
		next.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func (g *recordingGet) got() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.arns)
}

// TestCPUStep: the CPU figure's uncertainty is one 10 ms tick per phase,
// spread over the requests.
func TestCPUStep(t *testing.T) {
	var r result
	if got := r.cpuStep(); got != 0 {
		t.Fatalf("no requests: %v, want 0", got)
	}
	r.add(result{requests: 10000, cpuKnown: true})
	if got, want := r.cpuStep(), time.Microsecond; got != want {
		t.Fatalf("one phase of 10,000: %v, want %v", got, want)
	}
	r.add(result{requests: 10000, cpuKnown: true})
	if got, want := r.cpuStep(), time.Microsecond; got != want {
		t.Fatalf("two phases of 10,000: %v, want %v (two ticks over 20,000)", got, want)
	}
	r.add(result{requests: 20000, cpuKnown: true})
	if got, want := r.cpuStep(), 750*time.Nanosecond; got != want {
		t.Fatalf("three phases, 40,000: %v, want %v", got, want)
	}
}
