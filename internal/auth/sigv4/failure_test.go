package sigv4

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
)

// wire is what a client must receive for a failure in one protocol.
type wire struct {
	code   string
	status int
}

// Expected codes and statuses per kind, written out independently of the
// package's table: Query (IAM/STS) first, then REST-JSON (Image Builder).
// Over gRPC a service answers its own protocol's row with the status
// Unauthenticated; the deprecated GRPC protocol is the REST-JSON row.
var expectedWire = map[Kind][2]wire{
	KindMissingAuthentication: {{"MissingAuthenticationToken", 403}, {"MissingAuthenticationTokenException", 403}},
	KindIncompleteSignature:   {{"IncompleteSignature", 400}, {"IncompleteSignatureException", 403}},
	KindUnknownAccessKey:      {{"InvalidClientTokenId", 403}, {"UnrecognizedClientException", 403}},
	KindInvalidSecurityToken:  {{"InvalidClientTokenId", 403}, {"UnrecognizedClientException", 403}},
	KindSignatureMismatch:     {{"SignatureDoesNotMatch", 403}, {"InvalidSignatureException", 403}},
	KindRequestTimeTooSkewed:  {{"SignatureDoesNotMatch", 403}, {"InvalidSignatureException", 403}},
	KindPresignExpired:        {{"RequestExpired", 400}, {"RequestExpired", 400}},
	KindExpiredToken:          {{"ExpiredToken", 403}, {"ExpiredTokenException", 403}},
}

// assertWire checks the failure's AWS error in all three protocols.
func assertWire(t *testing.T, f *Failure, kind Kind, message string) {
	t.Helper()
	if f == nil {
		t.Fatalf("verified; want %v failure", kind)
	}
	if f.Kind != kind {
		t.Fatalf("kind %v (%q), want %v", f.Kind, f.Message, kind)
	}
	want := expectedWire[kind]
	for _, p := range []Protocol{Query, RESTJSON, GRPC} {
		e := f.AWSError(p)
		w := want[1]
		if p == Query {
			w = want[0]
		}
		if e.Code != w.code || e.HTTPStatus != w.status {
			t.Errorf("%v: %s %d, want %s %d", p, e.Code, e.HTTPStatus, w.code, w.status)
		}
		msg := message
		if kind == KindMissingAuthentication && p == Query {
			msg = "Request is missing Authentication Token"
		}
		if e.Message != msg {
			t.Errorf("%v message:\n%q\nwant:\n%q", p, e.Message, msg)
		}
		wantGRPC := codes.PermissionDenied
		if w.status == 400 {
			wantGRPC = codes.InvalidArgument
		}
		if p == GRPC {
			wantGRPC = codes.Unauthenticated
		}
		if got := e.GRPCStatusCode(); got != wantGRPC {
			t.Errorf("%v: grpc code %v, want %v", p, got, wantGRPC)
		}
		if p == GRPC {
			continue
		}
		// Over gRPC, a service answers its own protocol's code, message
		// and HTTP status, with the status Unauthenticated.
		g := f.GRPCError(p)
		if g.Code != e.Code || g.HTTPStatus != e.HTTPStatus || g.Message != e.Message || g.GRPCStatusCode() != codes.Unauthenticated {
			t.Errorf("GRPCError(%v) = %s %d %q %v, want %s %d %q Unauthenticated", p, g.Code, g.HTTPStatus, g.Message, g.GRPCStatusCode(), e.Code, e.HTTPStatus, e.Message)
		}
	}
}

const (
	msgMismatch = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgInvalid  = "The security token included in the request is invalid."
)

// editAuthorization rewrites the Authorization header of a signed request.
func editAuthorization(req Request, edit func(string) string) Request {
	req.Header = withAuthorization(req.Header, edit(req.Header.Get("Authorization")))
	return req
}

func signedPost(t *testing.T) Request {
	return sdkSignedRequest(t, restJSONPut(), testCred, testNow)
}

func TestMissingAuthentication(t *testing.T) {
	req := signedPost(t)
	req.Header = req.Header.Clone()
	req.Header.Del("Authorization")
	_, f := verifyAt(req, testNow)
	assertWire(t, f, KindMissingAuthentication, "Missing Authentication Token")

	req.Header.Set("Authorization", "")
	_, f = verifyAt(req, testNow)
	assertWire(t, f, KindMissingAuthentication, "Missing Authentication Token")
}

func TestMalformedAuthorizationHeader(t *testing.T) {
	base := signedPost(t)
	header := base.Header.Get("Authorization")
	drop := func(param string) func(string) string {
		return func(h string) string {
			alg, rest, _ := strings.Cut(h, " ")
			var kept []string
			for _, p := range strings.Split(rest, ", ") {
				if !strings.HasPrefix(p, param+"=") {
					kept = append(kept, p)
				}
			}
			return alg + " " + strings.Join(kept, ", ")
		}
	}
	cases := []struct {
		name string
		edit func(string) string
		want func(h string) string
	}{
		{"no Credential", drop("Credential"), func(h string) string {
			return "Authorization header requires 'Credential' parameter. Authorization=" + h
		}},
		{"no SignedHeaders", drop("SignedHeaders"), func(h string) string {
			return "Authorization header requires 'SignedHeaders' parameter. Authorization=" + h
		}},
		{"no Signature", drop("Signature"), func(h string) string {
			return "Authorization header requires 'Signature' parameter. Authorization=" + h
		}},
		{"not SigV4 at all", func(string) string { return "Bearer abc.def" }, func(h string) string {
			return "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=" + h
		}},
		{"wrong algorithm", func(h string) string { return strings.Replace(h, "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512", 1) }, func(string) string {
			return "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'."
		}},
		{"missing equal sign", func(h string) string { return strings.Replace(h, "Credential=", "Credential ", 1) }, func(h string) string {
			part, _, _ := strings.Cut(strings.TrimPrefix(h, "AWS4-HMAC-SHA256 "), ",")
			return "'" + part + "' not a valid key=value pair (missing equal-sign) in Authorization header: '" + h + "'."
		}},
		{"four credential elements", func(h string) string { return strings.Replace(h, "/us-east-1/", "/", 1) }, func(string) string {
			return "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '" + testAccessKey + "/20240517/imagebuilder/aws4_request'"
		}},
		{"bad terminator", func(h string) string { return strings.Replace(h, "/aws4_request", "/aws4_reqest", 1) }, func(string) string {
			return "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4_reqest'. "
		}},
		{"duplicate parameter", func(h string) string { return h + ", Signature=00" }, func(h string) string {
			return "Authorization header has duplicate 'Signature' parameter: '" + h + "'."
		}},
		{"host not signed", func(h string) string { return strings.Replace(h, "host;", "", 1) }, func(string) string {
			return "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := editAuthorization(base, tc.edit)
			if req.Header.Get("Authorization") == header {
				t.Fatal("edit did not change the header")
			}
			_, f := verifyAt(req, testNow)
			assertWire(t, f, KindIncompleteSignature, tc.want(req.Header.Get("Authorization")))
		})
	}
	t.Run("two Authorization headers", func(t *testing.T) {
		req := base
		req.Header = base.Header.Clone()
		req.Header.Add("Authorization", header)
		_, f := verifyAt(req, testNow)
		assertWire(t, f, KindIncompleteSignature, "Only one Authorization header is allowed.")
	})
}

func TestBadRequestDate(t *testing.T) {
	base := signedPost(t)
	with := func(set func(h http.Header)) Request {
		req := base
		req.Header = base.Header.Clone()
		set(req.Header)
		return req
	}
	t.Run("no date", func(t *testing.T) {
		req := with(func(h http.Header) { h.Del("X-Amz-Date") })
		_, f := verifyAt(req, testNow)
		assertWire(t, f, KindIncompleteSignature, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization="+base.Header.Get("Authorization"))
	})
	t.Run("not basic format", func(t *testing.T) {
		req := with(func(h http.Header) { h.Set("X-Amz-Date", "2024-05-17T10:20:30Z") })
		_, f := verifyAt(req, testNow)
		assertWire(t, f, KindIncompleteSignature, "Date must be in ISO-8601 'basic format'. Got '2024-05-17T10:20:30Z'. See http://en.wikipedia.org/wiki/ISO_8601")
	})
	t.Run("scope date mismatch", func(t *testing.T) {
		req := with(func(h http.Header) { h.Set("X-Amz-Date", "20240518T001000Z") })
		_, f := verifyAt(req, time.Date(2024, 5, 18, 0, 10, 0, 0, time.UTC))
		assertWire(t, f, KindIncompleteSignature, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20240517' != '20240518', from 'X-Amz-Date'.")
	})
}

func TestUnknownKeyAndWrongSecret(t *testing.T) {
	req := signedPost(t)
	_, f := NewVerifier().Verify(&req, testNow, StaticKeys{"AKIDOTHER": testSecret})
	assertWire(t, f, KindUnknownAccessKey, msgInvalid)

	_, f = NewVerifier().Verify(&req, testNow, StaticKeys{testAccessKey: "wrong-secret"})
	assertWire(t, f, KindSignatureMismatch, msgMismatch)
	if !strings.HasPrefix(f.CanonicalRequest, "PUT\n/CreateComponent\n\n") || !strings.HasPrefix(f.StringToSign, "AWS4-HMAC-SHA256\n20240517T102030Z\n20240517/us-east-1/imagebuilder/aws4_request\n") {
		t.Fatalf("mismatch detail:\n%s\n%s", f.CanonicalRequest, f.StringToSign)
	}
}

func TestTamperedRequests(t *testing.T) {
	get := clientRequest{method: http.MethodGet, url: "http://example.com/a/b?x=1&y=2", header: map[string]string{"X-Amz-Target": "Service.Op"}}
	cases := []struct {
		name   string
		base   clientRequest
		tamper func(*Request)
	}{
		{"path", get, func(r *Request) { r.Path = "/a/c" }},
		{"path encoding", get, func(r *Request) { r.Path = "/a%2Fb" }},
		{"query value", get, func(r *Request) { r.RawQuery = "x=1&y=3" }},
		{"query added", get, func(r *Request) { r.RawQuery += "&z=1" }},
		{"method", get, func(r *Request) { r.Method = http.MethodDelete }},
		{"signed header", get, func(r *Request) { r.Header = r.Header.Clone(); r.Header.Set("X-Amz-Target", "Service.Other") }},
		{"host", get, func(r *Request) { r.Host = "evil.example.com" }},
		{"body", restJSONPut(), func(r *Request) { r.PayloadHash = payloadHash(`{"name":"other"}`) }},
		{"content type", restJSONPut(), func(r *Request) { r.Header = r.Header.Clone(); r.Header.Set("Content-Type", "text/plain") }},
		{"signature", get, func(r *Request) {
			*r = editAuthorization(*r, func(h string) string {
				return h[:len(h)-1] + string("0123456789abcdef"[(strings.IndexByte("0123456789abcdef", h[len(h)-1])+1)%16])
			})
		}},
		{"short signature", get, func(r *Request) {
			*r = editAuthorization(*r, func(h string) string { return h[:len(h)-2] })
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := sdkSignedRequest(t, tc.base, testCred, testNow)
			if _, f := verifyAt(req, testNow); f != nil {
				t.Fatalf("untampered request fails: %v", f)
			}
			tc.tamper(&req)
			_, f := verifyAt(req, testNow)
			assertWire(t, f, KindSignatureMismatch, msgMismatch)
		})
	}
	t.Run("presigned query", func(t *testing.T) {
		req := sdkPresigned(t, get, testCred, testNow, time.Hour)
		req.RawQuery = strings.Replace(req.RawQuery, "y=2", "y=3", 1)
		_, f := verifyAt(req, testNow)
		assertWire(t, f, KindSignatureMismatch, msgMismatch)
	})
}

func TestClockSkew(t *testing.T) {
	for _, tc := range []struct {
		name   string
		offset time.Duration // signing time minus now
		want   string        // "" means accepted
	}{
		{"now", 0, ""},
		{"just inside past", -15*time.Minute + time.Second, ""},
		{"exactly 15 min past", -15 * time.Minute, ""},
		{"past", -15*time.Minute - time.Second, "Signature expired: 20240517T102030Z is now earlier than 20240517T102031Z (20240517T103531Z - 15 min.)"},
		{"just inside future", 15*time.Minute - time.Second, ""},
		{"exactly 15 min future", 15 * time.Minute, ""},
		{"future", 15*time.Minute + time.Second, "Signature not yet current: 20240517T102030Z is still later than 20240517T102029Z (20240517T100529Z + 15 min.)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := signedPost(t)
			_, f := verifyAt(req, testNow.Add(-tc.offset))
			if tc.want == "" {
				if f != nil {
					t.Fatalf("rejected: %v", f)
				}
				return
			}
			assertWire(t, f, KindRequestTimeTooSkewed, tc.want)
		})
	}
	t.Run("configured skew", func(t *testing.T) {
		req := signedPost(t)
		_, f := NewVerifier(WithClockSkew(5*time.Minute)).Verify(&req, testNow.Add(6*time.Minute), testKeys)
		assertWire(t, f, KindRequestTimeTooSkewed, "Signature expired: 20240517T102030Z is now earlier than 20240517T102130Z (20240517T102630Z - 5 min.)")
	})
}

func TestPresignedFailures(t *testing.T) {
	get := clientRequest{method: http.MethodGet, url: "http://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15"}
	t.Run("expired", func(t *testing.T) {
		req := sdkPresigned(t, get, testCred, testNow, time.Minute)
		if _, f := verifyAt(req, testNow.Add(time.Minute)); f != nil {
			t.Fatalf("at expiry: %v", f)
		}
		_, f := verifyAt(req, testNow.Add(time.Minute+time.Second))
		assertWire(t, f, KindPresignExpired, "Request has expired.")
	})
	t.Run("without expires, past the skew", func(t *testing.T) {
		req := sdkPresigned(t, get, testCred, testNow, 0)
		_, f := verifyAt(req, testNow.Add(16*time.Minute))
		assertWire(t, f, KindRequestTimeTooSkewed, "Signature expired: 20240517T102030Z is now earlier than 20240517T102130Z (20240517T103630Z - 15 min.)")
	})
	t.Run("signed in the future", func(t *testing.T) {
		req := sdkPresigned(t, get, testCred, testNow, time.Hour)
		_, f := verifyAt(req, testNow.Add(-16*time.Minute))
		assertWire(t, f, KindRequestTimeTooSkewed, "Signature not yet current: 20240517T102030Z is still later than 20240517T101930Z (20240517T100430Z + 15 min.)")
	})
	setExpires := func(v string) func(string) string {
		return func(q string) string {
			return replaceParam(q, "X-Amz-Expires", v)
		}
	}
	for _, tc := range []struct {
		name, want string
		edit       func(string) string
	}{
		{"expires over a week", "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds", setExpires("604801")},
		{"expires negative", "X-Amz-Expires must be non-negative", setExpires("-1")},
		{"expires not a number", "X-Amz-Expires should be a number", setExpires("1h")},
		{"expires huge", "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds", setExpires("99999999999999999999")},
		{"no signature", "AWS query-string parameters must include 'X-Amz-Signature'. Re-examine the query-string parameters.", func(q string) string { return replaceParam(q, "X-Amz-Signature", "") }},
		{"no credential and date", "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters.", func(q string) string {
			return replaceParam(replaceParam(q, "X-Amz-Credential", ""), "X-Amz-Date", "")
		}},
		{"wrong algorithm", "Unsupported AWS 'algorithm': 'AWS4-ECDSA-P256-SHA256'.", func(q string) string { return replaceParam(q, "X-Amz-Algorithm", "AWS4-ECDSA-P256-SHA256") }},
		{"duplicate signature", "Duplicate 'X-Amz-Signature' query-string parameter.", func(q string) string { return q + "&X-Amz-Signature=00" }},
		{"host not signed", "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.", func(q string) string { return replaceParam(q, "X-Amz-SignedHeaders", "x-amz-date") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := sdkPresigned(t, get, testCred, testNow, time.Hour)
			req.RawQuery = tc.edit(req.RawQuery)
			_, f := verifyAt(req, testNow)
			assertWire(t, f, KindIncompleteSignature, tc.want)
		})
	}
	t.Run("configured max expiry", func(t *testing.T) {
		req := sdkPresigned(t, get, testCred, testNow, 2*time.Hour)
		_, f := NewVerifier(WithMaxPresignExpiry(time.Hour)).Verify(&req, testNow, testKeys)
		assertWire(t, f, KindIncompleteSignature, "X-Amz-Expires must be less than 3600 seconds")
	})
	t.Run("both mechanisms", func(t *testing.T) {
		req := sdkPresigned(t, get, testCred, testNow, time.Hour)
		req.Header = withAuthorization(req.Header, signedPost(t).Header.Get("Authorization"))
		_, f := verifyAt(req, testNow)
		assertWire(t, f, KindIncompleteSignature, "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified")
	})
}

// replaceParam sets (or, with value "", removes) a raw query parameter.
func replaceParam(rawQuery, key, value string) string {
	var out []string
	for _, p := range strings.Split(rawQuery, "&") {
		k, _, _ := strings.Cut(p, "=")
		if k == key {
			if value != "" {
				out = append(out, k+"="+value)
			}
			continue
		}
		out = append(out, p)
	}
	return strings.Join(out, "&")
}

func TestCredentialScopeService(t *testing.T) {
	req := signedPost(t)
	req.ExpectedService = "imagebuilder"
	if _, f := verifyAt(req, testNow); f != nil {
		t.Fatalf("matching service: %v", f)
	}
	req.ExpectedService = "iam"
	_, f := verifyAt(req, testNow)
	assertWire(t, f, KindSignatureMismatch, "Credential should be scoped to correct service: 'iam'. ")

	req.ExpectedService = ""
	noRegion := editAuthorization(req, func(h string) string { return strings.Replace(h, "/us-east-1/", "//", 1) })
	_, f = verifyAt(noRegion, testNow)
	assertWire(t, f, KindSignatureMismatch, "Credential should be scoped to a valid region. ")
}

func TestKeyLookupErrors(t *testing.T) {
	req := signedPost(t)
	boom := errors.New("store unavailable")
	_, f := NewVerifier().Verify(&req, testNow, KeyLookupFunc(func(string) (string, error) { return "", boom }))
	if f == nil || f.Kind != KindInternal || !errors.Is(f, boom) {
		t.Fatalf("got %v, want an internal failure wrapping the store error", f)
	}
	for _, p := range []Protocol{Query, RESTJSON, GRPC} {
		if e := f.AWSError(p); e.Code != "InternalFailure" || e.HTTPStatus != 500 || strings.Contains(e.Message, "store unavailable") {
			t.Fatalf("%v: %+v", p, e)
		}
	}
	for _, p := range []Protocol{Query, RESTJSON} {
		if e := f.GRPCError(p); e.Code != "InternalFailure" || e.GRPCStatusCode() != codes.Internal {
			t.Fatalf("GRPCError(%v): %+v", p, e)
		}
	}
	// A store may answer with a failure of its own, e.g. an expired token.
	_, f = NewVerifier().Verify(&req, testNow, KeyLookupFunc(func(string) (string, error) { return "", ExpiredToken() }))
	assertWire(t, f, KindExpiredToken, "The security token included in the request is expired")
	_, f = NewVerifier().Verify(&req, testNow, nil)
	assertWire(t, f, KindUnknownAccessKey, msgInvalid)
}

func TestEmptyPayloadHashIsAProgrammingError(t *testing.T) {
	req := signedPost(t)
	req.PayloadHash = ""
	if _, f := verifyAt(req, testNow); f == nil || f.Kind != KindInternal {
		t.Fatalf("got %v, want internal", f)
	}
}

func TestFailureConstructorsMapping(t *testing.T) {
	assertWire(t, InvalidSecurityToken(), KindInvalidSecurityToken, msgInvalid)
	assertWire(t, ExpiredToken(), KindExpiredToken, "The security token included in the request is expired")
	assertWire(t, WrongService("sts"), KindSignatureMismatch, "Credential should be scoped to correct service: 'sts'. ")
	if s := KindPresignExpired.String(); s != "PresignExpired" {
		t.Fatalf("kind name %q", s)
	}
	if s := Kind(99).String(); s != "Kind(99)" {
		t.Fatalf("unknown kind name %q", s)
	}
}

// TestSignatureV2Detected: a SigV2 header or presigned query is told apart
// from an unsigned request and from SigV4.
func TestSignatureV2Detected(t *testing.T) {
	for _, tc := range []struct {
		header, query string
		want          bool
	}{
		{"AWS AKIDEXAMPLE:c2lnbmF0dXJl", "", true},
		{"", "AWSAccessKeyId=AKIDEXAMPLE&Signature=c2ln&Expires=1", true},
		{"", "AWSAccessKeyId=AKIDEXAMPLE", false},
		{"", "", false},
		{"AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request, SignedHeaders=host, Signature=00", "", false},
		{"", "X-Amz-Algorithm=AWS4-HMAC-SHA256&AWSAccessKeyId=x&Signature=y", false},
		{"Bearer token", "", false},
	} {
		var authz []string
		if tc.header != "" {
			authz = []string{tc.header}
		}
		if got := isSignatureV2(authz, parseQuery(nil, tc.query)); got != tc.want {
			t.Errorf("isSignatureV2(%q, %q) = %v, want %v", tc.header, tc.query, got, tc.want)
		}
	}
	if e := UnsupportedSignatureVersion().AWSError(RESTXML); e.Code != "InvalidRequest" || e.HTTPStatus != 400 {
		t.Errorf("S3 answer = %+v", e)
	}
}
