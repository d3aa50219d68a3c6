package emulator_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	grpcinsecure "google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"

	"github.com/ibemu/ibemu/emulator/emulatortest"
	adminv1 "github.com/ibemu/ibemu/proto/admin/v1"
)

// TestCloseDoesNotWaitForUnusedConnections: a connection that never sent a
// request has nothing to drain, so Close must not wait on it (net/http alone
// would hold Shutdown for five seconds).
func TestCloseDoesNotWaitForUnusedConnections(t *testing.T) {
	emu := emulatortest.Start(t)
	conn, err := net.Dial("tcp", emu.HTTPURL()[len("http://"):])
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// A drain deadline shorter than net/http's five-second wait: Close must
	// finish the drain, not give up on it.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := emu.Close(ctx); err != nil {
		t.Fatalf("Close with an unused connection open: %v", err)
	}
}

// TestCloseEndsOpenStreams: the streams that never end by themselves — the
// web page's events, WatchDecisions, the gRPC health Watch, a server
// reflection stream a gRPC UI keeps open — are not
// requests to drain. Close ends them at once, each cleanly for its client,
// and finishes long before its drain deadline (a Close that waited for them
// would reach it: the context would be done).
func TestCloseEndsOpenStreams(t *testing.T) {
	t.Parallel()
	emu := emulatortest.Start(t)
	ctx := testContext(t)

	resp, err := http.Get(emu.HTTPURL() + "/_emulator/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	events := bufio.NewReader(resp.Body)
	if first, err := events.ReadString('\n'); err != nil || first != ": decisions\n" {
		t.Fatalf("the event stream did not open: %q %v", first, err)
	}
	eventsRest := make(chan error, 1)
	go func() {
		rest, err := io.ReadAll(events)
		if err == nil && !strings.Contains(string(rest), ": the emulator is shutting down\n") {
			err = fmt.Errorf("ended without saying why: %q", rest)
		}
		eventsRest <- err
	}()

	watch, err := rootAdminClient(t, emu).WatchDecisions(ctx, &adminv1.WatchDecisionsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := watch.Header(); err != nil { // subscribed
		t.Fatal(err)
	}
	watchEnd := make(chan error, 1)
	go func() {
		_, err := watch.Recv()
		watchEnd <- err
	}()

	conn, err := grpc.NewClient(emu.GRPCAddr(), grpc.WithTransportCredentials(grpcinsecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	health, err := healthpb.NewHealthClient(conn).Watch(ctx, &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if st, err := health.Recv(); err != nil || st.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health watch: %v %v", st, err)
	}
	healthEnd := make(chan error, 1)
	go func() {
		for {
			// NOT_SERVING may come first, then the end.
			if _, err := health.Recv(); err != nil {
				healthEnd <- err
				return
			}
		}
	}()

	// Server reflection: one question answered, then the client keeps the
	// stream open, as a gRPC UI does.
	refl, err := reflectionpb.NewServerReflectionClient(conn).ServerReflectionInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := refl.Send(&reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}}); err != nil {
		t.Fatal(err)
	}
	if r, err := refl.Recv(); err != nil || len(r.GetListServicesResponse().GetService()) == 0 {
		t.Fatalf("reflection: %v %v", r, err)
	}
	reflEnd := make(chan error, 1)
	go func() {
		_, err := refl.Recv()
		reflEnd <- err
	}()

	drain, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := emu.Close(drain); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if drain.Err() != nil {
		t.Fatal("Close waited for the drain deadline: an open stream held it")
	}
	if err := <-eventsRest; err != nil {
		t.Errorf("event stream: %v", err)
	}
	if err := <-watchEnd; !errors.Is(err, io.EOF) {
		t.Errorf("WatchDecisions ended with %v, want io.EOF (status OK)", err)
	}
	if err := <-healthEnd; !errors.Is(err, io.EOF) {
		t.Errorf("health Watch ended with %v, want io.EOF (status OK)", err)
	}
	if err := <-reflEnd; !errors.Is(err, io.EOF) {
		t.Errorf("server reflection ended with %v, want io.EOF (status OK)", err)
	}
}
