package sigv4

import (
	"net/http"
	"testing"
)

func TestCanonicalURI(t *testing.T) {
	for raw, want := range map[string]string{
		"":                      "/",
		"/":                     "/",
		"//":                    "/",
		"/a":                    "/a",
		"a/b":                   "/a/b",
		"/a/":                   "/a/",
		"//a//b//":              "/a/b/",
		"/./a":                  "/a",
		"/a/.":                  "/a/",
		"/a/./b":                "/a/b",
		"/a/..":                 "/",
		"/a/b/..":               "/a/",
		"/a/b/../c":             "/a/c",
		"/..":                   "/",
		"/../../a":              "/a",
		"/a/b/../../..":         "/",
		"/.../a":                "/.../a",
		"/a..b":                 "/a..b",
		"/%2E%2E/a":             "/%252E%252E/a",
		"/example space/":       "/example%20space/",
		"/ሴ":                    "/%E1%88%B4",
		"/%E1%88%B4":            "/%25E1%2588%25B4",
		"/example/$delete":      "/example/%24delete",
		"/-._~0-9A-Za-z":        "/-._~0-9A-Za-z",
		"/a+b=c&d:e@f!g*h(i)j,": "/a%2Bb%3Dc%26d%3Ae%40f%21g%2Ah%28i%29j%2C",
	} {
		if got := CanonicalURI(raw); got != want {
			t.Errorf("CanonicalURI(%q) = %q, want %q", raw, got, want)
		}
	}
}

func TestCanonicalQuery(t *testing.T) {
	for raw, want := range map[string]string{
		"":                              "",
		"a=1":                           "a=1",
		"b=2&a=1":                       "a=1&b=2",
		"a=2&a=1&a=10":                  "a=1&a=10&a=2",
		"Param1=value2&Param1=Value1":   "Param1=Value1&Param1=value2",
		"a":                             "a=",
		"a=&b":                          "a=&b=",
		"&&a=1&&":                       "a=1",
		"a=x+y":                         "a=x%20y",
		"a=x%20y":                       "a=x%20y",
		"a=x%2by":                       "a=x%2By",
		"a=%41%7e":                      "a=A~",
		"a=%zz":                         "a=%25zz",
		"a=%4":                          "a=%254",
		"a=b=c":                         "a=b%3Dc",
		"a=%2F&a=-":                     "a=%2F&a=-",
		"ሴ=bar":                         "%E1%88%B4=bar",
		"Param-3=3&Param=2&%E1%88%B4=1": "%E1%88%B4=1&Param=2&Param-3=3",
		"a;b=1":                         "a%3Bb=1",
	} {
		if got := CanonicalQuery(raw); got != want {
			t.Errorf("CanonicalQuery(%q) = %q, want %q", raw, got, want)
		}
	}
}

func TestCanonicalHeaders(t *testing.T) {
	h := http.Header{}
	h.Add("My-Header1", "  a   b   c  ")
	h.Add("My-Header1", `"x  y"`)
	h.Add("My-Header1", "tab\there")
	h["x-lower-case"] = []string{"kept"} // not a canonical MIME key
	req := &Request{Host: " example.com ", Header: h}
	got := string(appendCanonicalHeaders(nil, req, "host;my-header1;missing;x-lower-case"))
	want := "host:example.com\nmy-header1:a b c,\"x y\",tab\there\nmissing:\nx-lower-case:kept\n"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestParseCredential(t *testing.T) {
	c, f := ParseCredential("AKID/20150830/us-east-1/iam/aws4_request")
	if f != nil {
		t.Fatal(f)
	}
	if c != (Credential{AccessKeyID: "AKID", Date: "20150830", Region: "us-east-1", Service: "iam", Terminator: "aws4_request", Scope: "20150830/us-east-1/iam/aws4_request"}) {
		t.Fatalf("%+v", c)
	}
	for _, bad := range []string{"", "AKID", "a/b/c/d", "a/b/c/d/e/f"} {
		if _, f := ParseCredential(bad); f == nil || f.Kind != KindIncompleteSignature {
			t.Errorf("ParseCredential(%q) = %v, want incomplete", bad, f)
		}
	}
}

func TestFromHTTPRequestTargetForms(t *testing.T) {
	for _, tc := range []struct {
		uri, path, query string
	}{
		{"/a%2Fb?x=%20", "/a%2Fb", "x=%20"},
		{"http://example.com/p?q=1", "/p", "q=1"},
		{"http://example.com?q=1", "", "q=1"},
		{"http://example.com", "", ""},
		{"/", "/", ""},
	} {
		r := &http.Request{Method: "GET", RequestURI: tc.uri, Host: "example.com", Header: http.Header{}}
		req := FromHTTP(r, nil)
		if req.Path != tc.path || req.RawQuery != tc.query || req.PayloadHash != EmptyPayloadHash || req.Host != "example.com" {
			t.Errorf("%q: %+v", tc.uri, req)
		}
	}
	// A client-side request has no RequestURI; the URL (or its Opaque) is used.
	r, _ := http.NewRequest("GET", "http://example.com:8080/a%20b?x=1", nil)
	r.RequestURI = ""
	if req := FromHTTP(r, nil); req.Path != "/a%20b" || req.RawQuery != "x=1" || req.Host != "example.com:8080" {
		t.Errorf("client request: %+v", req)
	}
	r.URL.Opaque = "//example.com/raw%2Fpath"
	if req := FromHTTP(r, nil); req.Path != "/raw%2Fpath" {
		t.Errorf("opaque: %+v", req)
	}
}
