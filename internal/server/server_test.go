package server_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/smithy-go"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	grpccreds "google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/ibemu/ibemu/grpcsigv4"
	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/authz"
	"github.com/ibemu/ibemu/internal/server"
	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
	stsv1 "github.com/ibemu/ibemu/proto/sts/v1"
)

// panicking answers GetComponent by panicking: only a test can make a
// handler do that, and the recover layer must turn it into a 500.
type panicking struct {
	ibv1.UnsupportedImagebuilderServer
}

func (panicking) GetComponent(context.Context, *ibv1.GetComponentRequest) (*ibv1.GetComponentResponse, error) {
	panic("boom")
}

func (panicking) ListComponents(context.Context, *ibv1.ListComponentsRequest) (*ibv1.ListComponentsResponse, error) {
	return &ibv1.ListComponentsResponse{RequestId: proto.String("ok")}, nil
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newServer(t *testing.T, logs io.Writer) *server.Server {
	t.Helper()
	s, err := server.New(server.Options{
		Auth:       auth.New(),
		Authorizer: enforcer(t),
		Logger:     slog.New(slog.NewTextHandler(logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Register(ibv1.Model(), &ibv1.Imagebuilder_ServiceDesc, panicking{}); err != nil {
		t.Fatal(err)
	}
	s.SetReady(true)
	return s
}

func client(url string) *imagebuilder.Client {
	return imagebuilder.NewFromConfig(aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint:     aws.String(url),
		RetryMaxAttempts: 1,
	})
}

func TestPanicBecomesInternalFailureOverHTTP(t *testing.T) {
	logs := &syncBuffer{}
	hs := httptest.NewServer(newServer(t, logs))
	defer hs.Close()
	c := client(hs.URL)
	_, err := c.GetComponent(context.Background(), &imagebuilder.GetComponentInput{
		ComponentBuildVersionArn: aws.String("arn:aws:imagebuilder:us-east-1:000000000000:component/c/1.0.0/1"),
	})
	var apiErr smithy.APIError
	var respErr *awshttp.ResponseError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "InternalFailure" || !errors.As(err, &respErr) || respErr.HTTPStatusCode() != 500 {
		t.Fatalf("err = %v, want InternalFailure 500", err)
	}
	if strings.Contains(apiErr.ErrorMessage(), "boom") {
		t.Errorf("the panic value leaked to the client: %q", apiErr.ErrorMessage())
	}
	if !strings.Contains(logs.String(), "recovered from a panic") || !strings.Contains(logs.String(), "boom") {
		t.Errorf("panic not logged:\n%s", logs.String())
	}
	// The server keeps serving.
	if _, err := c.ListComponents(context.Background(), &imagebuilder.ListComponentsInput{}); err != nil {
		t.Fatalf("after the panic: %v", err)
	}
}

func TestPanicBecomesInternalOverGRPC(t *testing.T) {
	logs := &syncBuffer{}
	s := newServer(t, logs)
	gs, _ := s.NewGRPCServer()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = gs.Serve(ln) }()
	defer gs.Stop()
	conn, err := grpc.NewClient(ln.Addr().String(),
		grpc.WithTransportCredentials(grpccreds.NewCredentials()),
		grpc.WithPerRPCCredentials(grpcsigv4.New(credentials.NewStaticCredentialsProvider("test", "test", ""), "us-east-1")))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = ibv1.NewImagebuilderClient(conn).GetComponent(ctx, &ibv1.GetComponentRequest{
		ComponentBuildVersionArn: proto.String("arn:aws:imagebuilder:us-east-1:000000000000:component/c/1.0.0/1"),
	})
	st := status.Convert(err)
	if st.Code() != codes.Internal {
		t.Fatalf("status %v, want Internal", st)
	}
	var info *errdetails.ErrorInfo
	for _, d := range st.Details() {
		if ei, ok := d.(*errdetails.ErrorInfo); ok {
			info = ei
		}
	}
	if info == nil || info.Reason != "InternalFailure" || info.Metadata["httpStatus"] != "500" || info.Metadata["requestId"] == "" {
		t.Errorf("error info %v", info)
	}
	if !strings.Contains(logs.String(), "recovered from a panic") {
		t.Errorf("panic not logged:\n%s", logs.String())
	}
}

// TestGRPCHealthNeedsNoSignature: the standard health service answers
// without authentication, for the server and for each API.
func TestGRPCHealthNeedsNoSignature(t *testing.T) {
	s := newServer(t, io.Discard)
	gs, _ := s.NewGRPCServer()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = gs.Serve(ln) }()
	defer gs.Stop()
	conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(grpccreds.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, svc := range []string{"", ibv1.Imagebuilder_ServiceDesc.ServiceName} {
		resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: svc})
		if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			t.Errorf("Check(%q) = %v, %v", svc, resp, err)
		}
	}
}

func TestUnsupportedOperationNamesItself(t *testing.T) {
	hs := httptest.NewServer(newServer(t, io.Discard))
	defer hs.Close()
	_, err := client(hs.URL).CreateImage(context.Background(), &imagebuilder.CreateImageInput{
		InfrastructureConfigurationArn: aws.String("arn:aws:imagebuilder:us-east-1:000000000000:infrastructure-configuration/i"),
		ImageRecipeArn:                 aws.String("arn:aws:imagebuilder:us-east-1:000000000000:image-recipe/r/1.0.0"),
	})
	var apiErr smithy.APIError
	var respErr *awshttp.ResponseError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "UnsupportedOperation" || !errors.As(err, &respErr) || respErr.HTTPStatusCode() != 501 {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(apiErr.ErrorMessage(), "imagebuilder:CreateImage") {
		t.Errorf("message %q does not name the operation", apiErr.ErrorMessage())
	}
}

func TestHealth(t *testing.T) {
	s, err := server.New(server.Options{Auth: auth.New(), Authorizer: enforcer(t), Version: "v-test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Register(ibv1.Model(), &ibv1.Imagebuilder_ServiceDesc, panicking{}); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	defer hs.Close()
	get := func() (int, string) {
		resp, err := http.Get(hs.URL + server.HealthPath)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get(); code != http.StatusServiceUnavailable {
		t.Errorf("before ready: %d", code)
	}
	s.SetReady(true)
	code, body := get()
	if code != 200 || body != `{"status":"ok","version":"v-test","services":["imagebuilder"]}`+"\n" {
		t.Errorf("ready: %d %s", code, body)
	}
}

func TestUnauthenticatedRequestsGetProtocolErrors(t *testing.T) {
	hs := httptest.NewServer(newServer(t, io.Discard))
	defer hs.Close()
	resp, err := http.Post(hs.URL+"/ListComponents", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || resp.Header.Get("X-Amzn-ErrorType") != "MissingAuthenticationTokenException" || !strings.HasPrefix(string(body), `{"message":`) {
		t.Errorf("got %d %s %s", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), body)
	}
	if resp.Header.Get("X-Amzn-RequestId") == "" || resp.Header.Get("Date") == "" {
		t.Errorf("missing request id or date header: %v", resp.Header)
	}
}

// enforcer is the real enforcement layer for root users only.
func enforcer(t *testing.T) *authz.Enforcer {
	t.Helper()
	e, err := authz.New(authz.Options{Identities: authz.RootsOnly{}})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// A server that would let authenticated calls through undecided is not
// built: the authorizer is required.
func TestNewRequiresAnAuthorizer(t *testing.T) {
	if _, err := server.New(server.Options{Auth: auth.New()}); err == nil || !strings.Contains(err.Error(), "Authorizer") {
		t.Fatalf("New without an authorizer: err = %v, want an error naming the Authorizer", err)
	}
	if _, err := server.New(server.Options{Authorizer: enforcer(t)}); err == nil {
		t.Fatal("New without an authenticator succeeded")
	}
}

// nothingServed implements no STS operation of its own: every one answers
// UnsupportedOperation through the embedded generated server.
type nothingServed struct{ stsv1.UnsupportedSTSServer }

// TestHealthListsOnlyServingAPIs: an API registered without one operation
// of its own is not listed by the health endpoint.
func TestHealthListsOnlyServingAPIs(t *testing.T) {
	s, err := server.New(server.Options{Auth: auth.New(), Authorizer: enforcer(t), Version: "v-test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Register(ibv1.Model(), &ibv1.Imagebuilder_ServiceDesc, panicking{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Register(stsv1.Model(), &stsv1.STS_ServiceDesc, nothingServed{}); err != nil {
		t.Fatal(err)
	}
	if got := s.Services(); len(got) != 1 || got[0] != "imagebuilder" {
		t.Errorf("Services() = %v, want [imagebuilder]", got)
	}
	if err := s.Register(iamv1.Model(), &iamv1.IAM_ServiceDesc, &iamv1.UnsupportedIAMServer{}); err != nil {
		t.Fatal(err)
	}
	if got := s.Services(); len(got) != 1 {
		t.Errorf("Services() = %v after a pointer to an all-unsupported IAM, want [imagebuilder]", got)
	}
}
