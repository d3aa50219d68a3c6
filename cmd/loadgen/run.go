package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ibemu/ibemu/emulator"
)

// bounds limit one measured phase: whichever comes first.
type bounds struct {
	requests int
	duration time.Duration
}

// result is one measured phase against one server.
type result struct {
	requests, errors int
	firstErr         error
	elapsed          time.Duration
	latencies        []time.Duration // sorted
	// cpu is the server's CPU time over the phase; cpuKnown says whether
	// the tool could read it (it started the server, or was given its pid).
	cpu      time.Duration
	cpuKnown bool
	// clientCPU is this process's CPU time over the phase: the SDK clients
	// signing requests and decoding answers, on the same cores as the
	// server (zero when /proc cannot be read).
	clientCPU time.Duration
	// rounds are the figures of each phase added into the result, in
	// order (compareAll: one per round), for paired comparisons.
	rounds []roundFigures
}

// roundFigures are one phase's figures of one server.
type roundFigures struct {
	throughput    float64
	cpuPerRequest time.Duration
	cpuKnown      bool
}

func (r *result) add(o result) {
	r.requests += o.requests
	r.errors += o.errors
	if r.firstErr == nil {
		r.firstErr = o.firstErr
	}
	r.elapsed += o.elapsed
	r.latencies = append(r.latencies, o.latencies...)
	slices.Sort(r.latencies)
	r.cpu += o.cpu
	r.cpuKnown = o.cpuKnown
	r.clientCPU += o.clientCPU
	r.rounds = append(r.rounds, roundFigures{o.throughput(), o.cpuPerRequest(), o.cpuKnown})
}

// pairedRounds pairs the rounds of emu and ref (round k with round k,
// driven seconds apart): per round, emu's throughput over ref's, and emu's
// server CPU per request minus ref's. A round where ref served nothing has
// no ratio; one where either served nothing, or either CPU time is
// unknown, no difference.
func pairedRounds(ref, emu *result) (ratios []float64, diffs []time.Duration) {
	for k := range min(len(ref.rounds), len(emu.rounds)) {
		r, e := ref.rounds[k], emu.rounds[k]
		if r.throughput > 0 {
			ratios = append(ratios, e.throughput/r.throughput)
		}
		if r.cpuKnown && e.cpuKnown && r.throughput > 0 && e.throughput > 0 {
			diffs = append(diffs, e.cpuPerRequest-r.cpuPerRequest)
		}
	}
	return ratios, diffs
}

// spread is the least, the median (the mean of the middle two for an even
// count) and the greatest of xs; zeros for none.
func spread[T ~int64 | ~float64](xs []T) (lo, mid, hi T) {
	if len(xs) == 0 {
		return lo, mid, hi
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	mid = s[n/2]
	if n%2 == 0 {
		mid = (s[n/2-1] + s[n/2]) / 2
	}
	return s[0], mid, s[n-1]
}

func (r *result) throughput() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.requests) / r.elapsed.Seconds()
}

// percentile of the sorted latencies, nearest rank.
func (r *result) percentile(p float64) time.Duration {
	return percentile(r.latencies, p)
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p/100*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// clientCPUPerRequest is the client's CPU time per request (zero when
// unknown).
func (r *result) clientCPUPerRequest() time.Duration {
	if r.requests == 0 {
		return 0
	}
	return r.clientCPU / time.Duration(r.requests)
}

// cpuStep is how far cpuPerRequest may be from the true figure: each
// phase reads the server's CPU time twice in whole clock ticks (10 ms),
// so a phase's difference is off by less than a tick; over the phases
// added in, less than one tick per phase, spread over the requests. Zero
// when there are no requests.
func (r *result) cpuStep() time.Duration {
	if r.requests == 0 {
		return 0
	}
	return time.Duration(max(len(r.rounds), 1)) * time.Second / clockTicks / time.Duration(r.requests)
}

func (r *result) cpuPerRequest() time.Duration {
	if !r.cpuKnown || r.requests == 0 {
		return 0
	}
	return r.cpu / time.Duration(r.requests)
}

// drive runs op from n goroutines until b's count or time is reached, and
// measures each call. pid, when not 0, is the server process whose CPU
// time is read before and after.
func drive(ctx context.Context, n int, b bounds, pid int, op func(ctx context.Context, worker, i int) error) result {
	var next atomic.Int64
	ctx, cancel := context.WithTimeout(ctx, b.duration)
	defer cancel()
	lats := make([][]time.Duration, n)
	errs := make([]int, n)
	var firstErr atomic.Pointer[error]
	var cpu0 time.Duration
	var cpuErr error
	if pid != 0 {
		cpu0, cpuErr = cpuTime(pid)
	}
	self0, selfErr := cpuTime(os.Getpid())
	began := time.Now()
	var wg sync.WaitGroup
	for w := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1))
				if b.requests > 0 && i > b.requests {
					return
				}
				t := time.Now()
				err := op(ctx, w, i)
				d := time.Since(t)
				if err != nil {
					if ctx.Err() != nil {
						return // cut off by the time bound: not counted
					}
					errs[w]++
					firstErr.CompareAndSwap(nil, &err)
					continue
				}
				lats[w] = append(lats[w], d)
			}
		}()
	}
	wg.Wait()
	r := result{elapsed: time.Since(began)}
	if self1, err := cpuTime(os.Getpid()); err == nil && selfErr == nil {
		r.clientCPU = self1 - self0
	}
	if pid != 0 && cpuErr == nil {
		if cpu1, err := cpuTime(pid); err == nil {
			r.cpu, r.cpuKnown = cpu1-cpu0, true
		}
	}
	for w := range n {
		r.latencies = append(r.latencies, lats[w]...)
		r.errors += errs[w]
	}
	r.requests = len(r.latencies)
	slices.Sort(r.latencies)
	if p := firstErr.Load(); p != nil {
		r.firstErr = *p
	}
	return r
}

// sdkConfig is the one client configuration used against every server:
// the SDK's signer and its HTTP stack, with a connection per worker and no
// retries (a failure counts as one).
func sdkConfig(endpoint string, creds aws.CredentialsProvider, conns int) aws.Config {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	tr.MaxIdleConns = 2 * conns
	tr.MaxIdleConnsPerHost = 2 * conns
	return aws.Config{
		Region:       emulator.DefaultRegion,
		Credentials:  creds,
		BaseEndpoint: aws.String(endpoint),
		HTTPClient:   &http.Client{Transport: emulator.ReaderOnlyBodies{Next: tr}},
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

// signed is a difference formatted by f with its sign: "+1.5 ms", "-0.3 ms".
func signed(f func(time.Duration) string, d time.Duration) string {
	if d < 0 {
		return "-" + f(-d)
	}
	return "+" + f(d)
}

func us(d time.Duration) string { return fmt.Sprintf("%.1f µs", float64(d)/float64(time.Microsecond)) }
