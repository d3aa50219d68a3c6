package sigv4

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// keyFunc is a KeyLookup returning whatever secret string *s holds.
type keyFunc struct{ s *string }

func (k keyFunc) SecretKey(string) (string, error) { return *k.s, nil }

// The recent-key slots find a key by the secret string's bytes. A secret in
// other bytes, even one that lands in the same slot with the same length,
// misses: a request signed with one secret never verifies against another.
func TestRecentKeyBoundToSecret(t *testing.T) {
	req := sdkSignedRequest(t, restJSONPut(), testCred, testNow)
	v := NewVerifier()
	secret := strings.Clone(testSecret)
	keys := keyFunc{&secret}
	for i := range 3 {
		if _, f := v.Verify(&req, testNow, keys); f != nil {
			t.Fatalf("verify %d: %v", i, f)
		}
	}
	c, _ := ParseCredential(strings.TrimPrefix(strings.Split(firstHeader(req.Header, "authorization"), ",")[0], Algorithm+" Credential="))
	slot := v.keys.recentSlot(secret, c.Scope)
	first := slot.Load()
	if first == nil || first.secretLen != len(secret) {
		t.Fatalf("recent slot not filled: %+v", first)
	}
	if _, f := v.Verify(&req, testNow, keys); f != nil || slot.Load() != first {
		t.Fatalf("recent key not reused: %v", f)
	}

	// Another secret of the same length in the same slot.
	var other string
	for i := 0; other == ""; i++ {
		cand := fmt.Sprintf("%0*d", len(secret), i)
		if v.keys.recentSlot(cand, c.Scope) == slot {
			other = cand
		}
	}
	secret = other
	if _, f := v.Verify(&req, testNow, keys); f == nil || f.Kind != KindSignatureMismatch {
		t.Fatalf("verified with another secret in the same slot: %v", f)
	}
	// An equal secret in other bytes misses too, and verifies.
	secret = strings.Clone(testSecret)
	if _, f := v.Verify(&req, testNow, keys); f != nil {
		t.Fatalf("equal secret: %v", f)
	}
}

// VerifyInto fills the caller's result without allocating.
func TestVerifyIntoAllocations(t *testing.T) {
	req := sdkSignedRequest(t, restJSONPut(), testCred, testNow)
	v := NewVerifier()
	var res Result
	if f := v.VerifyInto(&req, testNow, testKeys, &res); f != nil {
		t.Fatal(f)
	}
	if n := testing.AllocsPerRun(100, func() {
		if f := v.VerifyInto(&req, testNow, testKeys, &res); f != nil {
			t.Fatal(f)
		}
	}); n != 0 && !raceEnabled {
		t.Errorf("VerifyInto allocates %v times", n)
	}
	if res.AccessKeyID != testAccessKey || !slices.Contains(res.SignedHeaderNames(), "host") {
		t.Errorf("result %+v", res)
	}
}
