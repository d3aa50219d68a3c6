package storage_test

import (
	"bytes"
	"cmp"
	"errors"
	"slices"
	"testing"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/ibemu/ibemu/internal/storage"
)

// tuple is a (string, uint64, string, uint32) key used by the order tests.
type tuple struct {
	a string
	b uint64
	c string
	d uint32
}

func (t tuple) encode() []byte {
	return storage.NewKey().String(t.a).Uint64(t.b).String(t.c).Uint32(t.d).Key()
}

func compareTuples(x, y tuple) int {
	return cmp.Or(
		cmp.Compare(x.a, y.a),
		cmp.Compare(x.b, y.b),
		cmp.Compare(x.c, y.c),
		cmp.Compare(x.d, y.d),
	)
}

func decodeTuple(key []byte) (tuple, error) {
	r := storage.ReadKey(key)
	var (
		t   tuple
		err error
	)
	if t.a, err = r.String(); err != nil {
		return t, err
	}
	if t.b, err = r.Uint64(); err != nil {
		return t, err
	}
	if t.c, err = r.String(); err != nil {
		return t, err
	}
	if t.d, err = r.Uint32(); err != nil {
		return t, err
	}
	if !r.Done() {
		return t, errors.New("trailing bytes")
	}
	return t, nil
}

func TestKeyOrderMatchesComponentOrder(t *testing.T) {
	strs := []string{"", "\x00", "\x00\x00", "\x00\x01", "\x00\xff", "\x01", "a", "a\x00", "a\x00b", "a\x01", "ab", "b", "\xff", "\xff\x00"}
	nums := []uint64{0, 1, 9, 10, 255, 256, 1 << 32, 1<<64 - 1}
	var tuples []tuple
	for _, a := range strs {
		for _, b := range nums[:4] {
			for _, c := range strs[:5] {
				tuples = append(tuples, tuple{a, b, c, uint32(b)})
			}
		}
	}
	for _, b := range nums {
		tuples = append(tuples, tuple{"x", b, "", 1<<32 - 1})
	}
	for i, x := range tuples {
		for _, y := range tuples[i:] {
			if got, want := bytes.Compare(x.encode(), y.encode()), compareTuples(x, y); got != want {
				t.Fatalf("compare(%#v, %#v): encoded %d, components %d", x, y, got, want)
			}
		}
		back, err := decodeTuple(x.encode())
		if err != nil || back != x {
			t.Fatalf("decode(encode(%#v)) = %#v, %v", x, back, err)
		}
	}
}

func TestKeyEncodingLayout(t *testing.T) {
	got := storage.NewKey().String("a\x00b").Uint32(1).Uint64(2).Key()
	want := []byte{'a', 0x00, 0xff, 'b', 0x00, 0x01, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2}
	if !bytes.Equal(got, want) {
		t.Errorf("encoding = % x, want % x", got, want)
	}
}

func TestKeyBuilderReturnsIndependentKeys(t *testing.T) {
	b := storage.NewKey().String("image")
	prefix := b.Key()
	full := b.Uint32(7).Key()
	if !bytes.HasPrefix(full, prefix) || len(full) != len(prefix)+4 {
		t.Fatalf("prefix % x is not a prefix of % x", prefix, full)
	}
	full[0] = 'X'
	if again := b.Key(); again[0] != 'i' {
		t.Error("mutating a returned key changed the builder")
	}
	var zero storage.KeyBuilder
	if k := zero.String("z").Key(); string(k) != "z\x00\x01" {
		t.Errorf("zero builder key = %q", k)
	}
}

func TestStringPrefixMatchesStringsStartingWithIt(t *testing.T) {
	prefix := storage.NewKey().String("recipe").StringPrefix("web").Key()
	for s, want := range map[string]bool{"web": true, "webapp": true, "web\x00x": true, "we": false, "wfb": false} {
		key := storage.NewKey().String("recipe").String(s).Uint32(1).Key()
		if got := bytes.HasPrefix(key, prefix); got != want {
			t.Errorf("%q has prefix %q: %v, want %v", s, "web", got, want)
		}
	}
}

func TestKeyReaderRejectsMalformedKeys(t *testing.T) {
	cases := map[string]func() error{
		"unterminated string": func() error { _, err := storage.ReadKey([]byte("abc")).String(); return err },
		"trailing escape": func() error {
			_, err := storage.ReadKey([]byte("abc\x00")).String()
			return err
		},
		"bad escape":   func() error { _, err := storage.ReadKey([]byte("a\x00\x02")).String(); return err },
		"short uint32": func() error { _, err := storage.ReadKey([]byte{1, 2, 3}).Uint32(); return err },
		"short uint64": func() error { _, err := storage.ReadKey(make([]byte, 7)).Uint64(); return err },
	}
	for name, fn := range cases {
		if err := fn(); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("%s: err = %v, want ErrInvalidKey", name, err)
		}
	}
}

func TestKeysSortNumericVersionsInATable(t *testing.T) {
	db, _ := openTestDB(t, storage.Options{NoSync: true})
	versions := []uint64{10, 2, 1, 100, 9, 11}
	seed := make([]string, 0, len(versions))
	for _, v := range versions {
		seed = append(seed, string(storage.NewKey().String("c").Uint64(v).Key()))
	}
	seedNames(t, db, alice, seed)
	var got []uint64
	mustView(t, db, func(tx *storage.Tx) error {
		return names.Scan(tx, alice, storage.ScanOptions{}, func(k []byte, _ *wrapperspb.StringValue) (bool, error) {
			r := storage.ReadKey(k)
			if _, err := r.String(); err != nil {
				return false, err
			}
			v, err := r.Uint64()
			got = append(got, v)
			return true, err
		})
	})
	want := slices.Clone(versions)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("scan order %v, want %v", got, want)
	}
}
