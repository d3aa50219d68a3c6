package grpcsigv4

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"google.golang.org/grpc/metadata"

	"github.com/ibemu/ibemu/internal/auth/sigv4"
)

func TestSigningName(t *testing.T) {
	for method, want := range map[string]string{
		"/ibemu.imagebuilder.v1.Imagebuilder/CreateComponent": "imagebuilder",
		"/ibemu.iam.v1.IAM/CreateUser":                        "iam",
		"/ibemu.sts.v1.STS/GetCallerIdentity":                 "sts",
		"/grpc.health.v1.Health/Check":                        "health",
		"ibemu.sts.v1.STS/GetCallerIdentity":                  "sts",
		"/pkg.Service/Method":                                 "",
		"/Service/Method":                                     "",
		"":                                                    "",
	} {
		if got := SigningName(method); got != want {
			t.Errorf("SigningName(%q) = %q, want %q", method, got, want)
		}
	}
}

func TestAuthorityOf(t *testing.T) {
	for aud, want := range map[string]string{
		"https://localhost:4566/ibemu.iam.v1.IAM": "localhost:4566",
		"https://bufnet/grpc.health.v1.Health":    "bufnet",
		"https://example.com":                     "example.com",
		"http://h:1/x":                            "h:1",
	} {
		if got, err := authorityOf(aud); err != nil || got != want {
			t.Errorf("authorityOf(%q) = %q, %v; want %q", aud, got, err, want)
		}
	}
	for _, bad := range []string{"", "localhost", "https:///svc"} {
		if _, err := authorityOf(bad); err == nil {
			t.Errorf("authorityOf(%q) accepted", bad)
		}
	}
}

func TestRequestFromMetadata(t *testing.T) {
	md := metadata.MD{
		":authority":           {"example.com:443"},
		"authorization":        {"AWS4-HMAC-SHA256 x"},
		"x-amz-date":           {"20240101T000000Z"},
		"x-amz-content-sha256": {UnsignedPayload},
		"custom":               {"a", "b"},
	}
	req := RequestFromMetadata("/ibemu.iam.v1.IAM/CreateUser", "", md)
	if req.Method != "POST" || req.Path != "/ibemu.iam.v1.IAM/CreateUser" || req.RawQuery != "" || req.Host != "example.com" ||
		req.PayloadHash != UnsignedPayload || !req.AllowUnsignedPayload || req.ExpectedService != "iam" {
		t.Fatalf("%+v", req)
	}
	h := http.Header(req.Header)
	if h.Get("X-Amz-Date") != "20240101T000000Z" || len(h.Values("Custom")) != 2 || h.Get(":authority") != "" || len(h) != 4 {
		t.Fatalf("header %v", h)
	}
	if explicit := RequestFromMetadata("/a.b.S/M", "given:1", md); explicit.Host != "given:1" {
		t.Fatalf("explicit authority ignored: %q", explicit.Host)
	}
}

func TestCredentialsWithoutRequestInfo(t *testing.T) {
	c := New(credentials.NewStaticCredentialsProvider("test", "test", ""), "us-east-1")
	if c.RequireTransportSecurity() {
		t.Fatal("loopback needs no TLS")
	}
	if _, err := c.GetRequestMetadata(context.Background(), "https://h/x.y.S"); err == nil {
		t.Fatal("signed without an RPC method")
	}
}

// The virtual request the client signs is exactly the one the server
// rebuilds from metadata: sign it with the SDK here, verify it there.
func TestVirtualRequestRoundTrip(t *testing.T) {
	const method = "/ibemu.imagebuilder.v1.Imagebuilder/CreateComponent"
	c := New(credentials.NewStaticCredentialsProvider("AKID", "secret", "tok"), "us-west-2")
	req := virtualRequest("localhost:4566", method)
	creds, _ := c.provider.Retrieve(context.Background())
	now := fixedNow
	if err := c.signer.SignHTTP(context.Background(), creds, req, UnsignedPayload, SigningName(method), "us-west-2", now); err != nil {
		t.Fatal(err)
	}
	md := metadata.MD{":authority": {"localhost:4566"}}
	for _, k := range []string{"Authorization", "X-Amz-Date", "X-Amz-Content-Sha256", "X-Amz-Security-Token"} {
		md.Set(k, req.Header.Get(k))
	}
	server := RequestFromMetadata(method, "", md)
	res, f := sigv4.NewVerifier().Verify(&server, now, sigv4.StaticKeys{"AKID": "secret"})
	if f != nil {
		t.Fatalf("%v\n%s", f, f.CanonicalRequest)
	}
	if res.Service != "imagebuilder" || res.Region != "us-west-2" || res.SessionToken != "tok" || !res.SessionTokenSigned {
		t.Fatalf("%+v", res)
	}
}

var fixedNow = mustTime("2024-05-17T10:20:30Z")

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func FuzzSigningName(f *testing.F) {
	f.Add("/ibemu.imagebuilder.v1.Imagebuilder/CreateComponent")
	f.Add("/a..b/c")
	f.Add("...")
	f.Fuzz(func(t *testing.T, method string) {
		name := SigningName(method)
		if strings.ContainsAny(name, "./") {
			t.Fatalf("SigningName(%q) = %q", method, name)
		}
	})
}

func FuzzAuthorityOf(f *testing.F) {
	f.Add("https://localhost:4566/ibemu.iam.v1.IAM")
	f.Add("x://")
	f.Fuzz(func(t *testing.T, audience string) {
		a, err := authorityOf(audience)
		if err == nil && (a == "" || strings.Contains(a, "/")) {
			t.Fatalf("authorityOf(%q) = %q", audience, a)
		}
	})
}
