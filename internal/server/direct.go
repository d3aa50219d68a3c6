package server

import (
	"context"
	"fmt"
	"reflect"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
)

// directCall is how the HTTP transport runs one operation: the
// interceptor chain and the implementation exactly as the generated gRPC
// handler would call them, with the handler's per-call parts made once.
// A generated handler allocates, on every call, its UnaryServerInfo and a
// closure around the implementation (both constant per method), and it
// needs its decoder as a func value, which makes the HTTP transport's
// decode closure escape as well. captureCall runs the generated handler
// once, when the API is built, with an interceptor that keeps its info and
// its handler closure instead of calling them; a request then makes its
// input message, decodes into it (the closure stays on the stack) and
// calls the chain with those.
type directCall struct {
	rt      route
	info    *grpc.UnaryServerInfo // never written after captureCall
	handler grpc.UnaryHandler     // calls the implementation with the input
	input   reflect.Type          // the generated input message's type, *T
}

// captureCall makes the directCall of the operation rt.op of a, served by
// md. It fails when md's handler does not behave like protoc-gen-go-grpc's
// (decode into a new *T, then the interceptor with the method's info):
// the API then does not build, rather than serve by another path.
func captureCall(a *API, md *grpc.MethodDesc, rt route) (*directCall, error) {
	dc := &directCall{rt: rt}
	decoded := false
	_, err := md.Handler(a.Impl, context.Background(), func(in any) error {
		decoded = true
		dc.input = reflect.TypeOf(in)
		return nil
	}, func(_ context.Context, _ any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		dc.info, dc.handler = info, handler
		return nil, nil
	})
	switch {
	case err != nil:
		return nil, fmt.Errorf("server: %s: capturing the handler of %s: %w", a.Info.Name, md.MethodName, err)
	case !decoded || dc.info == nil || dc.handler == nil:
		return nil, fmt.Errorf("server: %s: the handler of %s did not decode and call its interceptor", a.Info.Name, md.MethodName)
	case dc.info.FullMethod != rt.op.GRPCMethod:
		return nil, fmt.Errorf("server: %s: the handler of %s names the method %q", a.Info.Name, md.MethodName, dc.info.FullMethod)
	case dc.input == nil || dc.input.Kind() != reflect.Pointer || dc.input.Elem().Kind() != reflect.Struct || !dc.input.Implements(protoMessageType):
		return nil, fmt.Errorf("server: %s: the handler of %s decodes into %v", a.Info.Name, md.MethodName, dc.input)
	}
	return dc, nil
}

var protoMessageType = reflect.TypeFor[proto.Message]()

// newInput returns a new, empty input message, as the generated handler's
// new(T).
func (dc *directCall) newInput() proto.Message {
	return reflect.New(dc.input.Elem()).Interface().(proto.Message)
}
