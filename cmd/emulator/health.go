package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/ibemu/ibemu/emulator"
)

// healthCmd asks a running emulator's health endpoint whether it serves:
// exit 0 when it answers 200 with status "ok", 1 otherwise. It is the
// container image's HEALTHCHECK (the image has no curl).
func healthCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("health", flag.ContinueOnError)
	fs.SetOutput(stderr)
	endpoint := fs.String("endpoint", healthDefault(getenv), "the emulator's AWS wire endpoint, a `URL` or host:port (default from IBEMU_HTTP, 0.0.0.0 read as 127.0.0.1)")
	timeout := fs.Duration("timeout", 3*time.Second, "give up after this `duration`")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "emulator health: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	base := *endpoint
	if !strings.Contains(base, "://") {
		// host:port, as --http and IBEMU_HTTP take it.
		base = "http://" + base
	}
	url := strings.TrimSuffix(base, "/") + "/_emulator/health"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		fmt.Fprintf(stderr, "emulator health: %v\n", err)
		return 2
	}
	resp, err := (&http.Client{Transport: &http.Transport{Proxy: nil}}).Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "emulator health: %v\n", err)
		return 1
	}
	defer resp.Body.Close()
	var body struct {
		Status   string   `json:"status"`
		Version  string   `json:"version"`
		Services []string `json:"services"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&body); err != nil {
		fmt.Fprintf(stderr, "emulator health: HTTP %d, unreadable body: %v\n", resp.StatusCode, err)
		return 1
	}
	fmt.Fprintf(stdout, "%s %s (%s)\n", body.Status, body.Version, strings.Join(body.Services, ", "))
	if resp.StatusCode != http.StatusOK || body.Status != "ok" {
		return 1
	}
	return 0
}

// healthDefault is the endpoint serve listens on, as a URL a local client
// can reach.
func healthDefault(getenv func(string) string) string {
	addr := getenv("IBEMU_HTTP")
	if addr == "" {
		addr = emulator.DefaultHTTPAddr
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}
