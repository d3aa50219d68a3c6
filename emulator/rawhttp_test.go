package emulator_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/ibemu/ibemu/emulator"
)

// rawClient sends hand-made HTTP requests to the emulator, signed with the
// SDK's SigV4 signer, to send what the SDK never would.
type rawClient struct {
	t       *testing.T
	base    string
	account string
	http    *http.Client
}

func newRawClient(t *testing.T, emu *emulator.Emulator, account string) *rawClient {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	return &rawClient{t: t, base: emu.HTTPURL(), account: account, http: &http.Client{Transport: tr}}
}

// rawResponse is a response read in full.
type rawResponse struct {
	status int
	header http.Header
	body   []byte
}

// request builds a request for method and path (with query) and body.
func (rc *rawClient) request(method, pathAndQuery string, body io.Reader, contentLength int64) *http.Request {
	rc.t.Helper()
	req, err := http.NewRequestWithContext(testContext(rc.t), method, rc.base+pathAndQuery, body)
	if err != nil {
		rc.t.Fatal(err)
	}
	req.ContentLength = contentLength
	if contentLength != 0 {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

// sign signs req as the account's root user for imagebuilder; payloadHash
// is the hex SHA-256 of the body.
func (rc *rawClient) sign(req *http.Request, payloadHash string) {
	rc.t.Helper()
	creds := aws.Credentials{AccessKeyID: emulator.RootAccessKeyID(rc.account), SecretAccessKey: emulator.DefaultRootSecret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, payloadHash, "imagebuilder", region, time.Now()); err != nil {
		rc.t.Fatal(err)
	}
}

// do sends a signed request with body.
func (rc *rawClient) do(method, pathAndQuery string, body []byte) rawResponse {
	rc.t.Helper()
	req := rc.request(method, pathAndQuery, bytes.NewReader(body), int64(len(body)))
	sum := sha256.Sum256(body)
	rc.sign(req, hex.EncodeToString(sum[:]))
	return rc.send(req)
}

// send sends req and reads the whole response.
func (rc *rawClient) send(req *http.Request) rawResponse {
	rc.t.Helper()
	resp, err := rc.http.Do(req)
	if err != nil {
		rc.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		rc.t.Fatalf("%s %s: read the response: %v", req.Method, req.URL, err)
	}
	return rawResponse{status: resp.StatusCode, header: resp.Header, body: body}
}

// requireError checks that resp is an AWS restJson1 error: the status, the
// code in X-Amzn-ErrorType, a JSON body with a message and a request id. It
// returns the message.
func (r rawResponse) requireError(t *testing.T, code string, status int) string {
	t.Helper()
	if r.status != status || r.header.Get("X-Amzn-ErrorType") != code {
		t.Fatalf("got HTTP %d %s (%s), want HTTP %d %s", r.status, r.header.Get("X-Amzn-ErrorType"), r.body, status, code)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s: Content-Type %q, want JSON", code, ct)
	}
	if r.header.Get("X-Amzn-RequestId") == "" {
		t.Errorf("%s: no X-Amzn-RequestId", code)
	}
	var body struct {
		Message string `json:"message"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatalf("%s: the body is not JSON: %v\n%s", code, err, r.body)
	}
	if body.Message == "" {
		t.Errorf("%s: the body has no message: %s", code, r.body)
	}
	return body.Message
}

// createBody is a CreateComponent JSON body with the members given, over a
// valid default for each required one. A nil value removes the member.
func createBody(t *testing.T, overrides map[string]any) []byte {
	t.Helper()
	m := map[string]any{
		"name":            "raw",
		"semanticVersion": "1.0.0",
		"platform":        "Linux",
		"data":            linuxDoc("raw"),
		"clientToken":     "raw-token",
	}
	for k, v := range overrides {
		if v == nil {
			delete(m, k)
			continue
		}
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func getPath(arn string) string {
	return "/GetComponent?componentBuildVersionArn=" + url.QueryEscape(arn)
}

// signWithSecret signs req for account with an arbitrary secret key.
func signWithSecret(t *testing.T, req *http.Request, body []byte, account, secret string) {
	t.Helper()
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: emulator.RootAccessKeyID(account), SecretAccessKey: secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "imagebuilder", region, time.Now()); err != nil {
		t.Fatal(err)
	}
}
