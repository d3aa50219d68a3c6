package emulator_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/ibemu/ibemu/emulator/emulatortest"
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
