package kms

import (
	"bytes"
	"encoding/base64"
	"testing"
)

// FuzzPageMarker: Limit is always brought into 1–1000, a marker this
// service issued resumes after the key it names, and any other marker is
// refused with InvalidMarkerException or read as some key, never a panic.
func FuzzPageMarker(f *testing.F) {
	f.Add(int32(0), "", []byte("k"))
	f.Add(int32(-5), "bm90IGEga2V5", []byte{0})
	f.Add(int32(1001), "!!!", []byte{0xff, 0})
	f.Add(int32(1), "AA==", []byte("alias/x"))
	f.Add(int32(2147483647), "a", []byte("1234abcd-12ab-34cd-56ef-1234567890ab"))
	f.Fuzz(func(t *testing.T, limit int32, marker string, last []byte) {
		n, _, aerr := page(limit, marker)
		if aerr == nil && (n < 1 || n > 1000) {
			t.Fatalf("limit %d gave a page of %d", limit, n)
		}
		if aerr != nil && aerr.Code != "InvalidMarkerException" {
			t.Fatalf("marker %q: %v", marker, aerr)
		}
		if len(last) == 0 {
			return
		}
		issued := nextMarker(last)
		_, after, aerr := page(limit, *issued)
		if aerr != nil || !bytes.Equal(after, last) {
			t.Fatalf("marker %q issued after %q: %q, %v", *issued, last, after, aerr)
		}
		if _, err := base64.RawURLEncoding.DecodeString(*issued); err != nil {
			t.Fatalf("issued marker %q is not base64url", *issued)
		}
	})
}
