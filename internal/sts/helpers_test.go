package sts

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

// signedRequest is a GetCallerIdentity Query POST signed at the time with
// the issued credentials, as the HTTP transport hands it to the
// authenticator.
func signedRequest(t testing.TB, is issued, at time.Time) sigv4.Request {
	t.Helper()
	const body = "Action=GetCallerIdentity&Version=2011-06-15"
	r, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:4700/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: is.AccessKeyID, SecretAccessKey: is.SecretAccessKey, SessionToken: is.SessionToken}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), "sts", "us-east-1", at); err != nil {
		t.Fatal(err)
	}
	var wire bytes.Buffer
	if err := r.Write(&wire); err != nil {
		t.Fatal(err)
	}
	sr, err := http.ReadRequest(bufio.NewReader(&wire))
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := io.ReadAll(sr.Body)
	return sigv4.FromHTTP(sr, payload)
}
