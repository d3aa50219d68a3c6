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
