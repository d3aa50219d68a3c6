// Package emulatortest starts an in-process emulator for a Go test: on
// loopback ports chosen by the system, over a data file in the test's
// temporary directory, closed when the test ends.
//
//	emu := emulatortest.Start(t)
//	client := imagebuilder.NewFromConfig(emu.AWSConfig("111122223333"))
package emulatortest

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/ibemu/ibemu/emulator"
)

// Start starts an emulator for t and closes it at the end of the test.
// configure, when given, adjusts the configuration first (set DataPath to
// reuse a file across restarts).
func Start(t testing.TB, configure ...func(*emulator.Config)) *emulator.Emulator {
	t.Helper()
	cfg := emulator.Config{
		HTTPAddr: "127.0.0.1:0",
		GRPCAddr: "127.0.0.1:0",
		DataPath: filepath.Join(t.TempDir(), "emulator.db"),
	}
	for _, f := range configure {
		f(&cfg)
	}
	emu, err := emulator.Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("start emulator: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := emu.Close(ctx); err != nil {
			t.Errorf("close emulator: %v", err)
		}
	})
	return emu
}
