package sigv4

import (
	"testing"
)

// A typical SDK-signed POST (Query protocol, form body, session token)
// verified with a warm key cache.
func BenchmarkVerifySDKSignedPost(b *testing.B) {
	req := sdkSignedRequest(b, queryPost(), withToken(testCred), testNow)
	v := NewVerifier()
	b.ReportAllocs()
	for b.Loop() {
		if _, f := v.Verify(&req, testNow, testKeys); f != nil {
			b.Fatal(f)
		}
	}
}

// A typical SDK-signed REST-JSON call (PUT with a JSON body).
func BenchmarkVerifySDKSignedRESTJSON(b *testing.B) {
	req := sdkSignedRequest(b, restJSONPut(), testCred, testNow)
	v := NewVerifier()
	b.ReportAllocs()
	for b.Loop() {
		if _, f := v.Verify(&req, testNow, testKeys); f != nil {
			b.Fatal(f)
		}
	}
}

// The same, including FromHTTP (hashing the body) as a server does per call.
func BenchmarkFromHTTPAndVerify(b *testing.B) {
	r, body := sdkSigned(b, queryPost(), testCred, testNow)
	v := NewVerifier()
	b.ReportAllocs()
	for b.Loop() {
		req := FromHTTP(r, body)
		if _, f := v.Verify(&req, testNow, testKeys); f != nil {
			b.Fatal(f)
		}
	}
}

// Without the key cache every call derives the signing key (four HMACs).
func BenchmarkVerifyNoKeyCache(b *testing.B) {
	req := sdkSignedRequest(b, restJSONPut(), testCred, testNow)
	v := NewVerifier(WithKeyCacheSize(0))
	b.ReportAllocs()
	for b.Loop() {
		if _, f := v.Verify(&req, testNow, testKeys); f != nil {
			b.Fatal(f)
		}
	}
}

func BenchmarkVerifyPresigned(b *testing.B) {
	req := sdkPresigned(b, clientRequest{method: "GET", url: "http://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15"}, withToken(testCred), testNow, 900e9)
	v := NewVerifier()
	b.ReportAllocs()
	for b.Loop() {
		if _, f := v.Verify(&req, testNow, testKeys); f != nil {
			b.Fatal(f)
		}
	}
}
