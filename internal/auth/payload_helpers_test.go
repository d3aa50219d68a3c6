package auth

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Test credentials: AWS's documentation example key, as an IAM user.
const (
	docKeyID  = "AKIAIOSFODNN7EXAMPLE"
	docSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

type userSource map[string]string

func (s userSource) LookupAccessKey(_ context.Context, id, _ string) (*Credential, error) {
	secret, ok := s[id]
	if !ok {
		return nil, ErrUnknownAccessKey
	}
	return &Credential{AccessKeyID: id, SecretAccessKey: secret, Principal: Principal{
		Kind: PrincipalIAMUser, AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:user/alice", Name: "alice",
	}}, nil
}

func newPayloadAuth(at time.Time) *Authenticator {
	return New(WithClock(func() time.Time { return at }), WithCredentialSource(userSource{docKeyID: docSecret}))
}

// The signing side of a chunked upload, written from the S3 documentation
// independently of the package: key derivation, chunk and trailer
// signatures, and the aws-chunked framing.
type chunkSigner struct {
	key     []byte
	amzDate string
	scope   string
	prev    string
}

func hmacSum(key []byte, s string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return m.Sum(nil)
}

func hexSHA(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func newChunkSigner(secret string, at time.Time, region, seed string) *chunkSigner {
	date := at.Format("20060102")
	k := hmacSum([]byte("AWS4"+secret), date)
	k = hmacSum(k, region)
	k = hmacSum(k, "s3")
	k = hmacSum(k, "aws4_request")
	return &chunkSigner{key: k, amzDate: at.Format("20060102T150405Z"), scope: date + "/" + region + "/s3/aws4_request", prev: seed}
}

func (s *chunkSigner) chunk(data []byte) string {
	sts := "AWS4-HMAC-SHA256-PAYLOAD\n" + s.amzDate + "\n" + s.scope + "\n" + s.prev + "\n" + hexSHA(nil) + "\n" + hexSHA(data)
	s.prev = hex.EncodeToString(hmacSum(s.key, sts))
	return s.prev
}

func (s *chunkSigner) trailer(trailers []string) string {
	sorted := append([]string(nil), trailers...)
	sort.Strings(sorted)
	canon := ""
	for _, t := range sorted {
		canon += t + "\n"
	}
	sts := "AWS4-HMAC-SHA256-TRAILER\n" + s.amzDate + "\n" + s.scope + "\n" + s.prev + "\n" + hexSHA([]byte(canon))
	s.prev = hex.EncodeToString(hmacSum(s.key, sts))
	return s.prev
}

// encodeChunks frames data in aws-chunked chunks of size bytes. signer nil
// means unsigned chunks; trailers ("name:value") follow the final chunk,
// signed when signer is set.
func encodeChunks(data []byte, size int, signer *chunkSigner, trailers []string) []byte {
	var b bytes.Buffer
	for {
		n := min(size, len(data))
		chunk := data[:n]
		data = data[n:]
		fmt.Fprintf(&b, "%x", n)
		if signer != nil {
			b.WriteString(";chunk-signature=" + signer.chunk(chunk))
		}
		b.WriteString("\r\n")
		if n == 0 {
			break
		}
		b.Write(chunk)
		b.WriteString("\r\n")
	}
	if trailers == nil {
		b.WriteString("\r\n")
		return b.Bytes()
	}
	for _, t := range trailers {
		b.WriteString(t + "\r\n")
	}
	if signer != nil {
		b.WriteString("x-amz-trailer-signature:" + signer.trailer(trailers) + "\r\n")
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

var payloadTime = time.Date(2024, 5, 17, 10, 20, 30, 0, time.UTC)

// signedS3Request signs a PUT with aws-sdk-go-v2's v4 signer as its S3
// client does (payload hash = mode, path not re-escaped) and returns it as
// a server would receive it, with the seed signature. body is what goes on
// the wire; headers are set before signing.
func signedS3Request(t testing.TB, mode string, headers map[string]string, body func(seed string) []byte, contentLength int) (*http.Request, string) {
	t.Helper()
	r, err := http.NewRequest(http.MethodPut, "http://127.0.0.1:4566/bucket/dir/my%20key", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("X-Amz-Content-Sha256", mode)
	for k, v := range headers {
		r.Header.Set(k, v)
	}
	creds := aws.Credentials{AccessKeyID: docKeyID, SecretAccessKey: docSecret}
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	if err := signer.SignHTTP(context.Background(), creds, r, mode, "s3", "us-east-1", payloadTime); err != nil {
		t.Fatal(err)
	}
	_, seed, _ := strings.Cut(r.Header.Get("Authorization"), "Signature=")
	wire := body(seed)
	if contentLength < 0 {
		contentLength = len(wire)
	}
	var raw bytes.Buffer
	fmt.Fprintf(&raw, "PUT %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", r.URL.RequestURI(), r.Host, contentLength)
	for k, vs := range r.Header {
		for _, v := range vs {
			fmt.Fprintf(&raw, "%s: %s\r\n", k, v)
		}
	}
	raw.WriteString("\r\n")
	raw.Write(wire)
	sr, err := http.ReadRequest(bufio.NewReader(&raw))
	if err != nil {
		t.Fatal(err)
	}
	return sr, seed
}
