package emulator

import (
	"context"
	"path/filepath"
	"testing"
)

// TestRegisteredModelsCheck: the emulator registers its APIs lazily (a
// model is built on its API's first request); every model matches the
// identity and gRPC service description it is registered with.
func TestRegisteredModelsCheck(t *testing.T) {
	ctx := context.Background()
	emu, err := Start(ctx, Config{HTTPAddr: "127.0.0.1:0", GRPCAddr: "127.0.0.1:0", DataPath: filepath.Join(t.TempDir(), "e.db"), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close(ctx)
	if got := emu.srv.Services(); len(got) != 5 {
		t.Errorf("Services() = %v, want the five APIs", got)
	}
	if err := emu.srv.Check(); err != nil {
		t.Fatal(err)
	}
}
