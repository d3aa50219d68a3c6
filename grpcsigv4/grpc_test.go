package grpcsigv4_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	"github.com/ibemu/ibemu/grpcsigv4"
	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/auth/sigv4"
)

// server is an in-process gRPC server running the standard health service
// behind an interceptor that verifies grpcsigv4 signatures.
type server struct {
	lis  *bufconn.Listener
	auth *auth.Authenticator

	mu   sync.Mutex
	last *auth.Identity
	md   metadata.MD // metadata of the last authenticated call
}

func (s *server) authenticate(ctx context.Context, method string) error {
	md, _ := metadata.FromIncomingContext(ctx)
	id, f := s.auth.AuthenticateGRPC(ctx, method, "", md)
	if f != nil {
		e := f.AWSError(sigv4.GRPC)
		return status.Error(e.GRPCStatusCode(), e.Code+": "+e.Message)
	}
	s.mu.Lock()
	s.last, s.md = id, md.Copy()
	s.mu.Unlock()
	return nil
}

func startServer(t *testing.T, a *auth.Authenticator) *server {
	t.Helper()
	s := &server{lis: bufconn.Listen(1 << 20), auth: a}
	gs := grpc.NewServer(
		grpc.UnaryInterceptor(func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			if err := s.authenticate(ctx, info.FullMethod); err != nil {
				return nil, err
			}
			return h(ctx, req)
		}),
		grpc.StreamInterceptor(func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
			if err := s.authenticate(ss.Context(), info.FullMethod); err != nil {
				return err
			}
			return h(srv, ss)
		}),
	)
	hs := health.NewServer()
	healthpb.RegisterHealthServer(gs, hs)
	go gs.Serve(s.lis)
	t.Cleanup(gs.Stop)
	return s
}

func (s *server) dial(t *testing.T, opts ...grpc.DialOption) healthpb.HealthClient {
	t.Helper()
	opts = append(opts,
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return s.lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	conn, err := grpc.NewClient("passthrough:///emulator.local:4566", opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return healthpb.NewHealthClient(conn)
}

func (s *server) lastCall() (*auth.Identity, metadata.MD) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last, s.md
}

func signedWith(ak, sk, token string, opts ...grpcsigv4.Option) grpc.DialOption {
	return grpc.WithPerRPCCredentials(grpcsigv4.New(awscreds.NewStaticCredentialsProvider(ak, sk, token), "eu-west-1", opts...))
}

// wantCode asserts an Unauthenticated status carrying the AWS code.
func wantCode(t *testing.T, err error, code string) string {
	t.Helper()
	st, ok := status.FromError(err)
	if !ok || st.Code() != codes.Unauthenticated {
		t.Fatalf("got %v, want Unauthenticated %s", err, code)
	}
	got, msg, _ := strings.Cut(st.Message(), ": ")
	if got != code {
		t.Fatalf("AWS code %s (%s), want %s", got, msg, code)
	}
	return msg
}

func check(c healthpb.HealthClient) error {
	_, err := c.Check(context.Background(), &healthpb.HealthCheckRequest{})
	return err
}

func TestSignedCallsAreVerified(t *testing.T) {
	s := startServer(t, auth.New())
	c := s.dial(t, signedWith("test", "test", ""))
	if err := check(c); err != nil {
		t.Fatal(err)
	}
	id, md := s.lastCall()
	if id.Principal.ARN != "arn:aws:iam::000000000000:root" || id.Region != "eu-west-1" || id.Service != "health" {
		t.Fatalf("identity %+v", id)
	}
	if got := md.Get(grpcsigv4.MetadataContentSHA256); len(got) != 1 || got[0] != "UNSIGNED-PAYLOAD" {
		t.Fatalf("x-amz-content-sha256 %v", got)
	}
	if got := md.Get(grpcsigv4.MetadataAuthorization); len(got) != 1 || !strings.Contains(got[0], "/eu-west-1/health/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-ibemu-nonce, Signature=") {
		t.Fatalf("authorization %v", got)
	}
	if got := md.Get(grpcsigv4.MetadataSecurityToken); len(got) != 0 {
		t.Fatalf("unexpected token %v", got)
	}

	// Server streaming goes through the same credentials.
	stream, err := c.Watch(context.Background(), &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Recv(); err != nil {
		t.Fatal(err)
	}

	// A 12-digit access key is the root of that account.
	if err := check(s.dial(t, signedWith("123456789012", "test", ""))); err != nil {
		t.Fatal(err)
	}
	if id, _ := s.lastCall(); id.Principal.AccountID != "123456789012" {
		t.Fatalf("identity %+v", id)
	}
}

func TestUnauthenticatedCalls(t *testing.T) {
	s := startServer(t, auth.New())
	wantCode(t, check(s.dial(t)), "MissingAuthenticationTokenException")
	wantCode(t, check(s.dial(t, signedWith("test", "wrong", ""))), "InvalidSignatureException")
	wantCode(t, check(s.dial(t, signedWith("AKIAUNKNOWN", "test", ""))), "UnrecognizedClientException")
	wantCode(t, check(s.dial(t, signedWith("test", "test", "a-token"))), "UnrecognizedClientException")
	msg := wantCode(t, check(s.dial(t, signedWith("test", "test", "", grpcsigv4.WithClock(func() time.Time { return time.Now().Add(-20 * time.Minute) })))), "InvalidSignatureException")
	if !strings.HasPrefix(msg, "Signature expired: ") {
		t.Fatalf("message %q", msg)
	}
	msg = wantCode(t, check(s.dial(t, signedWith("test", "test", "", grpcsigv4.WithSigningName("imagebuilder")))), "InvalidSignatureException")
	if msg != "Credential should be scoped to correct service: 'health'. " {
		t.Fatalf("message %q", msg)
	}
}

// tempSource serves one set of temporary credentials.
type tempSource struct{ cred auth.Credential }

func (s tempSource) LookupAccessKey(_ context.Context, id, _ string) (*auth.Credential, error) {
	if id != s.cred.AccessKeyID {
		return nil, auth.ErrUnknownAccessKey
	}
	c := s.cred
	return &c, nil
}

func TestSessionTokenInMetadata(t *testing.T) {
	cred := auth.Credential{
		AccessKeyID: "ASIATEMP", SecretAccessKey: "temp-secret", SessionToken: "tok-123",
		Expiration: time.Now().Add(time.Hour),
		Principal:  auth.Principal{Kind: auth.PrincipalAssumedRole, AccountID: "111122223333", ARN: "arn:aws:sts::111122223333:assumed-role/r/s"},
	}
	s := startServer(t, auth.New(auth.WithCredentialSource(tempSource{cred})))
	if err := check(s.dial(t, signedWith("ASIATEMP", "temp-secret", "tok-123"))); err != nil {
		t.Fatal(err)
	}
	id, md := s.lastCall()
	if id.Principal.ARN != cred.Principal.ARN || id.Principal.SessionToken != "tok-123" {
		t.Fatalf("identity %+v", id)
	}
	if got := md.Get(grpcsigv4.MetadataSecurityToken); len(got) != 1 || got[0] != "tok-123" {
		t.Fatalf("token metadata %v", got)
	}
	if a := md.Get(grpcsigv4.MetadataAuthorization)[0]; !strings.Contains(a, "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token;x-ibemu-nonce,") {
		t.Fatalf("token not signed: %s", a)
	}
	wantCode(t, check(s.dial(t, signedWith("ASIATEMP", "temp-secret", "tok-999"))), "UnrecognizedClientException")
	wantCode(t, check(s.dial(t, signedWith("ASIATEMP", "temp-secret", ""))), "UnrecognizedClientException")
}

// Replaying a captured signature works only for the exact call it signed.
func TestTamperedMetadataIsRejected(t *testing.T) {
	s := startServer(t, auth.New())
	if err := check(s.dial(t, signedWith("test", "test", ""))); err != nil {
		t.Fatal(err)
	}
	_, captured := s.lastCall()
	replay := func(edit func(metadata.MD)) context.Context {
		md := metadata.MD{}
		for _, k := range []string{grpcsigv4.MetadataAuthorization, grpcsigv4.MetadataDate, grpcsigv4.MetadataContentSHA256, grpcsigv4.MetadataNonce} {
			md.Set(k, captured.Get(k)...)
		}
		if edit != nil {
			edit(md)
		}
		return metadata.NewOutgoingContext(context.Background(), md)
	}
	unsigned := s.dial(t)

	// The untouched replay verifies (it is within the clock skew: this
	// server only verifies signatures; the emulator's also refuses a
	// signature it has seen, see emulator's TestGRPCReplayIsRefused)...
	if _, err := unsigned.Check(replay(nil), &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatalf("replay: %v", err)
	}
	// ...but not on another method, another authority, or with edits.
	_, err := unsigned.List(replay(nil), &healthpb.HealthListRequest{})
	wantCode(t, err, "InvalidSignatureException")

	other := s.dial(t, grpc.WithAuthority("other.local:4566"))
	_, err = other.Check(replay(nil), &healthpb.HealthCheckRequest{})
	wantCode(t, err, "InvalidSignatureException")

	_, err = unsigned.Check(replay(func(md metadata.MD) {
		d, _ := time.Parse("20060102T150405Z", md.Get(grpcsigv4.MetadataDate)[0])
		md.Set(grpcsigv4.MetadataDate, d.Add(time.Second).Format("20060102T150405Z"))
	}), &healthpb.HealthCheckRequest{})
	wantCode(t, err, "InvalidSignatureException")

	_, err = unsigned.Check(replay(func(md metadata.MD) { md.Set(grpcsigv4.MetadataContentSHA256, sigv4.EmptyPayloadHash) }), &healthpb.HealthCheckRequest{})
	wantCode(t, err, "InvalidSignatureException")

	_, err = unsigned.Check(replay(func(md metadata.MD) {
		a := md.Get(grpcsigv4.MetadataAuthorization)[0]
		md.Set(grpcsigv4.MetadataAuthorization, strings.Replace(a, "/eu-west-1/", "/eu-west-2/", 1))
	}), &healthpb.HealthCheckRequest{})
	wantCode(t, err, "InvalidSignatureException")

	_, err = unsigned.Check(replay(func(md metadata.MD) { md.Delete(grpcsigv4.MetadataDate) }), &healthpb.HealthCheckRequest{})
	wantCode(t, err, "IncompleteSignatureException")
}

// Credentials errors fail the call on the client (gRPC reports per-RPC
// credential errors as Unauthenticated) before anything is sent.
func TestClientErrors(t *testing.T) {
	s := startServer(t, auth.New())
	failing := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{}, errors.New("no profile")
	})
	c := s.dial(t, grpc.WithPerRPCCredentials(grpcsigv4.New(failing, "us-east-1")))
	err := check(c)
	if st, _ := status.FromError(err); st.Code() != codes.Unauthenticated || !strings.Contains(st.Message(), "no profile") {
		t.Fatalf("got %v", err)
	}
	if id, _ := s.lastCall(); id != nil {
		t.Fatal("the server must not have been reached")
	}
}
