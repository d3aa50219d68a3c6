package emulator_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/emulator/emulatortest"
)

// lastResponse records the last response a client received, as it came
// off the wire, to compare what the SDK reports with what was sent.
type lastResponse struct {
	next http.RoundTripper

	mu     sync.Mutex
	header http.Header
	body   []byte
}

func (l *lastResponse) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	l.mu.Lock()
	l.header, l.body = resp.Header.Clone(), body
	l.mu.Unlock()
	return resp, nil
}

func (l *lastResponse) get() (http.Header, string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.header, string(l.body)
}

// queryHTTPClient is an HTTP client for the SDK that records responses and
// closes its connections when the test ends.
func queryHTTPClient(t *testing.T) (*http.Client, *lastResponse) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	rec := &lastResponse{next: emulator.ReaderOnlyBodies{Next: tr}}
	return &http.Client{Transport: rec}, rec
}

// queryIAMClient returns an IAM client of the real SDK signing with creds
// against the emulator; retries are off.
func queryIAMClient(t *testing.T, emu *emulator.Emulator, creds aws.CredentialsProvider) (*iam.Client, *lastResponse) {
	hc, rec := queryHTTPClient(t)
	return iam.NewFromConfig(emu.AWSConfig(accountA), func(o *iam.Options) {
		o.Credentials = creds
		o.RetryMaxAttempts = 1
		o.HTTPClient = hc
	}), rec
}

// querySTSClient is queryIAMClient for STS.
func querySTSClient(t *testing.T, emu *emulator.Emulator, creds aws.CredentialsProvider) (*sts.Client, *lastResponse) {
	hc, rec := queryHTTPClient(t)
	return sts.NewFromConfig(emu.AWSConfig(accountA), func(o *sts.Options) {
		o.Credentials = creds
		o.RetryMaxAttempts = 1
		o.HTTPClient = hc
	}), rec
}

func rootCreds(account string) aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(emulator.RootAccessKeyID(account), emulator.DefaultRootSecret, "")
}

// queryErrorBody is an <ErrorResponse> as IAM and STS send it.
type queryErrorBody struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Error   struct {
		Type    string
		Code    string
		Message string
	}
	RequestID string `xml:"RequestId"`
}

// requireQueryError checks an error the SDK returned for a Query protocol
// call: code, HTTP status and message as the SDK reports them, and the
// request id the SDK reports is the one on the wire, in the X-Amzn-RequestId
// header and in the <ErrorResponse> body the server wrote, whose namespace
// is the service's.
func requireQueryError(t *testing.T, err error, rec *lastResponse, namespace, code string, status int, message string) smithy.APIError {
	t.Helper()
	apiErr := requireAPIError(t, err, code, status)
	requireMessage(t, apiErr, message)
	header, raw := rec.get()
	if ct := header.Get("Content-Type"); ct != "text/xml" {
		t.Errorf("%s: Content-Type %q, want text/xml", code, ct)
	}
	var body queryErrorBody
	if err := xml.Unmarshal([]byte(raw), &body); err != nil {
		t.Fatalf("%s: the body is not an <ErrorResponse>: %v\n%s", code, err, raw)
	}
	wantType := "Sender"
	if status >= 500 {
		wantType = "Receiver"
	}
	if body.Xmlns != namespace || body.Error.Type != wantType || body.Error.Code != code || body.Error.Message != message {
		t.Errorf("%s: body %+v\n%s", code, body, raw)
	}
	var re interface{ ServiceRequestID() string }
	if !errors.As(err, &re) {
		t.Fatalf("%s: the SDK reports no request id", code)
	}
	id := re.ServiceRequestID()
	if id == "" || id != header.Get("X-Amzn-RequestId") || id != body.RequestID {
		t.Errorf("%s: SDK request id %q, header %q, body %q: want one id", code, id, header.Get("X-Amzn-RequestId"), body.RequestID)
	}
	return apiErr
}

const (
	iamNamespace = "https://iam.amazonaws.com/doc/2010-05-08/"
	stsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/"
)

// TestQuerySTSGetCallerIdentity: the real STS client gets who it signed as,
// through the server's Query protocol path, with the request id it reports
// the one on the wire.
func TestQuerySTSGetCallerIdentity(t *testing.T) {
	t.Parallel()
	emu := emulatortest.Start(t)
	ctx := testContext(t)
	for _, c := range []struct{ account, wantAccount string }{
		{accountA, accountA},
		{accountB, accountB},
		{"", "000000000000"}, // access key "test"
	} {
		client, rec := querySTSClient(t, emu, rootCreds(c.account))
		out, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatalf("GetCallerIdentity as %q: %v", c.account, err)
		}
		if aws.ToString(out.Account) != c.wantAccount || aws.ToString(out.UserId) != c.wantAccount ||
			aws.ToString(out.Arn) != "arn:aws:iam::"+c.wantAccount+":root" {
			t.Errorf("GetCallerIdentity as %q = account %q user %q arn %q", c.account, aws.ToString(out.Account), aws.ToString(out.UserId), aws.ToString(out.Arn))
		}
		header, body := rec.get()
		id, ok := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
		if !ok || id == "" || id != header.Get("X-Amzn-RequestId") {
			t.Errorf("request id %q (%v), header %q", id, ok, header.Get("X-Amzn-RequestId"))
		}
		want := `<GetCallerIdentityResponse xmlns="` + stsNamespace + `"><GetCallerIdentityResult>` +
			`<UserId>` + c.wantAccount + `</UserId><Account>` + c.wantAccount + `</Account><Arn>arn:aws:iam::` + c.wantAccount + `:root</Arn>` +
			`</GetCallerIdentityResult><ResponseMetadata><RequestId>` + id + `</RequestId></ResponseMetadata></GetCallerIdentityResponse>`
		if body != want || header.Get("Content-Type") != "text/xml" {
			t.Errorf("response %q\n%s\nwant\n%s", header.Get("Content-Type"), body, want)
		}
	}
}

// TestQueryValidationErrorThroughSDK: input that breaks the IAM model's
// constraints is refused with IAM's ValidationError (HTTP 400, the Coral
// message naming the member, the value and the rule), written by the
// server's XML error writer and read by the real IAM client.
func TestQueryValidationErrorThroughSDK(t *testing.T) {
	t.Parallel()
	emu := emulatortest.Start(t)
	ctx := testContext(t)
	client, rec := queryIAMClient(t, emu, rootCreds(accountA))

	_, err := client.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("no spaces allowed")})
	requireQueryError(t, err, rec, iamNamespace, "ValidationError", http.StatusBadRequest,
		`1 validation error detected: Value 'no spaces allowed' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+`)

	// Every violation is listed, in the model's member order.
	_, err = client.CreateUser(ctx, &iam.CreateUserInput{
		UserName: aws.String(strings.Repeat("u", 65)),
		Path:     aws.String("no-slashes"),
	})
	requireQueryError(t, err, rec, iamNamespace, "ValidationError", http.StatusBadRequest,
		`2 validation errors detected: Value 'no-slashes' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F); `+
			`Value '`+strings.Repeat("u", 65)+`' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64`)

	// An enum the model does not list.
	_, err = client.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeType("Everything")})
	requireQueryError(t, err, rec, iamNamespace, "ValidationError", http.StatusBadRequest,
		`1 validation error detected: Value 'Everything' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]`)
}

// TestQueryUnsupportedOperationThroughSDK: a valid call to an operation the
// emulator does not implement yet answers UnsupportedOperation (HTTP 501)
// naming it, through each client.
func TestQueryUnsupportedOperationThroughSDK(t *testing.T) {
	t.Parallel()
	emu := emulatortest.Start(t)
	ctx := testContext(t)

	iamc, iamRec := queryIAMClient(t, emu, rootCreds(accountA))
	_, err := iamc.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("alice"), Password: aws.String("Passw0rd!Passw0rd")})
	requireQueryError(t, err, iamRec, iamNamespace, "UnsupportedOperation", http.StatusNotImplemented,
		"iam:CreateLoginProfile is not implemented by this emulator yet")

	stsc, stsRec := querySTSClient(t, emu, rootCreds(accountA))
	_, err = stsc.AssumeRoot(ctx, &sts.AssumeRootInput{
		TargetPrincipal: aws.String(accountA),
		TaskPolicyArn:   &ststypes.PolicyDescriptorType{Arn: aws.String("arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials")},
	})
	requireQueryError(t, err, stsRec, stsNamespace, "UnsupportedOperation", http.StatusNotImplemented,
		"sts:AssumeRoot is not implemented by this emulator yet")
}

// TestQueryAuthenticationFailuresThroughSDK: each client sees IAM's and
// STS's own codes when the signature does not hold, and nothing runs.
func TestQueryAuthenticationFailuresThroughSDK(t *testing.T) {
	t.Parallel()
	emu := emulatortest.Start(t)
	ctx := testContext(t)
	cases := []struct {
		name    string
		creds   aws.CredentialsProvider
		code    string
		message string
	}{
		{"no credentials", aws.AnonymousCredentials{}, "MissingAuthenticationToken", "Request is missing Authentication Token"},
		{"wrong secret", credentials.NewStaticCredentialsProvider(accountA, "not-the-secret", ""), "SignatureDoesNotMatch",
			"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."},
		{"unknown access key", credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "secret", ""), "InvalidClientTokenId",
			"The security token included in the request is invalid."},
		{"session token with long-term keys", credentials.NewStaticCredentialsProvider(accountA, emulator.DefaultRootSecret, "token"), "InvalidClientTokenId",
			"The security token included in the request is invalid."},
	}
	for _, c := range cases {
		t.Run("iam/"+c.name, func(t *testing.T) {
			client, rec := queryIAMClient(t, emu, c.creds)
			_, err := client.ListUsers(ctx, &iam.ListUsersInput{})
			requireQueryError(t, err, rec, iamNamespace, c.code, http.StatusForbidden, c.message)
		})
		t.Run("sts/"+c.name, func(t *testing.T) {
			client, rec := querySTSClient(t, emu, c.creds)
			_, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			requireQueryError(t, err, rec, stsNamespace, c.code, http.StatusForbidden, c.message)
		})
	}
}

// signedQuery sends a Query protocol request with a form body (GET when
// body is "" and query is set), signed as accountA's root user for service.
func signedQuery(t *testing.T, emu *emulator.Emulator, service, method, query, body string) rawResponse {
	t.Helper()
	url := emu.HTTPURL() + "/"
	if query != "" {
		url += "?" + query
	}
	req, err := http.NewRequestWithContext(testContext(t), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	}
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: accountA, SecretAccessKey: emulator.DefaultRootSecret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), service, region, time.Now()); err != nil {
		t.Fatal(err)
	}
	return newRawClient(t, emu, accountA).send(req)
}

// TestQueryMalformedRequests: signed requests no SDK would send get the
// Query protocol's own errors from the real server, as complete
// <ErrorResponse> documents; a GET with the parameters in the query string
// works as it does against AWS.
func TestQueryMalformedRequests(t *testing.T) {
	t.Parallel()
	emu := emulatortest.Start(t)

	ok := signedQuery(t, emu, "sts", http.MethodGet, "Action=GetCallerIdentity&Version=2011-06-15", "")
	id := ok.header.Get("X-Amzn-RequestId")
	want := `<GetCallerIdentityResponse xmlns="` + stsNamespace + `"><GetCallerIdentityResult><UserId>` + accountA + `</UserId><Account>` + accountA +
		`</Account><Arn>arn:aws:iam::` + accountA + `:root</Arn></GetCallerIdentityResult><ResponseMetadata><RequestId>` + id + `</RequestId></ResponseMetadata></GetCallerIdentityResponse>`
	if ok.status != http.StatusOK || string(ok.body) != want {
		t.Errorf("GET GetCallerIdentity: %d %s\nwant %s", ok.status, ok.body, want)
	}

	cases := []struct {
		name, service, body string
		status              int
		code, message       string
	}{
		{"bad percent-encoding", "sts", "Action=GetCallerIdentity&Version=2011-06-15&Bad=%zz", http.StatusNotFound,
			"MalformedQueryString", "Parameter Bad is not valid percent-encoding."},
		{"no Action", "sts", "Version=2011-06-15", http.StatusBadRequest, "MissingAction", "Missing Action"},
		{"unknown Action", "sts", "Action=GetCallerIdentities&Version=2011-06-15", http.StatusBadRequest,
			"InvalidAction", "Could not find operation GetCallerIdentities for version 2011-06-15"},
		{"another service's Version", "iam", "Action=ListUsers&Version=2011-06-15", http.StatusBadRequest,
			"InvalidAction", "Could not find operation ListUsers for version 2011-06-15"},
		{"Action twice", "iam", "Action=ListUsers&Action=ListRoles&Version=2010-05-08", http.StatusBadRequest,
			"MalformedInput", "Parameter Action is given more than once."},
		{"not a number", "iam", "Action=ListUsers&Version=2010-05-08&MaxItems=ten", http.StatusBadRequest,
			"MalformedInput", "Value 'ten' for parameter MaxItems is not a 32-bit integer."},
		{"list index 0", "iam", "Action=CreateUser&Version=2010-05-08&UserName=u&Tags.member.0.Key=k", http.StatusBadRequest,
			"MalformedInput", "Parameter Tags.member.0.Key: 0 is not a valid index; indexes run from 1 to 10000."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := signedQuery(t, emu, c.service, http.MethodPost, "", c.body)
			ns := iamNamespace
			if c.service == "sts" {
				ns = stsNamespace
			}
			id := resp.header.Get("X-Amzn-RequestId")
			want := `<ErrorResponse xmlns="` + ns + `"><Error><Type>Sender</Type><Code>` + c.code + `</Code><Message>` + c.message +
				`</Message></Error><RequestId>` + id + `</RequestId></ErrorResponse>`
			if resp.status != c.status || string(resp.body) != want || id == "" || resp.header.Get("Content-Type") != "text/xml" {
				t.Errorf("got %d %q %s\nwant %d %s", resp.status, resp.header.Get("Content-Type"), resp.body, c.status, want)
			}
		})
	}
}
