package emulator_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/emulator/emulatortest"
)

// TestHugeHeaderIsRefused: a request whose headers exceed MaxHeaderBytes
// (here a 1,000,000-byte header, signed) is answered 431 and never served.
func TestHugeHeaderIsRefused(t *testing.T) {
	emu := emulatortest.Start(t)
	rc := newRawClient(t, emu, accountA)
	req := rc.request("POST", "/ListComponents", strings.NewReader("{}"), 2)
	req.Header.Set("X-Amz-Meta-Big", strings.Repeat("a", 1_000_000))
	rc.sign(req, emptyObjectHash)
	resp, err := rc.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("1,000,000-byte header: status %d, want 431", resp.StatusCode)
	}
	// Just under the limit is still served.
	req = rc.request("POST", "/ListComponents", strings.NewReader("{}"), 2)
	req.Header.Set("X-Amz-Meta-Big", strings.Repeat("a", emulator.DefaultMaxHeaderBytes-4096))
	rc.sign(req, emptyObjectHash)
	if got := rc.send(req); got.status != 200 {
		t.Fatalf("header under the limit: %d %s", got.status, got.body)
	}
}

// TestTooManyHeaderFields: more than 256 header fields is refused with an
// AWS-style 400 before anything else.
func TestTooManyHeaderFields(t *testing.T) {
	emu := emulatortest.Start(t)
	rc := newRawClient(t, emu, accountA)
	req := rc.request("POST", "/ListComponents", strings.NewReader("{}"), 2)
	for i := range 300 {
		req.Header.Set(fmt.Sprintf("X-Extra-%d", i), "v")
	}
	rc.sign(req, emptyObjectHash)
	got := rc.send(req)
	if got.status != 400 || got.header.Get("X-Amzn-ErrorType") != "RequestHeaderSectionTooLarge" {
		t.Fatalf("300 header fields: %d %v %s", got.status, got.header, got.body)
	}
}

// TestStalledBodyAnswersRequestTimeout: a body that stops arriving is
// answered S3's RequestTimeout once the body-read timeout passes, and the
// connection is closed.
func TestStalledBodyAnswersRequestTimeout(t *testing.T) {
	emu := emulatortest.Start(t, func(c *emulator.Config) { c.BodyReadTimeout = 200 * time.Millisecond })
	conn := dialEmu(t, emu)
	fmt.Fprintf(conn, "PUT /CreateComponent HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"name\":")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 400 || resp.Header.Get("X-Amzn-ErrorType") != "RequestTimeout" || !resp.Close {
		t.Fatalf("stalled body: %d close=%v %v %s", resp.StatusCode, resp.Close, resp.Header, body)
	}
	expectClosed(t, conn)
}

// TestDecisionsPageSwitch: the unsigned decision pages answer on a
// loopback listener by default, not on a wildcard one, and never when
// switched off; the health check always answers.
func TestDecisionsPageSwitch(t *testing.T) {
	for _, tc := range []struct {
		addr   string
		page   emulator.DecisionsPage
		served bool
	}{
		{"127.0.0.1:0", "", true},
		{"127.0.0.1:0", emulator.DecisionsPageOff, false},
		{"0.0.0.0:0", "", false},
		{"0.0.0.0:0", emulator.DecisionsPageOn, true},
	} {
		emu := emulatortest.Start(t, func(c *emulator.Config) { c.HTTPAddr, c.DecisionsPage = tc.addr, tc.page })
		_, port, _ := net.SplitHostPort(strings.TrimPrefix(emu.HTTPURL(), "http://"))
		base := "http://127.0.0.1:" + port
		page := map[bool]int{true: 200, false: 404}[tc.served]
		// "/_emulator" without its slash leads to the page (a redirect the
		// client follows), or is not found with the page off.
		for path, want := range map[string]int{"/_emulator/health": 200, "/_emulator/decisions": page, "/_emulator": page} {
			resp, err := http.Get(base + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != want {
				t.Errorf("listen %s, page %q: %s answered %d, want %d", tc.addr, tc.page, path, resp.StatusCode, want)
			}
		}
	}
}

// TestSlowClientsCannotExhaustTheServer opens 300 connections that stall —
// a third before finishing their headers, a third in the middle of a body,
// a third idle after a request — and checks that normal requests are
// served meanwhile, that every stalled connection is closed by the
// server's timeouts, and that no goroutine is left behind.
func TestSlowClientsCannotExhaustTheServer(t *testing.T) {
	const timeout = 300 * time.Millisecond
	emu := emulatortest.Start(t, func(c *emulator.Config) {
		c.ReadHeaderTimeout, c.BodyReadTimeout, c.IdleTimeout = timeout, timeout, timeout
	})
	ib := imagebuilder.NewFromConfig(emu.AWSConfig(accountA))
	ctx := context.Background()
	if _, err := ib.ListComponents(ctx, &imagebuilder.ListComponentsInput{}); err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()

	const slow = 300
	conns := make([]net.Conn, 0, slow)
	for i := range slow {
		conn := dialEmu(t, emu)
		switch i % 3 {
		case 0: // headers never finished
			fmt.Fprintf(conn, "POST /ListComponents HTTP/1.1\r\nHost: x\r\nX-Slow: ")
		case 1: // a body that stalls
			fmt.Fprintf(conn, "PUT /CreateComponent HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
		case 2: // a request answered, then an idle keep-alive connection
			fmt.Fprintf(conn, "GET /_emulator/health HTTP/1.1\r\nHost: x\r\n\r\n")
		}
		conns = append(conns, conn)
	}
	// Normal requests are served while the slow connections are open.
	for i := range 20 {
		if _, err := ib.ListComponents(ctx, &imagebuilder.ListComponentsInput{MaxResults: aws.Int32(int32(1 + i))}); err != nil {
			t.Fatalf("a normal request among slow connections: %v", err)
		}
	}
	// Every slow connection is closed by the server.
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Go(func() { expectClosed(t, c) })
	}
	wg.Wait()
	// No goroutine is left behind: wait (bounded) for the count to settle
	// back; the SDK's idle client connections are closed first.
	if tr, ok := emu.AWSConfig(accountA).HTTPClient.(*http.Client); ok {
		tr.CloseIdleConnections()
	}
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before+5 {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("goroutines: %d before, %d after the slow connections closed\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		runtime.Gosched()
		<-time.After(10 * time.Millisecond)
	}
}

func dialEmu(t *testing.T, emu *emulator.Emulator) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(emu.HTTPURL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// expectClosed reads conn until the server closes it; the read deadline
// only bounds a connection the server never closes.
func expectClosed(t *testing.T, conn net.Conn) {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(15 * time.Second))
	_, err := io.Copy(io.Discard, conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Errorf("connection %s still open", conn.LocalAddr())
	}
}

// emptyObjectHash is the hex SHA-256 of "{}".
const emptyObjectHash = "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"

// The gRPC listener closes a connection that never completes the HTTP/2
// handshake once the header timeout passes (gRPC's own default is 120 s), so
// idle sockets cannot pile up there either.
func TestGRPCClosesConnectionsThatNeverHandshake(t *testing.T) {
	emu := emulatortest.Start(t, func(c *emulator.Config) { c.ReadHeaderTimeout = 200 * time.Millisecond })
	conns := make([]net.Conn, 20)
	for i := range conns {
		c, err := net.Dial("tcp", emu.GRPCAddr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns[i] = c
	}
	for i, c := range conns {
		// The deadline only bounds a failure; the server's close ends the
		// read long before it.
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		_, err := io.Copy(io.Discard, c)
		if err != nil {
			t.Fatalf("connection %d: not closed by the server: %v", i, err)
		}
	}
}
