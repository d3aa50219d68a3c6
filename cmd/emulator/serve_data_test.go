package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// serveUntilReady runs serve with env in-process until it serves, and
// returns a function that stops it and returns its exit code and output.
func serveUntilReady(t *testing.T, args []string, env map[string]string) (stdout string, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncWriter
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"serve"}, args...), nil, &out, &errOut, func(k string) string { return env[k] })
	}()
	for !strings.Contains(out.String(), "serving") {
		next := out.next()
		select {
		case code := <-done:
			cancel()
			t.Fatalf("serve exited with %d: %s", code, errOut.String())
		case <-next:
		}
	}
	return out.String(), func() int { cancel(); return <-done }
}

// TestServeDataFlag: an empty -data is refused, :memory: and -ephemeral
// use a temporary file removed at exit.
func TestServeDataFlag(t *testing.T) {
	var out, errOut syncWriter
	if code := run(context.Background(), []string{"serve", "--data", ""}, nil, &out, &errOut, func(string) string { return "" }); code != 2 || !strings.Contains(errOut.String(), "-data is empty") {
		t.Errorf("--data \"\": code %d, stderr %q", code, errOut.String())
	}
	for _, args := range [][]string{{"--data", ":memory:"}, {"--ephemeral"}} {
		dir := t.TempDir()
		t.Chdir(dir)
		env := map[string]string{"IBEMU_HTTP": "127.0.0.1:0", "IBEMU_GRPC": "127.0.0.1:0"}
		printed, stop := serveUntilReady(t, args, env)
		if !strings.Contains(printed, "ephemeral") {
			t.Errorf("%v: output %q does not say ephemeral", args, printed)
		}
		line := printed[strings.Index(printed, "data:"):]
		path := strings.Fields(strings.TrimPrefix(line, "data:"))[0]
		if _, err := os.Stat(path); err != nil {
			t.Errorf("%v: the temporary data file %s: %v", args, path, err)
		}
		if code := stop(); code != 0 {
			t.Errorf("%v: exit %d", args, code)
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("%v: %s survived the exit (%v)", args, path, err)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("%v: files left in the working directory: %v", args, entries)
		}
	}
	// IBEMU_EPHEMERAL does the same.
	printed, stop := serveUntilReady(t, nil, map[string]string{"IBEMU_HTTP": "127.0.0.1:0", "IBEMU_GRPC": "127.0.0.1:0", "IBEMU_EPHEMERAL": "true"})
	if !strings.Contains(printed, "ephemeral") {
		t.Errorf("IBEMU_EPHEMERAL: %q", printed)
	}
	stop()
}

// TestPortClashLeavesNoDataFile: a start that cannot listen removes the
// data file (and directory) it created, and leaves an existing one.
func TestPortClashLeavesNoDataFile(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dir := t.TempDir()
	data := filepath.Join(dir, "new", "e.db")
	var out, errOut syncWriter
	code := run(context.Background(), []string{"serve", "--http", ln.Addr().String(), "--grpc", "127.0.0.1:0", "--data", data}, nil, &out, &errOut, func(string) string { return "" })
	if code != 1 || !strings.Contains(errOut.String(), "listen for HTTP") {
		t.Fatalf("code %d, stderr %q", code, errOut.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "new")); !os.IsNotExist(err) {
		t.Errorf("the failed start left %s behind (%v)", filepath.Join(dir, "new"), err)
	}
}

// TestHealthCommand: health exits 0 against a ready emulator and 1 when
// nothing listens; the seed flag applies a seed file.
func TestHealthCommand(t *testing.T) {
	addr := freeAddr(t)
	seed := filepath.Join(t.TempDir(), "seed.yaml")
	if err := os.WriteFile(seed, []byte("accounts:\n  - id: \"111111111111\"\n    iam:\n      users: [{name: seeded}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"IBEMU_HTTP": addr, "IBEMU_GRPC": "127.0.0.1:0", "IBEMU_EPHEMERAL": "1", "IBEMU_SEED": seed}
	_, stop := serveUntilReady(t, nil, env)
	var out, errOut syncWriter
	if code := run(context.Background(), []string{"health"}, nil, &out, &errOut, func(k string) string { return env[k] }); code != 0 || !strings.Contains(out.String(), "ok") {
		t.Errorf("health: %d %q %q", code, out.String(), errOut.String())
	}
	// --endpoint takes host:port as --http does, or a URL.
	for _, ep := range []string{addr, "http://" + addr + "/"} {
		out = syncWriter{}
		if code := run(context.Background(), []string{"health", "--endpoint", ep}, nil, &out, &errOut, func(string) string { return "" }); code != 0 {
			t.Errorf("health --endpoint %s: %d %q", ep, code, errOut.String())
		}
	}
	if code := stop(); code != 0 {
		t.Errorf("serve exit %d", code)
	}
	out, errOut = syncWriter{}, syncWriter{}
	if code := run(context.Background(), []string{"health", "--endpoint", "http://" + addr}, nil, &out, &errOut, func(string) string { return "" }); code != 1 {
		t.Errorf("health with nothing listening: %d %q", code, errOut.String())
	}
	// A bad seed stops serve with the file named.
	if err := os.WriteFile(seed, []byte("accounts: [{id: nope}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	errOut = syncWriter{}
	if code := run(context.Background(), []string{"serve", "--ephemeral", "--http", "127.0.0.1:0", "--grpc", "127.0.0.1:0", "--seed", seed}, nil, &out, &errOut, func(string) string { return "" }); code != 1 || !strings.Contains(errOut.String(), seed) {
		t.Errorf("bad seed: %d %q", code, errOut.String())
	}
}

func TestHealthDefault(t *testing.T) {
	for in, want := range map[string]string{"": "http://127.0.0.1:4700", "0.0.0.0:4700": "http://127.0.0.1:4700", "[::]:9": "http://127.0.0.1:9", "localhost:5": "http://localhost:5"} {
		if got := healthDefault(func(string) string { return in }); got != want {
			t.Errorf("IBEMU_HTTP=%q: %s, want %s", in, got, want)
		}
	}
}
