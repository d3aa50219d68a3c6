package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSIGTERMClosesAStalledBody: a client sends its headers and half of a
// body, then stalls. SIGTERM must not wait for it beyond the drain timeout:
// the process closes the connection and exits 0, and says nothing about a
// gRPC drain, where nothing was in flight.
func TestSIGTERMClosesAStalledBody(t *testing.T) {
	const drain = 300 * time.Millisecond
	dir := t.TempDir()
	httpAddr, grpcAddr := freeAddr(t), freeAddr(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$", "--", "serve", "--http", httpAddr, "--grpc", grpcAddr,
		"--data", filepath.Join(dir, "e.db"), "--log-level", "debug", "--drain-timeout", drain.String(),
		// The body-read timeout is longer than the test: the drain limit,
		// not the body timeout, must end the stalled request.
		"--body-read-timeout", "10m")
	cmd.Env = append(os.Environ(), "IBEMU_TEST_MAIN=1")
	var stderr syncWriter
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Kill()
	}()
	waitHealthy(t, "http://"+httpAddr)

	body := []byte(`{"name":"stalled","semanticVersion":"1.0.0","platform":"Linux","data":"x"}`)
	req := signedRequest(t, "PUT", "http://"+httpAddr+"/CreateComponent", "test", body)
	conn, err := net.Dial("tcp", httpAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var head bytes.Buffer
	fmt.Fprintf(&head, "PUT /CreateComponent HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", httpAddr, len(body))
	for k, vs := range req.Header {
		for _, v := range vs {
			fmt.Fprintf(&head, "%s: %s\r\n", k, v)
		}
	}
	head.WriteString("\r\n")
	if _, err := conn.Write(append(head.Bytes(), body[:len(body)/2]...)); err != nil {
		t.Fatal(err)
	}
	// The handler has the request (it waits for the rest of the body).
	waitLog(t, &stderr, `msg="request started" remote=`+conn.LocalAddr().String())
	signalled := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// The bound only stops a hung process from hanging the test; the
	// drain itself is 300ms.
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("still running 20s after SIGTERM with a %v drain:\n%s", drain, stderr.String())
	}
	t.Logf("exited %v after SIGTERM (drain timeout %v)", time.Since(signalled).Round(time.Millisecond), drain)
	// The stalled connection was closed without an answer.
	if err := conn.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	n, err := conn.Read(make([]byte, 1))
	var ne net.Error
	if n != 0 || err == nil || (errors.As(err, &ne) && ne.Timeout()) {
		t.Fatalf("stalled connection still open: read %d, %v", n, err)
	}
	if !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) {
		t.Logf("stalled connection ended with %v", err)
	}
	log := stderr.String()
	for _, want := range []string{"drain limit reached: closing the HTTP connections still open", "stopped cleanly"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	for _, unwanted := range []string{"transport=grpc", "context deadline exceeded", "level=ERROR"} {
		if strings.Contains(log, unwanted) {
			t.Errorf("log says %q:\n%s", unwanted, log)
		}
	}
}

// streamDrain is the drain timeout of the stream tests: a stream that held
// the drain would hold the process this long, far past the bound the tests
// give the exit.
const streamDrain = 20 * time.Second

// servedChild runs "emulator serve" with a streamDrain drain timeout and
// debug logs, and returns once it is healthy.
type servedChild struct {
	cmd                *exec.Cmd
	httpAddr, grpcAddr string
	exited             chan error
	stderr             *syncWriter
}

func startServed(t *testing.T) *servedChild {
	t.Helper()
	c := &servedChild{httpAddr: freeAddr(t), grpcAddr: freeAddr(t), exited: make(chan error, 1), stderr: &syncWriter{}}
	c.cmd = exec.Command(os.Args[0], "-test.run=^$", "--", "serve", "--http", c.httpAddr, "--grpc", c.grpcAddr,
		"--data", filepath.Join(t.TempDir(), "e.db"), "--log-level", "debug", "--drain-timeout", streamDrain.String())
	c.cmd.Env = append(os.Environ(), "IBEMU_TEST_MAIN=1")
	c.cmd.Stderr = c.stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { c.exited <- c.cmd.Wait() }()
	t.Cleanup(func() { _ = c.cmd.Process.Kill() })
	waitHealthy(t, "http://"+c.httpAddr)
	return c
}

// terminate sends SIGTERM and requires exit status 0 without the drain
// limit reached: nothing but the open stream was in flight, and the stream
// must not count as a request to drain. The bound only keeps a hung process
// from hanging the test; it is half the drain timeout, so a process that
// waited for the drain fails it.
func (c *servedChild) terminate(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-c.exited:
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, c.stderr.String())
		}
	case <-time.After(streamDrain / 2):
		t.Fatalf("still running %v after SIGTERM: the open stream holds the %v drain\n%s", streamDrain/2, streamDrain, c.stderr.String())
	}
	log := c.stderr.String()
	if !strings.Contains(log, "stopped cleanly") {
		t.Errorf("log lacks %q:\n%s", "stopped cleanly", log)
	}
	for _, unwanted := range []string{"drain limit reached", "level=ERROR"} {
		if strings.Contains(log, unwanted) {
			t.Errorf("log says %q:\n%s", unwanted, log)
		}
	}
}

// TestSIGTERMEndsEventStream: the web page's server-sent events never end
// by themselves. SIGTERM ends the stream at once — the response completes
// (a clean end of the chunked body, no error for the client) — and the
// process exits 0 without waiting for the drain timeout.
func TestSIGTERMEndsEventStream(t *testing.T) {
	c := startServed(t)
	resp, err := http.Get("http://" + c.httpAddr + "/_emulator/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	body := bufio.NewReader(resp.Body)
	if first, err := body.ReadString('\n'); err != nil || first != ": decisions\n" {
		t.Fatalf("the stream did not open: %q %v", first, err)
	}
	type result struct {
		rest []byte
		err  error
	}
	read := make(chan result, 1)
	go func() {
		rest, err := io.ReadAll(body)
		read <- result{rest, err}
	}()
	c.terminate(t)
	select {
	case r := <-read:
		if r.err != nil {
			t.Fatalf("the stream did not end cleanly: %v (read %q)", r.err, r.rest)
		}
		if !strings.Contains(string(r.rest), ": the emulator is shutting down\n") {
			t.Errorf("the stream ended without saying why: %q", r.rest)
		}
	case <-time.After(streamDrain / 2):
		t.Fatal("the stream is still open after the process exited")
	}
}

// TestSIGTERMEndsDecisionsFollow: "emulator decisions --follow" holds a
// WatchDecisions stream that never ends by itself. SIGTERM ends it at once:
// the server exits 0 without waiting for the drain timeout, and the
// follower exits 0 with a note on stderr (a normal end, not an error).
func TestSIGTERMEndsDecisionsFollow(t *testing.T) {
	c := startServed(t)
	var stdout, stderr syncWriter
	followed := make(chan int, 1)
	go func() {
		followed <- run(context.Background(), []string{"decisions", "--follow", "--endpoint", c.grpcAddr}, nil, &stdout, &stderr, func(string) string { return "" })
	}()
	// The follower subscribes, then lists what is logged: once the listing
	// is logged the stream is open.
	waitLog(t, c.stderr, "action=admin:ListDecisions")
	c.terminate(t)
	select {
	case code := <-followed:
		if code != 0 {
			t.Fatalf("decisions --follow exited %d:\n%s", code, stderr.String())
		}
	case <-time.After(streamDrain / 2):
		t.Fatal("decisions --follow still running after the emulator exited")
	}
	if got := stderr.String(); got != "emulator decisions: the emulator is shutting down; the stream has ended\n" {
		t.Errorf("follower's stderr = %q", got)
	}
}
