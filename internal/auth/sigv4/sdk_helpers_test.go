package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const (
	testAccessKey = "AKIAIOSFODNN7EXAMPLE"
	testSecret    = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	testToken     = "FwoGZXIvYXdzEXAMPLETOKEN//////////wEaDNExampleSessionToken=="
	testRegion    = "us-east-1"
	testService   = "imagebuilder"
)

var (
	testNow  = time.Date(2024, 5, 17, 10, 20, 30, 0, time.UTC)
	testKeys = StaticKeys{testAccessKey: testSecret}
	testCred = aws.Credentials{AccessKeyID: testAccessKey, SecretAccessKey: testSecret}
)

func withToken(c aws.Credentials) aws.Credentials {
	c.SessionToken = testToken
	return c
}

func payloadHash(body string) string {
	sum := sha256.Sum256([]byte(body))
	return hex.EncodeToString(sum[:])
}

// clientRequest is what a client builds before signing.
type clientRequest struct {
	method, url, body string
	header            map[string]string
	payloadHash       string // defaults to SHA-256 of body
}

func (c clientRequest) build(t testing.TB) *http.Request {
	t.Helper()
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	r, err := http.NewRequest(c.method, c.url, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range c.header {
		r.Header.Set(k, v)
	}
	return r
}

func (c clientRequest) hash() string {
	if c.payloadHash != "" {
		return c.payloadHash
	}
	return payloadHash(c.body)
}

// overTheWire serializes a client request as net/http sends it and parses it
// back as a Go server does, so tests see exactly what the server sees.
func overTheWire(t testing.TB, r *http.Request) (*http.Request, []byte) {
	t.Helper()
	var wire bytes.Buffer
	if err := r.Write(&wire); err != nil {
		t.Fatal(err)
	}
	sr, err := http.ReadRequest(bufio.NewReader(&wire))
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(sr.Body)
	if err != nil {
		t.Fatal(err)
	}
	return sr, body
}

// sdkSigned signs with aws-sdk-go-v2's v4 signer (Authorization header) and
// returns the request as the server receives it.
func sdkSigned(t testing.TB, c clientRequest, cred aws.Credentials, at time.Time) (*http.Request, []byte) {
	t.Helper()
	r := c.build(t)
	if err := v4.NewSigner().SignHTTP(context.Background(), cred, r, c.hash(), testService, testRegion, at); err != nil {
		t.Fatal(err)
	}
	return overTheWire(t, r)
}

// sdkSignedRequest is sdkSigned as a verifier Request.
func sdkSignedRequest(t testing.TB, c clientRequest, cred aws.Credentials, at time.Time) Request {
	t.Helper()
	r, body := sdkSigned(t, c, cred, at)
	return FromHTTP(r, body)
}

// sdkPresigned presigns with the SDK's PresignHTTP; expires (if > 0) is
// added as X-Amz-Expires before signing, as the SDK documents.
func sdkPresigned(t testing.TB, c clientRequest, cred aws.Credentials, at time.Time, expires time.Duration) Request {
	t.Helper()
	r := c.build(t)
	if expires > 0 {
		q := r.URL.Query()
		q.Set("X-Amz-Expires", strconv.FormatInt(int64(expires/time.Second), 10))
		r.URL.RawQuery = q.Encode()
	}
	signedURL, signedHeaders, err := v4.NewSigner().PresignHTTP(context.Background(), cred, r, c.hash(), testService, testRegion, at)
	if err != nil {
		t.Fatal(err)
	}
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	out, err := http.NewRequest(c.method, signedURL, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range signedHeaders {
		if strings.EqualFold(k, "host") {
			continue
		}
		for _, v := range vs {
			out.Header.Add(k, v)
		}
	}
	sr, b := overTheWire(t, out)
	return FromHTTP(sr, b)
}

// restJSONPut is an SDK-style REST-JSON call (Image Builder
// CreateComponent) with a JSON body.
func restJSONPut() clientRequest {
	return clientRequest{
		method: http.MethodPut,
		url:    "http://imagebuilder.us-east-1.amazonaws.com/CreateComponent",
		body:   `{"name":"hello","semanticVersion":"1.0.0","platform":"Linux","data":"name: x\nschemaVersion: 1.0\n","clientToken":"c1"}`,
		header: map[string]string{"Content-Type": "application/json", "User-Agent": "aws-sdk-go-v2/1.0 os/linux"},
	}
}

// queryPost is an SDK-style Query-protocol call (IAM CreateUser): a POST
// with a form body, as the iam and sts clients send it.
func queryPost() clientRequest {
	return clientRequest{
		method: http.MethodPost,
		url:    "http://iam.amazonaws.com/",
		body:   "Action=CreateUser&Path=%2Fbuilders%2F&Tags.member.1.Key=team&Tags.member.1.Value=images&UserName=alice&Version=2010-05-08",
		header: map[string]string{"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "aws-sdk-go-v2/1.48.0 os/linux lang/go#1.26 api/iam#1.65.0"},
	}
}

func verifyAt(req Request, now time.Time) (*Result, *Failure) {
	return NewVerifier().Verify(&req, now, testKeys)
}
