package sigv4

import (
	"strings"
	"testing"
)

// memoKeys returns secrets[accessKeyID] together with one memo shared by
// every secret: the misuse a memo must survive.
type memoKeys struct {
	secrets map[string]string
	memo    *KeyMemo
	calls   int
}

func (m *memoKeys) SecretKey(id string) (string, error) {
	s, _, err := m.SecretKeyMemo(id)
	return s, err
}

func (m *memoKeys) SecretKeyMemo(id string) (string, *KeyMemo, error) {
	m.calls++
	s, ok := m.secrets[id]
	if !ok {
		return "", nil, ErrUnknownAccessKey
	}
	return s, m.memo, nil
}

// A memo serves its secret's key, and only that secret's: the same memo
// handed out with another secret (a credential copied and changed) misses,
// so a request signed with the first secret does not verify against the
// second.
func TestKeyMemoBoundToSecret(t *testing.T) {
	req := sdkSignedRequest(t, restJSONPut(), testCred, testNow)
	keys := &memoKeys{secrets: map[string]string{testAccessKey: strings.Clone(testSecret)}, memo: &KeyMemo{}}
	v := NewVerifier()
	for i := range 3 {
		if _, f := v.Verify(&req, testNow, keys); f != nil {
			t.Fatalf("verify %d: %v", i, f)
		}
	}
	first := keys.memo.last
	if first == nil {
		t.Fatal("memo not filled")
	}
	if _, f := v.Verify(&req, testNow, keys); f != nil || keys.memo.last != first {
		t.Fatalf("memo not reused: %v", f)
	}

	// Same memo, another secret: the signature made with the first secret
	// must not verify.
	keys.secrets[testAccessKey] = "another-secret-entirely"
	if _, f := v.Verify(&req, testNow, keys); f == nil || f.Kind != KindSignatureMismatch {
		t.Fatalf("verified with another secret through a shared memo: %v", f)
	}
	// An equal secret in another string is a miss too, but verifies.
	keys.secrets[testAccessKey] = strings.Clone(testSecret)
	if _, f := v.Verify(&req, testNow, keys); f != nil {
		t.Fatalf("equal secret: %v", f)
	}
	// Without the key cache the memo is not used either.
	keys.secrets[testAccessKey] = "another-secret-entirely"
	if _, f := NewVerifier(WithKeyCacheSize(0)).Verify(&req, testNow, keys); f == nil {
		t.Fatal("verified with another secret without the key cache")
	}
}

// VerifyInto fills the caller's result without allocating.
func TestVerifyIntoAllocations(t *testing.T) {
	req := sdkSignedRequest(t, restJSONPut(), testCred, testNow)
	keys := &memoKeys{secrets: map[string]string{testAccessKey: testSecret}, memo: &KeyMemo{}}
	v := NewVerifier()
	var res Result
	if f := v.VerifyInto(&req, testNow, keys, &res); f != nil {
		t.Fatal(f)
	}
	if n := testing.AllocsPerRun(100, func() {
		if f := v.VerifyInto(&req, testNow, keys, &res); f != nil {
			t.Fatal(f)
		}
	}); n != 0 {
		t.Errorf("VerifyInto allocates %v times", n)
	}
	if res.AccessKeyID != testAccessKey || res.SignedHeaderNames()[0] == "" {
		t.Errorf("result %+v", res)
	}
}
