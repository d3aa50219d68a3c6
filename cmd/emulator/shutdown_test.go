package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
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
	waitLog(t, &stderr, `msg="connection active" remote=`+conn.LocalAddr().String())
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
