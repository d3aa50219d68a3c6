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
