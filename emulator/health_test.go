package emulator_test

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/emulator/emulatortest"
)

// TestHealth: GET /_emulator/health answers 200 with status, version and
// services, without authentication.
func TestHealth(t *testing.T) {
	t.Parallel()
	emu := emulatortest.Start(t)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr}

	req, err := http.NewRequestWithContext(testContext(t), http.MethodGet, emu.HTTPURL()+"/_emulator/health", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("HTTP %d %s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	var health struct {
		Status   string   `json:"status"`
		Version  string   `json:"version"`
		Services []string `json:"services"`
	}
	if err := json.Unmarshal(body, &health); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	if health.Status != "ok" || health.Version != emulator.Version {
		t.Errorf("health = %+v, want status ok and version %s", health, emulator.Version)
	}
	for _, svc := range []string{"imagebuilder", "iam", "sts", "kms", "s3"} {
		if !slices.Contains(health.Services, svc) {
			t.Errorf("services %v lack %s", health.Services, svc)
		}
	}

	// Only GET and HEAD.
	post, err := http.NewRequestWithContext(testContext(t), http.MethodPost, emu.HTTPURL()+"/_emulator/health", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err = hc.Do(post)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST health: HTTP %d, want 405", resp.StatusCode)
	}
}
