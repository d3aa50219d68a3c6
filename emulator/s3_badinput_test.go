package emulator_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/emulator/emulatortest"
)

// errorLog collects what the emulator logs at error level: a recovered
// panic or a server fault. Safe for concurrent use.
type errorLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *errorLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *errorLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// startLogged starts an emulator whose error-level logs go to the returned
// errorLog; the test fails at its end when anything was logged there.
func startLogged(t *testing.T, configure ...func(*emulator.Config)) *emulator.Emulator {
	t.Helper()
	log := &errorLog{}
	t.Cleanup(func() {
		if s := log.String(); s != "" {
			t.Errorf("the emulator logged errors (panics or server faults):\n%s", s)
		}
	})
	return emulatortest.Start(t, append([]func(*emulator.Config){func(c *emulator.Config) {
		c.Logger = slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelError}))
	}}, configure...)...)
}

// s3Raw sends a hand-made S3 request in path style, signed as account's
// root user with the SDK's signer. payloadHash is what x-amz-content-sha256
// claims ("" for the body's real SHA-256).
func s3Raw(t *testing.T, emu *emulator.Emulator, account, method, pathAndQuery string, body []byte, payloadHash string, header http.Header) rawResponse {
	t.Helper()
	req, err := http.NewRequestWithContext(testContext(t), method, emu.HTTPURL()+pathAndQuery, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(body))
	for k, v := range header {
		req.Header[k] = v
	}
	if payloadHash == "" {
		sum := sha256.Sum256(body)
		payloadHash = hex.EncodeToString(sum[:])
	}
	req.Header.Set("X-Amz-Content-Sha256", payloadHash)
	creds := aws.Credentials{AccessKeyID: emulator.RootAccessKeyID(account), SecretAccessKey: emulator.DefaultRootSecret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, payloadHash, "s3", region, time.Now()); err != nil {
		t.Fatal(err)
	}
	return newRawClient(t, emu, account).send(req)
}

// requireS3XMLError checks that resp is S3's <Error> document with code and
// status, and a request id.
func (r rawResponse) requireS3XMLError(t *testing.T, code string, status int) {
	t.Helper()
	var e struct {
		Code, Message, RequestId string
	}
	if err := xml.Unmarshal(r.body, &e); err != nil || r.status != status || e.Code != code {
		t.Fatalf("got HTTP %d %s (%v), want HTTP %d %s", r.status, r.body, err, status, code)
	}
	if e.Message == "" || e.RequestId == "" || r.header.Get("X-Amz-Request-Id") != e.RequestId {
		t.Errorf("%s: message %q, request id %q, header %q", code, e.Message, e.RequestId, r.header.Get("X-Amz-Request-Id"))
	}
}

// s3State is what a bucket holds: its keys and their ETags.
func s3State(t *testing.T, c *s3.Client, bucket string) string {
	t.Helper()
	out, err := c.ListObjectsV2(testContext(t), &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatal(err)
	}
	var s []string
	for _, o := range out.Contents {
		s = append(s, aws.ToString(o.Key)+"="+aws.ToString(o.ETag))
	}
	return strings.Join(s, ",")
}

// bucketNames lists the buckets of c's account.
func bucketNames(t *testing.T, c *s3.Client) string {
	t.Helper()
	out, err := c.ListBuckets(testContext(t), &s3.ListBucketsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, b := range out.Buckets {
		names = append(names, aws.ToString(b.Name))
	}
	return strings.Join(names, ",")
}

// TestS3BadInput: each malformed or refused request gets S3's error code
// and changes nothing (the bucket and object lists are as before), and the
// server logs no panic or fault.
func TestS3BadInput(t *testing.T) {
	t.Parallel()
	emu := startLogged(t, func(c *emulator.Config) { c.MaxObjectSize = 4096 })
	ctx := testContext(t)
	c := emulatortest.S3Client(emu, emu.AWSConfig(accountA), false)
	pathStyle := emulatortest.S3Client(emu, emu.AWSConfig(accountA), true)
	other := emulatortest.S3Client(emu, emu.AWSConfig(accountB), false)
	bucket := uniqueBucket("bad")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a", "dir/b"} {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String(k), Body: strings.NewReader(k)}); err != nil {
			t.Fatal(err)
		}
	}
	objects, buckets, bucketsB := s3State(t, c, bucket), bucketNames(t, c), bucketNames(t, other)
	unchanged := func(t *testing.T) {
		t.Helper()
		if got := s3State(t, c, bucket); got != objects {
			t.Errorf("objects changed: %s, was %s", got, objects)
		}
		if got := bucketNames(t, c); got != buckets {
			t.Errorf("A's buckets changed: %s, was %s", got, buckets)
		}
		if got := bucketNames(t, other); got != bucketsB {
			t.Errorf("B's buckets changed: %s, was %s", got, bucketsB)
		}
	}
	body := func(s string) *strings.Reader { return strings.NewReader(s) }

	cases := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"InvalidBucketName", func(t *testing.T) {
			for _, name := range []string{"ab", "Upper-Case", "under_score", "-dash-first", "192.168.5.4", "a..b", "xn--punycode", strings.Repeat("b", 64)} {
				_, err := pathStyle.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
				requireS3Code(t, err, "InvalidBucketName")
			}
			s3Raw(t, emu, accountA, "PUT", "/Bad_Name", nil, "", nil).requireS3XMLError(t, "InvalidBucketName", http.StatusBadRequest)
		}},
		{"KeyTooLongError", func(t *testing.T) {
			_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String(strings.Repeat("k", 1025)), Body: body("x")})
			requireS3Code(t, err, "KeyTooLongError")
			_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: &bucket, Key: aws.String(strings.Repeat("k", 1025)), CopySource: aws.String(bucket + "/a")})
			requireS3Code(t, err, "KeyTooLongError")
		}},
		{"MalformedXML", func(t *testing.T) {
			withMD5 := func(doc string) http.Header {
				sum := md5.Sum([]byte(doc))
				return http.Header{"Content-Md5": {base64.StdEncoding.EncodeToString(sum[:])}, "Content-Type": {"application/xml"}}
			}
			for _, doc := range []string{"<Delete><Object><Key>a</Key></Object>", "not xml", "<Delete></Delete>", "<Delete><Object><Key>a</Key></Object></Delete><extra>"} {
				s3Raw(t, emu, accountA, "POST", "/"+bucket+"?delete", []byte(doc), "", withMD5(doc)).requireS3XMLError(t, "MalformedXML", http.StatusBadRequest)
			}
			s3Raw(t, emu, accountA, "POST", "/"+bucket+"?delete", nil, "", withMD5("")).requireS3XMLError(t, "MissingRequestBodyError", http.StatusBadRequest)
			for _, doc := range []string{"<ServerSideEncryptionConfiguration/>", "<ServerSideEncryptionConfiguration><Rule>"} {
				s3Raw(t, emu, accountA, "PUT", "/"+bucket+"?encryption", []byte(doc), "", withMD5(doc)).requireS3XMLError(t, "MalformedXML", http.StatusBadRequest)
			}
		}},
		{"XAmzContentSHA256Mismatch", func(t *testing.T) {
			sum := sha256.Sum256([]byte("something else"))
			s3Raw(t, emu, accountA, "PUT", "/"+bucket+"/a", []byte("tampered"), hex.EncodeToString(sum[:]), nil).
				requireS3XMLError(t, "XAmzContentSHA256Mismatch", http.StatusBadRequest)
			s3Raw(t, emu, accountA, "PUT", "/"+bucket+"/new", []byte("tampered"), hex.EncodeToString(sum[:]), nil).
				requireS3XMLError(t, "XAmzContentSHA256Mismatch", http.StatusBadRequest)
		}},
		{"EntityTooLarge", func(t *testing.T) {
			_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("a"), Body: bytes.NewReader(make([]byte, 4097))})
			requireS3Code(t, err, "EntityTooLarge")
			s3Raw(t, emu, accountA, "PUT", "/"+bucket+"/huge", make([]byte, 8192), "", nil).requireS3XMLError(t, "EntityTooLarge", http.StatusBadRequest)
		}},
		{"NoSuchBucket", func(t *testing.T) {
			missing := uniqueBucket("missing")
			_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: &missing, Key: aws.String("k"), Body: body("x")})
			requireS3Code(t, err, "NoSuchBucket")
			_, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &missing})
			requireS3Code(t, err, "NoSuchBucket")
			_, err = c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &missing})
			requireS3Code(t, err, "NoSuchBucket")
		}},
		{"NoSuchKey", func(t *testing.T) {
			_, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: aws.String("nope")})
			requireS3Code(t, err, "NoSuchKey")
			_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: &bucket, Key: aws.String("c"), CopySource: aws.String(bucket + "/nope")})
			requireS3Code(t, err, "NoSuchKey")
		}},
		{"BucketNotEmpty", func(t *testing.T) {
			_, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &bucket})
			requireS3Code(t, err, "BucketNotEmpty")
		}},
		{"BucketAlreadyExists", func(t *testing.T) {
			_, err := other.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket})
			requireS3Code(t, err, "BucketAlreadyExists")
		}},
		{"BucketAlreadyOwnedByYou", func(t *testing.T) {
			// Outside us-east-1 (where S3 answers 200 for compatibility).
			cfg := emu.AWSConfig(accountA)
			cfg.Region = "eu-west-1"
			eu := emulatortest.S3Client(emu, cfg, false)
			name := uniqueBucket("eu")
			mk := &s3.CreateBucketInput{Bucket: &name, CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraintEuWest1}}
			if _, err := eu.CreateBucket(ctx, mk); err != nil {
				t.Fatal(err)
			}
			_, err := eu.CreateBucket(ctx, mk)
			requireS3Code(t, err, "BucketAlreadyOwnedByYou")
			if _, err := eu.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &name}); err != nil {
				t.Fatal(err)
			}
		}},
		{"MalformedPolicy", func(t *testing.T) {
			for _, doc := range []string{
				`{not json`,
				`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + bucket + `/*"}]}`,
				`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::another-bucket/*"}]}`,
				`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:NoSuchAction","Resource":"arn:aws:s3:::` + bucket + `/*"}]}`,
			} {
				_, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: &bucket, Policy: aws.String(doc)})
				requireS3Code(t, err, "MalformedPolicy")
			}
			_, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: &bucket})
			requireS3Code(t, err, "NoSuchBucketPolicy")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.run(t)
			unchanged(t)
		})
	}
	if got := bucketNames(t, c); !slices.Contains(strings.Split(got, ","), bucket) {
		t.Fatalf("bucket %s gone: %s", bucket, got)
	}
}
