package sigv4

import (
	"crypto/sha256"
	"fmt"
	"hash/maphash"
	"strings"
	"testing"
	"time"
)

// The prefix cache's sums are SHA-256's, for messages sharing none, one or
// two first blocks with a kept entry, around the block boundaries, as
// entries age and are replaced, and concurrently; hits and misses inside an
// entry's second do not allocate.
func TestPrefixCacheSumIsSHA256(t *testing.T) {
	var p prefixCache
	m := newMACHash()
	at := testNow
	check := func(msg []byte) {
		t.Helper()
		if got, want := p.sum(m, msg, at), sha256.Sum256(msg); got != want {
			t.Fatalf("%d bytes %.40q…: sum differs from SHA-256", len(msg), msg)
		}
	}
	base := []byte("GET\n/GetComponent\ncomponentBuildVersionArn=arn%3Aaws%3Aimagebuilder%3Aus-east-1%3A111122223333%3Acomponent%2Fc%2F1.0.0%2F1\namz-sdk-invocation-id:")
	variants := func(i int) [][]byte {
		var out [][]byte
		for _, n := range []int{0, 1, 55, 63, 64, 65, 127, 128, 129, 200, 400} {
			msg := append([]byte(nil), base...)
			msg = append(msg, fmt.Sprintf("%08d-%s", i, strings.Repeat("x", n))...)
			out = append(out, msg)
			for _, cut := range []int{1, 63, 64, 65, 127, 128, 129} {
				if cut <= len(msg) {
					out = append(out, msg[:cut])
				}
			}
			other := append([]byte(nil), msg...)
			other[70] ^= 1 // same first block, another second block
			out = append(out, other)
			other = append([]byte(nil), msg...)
			other[3] ^= 1 // another first block
			out = append(out, other)
		}
		return out
	}
	for i := range 5 {
		for _, msg := range variants(i) {
			check(msg)
		}
		at = at.Add(700 * time.Millisecond) // entries age past a second every other round
	}
	at = testNow.Add(-time.Hour) // the clock going back replaces entries too
	for _, msg := range variants(9) {
		check(msg)
	}

	// A fresh cache keeps the first message's blocks; hitting them, and
	// missing inside the entry's second, allocates nothing.
	var q prefixCache
	msg, miss := variants(3)[0], variants(4)[0]
	miss[3] ^= 1
	q.sum(m, msg, at)
	e := q.slots[0].Load()
	for i := 1; e == nil && i < len(q.slots); i++ {
		e = q.slots[i].Load()
	}
	if e == nil || !e.long || string(e.bytes[:]) != string(msg[:2*sha256.BlockSize]) {
		t.Fatalf("entry %+v, want the message's first two blocks", e)
	}
	if !raceEnabled {
		if n := testing.AllocsPerRun(50, func() { q.sum(m, msg, at) }); n != 0 {
			t.Errorf("a hit allocates %v times", n)
		}
		q.sum(m, miss, at) // may take an empty slot; then its second has begun
		if n := testing.AllocsPerRun(50, func() { q.sum(m, miss, at); q.sum(m, msg, at) }); n != 0 {
			t.Errorf("misses and hits inside their entries' second allocate %v times", n)
		}
	}
	if got, want := q.sum(m, miss, at), sha256.Sum256(miss); got != want {
		t.Fatal("miss: sum differs from SHA-256")
	}

	// Another first block in the same slot misses, and sums right.
	var c prefixCache
	slotOf := func(b []byte) uint64 {
		return maphash.Bytes(prefixSeed, b[:sha256.BlockSize]) % uint64(len(c.slots))
	}
	first := variants(5)[0]
	c.sum(m, first, at)
	for i := 0; ; i++ {
		other := append([]byte(fmt.Sprintf("%06d", i)), first[6:]...)
		if slotOf(other) != slotOf(first) {
			continue
		}
		if got, want := c.sum(m, other, at), sha256.Sum256(other); got != want {
			t.Fatal("another first block in the same slot: sum differs from SHA-256")
		}
		break
	}

	done := make(chan bool)
	for g := range 4 {
		go func() {
			mm := newMACHash()
			ok := true
			for i := range 200 {
				msg := variants(i % 3)[(i*7+g)%20]
				when := testNow.Add(time.Duration(i) * 10 * time.Millisecond)
				ok = ok && p.sum(mm, msg, when) == sha256.Sum256(msg)
			}
			done <- ok
		}()
	}
	for range 4 {
		if !<-done {
			t.Fatal("concurrent sums differ from SHA-256")
		}
	}
}

func FuzzPrefixCacheSum(f *testing.F) {
	f.Add([]byte("GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), 70, int64(0))
	var p prefixCache
	m := newMACHash()
	f.Fuzz(func(t *testing.T, msg []byte, flip int, ms int64) {
		at := testNow.Add(time.Duration(ms) * time.Millisecond)
		if got, want := p.sum(m, msg, at), sha256.Sum256(msg); got != want {
			t.Fatalf("sum of %q differs from SHA-256", msg)
		}
		if len(msg) > 0 {
			other := append([]byte(nil), msg...)
			i := flip % len(other)
			if i < 0 {
				i = -i
			}
			other[i] ^= 0x20
			if got, want := p.sum(m, other, at), sha256.Sum256(other); got != want {
				t.Fatalf("sum of %q differs from SHA-256", other)
			}
		}
	})
}
