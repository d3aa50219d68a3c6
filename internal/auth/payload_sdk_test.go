package auth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/ibemu/ibemu/internal/auth/sigv4"
)

// s3Server authenticates and reads every request as the S3 transport does
// and records what it verified; failures are S3 <Error> documents.
type s3Server struct {
	*httptest.Server
	auth *Authenticator

	mu        sync.Mutex
	mode      string
	body      []byte
	checksums map[string]string
}

func newS3Server(t *testing.T, tls bool, now time.Time) *s3Server {
	s := &s3Server{auth: New(WithClock(func() time.Time { return now }), WithCredentialSource(userSource{docKeyID: docSecret}))}
	h := http.HandlerFunc(s.serve)
	if tls {
		s.Server = httptest.NewTLSServer(h)
	} else {
		s.Server = httptest.NewServer(h)
	}
	t.Cleanup(s.Close)
	return s
}

func (s *s3Server) serve(w http.ResponseWriter, r *http.Request) {
	fail := func(code string, status int, msg string) {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(status)
		fmt.Fprintf(w, "<Error><Code>%s</Code><Message>%s</Message><RequestId>r</RequestId></Error>", code, xmlEscape(msg))
	}
	_, p, f := s.auth.AuthenticateHTTPStreaming(r)
	if f != nil {
		e := f.AWSError(sigv4.RESTXML)
		fail(e.Code, e.HTTPStatus, e.Message)
		return
	}
	body, e := p.ReadAll(16 << 20)
	if e != nil {
		fail(e.Code, e.HTTPStatus, e.Message)
		return
	}
	s.mu.Lock()
	s.mode, s.body, s.checksums = p.Mode(), body, p.Checksums()
	s.mu.Unlock()
	w.Header().Set("ETag", `"0"`)
	w.WriteHeader(http.StatusOK)
}

func (s *s3Server) client(secret string) *s3.Client {
	return s.clientWith(secret, aws.RequestChecksumCalculationWhenSupported)
}

// clientWith is an S3 client with the given checksum calculation setting
// (WhenSupported is the SDK's default from its shared config).
func (s *s3Server) clientWith(secret string, calc aws.RequestChecksumCalculation) *s3.Client {
	return s3.New(s3.Options{
		RequestChecksumCalculation: calc,
		Region:                     "us-east-1",
		BaseEndpoint:               aws.String(s.URL),
		UsePathStyle:               true,
		Credentials:                credentials.NewStaticCredentialsProvider(docKeyID, secret, ""),
		HTTPClient:                 s.Client(),
		Retryer:                    aws.NopRetryer{},
	})
}

// PutObject through aws-sdk-go-v2's S3 client with its default checksum
// behaviour: over http it signs the body's SHA-256 and sends
// x-amz-checksum-crc32; over https it streams STREAMING-UNSIGNED-PAYLOAD-TRAILER
// with the CRC32 as a trailer. Keys that S3 does not normalize (spaces,
// repeated slashes, dot segments) must verify too.
func TestS3ClientPutObject(t *testing.T) {
	data := bytes.Repeat([]byte("payload-"), 40000) // 320000 bytes: several chunks
	for _, c := range []struct {
		name     string
		tls      bool
		wantMode string
		alg      types.ChecksumAlgorithm
		header   string
		calc     aws.RequestChecksumCalculation
	}{
		{"http when_required", false, "", "", "", aws.RequestChecksumCalculationWhenRequired},
		{"https when_required", true, sigv4.UnsignedPayload, "", "", aws.RequestChecksumCalculationWhenRequired},
		{"http default", false, "", "", "x-amz-checksum-crc32", 0},
		{"https default", true, sigv4.StreamingUnsignedPayloadTrailer, "", "x-amz-checksum-crc32", 0},
		{"https crc32c", true, sigv4.StreamingUnsignedPayloadTrailer, types.ChecksumAlgorithmCrc32c, "x-amz-checksum-crc32c", 0},
		{"https sha1", true, sigv4.StreamingUnsignedPayloadTrailer, types.ChecksumAlgorithmSha1, "x-amz-checksum-sha1", 0},
		{"https sha256", true, sigv4.StreamingUnsignedPayloadTrailer, types.ChecksumAlgorithmSha256, "x-amz-checksum-sha256", 0},
		{"http crc64nvme", false, "", types.ChecksumAlgorithmCrc64nvme, "x-amz-checksum-crc64nvme", 0},
		{"https crc64nvme", true, sigv4.StreamingUnsignedPayloadTrailer, types.ChecksumAlgorithmCrc64nvme, "x-amz-checksum-crc64nvme", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := newS3Server(t, c.tls, time.Now())
			for _, key := range []string{"plain.txt", "dir/a b+c=d&e.txt", "a//b/./c/../d", "ü/~tilde"} {
				calc := c.calc
				if calc == 0 {
					calc = aws.RequestChecksumCalculationWhenSupported
				}
				_, err := srv.clientWith(docSecret, calc).PutObject(context.Background(), &s3.PutObjectInput{
					Bucket: aws.String("bucket"), Key: aws.String(key), Body: bytes.NewReader(data), ChecksumAlgorithm: c.alg,
				})
				if err != nil {
					t.Fatalf("PutObject %q: %v", key, err)
				}
				srv.mu.Lock()
				mode, body, sums := srv.mode, srv.body, srv.checksums
				srv.mu.Unlock()
				if c.wantMode != "" && mode != c.wantMode || c.wantMode == "" && mode != hexSum(data) {
					t.Fatalf("mode %q", mode)
				}
				if !bytes.Equal(body, data) {
					t.Fatalf("body of %d bytes", len(body))
				}
				if c.header == "" && len(sums) != 0 || c.header != "" && (len(sums) != 1 || sums[c.header] == "") {
					t.Fatalf("checksums %v, want %s", sums, c.header)
				}
			}
		})
	}
}

// The client's own checksum value, when wrong, is BadDigest; a wrong
// secret is SignatureDoesNotMatch and an unknown key InvalidAccessKeyId, in
// S3's words.
func TestS3ClientPutObjectErrors(t *testing.T) {
	data := []byte("some object data")
	for _, tls := range []bool{false, true} {
		srv := newS3Server(t, tls, time.Now())
		put := func(c *s3.Client, in *s3.PutObjectInput) error {
			in.Bucket, in.Key, in.Body = aws.String("bucket"), aws.String("k"), bytes.NewReader(data)
			_, err := c.PutObject(context.Background(), in)
			return err
		}
		wantCode := func(err error, code, msgPrefix string) {
			t.Helper()
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != code || !strings.HasPrefix(ae.ErrorMessage(), msgPrefix) {
				t.Fatalf("tls=%v: %v, want %s %q", tls, err, code, msgPrefix)
			}
		}
		wantCode(put(srv.client(docSecret), &s3.PutObjectInput{ChecksumCRC32: aws.String("AAAAAA==")}), "BadDigest", "The CRC32 you specified did not match the calculated checksum.")
		wantCode(put(srv.client(docSecret), &s3.PutObjectInput{ChecksumSHA256: aws.String(sumSHA256([]byte("other")))}), "BadDigest", "The SHA256 you specified")
		wantCode(put(srv.client("wrong-secret"), &s3.PutObjectInput{}), "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
		c := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), UsePathStyle: true, HTTPClient: srv.Client(), Retryer: aws.NopRetryer{},
			Credentials: credentials.NewStaticCredentialsProvider("AKIDUNKNOWNEXAMPLE00", docSecret, "")})
		wantCode(put(c, &s3.PutObjectInput{}), "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
	}
}

// A presigned PUT signs UNSIGNED-PAYLOAD; an expired one is AccessDenied.
func TestS3PresignedPut(t *testing.T) {
	now := time.Now()
	srv := newS3Server(t, false, now)
	ps := s3.NewPresignClient(srv.client(docSecret), func(o *s3.PresignOptions) { o.Expires = time.Minute })
	req, err := ps.PresignPutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("bucket"), Key: aws.String("dir/x y")})
	if err != nil {
		t.Fatal(err)
	}
	do := func() (*http.Response, string) {
		r, _ := http.NewRequest(req.Method, req.URL, strings.NewReader("presigned body"))
		for k, vs := range req.SignedHeader {
			for _, v := range vs {
				r.Header.Add(k, v)
			}
		}
		resp, err := srv.Client().Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		return resp, b.String()
	}
	if resp, body := do(); resp.StatusCode != 200 {
		t.Fatalf("presigned PUT: %d %s", resp.StatusCode, body)
	}
	if srv.mode != sigv4.UnsignedPayload || string(srv.body) != "presigned body" {
		t.Fatalf("mode %q body %q", srv.mode, srv.body)
	}
	later := newS3Server(t, false, now.Add(2*time.Minute))
	req.URL = strings.Replace(req.URL, srv.URL, later.URL, 1)
	srv = later
	if resp, body := do(); resp.StatusCode != 403 || !strings.Contains(body, "<Code>AccessDenied</Code><Message>Request has expired</Message>") {
		t.Fatalf("expired presigned PUT: %d %s", resp.StatusCode, body)
	}
}
