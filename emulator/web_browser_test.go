package emulator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
)

// The page in a real browser: Chromium (headless, driven over chromedriver's
// W3C WebDriver protocol) loads /_emulator/, a denied SDK request appears in
// the live list through server-sent events, and clicking it shows its
// explanation. It skips only when Chromium is absent and
// IBEMU_BROWSER_TESTS is unset; CI sets it, so there it fails instead.
func TestWebPageInBrowser(t *testing.T) {
	chromium, driver := "/usr/bin/chromium", "/usr/bin/chromedriver"
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("IBEMU_BROWSER_TESTS") == "" {
			t.Skip("chromium is not installed (apt-get install chromium chromium-driver); IBEMU_BROWSER_TESTS=1 makes this a failure")
		}
		t.Fatalf("IBEMU_BROWSER_TESTS is set but %s is missing: %v", chromium, err)
	}
	emu, a := startClient(t)
	b := client(t, emu, accountB)
	ctx := testContext(t)
	arn := mustCreate(t, a, createInput("browsed", "1.0.0"))

	wd := startWebDriver(t, ctx, driver, chromium)
	wd.do(t, "POST", "/url", map[string]any{"url": emu.HTTPURL() + "/_emulator/"}, nil)
	// The live list is connected once the page says so.
	wd.find(t, "xpath", `//span[@id="status"][text()="live updates: on"]`)

	_, err := b.GetComponent(ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(arn)})
	apiErr := requireAPIError(t, err, "AccessDeniedException", 403)
	var respErr *awshttp.ResponseError
	errors.As(err, &respErr)
	id := respErr.ServiceRequestID()

	row := fmt.Sprintf(`//table[@id="decisions"]/tbody/tr[@data-request-id=%q]`, id)
	if got := wd.text(t, wd.find(t, "xpath", row+`/td[@class="outcome"]`)); got != "implicitDeny" {
		t.Errorf("the live row's outcome = %q", got)
	}
	wd.do(t, "POST", "/element/"+wd.find(t, "xpath", row+`//a[@class="explain"]`)+"/click", map[string]any{}, nil)
	text := wd.text(t, wd.find(t, "css selector", "#explanation"))
	if !strings.Contains(text, "Request "+id+": implicitDeny") || !strings.Contains(text, apiErr.ErrorMessage()) {
		t.Errorf("the explanation page shows:\n%s", text)
	}
	if want := emu.Explain(id); strings.TrimSpace(text) != strings.TrimSpace(want) {
		t.Errorf("the page's explanation differs from emulator explain:\npage:\n%s\nexplain:\n%s", text, want)
	}
}

// webDriver is a minimal W3C WebDriver client: one session of chromedriver.
type webDriver struct {
	base    string // http://127.0.0.1:PORT/session/ID
	client  *http.Client
	session string
}

func startWebDriver(t *testing.T, ctx context.Context, driver, chromium string) *webDriver {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(driver, fmt.Sprintf("--port=%d", port))
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start chromedriver: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("chromedriver output:\n%s", logs.String())
		}
	})
	root := fmt.Sprintf("http://127.0.0.1:%d", port)
	wd := &webDriver{client: &http.Client{Timeout: 30 * time.Second}}
	// Wait for the driver to answer (bounded by the test's context).
	for {
		resp, err := wd.client.Get(root + "/status")
		if err == nil {
			var st struct {
				Value struct{ Ready bool } `json:"value"`
			}
			_ = json.NewDecoder(resp.Body).Decode(&st)
			resp.Body.Close()
			if st.Value.Ready {
				break
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("chromedriver did not start: %v\n%s", err, logs.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	caps := map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"browserName": "chrome",
		"goog:chromeOptions": map[string]any{
			"binary": chromium,
			"args":   []string{"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=" + t.TempDir()},
		},
	}}}
	var created struct {
		Value struct {
			SessionID string `json:"sessionId"`
		} `json:"value"`
	}
	wd.base = root + "/session"
	wd.do(t, "POST", "", caps, &created)
	if created.Value.SessionID == "" {
		t.Fatal("chromedriver returned no session")
	}
	wd.base = root + "/session/" + created.Value.SessionID
	t.Cleanup(func() { wd.do(t, "DELETE", "", nil, nil) })
	// Element look-ups wait (in the driver) up to 20s for the element.
	wd.do(t, "POST", "/timeouts", map[string]any{"implicit": 20000, "pageLoad": 20000}, nil)
	return wd
}

// do sends one WebDriver command and decodes its answer into out.
func (wd *webDriver) do(t *testing.T, method, path string, in, out any) {
	t.Helper()
	var body io.Reader
	if in != nil {
		raw, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, wd.base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := wd.client.Do(req)
	if err != nil {
		t.Fatalf("webdriver %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("webdriver %s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("webdriver %s %s: %v", method, path, err)
		}
	}
}

// find returns the id of the first element matching the selector, waiting
// for it up to the implicit timeout.
func (wd *webDriver) find(t *testing.T, using, value string) string {
	t.Helper()
	var out struct {
		Value map[string]string `json:"value"`
	}
	wd.do(t, "POST", "/element", map[string]any{"using": using, "value": value}, &out)
	for _, id := range out.Value {
		return id
	}
	t.Fatalf("no element %s", value)
	return ""
}

// text is the rendered text of an element.
func (wd *webDriver) text(t *testing.T, id string) string {
	t.Helper()
	var out struct {
		Value string `json:"value"`
	}
	wd.do(t, "GET", "/element/"+id+"/text", nil, &out)
	return out.Value
}
