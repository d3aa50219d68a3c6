package s3

import (
	"fmt"
	"testing"

	s3v1 "github.com/ibemu/ibemu/proto/s3/v1"
)

// BenchmarkPutObject and BenchmarkGetObject measure the service with its
// storage (fsync off), without a transport: MB/s of object data and
// allocations per call.
func BenchmarkPutObject(b *testing.B) {
	for _, size := range []int{1 << 10, 1 << 20} {
		b.Run(fmt.Sprintf("%dKiB", size>>10), func(b *testing.B) {
			s := newTestService(b)
			ctx := callAs(ownerA)
			mustCreateBucket(b, s, ctx, "bench")
			body := randomBytes(size)
			req := &s3v1.PutObjectRequest{Bucket: ptr("bench"), Key: ptr("k"), Body: body}
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.PutObject(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkGetObject(b *testing.B) {
	for _, size := range []int{1 << 10, 1 << 20} {
		b.Run(fmt.Sprintf("%dKiB", size>>10), func(b *testing.B) {
			s := newTestService(b)
			ctx := callAs(ownerA)
			mustCreateBucket(b, s, ctx, "bench")
			mustPut(b, s, ctx, "bench", "k", randomBytes(size))
			req := &s3v1.GetObjectRequest{Bucket: ptr("bench"), Key: ptr("k")}
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				out, err := s.GetObject(ctx, req)
				if err != nil || len(out.GetBody()) != size {
					b.Fatal(err)
				}
			}
		})
	}
}
