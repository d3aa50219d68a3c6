package auth

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc/metadata"

	"github.com/ibemu/ibemu/grpcsigv4"
	"github.com/ibemu/ibemu/internal/auth/sigv4"
)

// Identity is the outcome of authentication: who signed the request, for
// which region and signing service, and when.
type Identity struct {
	Principal Principal
	// Region and Service come from the signature's credential scope.
	Region  string
	Service string
	// RequestTime is the signing time (X-Amz-Date).
	RequestTime time.Time
	// Presigned reports a presigned (query-string) signature.
	Presigned bool
}

// Authenticator verifies requests against the credential sources.
type Authenticator struct {
	verifier  *sigv4.Verifier
	sources   ChainSource
	clock     func() time.Time
	provision func(ctx context.Context, accountID string) error
	// provisioned remembers root accounts already handed to provision.
	provisioned sync.Map
}

type config struct {
	rootSecret   string
	clock        func() time.Time
	sources      []CredentialSource
	provision    func(ctx context.Context, accountID string) error
	verifierOpts []sigv4.Option
}

// Option configures an Authenticator.
type Option func(*config)

// WithClock injects the clock used for skew, presign and token expiry.
func WithClock(now func() time.Time) Option { return func(c *config) { c.clock = now } }

// WithRootSecret sets the secret of the built-in root access keys (default
// "test").
func WithRootSecret(secret string) Option { return func(c *config) { c.rootSecret = secret } }

// WithCredentialSource adds a source consulted before the built-in root
// source, in the order added (e.g. IAM users' keys, STS credentials).
func WithCredentialSource(s CredentialSource) Option {
	return func(c *config) { c.sources = append(c.sources, s) }
}

// WithAccountProvisioner is called the first time a root user of an account
// authenticates successfully, so the account can be created on first use.
// It must be idempotent; a failure fails that request and is retried on the
// next one.
func WithAccountProvisioner(fn func(ctx context.Context, accountID string) error) Option {
	return func(c *config) { c.provision = fn }
}

// WithVerifierOptions passes options (clock skew, presign limit, key cache)
// to the SigV4 verifier.
func WithVerifierOptions(opts ...sigv4.Option) Option {
	return func(c *config) { c.verifierOpts = append(c.verifierOpts, opts...) }
}

// New returns an authenticator for the built-in root credentials plus any
// sources added with WithCredentialSource.
func New(opts ...Option) *Authenticator {
	cfg := config{rootSecret: DefaultRootSecret, clock: time.Now}
	for _, o := range opts {
		o(&cfg)
	}
	sources := append(ChainSource{}, cfg.sources...)
	sources = append(sources, NewRootSource(cfg.rootSecret))
	return &Authenticator{
		verifier:  sigv4.NewVerifier(cfg.verifierOpts...),
		sources:   sources,
		clock:     cfg.clock,
		provision: cfg.provision,
	}
}

// AuthenticateHTTP authenticates an AWS wire request. body is the complete
// request body, already read by the caller.
func (a *Authenticator) AuthenticateHTTP(r *http.Request, body []byte) (*Identity, *sigv4.Failure) {
	req := sigv4.FromHTTP(r, body)
	return a.Authenticate(r.Context(), &req)
}

// AuthenticateGRPC authenticates an RPC signed by grpcsigv4: fullMethod is
// the gRPC full method, authority the :authority (taken from md if empty),
// md the incoming metadata.
func (a *Authenticator) AuthenticateGRPC(ctx context.Context, fullMethod, authority string, md metadata.MD) (*Identity, *sigv4.Failure) {
	req := grpcsigv4.RequestFromMetadata(fullMethod, authority, md)
	return a.Authenticate(ctx, &req)
}

// Authenticate verifies a request described for the SigV4 verifier.
func (a *Authenticator) Authenticate(ctx context.Context, req *sigv4.Request) (*Identity, *sigv4.Failure) {
	id, _, f := a.authenticate(ctx, req)
	return id, f
}

// authenticated is what one authentication allocates, at once: the
// Identity handed out and the lookup state (which the verifier, reading it
// through an interface, cannot keep on the stack).
type authenticated struct {
	id     Identity
	lookup sourceLookup
}

// authenticate is Authenticate also returning the chunk signature chain of
// a signed streaming payload (nil for others).
func (a *Authenticator) authenticate(ctx context.Context, req *sigv4.Request) (*Identity, *sigv4.ChunkChain, *sigv4.Failure) {
	now := a.clock()
	st := &authenticated{lookup: sourceLookup{ctx: ctx, source: a.sources, token: securityToken(req)}}
	var res sigv4.Result // stays on the stack: VerifyInto only fills it
	if f := a.verifier.VerifyInto(req, now, &st.lookup, &res); f != nil {
		return nil, nil, f
	}
	cred := st.lookup.found
	st.lookup = sourceLookup{} // keep neither the context nor the credential
	if f := checkSessionToken(cred, res.SessionToken, now); f != nil {
		return nil, nil, f
	}
	if f := checkSessionService(cred.Principal.Session, res.Service); f != nil {
		return nil, nil, f
	}
	if cred.Principal.Kind == PrincipalRoot {
		if f := a.ensureAccount(ctx, cred.Principal.AccountID); f != nil {
			return nil, nil, f
		}
	}
	id := &st.id
	*id = Identity{Principal: cred.Principal, Region: res.Region, Service: res.Service, RequestTime: res.SigningTime, Presigned: res.Presigned}
	id.Principal.AccessKeyID, id.Principal.SessionToken = res.AccessKeyID, res.SessionToken
	return id, res.Chain, nil
}

// ensureAccount runs the provisioner once per account.
func (a *Authenticator) ensureAccount(ctx context.Context, accountID string) *sigv4.Failure {
	if a.provision == nil {
		return nil
	}
	if _, done := a.provisioned.Load(accountID); done {
		return nil
	}
	if err := a.provision(ctx, accountID); err != nil {
		return sigv4.Internal(err)
	}
	a.provisioned.Store(accountID, struct{}{})
	return nil
}

// sourceLookup adapts a CredentialSource to the verifier and remembers the
// credential it found, so the session token can be checked afterwards.
type sourceLookup struct {
	ctx    context.Context
	source ChainSource // a slice, not an interface: no conversion per request
	token  string
	found  *Credential
}

func (l *sourceLookup) SecretKey(accessKeyID string) (string, error) {
	cred, err := l.source.LookupAccessKey(l.ctx, accessKeyID, l.token)
	if err != nil {
		return "", err
	}
	if cred == nil {
		return "", ErrUnknownAccessKey
	}
	l.found = cred
	return cred.SecretAccessKey, nil
}

// securityToken is the X-Amz-Security-Token a request carries, from the
// headers or (presigned) the query string. The verifier reports the same
// value after checking the signature; sources need it earlier, to find the
// secret of temporary credentials whose token seals the session.
func securityToken(req *sigv4.Request) string {
	// Header.Get("X-Amz-Security-Token") without canonicalizing a key that
	// already is canonical.
	if v := req.Header["X-Amz-Security-Token"]; len(v) > 0 && v[0] != "" {
		return v[0]
	}
	if !strings.Contains(req.RawQuery, "X-Amz-Security-Token=") {
		return ""
	}
	q, err := url.ParseQuery(req.RawQuery)
	if err != nil {
		return ""
	}
	return q.Get("X-Amz-Security-Token")
}

// checkSessionService refuses IAM calls that temporary credentials may not
// make ("Compare AWS STS credentials", IAM User Guide): credentials from
// GetFederationToken cannot call IAM at all, and credentials from
// GetSessionToken only when MFA was included in the request for them. IAM
// answers these with InvalidClientTokenId, "The security token included in
// the request is invalid", before any policy is looked at.
func checkSessionService(s *Session, service string) *sigv4.Failure {
	if s == nil || service != "iam" {
		return nil
	}
	if s.Kind == SessionFederation || (s.Kind == SessionToken && !s.MFA) {
		return sigv4.InvalidSecurityToken()
	}
	return nil
}
