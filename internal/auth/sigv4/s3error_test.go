package sigv4

import (
	"net/http"
	"testing"
	"time"
)

// S3 answers authentication failures in its own vocabulary ("Error
// Responses", Amazon S3 API Reference); KMS (AWS-JSON) keeps the
// REST-JSON codes.
func TestS3ErrorVocabulary(t *testing.T) {
	presignedMalformed := incomplete("bad query")
	presignedMalformed.Presigned = true
	for _, c := range []struct {
		f      *Failure
		code   string
		status int
		msg    string
	}{
		{MissingAuthentication(), "AccessDenied", 403, "Access Denied"},
		{UnknownAccessKey(), "InvalidAccessKeyId", 403, "The AWS Access Key Id you provided does not exist in our records."},
		{SignatureMismatch(), "SignatureDoesNotMatch", 403, "The request signature we calculated does not match the signature you provided. Check your key and signing method."},
		{WrongService("s3"), "SignatureDoesNotMatch", 403, "Credential should be scoped to correct service: 's3'. "},
		{signatureExpired(testNow.Add(-20*time.Minute), testNow, DefaultClockSkew), "RequestTimeTooSkewed", 403, "The difference between the request time and the current time is too large."},
		{presignExpired(), "AccessDenied", 403, "Request has expired"},
		{ExpiredToken(), "ExpiredToken", 400, "The provided token has expired."},
		{InvalidSecurityToken(), "InvalidToken", 400, "The provided token is malformed or otherwise invalid."},
		{incomplete("bad header"), "AuthorizationHeaderMalformed", 400, "bad header"},
		{presignedMalformed, "AuthorizationQueryParametersError", 400, "bad query"},
		{BadRequest("InvalidRequest", "Missing required header for this request: x-amz-content-sha256"), "InvalidRequest", 400, "Missing required header for this request: x-amz-content-sha256"},
	} {
		e := c.f.AWSError(RESTXML)
		if e.Code != c.code || e.HTTPStatus != c.status || e.Message != c.msg {
			t.Errorf("%v: got %s %d %q, want %s %d %q", c.f.Kind, e.Code, e.HTTPStatus, e.Message, c.code, c.status, c.msg)
		}
	}
	if e := SignatureMismatch().AWSError(AWSJSON); e.Code != "InvalidSignatureException" || e.HTTPStatus != http.StatusForbidden {
		t.Errorf("AWS-JSON: %+v", e)
	}
	if e := MissingAuthentication().AWSError(AWSJSON); e.Code != "MissingAuthenticationTokenException" {
		t.Errorf("AWS-JSON: %+v", e)
	}
}

// A malformed presigned URL is reported as a query-parameter error.
func TestPresignedIncompleteIsMarked(t *testing.T) {
	req := Request{Method: "GET", Path: "/b/k", Host: "h", Header: http.Header{}, PayloadHash: UnsignedPayload, AllowUnsignedPayload: true,
		RawQuery: "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=00"}
	_, f := NewVerifier().Verify(&req, testNow, StaticKeys{})
	if f == nil || f.Kind != KindIncompleteSignature || !f.Presigned || f.AWSError(RESTXML).Code != "AuthorizationQueryParametersError" {
		t.Fatalf("got %+v", f)
	}
}

// S3's canonical URI is the path as escaped, re-escaped canonically, never
// normalized.
func TestS3CanonicalURI(t *testing.T) {
	for raw, want := range map[string]string{
		"":               "/",
		"/":              "/",
		"/b/a%20b":       "/b/a%20b",
		"/b/a//./c/../d": "/b/a//./c/../d",
		"/b/%7Etilde%2a": "/b/~tilde%2A",
		"/b/%C3%BC+x=y":  "/b/%C3%BC%2Bx%3Dy",
		"/b/100%":        "/b/100%25",
	} {
		if got := string(appendS3CanonicalURI(nil, raw)); got != want {
			t.Errorf("%q: %q, want %q", raw, got, want)
		}
	}
}
