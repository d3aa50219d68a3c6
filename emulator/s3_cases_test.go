package emulator_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	grpcinsecure "google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/emulator/emulatortest"
	"github.com/ibemu/ibemu/grpcsigv4"
	s3v1 "github.com/ibemu/ibemu/proto/s3/v1"
)

// s3Ops is what the shared S3 cases need of a client. Each transport has an
// adapter: gRPC (grpcS3, TestS3OverGRPC) and aws-sdk-go-v2's s3 client over
// the restXml endpoint in both addressing styles (sdkS3, TestS3OverSDK).
type s3Ops interface {
	CreateBucket(ctx context.Context, bucket string) error
	HeadBucket(ctx context.Context, bucket string) (region string, err error)
	DeleteBucket(ctx context.Context, bucket string) error
	ListBuckets(ctx context.Context) ([]string, error)
	PutObject(ctx context.Context, bucket, key string, body []byte, meta map[string]string) (etag string, err error)
	// GetObject reads an object, or the Range rng when it is not "".
	GetObject(ctx context.Context, bucket, key, rng string) (body []byte, contentRange string, meta map[string]string, err error)
	HeadObject(ctx context.Context, bucket, key string) (size int64, err error)
	DeleteObject(ctx context.Context, bucket, key string) error
	// ListObjects lists every page of ListObjectsV2 with pages of max keys.
	ListObjects(ctx context.Context, bucket, prefix, delimiter string, max int32) (keys, prefixes []string, err error)
	CopyObject(ctx context.Context, bucket, key, source string) error
	PutBucketPolicy(ctx context.Context, bucket, doc string) error
	GetBucketPolicy(ctx context.Context, bucket string) (string, error)
	// Multipart uploads the parts and completes them.
	Multipart(ctx context.Context, bucket, key string, parts ...[]byte) (etag string, err error)
}

// s3ErrorCode is the AWS error code of err on any transport: a gRPC
// status's ErrorInfo reason, or an SDK error's code.
func s3ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	if st, ok := status.FromError(err); ok {
		for _, d := range st.Details() {
			if ei, ok := d.(*errdetails.ErrorInfo); ok {
				return ei.GetReason()
			}
		}
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return err.Error()
}

// requireS3Code fails the test unless err has the AWS code.
func requireS3Code(t *testing.T, err error, code string) {
	t.Helper()
	if got := s3ErrorCode(err); got != code {
		t.Fatalf("got %v (code %q), want %s", err, got, code)
	}
}

// headCodes are the codes the SDKs make of a HEAD answer's status, as a
// HEAD answer has no body to carry S3's code: 404 is NotFound whatever S3
// meant (NoSuchBucket, NoSuchKey), 403 is Forbidden.
var headCodes = map[string]string{"AccessDenied": "Forbidden", "NoSuchBucket": "NotFound", "NoSuchKey": "NotFound"}

// requireHeadCode fails the test unless err of a HEAD request has the AWS
// code (as gRPC reports it) or the status code the SDKs report for it.
func requireHeadCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := s3ErrorCode(err); got != code && got != headCodes[code] {
		t.Fatalf("got %v (code %q), want %s or %s", err, got, code, headCodes[code])
	}
}

var bucketSeq atomic.Int64

// uniqueBucket is a bucket name no other test uses.
func uniqueBucket(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, bucketSeq.Add(1))
}

// s3Cases are the S3 behaviours every transport must show, each against a
// client signing as accountA's root user and one signing as accountB's.
var s3Cases = []struct {
	name string
	run  func(t *testing.T, ctx context.Context, a, b s3Ops)
}{
	{"bucket lifecycle", func(t *testing.T, ctx context.Context, a, b s3Ops) {
		name := uniqueBucket("life")
		if err := a.CreateBucket(ctx, name); err != nil {
			t.Fatal(err)
		}
		requireS3Code(t, b.CreateBucket(ctx, name), "BucketAlreadyExists")
		if r, err := a.HeadBucket(ctx, name); err != nil || r != region {
			t.Fatalf("HeadBucket = %q, %v", r, err)
		}
		if names, err := a.ListBuckets(ctx); err != nil || !slices.Contains(names, name) {
			t.Fatalf("ListBuckets = %v, %v", names, err)
		}
		if names, _ := b.ListBuckets(ctx); slices.Contains(names, name) {
			t.Fatalf("B lists A's bucket")
		}
		if _, err := a.PutObject(ctx, name, "k", []byte("v"), nil); err != nil {
			t.Fatal(err)
		}
		requireS3Code(t, a.DeleteBucket(ctx, name), "BucketNotEmpty")
		if err := a.DeleteObject(ctx, name, "k"); err != nil {
			t.Fatal(err)
		}
		if err := a.DeleteBucket(ctx, name); err != nil {
			t.Fatal(err)
		}
		_, err := a.HeadBucket(ctx, name)
		requireS3Code(t, err, "NotFound")
	}},
	{"invalid bucket name", func(t *testing.T, ctx context.Context, a, _ s3Ops) {
		requireS3Code(t, a.CreateBucket(ctx, "Not_Valid"), "InvalidBucketName")
	}},
	{"objects round trip", func(t *testing.T, ctx context.Context, a, _ s3Ops) {
		name := uniqueBucket("objs")
		if err := a.CreateBucket(ctx, name); err != nil {
			t.Fatal(err)
		}
		body := bytes.Repeat([]byte("0123456789"), 150_000) // 1.5 MB: two chunks
		etag, err := a.PutObject(ctx, name, "dir/file.bin", body, map[string]string{"purpose": "test"})
		if err != nil || !strings.HasPrefix(etag, `"`) {
			t.Fatalf("PutObject = %q, %v", etag, err)
		}
		got, cr, meta, err := a.GetObject(ctx, name, "dir/file.bin", "")
		if err != nil || !bytes.Equal(got, body) || cr != "" || meta["purpose"] != "test" {
			t.Fatalf("GetObject: %d bytes, range %q, meta %v, %v", len(got), cr, meta, err)
		}
		got, cr, _, err = a.GetObject(ctx, name, "dir/file.bin", "bytes=1048570-1048579")
		if err != nil || !bytes.Equal(got, body[1048570:1048580]) || cr != fmt.Sprintf("bytes 1048570-1048579/%d", len(body)) {
			t.Fatalf("ranged GetObject: %q %q %v", got, cr, err)
		}
		_, _, _, err = a.GetObject(ctx, name, "dir/file.bin", "bytes=99999999-")
		requireS3Code(t, err, "InvalidRange")
		if size, err := a.HeadObject(ctx, name, "dir/file.bin"); err != nil || size != int64(len(body)) {
			t.Fatalf("HeadObject = %d, %v", size, err)
		}
		_, _, _, err = a.GetObject(ctx, name, "missing", "")
		requireS3Code(t, err, "NoSuchKey")
		_, err = a.HeadObject(ctx, name, "missing")
		requireS3Code(t, err, "NotFound")
		if err := a.CopyObject(ctx, name, "copy", name+"/dir/file.bin"); err != nil {
			t.Fatal(err)
		}
		if got, _, _, err := a.GetObject(ctx, name, "copy", ""); err != nil || !bytes.Equal(got, body) {
			t.Fatalf("copy: %d bytes, %v", len(got), err)
		}
		requireS3Code(t, a.CopyObject(ctx, name, "copy", name+"/copy"), "InvalidRequest")
		if err := a.DeleteObject(ctx, name, "missing"); err != nil {
			t.Fatalf("deleting a missing key: %v", err)
		}
	}},
	{"listing", func(t *testing.T, ctx context.Context, a, _ s3Ops) {
		name := uniqueBucket("list")
		if err := a.CreateBucket(ctx, name); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"a", "docs/1", "docs/2", "docs/x/3", "logs/1", "z"} {
			if _, err := a.PutObject(ctx, name, k, []byte(k), nil); err != nil {
				t.Fatal(err)
			}
		}
		keys, prefixes, err := a.ListObjects(ctx, name, "", "/", 1)
		if err != nil || strings.Join(keys, ",") != "a,z" || strings.Join(prefixes, ",") != "docs/,logs/" {
			t.Fatalf("delimited listing by pages of 1: %v %v %v", keys, prefixes, err)
		}
		keys, prefixes, err = a.ListObjects(ctx, name, "docs/", "", 2)
		if err != nil || strings.Join(keys, ",") != "docs/1,docs/2,docs/x/3" || len(prefixes) != 0 {
			t.Fatalf("prefixed listing: %v %v %v", keys, prefixes, err)
		}
	}},
	{"multipart", func(t *testing.T, ctx context.Context, a, _ s3Ops) {
		name := uniqueBucket("mpu")
		if err := a.CreateBucket(ctx, name); err != nil {
			t.Fatal(err)
		}
		// One part: the gRPC transport's message limit (2 MiB today) is below
		// S3's 5 MiB minimum for parts before the last.
		p1 := bytes.Repeat([]byte{1}, 1<<20+5)
		etag, err := a.Multipart(ctx, name, "big", p1)
		if err != nil || !strings.HasSuffix(etag, `-1"`) {
			t.Fatalf("multipart = %q, %v", etag, err)
		}
		got, _, _, err := a.GetObject(ctx, name, "big", "")
		if err != nil || !bytes.Equal(got, p1) {
			t.Fatalf("multipart object: %d bytes, %v", len(got), err)
		}
	}},
	{"bucket policy", func(t *testing.T, ctx context.Context, a, b s3Ops) {
		name := uniqueBucket("pol")
		if err := a.CreateBucket(ctx, name); err != nil {
			t.Fatal(err)
		}
		if _, err := a.PutObject(ctx, name, "shared/doc", []byte("hello"), nil); err != nil {
			t.Fatal(err)
		}
		_, _, _, err := b.GetObject(ctx, name, "shared/doc", "")
		requireS3Code(t, err, "AccessDenied")
		_, err = a.GetBucketPolicy(ctx, name)
		requireS3Code(t, err, "NoSuchBucketPolicy")
		requireS3Code(t, a.PutBucketPolicy(ctx, name, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"`+accountB+`"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::`+name+`"}]}`), "MalformedPolicy")
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + accountB + `"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::` + name + `/shared/*"}]}`
		if err := a.PutBucketPolicy(ctx, name, doc); err != nil {
			t.Fatal(err)
		}
		if got, err := a.GetBucketPolicy(ctx, name); err != nil || got != doc {
			t.Fatalf("GetBucketPolicy = %q, %v", got, err)
		}
		// B's root user: the bucket policy grants B, and a root user needs
		// no identity policy of its own.
		if got, _, _, err := b.GetObject(ctx, name, "shared/doc", ""); err != nil || string(got) != "hello" {
			t.Fatalf("B's GetObject after the policy: %q, %v", got, err)
		}
		_, _, _, err = b.GetObject(ctx, name, "private/doc", "")
		requireS3Code(t, err, "AccessDenied")
		// B may read but not list: a missing key is AccessDenied to it.
		_, _, _, err = b.GetObject(ctx, name, "shared/missing", "")
		requireS3Code(t, err, "AccessDenied")
		_, err = b.HeadBucket(ctx, name)
		requireHeadCode(t, err, "AccessDenied")
		requireS3Code(t, b.DeleteObject(ctx, name, "shared/doc"), "AccessDenied")
	}},
	{"missing bucket", func(t *testing.T, ctx context.Context, a, _ s3Ops) {
		_, _, _, err := a.GetObject(ctx, uniqueBucket("nothere"), "k", "")
		requireS3Code(t, err, "NoSuchBucket")
	}},
}

// grpcS3 drives the S3 service over gRPC.
type grpcS3 struct{ c s3v1.S3Client }

// s3GRPC returns an S3 gRPC client signing with cfg's credentials.
func s3GRPC(t *testing.T, emu *emulator.Emulator, cfg aws.Config) *grpcS3 {
	t.Helper()
	conn, err := grpc.NewClient(emu.GRPCAddr(), grpc.WithTransportCredentials(grpcinsecure.NewCredentials()),
		grpc.WithPerRPCCredentials(grpcsigv4.New(cfg.Credentials, region)),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(128<<20), grpc.MaxCallSendMsgSize(128<<20)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return &grpcS3{c: s3v1.NewS3Client(conn)}
}

func (g *grpcS3) CreateBucket(ctx context.Context, bucket string) error {
	_, err := g.c.CreateBucket(ctx, &s3v1.CreateBucketRequest{Bucket: aws.String(bucket)})
	return err
}

func (g *grpcS3) HeadBucket(ctx context.Context, bucket string) (string, error) {
	out, err := g.c.HeadBucket(ctx, &s3v1.HeadBucketRequest{Bucket: aws.String(bucket)})
	return out.GetBucketRegion(), err
}

func (g *grpcS3) DeleteBucket(ctx context.Context, bucket string) error {
	_, err := g.c.DeleteBucket(ctx, &s3v1.DeleteBucketRequest{Bucket: aws.String(bucket)})
	return err
}

func (g *grpcS3) ListBuckets(ctx context.Context) ([]string, error) {
	out, err := g.c.ListBuckets(ctx, &s3v1.ListBucketsRequest{})
	var names []string
	for _, b := range out.GetBuckets() {
		names = append(names, b.GetName())
	}
	return names, err
}

func (g *grpcS3) PutObject(ctx context.Context, bucket, key string, body []byte, meta map[string]string) (string, error) {
	out, err := g.c.PutObject(ctx, &s3v1.PutObjectRequest{Bucket: aws.String(bucket), Key: aws.String(key), Body: body, Metadata: meta})
	return out.GetETag(), err
}

func (g *grpcS3) GetObject(ctx context.Context, bucket, key, rng string) ([]byte, string, map[string]string, error) {
	in := &s3v1.GetObjectRequest{Bucket: aws.String(bucket), Key: aws.String(key)}
	if rng != "" {
		in.Range = aws.String(rng)
	}
	out, err := g.c.GetObject(ctx, in)
	return out.GetBody(), out.GetContentRange(), out.GetMetadata(), err
}

func (g *grpcS3) HeadObject(ctx context.Context, bucket, key string) (int64, error) {
	out, err := g.c.HeadObject(ctx, &s3v1.HeadObjectRequest{Bucket: aws.String(bucket), Key: aws.String(key)})
	return out.GetContentLength(), err
}

func (g *grpcS3) DeleteObject(ctx context.Context, bucket, key string) error {
	_, err := g.c.DeleteObject(ctx, &s3v1.DeleteObjectRequest{Bucket: aws.String(bucket), Key: aws.String(key)})
	return err
}

func (g *grpcS3) ListObjects(ctx context.Context, bucket, prefix, delimiter string, max int32) (keys, prefixes []string, err error) {
	in := &s3v1.ListObjectsV2Request{Bucket: aws.String(bucket), Prefix: aws.String(prefix), MaxKeys: aws.Int32(max)}
	if delimiter != "" {
		in.Delimiter = aws.String(delimiter)
	}
	for range 100 {
		out, err := g.c.ListObjectsV2(ctx, in)
		if err != nil {
			return nil, nil, err
		}
		for _, o := range out.GetContents() {
			keys = append(keys, o.GetKey())
		}
		for _, p := range out.GetCommonPrefixes() {
			prefixes = append(prefixes, p.GetPrefix())
		}
		if !out.GetIsTruncated() {
			return keys, prefixes, nil
		}
		in.ContinuationToken = out.NextContinuationToken
	}
	return nil, nil, errors.New("listing does not end")
}

func (g *grpcS3) CopyObject(ctx context.Context, bucket, key, source string) error {
	_, err := g.c.CopyObject(ctx, &s3v1.CopyObjectRequest{Bucket: aws.String(bucket), Key: aws.String(key), CopySource: aws.String(source)})
	return err
}

func (g *grpcS3) PutBucketPolicy(ctx context.Context, bucket, doc string) error {
	_, err := g.c.PutBucketPolicy(ctx, &s3v1.PutBucketPolicyRequest{Bucket: aws.String(bucket), Policy: aws.String(doc)})
	return err
}

func (g *grpcS3) GetBucketPolicy(ctx context.Context, bucket string) (string, error) {
	out, err := g.c.GetBucketPolicy(ctx, &s3v1.GetBucketPolicyRequest{Bucket: aws.String(bucket)})
	return out.GetPolicy(), err
}

func (g *grpcS3) Multipart(ctx context.Context, bucket, key string, parts ...[]byte) (string, error) {
	up, err := g.c.CreateMultipartUpload(ctx, &s3v1.CreateMultipartUploadRequest{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return "", err
	}
	var done []*s3v1.CompletedPart
	for i, p := range parts {
		n := int32(i + 1)
		out, err := g.c.UploadPart(ctx, &s3v1.UploadPartRequest{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: up.UploadId, PartNumber: aws.Int32(n), Body: p})
		if err != nil {
			return "", err
		}
		done = append(done, &s3v1.CompletedPart{PartNumber: aws.Int32(n), ETag: out.ETag})
	}
	out, err := g.c.CompleteMultipartUpload(ctx, &s3v1.CompleteMultipartUploadRequest{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: up.UploadId,
		MultipartUpload: &s3v1.CompletedMultipartUpload{Parts: done}})
	return out.GetETag(), err
}

// TestS3OverGRPC runs the shared S3 cases through the gRPC endpoint.
func TestS3OverGRPC(t *testing.T) {
	t.Parallel()
	emu := emulatortest.Start(t)
	a := s3GRPC(t, emu, emu.AWSConfig(accountA))
	b := s3GRPC(t, emu, emu.AWSConfig(accountB))
	for _, c := range s3Cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, testContext(t), a, b) })
	}
}
