package sigv4

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The copy under testdata must be byte-for-byte the upstream suite.
func TestSuiteMatchesChecksums(t *testing.T) {
	f, err := os.Open(filepath.Join(suiteDir, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		want, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("bad SHA256SUMS line %q", sc.Text())
		}
		b, err := os.ReadFile(filepath.Join(suiteDir, name))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); got != want {
			t.Errorf("%s: sha256 %s, want %s", name, got, want)
		}
		n++
	}
	if n != 174 {
		t.Errorf("SHA256SUMS lists %d files, want 174", n)
	}
}

// suiteRequest is the accepted form of a vector: its .sreq, except that
// get-vanilla-with-session-token's Authorization is replaced by its .authz
// (the upstream .sreq carries get-vanilla's signature), and get-space is
// parsed by hand because net/http rejects its request line.
func suiteRequest(t *testing.T, v vector) Request {
	t.Helper()
	if v.name == "normalize-path/get-space" {
		raw := parseRaw(t, v.sreq)
		return FromHTTP(raw.serverRequest(), raw.body)
	}
	r, body := readWithNetHTTP(t, v.sreq)
	if v.name == "get-vanilla-with-session-token" {
		r.Header = withAuthorization(r.Header, v.authz)
	}
	return FromHTTP(r, body)
}

func TestSuiteGolden(t *testing.T) {
	vectors := loadVectors(t)
	if len(vectors) != 34 {
		t.Fatalf("found %d vectors, want 34", len(vectors))
	}
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			req := suiteRequest(t, v)
			a, f := ParseAuthorization(v.authz)
			if f != nil {
				t.Fatalf("parse .authz: %v", f)
			}

			creq := CanonicalRequest(&req, a.SignedHeaders, false)
			if creq != v.creq {
				t.Fatalf("canonical request:\n%s\nwant:\n%s", creq, v.creq)
			}
			sts := StringToSign(suiteNow, suiteScope, creq)
			if sts != v.sts {
				t.Fatalf("string to sign:\n%s\nwant:\n%s", sts, v.sts)
			}
			sig := Signature(suiteSecret, "20150830", suiteRegion, suiteService, sts)
			authz := Algorithm + " Credential=" + suiteAccessKey + "/" + suiteScope + ", SignedHeaders=" + a.SignedHeaders + ", Signature=" + sig
			if authz != v.authz {
				t.Fatalf("authorization:\n%s\nwant:\n%s", authz, v.authz)
			}

			res, fail := NewVerifier().Verify(&req, suiteNow, suiteKeys)
			if fail != nil {
				t.Fatalf("verify: %v\ncanonical request:\n%s", fail, fail.CanonicalRequest)
			}
			if res.AccessKeyID != suiteAccessKey || res.Region != suiteRegion || res.Service != suiteService || !res.SigningTime.Equal(suiteNow) || res.Presigned {
				t.Fatalf("result %+v", res)
			}
			if res.SignedHeaders != a.SignedHeaders || strings.Join(res.SignedHeaderNames(), ";") != a.SignedHeaders {
				t.Fatalf("signed headers %v, want %s", res.SignedHeaders, a.SignedHeaders)
			}
		})
	}
}

// Parsing by hand and parsing with net/http must give the same canonical
// request; this pins FromHTTP's use of the raw request-target.
func TestSuiteParsersAgree(t *testing.T) {
	for _, v := range loadVectors(t) {
		if v.name == "normalize-path/get-space" {
			continue // net/http cannot read it
		}
		t.Run(v.name, func(t *testing.T) {
			a, _ := ParseAuthorization(v.authz)
			raw := parseRaw(t, v.sreq)
			byHand := FromHTTP(raw.serverRequest(), raw.body)
			r, body := readWithNetHTTP(t, v.sreq)
			byNetHTTP := FromHTTP(r, body)
			if x, y := CanonicalRequest(&byHand, a.SignedHeaders, false), CanonicalRequest(&byNetHTTP, a.SignedHeaders, false); x != y {
				t.Fatalf("by hand:\n%s\nnet/http:\n%s", x, y)
			}
		})
	}
}

// Every .sreq carries its .authz, except the documented upstream bug.
func TestSuiteSignedRequestsCarryAuthz(t *testing.T) {
	for _, v := range loadVectors(t) {
		raw := parseRaw(t, v.sreq)
		got := raw.header.Get("Authorization")
		if v.name == "get-vanilla-with-session-token" {
			if got == v.authz {
				t.Errorf("%s: expected the upstream .sreq to differ from .authz", v.name)
			}
			continue
		}
		if got != v.authz {
			t.Errorf("%s: .sreq Authorization %q, want %q", v.name, got, v.authz)
		}
	}
}

// The unmodified get-vanilla-with-session-token .sreq carries get-vanilla's
// signature over a request that also signs the token: it must be rejected.
func TestSuiteSessionTokenSreqIsRejected(t *testing.T) {
	for _, v := range loadVectors(t) {
		if v.name != "get-vanilla-with-session-token" {
			continue
		}
		r, body := readWithNetHTTP(t, v.sreq)
		req := FromHTTP(r, body)
		_, f := NewVerifier().Verify(&req, suiteNow, suiteKeys)
		if f == nil || f.Kind != KindSignatureMismatch {
			t.Fatalf("got %v, want a signature mismatch", f)
		}
		if f.CanonicalRequest != v.creq {
			t.Fatalf("mismatch should report the canonical request:\n%s\nwant:\n%s", f.CanonicalRequest, v.creq)
		}
		return
	}
	t.Fatal("vector not found")
}

// post-sts-header-after carries an unsigned token; the signature still
// verifies and the result says the token was not signed.
func TestSuiteSessionTokenSignedOrNot(t *testing.T) {
	want := map[string]bool{
		"post-sts-token/post-sts-header-after":  false,
		"post-sts-token/post-sts-header-before": true,
		"get-vanilla-with-session-token":        true,
	}
	for _, v := range loadVectors(t) {
		signed, ok := want[v.name]
		if !ok {
			continue
		}
		req := suiteRequest(t, v)
		res, f := NewVerifier().Verify(&req, suiteNow, suiteKeys)
		if f != nil {
			t.Fatalf("%s: %v", v.name, f)
		}
		if res.SessionToken == "" || res.SessionTokenSigned != signed {
			t.Errorf("%s: token %q signed=%v, want signed=%v", v.name, res.SessionToken, res.SessionTokenSigned, signed)
		}
		delete(want, v.name)
	}
	if len(want) != 0 {
		t.Fatalf("vectors not found: %v", want)
	}
}
