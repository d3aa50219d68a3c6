package sts

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/auth/sigv4"
	"github.com/ibemu/ibemu/internal/seal"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
)

func testSealer(t testing.TB, b byte) *seal.Sealer {
	t.Helper()
	s, err := seal.New([]byte(strings.Repeat(string(rune(b)), seal.KeySize)))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// roleSession is a session as AssumeRole seals it.
func roleSession(issued time.Time) *recordsv1.STSSession {
	return &recordsv1.STSSession{
		SessionKind:       uint32(auth.SessionAssumeRole),
		PrincipalKind:     uint32(auth.PrincipalAssumedRole),
		Account:           "111122223333",
		Issued:            issued.Unix(),
		Expires:           issued.Add(time.Hour).Unix(),
		PrincipalArn:      "arn:aws:sts::111122223333:assumed-role/builder/s1",
		UserId:            "AROAEXAMPLEEXAMPLE12:s1",
		Name:              "builder",
		SessionName:       "s1",
		RoleArn:           "arn:aws:iam::111122223333:role/svc/builder",
		RoleId:            "AROAEXAMPLEEXAMPLE12",
		SourceArn:         "arn:aws:iam::111122223333:user/alice",
		Policy:            `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`,
		PolicyArns:        []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"},
		Tags:              []*recordsv1.STSSessionTag{{Key: "team", Value: "blue"}, {Key: "Project", Value: "x"}},
		TransitiveTagKeys: []string{"team"},
		SourceIdentity:    "alice",
		Mfa:               true,
		MfaTime:           issued.Unix(),
		Chained:           true,
	}
}

// TestTokenRoundTrip: what is sealed comes back as the principal and
// session the authenticator hands on, with the derived secret.
func TestTokenRoundTrip(t *testing.T) {
	s := &sessions{sealer: testSealer(t, 1)}
	at := time.Date(2024, 5, 17, 10, 0, 0, 0, time.UTC)
	rec := roleSession(at)
	is, err := s.issue(rec)
	if err != nil {
		t.Fatal(err)
	}
	if len(is.SecretAccessKey) != 40 || !is.Expiration.Equal(at.Add(time.Hour)) {
		t.Fatalf("issued %+v", is)
	}
	opened, err := s.open(is.AccessKeyID, is.SessionToken)
	if err != nil || !proto.Equal(opened, rec) {
		t.Fatalf("open = %v, %v", opened, err)
	}
	cred, err := s.LookupAccessKey(context.Background(), is.AccessKeyID, is.SessionToken)
	if err != nil {
		t.Fatal(err)
	}
	if cred.SecretAccessKey != is.SecretAccessKey || cred.SessionToken != is.SessionToken || !cred.Expiration.Equal(at.Add(time.Hour)) {
		t.Errorf("credential %+v", cred)
	}
	p := cred.Principal
	if p.Kind != auth.PrincipalAssumedRole || p.AccountID != "111122223333" || p.ARN != rec.PrincipalArn || p.UserID != rec.UserId || p.Name != "builder" || p.SessionName != "s1" {
		t.Errorf("principal %+v", p)
	}
	ss := p.Session
	if ss.Kind != auth.SessionAssumeRole || !ss.Issued.Equal(at) || ss.RoleARN != rec.RoleArn || ss.RoleID != rec.RoleId || ss.SourceARN != rec.SourceArn ||
		ss.Policy != rec.Policy || len(ss.PolicyARNs) != 1 || ss.Tags["team"] != "blue" || ss.Tags["Project"] != "x" || len(ss.TransitiveTagKeys) != 1 ||
		ss.SourceIdentity != "alice" || !ss.MFA || !ss.MFATime.Equal(at) || !ss.Chained {
		t.Errorf("session %+v", ss)
	}
	// The cache answers the same token, and only that token.
	again, err := s.LookupAccessKey(context.Background(), is.AccessKeyID, is.SessionToken)
	if err != nil || again != cred {
		t.Errorf("second lookup = %p, %v; want the cached %p", again, err, cred)
	}
	// The same session sealed twice gives different tokens and key ids.
	is2, _ := s.issue(rec)
	if is2.SessionToken == is.SessionToken || is2.AccessKeyID == is.AccessKeyID {
		t.Error("two issues gave the same credentials")
	}
	// The secret depends on the key and the key id only.
	if s.secret(is.AccessKeyID) != is.SecretAccessKey || (&sessions{sealer: testSealer(t, 2)}).secret(is.AccessKeyID) == is.SecretAccessKey {
		t.Error("secret derivation")
	}
}

// TestTokenRejected: a tampered token, a token moved to another key id, one
// sealed with another key and a missing one are all the InvalidSecurityToken
// failure; keys that are not ASIA are not this source's.
func TestTokenRejected(t *testing.T) {
	s := &sessions{sealer: testSealer(t, 1)}
	other := &sessions{sealer: testSealer(t, 2)}
	now := time.Now()
	is, _ := s.issue(roleSession(now))
	is2, _ := s.issue(roleSession(now))
	foreign, _ := other.issue(roleSession(now))
	flip := []byte(is.SessionToken)
	i := len(flip) / 2
	if flip[i] == 'A' {
		flip[i] = 'B'
	} else {
		flip[i] = 'A'
	}
	cases := map[string][2]string{
		"tampered":         {is.AccessKeyID, string(flip)},
		"truncated":        {is.AccessKeyID, is.SessionToken[:len(is.SessionToken)-8]},
		"another key id":   {is2.AccessKeyID, is.SessionToken},
		"another key":      {foreign.AccessKeyID, foreign.SessionToken},
		"no token":         {is.AccessKeyID, ""},
		"not base64":       {is.AccessKeyID, "!!!"},
		"made-up key id":   {"ASIAAAAAAAAAAAAAAAAA", is.SessionToken},
		"right, then bent": {is.AccessKeyID, is.SessionToken + "A"},
	}
	// Opening the genuine token first puts it in the cache: the cache must
	// not answer for any other token.
	if _, err := s.LookupAccessKey(context.Background(), is.AccessKeyID, is.SessionToken); err != nil {
		t.Fatal(err)
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := s.LookupAccessKey(context.Background(), c[0], c[1])
			var f *sigv4.Failure
			if !errors.As(err, &f) || f.Kind != sigv4.KindInvalidSecurityToken {
				t.Fatalf("got %v, want the InvalidSecurityToken failure", err)
			}
		})
	}
	if _, err := s.LookupAccessKey(context.Background(), "AKIAIOSFODNN7EXAMPLE", is.SessionToken); !errors.Is(err, auth.ErrUnknownAccessKey) {
		t.Errorf("AKIA key: %v", err)
	}
}

// TestTokenExpiry: the authenticator refuses expired credentials on its
// clock: valid one second before expiry, ExpiredToken from expiry on.
func TestTokenExpiry(t *testing.T) {
	s := &sessions{sealer: testSealer(t, 1)}
	at := time.Date(2024, 5, 17, 10, 0, 0, 0, time.UTC)
	is, _ := s.issue(roleSession(at))
	for _, c := range []struct {
		now  time.Time
		kind sigv4.Kind
	}{
		{at.Add(time.Hour - time.Second), 0},
		{at.Add(time.Hour), sigv4.KindExpiredToken},
		{at.Add(48 * time.Hour), sigv4.KindExpiredToken},
	} {
		now := c.now
		a := auth.New(auth.WithClock(func() time.Time { return now }), auth.WithCredentialSource(s))
		req := signedRequest(t, is, now)
		_, f := a.Authenticate(context.Background(), &req)
		switch {
		case c.kind == 0 && f != nil:
			t.Errorf("at %v: %v", now, f)
		case c.kind != 0 && (f == nil || f.Kind != c.kind):
			t.Errorf("at %v: %v, want %v", now, f, c.kind)
		}
	}
}

// TestAccessKeyIDCarriesAccount: the key ids issued decode to their account
// with AWS's decoding, and are ASIA plus 16 base32 characters.
func TestAccessKeyIDCarriesAccount(t *testing.T) {
	for _, account := range []string{"000000000000", "111122223333", "999999999999", "000000000001"} {
		for i := 0; i < 50; i++ {
			id, err := newAccessKeyID(account)
			if err != nil {
				t.Fatal(err)
			}
			if len(id) != 20 || !strings.HasPrefix(id, "ASIA") || strings.Trim(id[4:], "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") != "" {
				t.Fatalf("key id %q", id)
			}
			if got, ok := accountOfKeyID(id); !ok || got != account {
				t.Fatalf("%s decodes to %q %v, want %s", id, got, ok, account)
			}
		}
	}
	// The example of AWS's format published with the decoding (Tal
	// Be'ery, "A short note on AWS KEY ID").
	if got, ok := accountOfKeyID("ASIAY34FZKBOKMUTVV7A"); !ok || got != "609629065308" {
		t.Errorf("ASIAY34FZKBOKMUTVV7A decodes to %q %v", got, ok)
	}
	for _, bad := range []string{"", "ASIA", "AKIAIOSFODNN7EXAMPL1", "asiaQNZGKIQY56JQ7WML", "AKIAIOSFODNN7EXAMPLE"} {
		if got, ok := accountOfKeyID(bad); ok {
			t.Errorf("%q decodes to %q", bad, got)
		}
	}
	if _, err := newAccessKeyID("not-an-account"); err == nil {
		t.Error("a key id for a malformed account")
	}
}

// FuzzAccountOfKeyID: any access key id a client sends decodes without
// panicking, and a decoded account is twelve digits that a fresh key id of
// that account decodes to again.
func FuzzAccountOfKeyID(f *testing.F) {
	f.Add("ASIAY34FZKBOKMUTVV7A")
	f.Add("AKIAIOSFODNN7EXAMPLE")
	f.Add("")
	f.Add("ASIA")
	f.Fuzz(func(t *testing.T, id string) {
		account, ok := accountOfKeyID(id)
		if !ok {
			return
		}
		if len(account) != 12 || strings.Trim(account, "0123456789") != "" {
			t.Fatalf("%q decodes to account %q", id, account)
		}
		again, err := newAccessKeyID(account)
		if err != nil {
			t.Fatalf("account %q of %q: %v", account, id, err)
		}
		if got, ok := accountOfKeyID(again); !ok || got != account {
			t.Fatalf("round trip of %q: %q, %v", account, got, ok)
		}
	})
}

// fakePrincipals is an IAM that knows which principals exist, by the role
// id or user id a session carries, and counts what it is asked.
type fakePrincipals struct {
	gen    uint64
	exists map[string]bool
	asked  int
}

func (f *fakePrincipals) Generation() uint64 { return f.gen }

func (f *fakePrincipals) SessionPrincipalExists(_ context.Context, p *auth.Principal) (bool, error) {
	f.asked++
	return f.exists[p.Session.RoleID], nil
}

// TestTokenOfDeletedPrincipal: credentials whose role is gone are the
// InvalidSecurityToken failure, even when cached; the answer is reused
// while the IAM generation stands and asked again once it moves.
func TestTokenOfDeletedPrincipal(t *testing.T) {
	iam := &fakePrincipals{gen: 1, exists: map[string]bool{"AROAEXAMPLEEXAMPLE12": true}}
	s := &sessions{sealer: testSealer(t, 1), principals: iam}
	is, err := s.issue(roleSession(time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 3 {
		if _, err := s.LookupAccessKey(ctx, is.AccessKeyID, is.SessionToken); err != nil {
			t.Fatal(err)
		}
	}
	if iam.asked != 1 {
		t.Errorf("IAM asked %d times in one generation, want 1", iam.asked)
	}
	// The role is deleted: the write moves the generation.
	iam.exists, iam.gen = nil, 2
	for range 2 {
		_, err = s.LookupAccessKey(ctx, is.AccessKeyID, is.SessionToken)
		var f *sigv4.Failure
		if !errors.As(err, &f) || f.Kind != sigv4.KindInvalidSecurityToken {
			t.Fatalf("deleted role: got %v, want the InvalidSecurityToken failure", err)
		}
	}
	// A later write that brought back an entity with the same id (a
	// restore of an older state) makes the session valid again.
	iam.exists, iam.gen = map[string]bool{"AROAEXAMPLEEXAMPLE12": true}, 3
	if _, err := s.LookupAccessKey(ctx, is.AccessKeyID, is.SessionToken); err != nil {
		t.Fatalf("restored role: %v", err)
	}
}

// TestTokenSourceUserID: a federation token carries the unique id of the
// user that asked for it (field 21, added after the first tokens were
// issued); a token sealed without it, as earlier builds sealed them, still
// opens, with no id, and IAM then follows the user by path and name.
func TestTokenSourceUserID(t *testing.T) {
	s := &sessions{sealer: testSealer(t, 1)}
	rec := &recordsv1.STSSession{
		SessionKind: uint32(auth.SessionFederation), PrincipalKind: uint32(auth.PrincipalFederatedUser),
		Account: "111122223333", Issued: time.Now().Unix(), Expires: time.Now().Add(time.Hour).Unix(),
		PrincipalArn: "arn:aws:sts::111122223333:federated-user/fed", UserId: "111122223333:fed", Name: "fed",
		SourceArn: "arn:aws:iam::111122223333:user/w",
	}
	for _, id := range []string{"", "AIDAEXAMPLEEXAMPLE12"} {
		rec.SourceUserId = id
		is, err := s.issue(rec)
		if err != nil {
			t.Fatal(err)
		}
		c, err := s.LookupAccessKey(context.Background(), is.AccessKeyID, is.SessionToken)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Principal.Session.SourceUserID; got != id {
			t.Errorf("SourceUserID = %q, want %q", got, id)
		}
	}
}
