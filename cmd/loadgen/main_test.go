package main

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ibemu/ibemu/cmd/loadgen/internal/baseline"
)

func TestParseStatCPU(t *testing.T) {
	// A command name with spaces and a parenthesis, as /proc allows.
	stat := "4242 (emu lat) or) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 75 0 0 20 0 9 0 100 1000 200 18446744073709551615"
	got, err := parseStatCPU(stat)
	if err != nil {
		t.Fatal(err)
	}
	if want := 3250 * time.Millisecond; got != want {
		t.Errorf("cpu = %v, want %v", got, want)
	}
	if _, err := parseStatCPU("4242 (x) S 1"); err == nil {
		t.Error("short stat: no error")
	}
}

func TestParseStatusMemory(t *testing.T) {
	status := "Name:\temulator\nVmPeak:\t  900000 kB\nVmHWM:\t   20480 kB\nVmRSS:\t   10240 kB\nThreads:\t7\n"
	rss, hwm, err := parseStatusMemory(bufio.NewScanner(strings.NewReader(status)))
	if err != nil {
		t.Fatal(err)
	}
	if rss != 10<<20 || hwm != 20<<20 {
		t.Errorf("rss %d hwm %d, want %d %d", rss, hwm, 10<<20, 20<<20)
	}
	if _, _, err := parseStatusMemory(bufio.NewScanner(strings.NewReader("Name:\tx\n"))); err == nil {
		t.Error("no VmRSS: no error")
	}
}

func TestCheckLoopback(t *testing.T) {
	for _, ok := range []string{"http://127.0.0.1:4700", "http://localhost:4700", "http://[::1]:4700", "http://127.9.9.9"} {
		if err := baseline.CheckLoopback(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"http://10.0.0.1:4700", "http://example.com", "http://0.0.0.0:4700", "ftp://127.0.0.1", "http://localhost.example.com"} {
		if err := baseline.CheckLoopback(bad); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}

func TestPercentile(t *testing.T) {
	var s []time.Duration
	for i := 1; i <= 100; i++ {
		s = append(s, time.Duration(i))
	}
	for p, want := range map[float64]time.Duration{50: 50, 90: 90, 99: 99, 100: 100, 0: 1} {
		if got := percentile(s, p); got != want {
			t.Errorf("p%v = %v, want %v", p, got, want)
		}
	}
	if percentile(nil, 50) != 0 {
		t.Error("empty: not 0")
	}
}

func TestBaselineHandler(t *testing.T) {
	srv := httptest.NewServer(baseline.Handler())
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/CreateComponent", "application/json", strings.NewReader(`{"name":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// The replay answers every request with the bytes it was given, with
// their length.
func TestBaselineHandlerWith(t *testing.T) {
	const body = `{"requestId":"r","component":{"name":"web","data":"a\nb"}}`
	srv := httptest.NewServer(baseline.HandlerWith(body))
	defer srv.Close()
	for _, path := range []string{"/components/x", "/_emulator/health"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || string(got) != body || resp.ContentLength != int64(len(body)) {
			t.Errorf("%s: %d %q (length %d) %v", path, resp.StatusCode, got, resp.ContentLength, err)
		}
	}
}

func TestSigned(t *testing.T) {
	for d, want := range map[time.Duration]string{1500 * time.Microsecond: "+1.50 ms", -300 * time.Microsecond: "-0.30 ms", 0: "+0.00 ms"} {
		if got := signed(ms, d); got != want {
			t.Errorf("signed(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestRunRefusesRemoteEndpoint(t *testing.T) {
	var out, errb strings.Builder
	if code := run(t.Context(), []string{"-endpoint", "http://192.0.2.1:4700"}, &out, &errb); code != 2 {
		t.Errorf("exit %d, want 2 (%s)", code, errb.String())
	}
	if !strings.Contains(errb.String(), "loopback") {
		t.Errorf("message %q does not mention loopback", errb.String())
	}
}
