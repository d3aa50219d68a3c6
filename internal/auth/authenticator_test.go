package auth

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/ibemu/ibemu/internal/auth/sigv4"
)

// fakeClock is a settable clock shared by the server under test.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// testServer authenticates every request like the emulator's wire endpoints
// do and answers with a minimal GetCallerIdentity (Query) or ListComponents
// (REST-JSON) response, or the AWS error for the failure.
type testServer struct {
	*httptest.Server
	auth *Authenticator

	mu   sync.Mutex
	last *Identity
}

func newTestServer(t *testing.T, a *Authenticator) *testServer {
	ts := &testServer{auth: a}
	ts.Server = httptest.NewServer(http.HandlerFunc(ts.serve))
	t.Cleanup(ts.Close)
	return ts
}

func (ts *testServer) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	query := r.URL.Path == "/"
	id, f := ts.auth.AuthenticateHTTP(r, body)
	if f != nil {
		if query {
			e := f.AWSError(sigv4.Query)
			w.Header().Set("Content-Type", "text/xml")
			w.WriteHeader(e.HTTPStatus)
			fmt.Fprintf(w, "<ErrorResponse><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>r</RequestId></ErrorResponse>", e.Fault(), e.Code, xmlEscape(e.Message))
			return
		}
		e := f.AWSError(sigv4.RESTJSON)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-ErrorType", e.Code)
		w.WriteHeader(e.HTTPStatus)
		json.NewEncoder(w).Encode(map[string]string{"message": e.Message})
		return
	}
	ts.mu.Lock()
	ts.last = id
	ts.mu.Unlock()
	if query {
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprintf(w, "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>%s</Arn><UserId>%s</UserId><Account>%s</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>",
			id.Principal.ARN, id.Principal.UserID, id.Principal.AccountID)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"requestId":"r","componentVersionList":[]}`)
}

func (ts *testServer) lastIdentity() *Identity {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.last
}

func xmlEscape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

func awsConfig(ak, sk, token string) aws.Config {
	return aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider(ak, sk, token),
		RetryMaxAttempts: 1,
	}
}

func stsClient(ts *testServer, ak, sk, token string) *sts.Client {
	return sts.NewFromConfig(awsConfig(ak, sk, token), func(o *sts.Options) { o.BaseEndpoint = aws.String(ts.URL) })
}

func callerIdentity(t *testing.T, ts *testServer, ak, sk, token string) (*sts.GetCallerIdentityOutput, error) {
	t.Helper()
	return stsClient(ts, ak, sk, token).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
}

// apiError asserts err is an AWS API error with the code, and that the HTTP
// status matches.
func apiError(t *testing.T, err error, code string, status int) string {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v, want API error %s", err, code)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("code %s (%s), want %s", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) && re.HTTPStatusCode() != status {
		t.Fatalf("status %d, want %d", re.HTTPStatusCode(), status)
	}
	return ae.ErrorMessage()
}

func TestDefaultRootUser(t *testing.T) {
	ts := newTestServer(t, New())
	out, err := callerIdentity(t, ts, "test", "test", "")
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Account) != "000000000000" || aws.ToString(out.Arn) != "arn:aws:iam::000000000000:root" || aws.ToString(out.UserId) != "000000000000" {
		t.Fatalf("identity %s %s %s", aws.ToString(out.Account), aws.ToString(out.Arn), aws.ToString(out.UserId))
	}
	id := ts.lastIdentity()
	if id.Principal.Kind != PrincipalRoot || id.Principal.AccessKeyID != "test" || id.Region != "us-east-1" || id.Service != "sts" || id.Presigned {
		t.Fatalf("identity %+v", id)
	}
	if d := time.Since(id.RequestTime); d < -time.Minute || d > time.Minute {
		t.Fatalf("request time %v", id.RequestTime)
	}
}

func TestAccountIDAccessKeyIsRootOfThatAccount(t *testing.T) {
	var mu sync.Mutex
	var provisioned []string
	fail := true
	a := New(WithAccountProvisioner(func(_ context.Context, account string) error {
		mu.Lock()
		defer mu.Unlock()
		if fail {
			fail = false
			return errors.New("disk full")
		}
		provisioned = append(provisioned, account)
		return nil
	}))
	ts := newTestServer(t, a)

	// A provisioning failure fails the request and is retried next time.
	_, err := callerIdentity(t, ts, "123456789012", "test", "")
	apiError(t, err, "InternalFailure", 500)

	for i := 0; i < 3; i++ {
		out, err := callerIdentity(t, ts, "123456789012", "test", "")
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(out.Account) != "123456789012" || aws.ToString(out.Arn) != "arn:aws:iam::123456789012:root" {
			t.Fatalf("identity %s %s", aws.ToString(out.Account), aws.ToString(out.Arn))
		}
	}
	// A wrong secret must not create an account.
	_, err = callerIdentity(t, ts, "210987654321", "nope", "")
	apiError(t, err, "SignatureDoesNotMatch", 403)
	if _, err := callerIdentity(t, ts, "000000000000", "test", ""); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(provisioned, ",") != "123456789012,000000000000" {
		t.Fatalf("provisioned %v, want each account once", provisioned)
	}
}

func TestRootFailures(t *testing.T) {
	ts := newTestServer(t, New())
	for _, tc := range []struct {
		name, ak, sk, token, code string
		status                    int
		message                   string
	}{
		{"wrong secret", "test", "wrong", "", "SignatureDoesNotMatch", 403, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."},
		{"unknown key", "AKIAIOSFODNN7EXAMPLE", "test", "", "InvalidClientTokenId", 403, "The security token included in the request is invalid."},
		{"eleven digits", "12345678901", "test", "", "InvalidClientTokenId", 403, "The security token included in the request is invalid."},
		{"token with a long-term key", "test", "test", "some-token", "InvalidClientTokenId", 403, "The security token included in the request is invalid."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := callerIdentity(t, ts, tc.ak, tc.sk, tc.token)
			if msg := apiError(t, err, tc.code, tc.status); msg != tc.message {
				t.Fatalf("message %q, want %q", msg, tc.message)
			}
		})
	}
}

func TestConfiguredRootSecret(t *testing.T) {
	ts := newTestServer(t, New(WithRootSecret("s3cr3t")))
	_, err := callerIdentity(t, ts, "test", "test", "")
	apiError(t, err, "SignatureDoesNotMatch", 403)
	if _, err := callerIdentity(t, ts, "test", "s3cr3t", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := callerIdentity(t, ts, "111122223333", "s3cr3t", ""); err != nil {
		t.Fatal(err)
	}
}

// tempSource stands in for the STS credential store later work adds.
type tempSource struct{ cred Credential }

func (s tempSource) LookupAccessKey(_ context.Context, id, _ string) (*Credential, error) {
	if id != s.cred.AccessKeyID {
		return nil, ErrUnknownAccessKey
	}
	c := s.cred
	return &c, nil
}

func TestTemporaryCredentials(t *testing.T) {
	start := time.Now().UTC().Truncate(time.Second)
	clock := &fakeClock{t: start}
	session := Credential{
		AccessKeyID:     "ASIAEXAMPLEEXAMPLE01",
		SecretAccessKey: "temp-secret",
		SessionToken:    "IQoJb3JpZ2luX2VjEXAMPLE",
		Expiration:      start.Add(5 * time.Minute),
		Principal: Principal{
			Kind: PrincipalAssumedRole, AccountID: "111122223333",
			ARN:    "arn:aws:sts::111122223333:assumed-role/builder/s1",
			UserID: "AROAEXAMPLE:s1", Name: "builder", SessionName: "s1",
		},
	}
	ts := newTestServer(t, New(WithClock(clock.Now), WithCredentialSource(tempSource{session})))

	out, err := callerIdentity(t, ts, session.AccessKeyID, session.SecretAccessKey, session.SessionToken)
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Arn) != session.Principal.ARN || aws.ToString(out.UserId) != "AROAEXAMPLE:s1" {
		t.Fatalf("identity %s %s", aws.ToString(out.Arn), aws.ToString(out.UserId))
	}
	if p := ts.lastIdentity().Principal; p.SessionToken != session.SessionToken || p.AccessKeyID != session.AccessKeyID || p.Kind != PrincipalAssumedRole {
		t.Fatalf("principal %+v", p)
	}

	invalid := "The security token included in the request is invalid."
	for name, token := range map[string]string{"missing token": "", "wrong token": "IQoJb3JpZ2luX2VjOTHER", "token prefix": session.SessionToken[:10]} {
		t.Run(name, func(t *testing.T) {
			_, err := callerIdentity(t, ts, session.AccessKeyID, session.SecretAccessKey, token)
			if msg := apiError(t, err, "InvalidClientTokenId", 403); msg != invalid {
				t.Fatalf("message %q", msg)
			}
		})
	}

	// Expiry, with the server clock moved within the allowed skew of the
	// client's (real) signing time.
	clock.Set(session.Expiration.Add(-time.Second))
	if _, err := callerIdentity(t, ts, session.AccessKeyID, session.SecretAccessKey, session.SessionToken); err != nil {
		t.Fatalf("one second before expiry: %v", err)
	}
	clock.Set(session.Expiration)
	_, err = callerIdentity(t, ts, session.AccessKeyID, session.SecretAccessKey, session.SessionToken)
	if msg := apiError(t, err, "ExpiredToken", 403); msg != "The security token included in the request is expired" {
		t.Fatalf("message %q", msg)
	}
	// A wrong token on expired credentials is still just invalid.
	_, err = callerIdentity(t, ts, session.AccessKeyID, session.SecretAccessKey, "IQoJb3JpZ2luX2VjOTHER")
	apiError(t, err, "InvalidClientTokenId", 403)

	// Over REST-JSON the same failure has the Image Builder code.
	cfg := awsConfig(session.AccessKeyID, session.SecretAccessKey, session.SessionToken)
	ib := imagebuilder.NewFromConfig(cfg, func(o *imagebuilder.Options) { o.BaseEndpoint = aws.String(ts.URL) })
	_, err = ib.ListComponents(context.Background(), &imagebuilder.ListComponentsInput{})
	apiError(t, err, "ExpiredTokenException", 403)
}

func TestInjectedClockSkew(t *testing.T) {
	clock := &fakeClock{t: time.Now().Add(20 * time.Minute)}
	ts := newTestServer(t, New(WithClock(clock.Now)))
	_, err := callerIdentity(t, ts, "test", "test", "")
	if msg := apiError(t, err, "SignatureDoesNotMatch", 403); !strings.HasPrefix(msg, "Signature expired: ") || !strings.HasSuffix(msg, " - 15 min.)") {
		t.Fatalf("message %q", msg)
	}
	clock.Set(time.Now().Add(-20 * time.Minute))
	_, err = callerIdentity(t, ts, "test", "test", "")
	if msg := apiError(t, err, "SignatureDoesNotMatch", 403); !strings.HasPrefix(msg, "Signature not yet current: ") {
		t.Fatalf("message %q", msg)
	}
	// The verifier's skew is configurable through the authenticator.
	wide := newTestServer(t, New(WithClock(clock.Now), WithVerifierOptions(sigv4.WithClockSkew(time.Hour))))
	if _, err := callerIdentity(t, wide, "test", "test", ""); err != nil {
		t.Fatal(err)
	}
}

func TestRESTJSONFailures(t *testing.T) {
	ts := newTestServer(t, New())
	ib := func(ak, sk string) error {
		c := imagebuilder.NewFromConfig(awsConfig(ak, sk, ""), func(o *imagebuilder.Options) { o.BaseEndpoint = aws.String(ts.URL) })
		_, err := c.ListComponents(context.Background(), &imagebuilder.ListComponentsInput{})
		return err
	}
	if err := ib("test", "test"); err != nil {
		t.Fatal(err)
	}
	if id := ts.lastIdentity(); id.Service != "imagebuilder" || id.Principal.AccountID != "000000000000" {
		t.Fatalf("identity %+v", id)
	}
	apiError(t, ib("AKIAUNKNOWN", "test"), "UnrecognizedClientException", 403)
	apiError(t, ib("test", "wrong"), "InvalidSignatureException", 403)

	// No signature at all.
	resp, err := http.Post(ts.URL+"/ListComponents", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 || resp.Header.Get("X-Amzn-ErrorType") != "MissingAuthenticationTokenException" {
		t.Fatalf("unsigned: %d %s", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
	}
}

func TestChainSourceOrderAndErrors(t *testing.T) {
	ctx := context.Background()
	shadow := tempSource{Credential{AccessKeyID: "test", SecretAccessKey: "other", Principal: RootPrincipal("999999999999")}}
	chain := ChainSource{shadow, NewRootSource("test")}
	c, err := chain.LookupAccessKey(ctx, "test", "")
	if err != nil || c.Principal.AccountID != "999999999999" {
		t.Fatalf("first source must win: %+v %v", c, err)
	}
	c, err = chain.LookupAccessKey(ctx, "123456789012", "")
	if err != nil || c.Principal.AccountID != "123456789012" || c.SecretAccessKey != "test" {
		t.Fatalf("root fallback: %+v %v", c, err)
	}
	if _, err := chain.LookupAccessKey(ctx, "AKIDNOBODY", ""); !errors.Is(err, ErrUnknownAccessKey) {
		t.Fatalf("unknown: %v", err)
	}

	boom := errors.New("store down")
	a := New(WithCredentialSource(errSource{boom}))
	req := sigv4.Request{Method: "GET", Path: "/", Host: "h", Header: http.Header{
		"Authorization": {"AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=00"},
		"X-Amz-Date":    {"20240101T000000Z"},
	}, PayloadHash: sigv4.EmptyPayloadHash}
	a.clock = func() time.Time { return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC) }
	_, f := a.Authenticate(ctx, &req)
	if f == nil || f.Kind != sigv4.KindInternal || !errors.Is(f, boom) {
		t.Fatalf("got %v, want an internal failure", f)
	}
	// A source answering (nil, nil) counts as unknown.
	a = New(WithCredentialSource(nilSource{}))
	a.clock = func() time.Time { return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC) }
	req.Header = req.Header.Clone()
	req.Header.Set("Authorization", strings.Replace(req.Header.Get("Authorization"), "Credential=test/", "Credential=AKIDNIL/", 1))
	if _, f := a.Authenticate(ctx, &req); f == nil || f.Kind != sigv4.KindUnknownAccessKey {
		t.Fatalf("nil credential: %v", f)
	}
}

type errSource struct{ err error }

func (s errSource) LookupAccessKey(context.Context, string, string) (*Credential, error) {
	return nil, s.err
}

type nilSource struct{}

func (nilSource) LookupAccessKey(context.Context, string, string) (*Credential, error) {
	return nil, nil
}

func TestRootAccountFor(t *testing.T) {
	for id, want := range map[string]string{"test": "000000000000", "000000000000": "000000000000", "123456789012": "123456789012"} {
		if got, ok := RootAccountFor(id); !ok || got != want {
			t.Errorf("%q: %q %v", id, got, ok)
		}
	}
	for _, id := range []string{"", "TEST", "12345678901a", "1234567890123", "AKIAIOSFODNN7EXAMPLE"} {
		if _, ok := RootAccountFor(id); ok {
			t.Errorf("%q accepted", id)
		}
	}
	if PrincipalAssumedRole.String() != "AssumedRole" || PrincipalKind(0).String() != "PrincipalKind(0)" {
		t.Error("principal kind names")
	}
}

// The root source hands a client the same credential each time (its
// signing key memo with it) and never one of another account.
func TestRootSourceKeepsCredentials(t *testing.T) {
	s := NewRootSource("secret")
	a, err := s.LookupAccessKey(context.Background(), "111122223333", "")
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := s.LookupAccessKey(context.Background(), "111122223333", ""); b != a {
		t.Error("credential not kept")
	}
	for i := range 300 {
		id := fmt.Sprintf("%012d", i)
		c, err := s.LookupAccessKey(context.Background(), id, "")
		if err != nil || c.AccessKeyID != id || c.Principal.AccountID != id || c.SecretAccessKey != "secret" {
			t.Fatalf("%s: %+v, %v", id, c, err)
		}
	}
	if c, _ := s.LookupAccessKey(context.Background(), "test", ""); c.Principal.AccountID != DefaultAccountID {
		t.Errorf("default key: %+v", c.Principal)
	}
}
