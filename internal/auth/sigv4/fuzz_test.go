package sigv4

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func FuzzParseAuthorization(f *testing.F) {
	for _, v := range loadVectors(f) {
		f.Add(v.authz)
	}
	for _, s := range []string{"", "Bearer x", "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA256 ", "AWS4-HMAC-SHA256 a", "AWS4-HMAC-SHA256 Credential=,Signature=,", "AWS4-X a=b", " AWS4-HMAC-SHA256  Credential=a/b/c/d/e ,SignedHeaders=host, Signature=00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		a, fail := ParseAuthorization(header)
		if fail != nil {
			if fail.Kind != KindIncompleteSignature || fail.Message == "" {
				t.Fatalf("unexpected failure %v", fail)
			}
			return
		}
		if a.Algorithm == Algorithm && a.Credential != "" && a.SignedHeaders != "" && a.Signature != "" &&
			!strings.ContainsAny(a.Credential+a.SignedHeaders+a.Signature, ", ") {
			// A well-formed header survives a round trip.
			again, fail := ParseAuthorization(Algorithm + " Credential=" + a.Credential + ", SignedHeaders=" + a.SignedHeaders + ", Signature=" + a.Signature)
			if fail != nil || again != a {
				t.Fatalf("round trip: %+v / %v, want %+v", again, fail, a)
			}
		}
		if a.Credential != "" {
			if c, fail := ParseCredential(a.Credential); fail == nil && c.AccessKeyID+"/"+c.Scope != a.Credential {
				t.Fatalf("credential %+v does not rebuild %q", c, a.Credential)
			}
		}
		// The whole verifier must not panic on it either.
		h := http.Header{}
		h.Set("Authorization", header)
		h.Set("X-Amz-Date", "20150830T123600Z")
		req := Request{Method: "GET", Path: "/", Host: "example.amazonaws.com", Header: h, PayloadHash: EmptyPayloadHash}
		if res, fail := NewVerifier().Verify(&req, suiteNow, suiteKeys); (res == nil) == (fail == nil) {
			t.Fatalf("result %v and failure %v", res, fail)
		}
	})
}

func FuzzParsePresignedQuery(f *testing.F) {
	f.Add("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00")
	f.Add("X-Amz-Algorithm=&X-Amz-Algorithm=x&X-Amz-Expires=-1")
	f.Add("X-Amz-Signature=%zz&X-Amz-Expires=99999999999999999999999")
	f.Add("a=%&b=%4&c=+&&=")
	f.Fuzz(func(t *testing.T, rawQuery string) {
		if _, fail := ParsePresignedQuery(rawQuery); fail != nil && (fail.Kind != KindIncompleteSignature || fail.Message == "") {
			t.Fatalf("unexpected failure %v", fail)
		}
		req := Request{Method: "GET", Path: "/", RawQuery: rawQuery, Host: "example.amazonaws.com", Header: http.Header{}, PayloadHash: EmptyPayloadHash}
		if res, fail := NewVerifier().Verify(&req, suiteNow, suiteKeys); (res == nil) == (fail == nil) {
			t.Fatalf("result %v and failure %v", res, fail)
		}
	})
}

func FuzzCanonicalQuery(f *testing.F) {
	for _, v := range loadVectors(f) {
		_, rest, _ := strings.Cut(strings.SplitN(v.req, " ", 3)[1], "?")
		f.Add(rest)
	}
	f.Add("a=%zz&b=+%2b%2B&=&&c")
	f.Fuzz(func(t *testing.T, rawQuery string) {
		q := CanonicalQuery(rawQuery)
		if again := CanonicalQuery(q); again != q {
			t.Fatalf("not idempotent: %q -> %q -> %q", rawQuery, q, again)
		}
		for i := 0; i < len(q); i++ {
			if c := q[i]; !unreserved[c] && c != '%' && c != '=' && c != '&' {
				t.Fatalf("%q: byte %q left unencoded in %q", rawQuery, c, q)
			}
		}
	})
}

func FuzzCanonicalURI(f *testing.F) {
	for _, v := range loadVectors(f) {
		line, _, _ := strings.Cut(v.req, "\n")
		target := line[strings.IndexByte(line, ' ')+1 : strings.LastIndexByte(line, ' ')]
		path, _, _ := strings.Cut(target, "?")
		f.Add(path)
	}
	f.Add("/a/../../b/./c//d/")
	f.Add("..")
	f.Fuzz(func(t *testing.T, rawPath string) {
		u := CanonicalURI(rawPath)
		if u == "" || u[0] != '/' {
			t.Fatalf("%q -> %q: must start with '/'", rawPath, u)
		}
		if strings.Contains(u, "//") {
			t.Fatalf("%q -> %q: repeated slash", rawPath, u)
		}
		for _, seg := range strings.Split(u, "/") {
			if seg == "." || seg == ".." {
				t.Fatalf("%q -> %q: dot segment left", rawPath, u)
			}
		}
		for i := 0; i < len(u); i++ {
			c := u[i]
			if c == '%' {
				if i+2 >= len(u) || !isUpperHex(u[i+1]) || !isUpperHex(u[i+2]) {
					t.Fatalf("%q -> %q: bad escape", rawPath, u)
				}
				continue
			}
			if !unreserved[c] && c != '/' && !isUpperHex(c) {
				t.Fatalf("%q -> %q: byte %q left unencoded", rawPath, u, c)
			}
		}
		// A path already made of unreserved segments normalizes to a fixed
		// point.
		if again := CanonicalURI(u); !strings.Contains(u, "%") && again != u {
			t.Fatalf("%q -> %q -> %q: not a fixed point", rawPath, u, again)
		}
	})
}

// Random requests through the whole verifier never panic and always give
// exactly one of a result or a failure.
func FuzzVerify(f *testing.F) {
	f.Add("GET", "/", "", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", "20150830T123600Z")
	f.Add("POST", "/a/../b", "X-Amz-Signature=1", "", "")
	f.Fuzz(func(t *testing.T, method, path, query, authz, date string) {
		h := http.Header{}
		if authz != "" {
			h.Set("Authorization", authz)
		}
		if date != "" {
			h.Set("X-Amz-Date", date)
		}
		req := Request{Method: method, Path: path, RawQuery: query, Host: "example.amazonaws.com", Header: h, PayloadHash: EmptyPayloadHash}
		res, fail := NewVerifier().Verify(&req, suiteNow.Add(time.Duration(len(path))*time.Second), suiteKeys)
		if (res == nil) == (fail == nil) {
			t.Fatalf("result %v and failure %v", res, fail)
		}
	})
}
