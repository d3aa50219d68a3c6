package main

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"

	"github.com/ibemu/ibemu/emulator"
)

const (
	// account holds everything the scenarios create; smallAccount a few
	// components, to show a list page does not depend on the total.
	account      = "111122223333"
	smallAccount = "444455556666"
	document     = "name: loadgen\nschemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: Hello\n        action: ExecuteBash\n        inputs:\n          commands:\n            - echo hello\n"
)

type tool struct {
	ctx      context.Context
	o        options
	out      io.Writer
	tmp      string
	emuBin   string
	baseBin  string
	baseline *process
	// seeded is a data file holding o.resources components (scenario c's
	// setup, reused by d and e).
	seeded  string
	verdict []string
	runs    int
}

func newTool(ctx context.Context, o options, out io.Writer) (*tool, error) {
	tmp, err := os.MkdirTemp("", "loadgen-")
	if err != nil {
		return nil, err
	}
	t := &tool{ctx: ctx, o: o, out: out, tmp: tmp, emuBin: o.emulatorBin, baseBin: o.baselineBin}
	began := time.Now()
	// The two builds run side by side: the emulator's link dominates.
	var baseErr error
	var wg sync.WaitGroup
	if t.baseBin == "" {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.baseBin, baseErr = build(ctx, tmp, "github.com/ibemu/ibemu/cmd/loadgen/baseline-server", "baseline-server")
		}()
	}
	if t.o.endpoint == "" && t.emuBin == "" {
		t.emuBin, err = build(ctx, tmp, "github.com/ibemu/ibemu/cmd/emulator", "emulator")
	}
	wg.Wait()
	if err = cmp.Or(err, baseErr); err != nil {
		t.close()
		return nil, err
	}
	if o.baselineBin == "" || (o.endpoint == "" && o.emulatorBin == "") {
		t.printf("built the servers in %s\n", time.Since(began).Round(time.Millisecond))
	}
	return t, nil
}

func (t *tool) close() {
	if t.baseline != nil {
		t.baseline.stop()
	}
	_ = os.RemoveAll(t.tmp)
}

func (t *tool) printf(format string, args ...any) { fmt.Fprintf(t.out, format, args...) }

// aim records whether an aim was met (smoke runs judge nothing).
func (t *tool) aim(met bool, format string, args ...any) {
	if t.o.smoke {
		return
	}
	mark := "met    "
	if !met {
		mark = "NOT MET"
	}
	line := mark + "  " + fmt.Sprintf(format, args...)
	t.verdict = append(t.verdict, line)
	t.printf("  aim: %s\n", line)
}

// notJudged records an aim the run's figures cannot decide (smoke runs
// judge nothing).
func (t *tool) notJudged(format string, args ...any) {
	if t.o.smoke {
		return
	}
	line := "not judged  " + fmt.Sprintf(format, args...)
	t.verdict = append(t.verdict, line)
	t.printf("  aim: %s\n", line)
}

func (t *tool) runAll() error {
	t.printf("loadgen: %d CPUs, %s, GOMAXPROCS %d\n", numCPU(), goVersion(), gomaxprocs())
	var err error
	if t.baseline, err = t.startBaseline(); err != nil {
		return err
	}
	for _, s := range strings.Split(t.o.scenarios, ",") {
		var err error
		switch strings.TrimSpace(s) {
		case "a":
			err = t.scenarioA()
		case "v":
			err = t.scenarioV()
		case "b":
			err = t.scenarioB()
		case "c":
			err = t.scenarioC()
		case "d":
			err = t.scenarioD()
		case "e":
			err = t.scenarioE()
		case "":
			continue
		default:
			err = fmt.Errorf("unknown scenario %q", s)
		}
		if err != nil {
			return fmt.Errorf("scenario %s: %w", s, err)
		}
	}
	if len(t.verdict) > 0 {
		t.printf("\nsummary\n")
		for _, v := range t.verdict {
			t.printf("  %s\n", v)
		}
	}
	return nil
}

func (t *tool) startBaseline() (*process, error) {
	return start(t.ctx, []string{t.baseBin}, func(a string) []string { return []string{"--http", a} }, "/_emulator/health")
}

// startEmulator starts the built emulator on a data file (fsync on, as
// served by default).
func (t *tool) startEmulator(data string) (*process, error) {
	argv := []string{t.emuBin, "serve", "--grpc", "127.0.0.1:0", "--data", data, "--log-level", "error"}
	return start(t.ctx, argv, func(a string) []string { return []string{"--http", a} }, "/_emulator/health")
}

func (t *tool) freshData() string {
	t.runs++
	return filepath.Join(t.tmp, fmt.Sprintf("run%d", t.runs), "emulator.db")
}

// target is the emulator a load scenario drives: one the tool started, or
// the -endpoint one.
func (t *tool) target() (endpoint string, pid int, stop func(), err error) {
	if t.o.endpoint != "" {
		return t.o.endpoint, t.o.pid, func() {}, nil
	}
	p, err := t.startEmulator(t.freshData())
	if err != nil {
		return "", 0, nil, err
	}
	return p.endpoint, p.pid(), p.stop, nil
}

func rootCreds(secret, acct string) aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(acct, secret, "")
}

// server is one side of a comparison: its endpoint and, when the tool can
// read it, its process id.
type server struct {
	endpoint string
	pid      int
}

// compare drives the baseline and the emulator in turns, o.rounds times,
// with the same client built by mk, after a warm-up of each.
func (t *tool) compare(n int, emuEndpoint string, emuPid int, mk func(endpoint string) func(ctx context.Context, w, i int) error) (base, emu result) {
	r := t.compareAll(n, []server{{t.baseline.endpoint, t.baseline.pid()}, {emuEndpoint, emuPid}}, mk)
	return r[0], r[1]
}

// compareAll drives the servers in turns, o.rounds times (rotating which
// goes first), with the same client built by mk, after a warm-up of each.
func (t *tool) compareAll(n int, servers []server, mk func(endpoint string) func(ctx context.Context, w, i int) error) []result {
	ops := make([]func(context.Context, int, int) error, len(servers))
	for i, s := range servers {
		ops[i] = mk(s.endpoint)
	}
	warm := bounds{requests: min(200, max(t.o.requests/10, 20)), duration: time.Second}
	for _, op := range ops {
		drive(t.ctx, n, warm, 0, op)
	}
	per := bounds{requests: t.o.requests / t.o.rounds, duration: t.o.duration / time.Duration(t.o.rounds)}
	res := make([]result, len(servers))
	for r := range t.o.rounds {
		// Each round starts with the next server, so that no server always
		// follows the same one (whose garbage, connections or load burst
		// it might inherit).
		for k := range servers {
			i := (r + k) % len(servers)
			res[i].add(drive(t.ctx, n, per, servers[i].pid, ops[i]))
		}
	}
	return res
}

// row is one line of a results table.
type row struct {
	name string
	r    *result
}

func (t *tool) table(base, emu result) {
	t.rows([]row{{"baseline", &base}, {"emulator", &emu}})
	t.versus("baseline", "", base, emu)
}

func (t *tool) rows(rows []row) {
	t.printf("  %-9s %8s %8s %10s %10s %10s %10s %12s\n", "server", "requests", "errors", "req/s", "p50", "p90", "p99", "max")
	for _, x := range rows {
		t.printf("  %-9s %8d %8d %10.0f %10s %10s %10s %12s\n", x.name, x.r.requests, x.r.errors, x.r.throughput(),
			ms(x.r.percentile(50)), ms(x.r.percentile(90)), ms(x.r.percentile(99)), ms(x.r.percentile(100)))
		if x.r.firstErr != nil {
			t.printf("  %-9s first error: %v\n", "", x.r.firstErr)
		}
	}
}

// versus prints the emulator's figures against one baseline server, name
// (its row in the table), described by what (empty: nothing printed).
func (t *tool) versus(name, what string, base, emu result) {
	if what != "" {
		t.printf("  against %s:\n", what)
	}
	if base.throughput() > 0 {
		t.printf("  throughput ratio emulator/%s: %.2f\n", name, emu.throughput()/base.throughput())
	}
	if base.cpuKnown && emu.cpuKnown {
		t.printf("  server CPU per request: %s %s, emulator %s (%s; each within %s)\n", name, us(base.cpuPerRequest()), us(emu.cpuPerRequest()), signed(us, emu.cpuPerRequest()-base.cpuPerRequest()), us(max(base.cpuStep(), emu.cpuStep())))
	}
	if base.clientCPU > 0 && emu.clientCPU > 0 {
		// The client's own work depends on the answer it decodes; on
		// shared cores it moves the throughput ratio as the server's does.
		t.printf("  client CPU per request: against %s %s, against the emulator %s\n", name, us(base.clientCPUPerRequest()), us(emu.clientCPUPerRequest()))
	}
}

// scenarioA: GetComponent by an IAM user with ten attached managed policies,
// 8 clients, every request the same.
func (t *tool) scenarioA() error {
	t.printf("\n(a) GetComponent as an IAM user with ten attached policies, 8 clients\n")
	return t.getComponents("a", "(a)", 1)
}

// variedComponents is how many components scenario v's requests rotate
// among.
const variedComponents = 64

// scenarioV is scenario a with requests that rotate among variedComponents
// components, all allowed by the same ten policies: the enforcer evaluates
// the user's policies for every request, where scenario a's mostly reuse a
// decision.
//
// The reuse (internal/authz, Enforcer.decideOne) keeps one decision per
// caller: its last allowed, evaluated one, and reuses it for a request with
// the same base context (the caller's global keys, built anew each second),
// the same action and the same resource, compared by pointer (a Kept
// resource: the resolver's shared answer for one cached record). Every
// evaluated decision replaces it. Here request i of a phase (drive's
// sequence number, shared by the 8 clients: no lock of its own) names
// component i mod variedComponents, so the decision the caller keeps when
// request i is decided is, but for a stall, that of one of the few requests
// just before it, on another component. A reuse would need a request at
// least variedComponents earlier to have been the last one evaluated: all
// the 63 or more issued between them decided before it, while at most 8
// are in flight. The reuse is counted nowhere: internal/authz's memo tests
// see it as a decision sharing its predecessor's context; server-side CPU
// profiles (emulator serve --cpu-profile) of the two scenarios show it:
// decideOne, with policy.Evaluate under it, weighs about three times as
// much per request here as in a.
//
// Input validation keeps values that matched a member's pattern in a
// table by hash (internal/apimodel, Shape.MatchPattern): the 64 ARNs are
// found there as a's one is, but for those that share a slot, which run
// the ARN's regular expression again. The memos kept per record (the read
// cache, the resolver's kept answer, the frozen answer encodings) serve
// each of the components as they serve a's one,
// and the signature's kept hash prefixes are the same for all of them (the
// names differ after the first 128 bytes of the canonical request).
func (t *tool) scenarioV() error {
	t.printf("\n(v) GetComponent as an IAM user like a's (ten policies), rotating among %d components, 8 clients\n", variedComponents)
	return t.getComponents("v", "(a, varied resources)", variedComponents)
}

// getComponents measures GetComponent by an IAM user with ten attached
// policies, 8 clients, on count components in turn (getOp); label names
// its aims.
func (t *tool) getComponents(letter, label string, count int) error {
	endpoint, pid, stop, err := t.target()
	if err != nil {
		return err
	}
	defer stop()
	creds, arns, err := setupUser(t.ctx, endpoint, t.o.rootSecret, count)
	if err != nil {
		return err
	}
	const n = 8
	mk := func(ep string) func(context.Context, int, int) error { return getOp(ep, creds, arns, n) }
	// The do-nothing server's small answer costs the client less to decode
	// than the emulator's component, and the kernel less to deliver: the
	// aims compare with a do-nothing server that answers the emulator's
	// own answer, recorded once here, so that they measure the emulator's
	// work rather than the answer's size.
	replay, err := t.startReplay(endpoint, creds, arns, letter)
	if err != nil {
		return err
	}
	defer replay.stop()
	r := t.compareAll(n, []server{{t.baseline.endpoint, t.baseline.pid()}, {replay.endpoint, replay.pid()}, {endpoint, pid}}, mk)
	base, same, emu := r[0], r[1], r[2]
	t.rows([]row{{"baseline", &base}, {"replay", &same}, {"emulator", &emu}})
	t.versus("baseline", "the do-nothing server's small answer (baseline)", base, emu)
	t.versus("replay", "the do-nothing server answering the emulator's own answer (replay; the aims)", same, emu)
	t.perRound(&same, &emu)
	if emu.errors > 0 || base.errors > 0 || same.errors > 0 {
		return fmt.Errorf("requests failed: baseline %d, replay %d, emulator %d", base.errors, same.errors, emu.errors)
	}
	ratio := emu.throughput() / same.throughput()
	t.aim(ratio >= 0.9, "%s throughput ≥ 0.9 of the replay's: %.2f (%.2f of the small answer's)", label, ratio, emu.throughput()/base.throughput())
	if emu.cpuKnown && same.cpuKnown {
		extra := emu.cpuPerRequest() - same.cpuPerRequest()
		const margin = 25 * time.Microsecond
		if step := emu.cpuStep() + same.cpuStep(); step > margin/5 {
			// Too few requests for the 10 ms clock to tell.
			t.notJudged("%s server CPU per request ≤ the replay's + 25 µs: %s, but the CPU clock's ticks allow ±%s over %d and %d requests", label, signed(us, extra), us(step), emu.requests, same.requests)
		} else {
			t.aim(extra <= margin, "%s server CPU per request ≤ the replay's + 25 µs: %s (%s over the small answer's)", label, signed(us, extra), signed(us, emu.cpuPerRequest()-base.cpuPerRequest()))
		}
	}
	t.aim(emu.percentile(99) < 5*time.Millisecond, "%s p99 < 5 ms: %s (baseline's own: %s, replay's: %s)", label, ms(emu.percentile(99)), ms(base.percentile(99)), ms(same.percentile(99)))
	return nil
}

// perRound prints the rounds of emu against ref's, paired (pairedRounds):
// how far a single round's figures swing, beside the totals the aims judge.
// A single round's figures are the totals: nothing is printed.
func (t *tool) perRound(ref, emu *result) {
	ratios, diffs := pairedRounds(ref, emu)
	if len(ratios) < 2 {
		return
	}
	lo, mid, hi := spread(ratios)
	t.printf("  per round (%d): throughput ratio %.2f / %.2f / %.2f", len(ratios), lo, mid, hi)
	within := ""
	if len(diffs) > 0 {
		dlo, dmid, dhi := spread(diffs)
		// A round's difference is within two ticks over its requests.
		step := 2 * time.Second / clockTicks / time.Duration(max(min(ref.requests, emu.requests)/len(ratios), 1))
		t.printf(", server CPU difference %s / %s / %s", signed(us, dlo), signed(us, dmid), signed(us, dhi))
		within = "; each difference within " + us(step)
	}
	t.printf(" (min / median / max%s)\n", within)
}

// getOp is a client of the endpoint sending GetComponent for arns in turn:
// the phase's request i names arns[i mod len(arns)], so that consecutive
// requests name different components (when there are several), whichever
// client sends them.
func getOp(endpoint string, creds aws.CredentialsProvider, arns []string, conns int) func(context.Context, int, int) error {
	c := imagebuilder.NewFromConfig(sdkConfig(endpoint, creds, conns))
	ins := make([]*imagebuilder.GetComponentInput, len(arns))
	for k, arn := range arns {
		ins[k] = &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(arn)}
	}
	return func(ctx context.Context, _, i int) error {
		_, err := c.GetComponent(ctx, ins[i%len(ins)])
		return err
	}
}

// startReplay records the emulator's answers to GetComponent of each of
// arns, which must all have the same length (one is replayed for all), and
// starts a do-nothing server that answers the first to every request.
func (t *tool) startReplay(endpoint string, creds aws.CredentialsProvider, arns []string, letter string) (*process, error) {
	cfg := sdkConfig(endpoint, creds, 1)
	var body, first []byte
	cfg.HTTPClient = &http.Client{Transport: recordBody{next: cfg.HTTPClient.(*http.Client).Transport, into: &body}}
	c := imagebuilder.NewFromConfig(cfg)
	for _, arn := range arns {
		if _, err := c.GetComponent(t.ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(arn)}); err != nil {
			return nil, fmt.Errorf("recording the emulator's answer: %w", err)
		}
		if first == nil {
			first = body
		} else if len(body) != len(first) {
			return nil, fmt.Errorf("the emulator's answers differ in length (%d and %d bytes): one replay would not stand for them", len(first), len(body))
		}
	}
	file := filepath.Join(t.tmp, "replay-"+letter+".json")
	if err := os.WriteFile(file, first, 0o600); err != nil {
		return nil, err
	}
	return start(t.ctx, []string{t.baseBin, "--answer", file}, func(a string) []string { return []string{"--http", a} }, "/_emulator/health")
}

// recordBody is a transport keeping a copy of the last answer's body.
type recordBody struct {
	next http.RoundTripper
	into *[]byte
}

func (r recordBody) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	*r.into = b
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, nil
}

// scenarioB: CreateComponent, durable writes (the emulator's default), 16
// clients, each request a new component.
func (t *tool) scenarioB() error {
	t.printf("\n(b) CreateComponent with durable writes (fsync on), 16 clients\n")
	endpoint, pid, stop, err := t.target()
	if err != nil {
		return err
	}
	defer stop()
	const n = 16
	run := time.Now().UnixNano()
	var seq atomic.Int64
	base, emu := t.compare(n, endpoint, pid, func(ep string) func(context.Context, int, int) error {
		c := imagebuilder.NewFromConfig(sdkConfig(ep, rootCreds(t.o.rootSecret, account), n))
		return func(ctx context.Context, _, _ int) error {
			_, err := c.CreateComponent(ctx, &imagebuilder.CreateComponentInput{
				Name: aws.String(fmt.Sprintf("lg-%x-%d", run, seq.Add(1))), SemanticVersion: aws.String("1.0.0"),
				Platform: types.PlatformLinux, Data: aws.String(document),
			})
			return err
		}
	})
	t.table(base, emu)
	if emu.errors > 0 || base.errors > 0 {
		return fmt.Errorf("requests failed: baseline %d, emulator %d", base.errors, emu.errors)
	}
	t.aim(emu.throughput() >= 1500, "(b) ≥ 1,500 durable creates/s at 16 clients: %.0f/s (%.2f of the baseline)", emu.throughput(), emu.throughput()/base.throughput())
	return nil
}

// seed returns a data file with o.resources components in account and ten
// in smallAccount, made once: by an in-process emulator without fsync (a
// setup step, not a measurement), with the SDK from 16 clients.
func (t *tool) seed() (string, error) {
	if t.seeded != "" {
		return t.seeded, nil
	}
	path := filepath.Join(t.tmp, "seeded", "emulator.db")
	began := time.Now()
	emu, err := emulator.Start(t.ctx, emulator.Config{HTTPAddr: "127.0.0.1:0", GRPCAddr: "127.0.0.1:0", DataPath: path,
		NoSync: true, Enforce: "off", DecisionLogInMemory: true, ScheduleInterval: -1})
	if err != nil {
		return "", err
	}
	defer emu.Close(context.Background())
	if err := createComponents(t.ctx, emu.AWSConfig(smallAccount), 10, 2); err != nil {
		return "", err
	}
	if err := createComponents(t.ctx, emu.AWSConfig(account), t.o.resources, 16); err != nil {
		return "", err
	}
	if err := emu.Close(context.Background()); err != nil {
		return "", err
	}
	st, _ := os.Stat(path)
	t.printf("  seeded %d components in %s (data file %.1f MiB)\n", t.o.resources, time.Since(began).Round(time.Millisecond), float64(st.Size())/(1<<20))
	t.seeded = path
	return path, nil
}

func createComponents(ctx context.Context, cfg aws.Config, count, workers int) error {
	c := imagebuilder.NewFromConfig(cfg)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(count) {
					return
				}
				_, err := c.CreateComponent(ctx, &imagebuilder.CreateComponentInput{
					Name: aws.String(fmt.Sprintf("c%06d", i)), SemanticVersion: aws.String("1.0.0"),
					Platform: types.PlatformLinux, Data: aws.String(document),
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// scenarioC: the first ListComponents page (25, the default) among
// o.resources components, one client, beside the same page of an account
// with ten.
func (t *tool) scenarioC() error {
	t.printf("\n(c) ListComponents, first page, one client: %d components in the account vs 10\n", t.o.resources)
	if t.o.endpoint != "" {
		return fmt.Errorf("needs the tool to start the emulator (no -endpoint): it seeds a data file")
	}
	data, err := t.seed()
	if err != nil {
		return err
	}
	p, err := t.startEmulator(data)
	if err != nil {
		return err
	}
	defer p.stop()
	list := func(acct string) func(ep string) func(context.Context, int, int) error {
		return func(ep string) func(context.Context, int, int) error {
			c := imagebuilder.NewFromConfig(sdkConfig(ep, rootCreds(t.o.rootSecret, acct), 1))
			return func(ctx context.Context, _, _ int) error {
				out, err := c.ListComponents(ctx, &imagebuilder.ListComponentsInput{})
				if err == nil && ep != t.baseline.endpoint && len(out.ComponentVersionList) == 0 {
					return fmt.Errorf("empty page")
				}
				return err
			}
		}
	}
	saved := t.o.requests
	t.o.requests = min(saved, 3000)
	defer func() { t.o.requests = saved }()
	base, big := t.compare(1, p.endpoint, p.pid(), list(account))
	t.table(base, big)
	_, small := t.compare(1, p.endpoint, p.pid(), list(smallAccount))
	t.printf("  median page: %d components %s, 10 components %s, baseline %s\n", t.o.resources, ms(big.percentile(50)), ms(small.percentile(50)), ms(base.percentile(50)))
	if big.errors > 0 || small.errors > 0 {
		return fmt.Errorf("requests failed: %v", firstOf(big.firstErr, small.firstErr))
	}
	t.aim(big.percentile(50) < 2*time.Millisecond, "(c) ListComponents page median < 2 ms with %d components: %s (10 components: %s)", t.o.resources, ms(big.percentile(50)), ms(small.percentile(50)))
	return nil
}

func firstOf(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// scenarioD: start-up to the first healthy answer, median of o.startups.
func (t *tool) scenarioD() error {
	t.printf("\n(d) start-up to a healthy answer (median of %d)\n", t.o.startups)
	if t.o.endpoint != "" {
		return fmt.Errorf("needs the tool to start the servers (no -endpoint)")
	}
	data, err := t.seed()
	if err != nil {
		return err
	}
	var base, empty, full []time.Duration
	for range t.o.startups {
		for _, x := range []struct {
			into  *[]time.Duration
			start func() (*process, error)
		}{
			{&base, t.startBaseline},
			{&empty, func() (*process, error) { return t.startEmulator(t.freshData()) }},
			{&full, func() (*process, error) { return t.startEmulator(data) }},
		} {
			p, err := x.start()
			if err != nil {
				return err
			}
			*x.into = append(*x.into, p.startup)
			p.stop()
		}
	}
	b, e, f := median(base), median(empty), median(full)
	t.printf("  baseline %s, emulator empty %s (%s), emulator with %d components %s (%s)\n", ms(b), ms(e), signed(ms, e-b), t.o.resources, ms(f), signed(ms, f-b))
	t.aim(e-b <= 10*time.Millisecond, "(d) start-up, empty data file, within 10 ms of the baseline: %s", signed(ms, e-b))
	t.aim(f-b <= 50*time.Millisecond, "(d) start-up with %d components within 50 ms of the baseline: %s", t.o.resources, signed(ms, f-b))
	return nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return percentile(s, 50)
}

// scenarioE: resident memory, idle after start (empty data file), and with
// o.resources components after serving list pages and reads of them.
func (t *tool) scenarioE() error {
	t.printf("\n(e) resident memory (VmRSS; VmHWM is the peak)\n")
	if t.o.endpoint != "" {
		return fmt.Errorf("needs the tool to start the servers (no -endpoint)")
	}
	data, err := t.seed()
	if err != nil {
		return err
	}
	idle := func(p *process) (int64, int64, error) {
		// Idle: a second after the first answer, with one signed request
		// served (what a test suite's first call costs).
		c := imagebuilder.NewFromConfig(sdkConfig(p.endpoint, rootCreds(t.o.rootSecret, account), 1))
		if _, err := c.ListComponents(t.ctx, &imagebuilder.ListComponentsInput{}); err != nil && p != t.baseline {
			return 0, 0, err
		}
		idleFor := time.Second
		if t.o.smoke {
			idleFor = 100 * time.Millisecond
		}
		time.Sleep(idleFor)
		return memory(p.pid())
	}
	bRSS, _, err := idle(t.baseline)
	if err != nil {
		return err
	}
	p, err := t.startEmulator(t.freshData())
	if err != nil {
		return err
	}
	eRSS, eHWM, err := idle(p)
	p.stop()
	if err != nil {
		return err
	}
	floor, err := t.initFloor()
	if err != nil {
		return err
	}
	p, err = t.startEmulator(data)
	if err != nil {
		return err
	}
	defer p.stop()
	c := imagebuilder.NewFromConfig(sdkConfig(p.endpoint, rootCreds(t.o.rootSecret, account), 1))
	var token *string
	pages := 0
	for pages < 200 {
		out, err := c.ListComponents(t.ctx, &imagebuilder.ListComponentsInput{NextToken: token})
		if err != nil {
			return err
		}
		pages++
		if token = out.NextToken; token == nil {
			break
		}
	}
	fRSS, fHWM, err := memory(p.pid())
	if err != nil {
		return err
	}
	t.printf("  baseline idle %s; emulator idle %s (peak %s); with %d components, after %d list pages %s (peak %s)\n",
		mib(bRSS), mib(eRSS), mib(eHWM), t.o.resources, pages, mib(fRSS), mib(fHWM))
	t.printf("  the emulator's binary with its packages initialised and nothing else done: %s\n", mib(floor))
	t.aim(eRSS < 15<<20, "(e) idle RSS < 15 MiB: %s (of which package initialisation: %s)", mib(eRSS), mib(floor))
	t.aim(fRSS < 150<<20, "(e) RSS with %d components < 150 MiB: %s", t.o.resources, mib(fRSS))
	return nil
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// setupUser creates, as the account's root user, a component tagged
// team=blue, an IAM user with ten attached customer managed policies
// (several statements each, with conditions) and an access key, and returns
// the key and the component's ARN. Names carry a suffix unique to the run,
// so an -endpoint emulator can be driven again. With count above 1 it
// creates that many components alike (names of the same length, the same
// document and tags, so that their answers have the same length) and
// returns their ARNs in order.
func setupUser(ctx context.Context, endpoint, secret string, count int) (aws.CredentialsProvider, []string, error) {
	cfg := sdkConfig(endpoint, rootCreds(secret, account), 1)
	ib, im := imagebuilder.NewFromConfig(cfg), iam.NewFromConfig(cfg)
	sfx := fmt.Sprintf("%x", time.Now().UnixNano())
	arns := make([]string, count)
	for k := range count {
		name := "lg-get-" + sfx // scenario a's name, as before
		if count > 1 {
			name = fmt.Sprintf("%s-%0*d", name, len(fmt.Sprint(count-1)), k)
		}
		out, err := ib.CreateComponent(ctx, &imagebuilder.CreateComponentInput{
			Name: aws.String(name), SemanticVersion: aws.String("1.0.0"), Platform: types.PlatformLinux,
			Data: aws.String(document), Tags: map[string]string{"team": "blue"},
		})
		if err != nil {
			return nil, nil, err
		}
		arns[k] = aws.ToString(out.ComponentBuildVersionArn)
	}
	user := "lg-alice-" + sfx
	if _, err := im.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(user)}); err != nil {
		return nil, nil, err
	}
	for i := range 10 {
		doc := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[
			{"Sid":"Read%[1]d","Effect":"Allow","Action":["imagebuilder:Get*","imagebuilder:List*"],"Resource":"arn:aws:imagebuilder:*:%[2]s:component/*","Condition":{"StringEquals":{"aws:ResourceTag/team":"blue"}}},
			{"Sid":"Create%[1]d","Effect":"Allow","Action":"imagebuilder:CreateComponent","Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/team":"blue"}}},
			{"Sid":"Net%[1]d","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket-%[1]d/*","Condition":{"IpAddress":{"aws:SourceIp":"10.%[1]d.0.0/16"}}},
			{"Sid":"Iam%[1]d","Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"arn:aws:iam::%[2]s:user/${aws:username}"},
			{"Sid":"Kms%[1]d","Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"2099-01-01T00:00:00Z"}}},
			{"Sid":"List%[1]d","Effect":"Allow","Action":"imagebuilder:ListComponents","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`, i, account)
		p, err := im.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(fmt.Sprintf("lg-%s-p%d", sfx, i)), PolicyDocument: aws.String(doc)})
		if err != nil {
			return nil, nil, err
		}
		if _, err := im.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String(user), PolicyArn: p.Policy.Arn}); err != nil {
			return nil, nil, err
		}
	}
	k, err := im.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(user)})
	if err != nil {
		return nil, nil, err
	}
	creds := credentials.NewStaticCredentialsProvider(aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey), "")
	// The user's first requests prove the key and the policies work, for
	// every component.
	c := imagebuilder.NewFromConfig(sdkConfig(endpoint, creds, 1))
	for _, arn := range arns {
		if _, err := c.GetComponent(ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(arn)}); err != nil {
			return nil, nil, fmt.Errorf("GetComponent of %s as the user: %w", arn, err)
		}
	}
	return creds, arns, nil
}
