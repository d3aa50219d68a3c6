package server

import (
	"net/http"
	"net/url"
	"testing"
)

// TestAPIForScope: the service is the fourth of exactly five parts of the
// credential scope, from the Authorization header or a presigned query.
func TestAPIForScope(t *testing.T) {
	ib, iam := &API{}, &API{}
	s := &Server{bySigner: map[string]*API{"imagebuilder": ib, "iam": iam}}
	for _, c := range []struct {
		auth, query string
		want        *API
	}{
		{auth: "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/imagebuilder/aws4_request, SignedHeaders=host, Signature=00", want: ib},
		{auth: "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/iam/aws4_request,SignedHeaders=host", want: iam},
		{auth: "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/iam/aws4_request/x, SignedHeaders=host"},
		{auth: "AWS4-HMAC-SHA256 Credential=AKID/20250101/iam/aws4_request, SignedHeaders=host"},
		{auth: "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/sts/aws4_request, SignedHeaders=host"},
		{auth: "AWS4-HMAC-SHA256 SignedHeaders=host"},
		{query: "X-Amz-Credential=" + url.QueryEscape("AKID/20250101/us-east-1/imagebuilder/aws4_request"), want: ib},
		{query: "X-Amz-Credential=" + url.QueryEscape("AKID/20250101/us-east-1/imagebuilder")},
		{},
	} {
		r := &http.Request{Header: http.Header{}, URL: &url.URL{Path: "/", RawQuery: c.query}}
		if c.auth != "" {
			r.Header.Set("Authorization", c.auth)
		}
		if got := s.apiForScope(r); got != c.want {
			t.Errorf("apiForScope(%q, %q) = %p, want %p", c.auth, c.query, got, c.want)
		}
	}
}
