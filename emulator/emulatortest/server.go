package emulatortest

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/ibemu/ibemu/emulator"
)

// Server is an emulator started by New: the *emulator.Emulator (HTTPURL,
// GRPCAddr, AWSConfig, S3Client, Explain…) plus the test's clock, seeds
// and credentials.
type Server struct {
	*emulator.Emulator
	clock *Clock
	seeds []*emulator.Seed

	mu    sync.Mutex
	creds map[string]aws.Config // by principal ARN
}

// TB is what New and Server's methods need of a test: *testing.T,
// *testing.B and *testing.F have it (a runnable example implements it, see
// the package examples).
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Errorf(format string, args ...any)
	Cleanup(func())
	TempDir() string
}

// Option configures New.
type Option func(*options)

type options struct {
	cfg   emulator.Config
	clock *Clock
	seeds []string
}

// WithClock runs the emulator on a fake clock starting at start (UTC): it
// moves only when the test calls Clock().Advance or Server.Advance. Without
// it the emulator reads the wall clock.
func WithClock(start time.Time) Option {
	return func(o *options) { o.clock = NewClock(start) }
}

// WithSeed applies a seed file (YAML or JSON, see emulator.Seed) at start
// and after every Reset. Repeatable; applied in order.
func WithSeed(file string) Option {
	return func(o *options) { o.seeds = append(o.seeds, file) }
}

// WithBuildTime sets the duration of a whole simulated image build on the
// emulator's clock (default 10s).
func WithBuildTime(d time.Duration) Option {
	return func(o *options) { o.cfg.BuildTime = d }
}

// WithConfig adjusts the emulator.Config directly (Logger, RootSecret,
// MaxObjectSize…) after the other options.
func WithConfig(f func(*emulator.Config)) Option {
	return func(o *options) {
		prev := o.cfg
		f(&prev)
		o.cfg = prev
	}
}

// New starts an emulator for t on loopback ports the system picks, over a
// data file in t's temporary directory (written without fsync), and closes
// it when t ends. A bad seed or a failure to start ends the test
// (t.Fatal).
func New(t TB, opts ...Option) *Server {
	t.Helper()
	o := &options{}
	for _, f := range opts {
		f(o)
	}
	cfg := o.cfg
	cfg.HTTPAddr, cfg.GRPCAddr = "127.0.0.1:0", "127.0.0.1:0"
	if cfg.DataPath == "" {
		cfg.DataPath = filepath.Join(t.TempDir(), "emulator.db")
	}
	cfg.NoSync = true
	if o.clock != nil {
		cfg.Clock = o.clock.Now
		if cfg.ScheduleInterval == 0 {
			cfg.ScheduleInterval = -1 // Advance runs due schedules
		}
	}
	s := &Server{clock: o.clock, creds: map[string]aws.Config{}}
	for _, f := range o.seeds {
		seed, err := emulator.LoadSeed(f)
		if err != nil {
			t.Fatalf("emulatortest: %v", err)
		}
		s.seeds = append(s.seeds, seed)
	}
	emu, err := emulator.Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("emulatortest: start emulator: %v", err)
	}
	s.Emulator = emu
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := emu.Close(ctx); err != nil {
			t.Errorf("emulatortest: close emulator: %v", err)
		}
	})
	if err := s.applySeeds(); err != nil {
		t.Fatalf("emulatortest: %v", err)
	}
	return s
}

func (s *Server) applySeeds() error {
	for _, seed := range s.seeds {
		if err := s.ApplySeed(context.Background(), seed); err != nil {
			return err
		}
	}
	return nil
}

// Clock is the fake clock of WithClock, nil without it.
func (s *Server) Clock() *Clock { return s.clock }

// Advance moves the fake clock by d and runs what became due on it: image
// build steps and pipeline schedules. Without WithClock it ends the test.
func (s *Server) Advance(t TB, d time.Duration) {
	t.Helper()
	if s.clock == nil {
		t.Fatalf("emulatortest: Advance needs WithClock")
	}
	s.clock.Advance(d)
	ctx := context.Background()
	if _, err := s.RunDueSchedules(ctx); err != nil {
		t.Fatalf("emulatortest: run due schedules: %v", err)
	}
	if err := s.AdvanceBuilds(ctx); err != nil {
		t.Fatalf("emulatortest: advance builds: %v", err)
	}
}

// Reset empties the emulator's state and applies the seeds again. Access
// keys and sessions Config handed out before are forgotten (their users
// are gone).
func (s *Server) Reset(t TB) {
	t.Helper()
	if err := s.Emulator.Reset(context.Background()); err != nil {
		t.Fatalf("emulatortest: reset: %v", err)
	}
	s.mu.Lock()
	clear(s.creds)
	s.mu.Unlock()
	if err := s.applySeeds(); err != nil {
		t.Fatalf("emulatortest: reseed: %v", err)
	}
}

// AssumerUser is the IAM user Config creates in an account to assume a
// role for the test: the root user cannot call AssumeRole on AWS, and
// neither here.
const AssumerUser = "emulatortest-assumer"

// Config returns an aws-sdk-go-v2 configuration that signs as principal
// and sends to this emulator (region us-east-1):
//
//   - "" or a 12-digit account id or arn:aws:iam::ACCOUNT:root: the
//     account's root user;
//   - arn:aws:iam::ACCOUNT:user/[PATH/]NAME: a new access key of the
//     existing user (IAM allows two per user: a user with two keys already
//     cannot be used);
//   - arn:aws:iam::ACCOUNT:role/[PATH/]NAME: a session of the existing role
//     (session name "emulatortest", one hour on the emulator's clock),
//     assumed by the user AssumerUser, which Config creates in the role's
//     account with an inline policy allowing sts:AssumeRole on the role. The
//     role's trust policy must trust that user or the account
//     (arn:aws:iam::ACCOUNT:root), as it would on AWS.
//
// Results are cached per principal until Reset. Anything refused ends the
// test with the emulator's answer.
func (s *Server) Config(t TB, principal string) aws.Config {
	t.Helper()
	account, kind, name, err := parsePrincipal(principal)
	if err != nil {
		t.Fatalf("emulatortest: Config(%q): %v", principal, err)
	}
	if kind == "root" {
		return s.AWSConfig(account)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.creds[principal]; ok {
		return c
	}
	ctx := context.Background()
	root := iam.NewFromConfig(s.AWSConfig(account))
	var cfg aws.Config
	switch kind {
	case "user":
		cfg, err = s.userConfig(ctx, root, name)
	case "role":
		cfg, err = s.roleConfig(ctx, root, account, principal)
	}
	if err != nil {
		t.Fatalf("emulatortest: Config(%q): %v", principal, err)
	}
	s.creds[principal] = cfg
	return cfg
}

func (s *Server) userConfig(ctx context.Context, root *iam.Client, name string) (aws.Config, error) {
	k, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		return aws.Config{}, err
	}
	return s.AWSConfigWithCredentials(aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey), ""), nil
}

func (s *Server) roleConfig(ctx context.Context, root *iam.Client, account, roleARN string) (aws.Config, error) {
	assumer := "arn:aws:iam::" + account + ":user/" + AssumerUser
	base, ok := s.creds[assumer]
	if !ok {
		if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(AssumerUser)}); err != nil && !strings.Contains(err.Error(), "EntityAlreadyExists") {
			return aws.Config{}, err
		}
		var err error
		if base, err = s.userConfig(ctx, root, AssumerUser); err != nil {
			return aws.Config{}, err
		}
		s.creds[assumer] = base
	}
	// One inline policy per role, so that earlier roles stay assumable.
	doc := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":%q}]}`, roleARN)
	policy := "assume-" + strings.NewReplacer("/", "-", ":", "-").Replace(roleARN[strings.LastIndex(roleARN, ":")+1:])
	if len(policy) > 128 {
		policy = policy[:128]
	}
	if _, err := root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(AssumerUser), PolicyName: aws.String(policy), PolicyDocument: aws.String(doc)}); err != nil {
		return aws.Config{}, err
	}
	out, err := sts.NewFromConfig(base).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("emulatortest")})
	if err != nil {
		return aws.Config{}, err
	}
	c := out.Credentials
	return s.AWSConfigWithCredentials(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)), nil
}

// parsePrincipal splits a principal as Config takes it.
func parsePrincipal(p string) (account, kind, name string, err error) {
	if p == "" {
		return "000000000000", "root", "", nil
	}
	if len(p) == 12 && strings.Trim(p, "0123456789") == "" {
		return p, "root", "", nil
	}
	parts := strings.SplitN(p, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" || len(parts[4]) != 12 {
		return "", "", "", fmt.Errorf("not an account id or an IAM root, user or role ARN")
	}
	account, res := parts[4], parts[5]
	switch {
	case res == "root":
		return account, "root", "", nil
	case strings.HasPrefix(res, "user/"):
		return account, "user", res[strings.LastIndex(res, "/")+1:], nil
	case strings.HasPrefix(res, "role/"):
		return account, "role", res[strings.LastIndex(res, "/")+1:], nil
	}
	return "", "", "", fmt.Errorf("resource %q is not root, user/… or role/…", res)
}

// Clock is a fake clock safe for concurrent use: the emulator reads Now,
// the test moves it.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock at start (UTC).
func NewClock(start time.Time) *Clock { return &Clock{now: start.UTC()} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t.UTC()
	c.mu.Unlock()
}
