package storage_test

import (
	"bytes"
	"testing"
)

// FuzzKeyOrder checks, for arbitrary component values, that encoding
// preserves order and equality and that decoding inverts encoding.
func FuzzKeyOrder(f *testing.F) {
	f.Add("a", uint64(1), "b", uint32(2), "a", uint64(1), "b", uint32(3))
	f.Add("a\x00", uint64(0), "", uint32(0), "a", uint64(255), "\xff", uint32(0))
	f.Add("", uint64(1<<63), "\x00\x01", uint32(9), "\x00", uint64(0), "\x00\xff", uint32(10))
	f.Fuzz(func(t *testing.T, a1 string, b1 uint64, c1 string, d1 uint32, a2 string, b2 uint64, c2 string, d2 uint32) {
		x, y := tuple{a1, b1, c1, d1}, tuple{a2, b2, c2, d2}
		if got, want := bytes.Compare(x.encode(), y.encode()), compareTuples(x, y); got != want {
			t.Fatalf("compare(%#v, %#v): encoded %d, components %d", x, y, got, want)
		}
		for _, v := range []tuple{x, y} {
			back, err := decodeTuple(v.encode())
			if err != nil || back != v {
				t.Fatalf("decode(encode(%#v)) = %#v, %v", v, back, err)
			}
		}
	})
}

// FuzzKeyReader feeds arbitrary bytes (as a client-supplied pagination token
// might) to the decoder: it must never panic, and whatever it accepts must
// be the canonical encoding of what it returned.
func FuzzKeyReader(f *testing.F) {
	f.Add(tuple{"a", 1, "b", 2}.encode())
	f.Add([]byte("a\x00\xffb\x00\x01"))
	f.Add([]byte("\x00"))
	f.Add([]byte("\x00\x02"))
	f.Fuzz(func(t *testing.T, key []byte) {
		v, err := decodeTuple(key)
		if err != nil {
			return
		}
		if again := v.encode(); !bytes.Equal(again, key) {
			t.Fatalf("accepted % x but it re-encodes as % x", key, again)
		}
	})
}
