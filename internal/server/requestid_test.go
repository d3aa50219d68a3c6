package server

import (
	"strings"
	"testing"
)

// TestS3RequestIDForm: S3 request ids are 16 upper-case hex digits, distinct.
func TestS3RequestIDForm(t *testing.T) {
	a, b := newS3RequestID(), newS3RequestID()
	for _, id := range []string{a, b} {
		if len(id) != 16 || strings.Trim(id, "0123456789ABCDEF") != "" {
			t.Errorf("newS3RequestID() = %q", id)
		}
	}
	if a == b {
		t.Error("two request ids are equal")
	}
}

// TestRequestIDsDistinct: ids drawn concurrently (from several pooled
// generators) are version-4 UUIDs and never repeat.
func TestRequestIDsDistinct(t *testing.T) {
	const workers, each = 8, 2000
	ids := make(chan string, workers*each)
	done := make(chan struct{})
	for range workers {
		go func() {
			for range each {
				ids <- newRequestIDHeader()[0]
			}
			done <- struct{}{}
		}()
	}
	for range workers {
		<-done
	}
	close(ids)
	seen := map[string]bool{}
	for id := range ids {
		if len(id) != 36 || id[14] != '4' || !strings.Contains("89ab", id[19:20]) || strings.Trim(id, "0123456789abcdef-") != "" {
			t.Fatalf("request id %q is not a version-4 UUID", id)
		}
		if seen[id] {
			t.Fatalf("request id %q repeated", id)
		}
		seen[id] = true
	}
}

func BenchmarkNewRequestIDHeader(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = newRequestIDHeader()
	}
}
