package emulator_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/emulator/emulatortest"
)

// sdkS3 drives the S3 service through aws-sdk-go-v2's s3 client over the
// restXml endpoint.
type sdkS3 struct{ c *s3.Client }

func s3SDK(emu *emulator.Emulator, cfg aws.Config, pathStyle bool) *sdkS3 {
	return &sdkS3{c: emulatortest.S3Client(emu, cfg, pathStyle)}
}

func (s *sdkS3) CreateBucket(ctx context.Context, bucket string) error {
	_, err := s.c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)})
	return err
}

func (s *sdkS3) HeadBucket(ctx context.Context, bucket string) (string, error) {
	out, err := s.c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.BucketRegion), nil
}

func (s *sdkS3) DeleteBucket(ctx context.Context, bucket string) error {
	_, err := s.c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)})
	return err
}

func (s *sdkS3) ListBuckets(ctx context.Context) ([]string, error) {
	var names []string
	p := s3.NewListBucketsPaginator(s.c, &s3.ListBucketsInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, b := range out.Buckets {
			names = append(names, aws.ToString(b.Name))
		}
	}
	return names, nil
}

func (s *sdkS3) PutObject(ctx context.Context, bucket, key string, body []byte, meta map[string]string) (string, error) {
	out, err := s.c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body), Metadata: meta})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.ETag), nil
}

func (s *sdkS3) GetObject(ctx context.Context, bucket, key, rng string) ([]byte, string, map[string]string, error) {
	in := &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
	if rng != "" {
		in.Range = aws.String(rng)
	}
	out, err := s.c.GetObject(ctx, in)
	if err != nil {
		return nil, "", nil, err
	}
	defer out.Body.Close()
	body, err := io.ReadAll(out.Body)
	return body, aws.ToString(out.ContentRange), out.Metadata, err
}

func (s *sdkS3) HeadObject(ctx context.Context, bucket, key string) (int64, error) {
	out, err := s.c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return 0, err
	}
	return aws.ToInt64(out.ContentLength), nil
}

func (s *sdkS3) DeleteObject(ctx context.Context, bucket, key string) error {
	_, err := s.c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	return err
}

// ListObjects pages with the SDK's ListObjectsV2 paginator.
func (s *sdkS3) ListObjects(ctx context.Context, bucket, prefix, delimiter string, max int32) (keys, prefixes []string, err error) {
	in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix), MaxKeys: aws.Int32(max)}
	if delimiter != "" {
		in.Delimiter = aws.String(delimiter)
	}
	p := s3.NewListObjectsV2Paginator(s.c, in)
	for pages := 0; p.HasMorePages(); pages++ {
		if pages > 100 {
			return nil, nil, errors.New("listing does not end")
		}
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, nil, err
		}
		for _, o := range out.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
		for _, cp := range out.CommonPrefixes {
			prefixes = append(prefixes, aws.ToString(cp.Prefix))
		}
	}
	return keys, prefixes, nil
}

func (s *sdkS3) CopyObject(ctx context.Context, bucket, key, source string) error {
	_, err := s.c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), CopySource: aws.String(source)})
	return err
}

func (s *sdkS3) PutBucketPolicy(ctx context.Context, bucket, doc string) error {
	_, err := s.c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(doc)})
	return err
}

func (s *sdkS3) GetBucketPolicy(ctx context.Context, bucket string) (string, error) {
	out, err := s.c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(bucket)})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.Policy), nil
}

func (s *sdkS3) Multipart(ctx context.Context, bucket, key string, parts ...[]byte) (string, error) {
	up, err := s.c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return "", err
	}
	var done []types.CompletedPart
	for i, p := range parts {
		n := aws.Int32(int32(i + 1))
		out, err := s.c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: up.UploadId, PartNumber: n, Body: bytes.NewReader(p)})
		if err != nil {
			return "", err
		}
		done = append(done, types.CompletedPart{PartNumber: n, ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32})
	}
	out, err := s.c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: done}})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.ETag), nil
}

// TestS3OverSDK runs the shared S3 cases through aws-sdk-go-v2's s3 client,
// in path style and in the SDK's default virtual-hosted style.
func TestS3OverSDK(t *testing.T) {
	t.Parallel()
	emu := emulatortest.Start(t)
	for _, style := range []struct {
		name string
		path bool
	}{{"path-style", true}, {"virtual-hosted", false}} {
		a := s3SDK(emu, emu.AWSConfig(accountA), style.path)
		b := s3SDK(emu, emu.AWSConfig(accountB), style.path)
		t.Run(style.name, func(t *testing.T) {
			for _, c := range s3Cases {
				t.Run(c.name, func(t *testing.T) { c.run(t, testContext(t), a, b) })
			}
		})
	}
}

// s3ClientFunc returns an S3 client of one transport signing with cfg.
type s3ClientFunc func(t *testing.T, emu *emulator.Emulator, cfg aws.Config) s3Ops

// s3Transports are the transports the S3 access tests run through: gRPC,
// and the s3 SDK client in its default virtual-hosted style.
var s3Transports = []struct {
	name   string
	client s3ClientFunc
}{
	{"grpc", func(t *testing.T, emu *emulator.Emulator, cfg aws.Config) s3Ops { return s3GRPC(t, emu, cfg) }},
	{"sdk", func(_ *testing.T, emu *emulator.Emulator, cfg aws.Config) s3Ops { return s3SDK(emu, cfg, false) }},
}

// s3RequestID is the request id (x-amz-request-id) an SDK error reports.
func s3RequestID(err error) string {
	var withID interface{ ServiceRequestID() string }
	if errors.As(err, &withID) {
		return withID.ServiceRequestID()
	}
	return ""
}
