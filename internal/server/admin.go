package server

import (
	"context"
	"fmt"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/ibemu/ibemu/grpcsigv4"
	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/auth/sigv4"
	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/callctx"
)

// AdminAllow decides whether an authenticated principal may use an admin
// service; nil allows.
type AdminAllow func(p *auth.Principal) bool

// adminService is a gRPC service of the emulator itself (not an AWS API):
// authenticated with SigV4 like every call, authorized by its own rule.
type adminService struct {
	desc  *grpc.ServiceDesc
	impl  any
	allow AdminAllow
}

// RegisterAdmin adds a gRPC service of the emulator's own, such as
// ibemu.admin.v1.Admin, to the gRPC servers built afterwards. Its calls,
// unary and streaming, are signed like every other (signing name: the
// second segment of the proto package) and allowed only to principals
// allow accepts; others get PermissionDenied with an AccessDenied message.
func (s *Server) RegisterAdmin(desc *grpc.ServiceDesc, impl any, allow AdminAllow) {
	s.admin = append(s.admin, adminService{desc: desc, impl: impl, allow: allow})
}

func (s *Server) adminFor(fullMethod string) *adminService {
	for i := range s.admin {
		if strings.HasPrefix(fullMethod, "/"+s.admin[i].desc.ServiceName+"/") {
			return &s.admin[i]
		}
	}
	return nil
}

// authenticateAdmin verifies an admin call and applies the service's rule;
// the returned context carries the call.
func (s *Server) authenticateAdmin(ctx context.Context, a *adminService, fullMethod string) (context.Context, error) {
	c := callctx.From(ctx)
	if c == nil {
		// A stream: the unary error interceptor did not run.
		c = &callctx.Call{RequestID: newRequestID(), Transport: "grpc"}
		c.SourceIP, c.SecureTransport = grpcSource(ctx)
		ctx = callctx.With(ctx, c)
		_ = grpc.SetHeader(ctx, metadata.Pairs(RequestIDMetadata, c.RequestID))
	}
	c.Time = s.now()
	md, _ := metadata.FromIncomingContext(ctx)
	authority := ""
	if v := md.Get(":authority"); len(v) > 0 {
		authority = v[0]
	}
	ident, failure := s.opts.Auth.AuthenticateGRPC(ctx, fullMethod, authority, md)
	if failure != nil {
		if l, ok := ctx.Value(requestLogKey{}).(*requestLog); ok {
			l.auth = failure
		}
		return nil, GRPCStatus(failure.GRPCError(sigv4.RESTJSON), c.RequestID, "ibemu").Err()
	}
	if f := s.replays.check(md, ident.RequestTime, c.Time); f != nil {
		return nil, GRPCStatus(f.GRPCError(sigv4.RESTJSON), c.RequestID, "ibemu").Err()
	}
	if want := grpcsigv4.SigningName(fullMethod); ident.Service != want {
		return nil, GRPCStatus(sigv4.WrongService(want).GRPCError(sigv4.RESTJSON), c.RequestID, "ibemu").Err()
	}
	c.Service, c.Region, c.Account, c.Principal = ident.Service, ident.Region, ident.Principal.AccountID, ident.Principal
	c.Operation = fullMethod[strings.LastIndexByte(fullMethod, '/')+1:]
	if a.allow != nil && !a.allow(&ident.Principal) {
		s.log.Info("admin call refused", "request_id", c.RequestID, "principal", ident.Principal.ARN, "method", fullMethod)
		e := awserr.New("AccessDeniedException", 403, fmt.Sprintf("User: %s is not authorized to perform: %s:%s because it is not an admin principal of this emulator (by default only arn:aws:iam::000000000000:root; see --admin-principal)", ident.Principal.ARN, c.Service, c.Operation))
		return nil, GRPCStatus(e, c.RequestID, "ibemu").Err()
	}
	s.log.Debug("admin call", "request_id", c.RequestID, "principal", ident.Principal.ARN, "method", fullMethod)
	return ctx, nil
}

// grpcStreamInterceptor authenticates the streaming methods of admin
// services; other streams (the health service's Watch) pass through.
func (s *Server) grpcStreamInterceptor(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	a := s.adminFor(info.FullMethod)
	if a == nil {
		return handler(srv, ss)
	}
	ctx, err := s.authenticateAdmin(ss.Context(), a, info.FullMethod)
	if err != nil {
		return err
	}
	return handler(srv, &streamWithContext{ServerStream: ss, ctx: ctx})
}

type streamWithContext struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *streamWithContext) Context() context.Context { return s.ctx }
