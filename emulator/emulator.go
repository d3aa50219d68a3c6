// Package emulator starts the Image Builder emulator in-process: the AWS
// wire endpoint (HTTP) and the gRPC endpoint over one bbolt data file.
//
// Go tests use it through emulatortest; the emulator command uses it too.
//
//	emu, err := emulator.Start(ctx, emulator.Config{DataPath: "emulator.db"})
//	…
//	defer emu.Close(ctx)
//	cfg := emu.AWSConfig("123456789012") // aws-sdk-go-v2 config for that account's root user
package emulator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	"google.golang.org/grpc/keepalive"

	"github.com/ibemu/ibemu/internal/apimodel"
	"github.com/ibemu/ibemu/internal/authz"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/iam"
	"github.com/ibemu/ibemu/internal/imagebuilder"
	"github.com/ibemu/ibemu/internal/kms"
	"github.com/ibemu/ibemu/internal/quota"
	s3svc "github.com/ibemu/ibemu/internal/s3"
	"github.com/ibemu/ibemu/internal/seal"
	"github.com/ibemu/ibemu/internal/server"
	"github.com/ibemu/ibemu/internal/storage"
	"github.com/ibemu/ibemu/internal/sts"
	"github.com/ibemu/ibemu/internal/web"
	adminv1 "github.com/ibemu/ibemu/proto/admin/v1"
	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
	kmsv1 "github.com/ibemu/ibemu/proto/kms/v1"
	s3v1 "github.com/ibemu/ibemu/proto/s3/v1"
	stsv1 "github.com/ibemu/ibemu/proto/sts/v1"
)

// Version is the emulator's version, reported by the health endpoint.
var Version = "0.1.0-dev"

// Defaults for Config.
const (
	DefaultHTTPAddr   = "127.0.0.1:4700"
	DefaultGRPCAddr   = "127.0.0.1:4701"
	DefaultDataPath   = ".ibemu/emulator.db"
	DefaultRootSecret = "test"
	DefaultRegion     = "us-east-1"
)

// Config configures an emulator. The zero value is not usable: set at least
// DataPath; empty addresses mean the defaults, and ":0" picks a free port.
type Config struct {
	// HTTPAddr is the AWS wire endpoint's listen address.
	HTTPAddr string
	// GRPCAddr is the gRPC endpoint's listen address.
	GRPCAddr string
	// DataPath is the bbolt file holding all state (created if missing).
	DataPath string
	// RootSecret is the secret access key of the root users: access key id
	// "test" (account 000000000000) or any 12-digit account id.
	RootSecret string
	// Logger receives operational logs; nil discards them.
	Logger *slog.Logger
	// Clock is the one clock every layer reads; nil means time.Now.
	Clock func() time.Time
	// NoSync skips fsync on commit: faster, and a crash may lose recent
	// writes. For throwaway test databases only.
	NoSync bool
	// MaxObjectSize is the largest S3 object stored, in bytes; 0 means
	// s3.DefaultMaxObjectSize (64 MiB).
	MaxObjectSize int64
	// Quotas adjusts account quotas from AWS's defaults, by name:
	// "iam:UsersPerAccount" (5,000), "iam:GroupsPerAccount" (300),
	// "iam:RolesPerAccount" (1,000), "iam:PoliciesPerAccount" (1,500),
	// "iam:InstanceProfilesPerAccount" (1,000), "s3:BucketsPerAccount"
	// (10,000), "kms:KeysPerRegion" (100,000). New fails on another name or
	// a value below 1. docs/limits.md lists them.
	Quotas map[string]int
	// BuildTime is the wall time of a whole simulated image build, on
	// Clock; 0 means imagebuilder.DefaultBuildTime (10s).
	BuildTime time.Duration
	// ScheduleInterval is how often, in wall time, due image pipeline
	// schedules are run (judged on Clock); 0 means DefaultScheduleInterval,
	// negative turns the loop off (tests call RunDueSchedules).
	ScheduleInterval time.Duration

	// DecisionsMax is how many authorization decisions the decision log
	// keeps in the data file, oldest dropped first; 0 means
	// authz.DefaultMaxDecisions (100,000), a negative value no limit.
	DecisionsMax int
	// DecisionsMaxAge drops logged decisions older than this; 0 keeps them
	// whatever their age.
	DecisionsMaxAge time.Duration
	// DecisionLogInMemory keeps decisions only in the in-memory ring of the
	// most recent 4,096, not in the data file (for benchmarks and throwaway
	// runs: nothing survives a restart, Watch delivers nothing).
	DecisionLogInMemory bool
	// Enforce is the enforcement mode: "on" (or ""; the default) denies
	// what the policies deny; "soft" evaluates and records every decision
	// but allows every request, recording a would-be denial with the
	// outcome softDeny and naming its actions in the X-Ibemu-Would-Deny
	// response header (gRPC: x-ibemu-would-deny header metadata); "off"
	// evaluates nothing and records nothing (requests are still
	// authenticated). Start fails on any other value.
	Enforce string
	// AdminPrincipals are ARNs (root users, users, roles) allowed to use the
	// admin gRPC API besides DefaultAdminPrincipal.
	AdminPrincipals []string

	// Ephemeral keeps the data in a temporary file removed by Close (a
	// DataPath of ":memory:" means the same); DataPath is then ignored.
	Ephemeral bool
	// Seeds are seed files (YAML or JSON, see Seed) applied in order at
	// every start, before the endpoints listen; a bad seed fails Start
	// with a *SeedError naming the file, the entry and the problem.
	Seeds []string
	// Limits and timeouts of the AWS wire endpoint (README, "Limits and timeouts").
	// Zero values mean the defaults; a negative timeout turns it off.

	// ReadHeaderTimeout bounds the wait for a request's headers, from the
	// first byte; 0 means DefaultReadHeaderTimeout.
	ReadHeaderTimeout time.Duration
	// BodyReadTimeout is how long a request body may go without a byte
	// arriving before the request is answered RequestTimeout and its
	// connection closed; 0 means server.DefaultBodyReadTimeout (20s).
	BodyReadTimeout time.Duration
	// IdleTimeout closes a keep-alive connection that has not sent its
	// next request in this time; 0 means DefaultIdleTimeout.
	IdleTimeout time.Duration
	// MaxHeaderBytes caps a request's line and headers; a larger request
	// is answered 431. 0 means DefaultMaxHeaderBytes.
	MaxHeaderBytes int
	// DecisionsPage says whether the unsigned decision pages under
	// /_emulator/decisions are served: DecisionsPageAuto (the zero value)
	// serves them only when the HTTP listener is on a loopback address.
	DecisionsPage DecisionsPage
}

// EphemeralDataPath is the DataPath that asks for an ephemeral data file.
const EphemeralDataPath = ":memory:"

// Defaults of the AWS wire endpoint's limits (Config).
const (
	// DefaultReadHeaderTimeout bounds the wait for a request's headers.
	DefaultReadHeaderTimeout = 10 * time.Second
	// DefaultIdleTimeout closes idle keep-alive connections.
	DefaultIdleTimeout = 120 * time.Second
	// DefaultMaxHeaderBytes caps a request's line and headers: 64 KiB,
	// far above the largest signed AWS request (a session token with
	// session policies and tags stays under 8 KiB) and far below
	// net/http's 1 MiB default.
	DefaultMaxHeaderBytes = 64 << 10
)

// DecisionsPage chooses when the unsigned decision pages are served.
type DecisionsPage string

// DecisionsPage values.
const (
	// DecisionsPageAuto serves the pages only on a loopback listener: they
	// show principals, actions and resources to anyone who can connect.
	DecisionsPageAuto DecisionsPage = "auto"
	// DecisionsPageOn always serves them.
	DecisionsPageOn DecisionsPage = "on"
	// DecisionsPageOff never serves them (404); the admin gRPC API, which
	// is signed, still explains decisions.
	DecisionsPageOff DecisionsPage = "off"
)

// Emulator is a running emulator.
type Emulator struct {
	cfg      Config
	mode     authz.Mode
	db       *storage.DB
	srv      *server.Server
	httpSrv  *http.Server
	grpcSrv  *grpc.Server
	health   *health.Server
	httpLn   net.Listener
	grpcLn   net.Listener
	serveErr chan error
	// store is the decision log: every authorization decision, in the
	// data file, written off the request path.
	store *authz.Store
	// iam is the IAM service (its caches are dropped after Reset/Restore).
	iam *iam.Service
	// enforcer decides every call (kept for benchmarks of the step alone).
	enforcer *authz.Enforcer
	// sealer protects what clients hand back: session tokens, encoded
	// authorization messages.
	sealer *seal.Sealer
	// kms is the KMS service, whose Go API (internal/kms/datakeys.go) other
	// services use to encrypt for their callers.
	kms *kms.Service
	// s3 is the S3 service (KMS and Image Builder are wired to it).
	s3 *s3svc.Service
	// ib is the Image Builder service; stopBuilds ends its background build
	// runner, and stopSchedules its pipeline schedule loop (schedulesDone is
	// closed when it has ended).
	ib                           *imagebuilder.Service
	stopBuilds                   func()
	stopSchedules, schedulesDone chan struct{}

	closeOnce sync.Once
	closeErr  error
	// streamsCtx is cancelled (endStreams) when shutdown begins: the
	// streams that never end by themselves end then (streams.go).
	streamsCtx context.Context
	endStreams context.CancelFunc
	// data removes, at Close, an ephemeral data file.
	data dataFile

	// Connections that have not sent a request yet, closed at shutdown:
	// net/http would otherwise wait five seconds for each of them.
	connMu       sync.Mutex
	newConns     map[net.Conn]struct{}
	shuttingDown bool
	// nNew is len(newConns), read without connMu: a connection's later
	// states (on its own goroutine, after its StateNew) skip the lock
	// when no connection at all waits for its first request.
	nNew atomic.Int64
}

// Start opens the data file, listens on both endpoints and serves until
// Close. It returns once both endpoints accept connections.
func Start(ctx context.Context, cfg Config) (*Emulator, error) {
	cfg = withDefaults(cfg)
	mode, err := authz.ParseMode(cfg.Enforce)
	if err != nil {
		return nil, err
	}
	seeds, err := loadSeeds(cfg.Seeds)
	if err != nil {
		return nil, err
	}
	data, err := prepareData(&cfg)
	if err != nil {
		return nil, err
	}
	if testHookPrepared != nil {
		testHookPrepared(cfg)
	}
	// The sealing key is made with a new file's schema: one commit fewer at
	// a first start.
	db, err := storage.Open(cfg.DataPath, storage.Options{NoSync: cfg.NoSync, Secrets: map[string]int{sealSecret: seal.KeySize}})
	if err != nil {
		data.remove(false)
		return nil, fmt.Errorf("open data file: %w", err)
	}
	e := &Emulator{cfg: cfg, mode: mode, db: db, data: data, serveErr: make(chan error, 2), newConns: map[net.Conn]struct{}{}}
	abort := func() {
		if e.store != nil {
			e.store.Close()
		}
		// A failed start leaves no data file it made behind. It removes the
		// file while it still holds the file's lock: a start waiting for
		// the lock then finds the path gone and makes its own file
		// (storage.Open), instead of serving the removed one.
		data.remove(db.Created())
		_ = db.Close()
	}
	if err := e.build(); err != nil {
		abort()
		return nil, err
	}
	if err := e.applyStartSeeds(ctx, seeds, !db.Created()); err != nil {
		abort()
		return nil, err
	}
	var lc net.ListenConfig
	if e.httpLn, err = lc.Listen(ctx, "tcp", cfg.HTTPAddr); err != nil {
		abort()
		return nil, fmt.Errorf("listen for HTTP on %s: %w", cfg.HTTPAddr, err)
	}
	if e.grpcLn, err = lc.Listen(ctx, "tcp", cfg.GRPCAddr); err != nil {
		_ = e.httpLn.Close()
		abort()
		return nil, fmt.Errorf("listen for gRPC on %s: %w", cfg.GRPCAddr, err)
	}
	if !e.decisionsPageServed() {
		e.srv.SetInternal(nil)
	}
	e.httpSrv = &http.Server{
		Handler: e.srv,
		// ReadTimeout stays off: it would bound a whole body, cutting off
		// slow but steady uploads; the server's body-read timeout bounds
		// the silence between bytes instead.
		ReadHeaderTimeout: positive(cfg.ReadHeaderTimeout),
		IdleTimeout:       positive(cfg.IdleTimeout),
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
		ConnState:         e.trackConn,
	}
	e.stopBuilds = e.ib.StartBuildRunner(runnerInterval(cfg.BuildTime))
	go func() { e.serveErr <- ignoreClosed(e.httpSrv.Serve(e.httpLn)) }()
	go func() { e.serveErr <- ignoreClosed(e.grpcSrv.Serve(e.grpcLn)) }()
	e.startSchedules()
	e.srv.SetReady(true)
	cfg.Logger.Info("emulator ready", "http", e.HTTPURL(), "grpc", e.GRPCAddr(), "data", cfg.DataPath, "version", Version, "enforce", e.mode.String())
	return e, nil
}

func withDefaults(cfg Config) Config {
	if cfg.HTTPAddr == "" {
		cfg.HTTPAddr = DefaultHTTPAddr
	}
	if cfg.GRPCAddr == "" {
		cfg.GRPCAddr = DefaultGRPCAddr
	}
	if cfg.DataPath == "" {
		cfg.DataPath = DefaultDataPath
	}
	if cfg.RootSecret == "" {
		cfg.RootSecret = DefaultRootSecret
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.ReadHeaderTimeout == 0 {
		cfg.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.MaxHeaderBytes <= 0 {
		cfg.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if cfg.DecisionsPage == "" {
		cfg.DecisionsPage = DecisionsPageAuto
	}
	return cfg
}

// positive is d, or 0 (net/http's "no limit") for a negative d.
func positive(d time.Duration) time.Duration { return max(d, 0) }

// decisionsPageServed applies Config.DecisionsPage to the HTTP listener.
func (e *Emulator) decisionsPageServed() bool {
	switch e.cfg.DecisionsPage {
	case DecisionsPageOn:
		return true
	case DecisionsPageOff:
		return false
	}
	addr, ok := e.httpLn.Addr().(*net.TCPAddr)
	return ok && addr.IP.IsLoopback()
}

// build wires authentication, the services and both transports.
func (e *Emulator) build() error {
	cfg := e.cfg
	key, err := e.db.Secret(context.Background(), sealSecret, seal.KeySize)
	if err != nil {
		return fmt.Errorf("read the sealing key: %w", err)
	}
	if e.sealer, err = seal.New(key); err != nil {
		return err
	}
	quotas, err := quotaSet(cfg.Quotas)
	if err != nil {
		return err
	}
	e.newStreamsSignal()
	e.store = authz.NewStore(e.db, authz.StoreOptions{MaxCount: cfg.DecisionsMax, MaxAge: cfg.DecisionsMaxAge, Clock: cfg.Clock, Logger: cfg.Logger})
	iamSvc := iam.New(e.db, iam.Options{Clock: cfg.Clock, Quotas: quotas})
	e.iam = iamSvc
	if e.kms, err = kms.New(e.db, kms.Options{Clock: cfg.Clock, Sealer: e.sealer, Principals: iamSvc, Quotas: quotas}); err != nil {
		return err
	}
	// S3 encrypts SSE-KMS objects, and Image Builder reads component
	// documents and encrypts components, through KMS and S3's Go APIs:
	// forward access requests decided as the caller.
	e.s3 = s3svc.New(e.db, s3svc.Options{Clock: cfg.Clock, MaxObjectSize: cfg.MaxObjectSize, Quotas: quotas})
	e.s3.SetKeys(e.kms)
	e.s3.SetPrincipals(iamSvc)
	ib := imagebuilder.New(e.db, imagebuilder.Options{Clock: cfg.Clock, Objects: e.s3, Buckets: e.s3, Keys: e.kms, Profiles: iamSvc, BuildTime: cfg.BuildTime})
	e.ib = ib
	stsSvc := sts.New(sts.WithSealer(e.sealer), sts.WithIAM(iamSvc), sts.WithAccessKeys(iamSvc.Credentials()))
	e.enforcer, err = authz.New(authz.Options{
		Sealer:     e.sealer,
		Identities: iamSvc.Identities(),
		Resolvers: map[string]authz.Resolver{
			"imagebuilder": ib.Resolver(),
			"iam":          iamSvc.Resolver(),
			"kms":          e.kms.Resolver(),
			"s3":           e.s3.Resolver(),
		},
		AlwaysAllowed: sts.AlwaysAllowed,
		Recorder:      e.recorder(),
		Mode:          e.mode,
	})
	if err != nil {
		return err
	}
	ib.SetEnforcement(detacher{e.enforcer})
	e.srv, err = server.New(server.Options{
		Auth:       newAuthenticator(cfg, iamSvc.Credentials(), stsSvc.Credentials()),
		Authorizer: e.enforcer,
		Internal:   web.Handler(web.Options{Store: e.store, Builds: ib, Next: e.store.Handler(), Clock: cfg.Clock, Shutdown: e.streamsCtx.Done()}),
		Logger:     cfg.Logger,
		Clock:      cfg.Clock,
		Version:    Version,
		// The transport refuses what the S3 service would not store.
		MaxObjectBytes:  e.s3.MaxObjectSize(),
		BodyReadTimeout: cfg.BodyReadTimeout,
	})
	if err != nil {
		return err
	}
	regs := []struct {
		err error
	}{
		{e.srv.RegisterLazy(ibv1.Info, ibv1.ModelIndex, &ibv1.Imagebuilder_ServiceDesc, ib)},
		{e.srv.RegisterLazy(iamv1.Info, iamv1.ModelIndex, &iamv1.IAM_ServiceDesc, iamSvc)},
		{e.srv.RegisterLazy(stsv1.Info, stsv1.ModelIndex, &stsv1.STS_ServiceDesc, stsSvc)},
		{e.srv.RegisterLazy(kmsv1.Info, kmsv1.ModelIndex, &kmsv1.KMS_ServiceDesc, e.kms)},
		{e.srv.RegisterLazy(s3v1.Info, s3v1.ModelIndex, &s3v1.S3_ServiceDesc, e.s3)},
	}
	for _, r := range regs {
		if r.err != nil {
			return r.err
		}
	}
	e.srv.RegisterAdmin(&adminv1.Admin_ServiceDesc, &admin{e: e}, adminAllow(cfg.AdminPrincipals))
	// The gRPC listener gets the HTTP listener's limits: a connection that
	// does not finish the HTTP/2 handshake within the header timeout, or
	// stays idle past the idle timeout, is closed (gRPC's defaults are 120 s
	// and never).
	e.grpcSrv, e.health = e.srv.NewGRPCServer(
		grpc.ConnectionTimeout(cfg.ReadHeaderTimeout),
		grpc.KeepaliveParams(keepalive.ServerParameters{MaxConnectionIdle: cfg.IdleTimeout}),
		grpc.ChainStreamInterceptor(e.endForeignStreams),
	)
	return nil
}

// trackConn remembers connections that have not sent a request yet.
func (e *Emulator) trackConn(c net.Conn, state http.ConnState) {
	if state != http.StateNew {
		// c's later states run on its own goroutine, which net/http starts
		// after reporting StateNew; only they and closeNewConns remove c,
		// each lowering nNew under connMu. So nNew == 0 proves c is not
		// kept, and keep-alive requests skip the lock.
		if e.nNew.Load() != 0 {
			e.connMu.Lock()
			if _, ok := e.newConns[c]; ok {
				delete(e.newConns, c)
				e.nNew.Add(-1)
			}
			e.connMu.Unlock()
		}
		if state == http.StateActive && e.cfg.Logger.Enabled(context.Background(), slog.LevelDebug) {
			// A request began on c, and c is no longer among the
			// connections a shutdown closes: from here a shutdown drains it.
			e.cfg.Logger.Debug("connection active", "remote", c.RemoteAddr().String())
		}
		return
	}
	e.connMu.Lock()
	defer e.connMu.Unlock()
	if e.shuttingDown {
		_ = c.Close()
		return
	}
	e.newConns[c] = struct{}{}
	e.nNew.Add(1)
}

// closeNewConns closes the connections that carry no request: there is
// nothing in flight on them to drain.
func (e *Emulator) closeNewConns() {
	e.connMu.Lock()
	defer e.connMu.Unlock()
	e.shuttingDown = true
	for c := range e.newConns {
		_ = c.Close()
		delete(e.newConns, c)
		e.nNew.Add(-1)
	}
}

func ignoreClosed(err error) error {
	if errors.Is(err, http.ErrServerClosed) || errors.Is(err, grpc.ErrServerStopped) || errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// HTTPURL is the AWS wire endpoint, e.g. http://127.0.0.1:4700: the
// BaseEndpoint for SDK clients.
func (e *Emulator) HTTPURL() string { return "http://" + e.httpLn.Addr().String() }

// GRPCAddr is the gRPC endpoint's address, e.g. 127.0.0.1:4701.
func (e *Emulator) GRPCAddr() string { return e.grpcLn.Addr().String() }

// Explain returns the explanation of every authorization decision made for
// a request — the request id an SDK reports for any response, allowed or
// denied —, as GET /_emulator/decisions/ID?format=text serves it: what was
// decided, by which policy and statement, and why each policy considered
// did or did not apply, and the smallest change that would allow a denial.
// It is "" once the request has left the decision log (see
// Config.DecisionsMax) or when the log cannot be read.
func (e *Emulator) Explain(requestID string) string {
	rs, err := e.store.ByRequestID(context.Background(), requestID)
	if err != nil {
		return ""
	}
	return authz.ExplainText(rs)
}

// recorder is where the enforcer sends decisions.
func (e *Emulator) recorder() authz.Recorder {
	if e.cfg.DecisionLogInMemory {
		return e.store.Ring()
	}
	return e.store
}

// stateReplaced drops what services cached from the store after Reset or
// Restore replaced it, and the recent decisions kept in memory, which
// explain and the decision pages would otherwise still find.
func (e *Emulator) stateReplaced() {
	e.iam.Invalidate()
	e.store.Ring().Clear()
}

// AdvanceBuilds runs every image build step due on the emulator's clock
// (Config.Clock): a test that injects a clock moves it and calls this to
// make builds progress without sleeping. In-flight builds found in the data
// file at start resume where they stopped. The background runner does the
// same on its own every fraction of a build time.
func (e *Emulator) AdvanceBuilds(ctx context.Context) error { return e.ib.AdvanceBuilds(ctx) }

// detacher lets Image Builder's builds check through the enforcer after
// the call that started them.
type detacher struct{ e *authz.Enforcer }

func (d detacher) Detached(ctx context.Context, c *callctx.Call) (context.Context, error) {
	return d.e.Detached(ctx, c, apimodel.RESTJSON1)
}

// runnerInterval is how often the background build runner looks for due
// steps: a twentieth of a build, between 10ms and 1s.
func runnerInterval(buildTime time.Duration) time.Duration {
	if buildTime <= 0 {
		buildTime = imagebuilder.DefaultBuildTime
	}
	return min(max(buildTime/20, 10*time.Millisecond), time.Second)
}

// DataPath is the data file in use (for an ephemeral emulator, the
// temporary file Close removes).
func (e *Emulator) DataPath() string { return e.cfg.DataPath }

// Ephemeral reports whether the data file is removed by Close.
func (e *Emulator) Ephemeral() bool { return e.cfg.Ephemeral }

// Err returns a channel that receives an error if a transport stops
// serving unexpectedly.
func (e *Emulator) Err() <-chan error { return e.serveErr }

// Close ends at once the streams that never end by themselves (the web
// page's events, WatchDecisions, the gRPC health Watch, server reflection:
// their clients see the stream end cleanly), drains requests in flight until ctx is done,
// then closes the connections still open (a client stalled in the middle
// of a body, a request still running: they get no answer, and a warning is
// logged — this is the drain limit doing its job, not an error), stops
// both endpoints and closes the data file. It returns an error only when
// the data file cannot be closed. It is safe to call twice.
func (e *Emulator) Close(ctx context.Context) error {
	e.closeOnce.Do(func() {
		e.srv.SetReady(false)
		e.health.Shutdown()
		e.endStreams()
		var errs []error
		grpcDone := make(chan struct{})
		go func() { e.grpcSrv.GracefulStop(); close(grpcDone) }()
		e.closeNewConns()
		e.stopScheduleLoop()
		if err := e.httpSrv.Shutdown(ctx); err != nil {
			e.cfg.Logger.Warn("drain limit reached: closing the HTTP connections still open", "transport", "http")
			_ = e.httpSrv.Close()
		}
		select {
		case <-grpcDone:
		default:
			select {
			case <-grpcDone:
			case <-ctx.Done():
				e.cfg.Logger.Warn("drain limit reached: closing the gRPC calls still running", "transport", "grpc")
				e.grpcSrv.Stop()
				<-grpcDone
			}
		}
		e.stopBuilds()
		// Requests have drained: write the decisions still queued.
		e.store.Close()
		if err := e.db.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close data file: %w", err))
		}
		if e.cfg.Ephemeral {
			e.data.remove(true)
		}
		e.closeErr = errors.Join(errs...)
	})
	return e.closeErr
}

// quotaSet checks Config.Quotas.
func quotaSet(adjusted map[string]int) (*quota.Set, error) {
	m := make(map[quota.Name]int, len(adjusted))
	for n, v := range adjusted {
		m[quota.Name(n)] = v
	}
	s, err := quota.New(m)
	if err != nil {
		return nil, fmt.Errorf("Config.Quotas: %w", err)
	}
	return s, nil
}

// applyStartSeeds applies the configuration's seeds. A seed that fails
// changes nothing: on a new data file the failed start removes the file; on
// an existing one, the state is put back from a snapshot taken first. Seeds
// are applied before the endpoints accept connections and before builds
// run, so no other write can be lost by putting the state back.
func (e *Emulator) applyStartSeeds(ctx context.Context, seeds []*Seed, existing bool) error {
	if len(seeds) == 0 {
		return nil
	}
	var before *os.File
	if existing {
		f, err := os.CreateTemp(filepath.Dir(e.cfg.DataPath), ".seed-undo-*")
		if err != nil {
			return fmt.Errorf("snapshot before the seeds: %w", err)
		}
		defer func() { f.Close(); os.Remove(f.Name()) }()
		if _, err := e.db.WriteTo(ctx, f); err != nil {
			return fmt.Errorf("snapshot before the seeds: %w", err)
		}
		before = f
	}
	for _, s := range seeds {
		err := e.ApplySeed(ctx, s)
		if err == nil {
			continue
		}
		if before != nil {
			_, rerr := before.Seek(0, io.SeekStart)
			if rerr == nil {
				_, rerr = e.db.Restore(ctx, before)
			}
			if rerr != nil {
				return errors.Join(err, fmt.Errorf("put back the state from before the seeds: %w", rerr))
			}
		}
		return err
	}
	return nil
}

// sealSecret names the data file's secret that seals session tokens, key
// material and encoded messages.
const sealSecret = "seal"
