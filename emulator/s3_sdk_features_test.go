package emulator_test

import (
	"bytes"
	"crypto/md5"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/emulator/emulatortest"
)

// httpStatus is the HTTP status of an SDK operation's response.
func httpStatus(t *testing.T, md middleware.Metadata) int {
	t.Helper()
	raw, ok := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response)
	if !ok {
		t.Fatal("no raw response in the metadata")
	}
	return raw.StatusCode
}

// newSDKBucket starts an emulator and creates a bucket as accountA's root
// user through a virtual-hosted-style SDK client; it returns the client, the
// bucket and the emulator.
func newSDKBucket(t *testing.T, prefix string) (*s3.Client, string, *emulator.Emulator) {
	t.Helper()
	emu := emulatortest.Start(t)
	c := emulatortest.S3Client(emu, emu.AWSConfig(accountA), false)
	bucket := uniqueBucket(prefix)
	if _, err := c.CreateBucket(testContext(t), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	return c, bucket, emu
}

// GetObject with a Range answers 206 Partial Content with Content-Range and
// Content-Length of the range (RFC 9110 §14; S3 serves one range).
func TestS3SDKGetObjectRanges(t *testing.T) {
	t.Parallel()
	c, bucket, _ := newSDKBucket(t, "ranges")
	ctx := testContext(t)
	body := []byte("0123456789abcdefghij")
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("r"), Body: bytes.NewReader(body)}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		rng, want, contentRange string
	}{
		{"bytes=0-4", "01234", "bytes 0-4/20"},
		{"bytes=15-", "fghij", "bytes 15-19/20"},
		{"bytes=-3", "hij", "bytes 17-19/20"},
		{"bytes=18-99", "ij", "bytes 18-19/20"},
	} {
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: aws.String("r"), Range: aws.String(tc.rng)})
		if err != nil {
			t.Fatalf("%s: %v", tc.rng, err)
		}
		got, _ := io.ReadAll(out.Body)
		out.Body.Close()
		if st := httpStatus(t, out.ResultMetadata); st != http.StatusPartialContent || string(got) != tc.want ||
			aws.ToString(out.ContentRange) != tc.contentRange || aws.ToInt64(out.ContentLength) != int64(len(tc.want)) {
			t.Errorf("%s: HTTP %d %q, Content-Range %q, Content-Length %d; want 206 %q %q", tc.rng, st, got, aws.ToString(out.ContentRange), aws.ToInt64(out.ContentLength), tc.want, tc.contentRange)
		}
	}
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: aws.String("r")})
	if err != nil {
		t.Fatal(err)
	}
	out.Body.Close()
	if st := httpStatus(t, out.ResultMetadata); st != http.StatusOK || out.ContentRange != nil {
		t.Errorf("whole object: HTTP %d, Content-Range %q", st, aws.ToString(out.ContentRange))
	}
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: aws.String("r"), Range: aws.String("bytes=20-")})
	requireS3Code(t, err, "InvalidRange")
}

// CopyObject keeps the source's metadata by default and takes the request's
// with MetadataDirective REPLACE; the copy's ETag is the content's MD5.
func TestS3SDKCopyObject(t *testing.T) {
	t.Parallel()
	c, bucket, _ := newSDKBucket(t, "copy")
	ctx := testContext(t)
	body := []byte("component document")
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("src/a b.yml"), Body: bytes.NewReader(body),
		Metadata: map[string]string{"owner": "team-a"}, ContentType: aws.String("application/x-yaml")}); err != nil {
		t.Fatal(err)
	}
	out, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: &bucket, Key: aws.String("dst/kept"), CopySource: aws.String(bucket + "/src/a%20b.yml")})
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf(`"%x"`, md5.Sum(body)); aws.ToString(out.CopyObjectResult.ETag) != want {
		t.Errorf("copy ETag %q, want %q", aws.ToString(out.CopyObjectResult.ETag), want)
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String("dst/kept")})
	if err != nil || head.Metadata["owner"] != "team-a" || aws.ToString(head.ContentType) != "application/x-yaml" {
		t.Fatalf("COPY directive: %v %q, %v", head.Metadata, aws.ToString(head.ContentType), err)
	}
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: &bucket, Key: aws.String("dst/replaced"), CopySource: aws.String(bucket + "/src/a%20b.yml"),
		MetadataDirective: types.MetadataDirectiveReplace, Metadata: map[string]string{"owner": "team-b"}}); err != nil {
		t.Fatal(err)
	}
	head, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String("dst/replaced")})
	if err != nil || head.Metadata["owner"] != "team-b" {
		t.Fatalf("REPLACE directive: %v, %v", head.Metadata, err)
	}
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: &bucket, Key: aws.String("dst/x"), CopySource: aws.String(bucket + "/src/missing")})
	requireS3Code(t, err, "NoSuchKey")
}

// DeleteObjects decides s3:DeleteObject for each key: a user allowed only
// tmp/* deletes the keys under it and gets an AccessDenied entry for each
// other key, in one 200 answer; the denied keys survive. Each key's
// decision is in the request's trace.
func TestS3SDKDeleteObjectsPerKey(t *testing.T) {
	t.Parallel()
	env := startSTS(t)
	ctx := testContext(t)
	owner := emulatortest.S3Client(env.emu, env.root, false)
	bucket := uniqueBucket("delmany")
	if _, err := owner.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"tmp/a", "tmp/b", "keep/c", "keep/d"} {
		if _, err := owner.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String(k), Body: strings.NewReader(k)}); err != nil {
			t.Fatal(err)
		}
	}
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::` + bucket + `/tmp/*"}]}`
	cleaner := emulatortest.S3Client(env.emu, env.user(t, "cleaner", doc), false)

	ids := []types.ObjectIdentifier{{Key: aws.String("tmp/a")}, {Key: aws.String("keep/c")}, {Key: aws.String("tmp/b")}, {Key: aws.String("tmp/missing")}, {Key: aws.String("keep/d")}}
	out, err := cleaner.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: &bucket, Delete: &types.Delete{Objects: ids}})
	if err != nil {
		t.Fatalf("DeleteObjects: %v", err)
	}
	var deleted, refused []string
	for _, d := range out.Deleted {
		deleted = append(deleted, aws.ToString(d.Key))
	}
	for _, e := range out.Errors {
		if aws.ToString(e.Code) != "AccessDenied" || aws.ToString(e.Message) == "" {
			t.Errorf("error entry %s: %s %q", aws.ToString(e.Key), aws.ToString(e.Code), aws.ToString(e.Message))
		}
		refused = append(refused, aws.ToString(e.Key))
	}
	slices.Sort(deleted)
	slices.Sort(refused)
	if strings.Join(deleted, ",") != "tmp/a,tmp/b,tmp/missing" || strings.Join(refused, ",") != "keep/c,keep/d" {
		t.Fatalf("deleted %v, refused %v", deleted, refused)
	}
	list, err := owner.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &bucket})
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, o := range list.Contents {
		left = append(left, aws.ToString(o.Key))
	}
	if strings.Join(left, ",") != "keep/c,keep/d" {
		t.Fatalf("left after DeleteObjects: %v", left)
	}
	trace := env.emu.Explain(responseRequestID(t, out.ResultMetadata))
	for _, want := range []string{"arn:aws:s3:::" + bucket + "/tmp/a", "arn:aws:s3:::" + bucket + "/keep/c", "(item)"} {
		if !strings.Contains(trace, want) {
			t.Errorf("trace lacks %q:\n%s", want, trace)
		}
	}

	// A caller with no s3:DeleteObject at all gets every key refused, still
	// in a 200 answer; Quiet lists only the errors.
	nobody := emulatortest.S3Client(env.emu, env.user(t, "nobody", ""), false)
	out, err = nobody.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: &bucket, Delete: &types.Delete{Objects: ids[1:2], Quiet: aws.Bool(true)}})
	if err != nil || len(out.Deleted) != 0 || len(out.Errors) != 1 || aws.ToString(out.Errors[0].Code) != "AccessDenied" {
		t.Fatalf("DeleteObjects without permission: %+v, %v", out, err)
	}
}

// PutBucketEncryption sets the bucket's default encryption, which
// GetBucketEncryption returns; new buckets default to SSE-S3 (AES256), and
// objects put without a header take the bucket's default: SSE-KMS under the
// bucket's key.
func TestS3SDKBucketEncryption(t *testing.T) {
	t.Parallel()
	c, bucket, emu := newSDKBucket(t, "enc")
	ctx := testContext(t)
	key, err := kms.NewFromConfig(emu.AWSConfig(accountA)).CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	keyARN := aws.ToString(key.KeyMetadata.Arn)
	got, err := c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: &bucket})
	if err != nil || len(got.ServerSideEncryptionConfiguration.Rules) != 1 ||
		got.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm != types.ServerSideEncryptionAes256 {
		t.Fatalf("default encryption: %+v, %v", got, err)
	}
	if _, err := c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: &bucket, ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{
		Rules: []types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAwsKms, KMSMasterKeyID: aws.String(keyARN)}, BucketKeyEnabled: aws.Bool(true)}},
	}}); err != nil {
		t.Fatal(err)
	}
	got, err = c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: &bucket})
	if err != nil {
		t.Fatal(err)
	}
	rule := got.ServerSideEncryptionConfiguration.Rules[0]
	if rule.ApplyServerSideEncryptionByDefault.SSEAlgorithm != types.ServerSideEncryptionAwsKms || aws.ToString(rule.ApplyServerSideEncryptionByDefault.KMSMasterKeyID) != keyARN || !aws.ToBool(rule.BucketKeyEnabled) {
		t.Fatalf("after PutBucketEncryption: %+v", rule)
	}
	put, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("k"), Body: strings.NewReader("secret")})
	if err != nil || put.ServerSideEncryption != types.ServerSideEncryptionAwsKms || aws.ToString(put.SSEKMSKeyId) != keyARN || !aws.ToBool(put.BucketKeyEnabled) {
		t.Fatalf("PutObject under an aws:kms default: %+v, %v", put, err)
	}
	obj, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(obj.Body)
	obj.Body.Close()
	if string(b) != "secret" || obj.ServerSideEncryption != types.ServerSideEncryptionAwsKms {
		t.Fatalf("GetObject: %q %s", b, obj.ServerSideEncryption)
	}
	_, err = c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: &bucket, ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{
		Rules: []types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: "rot13"}}},
	}})
	requireS3Code(t, err, "MalformedXML")
}

// New buckets have Object Ownership BucketOwnerEnforced (ACLs disabled),
// as S3 creates them since April 2023.
func TestS3SDKOwnershipControlsDefault(t *testing.T) {
	t.Parallel()
	c, bucket, _ := newSDKBucket(t, "own")
	out, err := c.GetBucketOwnershipControls(testContext(t), &s3.GetBucketOwnershipControlsInput{Bucket: &bucket})
	if err != nil || len(out.OwnershipControls.Rules) != 1 || out.OwnershipControls.Rules[0].ObjectOwnership != types.ObjectOwnershipBucketOwnerEnforced {
		t.Fatalf("GetBucketOwnershipControls = %+v, %v", out, err)
	}
}

// The SDK's upload manager sends a 12 MiB object as a multipart upload
// (5 MiB parts, concurrently, with its default checksums); the object reads
// back whole with the multipart ETag.
func TestS3SDKManagerMultipartUpload(t *testing.T) {
	t.Parallel()
	c, bucket, _ := newSDKBucket(t, "mgr")
	ctx := testContext(t)
	body := make([]byte, 12<<20)
	for i := range body {
		body[i] = byte(i*7 + i>>13)
	}
	up := manager.NewUploader(c, func(u *manager.Uploader) { u.PartSize = 5 << 20 })
	res, err := up.Upload(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("big.bin"), Body: bytes.NewReader(body)})
	if err != nil {
		t.Fatalf("Upload: %v", err)
	}
	if res.UploadID == "" || !strings.HasSuffix(aws.ToString(res.ETag), `-3"`) {
		t.Fatalf("upload result: id %q, ETag %q (want a 3-part multipart upload)", res.UploadID, aws.ToString(res.ETag))
	}
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: aws.String("big.bin")})
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(out.Body)
	out.Body.Close()
	if err != nil || !bytes.Equal(got, body) || aws.ToString(out.ETag) != aws.ToString(res.ETag) {
		t.Fatalf("read back %d bytes (equal %v), ETag %q, %v", len(got), bytes.Equal(got, body), aws.ToString(out.ETag), err)
	}
	uploads, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: &bucket})
	if err != nil || len(uploads.Uploads) != 0 {
		t.Fatalf("uploads left in progress: %+v, %v", uploads.Uploads, err)
	}
}
