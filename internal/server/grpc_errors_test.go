package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	grpccreds "google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/ibemu/ibemu/grpcsigv4"
	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/iam"
	"github.com/ibemu/ibemu/internal/imagebuilder"
	"github.com/ibemu/ibemu/internal/server"
	"github.com/ibemu/ibemu/internal/storage"
	"github.com/ibemu/ibemu/internal/sts"
	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
	stsv1 "github.com/ibemu/ibemu/proto/sts/v1"
)

// serverNow is the server's clock in the authentication tests: fixed, so
// that messages quoting the server's time are the same on every transport.
var serverNow = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// Temporary credentials the test credential source knows, expired at
// serverNow.
const (
	expiredKeyID  = "ASIAEXPIREDEXAMPLE01"
	expiredSecret = "expired-secret"
	expiredToken  = "expired-session-token"
)

// expiredSource holds one set of temporary credentials, already expired.
type expiredSource struct{}

func (expiredSource) LookupAccessKey(_ context.Context, id, _ string) (*auth.Credential, error) {
	if id != expiredKeyID {
		return nil, auth.ErrUnknownAccessKey
	}
	return &auth.Credential{
		AccessKeyID: id, SecretAccessKey: expiredSecret, SessionToken: expiredToken,
		Expiration: serverNow.Add(-time.Minute),
		Principal:  auth.RootPrincipal("111122223333"),
	}, nil
}

// bothTransports is a server with the three real services on an HTTP
// endpoint and a gRPC endpoint.
type bothTransports struct {
	httpURL string
	grpcTo  string
}

func startBothTransports(t *testing.T) bothTransports {
	t.Helper()
	db, err := storage.Open(filepath.Join(t.TempDir(), "db"), storage.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	clock := func() time.Time { return serverNow }
	s, err := server.New(server.Options{
		Auth:       auth.New(auth.WithClock(clock), auth.WithCredentialSource(expiredSource{})),
		Authorizer: enforcer(t),
		Clock:      clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct {
		err error
	}{
		{s.Register(ibv1.Model(), &ibv1.Imagebuilder_ServiceDesc, imagebuilder.New(db, imagebuilder.Options{Clock: clock}))},
		{s.Register(iamv1.Model(), &iamv1.IAM_ServiceDesc, iam.New(db, iam.Options{Clock: clock}))},
		{s.Register(stsv1.Model(), &stsv1.STS_ServiceDesc, sts.New())},
	} {
		if r.err != nil {
			t.Fatal(r.err)
		}
	}
	s.SetReady(true)
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	gs, _ := s.NewGRPCServer()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = gs.Serve(ln) }()
	t.Cleanup(gs.Stop)
	return bothTransports{httpURL: hs.URL, grpcTo: ln.Addr().String()}
}

// wireError is what a client learns of a failure.
type wireError struct {
	code    string
	status  int
	message string
}

// signer describes how a test case signs: nothing (no credentials), with
// SigV4 credentials at a time for a signing name, or with fixed headers.
type signer struct {
	creds   *aws.Credentials
	at      time.Time
	service string            // "" means the service called
	headers map[string]string // sent as they are, instead of a signature
}

// authService is one API under test: how to call one of its operations over
// each transport.
type authService struct {
	name    string // signing name
	method  string // HTTP method and path of the operation
	path    string
	ctype   string
	body    string
	callRPC func(ctx context.Context, conn *grpc.ClientConn, opts ...grpc.CallOption) error
	readErr func(t *testing.T, resp *http.Response, body []byte) wireError
}

var authServices = []authService{
	{
		name: "imagebuilder", method: http.MethodPost, path: "/ListComponents", ctype: "application/json", body: "{}",
		callRPC: func(ctx context.Context, conn *grpc.ClientConn, opts ...grpc.CallOption) error {
			_, err := ibv1.NewImagebuilderClient(conn).ListComponents(ctx, &ibv1.ListComponentsRequest{}, opts...)
			return err
		},
		readErr: readRESTJSONError,
	},
	{
		name: "iam", method: http.MethodPost, path: "/", ctype: "application/x-www-form-urlencoded; charset=utf-8", body: "Action=ListUsers&Version=2010-05-08",
		callRPC: func(ctx context.Context, conn *grpc.ClientConn, opts ...grpc.CallOption) error {
			_, err := iamv1.NewIAMClient(conn).ListUsers(ctx, &iamv1.ListUsersRequest{}, opts...)
			return err
		},
		readErr: readQueryError,
	},
	{
		name: "sts", method: http.MethodPost, path: "/", ctype: "application/x-www-form-urlencoded; charset=utf-8", body: "Action=GetCallerIdentity&Version=2011-06-15",
		callRPC: func(ctx context.Context, conn *grpc.ClientConn, opts ...grpc.CallOption) error {
			_, err := stsv1.NewSTSClient(conn).GetCallerIdentity(ctx, &stsv1.GetCallerIdentityRequest{}, opts...)
			return err
		},
		readErr: readQueryError,
	},
}

func readRESTJSONError(t *testing.T, resp *http.Response, body []byte) wireError {
	t.Helper()
	var b struct {
		Message string `json:"message"`
	}
	if err := json.Unmarshal(body, &b); err != nil {
		t.Fatalf("restJson1 error body %q: %v", body, err)
	}
	return wireError{code: resp.Header.Get("X-Amzn-ErrorType"), status: resp.StatusCode, message: b.Message}
}

func readQueryError(t *testing.T, resp *http.Response, body []byte) wireError {
	t.Helper()
	var b struct {
		Error struct {
			Code    string
			Message string
		}
		RequestID string `xml:"RequestId"`
	}
	if err := xml.Unmarshal(body, &b); err != nil {
		t.Fatalf("Query error body %q: %v", body, err)
	}
	if b.RequestID == "" {
		t.Errorf("Query error without a request id: %s", body)
	}
	return wireError{code: b.Error.Code, status: resp.StatusCode, message: b.Error.Message}
}

// overHTTP sends the service's operation as an AWS wire request signed as
// sg says and returns the error it answers.
func overHTTP(t *testing.T, url string, svc authService, sg signer) wireError {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, svc.method, url+svc.path, strings.NewReader(svc.body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", svc.ctype)
	for k, v := range sg.headers {
		req.Header.Set(k, v)
	}
	if sg.creds != nil {
		sum := sha256.Sum256([]byte(svc.body))
		name := sg.service
		if name == "" {
			name = svc.name
		}
		if err := v4.NewSigner().SignHTTP(ctx, *sg.creds, req, hex.EncodeToString(sum[:]), name, "us-east-1", sg.at); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Header.Get("X-Amzn-RequestId") == "" {
		t.Errorf("HTTP %d without X-Amzn-RequestId", resp.StatusCode)
	}
	return svc.readErr(t, resp, body)
}

// fixedMetadata is per-RPC credentials that send the same metadata on every
// call: a hand-made Authorization, say.
type fixedMetadata map[string]string

func (m fixedMetadata) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return m, nil
}

func (fixedMetadata) RequireTransportSecurity() bool { return false }

// overGRPC calls the service's operation over gRPC signed as sg says and
// returns the error its status carries: ErrorInfo's Reason as the code, its
// httpStatus metadata as the status, and the status message.
func overGRPC(t *testing.T, addr string, svc authService, sg signer) wireError {
	t.Helper()
	opts := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	var per grpccreds.PerRPCCredentials
	switch {
	case sg.headers != nil:
		per = fixedMetadata(sg.headers)
	case sg.creds != nil:
		var sopts []grpcsigv4.Option
		if sg.service != "" {
			sopts = append(sopts, grpcsigv4.WithSigningName(sg.service))
		}
		at := sg.at
		sopts = append(sopts, grpcsigv4.WithClock(func() time.Time { return at }))
		per = grpcsigv4.New(credentials.StaticCredentialsProvider{Value: *sg.creds}, "us-east-1", sopts...)
	}
	if per != nil {
		opts = append(opts, grpc.WithPerRPCCredentials(per))
	}
	conn, err := grpc.NewClient(addr, opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = svc.callRPC(ctx, conn)
	st, ok := status.FromError(err)
	if err == nil || !ok {
		t.Fatalf("gRPC %s: got %v, want a status", svc.name, err)
	}
	if st.Code() != codes.Unauthenticated {
		t.Errorf("gRPC %s: status %s, want Unauthenticated", svc.name, st.Code())
	}
	var info *errdetails.ErrorInfo
	for _, d := range st.Details() {
		if ei, ok := d.(*errdetails.ErrorInfo); ok {
			info = ei
		}
	}
	if info == nil {
		t.Fatalf("gRPC %s: status without ErrorInfo: %v", svc.name, st)
	}
	if info.GetMetadata()["requestId"] == "" || info.GetDomain() != svc.name+".amazonaws.com" {
		t.Errorf("gRPC %s: ErrorInfo domain %q metadata %v", svc.name, info.GetDomain(), info.GetMetadata())
	}
	httpStatus, err := strconv.Atoi(info.GetMetadata()["httpStatus"])
	if err != nil {
		t.Errorf("gRPC %s: httpStatus %q: %v", svc.name, info.GetMetadata()["httpStatus"], err)
	}
	return wireError{code: info.GetReason(), status: httpStatus, message: st.Message()}
}

// TestAuthFailuresSameCodeOverHTTPAndGRPC: for each service and each way
// authentication can fail, a gRPC call answers the AWS error code, HTTP
// status and message the same call answers over HTTP — the vocabulary of
// the service called (Query codes for IAM and STS, "…Exception" codes for
// Image Builder), not that of the transport.
func TestAuthFailuresSameCodeOverHTTPAndGRPC(t *testing.T) {
	srv := startBothTransports(t)
	root := &aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}
	date := serverNow.Format("20060102T150405Z")
	incompleteAuthz := func(svc string) string {
		return "AWS4-HMAC-SHA256 Credential=test/" + serverNow.Format("20060102") + "/us-east-1/" + svc + "/aws4_request, SignedHeaders=host;x-amz-date"
	}

	cases := []struct {
		name string
		sign func(svc string) signer
		// want is the code and status per protocol, written out: Query
		// (IAM, STS) then restJson1 (Image Builder).
		query, rest wireError
		// message is the message every transport and protocol sends,
		// unless queryMessage overrides it for Query.
		message      func(svc string) string
		queryMessage string
	}{
		{
			name:         "missing authentication",
			sign:         func(string) signer { return signer{} },
			query:        wireError{code: "MissingAuthenticationToken", status: 403},
			rest:         wireError{code: "MissingAuthenticationTokenException", status: 403},
			message:      func(string) string { return "Missing Authentication Token" },
			queryMessage: "Request is missing Authentication Token",
		},
		{
			name: "wrong secret",
			sign: func(string) signer {
				return signer{creds: &aws.Credentials{AccessKeyID: "test", SecretAccessKey: "not-the-secret"}, at: serverNow}
			},
			query: wireError{code: "SignatureDoesNotMatch", status: 403},
			rest:  wireError{code: "InvalidSignatureException", status: 403},
			message: func(string) string {
				return "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
			},
		},
		{
			name: "unknown access key",
			sign: func(string) signer {
				return signer{creds: &aws.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "x"}, at: serverNow}
			},
			query:   wireError{code: "InvalidClientTokenId", status: 403},
			rest:    wireError{code: "UnrecognizedClientException", status: 403},
			message: func(string) string { return "The security token included in the request is invalid." },
		},
		{
			name:  "signed too long ago",
			sign:  func(string) signer { return signer{creds: root, at: serverNow.Add(-20 * time.Minute)} },
			query: wireError{code: "SignatureDoesNotMatch", status: 403},
			rest:  wireError{code: "InvalidSignatureException", status: 403},
			message: func(string) string {
				return "Signature expired: 20250102T024405Z is now earlier than 20250102T024905Z (20250102T030405Z - 15 min.)"
			},
		},
		{
			name:  "signed in the future",
			sign:  func(string) signer { return signer{creds: root, at: serverNow.Add(20 * time.Minute)} },
			query: wireError{code: "SignatureDoesNotMatch", status: 403},
			rest:  wireError{code: "InvalidSignatureException", status: 403},
			message: func(string) string {
				return "Signature not yet current: 20250102T032405Z is still later than 20250102T031905Z (20250102T030405Z + 15 min.)"
			},
		},
		{
			name: "session token with long-term keys",
			sign: func(string) signer {
				return signer{creds: &aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test", SessionToken: "no-such-token"}, at: serverNow}
			},
			query:   wireError{code: "InvalidClientTokenId", status: 403},
			rest:    wireError{code: "UnrecognizedClientException", status: 403},
			message: func(string) string { return "The security token included in the request is invalid." },
		},
		{
			name: "expired session token",
			sign: func(string) signer {
				return signer{creds: &aws.Credentials{AccessKeyID: expiredKeyID, SecretAccessKey: expiredSecret, SessionToken: expiredToken}, at: serverNow}
			},
			query:   wireError{code: "ExpiredToken", status: 403},
			rest:    wireError{code: "ExpiredTokenException", status: 403},
			message: func(string) string { return "The security token included in the request is expired" },
		},
		{
			name: "incomplete signature",
			sign: func(svc string) signer {
				return signer{headers: map[string]string{"authorization": incompleteAuthz(svc), "x-amz-date": date}}
			},
			query: wireError{code: "IncompleteSignature", status: 400},
			rest:  wireError{code: "IncompleteSignatureException", status: 403},
			message: func(svc string) string {
				return "Authorization header requires 'Signature' parameter. Authorization=" + incompleteAuthz(svc)
			},
		},
	}
	for _, svc := range authServices {
		for _, c := range cases {
			t.Run(svc.name+"/"+c.name, func(t *testing.T) {
				want := c.rest
				want.message = c.message(svc.name)
				if svc.name != "imagebuilder" {
					want = c.query
					want.message = c.message(svc.name)
					if c.queryMessage != "" {
						want.message = c.queryMessage
					}
				}
				got := overHTTP(t, srv.httpURL, svc, c.sign(svc.name))
				if got != want {
					t.Fatalf("over HTTP: %+v\nwant %+v", got, want)
				}
				if g := overGRPC(t, srv.grpcTo, svc, c.sign(svc.name)); g != got {
					t.Errorf("over gRPC: %+v\nover HTTP: %+v", g, got)
				}
			})
		}
	}
}

// TestGRPCWrongScopeServiceUsesCalledServicesCode: a gRPC call signed for
// another service than the one it calls is a signature mismatch in the
// called service's vocabulary. Over HTTP the scope chooses the service, so
// the HTTP counterpart is the same failure kind: a bad signature to that
// service.
func TestGRPCWrongScopeServiceUsesCalledServicesCode(t *testing.T) {
	srv := startBothTransports(t)
	root := &aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}
	badSecret := &aws.Credentials{AccessKeyID: "test", SecretAccessKey: "not-the-secret"}
	for _, svc := range authServices {
		t.Run(svc.name, func(t *testing.T) {
			other := "sts"
			if svc.name == "sts" {
				other = "iam"
			}
			mismatch := overHTTP(t, srv.httpURL, svc, signer{creds: badSecret, at: serverNow})
			got := overGRPC(t, srv.grpcTo, svc, signer{creds: root, at: serverNow, service: other})
			want := wireError{code: mismatch.code, status: mismatch.status, message: "Credential should be scoped to correct service: '" + svc.name + "'. "}
			if got != want {
				t.Errorf("over gRPC: %+v\nwant %+v", got, want)
			}
		})
	}
}
