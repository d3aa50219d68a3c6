package server

import (
	"context"
	"fmt"
	"reflect"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"unsafe"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/ibemu/ibemu/internal/apimodel"
	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/wire/restjson"
	"github.com/ibemu/ibemu/internal/wire/restxml"
)

// intercept is the chain every call of an API operation runs through, on
// both transports, outermost first: recover (a panic in a handler becomes a
// 500 InternalFailure, logged with its stack; no input should ever reach
// it), request id (fills in the output's requestId), validation (the
// model's constraints), authorization (the enforcement layer), then the
// handler. It is one function rather than a chain of interceptors so that
// a call allocates no closures on its way through.
func (s *Server) intercept(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
	return s.interceptRoute(ctx, route{}, info, req, handler)
}

// interceptRoute is intercept for the operation rt when the caller knows
// it (the HTTP transport's directCall); a zero rt is found from info.
func (s *Server) interceptRoute(ctx context.Context, rt route, info *grpc.UnaryServerInfo, req any, handler grpc.UnaryHandler) (resp any, err error) {
	defer func() {
		if p := recover(); p != nil {
			s.logPanic(ctx, p)
			resp, err = nil, awserr.Internal(fmt.Errorf("panic: %v", p))
		}
	}()
	if rt.api == nil {
		var ok bool
		if rt, ok = s.route(info.FullMethod); !ok {
			return nil, awserr.Internal(fmt.Errorf("server: no route for %s", info.FullMethod))
		}
	}
	if err := s.validate(rt, req); err != nil {
		return nil, err
	}
	actx, err := s.opts.Authorizer.Authorize(ctx, rt.api.Model(), rt.op, req)
	if err != nil {
		return nil, err
	}
	if resp, err = handler(actx, req); err != nil {
		return resp, err
	}
	setRequestID(ctx, resp)
	return resp, nil
}

func (s *Server) logPanic(ctx context.Context, p any) {
	attrs := []any{"panic", fmt.Sprint(p), "stack", string(debug.Stack())}
	if c := callctx.From(ctx); c != nil {
		attrs = append(attrs, "request_id", c.RequestID, "operation", c.Service+":"+c.Operation)
	}
	s.log.ErrorContext(ctx, "recovered from a panic", attrs...)
}

// validate checks the input against the model's constraints (required
// members, lengths, patterns, enums, ranges) for both transports, before
// authorization and before the handler.
//
// Validation comes before authorization because that is what AWS does for
// model constraints: callers holding only an explicit Deny * got
// ValidationException for requests missing required members (WAF Regional,
// github.com/willbengtson/trailblazer-aws pull 5; elbv2's "must be in ARN
// format", same project, issue 2), and services answer protocol errors
// whatever the caller's permissions (github.com/Frichetten/aws_stealth_perm_enum
// documents the few that did not as a flaw AWS fixed). What depends on
// stored state — whether a resource exists, conflicts, policy grammar —
// stays in the handlers, after authorization, so an unauthorized caller
// learns nothing about resources it may not see.
func (s *Server) validate(rt route, req any) error {
	rt.api.link()
	msg, ok := req.(proto.Message)
	if !ok {
		return awserr.Internal(fmt.Errorf("server: %s: input is %T", rt.op.Name, req))
	}
	if vs := apimodel.Validate(rt.op.Input, msg.ProtoReflect()); len(vs) > 0 {
		if rt.api.Info.Protocol != apimodel.RESTXML {
			return rt.api.Model().ValidationError(vs)
		}
		// S3 has no ValidationException: its own codes, and most enum
		// values left to the service.
		if e := restxml.ValidationError(rt.op.Input, vs); e != nil {
			return e
		}
	}
	return nil
}

// setRequestID fills in the request id of a successful answer: an output
// with a string member requestId (every Image Builder output has one) that
// the handler left unset carries the call's request id, the one the
// x-amzn-RequestId header and the decision log carry. Handlers never set it
// themselves. A generated output shares the call's RequestID (never
// changed once the call is made) rather than copying it.
func setRequestID(ctx context.Context, resp any) {
	c := callctx.From(ctx)
	if c == nil || c.RequestID == "" {
		return
	}
	if f := lastRequestIDField.Load(); f != nil && reflect.TypeOf(resp) == f.t {
		// The output type of the previous call: its generated *string
		// field, read and set in place (nil is unset: the field has
		// explicit presence, see restjson.StringField).
		if p := reflect.ValueOf(resp).UnsafePointer(); p != nil {
			f.set(p, &c.RequestID)
			return
		}
	}
	msg, ok := resp.(proto.Message)
	if !ok {
		return
	}
	m := msg.ProtoReflect()
	rf := requestIDField(m.Descriptor())
	if rf == nil {
		return
	}
	if rf.gen != nil && rf.gen.t == reflect.TypeOf(resp) {
		lastRequestIDField.Store(rf.gen)
	}
	if !m.Has(rf.fd) {
		restjson.SetString(m, rf.fd, &c.RequestID)
	}
}

// requestIDGoField is a generated output type's requestId *string field.
type requestIDGoField struct {
	t      reflect.Type // the message's pointer type
	offset uintptr
}

// set stores s in the field of the message at p when it is unset.
func (f *requestIDGoField) set(p unsafe.Pointer, s *string) {
	field := (**string)(unsafe.Add(p, f.offset))
	if *field == nil {
		*field = s
	}
}

// lastRequestIDField is the field setRequestID found last: one type
// answers call after call.
var lastRequestIDField atomic.Pointer[requestIDGoField]

// requestIDInfo is a message type's string member requestId.
type requestIDInfo struct {
	fd  protoreflect.FieldDescriptor
	gen *requestIDGoField // nil: set through protoreflect
}

// requestIDFields holds requestIDField's answers by message descriptor (a
// nil *requestIDInfo for messages without one).
var requestIDFields sync.Map // protoreflect.MessageDescriptor → *requestIDInfo

// requestIDField is md's string member requestId, or nil: looked up once
// per message type.
func requestIDField(md protoreflect.MessageDescriptor) *requestIDInfo {
	if v, ok := requestIDFields.Load(md); ok {
		return v.(*requestIDInfo)
	}
	var found *requestIDInfo
	fd := md.Fields().ByName("request_id")
	if fd != nil && fd.Kind() == protoreflect.StringKind && !fd.IsList() && fd.JSONName() == "requestId" {
		found = &requestIDInfo{fd: fd}
		if t, off, ok := restjson.StringField(fd); ok {
			found.gen = &requestIDGoField{t: t, offset: off}
		}
	}
	requestIDFields.Store(md, found)
	return found
}
