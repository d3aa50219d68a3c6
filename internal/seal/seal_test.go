package seal

import (
	"bytes"
	"errors"
	"testing"
)

func newSealer(t *testing.T, b byte) *Sealer {
	t.Helper()
	s, err := New(bytes.Repeat([]byte{b}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSealOpens(t *testing.T) {
	s := newSealer(t, 1)
	v := s.Seal("token", []byte("session"), []byte("ASIAEXAMPLE"))
	got, err := s.Open("token", v, []byte("ASIAEXAMPLE"))
	if err != nil || string(got) != "session" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if v2 := s.Seal("token", []byte("session"), []byte("ASIAEXAMPLE")); v2 == v {
		t.Fatal("two seals of the same value are equal: the nonce is not random")
	}
}

// Anything but the exact value, purpose, binding and key fails to open.
func TestSealRejectsForgeries(t *testing.T) {
	s := newSealer(t, 1)
	v := s.Seal("token", []byte("session"), []byte("ASIAEXAMPLE"))
	raw := []byte(v)
	flipped := append([]byte(nil), raw...)
	flipped[len(flipped)/2] ^= 0x01
	cases := map[string]func() ([]byte, error){
		"tampered":      func() ([]byte, error) { return s.Open("token", string(flipped), []byte("ASIAEXAMPLE")) },
		"truncated":     func() ([]byte, error) { return s.Open("token", v[:len(v)-4], []byte("ASIAEXAMPLE")) },
		"other binding": func() ([]byte, error) { return s.Open("token", v, []byte("ASIAOTHER")) },
		"other purpose": func() ([]byte, error) { return s.Open("message", v, []byte("ASIAEXAMPLE")) },
		"other key":     func() ([]byte, error) { return newSealer(t, 2).Open("token", v, []byte("ASIAEXAMPLE")) },
		"not base64":    func() ([]byte, error) { return s.Open("token", "!!!", nil) },
		"empty":         func() ([]byte, error) { return s.Open("token", "", nil) },
	}
	for name, open := range cases {
		if got, err := open(); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: Open = %q, %v; want ErrInvalid", name, got, err)
		}
	}
}

func TestDeriveDependsOnPurposeAndKey(t *testing.T) {
	s := newSealer(t, 1)
	a := s.Derive("secret", []byte("ASIA1"))
	if !bytes.Equal(a, s.Derive("secret", []byte("ASIA1"))) {
		t.Fatal("Derive is not deterministic")
	}
	for _, other := range [][]byte{s.Derive("secret", []byte("ASIA2")), s.Derive("other", []byte("ASIA1")), newSealer(t, 2).Derive("secret", []byte("ASIA1"))} {
		if bytes.Equal(a, other) {
			t.Fatal("Derive collides across data, purposes or keys")
		}
	}
}

func TestNewRejectsShortKeys(t *testing.T) {
	if _, err := New(make([]byte, 16)); err == nil {
		t.Fatal("New accepted a 16-byte key")
	}
}

func FuzzOpen(f *testing.F) {
	s, _ := New(bytes.Repeat([]byte{7}, KeySize))
	f.Add(s.Seal("token", []byte("x"), nil))
	f.Add("")
	f.Add("AAAA")
	f.Fuzz(func(t *testing.T, v string) {
		if out, err := s.Open("token", v, nil); err == nil && string(out) != "x" {
			t.Fatalf("forged value opened to %q", out)
		}
	})
}
