package kms

import (
	"bytes"
	"crypto/rand"
	"testing"
)

func testAEAD(t testing.TB) []byte {
	t.Helper()
	k := make([]byte, materialSize)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

func TestBlobRoundTripAndTamper(t *testing.T) {
	a, _ := newAEAD(testAEAD(t))
	other, _ := newAEAD(testAEAD(t))
	arn := "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	ec := map[string]string{"purpose": "test", "a": "b"}
	blob, err := sealBlob(a, arn, []byte("secret"), ec)
	if err != nil {
		t.Fatal(err)
	}
	got, hdr, err := blobKeyARN(blob)
	if err != nil || got != arn || hdr != 2+len(arn) {
		t.Fatalf("blobKeyARN = %q, %d, %v", got, hdr, err)
	}
	pt, err := openBlob(a, blob, map[string]string{"a": "b", "purpose": "test"})
	if err != nil || !bytes.Equal(pt, []byte("secret")) {
		t.Fatalf("openBlob = %q, %v", pt, err)
	}
	for name, try := range map[string]func() error{
		"wrong context":   func() error { _, err := openBlob(a, blob, map[string]string{"purpose": "other", "a": "b"}); return err },
		"missing context": func() error { _, err := openBlob(a, blob, nil); return err },
		"extra context": func() error {
			_, err := openBlob(a, blob, map[string]string{"purpose": "test", "a": "b", "c": "d"})
			return err
		},
		"other key": func() error { _, err := openBlob(other, blob, ec); return err },
		"flipped body": func() error {
			b := bytes.Clone(blob)
			b[len(b)-1] ^= 1
			_, err := openBlob(a, b, ec)
			return err
		},
		"flipped header": func() error {
			b := bytes.Clone(blob)
			b[10] ^= 1
			_, err := openBlob(a, b, ec)
			return err
		},
		"truncated": func() error { _, err := openBlob(a, blob[:len(blob)-20], ec); return err },
		"empty":     func() error { _, err := openBlob(a, nil, ec); return err },
	} {
		if err := try(); err == nil {
			t.Errorf("%s: opened", name)
		}
	}
}

func TestCanonicalContextUnambiguous(t *testing.T) {
	x := canonicalContext(nil, map[string]string{"ab": "c"})
	y := canonicalContext(nil, map[string]string{"a": "bc"})
	if bytes.Equal(x, y) {
		t.Fatal("different contexts serialize alike")
	}
}

func FuzzBlobKeyARN(f *testing.F) {
	a, _ := newAEAD(make([]byte, materialSize))
	blob, _ := sealBlob(a, "arn:aws:kms:us-east-1:111122223333:key/k", []byte("x"), nil)
	f.Add(blob)
	f.Add([]byte{1, 200})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _, _ = blobKeyARN(b)
		_, _ = openBlob(a, b, nil)
	})
}

func BenchmarkSealBlob(b *testing.B) {
	a, _ := newAEAD(testAEAD(b))
	arn := "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	pt := make([]byte, 32)
	ec := map[string]string{"bucket": "b", "key": "k"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sealBlob(a, arn, pt, ec); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpenBlob(b *testing.B) {
	a, _ := newAEAD(testAEAD(b))
	arn := "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	ec := map[string]string{"bucket": "b", "key": "k"}
	blob, _ := sealBlob(a, arn, make([]byte, 32), ec)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := openBlob(a, blob, ec); err != nil {
			b.Fatal(err)
		}
	}
}
