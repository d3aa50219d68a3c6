package auth

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/ibemu/ibemu/internal/auth/sigv4"
)

// Authentication of an SDK-signed Query POST as the HTTP transport does it:
// FromHTTP, verification, root lookup and session-token rules.
func BenchmarkAuthenticateHTTP(b *testing.B) {
	const body = "Action=GetCallerIdentity&Version=2011-06-15"
	at := time.Date(2024, 5, 17, 10, 20, 30, 0, time.UTC)
	r, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:4566/", strings.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "123456789012", SecretAccessKey: "test"}, r, hex.EncodeToString(sum[:]), "sts", "us-east-1", at); err != nil {
		b.Fatal(err)
	}
	var wire bytes.Buffer
	if err := r.Write(&wire); err != nil {
		b.Fatal(err)
	}
	sr, err := http.ReadRequest(bufio.NewReader(&wire))
	if err != nil {
		b.Fatal(err)
	}
	payload, _ := io.ReadAll(sr.Body)
	a := New(WithClock(func() time.Time { return at }))
	b.ReportAllocs()
	for b.Loop() {
		if _, f := a.AuthenticateHTTP(sr, payload); f != nil {
			b.Fatal(f)
		}
	}
}

// Authentication and ReadAll of a 1 MiB S3 PutObject body: signed
// aws-chunked (64 KiB chunks, every chunk signature verified) and unsigned
// aws-chunked with a CRC32 trailer (what SDKs send over https), decoded into
// one buffer.
func BenchmarkPayloadReadAll1MiB(b *testing.B) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<16)
	crc := []string{"x-amz-checksum-crc32:" + sumCRC32(data)}
	for _, c := range []struct {
		name    string
		mode    string
		headers map[string]string
		body    func(string) []byte
	}{
		{"signed-chunks", sigv4.StreamingPayload, decoded(len(data)), signedChunks(data, 64<<10, nil)},
		{"unsigned-trailer-crc32", sigv4.StreamingUnsignedPayloadTrailer, with(decoded(len(data)), "X-Amz-Trailer", "x-amz-checksum-crc32"), unsignedChunks(data, 64<<10, crc)},
		{"signed-hex", hexSum(data), nil, plain(data)},
	} {
		b.Run(c.name, func(b *testing.B) {
			var wire []byte
			template, _ := signedS3Request(b, c.mode, c.headers, func(seed string) []byte { wire = c.body(seed); return wire }, -1)
			a := newPayloadAuth(payloadTime)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				r := *template
				r.Body = io.NopCloser(bytes.NewReader(wire))
				_, p, f := a.AuthenticateHTTPStreaming(&r)
				if f != nil {
					b.Fatal(f)
				}
				if got, e := p.ReadAll(2 << 20); e != nil || len(got) != len(data) {
					b.Fatal(e)
				}
			}
		})
	}
}

// keptSource hands out one kept credential, as IAM's access key cache does
// for a steady client (a read-locked map lookup).
type keptSource struct {
	mu sync.RWMutex
	m  map[string]*Credential
}

func (s *keptSource) LookupAccessKey(_ context.Context, id, _ string) (*Credential, error) {
	s.mu.RLock()
	c, ok := s.m[id]
	s.mu.RUnlock()
	if !ok {
		return nil, ErrUnknownAccessKey
	}
	return c, nil
}

// getComponentRequest is loadgen scenario a's request as the server reads
// it: an SDK GetComponent (GET, the ARN in the query, the SDK's
// amz-sdk-invocation-id and amz-sdk-request headers signed) by an IAM user.
func getComponentRequest(tb testing.TB, at time.Time) (*http.Request, *Authenticator) {
	tb.Helper()
	const (
		akid   = "AKIAEXAMPLEUSER00001"
		secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	)
	r, err := http.NewRequest(http.MethodGet, "http://127.0.0.1:4566/GetComponent?componentBuildVersionArn=arn%3Aaws%3Aimagebuilder%3Aus-east-1%3A111122223333%3Acomponent%2Fc%2F1.0.0%2F1", nil)
	if err != nil {
		tb.Fatal(err)
	}
	r.Header.Set("User-Agent", "aws-sdk-go-v2/1.48.0 ua/2.1 os/linux lang/go#1.26.8 md/GOOS#linux md/GOARCH#amd64 api/imagebuilder#1.55.2")
	r.Header.Set("Amz-Sdk-Invocation-Id", "d6156a51-dbfb-46b0-aa74-fa8e22d6d675")
	r.Header.Set("Amz-Sdk-Request", "attempt=1; max=3")
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret}, r, sigv4.EmptyPayloadHash, "imagebuilder", "us-east-1", at); err != nil {
		tb.Fatal(err)
	}
	r.Header.Set("Accept-Encoding", "gzip")
	var wire bytes.Buffer
	if err := r.Write(&wire); err != nil {
		tb.Fatal(err)
	}
	sr, err := http.ReadRequest(bufio.NewReader(&wire))
	if err != nil {
		tb.Fatal(err)
	}
	user := &Credential{AccessKeyID: akid, SecretAccessKey: secret, Principal: Principal{
		Kind: PrincipalIAMUser, AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:user/bench",
		UserID: "AIDAEXAMPLEUSER00001", Name: "bench"}}
	src := &keptSource{m: map[string]*Credential{akid: user}}
	a := New(WithClock(func() time.Time { return at }), WithCredentialSource(src))
	return sr, a
}

// Loadgen scenario a's authentication: an SDK-signed GetComponent by an
// IAM user, as the HTTP transport authenticates it.
func BenchmarkAuthenticateGetComponent(b *testing.B) {
	at := time.Date(2024, 5, 17, 10, 20, 30, 0, time.UTC)
	r, a := getComponentRequest(b, at)
	b.ReportAllocs()
	for b.Loop() {
		if _, f := a.AuthenticateHTTP(r, nil); f != nil {
			b.Fatal(f)
		}
	}
}
