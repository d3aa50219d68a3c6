package server_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"google.golang.org/grpc"
	grpccreds "google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"

	"github.com/ibemu/ibemu/grpcsigv4"
	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/server"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// recorder answers ListComponents and keeps the call it was given.
type recorder struct {
	ibv1.UnsupportedImagebuilderServer
	mu   sync.Mutex
	last *callctx.Call
}

func (r *recorder) ListComponents(ctx context.Context, _ *ibv1.ListComponentsRequest) (*ibv1.ListComponentsResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.last = callctx.From(ctx)
	return &ibv1.ListComponentsResponse{RequestId: proto.String(r.last.RequestID)}, nil
}

func (r *recorder) take() *callctx.Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.last
	r.last = nil
	if c == nil {
		c = &callctx.Call{}
	}
	return c
}

// TestCallCarriesSourceAndTransportSecurity: both transports tell the
// layers below where the call came from and whether it was encrypted, in
// the clear and over TLS.
func TestCallCarriesSourceAndTransportSecurity(t *testing.T) {
	rec := &recorder{}
	s, err := server.New(server.Options{Auth: auth.New(), Authorizer: enforcer(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Register(ibv1.Model(), &ibv1.Imagebuilder_ServiceDesc, rec); err != nil {
		t.Fatal(err)
	}
	s.SetReady(true)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	loopback := netip.MustParseAddr("127.0.0.1")
	creds := credentials.NewStaticCredentialsProvider("test", "test", "")

	check := func(t *testing.T, transport string, secure bool) {
		t.Helper()
		c := rec.take()
		if c.RequestID == "" {
			t.Fatal("the handler was not called")
		}
		if c.Transport != transport || c.SourceIP != loopback || c.SecureTransport != secure {
			t.Errorf("call: transport %q source %v secure %v; want %q %v %v", c.Transport, c.SourceIP, c.SecureTransport, transport, loopback, secure)
		}
	}

	overHTTP := func(t *testing.T, hs *httptest.Server, secure bool) {
		t.Helper()
		defer hs.Close()
		c := imagebuilder.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(hs.URL), HTTPClient: hs.Client(), RetryMaxAttempts: 1})
		if _, err := c.ListComponents(ctx, &imagebuilder.ListComponentsInput{}); err != nil {
			t.Fatal(err)
		}
		check(t, "http", secure)
	}
	t.Run("http", func(t *testing.T) { overHTTP(t, httptest.NewServer(s), false) })
	t.Run("https", func(t *testing.T) { overHTTP(t, httptest.NewTLSServer(s), true) })

	// The TLS test server's certificate (for 127.0.0.1) serves gRPC too.
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	serverTLS := &tls.Config{Certificates: tlsSrv.TLS.Certificates}
	roots := x509.NewCertPool()
	roots.AddCert(tlsSrv.Certificate())
	tlsSrv.Close()

	overGRPC := func(t *testing.T, serverOpt []grpc.ServerOption, clientCreds grpccreds.TransportCredentials, secure bool) {
		t.Helper()
		gs, _ := s.NewGRPCServer(serverOpt...)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go func() { _ = gs.Serve(ln) }()
		defer gs.Stop()
		conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(clientCreds),
			grpc.WithPerRPCCredentials(grpcsigv4.New(creds, "us-east-1")))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := ibv1.NewImagebuilderClient(conn).ListComponents(ctx, &ibv1.ListComponentsRequest{}); err != nil {
			t.Fatal(err)
		}
		check(t, "grpc", secure)
	}
	t.Run("grpc", func(t *testing.T) { overGRPC(t, nil, insecure.NewCredentials(), false) })
	t.Run("grpc+tls", func(t *testing.T) {
		overGRPC(t, []grpc.ServerOption{grpc.Creds(grpccreds.NewTLS(serverTLS))},
			grpccreds.NewTLS(&tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}), true)
	})
}
