package sts

import (
	"context"
	"testing"
	"time"

	"github.com/ibemu/ibemu/internal/auth"
)

// BenchmarkAuthenticateTemporaryCredentials authenticates a request signed
// with temporary credentials as the HTTP transport does: SigV4
// verification, the credential chain (IAM keys are tried first in the
// emulator; here the STS source alone), the session token (answered by the
// token cache after the first request) and the expiry rule.
func BenchmarkAuthenticateTemporaryCredentials(b *testing.B) {
	s := &sessions{sealer: testSealer(b, 1)}
	at := time.Date(2024, 5, 17, 10, 0, 0, 0, time.UTC)
	is, err := s.issue(roleSession(at))
	if err != nil {
		b.Fatal(err)
	}
	req := signedRequest(b, is, at)
	a := auth.New(auth.WithClock(func() time.Time { return at }), auth.WithCredentialSource(s))
	b.ReportAllocs()
	for b.Loop() {
		r := req
		if _, f := a.Authenticate(context.Background(), &r); f != nil {
			b.Fatal(f)
		}
	}
}

// BenchmarkLookupSessionToken compares the credential source's answer for a
// token it has opened before (cached) with opening it every time (AES-GCM
// open of the token, unmarshal, principal).
func BenchmarkLookupSessionToken(b *testing.B) {
	s := &sessions{sealer: testSealer(b, 1)}
	is, err := s.issue(roleSession(time.Now()))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.Run("cached", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.LookupAccessKey(ctx, is.AccessKeyID, is.SessionToken); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("opened", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			rec, err := s.open(is.AccessKeyID, is.SessionToken)
			if err != nil {
				b.Fatal(err)
			}
			_ = principalOf(rec)
			_ = s.secret(is.AccessKeyID)
		}
	})
}
