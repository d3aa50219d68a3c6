// Package baseline is the do-nothing HTTP server loadgen compares the
// emulator with. It imports only the standard library, so that the
// baseline process's start-up and memory are those of a minimal Go server.
package baseline

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

// baselineBody is what the do-nothing server answers to everything: a small
// JSON object every SDK operation used here decodes without complaint.
const baselineBody = `{"requestId":"00000000-0000-0000-0000-000000000000"}`

// Handler answers 200 with baselineBody after reading the request
// body: no signature check, no decoding, no storage.
func Handler() http.Handler { return HandlerWith(baselineBody) }

// HandlerWith is Handler answering body instead: the same bytes to every
// request (for loadgen, an answer the emulator gave, so that the client
// decodes the same answer from both servers).
func HandlerWith(body string) http.Handler {
	n := strconv.Itoa(len(body))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		h := w.Header()
		h["Content-Type"] = []string{"application/json"}
		h["Content-Length"] = []string{n}
		h["X-Amzn-Requestid"] = []string{"00000000-0000-0000-0000-000000000000"}
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, body)
	})
}

// Main is "baseline-server --http ADDR [--answer FILE]" (and "loadgen
// baseline-server"):
// the do-nothing HTTP server, run as a process of its own as the emulator
// is, with the net/http server settings that matter for the comparison.
func Main(args []string) int {
	fs := flag.NewFlagSet("baseline-server", flag.ContinueOnError)
	addr := fs.String("http", "127.0.0.1:0", "listen `address` (loopback)")
	answer := fs.String("answer", "", "answer every request with this `file`'s bytes instead of a small JSON object")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	body := baselineBody
	if *answer != "" {
		b, err := os.ReadFile(*answer)
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadgen baseline-server:", err)
			return 2
		}
		body = string(b)
	}
	if err := CheckLoopback("http://" + *addr); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen baseline-server:", err)
		return 2
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen baseline-server:", err)
		return 1
	}
	srv := &http.Server{Handler: HandlerWith(body), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "loadgen baseline-server:", err)
		return 1
	}
	return 0
}

// CheckLoopback refuses an endpoint whose host is not a loopback address
// or "localhost": the tool is for a local emulator, never a remote service.
func CheckLoopback(endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil {
		return fmt.Errorf("endpoint %q: %w", endpoint, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("endpoint %q: scheme must be http or https", endpoint)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("endpoint %q: only loopback endpoints (127.0.0.0/8, ::1, localhost) are accepted", endpoint)
	}
	return nil
}
