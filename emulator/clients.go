package emulator

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// RootAccessKeyID returns the access key id of an account's root user: the
// account id itself, or "test" for account 000000000000.
func RootAccessKeyID(account string) string {
	if account == "" || account == "000000000000" {
		return "test"
	}
	return account
}

// AWSConfig returns an aws-sdk-go-v2 configuration that signs as the root
// user of account (a 12-digit id; "" means 000000000000) and sends every
// request to this emulator: pass it to imagebuilder.NewFromConfig,
// iam.NewFromConfig or sts.NewFromConfig.
func (e *Emulator) AWSConfig(account string) aws.Config {
	return aws.Config{
		Region:       DefaultRegion,
		Credentials:  credentials.NewStaticCredentialsProvider(RootAccessKeyID(account), e.cfg.RootSecret, ""),
		BaseEndpoint: aws.String(e.HTTPURL()),
		HTTPClient:   &http.Client{Transport: ReaderOnlyBodies{Next: PinnedTransport(e.httpLn.Addr().String())}},
	}
}

var pinned sync.Map // address → *http.Transport

// PinnedTransport returns an HTTP transport that connects to addr (the
// emulator's HTTP listener, host:port) whatever host a request names, so
// that virtual-hosted-style S3 names such as my-bucket.localhost:4700 need
// no DNS. The Host header and the signature still carry the name. One
// transport (and its connection pool) is shared per address; no proxy is
// used.
func PinnedTransport(addr string) *http.Transport {
	if t, ok := pinned.Load(addr); ok {
		return t.(*http.Transport)
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	t.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}
	actual, _ := pinned.LoadOrStore(addr, t)
	return actual.(*http.Transport)
}

// AWSConfigWithCredentials returns an aws-sdk-go-v2 configuration like
// AWSConfig's that signs with the given access key, secret and session
// token: an IAM user's access key, or the temporary credentials STS issued
// (AssumeRole, GetSessionToken, GetFederationToken).
func (e *Emulator) AWSConfigWithCredentials(accessKeyID, secretAccessKey, sessionToken string) aws.Config {
	cfg := e.AWSConfig("")
	cfg.Credentials = credentials.NewStaticCredentialsProvider(accessKeyID, secretAccessKey, sessionToken)
	return cfg
}

// ReaderOnlyBodies is an http.RoundTripper that hides io.WriterTo on
// request bodies. It works around a client-side race in smithy-go that a
// server as fast as this one on loopback triggers: smithy-go closes the
// request body once Do returns, after which its WriteTo answers io.EOF;
// net/http, checking the body for extra bytes after sending Content-Length
// bytes, prefers WriteTo, fails, and closes the connection while the SDK is
// still reading the response ("use of closed network connection"). Without
// WriteTo, a read after close answers a clean io.EOF. AWSConfig installs it;
// use it when you build your own HTTP client for the SDK.
type ReaderOnlyBodies struct{ Next http.RoundTripper }

// RoundTrip implements http.RoundTripper.
func (r ReaderOnlyBodies) RoundTrip(req *http.Request) (*http.Response, error) {
	if _, ok := req.Body.(io.WriterTo); ok {
		req = req.Clone(req.Context())
		req.Body = struct{ io.ReadCloser }{req.Body}
	}
	return r.Next.RoundTrip(req)
}
