package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

// baselineBody is what the do-nothing server answers to everything: a small
// JSON object every SDK operation used here decodes without complaint.
const baselineBody = `{"requestId":"00000000-0000-0000-0000-000000000000"}`

// baselineHandler answers 200 with baselineBody after reading the request
// body: no signature check, no decoding, no storage.
func baselineHandler() http.Handler {
	n := strconv.Itoa(len(baselineBody))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		h := w.Header()
		h["Content-Type"] = []string{"application/json"}
		h["Content-Length"] = []string{n}
		h["X-Amzn-Requestid"] = []string{"00000000-0000-0000-0000-000000000000"}
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, baselineBody)
	})
}

// baselineServer is "loadgen baseline-server --http ADDR": the do-nothing
// HTTP server, run as a process of its own as the emulator is, with the same
// net/http server settings that matter for the comparison.
func baselineServer(args []string) int {
	fs := flag.NewFlagSet("baseline-server", flag.ContinueOnError)
	addr := fs.String("http", "127.0.0.1:0", "listen `address` (loopback)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := checkLoopback("http://" + *addr); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen baseline-server:", err)
		return 2
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen baseline-server:", err)
		return 1
	}
	srv := &http.Server{Handler: baselineHandler(), ReadHeaderTimeout: 10 * time.Second}
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
