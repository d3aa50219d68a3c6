package main

import (
	"bufio"
	"bytes"
	"context"
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

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/ibemu/ibemu/internal/storage"
)

// The test binary doubles as the emulator command: with IBEMU_TEST_MAIN=1
// it runs main() with the arguments after "--".
func TestMain(m *testing.M) {
	if os.Getenv("IBEMU_TEST_MAIN") == "1" {
		for i, a := range os.Args {
			if a == "--" {
				os.Args = append([]string{"emulator"}, os.Args[i+1:]...)
				break
			}
		}
		main()
		return
	}
	os.Exit(m.Run())
}

func TestUnknownCommandAndHelp(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"frobnicate"}, nil, &out, &errOut, func(string) string { return "" }); code != 2 || !strings.Contains(errOut.String(), `unknown command "frobnicate"`) {
		t.Errorf("code %d, stderr %q", code, errOut.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"help"}, nil, &out, &errOut, nil); code != 0 || !strings.Contains(out.String(), "serve") {
		t.Errorf("help: %d %q", code, out.String())
	}
	if code := run(context.Background(), []string{"serve", "--log-level", "loud"}, nil, &out, &errOut, func(string) string { return "" }); code != 2 {
		t.Errorf("bad log level: %d", code)
	}
	for _, size := range []string{"0", "-1", "64MiB"} {
		errOut.Reset()
		if code := run(context.Background(), []string{"serve", "--max-object-size", size}, nil, &out, &errOut, func(string) string { return "" }); code != 2 || !strings.Contains(errOut.String(), "max-object-size") {
			t.Errorf("--max-object-size %s: code %d, stderr %q", size, code, errOut.String())
		}
	}
	for _, q := range []string{"iam:UsersPerAcount=3", "iam:UsersPerAccount=0", "iam:UsersPerAccount"} {
		errOut.Reset()
		if code := run(context.Background(), []string{"serve", "--quota", q}, nil, &out, &errOut, func(string) string { return "" }); code != 2 || !strings.Contains(errOut.String(), "bad -quota") {
			t.Errorf("--quota %s: code %d, stderr %q", q, code, errOut.String())
		}
	}
	errOut.Reset()
	env := func(k string) string { return map[string]string{"IBEMU_QUOTAS": "kms:KeysPerRegion=-4"}[k] }
	if code := run(context.Background(), []string{"serve"}, nil, &out, &errOut, env); code != 2 || !strings.Contains(errOut.String(), "kms:KeysPerRegion must be at least 1") {
		t.Errorf("IBEMU_QUOTAS: code %d, stderr %q", code, errOut.String())
	}
}

// TestServeTakesEnvironmentDefaults runs serve in-process with IBEMU_*
// variables instead of flags and stops it by cancelling its context, the
// path SIGTERM takes.
func TestServeTakesEnvironmentDefaults(t *testing.T) {
	dir := t.TempDir()
	httpAddr, grpcAddr := freeAddr(t), freeAddr(t)
	env := map[string]string{
		"IBEMU_HTTP": httpAddr, "IBEMU_GRPC": grpcAddr,
		"IBEMU_DATA": filepath.Join(dir, "sub", "e.db"), "IBEMU_ROOT_SECRET": "s3cret",
	}
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncWriter
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"serve"}, nil, &out, &errOut, func(k string) string { return env[k] })
	}()
	waitHealthy(t, "http://"+httpAddr)
	// The configured secret signs; the default one does not.
	if code := signedStatus(t, "http://"+httpAddr, "s3cret"); code != 200 {
		t.Errorf("configured secret: status %d", code)
	}
	if code := signedStatus(t, "http://"+httpAddr, "test"); code != 403 {
		t.Errorf("default secret: status %d, want 403", code)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d; stderr:\n%s", code, errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
	if !strings.Contains(errOut.String(), "stopped cleanly") {
		t.Errorf("stderr:\n%s", errOut.String())
	}
	// The data file was closed: another process could open it at once.
	db, err := storage.Open(env["IBEMU_DATA"], storage.Options{Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	db.Close()
}

// TestSIGTERMDrainsRequestsInFlight runs the real command in a child
// process, starts a request whose body is still arriving, sends SIGTERM,
// then finishes the body: the request completes with 200 and the process
// exits 0 with the database closed.
func TestSIGTERMDrainsRequestsInFlight(t *testing.T) {
	dir := t.TempDir()
	httpAddr, grpcAddr := freeAddr(t), freeAddr(t)
	data := filepath.Join(dir, "e.db")
	cmd := exec.Command(os.Args[0], "-test.run=^$", "--", "serve", "--http", httpAddr, "--grpc", grpcAddr, "--data", data, "--log-level", "debug")
	cmd.Env = append(os.Environ(), "IBEMU_TEST_MAIN=1")
	var stderr syncWriter
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	waitHealthy(t, "http://"+httpAddr)

	// A signed CreateComponent whose body is sent in two halves.
	body := []byte(`{"name":"drained","semanticVersion":"1.0.0","platform":"Linux","clientToken":"t-1","data":"name: d\nschemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: S\n        action: ExecuteBash\n        inputs:\n          commands: [\"true\"]\n"}`)
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
	half := len(body) / 2
	if _, err := conn.Write(append(head.Bytes(), body[:half]...)); err != nil {
		t.Fatal(err)
	}
	// Signal only once the handler has the request (it waits for the rest
	// of the body): from then on a shutdown drains it. (net/http drops a
	// request whose headers it has read when the shutdown begins before it
	// dispatches it, so "connection active" is too early a sign.)
	waitLog(t, &stderr, `msg="request started" remote=`+conn.LocalAddr().String())
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitLog(t, &stderr, "draining requests in flight")
	if _, err := conn.Write(body[half:]); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	respBody, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(respBody), "component/drained/1.0.0/1") {
		t.Fatalf("in-flight request: %d %s", resp.StatusCode, respBody)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "stopped cleanly") {
		t.Errorf("stderr:\n%s", stderr.String())
	}
	db, err := storage.Open(data, storage.Options{Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	db.Close()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitHealthy polls the health endpoint until it answers 200; the deadline
// only bounds a server that never starts.
func waitHealthy(t *testing.T, base string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := http.Get(base + "/_emulator/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("%s never became healthy", base)
		}
	}
}

// waitLog waits for the captured log to say text, woken by each write.
func waitLog(t *testing.T, w *syncWriter, text string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		changed := w.next()
		if strings.Contains(w.String(), text) {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("log never said %q:\n%s", text, w.String())
		}
	}
}

func signedRequest(t *testing.T, method, url, secret string, body []byte) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	hash := fmt.Sprintf("%x", sha256sum(body))
	creds := aws.Credentials{AccessKeyID: "test", SecretAccessKey: secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hash, "imagebuilder", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	return req
}

func signedStatus(t *testing.T, base, secret string) int {
	t.Helper()
	resp, err := http.DefaultClient.Do(signedRequest(t, "POST", base+"/ListComponents", secret, []byte("{}")))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
