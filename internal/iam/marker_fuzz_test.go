package iam

import (
	"bytes"
	"testing"
)

// FuzzReadMarker: a marker issued for a listing reads back as the key it
// was issued for, another listing refuses it, and any other text is either
// refused with InvalidInput or read as some key, never a panic. Listing
// names are the code's own constants, all shorter than 256 bytes (the
// marker stores the length in one byte).
func FuzzReadMarker(f *testing.F) {
	f.Add("list-users", []byte("alice"), "")
	f.Add("attached-role", []byte{0, 1, 0xff}, "AQpsaXN0LXVzZXJz")
	f.Add("gaad", []byte("k"), "not base64!")
	f.Add("policy-versions", []byte("v1"), "AQ")
	f.Add("", []byte("x"), "AQAA")
	f.Fuzz(func(t *testing.T, listing string, after []byte, marker string) {
		if len(listing) > 255 || len(after) == 0 {
			return
		}
		issued := makeMarker(listing, after)
		got, err := readMarker(listing, issued)
		if err != nil || !bytes.Equal(got, after) {
			t.Fatalf("marker %q issued for %q: %q, %v", *issued, listing, got, err)
		}
		if _, err := readMarker(listing+"x", issued); err == nil {
			t.Fatalf("marker for %q accepted by %q", listing, listing+"x")
		}
		if _, err := readMarker(listing, &marker); err != nil && err.Error() == "" {
			t.Fatal("an error without a message")
		}
	})
}
