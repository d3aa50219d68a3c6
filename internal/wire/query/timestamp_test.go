package query

import (
	"math"
	"testing"
	"time"
)

// appendISO8601Ref is the encoder's timestamp before appendISO8601 (commit
// a563f4a): appendISO8601 must write the same for any instant.
func appendISO8601Ref(dst []byte, t time.Time) []byte {
	if t.Nanosecond()/int(time.Millisecond) == 0 {
		return t.AppendFormat(dst, "2006-01-02T15:04:05Z")
	}
	return t.AppendFormat(dst, "2006-01-02T15:04:05.999Z")
}

func checkISO8601(t *testing.T, sec int64, nsec int32) {
	tm := time.Unix(sec, int64(nsec)).UTC()
	if got, want := string(appendISO8601([]byte("x"), tm)), string(appendISO8601Ref([]byte("x"), tm)); got != want {
		t.Fatalf("%d.%09d: %s, want %s", sec, nsec, got, want)
	}
}

func TestAppendISO8601MatchesAppendFormat(t *testing.T) {
	for _, sec := range []int64{0, 1, -1, 1700000000, 253402300799, 253402300800, -62135596800, -62135596801, math.MaxInt64 / 2, math.MinInt64 / 2} {
		for _, nsec := range []int32{0, 1, 999999, 1000000, 1500000, 10000000, 100000000, 120000000, 123000000, 123456789, 999999999} {
			checkISO8601(t, sec, nsec)
		}
	}
}

func FuzzAppendISO8601MatchesAppendFormat(f *testing.F) {
	f.Add(int64(1700000000), int32(123000000))
	f.Add(int64(-1), int32(0))
	f.Fuzz(func(t *testing.T, sec int64, nsec int32) {
		if nsec < 0 || nsec >= 1e9 {
			return
		}
		checkISO8601(t, sec, nsec)
	})
}

func BenchmarkAppendISO8601(b *testing.B) {
	tm := time.Unix(1700000000, 123000000).UTC()
	buf := make([]byte, 0, 64)
	b.Run("byHand", func(b *testing.B) {
		for b.Loop() {
			buf = appendISO8601(buf[:0], tm)
		}
	})
	b.Run("AppendFormat", func(b *testing.B) {
		for b.Loop() {
			buf = appendISO8601Ref(buf[:0], tm)
		}
	})
}
