package server

import (
	"net/http"
	"net/url"
	"strings"
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
		{auth: "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/iam/aws4_request", want: iam},
		{auth: "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/iam/aws4_request SignedHeaders=host", want: iam},
		{auth: "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1//aws4_request, SignedHeaders=host"},
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

// scopeService agrees with the split it replaces: strings.Count, then
// strings.Cut three times.
func TestScopeServiceMatchesSplit(t *testing.T) {
	ref := func(cred string) (string, bool) {
		if strings.Count(cred, "/") != 4 {
			return "", false
		}
		rest := cred
		for range 3 {
			_, rest, _ = strings.Cut(rest, "/")
		}
		service, _, _ := strings.Cut(rest, "/")
		return service, true
	}
	for _, cred := range []string{
		"", "/", "////", "/////", "AKID/20250101/us-east-1/imagebuilder/aws4_request",
		"AKID/20250101/us-east-1//aws4_request", "AKID/20250101/us-east-1/iam/aws4_request/",
		"AKID/20250101/iam/aws4_request", "a/b/c/d/", "/a/b/c/d", "a/b/c/d/e/f", "é/ü/ß/日本/x",
	} {
		gs, gok := scopeService(cred)
		ws, wok := ref(cred)
		if gs != ws || gok != wok {
			t.Errorf("scopeService(%q) = %q, %v; want %q, %v", cred, gs, gok, ws, wok)
		}
	}
}

func FuzzScopeServiceMatchesSplit(f *testing.F) {
	f.Add("AKID/20250101/us-east-1/imagebuilder/aws4_request")
	f.Add("////")
	f.Fuzz(func(t *testing.T, cred string) {
		gs, gok := scopeService(cred)
		ws, wok := "", strings.Count(cred, "/") == 4
		if wok {
			rest := cred
			for range 3 {
				_, rest, _ = strings.Cut(rest, "/")
			}
			ws, _, _ = strings.Cut(rest, "/")
		}
		if gs != ws || gok != wok {
			t.Errorf("scopeService(%q) = %q, %v; want %q, %v", cred, gs, gok, ws, wok)
		}
	})
}

func BenchmarkAPIForScope(b *testing.B) {
	ib := &API{}
	s := &Server{bySigner: map[string]*API{"imagebuilder": ib}}
	r := &http.Request{Header: http.Header{"Authorization": {"AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20250101/us-east-1/imagebuilder/aws4_request, SignedHeaders=host;x-amz-date, Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}}, URL: &url.URL{Path: "/"}}
	b.ReportAllocs()
	for b.Loop() {
		if s.apiForScope(r) != ib {
			b.Fatal("wrong API")
		}
	}
}
