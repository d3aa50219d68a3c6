package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/ibemu/ibemu/internal/apimodel"
	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/auth/sigv4"
)

// Authenticator verifies the SigV4 signature of a request; *auth.Authenticator
// implements it.
type Authenticator interface {
	// AuthenticateHTTP verifies an AWS wire request whose body was read.
	AuthenticateHTTP(r *http.Request, body []byte) (*auth.Identity, *sigv4.Failure)
	// AuthenticateHTTPStreaming verifies a request whose body has not been
	// read (S3): the body is read, and verified against the signed
	// x-amz-content-sha256 mode, through the returned Payload.
	AuthenticateHTTPStreaming(r *http.Request) (*auth.Identity, *auth.Payload, *sigv4.Failure)
	// AuthenticateGRPC verifies the signature a gRPC call carries in its
	// metadata.
	AuthenticateGRPC(ctx context.Context, fullMethod, authority string, md metadata.MD) (*auth.Identity, *sigv4.Failure)
}

// Authorizer decides whether the call in ctx may run the operation with
// this input. It returns the context the handler runs with (carrying what
// the decision resolved) to allow, or the error to answer (an
// AccessDenied-style *awserr.Error). The enforcement layer (internal/authz)
// implements it.
type Authorizer interface {
	Authorize(ctx context.Context, svc *apimodel.Service, op *apimodel.Operation, input any) (context.Context, error)
}

// Options configure a Server.
type Options struct {
	Auth Authenticator
	// Authorizer decides every call. Required: a server that would let
	// authenticated calls through undecided is not built.
	Authorizer Authorizer
	// Internal serves the emulator's own paths under /_emulator/ other than
	// the health check (decision traces, …); nil answers them 404.
	Internal http.Handler
	Logger   *slog.Logger
	Clock    func() time.Time
	// MaxBodyBytes caps request bodies; larger ones are refused with 413.
	// For restXml APIs (S3) it caps XML documents, refused with S3's
	// EntityTooLarge.
	MaxBodyBytes int64
	// MaxObjectBytes caps raw payloads of restXml operations (S3 object
	// bodies: PutObject, UploadPart); larger ones are refused with
	// EntityTooLarge (400). Default DefaultMaxObjectBytes.
	MaxObjectBytes int64
	// S3BaseHosts are the host names under which S3 requests are
	// virtual-hosted: a request to BUCKET.BASE (any port) addresses the
	// bucket BUCKET. A "*" stands for one DNS label
	// ("s3.*.amazonaws.com"). Nil means DefaultS3BaseHosts; requests to
	// IP-literal hosts are always path style.
	S3BaseHosts []string
	// Version is reported by the health endpoint.
	Version string
	// BodyReadTimeout is how long a request body may go without a byte
	// arriving: the request is then answered RequestTimeout and its
	// connection closed. Zero means DefaultBodyReadTimeout, negative no
	// limit.
	BodyReadTimeout time.Duration
	// MaxHeaderFields caps the header fields of a request (each value of a
	// repeated header counts); more are refused with 400
	// RequestHeaderSectionTooLarge. Zero means DefaultMaxHeaderFields.
	MaxHeaderFields int
}

// DefaultMaxBodyBytes is the default cap on request bodies. Image Builder's
// largest documents are 16,000 characters; IAM policies are smaller.
const DefaultMaxBodyBytes = 2 << 20

// DefaultMaxObjectBytes is the default cap on S3 object bodies: 64 MiB.
// The emulator keeps objects in its database; larger uploads are refused
// with EntityTooLarge.
const DefaultMaxObjectBytes = 64 << 20

// DefaultS3BaseHosts are the virtual-hosted-style base hosts recognized by
// default: *.localhost (every name under localhost reaches the loopback
// interface, RFC 6761), *.s3.localhost, and AWS's own S3 endpoint names, for
// clients configured to send them to the emulator.
var DefaultS3BaseHosts = []string{"localhost", "s3.localhost", "s3.amazonaws.com", "s3.*.amazonaws.com"}

// Server serves the registered APIs over HTTP and gRPC.
type Server struct {
	opts      Options
	log       *slog.Logger
	now       func() time.Time
	realClock bool // now is time.Now (Options.Clock unset)
	apis      []*API
	bySigner  map[string]*API // by SigV4 signing name
	byService map[string]*API // by full gRPC service name
	chain     grpc.UnaryServerInterceptor
	ready     atomic.Bool
	admin     []adminService
	replays   replayGuard // gRPC signatures seen within GRPCReplayWindow
}

// New returns a server with no APIs yet. It fails without an authenticator
// or an authorizer.
func New(opts Options) (*Server, error) {
	if opts.Auth == nil {
		return nil, errors.New("server: Options.Auth is required")
	}
	if opts.Authorizer == nil {
		return nil, errors.New("server: Options.Authorizer is required: every call must be decided")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	realClock := opts.Clock == nil
	if realClock {
		opts.Clock = time.Now
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.MaxObjectBytes <= 0 {
		opts.MaxObjectBytes = DefaultMaxObjectBytes
	}
	if opts.BodyReadTimeout == 0 {
		opts.BodyReadTimeout = DefaultBodyReadTimeout
	}
	if opts.MaxHeaderFields <= 0 {
		opts.MaxHeaderFields = DefaultMaxHeaderFields
	}
	if opts.S3BaseHosts == nil {
		opts.S3BaseHosts = DefaultS3BaseHosts
	}
	s := &Server{
		opts:      opts,
		log:       opts.Logger,
		now:       opts.Clock,
		realClock: realClock,
		bySigner:  map[string]*API{},
		byService: map[string]*API{},
	}
	s.chain = s.intercept
	return s, nil
}

// Register adds an API: its model, its generated service description and
// the implementation (which must implement desc.HandlerType). The model
// need not be linked yet (the generated ModelIndex): the API links it on
// its first request. Register checks the model against the service
// description now; RegisterLazy defers building the model.
func (s *Server) Register(model *apimodel.Service, desc *grpc.ServiceDesc, impl any) error {
	if model == nil {
		return errors.New("server: Register needs a model, a service description and an implementation")
	}
	a, err := s.register(model.Info(), func() *apimodel.Service { return model }, desc, impl)
	if err != nil {
		return err
	}
	return a.build()
}

// RegisterLazy adds an API by its identity (the generated Info) and a
// function that returns its model (the generated ModelIndex), called on the
// API's first request: routing needs only the identity, so the services a
// process never serves cost no model. A model that does not match the
// service description is found then, and answered InternalFailure; Check
// finds it up front.
func (s *Server) RegisterLazy(info apimodel.ServiceInfo, model func() *apimodel.Service, desc *grpc.ServiceDesc, impl any) error {
	if model == nil {
		return errors.New("server: RegisterLazy needs a model, a service description and an implementation")
	}
	_, err := s.register(info, model, desc, impl)
	return err
}

func (s *Server) register(info apimodel.ServiceInfo, model func() *apimodel.Service, desc *grpc.ServiceDesc, impl any) (*API, error) {
	if desc == nil || impl == nil {
		return nil, errors.New("server: Register needs a model, a service description and an implementation")
	}
	if _, dup := s.bySigner[info.SigningName]; dup {
		return nil, fmt.Errorf("server: %s registered twice", info.SigningName)
	}
	if info.GRPCService != desc.ServiceName {
		return nil, fmt.Errorf("server: %s: model and service description disagree on the service name", info.Name)
	}
	if _, dup := s.byService[desc.ServiceName]; dup {
		return nil, fmt.Errorf("server: %s registered twice", desc.ServiceName)
	}
	a := newAPI(info, model, desc, impl)
	s.apis = append(s.apis, a)
	s.bySigner[info.SigningName] = a
	s.byService[desc.ServiceName] = a
	return a, nil
}

// Check builds the model of every registered API and checks it against
// its identity and service description, as Register does.
func (s *Server) Check() error {
	for _, a := range s.apis {
		if err := a.build(); err != nil {
			return err
		}
	}
	return nil
}

// Services lists the signing names of the registered APIs that serve at
// least one operation of their own (an API whose every operation answers
// UnsupportedOperation is registered but not listed), in registration order.
// It does not build the APIs' models.
func (s *Server) Services() []string {
	out := make([]string, 0, len(s.apis))
	for _, a := range s.apis {
		if a.implementsOps() {
			out = append(out, a.Info.SigningName)
		}
	}
	return out
}

// SetInternal replaces the handler of the emulator's own paths under
// /_emulator/ (nil answers them 404); the health check stays. Call it
// before serving.
func (s *Server) SetInternal(h http.Handler) { s.opts.Internal = h }

// SetReady marks the server ready: the health endpoint answers 200.
func (s *Server) SetReady(ready bool) { s.ready.Store(ready) }
