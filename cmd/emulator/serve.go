package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/internal/authz"
	"github.com/ibemu/ibemu/internal/quota"
)

// Main is the serve command: it holds the configuration, runs the emulator
// and closes it. Tests drive it the same way the command does.
type Main struct {
	Config emulator.Config
	// DrainTimeout bounds how long Close waits for requests in flight.
	DrainTimeout time.Duration

	emu *emulator.Emulator
}

// Run starts the emulator and returns once it serves.
func (m *Main) Run(ctx context.Context) error {
	emu, err := emulator.Start(ctx, m.Config)
	if err != nil {
		return err
	}
	m.emu = emu
	return nil
}

// Close drains requests in flight and closes the data file.
func (m *Main) Close() error {
	if m.emu == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), m.DrainTimeout)
	defer cancel()
	return m.emu.Close(ctx)
}

// serve parses flags (environment variables give the defaults), runs until
// ctx is cancelled by SIGINT or SIGTERM, then shuts down cleanly.
func serve(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	m := &Main{}
	fs.StringVar(&m.Config.HTTPAddr, "http", env("IBEMU_HTTP", emulator.DefaultHTTPAddr), "AWS wire endpoint listen `address` (env IBEMU_HTTP)")
	fs.StringVar(&m.Config.GRPCAddr, "grpc", env("IBEMU_GRPC", emulator.DefaultGRPCAddr), "gRPC endpoint listen `address` (env IBEMU_GRPC)")
	fs.StringVar(&m.Config.DataPath, "data", env("IBEMU_DATA", emulator.DefaultDataPath), "data file `path`, created if missing (env IBEMU_DATA)")
	fs.StringVar(&m.Config.RootSecret, "root-secret", env("IBEMU_ROOT_SECRET", emulator.DefaultRootSecret), "secret access key of the root users (env IBEMU_ROOT_SECRET)")
	logLevel := fs.String("log-level", env("IBEMU_LOG_LEVEL", "info"), "log `level`: debug, info, warn or error (env IBEMU_LOG_LEVEL)")
	logFormat := fs.String("log-format", env("IBEMU_LOG_FORMAT", "text"), "log `format`: text or json (env IBEMU_LOG_FORMAT)")
	fs.DurationVar(&m.DrainTimeout, "drain-timeout", envDurationOr(getenv, "IBEMU_DRAIN_TIMEOUT", 30*time.Second), "how long shutdown waits for requests in flight (env IBEMU_DRAIN_TIMEOUT)")
	maxObject := fs.String("max-object-size", env("IBEMU_MAX_OBJECT_SIZE", ""), "largest S3 object stored, in `bytes` (default 64 MiB; env IBEMU_MAX_OBJECT_SIZE)")
	buildTime := fs.String("build-time", env("IBEMU_BUILD_TIME", ""), "wall time of a whole simulated image build, a Go `duration` such as 2s (default 10s; env IBEMU_BUILD_TIME)")
	decisionsMax := fs.Int("decisions-max", envInt(getenv, "IBEMU_DECISIONS_MAX", authz.DefaultMaxDecisions), "decisions the decision log keeps, oldest dropped first; -1 for no limit (env IBEMU_DECISIONS_MAX)")
	decisionsAge := fs.Duration("decisions-max-age", envDuration(getenv, "IBEMU_DECISIONS_MAX_AGE"), "drop logged decisions older than this `duration`; 0 keeps them (env IBEMU_DECISIONS_MAX_AGE)")
	fs.StringVar(&m.Config.Enforce, "enforce", env("IBEMU_ENFORCE", "on"), "enforcement `mode`: on (deny what the policies deny), soft (evaluate and log every decision but allow; would-be denials are logged as softDeny and named in the X-Ibemu-Would-Deny response header) or off (no evaluation, nothing logged) (env IBEMU_ENFORCE)")
	fs.Var((*listFlag)(&m.Config.AdminPrincipals), "admin-principal", "`ARN` allowed to use the admin gRPC API besides arn:aws:iam::000000000000:root; repeatable (env IBEMU_ADMIN_PRINCIPALS, comma-separated)")
	limits := limitFlags(fs, &m.Config, getenv)
	if v := getenv("IBEMU_ADMIN_PRINCIPALS"); v != "" {
		m.Config.AdminPrincipals = strings.Split(v, ",")
	}
	// Data file, ephemeral mode and seeds (docs/seeds.md).
	fs.BoolVar(&m.Config.Ephemeral, "ephemeral", envBool(getenv, "IBEMU_EPHEMERAL"), "keep the state in a temporary data file removed at exit; --data is ignored (env IBEMU_EPHEMERAL=true; --data :memory: means the same)")
	fs.Var((*listFlag)(&m.Config.Seeds), "seed", "seed `file` (YAML or JSON) applied at every start, idempotently; repeatable (env IBEMU_SEED, comma-separated)")
	if v := getenv("IBEMU_SEED"); v != "" {
		m.Config.Seeds = strings.Split(v, ",")
	}
	cpuProfile := fs.String("cpu-profile", env("IBEMU_CPU_PROFILE", ""), "write a CPU profile (go tool pprof) of the whole run to this `file`; for measuring the emulator itself, BENCHMARKS.md (env IBEMU_CPU_PROFILE)")
	var quotas []string
	fs.Var((*listFlag)(&quotas), "quota", "adjust an account quota from AWS's default, `NAME=N` such as iam:UsersPerAccount=20; repeatable (env IBEMU_QUOTAS, comma-separated; names in docs/limits.md)")
	if v := getenv("IBEMU_QUOTAS"); v != "" {
		quotas = strings.Split(v, ",")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *cpuProfile != "" {
		f, err := os.OpenFile(*cpuProfile, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintf(stderr, "emulator serve: -cpu-profile: %v\n", err)
			return 2
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "emulator serve: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	tuneGC(os.LookupEnv) // gc.go
	if m.Config.DataPath == "" && !m.Config.Ephemeral {
		fmt.Fprintln(stderr, "emulator serve: -data is empty: give a file path, or -ephemeral (or -data :memory:) for a throwaway database")
		return 2
	}
	if len(quotas) > 0 {
		set, err := quota.Parse(quotas)
		if err != nil {
			fmt.Fprintf(stderr, "emulator serve: bad -quota (or IBEMU_QUOTAS): %v\n", err)
			return 2
		}
		m.Config.Quotas = map[string]int{}
		for _, n := range quota.Names() {
			if v := set.Limit(n); v != quota.Default(n) {
				m.Config.Quotas[string(n)] = v
			}
		}
	}
	if *maxObject != "" {
		n, err := strconv.ParseInt(*maxObject, 10, 64)
		if err != nil || n <= 0 {
			fmt.Fprintf(stderr, "emulator serve: bad -max-object-size %q: a positive number of bytes\n", *maxObject)
			return 2
		}
		m.Config.MaxObjectSize = n
	}
	if *buildTime != "" {
		d, err := time.ParseDuration(*buildTime)
		if err != nil || d <= 0 {
			fmt.Fprintf(stderr, "emulator serve: bad -build-time %q: a positive duration such as 2s\n", *buildTime)
			return 2
		}
		m.Config.BuildTime = d
	}
	if *decisionsMax == 0 || *decisionsMax < -1 || *decisionsAge < 0 {
		fmt.Fprintln(stderr, "emulator serve: -decisions-max is a positive count or -1, -decisions-max-age a positive duration or 0")
		return 2
	}
	m.Config.DecisionsMax, m.Config.DecisionsMaxAge = *decisionsMax, *decisionsAge
	if _, err := authz.ParseMode(m.Config.Enforce); err != nil {
		fmt.Fprintf(stderr, "emulator serve: bad -enforce: %v\n", err)
		return 2
	}
	if err := limits(); err != nil {
		fmt.Fprintf(stderr, "emulator serve: %v\n", err)
		return 2
	}
	logger, err := newLogger(stderr, *logLevel, *logFormat)
	if err != nil {
		fmt.Fprintf(stderr, "emulator serve: %v\n", err)
		return 2
	}
	m.Config.Logger = logger
	if err := m.Run(ctx); err != nil {
		logger.Error("cannot start", "error", err)
		return 1
	}
	data := m.emu.DataPath()
	if m.emu.Ephemeral() {
		data += " (ephemeral: removed at exit)"
	}
	fmt.Fprintf(stdout, "emulator %s serving\n  AWS endpoint: %s\n  gRPC:         %s\n  data:         %s\n", version(), m.emu.HTTPURL(), m.emu.GRPCAddr(), data)
	code := 0
	select {
	case <-ctx.Done():
		logger.Info("shutting down: draining requests in flight")
	case err := <-m.emu.Err():
		if err != nil {
			logger.Error("a transport stopped", "error", err)
			code = 1
		}
	}
	if err := m.Close(); err != nil {
		logger.Error("shutdown", "error", err)
		code = 1
	} else {
		logger.Info("stopped cleanly")
	}
	return code
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("bad -log-level %q: use debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch strings.ToLower(format) {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("bad -log-format %q: use text or json", format)
}

func version() string { return emulator.Version }

// envInt reads an integer default from the environment; an unparsable
// value yields def and is caught by the flag's own validation only when
// given as a flag, so it is reported here instead.
func envInt(getenv func(string) string, name string, def int) int {
	if v := getenv(name); v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
		return 0 // refused below as out of range
	}
	return def
}

func envDuration(getenv func(string) string, name string) time.Duration {
	if v := getenv(name); v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			return d
		}
		return -1 // refused below as out of range
	}
	return 0
}

// listFlag is a repeatable string flag; each use appends.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// envBool reads a boolean default from the environment ("true", "1", …);
// anything strconv.ParseBool refuses is false.
func envBool(getenv func(string) string, name string) bool {
	b, _ := strconv.ParseBool(getenv(name))
	return b
}
