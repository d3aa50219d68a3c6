package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Requests signed by aws-sdk-go-v2's signer, as a Go server receives them.
func TestVerifiesSDKSignedRequests(t *testing.T) {
	cases := []struct {
		name string
		req  clientRequest
	}{
		{"rest-json put with body", restJSONPut()},
		{"query protocol form post", clientRequest{
			method: http.MethodPost,
			url:    "http://iam.amazonaws.com/",
			body:   "Action=CreateUser&UserName=alice&Path=%2Fteam%2F&Version=2010-05-08",
			header: map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
		}},
		{"get with query string", clientRequest{
			method: http.MethodGet,
			url:    "http://imagebuilder.us-east-1.amazonaws.com/GetComponent?componentBuildVersionArn=arn%3Aaws%3Aimagebuilder%3Aus-east-1%3A123456789012%3Acomponent%2Fhello%2F1.0.0%2F1&b=x+y&a=2&a=1&empty=&%E1%88%B4=%E2%82%AC",
		}},
		{"escaped path segment", clientRequest{
			method: http.MethodGet,
			url:    "http://example.com/things/a%20b/c%3Ad/%E2%82%AC",
		}},
		{"non-default port", clientRequest{
			method: http.MethodPost,
			url:    "http://127.0.0.1:4566/",
			body:   "Action=GetCallerIdentity&Version=2011-06-15",
			header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
		}},
		{"repeated and padded header values", clientRequest{
			method: http.MethodGet,
			url:    "http://example.com/",
			header: map[string]string{"X-Amz-Meta-Note": "  a   b  c  "},
		}},
	}
	for _, tc := range cases {
		for _, cred := range []aws.Credentials{testCred, withToken(testCred)} {
			name := tc.name
			if cred.SessionToken != "" {
				name += " with session token"
			}
			t.Run(name, func(t *testing.T) {
				req := sdkSignedRequest(t, tc.req, cred, testNow)
				res, f := verifyAt(req, testNow.Add(3*time.Second))
				if f != nil {
					t.Fatalf("verify: %v\n%s", f, f.CanonicalRequest)
				}
				if res.AccessKeyID != testAccessKey || res.Region != testRegion || res.Service != testService || !res.SigningTime.Equal(testNow) || res.Presigned {
					t.Fatalf("result %+v", res)
				}
				if res.SessionToken != cred.SessionToken || res.SessionTokenSigned != (cred.SessionToken != "") {
					t.Fatalf("session token %q signed=%v, want %q", res.SessionToken, res.SessionTokenSigned, cred.SessionToken)
				}
				if !slices.Contains(res.SignedHeaderNames(), "host") || !slices.Contains(res.SignedHeaderNames(), "x-amz-date") {
					t.Fatalf("signed headers %v", res.SignedHeaders)
				}
			})
		}
	}
}

func TestVerifiesSDKPresignedRequests(t *testing.T) {
	get := clientRequest{method: http.MethodGet, url: "http://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15"}
	for _, cred := range []aws.Credentials{testCred, withToken(testCred)} {
		t.Run("expires "+cred.SessionToken, func(t *testing.T) {
			req := sdkPresigned(t, get, cred, testNow, 10*time.Minute)
			if h := req.Header.Get("Authorization"); h != "" {
				t.Fatalf("presigned request carries Authorization %q", h)
			}
			res, f := verifyAt(req, testNow.Add(10*time.Minute))
			if f != nil {
				t.Fatalf("verify: %v\n%s", f, f.CanonicalRequest)
			}
			if !res.Presigned || !res.Expires.Equal(testNow.Add(10*time.Minute)) || res.SessionToken != cred.SessionToken {
				t.Fatalf("result %+v", res)
			}
			if cred.SessionToken != "" && !res.SessionTokenSigned {
				t.Fatal("a presigned token is always signed")
			}
		})
	}
	t.Run("without expires", func(t *testing.T) {
		req := sdkPresigned(t, get, testCred, testNow, 0)
		res, f := verifyAt(req, testNow.Add(14*time.Minute))
		if f != nil {
			t.Fatalf("verify: %v", f)
		}
		if !res.Presigned || !res.Expires.IsZero() {
			t.Fatalf("result %+v", res)
		}
	})
	t.Run("long expiry within a week", func(t *testing.T) {
		req := sdkPresigned(t, get, testCred, testNow, 7*24*time.Hour)
		if _, f := verifyAt(req, testNow.Add(6*24*time.Hour)); f != nil {
			t.Fatalf("verify: %v", f)
		}
	})
}

// UNSIGNED-PAYLOAD is accepted only when the transport allows it (gRPC).
func TestUnsignedPayload(t *testing.T) {
	c := restJSONPut()
	c.payloadHash = UnsignedPayload
	c.header["X-Amz-Content-Sha256"] = UnsignedPayload
	r, _ := sdkSigned(t, c, testCred, testNow)
	req := Request{Method: r.Method, Path: r.URL.Path, Host: r.Host, Header: r.Header, PayloadHash: UnsignedPayload}

	if _, f := verifyAt(req, testNow); f == nil || f.Kind != KindSignatureMismatch {
		t.Fatalf("without AllowUnsignedPayload: got %v, want a signature mismatch", f)
	}
	req.AllowUnsignedPayload = true
	if _, f := verifyAt(req, testNow); f != nil {
		t.Fatalf("with AllowUnsignedPayload: %v", f)
	}
	// An HTTP server hashes the body; a client that signed UNSIGNED-PAYLOAD
	// then fails against the real hash.
	r2, body := sdkSigned(t, c, testCred, testNow)
	if _, f := verifyAt(FromHTTP(r2, body), testNow); f == nil || f.Kind != KindSignatureMismatch {
		t.Fatalf("hashed body: got %v, want a signature mismatch", f)
	}
}

// The Date header stands in for X-Amz-Date. The SDK always sends X-Amz-Date,
// so this request is signed here with crypto/hmac directly.
func TestDateHeaderInsteadOfXAmzDate(t *testing.T) {
	const date = "Sun, 30 Aug 2015 12:36:00 GMT"
	creq := "GET\n/\n\ndate:" + date + "\nhost:example.amazonaws.com\n\ndate;host\n" + EmptyPayloadHash
	sum := sha256.Sum256([]byte(creq))
	sts := "AWS4-HMAC-SHA256\n20150830T123600Z\n" + suiteScope + "\n" + hex.EncodeToString(sum[:])
	key := []byte("AWS4" + suiteSecret)
	for _, s := range []string{"20150830", suiteRegion, suiteService, "aws4_request", sts} {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(s))
		key = m.Sum(nil)
	}
	h := http.Header{}
	h.Set("Date", date)
	h.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+suiteAccessKey+"/"+suiteScope+", SignedHeaders=date;host, Signature="+hex.EncodeToString(key))
	req := Request{Method: "GET", Path: "/", Host: "example.amazonaws.com", Header: h, PayloadHash: EmptyPayloadHash}
	res, f := NewVerifier().Verify(&req, suiteNow, suiteKeys)
	if f != nil {
		t.Fatalf("verify: %v\n%s", f, f.CanonicalRequest)
	}
	if !res.SigningTime.Equal(suiteNow) {
		t.Fatalf("signing time %v", res.SigningTime)
	}
}

// Verify (the package function) reports failures as a *Failure error.
func TestPackageVerify(t *testing.T) {
	req := sdkSignedRequest(t, restJSONPut(), testCred, testNow)
	if _, err := Verify(req, testNow, testKeys); err != nil {
		t.Fatal(err)
	}
	_, err := Verify(req, testNow, StaticKeys{})
	f, ok := err.(*Failure)
	if !ok || f.Kind != KindUnknownAccessKey {
		t.Fatalf("got %v, want an unknown-key failure", err)
	}
}

// The derived-key cache must not mix up secrets or scopes.
func TestKeyCacheSeparatesSecretsAndScopes(t *testing.T) {
	v := NewVerifier(WithKeyCacheSize(2))
	other := aws.Credentials{AccessKeyID: "AKIDOTHER", SecretAccessKey: "another-secret"}
	keys := StaticKeys{testAccessKey: testSecret, "AKIDOTHER": "another-secret"}
	for i := 0; i < 3; i++ {
		for _, cred := range []aws.Credentials{testCred, other} {
			at := testNow.Add(time.Duration(i) * 24 * time.Hour)
			req := sdkSignedRequest(t, restJSONPut(), cred, at)
			if _, f := v.Verify(&req, at, keys); f != nil {
				t.Fatalf("%s day %d: %v", cred.AccessKeyID, i, f)
			}
			// Same scope, wrong secret: the cached key must not be reused.
			wrong := StaticKeys{cred.AccessKeyID: "not-the-secret"}
			if _, f := v.Verify(&req, at, wrong); f == nil || f.Kind != KindSignatureMismatch {
				t.Fatalf("%s day %d wrong secret: %v", cred.AccessKeyID, i, f)
			}
		}
	}
	uncached := NewVerifier(WithKeyCacheSize(0))
	req := sdkSignedRequest(t, restJSONPut(), testCred, testNow)
	if _, f := uncached.Verify(&req, testNow, testKeys); f != nil {
		t.Fatalf("uncached: %v", f)
	}
}

// One verifier serves concurrent requests (run with -race): the key cache
// and the pooled buffers must not leak state between them.
func TestConcurrentVerify(t *testing.T) {
	v := NewVerifier(WithKeyCacheSize(3))
	keys := StaticKeys{testAccessKey: testSecret, "AKIDOTHER": "another-secret"}
	var reqs []Request
	for i := 0; i < 4; i++ {
		cred := testCred
		if i%2 == 1 {
			cred = aws.Credentials{AccessKeyID: "AKIDOTHER", SecretAccessKey: "another-secret"}
		}
		c := restJSONPut()
		c.url += "?n=" + strconv.Itoa(i)
		reqs = append(reqs, sdkSignedRequest(t, c, cred, testNow.Add(time.Duration(i)*24*time.Hour)))
	}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				n := (g + i) % len(reqs)
				req := reqs[n]
				res, f := v.Verify(&req, testNow.Add(time.Duration(n)*24*time.Hour), keys)
				if f != nil {
					errs <- f.Error()
					return
				}
				if want := testNow.Add(time.Duration(n) * 24 * time.Hour); !res.SigningTime.Equal(want) {
					errs <- "wrong result"
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}
