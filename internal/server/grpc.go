package server

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"

	"github.com/ibemu/ibemu/internal/apimodel"
	"github.com/ibemu/ibemu/internal/auth/sigv4"
	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/callctx"
)

// RequestIDMetadata is the gRPC header carrying the request id.
const RequestIDMetadata = "x-amzn-requestid"

// NewGRPCServer returns a gRPC server serving every registered API with the
// same authentication, interceptor chain and handlers as the AWS wire
// endpoint, plus server reflection and the standard health service.
func (s *Server) NewGRPCServer(extra ...grpc.ServerOption) (*grpc.Server, *health.Server) {
	opts := append([]grpc.ServerOption{
		grpc.ChainUnaryInterceptor(s.grpcErrorInterceptor, s.grpcAuthInterceptor),
		grpc.ChainStreamInterceptor(s.grpcStreamInterceptor),
		grpc.MaxRecvMsgSize(s.maxGRPCMessage()),
		grpc.MaxSendMsgSize(s.maxGRPCMessage()),
	}, extra...)
	gs := grpc.NewServer(opts...)
	hs := health.NewServer()
	for _, a := range s.apis {
		gs.RegisterService(a.Desc, a.Impl)
		hs.SetServingStatus(a.Desc.ServiceName, healthpb.HealthCheckResponse_SERVING)
	}
	for _, a := range s.admin {
		gs.RegisterService(a.desc, a.impl)
	}
	healthpb.RegisterHealthServer(gs, hs)
	reflection.Register(gs)
	return gs, hs
}

// maxGRPCMessage is the largest message either way: an S3 object (a
// PutObject request, a GetObject response) travels in one message, so the
// limit is the object limit plus room for the other members, when any
// served API is restXml; otherwise the request body limit.
func (s *Server) maxGRPCMessage() int {
	limit := s.opts.MaxBodyBytes
	for _, a := range s.apis {
		if a.Info.Protocol == apimodel.RESTXML && s.opts.MaxObjectBytes+s.opts.MaxBodyBytes > limit {
			limit = s.opts.MaxObjectBytes + s.opts.MaxBodyBytes
		}
	}
	return int(limit)
}

// grpcAuthInterceptor verifies the SigV4 signature carried in metadata, puts
// the call in the context and runs the shared chain (recover, validate,
// authorize). Methods that are not API operations (the health service) go
// straight to their handler, without authentication.
func (s *Server) grpcAuthInterceptor(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	rt, ok := s.route(info.FullMethod)
	if ok {
		rt.api.link()
	}
	if !ok {
		if a := s.adminFor(info.FullMethod); a != nil {
			ctx, err := s.authenticateAdmin(ctx, a, info.FullMethod)
			if err != nil {
				return nil, err
			}
			return handler(ctx, req)
		}
		return handler(ctx, req)
	}
	start := s.now()
	md, _ := metadata.FromIncomingContext(ctx)
	authority := ""
	if v := md.Get(":authority"); len(v) > 0 {
		authority = v[0]
	}
	// A failure answers in the vocabulary of the service called, as it does
	// over HTTP: STS and IAM say SignatureDoesNotMatch where Image Builder
	// says InvalidSignatureException.
	ident, failure := s.opts.Auth.AuthenticateGRPC(ctx, info.FullMethod, authority, md)
	if failure != nil {
		if l, ok := ctx.Value(requestLogKey{}).(*requestLog); ok {
			l.auth = failure
		}
		return nil, failure.GRPCError(rt.api.sigv4Protocol())
	}
	if f := s.replays.check(md, ident.RequestTime, start); f != nil {
		return nil, f.GRPCError(rt.api.sigv4Protocol())
	}
	if ident.Service != rt.api.Info.SigningName {
		// The verifier expects the signing name of the method's proto
		// package; this catches a package that disagrees with the model.
		return nil, sigv4.WrongService(rt.api.Info.SigningName).GRPCError(rt.api.sigv4Protocol())
	}
	c := callctx.From(ctx)
	c.Service = rt.api.Info.SigningName
	c.Operation = rt.op.Name
	c.Region = ident.Region
	c.Account = ident.Principal.AccountID
	c.Principal = ident.Principal
	c.Time = start
	resp, err := s.chain(ctx, req, info, handler)
	if wd := c.WouldDeny(); len(wd) > 0 {
		_ = grpc.SetHeader(ctx, metadata.Pairs(WouldDenyMetadata, strings.Join(wd, ", ")))
	}
	return resp, err
}

// grpcErrorInterceptor is outermost: it gives the call a request id (sent
// as header metadata) and converts *awserr.Error into a gRPC status whose
// ErrorInfo detail carries the AWS error code and HTTP status.
func (s *Server) grpcErrorInterceptor(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	c := &callctx.Call{RequestID: newRequestID(), Transport: "grpc"}
	c.SourceIP, c.SecureTransport = grpcSource(ctx)
	ctx = callctx.With(ctx, c)
	_ = grpc.SetHeader(ctx, metadata.Pairs(RequestIDMetadata, c.RequestID))
	l := &requestLog{transport: "grpc", requestID: c.RequestID, start: time.Now(), call: c}
	l.service, l.operation = s.grpcMethod(info.FullMethod)
	ctx = context.WithValue(ctx, requestLogKey{}, l)
	if !strings.HasPrefix(info.FullMethod, "/grpc.") { // not health checks or reflection
		defer func() { s.logRequest(ctx, l) }()
	}
	resp, err := handler(ctx, req)
	if err == nil {
		l.status = http.StatusOK
		return resp, nil
	}
	l.status = http.StatusInternalServerError
	if ae, ok := awserr.As(err); ok {
		l.code, l.status = ae.Code, ae.HTTPStatus
	} else if l.auth != nil {
		ae := l.auth.AWSError(sigv4.RESTJSON)
		l.code, l.status = ae.Code, ae.HTTPStatus
	}
	if _, isStatus := status.FromError(err); isStatus {
		if _, isAWS := awserr.As(err); !isAWS {
			return nil, err
		}
	}
	e := awserr.From(err)
	if serverFault(e) {
		s.log.Error("request failed", "request_id", c.RequestID, "method", info.FullMethod, "code", e.Code, "error", e.Unwrap())
	}
	return nil, GRPCStatus(e, c.RequestID, s.domainOf(info.FullMethod)).Err()
}

// GRPCStatus converts an AWS error to a gRPC status with an ErrorInfo
// detail: Reason is the AWS error code, Metadata holds the HTTP status and
// the request id.
func GRPCStatus(e *awserr.Error, requestID, domain string) *status.Status {
	st := status.New(e.GRPCStatusCode(), e.Message)
	withDetails, err := st.WithDetails(&errdetails.ErrorInfo{
		Reason: e.Code,
		Domain: domain,
		Metadata: map[string]string{
			"httpStatus": strconv.Itoa(e.HTTPStatus),
			"requestId":  requestID,
		},
	})
	if err != nil {
		return st
	}
	return withDetails
}

func (s *Server) domainOf(fullMethod string) string {
	if rt, ok := s.route(fullMethod); ok {
		return rt.api.Info.SigningName + ".amazonaws.com"
	}
	return "ibemu"
}
