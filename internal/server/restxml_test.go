package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ibemu/ibemu/grpcsigv4"
	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/server"
	s3v1 "github.com/ibemu/ibemu/proto/s3/v1"
)

// memS3 is a test-only S3: a few operations over in-memory maps, enough to
// exercise the restXml codec and transport, not S3's semantics (the real
// service is internal/s3).
type memS3 struct {
	s3v1.UnsupportedS3Server
	mu       sync.Mutex
	buckets  map[string]string // name → location constraint
	policies map[string]string
	objects  map[string]map[string]*memObject
	last     *callctx.Call
}

type memObject struct {
	body        []byte
	contentType string
	meta        map[string]string
	crc32       string
}

func newMemS3() *memS3 {
	return &memS3{buckets: map[string]string{}, policies: map[string]string{}, objects: map[string]map[string]*memObject{}}
}

var modified = timestamppb.New(time.Date(2025, 3, 4, 5, 6, 7, 890_000_000, time.UTC))

func (m *memS3) seen(ctx context.Context) {
	m.last = callctx.From(ctx)
}

func (m *memS3) lastCall() *callctx.Call {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.last == nil {
		return &callctx.Call{}
	}
	return m.last
}

func (m *memS3) bucket(name string) (map[string]*memObject, error) {
	objs, ok := m.objects[name]
	if !ok {
		return nil, s3v1.ErrNoSuchBucket("The specified bucket does not exist")
	}
	return objs, nil
}

func (m *memS3) CreateBucket(ctx context.Context, in *s3v1.CreateBucketRequest) (*s3v1.CreateBucketOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seen(ctx)
	if _, ok := m.objects[in.GetBucket()]; ok {
		return nil, s3v1.ErrBucketAlreadyOwnedByYou("Your previous request to create the named bucket succeeded and you already own it.")
	}
	m.objects[in.GetBucket()] = map[string]*memObject{}
	m.buckets[in.GetBucket()] = in.GetCreateBucketConfiguration().GetLocationConstraint()
	return &s3v1.CreateBucketOutput{Location: proto.String("/" + in.GetBucket())}, nil
}

func (m *memS3) GetBucketLocation(ctx context.Context, in *s3v1.GetBucketLocationRequest) (*s3v1.GetBucketLocationOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := m.bucket(in.GetBucket()); err != nil {
		return nil, err
	}
	return &s3v1.GetBucketLocationOutput{LocationConstraint: proto.String(m.buckets[in.GetBucket()])}, nil
}

func (m *memS3) PutObject(ctx context.Context, in *s3v1.PutObjectRequest) (*s3v1.PutObjectOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seen(ctx)
	objs, err := m.bucket(in.GetBucket())
	if err != nil {
		return nil, err
	}
	objs[in.GetKey()] = &memObject{body: in.GetBody(), contentType: in.GetContentType(), meta: in.GetMetadata(), crc32: in.GetChecksumCrc32()}
	return &s3v1.PutObjectOutput{ETag: proto.String(`"etag"`), ChecksumCrc32: in.ChecksumCrc32}, nil
}

func (m *memS3) object(bucket, key string) (*memObject, error) {
	objs, err := m.bucket(bucket)
	if err != nil {
		return nil, err
	}
	o, ok := objs[key]
	if !ok {
		return nil, s3v1.ErrNoSuchKey("The specified key does not exist.")
	}
	return o, nil
}

func (m *memS3) GetObject(ctx context.Context, in *s3v1.GetObjectRequest) (*s3v1.GetObjectOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seen(ctx)
	o, err := m.object(in.GetBucket(), in.GetKey())
	if err != nil {
		return nil, err
	}
	out := &s3v1.GetObjectOutput{Body: o.body, ContentLength: proto.Int64(int64(len(o.body))), LastModified: modified,
		Metadata: o.meta, ETag: proto.String(`"etag"`)}
	if o.contentType != "" {
		out.ContentType = proto.String(o.contentType)
	}
	if r := in.GetRange(); r != "" {
		// Only "bytes=A-B", which is all the test sends.
		var a, b int
		if _, err := fmt.Sscanf(r, "bytes=%d-%d", &a, &b); err != nil || a > b || b >= len(o.body) {
			return nil, s3v1.ErrInvalidRequest("bad range %q", r)
		}
		out.Body = o.body[a : b+1]
		out.ContentLength = proto.Int64(int64(b + 1 - a))
		out.ContentRange = proto.String("bytes " + strconv.Itoa(a) + "-" + strconv.Itoa(b) + "/" + strconv.Itoa(len(o.body)))
	} else if o.crc32 != "" {
		out.ChecksumCrc32 = proto.String(o.crc32)
	}
	return out, nil
}

func (m *memS3) HeadObject(ctx context.Context, in *s3v1.HeadObjectRequest) (*s3v1.HeadObjectOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	o, err := m.object(in.GetBucket(), in.GetKey())
	if err != nil {
		return nil, err
	}
	return &s3v1.HeadObjectOutput{ContentLength: proto.Int64(int64(len(o.body))), LastModified: modified, Metadata: o.meta}, nil
}

func (m *memS3) ListObjectsV2(ctx context.Context, in *s3v1.ListObjectsV2Request) (*s3v1.ListObjectsV2Output, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	objs, err := m.bucket(in.GetBucket())
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(objs))
	for k := range objs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := &s3v1.ListObjectsV2Output{Name: in.Bucket, Prefix: in.Prefix, Delimiter: in.Delimiter, MaxKeys: proto.Int32(1000), IsTruncated: proto.Bool(false)}
	prefixes := map[string]bool{}
	for _, k := range keys {
		if !strings.HasPrefix(k, in.GetPrefix()) {
			continue
		}
		if d := in.GetDelimiter(); d != "" {
			if i := strings.Index(k[len(in.GetPrefix()):], d); i >= 0 {
				p := k[:len(in.GetPrefix())+i+len(d)]
				if !prefixes[p] {
					prefixes[p] = true
					out.CommonPrefixes = append(out.CommonPrefixes, &s3v1.CommonPrefix{Prefix: proto.String(p)})
				}
				continue
			}
		}
		out.Contents = append(out.Contents, &s3v1.Object{Key: proto.String(k), Size: proto.Int64(int64(len(objs[k].body))), LastModified: modified, StorageClass: proto.String("STANDARD")})
	}
	out.KeyCount = proto.Int32(int32(len(out.Contents) + len(out.CommonPrefixes)))
	return out, nil
}

func (m *memS3) DeleteObjects(ctx context.Context, in *s3v1.DeleteObjectsRequest) (*s3v1.DeleteObjectsOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	objs, err := m.bucket(in.GetBucket())
	if err != nil {
		return nil, err
	}
	out := &s3v1.DeleteObjectsOutput{}
	for _, id := range in.GetDelete().GetObjects() {
		if _, ok := objs[id.GetKey()]; !ok {
			out.Errors = append(out.Errors, &s3v1.Error{Key: id.Key, Code: proto.String("NoSuchKey"), Message: proto.String("gone")})
			continue
		}
		delete(objs, id.GetKey())
		out.Deleted = append(out.Deleted, &s3v1.DeletedObject{Key: id.Key})
	}
	return out, nil
}

func (m *memS3) PutBucketPolicy(ctx context.Context, in *s3v1.PutBucketPolicyRequest) (*s3v1.PutBucketPolicyResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := m.bucket(in.GetBucket()); err != nil {
		return nil, err
	}
	m.policies[in.GetBucket()] = in.GetPolicy()
	return &s3v1.PutBucketPolicyResponse{}, nil
}

func (m *memS3) GetBucketPolicy(ctx context.Context, in *s3v1.GetBucketPolicyRequest) (*s3v1.GetBucketPolicyOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.policies[in.GetBucket()]
	if !ok {
		return nil, awserr.New("NoSuchBucketPolicy", 404, "The bucket policy does not exist")
	}
	return &s3v1.GetBucketPolicyOutput{Policy: proto.String(p)}, nil
}

// s3Server is a server with memS3 registered, on an HTTP test server.
type s3Server struct {
	impl *memS3
	srv  *server.Server
	hs   *httptest.Server
}

func startS3(t *testing.T, opts server.Options) *s3Server {
	t.Helper()
	opts.Auth = auth.New()
	opts.Authorizer = enforcer(t)
	s, err := server.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	impl := newMemS3()
	if err := s.Register(s3v1.Model(), &s3v1.S3_ServiceDesc, impl); err != nil {
		t.Fatal(err)
	}
	s.SetReady(true)
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	return &s3Server{impl: impl, srv: s, hs: hs}
}

var testCreds = credentials.NewStaticCredentialsProvider("test", "test", "")

// client is an S3 client for the server: path style, or virtual-hosted
// under localhost with every connection dialed to the test server.
func (s *s3Server) client(pathStyle bool) *s3.Client {
	addr := s.hs.Listener.Addr().String()
	tr := s.hs.Client().Transport.(*http.Transport).Clone()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	_, port, _ := net.SplitHostPort(addr)
	cfg := aws.Config{Region: "us-east-1", Credentials: testCreds, RetryMaxAttempts: 1,
		HTTPClient: &http.Client{Transport: readerOnly{tr}}}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String("http://localhost:" + port)
		o.UsePathStyle = pathStyle
	})
}

// readerOnly hides io.WriterTo on request bodies (see
// emulator.ReaderOnlyBodies for the smithy-go race it avoids).
type readerOnly struct{ next http.RoundTripper }

func (r readerOnly) RoundTrip(req *http.Request) (*http.Response, error) {
	if _, ok := req.Body.(io.WriterTo); ok {
		req = req.Clone(req.Context())
		req.Body = struct{ io.ReadCloser }{req.Body}
	}
	return r.next.RoundTrip(req)
}

func requestID(err error) string {
	var withID interface{ ServiceRequestID() string }
	if errors.As(err, &withID) {
		return withID.ServiceRequestID()
	}
	return ""
}

// TestS3CodecThroughTheSDK runs the SDK's S3 client against the codec, in
// path style and virtual-hosted style: XML both ways, payloads, prefix
// headers, keys that need escaping, modeled errors with request ids.
func TestS3CodecThroughTheSDK(t *testing.T) {
	for _, style := range []struct {
		name string
		path bool
	}{{"path", true}, {"virtual", false}} {
		t.Run(style.name, func(t *testing.T) {
			srv := startS3(t, server.Options{})
			c := srv.client(style.path)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()

			if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("west"),
				CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraintUsWest2}}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("east")}); err != nil {
				t.Fatal(err)
			}
			_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("east")})
			var owned *types.BucketAlreadyOwnedByYou
			if !errors.As(err, &owned) || requestID(err) == "" {
				t.Fatalf("second CreateBucket: %v (request id %q)", err, requestID(err))
			}

			// GetBucketLocation's unwrapped output, empty for us-east-1.
			loc, err := c.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String("west")})
			if err != nil || loc.LocationConstraint != types.BucketLocationConstraintUsWest2 {
				t.Fatalf("GetBucketLocation(west) = %+v, %v", loc, err)
			}
			loc, err = c.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String("east")})
			if err != nil || loc.LocationConstraint != "" {
				t.Fatalf("GetBucketLocation(east) = %+v, %v", loc, err)
			}

			keys := []string{"plain.txt", "dir/sub/x-y_z~.txt", "a/b", "trailing/", "top"}
			for i, k := range keys {
				body := strings.Repeat(k, i+1)
				if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("west"), Key: aws.String(k),
					Body: strings.NewReader(body), ContentType: aws.String("text/plain"),
					Metadata: map[string]string{"Color": "blue", "x-y": "z w"}}); err != nil {
					t.Fatalf("PutObject(%q): %v", k, err)
				}
				got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("west"), Key: aws.String(k)})
				if err != nil {
					t.Fatalf("GetObject(%q): %v", k, err)
				}
				b, err := io.ReadAll(got.Body)
				got.Body.Close()
				if err != nil || string(b) != body {
					t.Fatalf("GetObject(%q) body %q, %v", k, b, err)
				}
				if aws.ToString(got.ContentType) != "text/plain" || got.Metadata["color"] != "blue" || got.Metadata["x-y"] != "z w" ||
					!got.LastModified.Equal(modified.AsTime().Truncate(time.Second)) || aws.ToInt64(got.ContentLength) != int64(len(body)) {
					t.Errorf("GetObject(%q): type %q meta %v modified %v length %d", k, aws.ToString(got.ContentType), got.Metadata, got.LastModified, aws.ToInt64(got.ContentLength))
				}
			}
			if got := srv.impl.lastCall(); got.S3 == nil || got.S3.AuthType != "REST-HEADER" || got.S3.SignatureVersion != "AWS4-HMAC-SHA256" || got.S3.ContentSHA256 == "" || got.S3.HasSignatureAge {
				t.Errorf("S3 transport facts: %+v", got.S3)
			}

			// A range passes through; the codec answers 206.
			part, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("west"), Key: aws.String("plain.txt"), Range: aws.String("bytes=2-5")})
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(part.Body)
			part.Body.Close()
			if string(b) != "ain." || aws.ToString(part.ContentRange) != "bytes 2-5/9" {
				t.Errorf("range: %q %q", b, aws.ToString(part.ContentRange))
			}

			head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("west"), Key: aws.String("a/b")})
			if err != nil || aws.ToInt64(head.ContentLength) != int64(3*len("a/b")) || head.Metadata["color"] != "blue" {
				t.Fatalf("HeadObject = %+v, %v", head, err)
			}
			_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("west"), Key: aws.String("missing")})
			var notFound *types.NotFound
			if !errors.As(err, &notFound) || requestID(err) == "" {
				t.Errorf("HeadObject(missing): %v", err)
			}
			_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("west"), Key: aws.String("missing")})
			var noKey *types.NoSuchKey
			if !errors.As(err, &noKey) || requestID(err) == "" {
				t.Errorf("GetObject(missing): %v", err)
			}
			_, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("nobucket")})
			var noBucket *types.NoSuchBucket
			if !errors.As(err, &noBucket) || requestID(err) == "" || !strings.Contains(noBucket.ErrorMessage(), "does not exist") {
				t.Errorf("ListObjectsV2(nobucket): %v", err)
			}
			// Not modeled for GetObject: the SDK still reads the code.
			_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("nobucket"), Key: aws.String("k")})
			var generic smithy.APIError
			if !errors.As(err, &generic) || generic.ErrorCode() != "NoSuchBucket" || httpStatus(err) != 404 {
				t.Errorf("GetObject(nobucket): %v", err)
			}

			list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("west"), Delimiter: aws.String("/")})
			if err != nil {
				t.Fatal(err)
			}
			var listed, prefixes []string
			for _, o := range list.Contents {
				listed = append(listed, aws.ToString(o.Key))
				if !o.LastModified.Equal(modified.AsTime()) || o.StorageClass != types.ObjectStorageClassStandard {
					t.Errorf("listed %s: %v %v", aws.ToString(o.Key), o.LastModified, o.StorageClass)
				}
			}
			for _, p := range list.CommonPrefixes {
				prefixes = append(prefixes, aws.ToString(p.Prefix))
			}
			if strings.Join(listed, "|") != "plain.txt|top" || strings.Join(prefixes, "|") != "a/|dir/|trailing/" ||
				aws.ToInt32(list.KeyCount) != 5 || aws.ToString(list.Name) != "west" || aws.ToBool(list.IsTruncated) {
				t.Errorf("ListObjectsV2: %q %q %+v", listed, prefixes, list)
			}

			del, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("west"), Delete: &types.Delete{
				Objects: []types.ObjectIdentifier{{Key: aws.String("a/b")}, {Key: aws.String(" spaced <&> ")}, {Key: aws.String("dir/sub/x-y_z~.txt")}}}})
			if err != nil {
				t.Fatal(err)
			}
			if len(del.Deleted) != 2 || aws.ToString(del.Deleted[1].Key) != "dir/sub/x-y_z~.txt" ||
				len(del.Errors) != 1 || aws.ToString(del.Errors[0].Key) != " spaced <&> " || aws.ToString(del.Errors[0].Code) != "NoSuchKey" {
				t.Errorf("DeleteObjects: %+v", del)
			}

			policy := `{"Version":"2012-10-17","Statement":[]}`
			if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("west"), Policy: aws.String(policy)}); err != nil {
				t.Fatal(err)
			}
			gp, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("west")})
			if err != nil || aws.ToString(gp.Policy) != policy {
				t.Fatalf("GetBucketPolicy = %v, %v", gp, err)
			}

			// An operation the service does not build answers the explicit
			// unsupported error.
			_, err = c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("west")})
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "UnsupportedOperation" || !strings.Contains(apiErr.ErrorMessage(), "s3:GetBucketTagging") || httpStatus(err) != 501 {
				t.Errorf("GetBucketTagging: %v", err)
			}
		})
	}
}

// TestS3KeysThatNeedEscaping: keys with spaces, unicode, reserved
// characters, repeated, leading and trailing slashes and literal percent
// signs reach the service as they were given, in both styles. Their
// signatures use S3's canonical URI (not normalized, escaped once), which
// internal/auth/sigv4 provides.
func TestS3KeysThatNeedEscaping(t *testing.T) {
	keys := []string{"dir/sub dir/ünïcødé+plus&amp;.txt", "a//b", "/leading", "percent%20literal", "trailing//", "?question#hash", "日本語/キー"}
	for _, pathStyle := range []bool{true, false} {
		srv := startS3(t, server.Options{})
		c := srv.client(pathStyle)
		ctx := context.Background()
		if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("b")}); err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String(k), Body: strings.NewReader(k)})
			if err != nil {
				t.Fatalf("PutObject(%q): %v", k, err)
			}
			got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("b"), Key: aws.String(k)})
			if err != nil {
				t.Fatalf("GetObject(%q): %v", k, err)
			}
			b, _ := io.ReadAll(got.Body)
			got.Body.Close()
			if string(b) != k {
				t.Errorf("GetObject(%q) = %q", k, b)
			}
		}
		list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("b")})
		if err != nil {
			t.Fatal(err)
		}
		var listed []string
		for _, o := range list.Contents {
			listed = append(listed, aws.ToString(o.Key))
		}
		want := append([]string(nil), keys...)
		sort.Strings(want)
		if strings.Join(listed, "\n") != strings.Join(want, "\n") {
			t.Errorf("listed %q, want %q", listed, want)
		}
	}
}

func httpStatus(err error) int {
	var withStatus interface{ HTTPStatusCode() int }
	if errors.As(err, &withStatus) {
		return withStatus.HTTPStatusCode()
	}
	return 0
}

// TestS3PresignedURLAndTransportKeys: a presigned GET is served, and the
// call carries s3:authType REST-QUERY-STRING and a signature age.
func TestS3PresignedURLAndTransportKeys(t *testing.T) {
	srv := startS3(t, server.Options{})
	c := srv.client(true)
	ctx := context.Background()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("b")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String("k"), Body: strings.NewReader("hello")}); err != nil {
		t.Fatal(err)
	}
	req, err := s3.NewPresignClient(c).PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("b"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	url := strings.Replace(req.URL, "localhost", "127.0.0.1", 1)
	hreq, _ := http.NewRequest(req.Method, url, nil)
	hreq.Host = strings.TrimPrefix(strings.SplitN(req.URL, "/", 4)[2], "")
	resp, err := http.DefaultClient.Do(hreq)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "hello" {
		t.Fatalf("presigned GET: %d %s", resp.StatusCode, body)
	}
	got := srv.impl.lastCall().S3
	if got == nil || got.AuthType != "REST-QUERY-STRING" || !got.HasSignatureAge || got.SignatureAge < 0 || got.ContentSHA256 != "UNSIGNED-PAYLOAD" || got.TLSVersion != "" {
		t.Errorf("presigned transport facts: %+v", got)
	}
}

// TestS3ObjectSizeLimit: bodies beyond MaxObjectBytes get S3's
// EntityTooLarge, which the SDK surfaces.
func TestS3ObjectSizeLimit(t *testing.T) {
	srv := startS3(t, server.Options{MaxObjectBytes: 1024})
	c := srv.client(false)
	ctx := context.Background()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("b")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String("fits"), Body: bytes.NewReader(make([]byte, 1024))}); err != nil {
		t.Fatalf("1024 bytes: %v", err)
	}
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String("big"), Body: bytes.NewReader(make([]byte, 1025))})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "EntityTooLarge" || httpStatus(err) != 400 {
		t.Fatalf("1025 bytes: %v", err)
	}
}

// signedRaw sends a raw request signed for S3 with a payload hash.
func signedRaw(t *testing.T, method, url string, body []byte, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	req.Header.Set("X-Amz-Content-Sha256", hash)
	creds, _ := testCreds.Retrieve(context.Background())
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hash, "s3", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, b
}

// TestS3WireErrors: malformed XML, unknown routes and authentication
// failures get S3's <Error> documents with its request id headers.
func TestS3WireErrors(t *testing.T) {
	srv := startS3(t, server.Options{})
	if _, err := srv.client(true).CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("b")}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, method, path, body string
		header                   map[string]string
		status                   int
		code                     string
	}{
		{"malformed xml", "POST", "/b?delete", "<Delete><Object><Key>k</Key></Object>", nil, 400, "MalformedXML"},
		{"doctype", "POST", "/b?delete", `<!DOCTYPE x [<!ENTITY a "b">]><Delete/>`, nil, 400, "MalformedXML"},
		{"no objects", "POST", "/b?delete", `<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></Delete>`, nil, 400, "MalformedXML"},
		{"method", "PATCH", "/b/k", "", nil, 405, "MethodNotAllowed"},
		{"no route", "PUT", "/", "", nil, 405, "MethodNotAllowed"},
		{"policy body missing", "PUT", "/b?policy", "", nil, 400, "MissingRequestBodyError"},
		{"bad header", "PUT", "/b/k", "x", map[string]string{"X-Amz-Write-Offset-Bytes": "x"}, 400, "InvalidArgument"},
		{"no such bucket names it", "GET", "/nob?list-type=2", "", nil, 404, "NoSuchBucket"},
		{"ok", "PUT", "/b/k", "x", nil, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := signedRaw(t, tc.method, srv.hs.URL+tc.path, []byte(tc.body), tc.header)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if resp.Header.Get("X-Amz-Request-Id") == "" || resp.Header.Get("X-Amz-Id-2") == "" {
				t.Errorf("request id headers missing: %v", resp.Header)
			}
			if tc.code == "" {
				return
			}
			if !strings.HasPrefix(string(body), `<?xml version="1.0" encoding="UTF-8"?>`+"\n<Error><Code>"+tc.code+"</Code>") ||
				!strings.Contains(string(body), "<RequestId>"+resp.Header.Get("X-Amz-Request-Id")+"</RequestId>") {
				t.Errorf("body: %s", body)
			}
		})
	}
	// Unsigned requests get S3's error vocabulary too.
	resp, err := http.Get(srv.hs.URL + "/b/k")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || !strings.Contains(string(body), "<Error><Code>") {
		t.Errorf("unsigned: %d %s", resp.StatusCode, body)
	}
	// A wrong secret: S3's SignatureDoesNotMatch document, parsed by the SDK.
	bad := srv.client(false)
	bad2 := s3.New(bad.Options(), func(o *s3.Options) { o.Credentials = credentials.NewStaticCredentialsProvider("test", "wrong", "") })
	_, err = bad2.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String("b")})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "SignatureDoesNotMatch" || httpStatus(err) != 403 {
		t.Errorf("wrong secret: %v", err)
	}
}

// TestS3OverGRPC: the S3 service answers gRPC calls signed for s3 through
// the same authentication and chain.
func TestS3OverGRPC(t *testing.T) {
	srv := startS3(t, server.Options{})
	gs, _ := srv.srv.NewGRPCServer()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = gs.Serve(ln) }()
	defer gs.Stop()
	conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithPerRPCCredentials(grpcsigv4.New(testCreds, "us-east-1")))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := s3v1.NewS3Client(conn)
	if _, err := c.CreateBucket(ctx, &s3v1.CreateBucketRequest{Bucket: proto.String("g")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(ctx, &s3v1.PutObjectRequest{Bucket: proto.String("g"), Key: proto.String("k"), Body: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	out, err := c.ListObjectsV2(ctx, &s3v1.ListObjectsV2Request{Bucket: proto.String("g")})
	if err != nil || len(out.GetContents()) != 1 || out.GetContents()[0].GetKey() != "k" {
		t.Fatalf("ListObjectsV2 over gRPC = %v, %v", out, err)
	}
	_, err = c.GetObject(ctx, &s3v1.GetObjectRequest{Bucket: proto.String("none"), Key: proto.String("k")})
	if status.Code(err) != codes.NotFound || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("GetObject(none) over gRPC: %v", err)
	}
	_, err = c.GetBucketTagging(ctx, &s3v1.GetBucketTaggingRequest{Bucket: proto.String("g")})
	if status.Code(err) != codes.Unimplemented {
		t.Errorf("GetBucketTagging over gRPC: %v", err)
	}
	if got := srv.impl.lastCall(); got.Transport != "grpc" || got.S3 != nil {
		t.Errorf("gRPC call: transport %q, S3 facts %+v", got.Transport, got.S3)
	}
}

// TestS3OverTLSWithChecksumTrailers: over HTTPS the SDK streams PutObject
// bodies aws-chunked with a CRC32 trailer (its default
// RequestChecksumCalculation WhenSupported); the checksum reaches the
// service as the ChecksumCRC32 member, GetObject's response checksum
// validates, and the call carries s3:TlsVersion.
func TestS3OverTLSWithChecksumTrailers(t *testing.T) {
	s, err := server.New(server.Options{Auth: auth.New(), Authorizer: enforcer(t)})
	if err != nil {
		t.Fatal(err)
	}
	impl := newMemS3()
	if err := s.Register(s3v1.Model(), &s3v1.S3_ServiceDesc, impl); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewTLSServer(s)
	defer hs.Close()
	cfg := aws.Config{Region: "us-east-1", Credentials: testCreds, RetryMaxAttempts: 1,
		HTTPClient: &http.Client{Transport: readerOnly{hs.Client().Transport}}}
	c := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(hs.URL)
		o.UsePathStyle = true
	})
	ctx := context.Background()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("tls")}); err != nil {
		t.Fatal(err)
	}
	body := strings.Repeat("checksummed ", 1000)
	// A body the SDK cannot seek is streamed with a trailing checksum.
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("tls"), Key: aws.String("k"),
		Body: io.MultiReader(strings.NewReader(body)), ContentLength: aws.Int64(int64(len(body))), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
	if err != nil {
		t.Fatal(err)
	}
	got := impl.lastCall().S3
	if got == nil || got.TLSVersion == "" || !strings.HasPrefix(got.ContentSHA256, "STREAMING-") {
		t.Errorf("transport facts over TLS: %+v", got)
	}
	impl.mu.Lock()
	stored := impl.objects["tls"]["k"]
	impl.mu.Unlock()
	if stored == nil || string(stored.body) != body || stored.crc32 == "" {
		t.Fatalf("stored object: %d bytes, crc32 %q", len(stored.body), stored.crc32)
	}
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("tls"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(out.Body)
	out.Body.Close()
	if err != nil || string(b) != body {
		t.Fatalf("GetObject: %d bytes, %v", len(b), err)
	}
}
