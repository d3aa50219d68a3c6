// Command loadgen measures the emulator under load, beside a do-nothing
// HTTP server driven by the same client, so that its figures are ratios
// that hold on a busy machine.
//
//	go run ./cmd/loadgen                      # every scenario, servers started as subprocesses
//	go run ./cmd/loadgen -scenarios a,b       # some of them
//	go run ./cmd/loadgen -smoke               # a few hundred requests, for CI
//	go run ./cmd/loadgen -endpoint http://127.0.0.1:4700 -pid 1234 -scenarios a,b
//	loadgen baseline-server --http 127.0.0.1:0   # the do-nothing server alone
//
// Every request is signed with SigV4 and sent through the AWS SDK for Go v2;
// both servers run as processes of their own (built from ./cmd/emulator and
// ./cmd/loadgen/baseline-server unless -emulator-bin and -baseline-bin name
// binaries), so the CPU time and memory read from /proc/PID are the
// server's alone, and the baseline is a minimal Go program. Only loopback endpoints are
// accepted. BENCHMARKS.md describes the scenarios and records the numbers.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/ibemu/ibemu/cmd/loadgen/internal/baseline"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "baseline-server" {
		os.Exit(baseline.Main(os.Args[2:]))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

type options struct {
	endpoint    string
	pid         int
	emulatorBin string
	baselineBin string
	rootSecret  string
	scenarios   string
	requests    int
	duration    time.Duration
	rounds      int
	resources   int
	startups    int
	smoke       bool
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var o options
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.endpoint, "endpoint", "", "drive this running emulator (loopback `URL`) instead of starting one; scenarios c, d and e need a started one")
	fs.IntVar(&o.pid, "pid", 0, "with -endpoint: the emulator's process id, to read its CPU time and memory from /proc")
	fs.StringVar(&o.emulatorBin, "emulator-bin", "", "emulator `binary` to start (default: go build ./cmd/emulator into a temporary directory)")
	fs.StringVar(&o.baselineBin, "baseline-bin", "", "do-nothing server `binary` to start (default: go build ./cmd/loadgen/baseline-server)")
	fs.StringVar(&o.rootSecret, "root-secret", "test", "the emulator's root secret (with -endpoint)")
	fs.StringVar(&o.scenarios, "scenarios", "a,v,b,c,d,e", "scenarios to run, comma-separated: a (GetComponent, IAM user, 10 policies, 8 clients), v (a rotating among 64 components: no decision reuse), b (durable CreateComponent, 16 clients), c (ListComponents page among -resources components), d (start-up), e (resident memory)")
	fs.IntVar(&o.requests, "requests", 60000, "most requests per server per load scenario (split over the rounds)")
	fs.DurationVar(&o.duration, "duration", 12*time.Second, "longest time per server per load scenario (split over the rounds)")
	fs.IntVar(&o.rounds, "rounds", 6, "the baseline and the emulator take turns this many times in each load scenario (a and v also print the rounds' spread)")
	fs.IntVar(&o.resources, "resources", 100000, "components in the large account (scenarios c, d, e)")
	fs.IntVar(&o.startups, "startups", 7, "start-ups timed per server (scenario d; the median is reported)")
	fs.BoolVar(&o.smoke, "smoke", false, "a quick run of every scenario with a few hundred requests (CI); aims are not judged")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "loadgen: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if o.smoke {
		o.requests, o.duration, o.rounds, o.resources, o.startups = 150, 3*time.Second, 1, 300, 1
	}
	if o.rounds < 1 || o.requests < 0 || o.duration <= 0 || o.resources < 1 || o.startups < 1 {
		fmt.Fprintln(stderr, "loadgen: -rounds, -duration, -resources and -startups must be positive")
		return 2
	}
	if o.endpoint != "" {
		if err := baseline.CheckLoopback(o.endpoint); err != nil {
			fmt.Fprintln(stderr, "loadgen:", err)
			return 2
		}
	}
	if runtime.GOOS != "linux" {
		fmt.Fprintln(stderr, "loadgen: CPU time and memory come from /proc: Linux only")
		return 2
	}
	t, err := newTool(ctx, o, stdout)
	if err != nil {
		fmt.Fprintln(stderr, "loadgen:", err)
		return 1
	}
	defer t.close()
	if err := t.runAll(); err != nil {
		fmt.Fprintln(stderr, "loadgen:", err)
		return 1
	}
	return 0
}

// build compiles a main package of this module into dir.
func build(ctx context.Context, dir, pkg, name string) (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	out := filepath.Join(dir, name)
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", out, pkg)
	var msg strings.Builder
	cmd.Stdout, cmd.Stderr = &msg, &msg
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build %s (or give the binary with a flag): %v: %s", pkg, err, strings.TrimSpace(msg.String()))
	}
	return out, nil
}
