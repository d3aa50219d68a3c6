package emulator

import (
	"context"
	"io"

	"google.golang.org/grpc"
	healthgrpc "google.golang.org/grpc/health/grpc_health_v1"
	reflectionv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	reflectionv1alpha "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"
)

// Streams that never end by themselves — the web page's decision events
// (GET /_emulator/events), the admin API's WatchDecisions, the gRPC health
// service's Watch, a server reflection stream — are not requests in flight: a shutdown that drained
// them would always wait the whole drain timeout, then cut them off. Close
// ends them first, through one signal: streamsCtx, cancelled when shutdown
// begins. Their handlers select on it and end the stream cleanly (an SSE
// response completed and its connection closed; a gRPC stream ended with
// status OK, which a client's Recv reports as io.EOF), while ordinary
// requests, and streams that end by themselves such as Snapshot, still
// drain.

// newStreamsSignal makes the signal; build calls it before wiring the
// handlers that take it.
func (e *Emulator) newStreamsSignal() {
	e.streamsCtx, e.endStreams = context.WithCancel(context.Background())
}

// openEndedForeign are the open-ended gRPC streams served by handlers that
// are not the emulator's own, so cannot select on streamsCtx: their stream
// context is cancelled at shutdown instead.
var openEndedForeign = map[string]bool{
	healthgrpc.Health_Watch_FullMethodName: true,
}

// clientEndedForeign are the open-ended gRPC streams whose handlers wait
// for the client's next message and watch nothing else: server reflection,
// which a gRPC UI may hold open as long as it runs. At shutdown their
// receive ends as if the client had closed its side (io.EOF), so the
// handler returns and the stream ends with status OK.
var clientEndedForeign = map[string]bool{
	reflectionv1.ServerReflection_ServerReflectionInfo_FullMethodName:      true,
	reflectionv1alpha.ServerReflection_ServerReflectionInfo_FullMethodName: true,
}

// endForeignStreams is a stream interceptor that ends the streams of
// openEndedForeign when shutdown begins. Such a stream ended by shutdown,
// not by its client, ends with status OK, as WatchDecisions does.
func (e *Emulator) endForeignStreams(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if clientEndedForeign[info.FullMethod] {
		return handler(srv, &recvUntil{ServerStream: ss, end: e.streamsCtx})
	}
	if !openEndedForeign[info.FullMethod] {
		return handler(srv, ss)
	}
	ctx, cancel := context.WithCancel(ss.Context())
	defer cancel()
	stop := context.AfterFunc(e.streamsCtx, cancel)
	defer stop()
	err := handler(srv, &streamContext{ServerStream: ss, ctx: ctx})
	if e.streamsCtx.Err() != nil && ss.Context().Err() == nil {
		return nil
	}
	return err
}

// streamContext is a server stream with another context.
type streamContext struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *streamContext) Context() context.Context { return s.ctx }

// recvUntil is a server stream whose RecvMsg reports io.EOF once end is
// done, even while it waits for the client. The wait itself goes on in a
// goroutine until the stream ends (the handler's return ends it), and may
// fill m meanwhile: m is the handler's, which has stopped using it.
type recvUntil struct {
	grpc.ServerStream
	end context.Context
}

func (s *recvUntil) RecvMsg(m any) error {
	if s.end.Err() != nil {
		return io.EOF
	}
	got := make(chan error, 1)
	go func() { got <- s.ServerStream.RecvMsg(m) }()
	select {
	case err := <-got:
		return err
	case <-s.end.Done():
		return io.EOF
	}
}
