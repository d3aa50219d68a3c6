package storage_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/ibemu/ibemu/internal/storage"
)

const (
	// crashChildEnv names the file the child process writes to.
	crashChildEnv = "IBEMU_STORAGE_CRASH_CHILD_DB"
	// crashWriters is how many goroutines write in the child, so that both
	// the lone-writer path and batched commits are exercised.
	crashWriters = 4
	// crashChildMaxWrites stops a child that was never killed, so a broken
	// parent cannot leave it running forever.
	crashChildMaxWrites = 200_000
)

var crashScope = storage.Scope{Account: "123456789012", Region: "us-east-1"}

// crashValue is what the child stores under key; the parent recomputes it.
func crashValue(key string) string { return "value of " + key }

// runCrashChild writes keys with durable Updates and prints "ack <key>" only
// after Update has returned, until it is killed. It returns an exit code.
func runCrashChild(path string) int {
	db, err := storage.Open(path, storage.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child open:", err)
		return 2
	}
	var (
		stdout sync.Mutex
		wg     sync.WaitGroup
		failed = make(chan error, crashWriters)
	)
	for w := 0; w < crashWriters; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < crashChildMaxWrites/crashWriters; i++ {
				key := fmt.Sprintf("w%d/%08d", w, i)
				err := db.Update(context.Background(), func(tx *storage.Tx) error {
					return names.Insert(tx, crashScope, []byte(key), wrapperspb.String(crashValue(key)))
				})
				if err != nil {
					failed <- err
					return
				}
				stdout.Lock()
				_, err = os.Stdout.WriteString("ack " + key + "\n")
				stdout.Unlock()
				if err != nil {
					failed <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(failed)
	for err := range failed {
		fmt.Fprintln(os.Stderr, "child write:", err)
		return 2
	}
	return 3 // finished without being killed
}

// TestAcknowledgedWritesSurviveSIGKILL kills a writing process mid-stream and
// checks that every write it acknowledged is in the file afterwards.
func TestAcknowledgedWritesSurviveSIGKILL(t *testing.T) {
	const killAfter = 300
	path := filepath.Join(t.TempDir(), "crash.db")

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}

	var acked []string
	killed := false
	scanner := bufio.NewScanner(out)
	for scanner.Scan() {
		key, ok := strings.CutPrefix(scanner.Text(), "ack ")
		if !ok {
			t.Errorf("unexpected child output %q", scanner.Text())
			continue
		}
		acked = append(acked, key)
		if len(acked) == killAfter && !killed {
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatalf("kill child: %v", err)
			}
			killed = true
		}
	}
	// Lines written before the kill are still read above: they were acked.
	waitErr := cmd.Wait()
	var exitErr *exec.ExitError
	if !errors.As(waitErr, &exitErr) {
		t.Fatalf("child exit: %v (stderr: %s)", waitErr, stderr.String())
	}
	status, _ := exitErr.Sys().(syscall.WaitStatus)
	if !killed || !status.Signaled() || status.Signal() != syscall.SIGKILL {
		t.Fatalf("child was not killed mid-stream: %v after %d acks (stderr: %s)", waitErr, len(acked), stderr.String())
	}
	t.Logf("child acknowledged %d writes before SIGKILL", len(acked))

	db, err := storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatalf("reopen after crash: %v", err)
	}
	defer db.Close()
	if err := storage.CheckConsistency(db); err != nil {
		t.Fatalf("file inconsistent after crash: %v", err)
	}
	missing := 0
	mustView(t, db, func(tx *storage.Tx) error {
		for _, key := range acked {
			v, ok, err := names.Get(tx, crashScope, []byte(key))
			if err != nil {
				return err
			}
			if !ok || v.GetValue() != crashValue(key) {
				missing++
				if missing <= 10 {
					t.Errorf("acknowledged key %s: found %v, value %q", key, ok, v.GetValue())
				}
			}
		}
		return nil
	})
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged writes lost", missing, len(acked))
	}
	// The file still accepts writes.
	putName(t, db, crashScope, "after-crash", "ok")
}
