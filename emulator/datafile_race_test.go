package emulator

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ibemu/ibemu/internal/storage"
)

// Two starts on one new data file: the one that makes the file keeps it.
// The other, which saw no file when it began, must not remove it when it
// fails — whether it fails waiting for the lock (the winner is serving) or
// later (the winner has stopped and its file holds data). Found by a trial:
// the loser deleted the winner's file, which went on serving a deleted inode.
func TestFailedStartKeepsAFileAnotherStartMade(t *testing.T) {
	start := func(t *testing.T, path string) *Emulator {
		t.Helper()
		e, err := Start(context.Background(), Config{HTTPAddr: "127.0.0.1:0", GRPCAddr: "127.0.0.1:0", DataPath: path})
		if err != nil {
			t.Fatalf("start: %v", err)
		}
		return e
	}
	stop := func(t *testing.T, e *Emulator) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := e.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { testHookPrepared = nil })

	t.Run("loser waits for the lock", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "new", "e.db")
		var winner *Emulator
		testHookPrepared = func(Config) {
			testHookPrepared = nil
			winner = start(t, path)
		}
		_, err := Start(context.Background(), Config{HTTPAddr: "127.0.0.1:0", GRPCAddr: "127.0.0.1:0", DataPath: path})
		if !errors.Is(err, storage.ErrLocked) {
			t.Fatalf("second start: %v, want ErrLocked", err)
		}
		if winner == nil {
			t.Fatal("the winner did not start")
		}
		defer stop(t, winner)
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("the losing start removed the winner's file: %v", err)
		}
	})

	t.Run("loser fails after opening", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "new", "e.db")
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		testHookPrepared = func(Config) {
			testHookPrepared = nil
			stop(t, start(t, path))
		}
		_, err = Start(context.Background(), Config{HTTPAddr: ln.Addr().String(), GRPCAddr: "127.0.0.1:0", DataPath: path})
		if err == nil {
			t.Fatal("started on a port in use")
		}
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("the failed start removed a file it did not make: %v", err)
		}
	})
}
