package emulator_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/emulator/emulatortest"
)

// s3BenchSizes are the object sizes the S3 benchmarks move.
var s3BenchSizes = []struct {
	name string
	size int
}{{"1KiB", 1 << 10}, {"1MiB", 1 << 20}}

// benchS3Client starts an emulator with one bucket and returns an SDK
// client (virtual-hosted style, default checksums) signing as accountA's
// root user. noSync skips fsync on commit (emulator.Config.NoSync).
func benchS3Client(b *testing.B, noSync bool) (*s3.Client, string) {
	b.Helper()
	emu := emulatortest.Start(b, func(c *emulator.Config) { c.NoSync = noSync })
	c := emulatortest.S3Client(emu, emu.AWSConfig(accountA), false)
	bucket := uniqueBucket("bench")
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		b.Fatal(err)
	}
	return c, bucket
}

// BenchmarkS3PutObject is PutObject through the SDK client over loopback
// HTTP: signing and the SDK's CRC32 trailer, payload verification, the
// s3:PutObject decision and the durable (fsynced) bbolt write, overwriting
// one key. The MB/s column is the object's bytes.
func BenchmarkS3PutObject(b *testing.B) { benchS3Put(b, false) }

// BenchmarkS3PutObjectNoSync is BenchmarkS3PutObject without fsync on
// commit: what the request costs apart from the disk's flush latency.
func BenchmarkS3PutObjectNoSync(b *testing.B) { benchS3Put(b, true) }

func benchS3Put(b *testing.B, noSync bool) {
	c, bucket := benchS3Client(b, noSync)
	ctx := context.Background()
	for _, sz := range s3BenchSizes {
		b.Run(sz.name, func(b *testing.B) {
			data := bytes.Repeat([]byte{'x'}, sz.size)
			key := aws.String("put-" + sz.name)
			b.SetBytes(int64(sz.size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: key, Body: bytes.NewReader(data)}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkS3GetObject is GetObject of a whole object through the SDK
// client, the body read to the end (the SDK validates the stored CRC32
// when S3 returns it).
func BenchmarkS3GetObject(b *testing.B) {
	c, bucket := benchS3Client(b, false)
	ctx := context.Background()
	for _, sz := range s3BenchSizes {
		b.Run(sz.name, func(b *testing.B) {
			key := aws.String("get-" + sz.name)
			if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: key, Body: bytes.NewReader(bytes.Repeat([]byte{'x'}, sz.size))}); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(sz.size))
			b.ReportAllocs()
			for b.Loop() {
				out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: key})
				if err != nil {
					b.Fatal(err)
				}
				n, err := io.Copy(io.Discard, out.Body)
				out.Body.Close()
				if err != nil || n != int64(sz.size) {
					b.Fatalf("read %d bytes, %v", n, err)
				}
			}
		})
	}
}
