package storage_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/ibemu/ibemu/internal/storage"
)

// createCrashEnv holds "STEP|PATH|MODE": the child creates PATH (MODE
// "disk": on disk, as without memfds) and exits at STEP without running
// any deferred cleanup, as a killed process would.
const createCrashEnv = "IBEMU_STORAGE_CREATE_CRASH"

// createCrashExit is the child's exit status when it stopped at its step.
const createCrashExit = 77

var createOpts = storage.Options{Secrets: map[string]int{"seal": 32}}

func runCreateCrashChild(spec string) int {
	step, rest, _ := strings.Cut(spec, "|")
	path, mode, _ := strings.Cut(rest, "|")
	storage.SetOnDiskCreate(mode == "disk")
	storage.SetCreateHook(func(s string) {
		if s == step {
			os.Exit(createCrashExit)
		}
	})
	db, err := storage.Open(path, createOpts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child open:", err)
		return 2
	}
	_ = db.Close()
	return 3 // never reached the step
}

// createModes runs f with new files built from an in-memory image (the
// default on Linux) and on disk (as elsewhere).
func createModes(t *testing.T, f func(t *testing.T, mode string)) {
	for _, mode := range []string{"memory", "disk"} {
		t.Run(mode, func(t *testing.T) {
			storage.SetOnDiskCreate(mode == "disk")
			defer storage.SetOnDiskCreate(false)
			f(t, mode)
		})
	}
}

// leftovers lists the files of dir other than the data file.
func leftovers(t *testing.T, dir, name string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if e.Name() != name {
			out = append(out, e.Name())
		}
	}
	return out
}

func secret(t *testing.T, db *storage.DB) []byte {
	t.Helper()
	s, err := db.Secret(context.Background(), "seal", 32)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A new file is made whole beside its path and linked there: nothing else
// is left in the directory, and it reopens with its schema and secrets.
func TestCreateLeavesOnlyTheDataFile(t *testing.T) {
	createModes(t, testCreateLeavesOnlyTheDataFile)
}

func testCreateLeavesOnlyTheDataFile(t *testing.T, _ string) {
	dir := t.TempDir()
	path := filepath.Join(dir, "e.db")
	db, err := storage.Open(path, createOpts)
	if err != nil {
		t.Fatal(err)
	}
	if db.Path() != path {
		t.Errorf("Path() = %q, want %q", db.Path(), path)
	}
	if got := leftovers(t, dir, "e.db"); len(got) != 0 {
		t.Errorf("files left beside the data file: %v", got)
	}
	want := secret(t, db)
	putName(t, db, alice, "k", "v")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = storage.Open(path, createOpts)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := secret(t, db); !bytes.Equal(got, want) {
		t.Error("the secret made with the file changed on reopening")
	}
	if err := storage.CheckConsistency(db); err != nil {
		t.Fatal(err)
	}
	if db.SchemaVersion() != storage.BaseSchemaVersion {
		t.Errorf("schema version %d", db.SchemaVersion())
	}
}

// A process that dies at any step of creating the file leaves either no
// file at the path, and the next Open creates it, or the whole file, which
// opens with its schema stamp and secrets. Dying is os.Exit from the step
// (no deferred cleanup runs; the page cache is kept, as with SIGKILL).
func TestCreateSurvivesDeathAtEachStep(t *testing.T) {
	createModes(t, testCreateSurvivesDeathAtEachStep)
}

func testCreateSurvivesDeathAtEachStep(t *testing.T, mode string) {
	for i, step := range storage.CreateSteps {
		t.Run(strings.ReplaceAll(step, " ", "_"), func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "e.db")
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), createCrashEnv+"="+step+"|"+path+"|"+mode)
			out, err := cmd.CombinedOutput()
			var exitErr *exec.ExitError
			if !errors.As(err, &exitErr) || exitErr.ExitCode() != createCrashExit {
				t.Fatalf("child did not stop at %q: %v: %s", step, err, out)
			}
			_, statErr := os.Stat(path)
			linked := i >= 2 // "linked" and after
			if exists := statErr == nil; exists != linked {
				t.Fatalf("after dying at %q the data file exists=%v, want %v", step, exists, linked)
			}
			db, err := storage.Open(path, createOpts)
			if err != nil {
				t.Fatalf("open after dying at %q: %v", step, err)
			}
			defer db.Close()
			if err := storage.CheckConsistency(db); err != nil {
				t.Fatalf("inconsistent after dying at %q: %v", step, err)
			}
			if db.SchemaVersion() != storage.BaseSchemaVersion {
				t.Errorf("schema version %d", db.SchemaVersion())
			}
			first := secret(t, db)
			putName(t, db, alice, "k", "v")
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			db, err = storage.Open(path, createOpts)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if got := secret(t, db); !bytes.Equal(got, first) {
				t.Error("the secret changed between opens")
			}
			if got, _ := getName(t, db, alice, "k"); got != "v" {
				t.Errorf("write after recovery = %q, want v", got)
			}
		})
	}
}

// Another process that creates the file while this one is building its
// own wins: this Open does not replace it, and opens the file it made.
func TestCreateNeverReplacesAFileMadeMeanwhile(t *testing.T) {
	createModes(t, testCreateNeverReplacesAFileMadeMeanwhile)
}

func testCreateNeverReplacesAFileMadeMeanwhile(t *testing.T, _ string) {
	dir := t.TempDir()
	path := filepath.Join(dir, "e.db")
	var theirs []byte
	storage.SetCreateHook(func(step string) {
		if step != "synced" {
			return
		}
		storage.SetCreateHook(nil)
		other, err := storage.Open(path, createOpts)
		if err != nil {
			t.Errorf("the other open: %v", err)
			return
		}
		theirs = secret(t, other)
		putName(t, other, alice, "k", "theirs")
		if err := other.Close(); err != nil {
			t.Error(err)
		}
	})
	t.Cleanup(func() { storage.SetCreateHook(nil) })
	db, err := storage.Open(path, createOpts)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if theirs == nil {
		t.Fatal("the hook did not run")
	}
	if got := secret(t, db); !bytes.Equal(got, theirs) {
		t.Error("the file the other process made was replaced")
	}
	if got, _ := getName(t, db, alice, "k"); got != "theirs" {
		t.Errorf("k = %q, want the other process's write", got)
	}
	if got := leftovers(t, dir, "e.db"); len(got) != 0 {
		t.Errorf("files left beside the data file: %v", got)
	}
}

// The directory of a new file is synced in the background: a write is not
// acknowledged before that sync has ended.
func TestCreateAcknowledgesWritesOnlyOnceTheNameIsDurable(t *testing.T) {
	createModes(t, testCreateAcknowledgesWritesOnlyOnceTheNameIsDurable)
}

func testCreateAcknowledgesWritesOnlyOnceTheNameIsDurable(t *testing.T, _ string) {
	path := filepath.Join(t.TempDir(), "e.db")
	release := make(chan struct{})
	waiting := make(chan struct{}, 1)
	storage.SetCreateHook(func(step string) {
		switch step {
		case "directory synced":
			<-release
		case "await directory":
			select {
			case waiting <- struct{}{}:
			default:
			}
		}
	})
	t.Cleanup(func() { storage.SetCreateHook(nil) })
	db, err := storage.Open(path, createOpts)
	if err != nil {
		t.Fatal(err)
	}
	updated := make(chan error, 1)
	go func() {
		updated <- db.Update(context.Background(), func(tx *storage.Tx) error {
			return names.Insert(tx, alice, []byte("k"), wrapperspb.String("v"))
		})
	}()
	select {
	case <-waiting: // the Update committed and waits for the directory
	case err := <-updated:
		t.Fatalf("Update returned (%v) before the directory sync ended", err)
	}
	select {
	case err := <-updated:
		t.Fatalf("Update returned (%v) before the directory sync ended", err)
	default:
	}
	close(release)
	if err := <-updated; err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// A temporary file left by a process that died while creating the data
// file is removed by a later create once it is old; a recent one (another
// process may be building it right now) and other files stay.
func TestCreateRemovesStaleTemporaryFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "e.db")
	stale := filepath.Join(dir, ".e.db.new-123")
	recent := filepath.Join(dir, ".e.db.new-456")
	other := filepath.Join(dir, ".f.db.new-789")
	for _, f := range []string{stale, recent, other} {
		if err := os.WriteFile(f, []byte("half made"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-time.Hour)
	for _, f := range []string{stale, other} {
		if err := os.Chtimes(f, old, old); err != nil {
			t.Fatal(err)
		}
	}
	db, err := storage.Open(path, createOpts)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got := leftovers(t, dir, "e.db")
	want := []string{".e.db.new-456", ".f.db.new-789"}
	if !slices.Equal(got, want) {
		t.Errorf("files beside the data file: %v, want %v", got, want)
	}
}

// Created tells a file this Open made from one that existed, whether the
// file was made beside its path and linked or made in place (NoSync).
func TestCreatedTellsAMadeFile(t *testing.T) {
	for _, noSync := range []bool{false, true} {
		path := filepath.Join(t.TempDir(), "e.db")
		opts := createOpts
		opts.NoSync = noSync
		for i, want := range []bool{true, false} {
			db, err := storage.Open(path, opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := db.Created(); got != want {
				t.Errorf("NoSync=%v, open %d: Created() = %v, want %v", noSync, i, got, want)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// A file removed from its path while Open waited for its lock (a failed
// start removes the file it made before it lets go of the lock) is not
// served: Open sees the path no longer names the file it locked and opens
// the path again, making a new file. Found by a trial: the waiting start
// served a deleted file, and every write it acknowledged was gone after it
// stopped.
func TestOpenAgainWhenTheFileIsRemovedUnderTheLock(t *testing.T) {
	for _, noSync := range []bool{false, true} {
		dir := t.TempDir()
		path := filepath.Join(dir, "e.db")
		opts := createOpts
		opts.NoSync = noSync
		db, err := storage.Open(path, opts)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		removed := 0
		storage.SetCreateHook(func(step string) {
			if step == "locked" && removed == 0 {
				removed++
				if err := os.Remove(path); err != nil {
					t.Error(err)
				}
			}
		})
		db, err = storage.Open(path, opts)
		if err != nil {
			storage.SetCreateHook(nil)
			t.Fatalf("NoSync=%v: %v", noSync, err)
		}
		if removed != 1 || !db.Created() {
			t.Errorf("NoSync=%v: removed %d, Created %v: want the file made again", noSync, removed, db.Created())
		}
		putName(t, db, alice, "k", "v")
		// Close waits for the new file's directory sync, the last step
		// that calls the hook.
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		storage.SetCreateHook(nil)
		db, err = storage.Open(path, opts)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := getName(t, db, alice, "k"); got != "v" {
			t.Errorf("NoSync=%v: the write is not in the file at the path: %q", noSync, got)
		}
		_ = db.Close()
	}
}
