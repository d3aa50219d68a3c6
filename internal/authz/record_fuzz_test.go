package authz_test

import (
	"testing"
	"time"

	"github.com/ibemu/ibemu/internal/authz"
)

// FuzzDecodeRecord: a stored decision record is read back from the data
// file, which a crash, a bad disk or a hand edit can corrupt. Any bytes
// decode or fail with an error; they never panic a reader (explain,
// decisions, the page, suggest, impact).
func FuzzDecodeRecord(f *testing.F) {
	for _, d := range append(sampleDecisions(f), edgeDecisions(f)...) {
		raw, err := authz.EncodeRecord(d)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte{})
	f.Add([]byte{0xf8, 0x7f, 0x01}) // the compact marker alone
	at := time.Unix(1796000000, 12345)
	f.Fuzz(func(t *testing.T, raw []byte) {
		r, err := authz.DecodeRecord(raw, at, "req-fuzz")
		if err == nil && r == nil {
			t.Fatal("no record and no error")
		}
	})
}
