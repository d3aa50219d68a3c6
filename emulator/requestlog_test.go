package emulator_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"
	"google.golang.org/grpc/codes"

	"github.com/ibemu/ibemu/emulator"
	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) lines() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil {
			m["_raw"] = l
			out = append(out, m)
		}
	}
	return out
}

// signatures records the SigV4 signatures a client sent.
type signatures struct {
	mu   sync.Mutex
	sigs []string
	next http.RoundTripper
}

var sigRE = regexp.MustCompile(`Signature=([0-9a-f]{64})`)

func (s *signatures) RoundTrip(r *http.Request) (*http.Response, error) {
	if m := sigRE.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		s.mu.Lock()
		s.sigs = append(s.sigs, m[1])
		s.mu.Unlock()
	}
	return s.next.RoundTrip(r)
}

// One info line per request (HTTP and gRPC) with its id, principal,
// action, decision, status and latency; an authentication failure with its
// reason (and, at debug, what the server computed); no ERROR for an
// operation not built; and no secret, session token or signature in any
// line, at debug level.
func TestRequestLog(t *testing.T) {
	var logs syncBuffer
	const rootSecret = "rootSecretForTheLogTest0000000000000000"
	e := startSTS(t, func(c *emulator.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		c.RootSecret = rootSecret
	})
	ctx := testContext(t)
	sigs := &signatures{next: http.DefaultTransport}
	withSigs := func(cfg aws.Config) aws.Config {
		cfg.HTTPClient = &http.Client{Transport: sigs}
		cfg.RetryMaxAttempts = 1
		return cfg
	}
	root := withSigs(e.emu.AWSConfig(accountA))
	rootCreds, _ := root.Credentials.Retrieve(ctx)
	admin := withSigs(e.admin)
	adminCreds, _ := admin.Credentials.Retrieve(ctx)
	secrets := []string{rootSecret, adminCreds.SecretAccessKey}

	idOf := func(md middleware.Metadata) string { id, _ := awsmiddleware.GetRequestIDMetadata(md); return id }
	errID := func(err error) string {
		var re *awshttp.ResponseError
		if !errors.As(err, &re) {
			t.Fatalf("not a response error: %v", err)
		}
		return re.ServiceRequestID()
	}

	// Allowed.
	out, err := imagebuilder.NewFromConfig(root).ListComponents(ctx, &imagebuilder.ListComponentsInput{})
	if err != nil {
		t.Fatal(err)
	}
	allowed := idOf(out.ResultMetadata)
	// A session token, then a call with it.
	tok, err := sts.NewFromConfig(admin).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	secrets = append(secrets, aws.ToString(tok.Credentials.SecretAccessKey), aws.ToString(tok.Credentials.SessionToken))
	sessOut, err := imagebuilder.NewFromConfig(withSigs(session(e.emu, tok.Credentials))).ListComponents(ctx, &imagebuilder.ListComponentsInput{})
	if err != nil {
		t.Fatal(err)
	}
	withSession := idOf(sessOut.ResultMetadata)
	// Denied across accounts.
	_, err = imagebuilder.NewFromConfig(withSigs(e.emu.AWSConfig(accountB))).GetComponent(ctx, &imagebuilder.GetComponentInput{
		ComponentBuildVersionArn: aws.String(componentARN(accountA, "nothing", "1.0.0", 1)),
	})
	crossDenied := errID(err)
	// A wrong secret.
	bad := withSigs(e.emu.AWSConfigWithCredentials(rootCreds.AccessKeyID, "wrongSecretForTheLogTest00000000000000", ""))
	_, err = imagebuilder.NewFromConfig(bad).ListComponents(ctx, &imagebuilder.ListComponentsInput{})
	badSig := errID(err)
	// gRPC: an operation not built.
	_, conn := grpcClient(t, e.emu, accountA, rootSecret)
	_, err = iamv1.NewIAMClient(conn).CreateLoginProfile(ctx, &iamv1.CreateLoginProfileRequest{UserName: aws.String("alice"), Password: aws.String("Passw0rd!Passw0rd")})
	requireGRPCError(t, err, codes.Unimplemented, "UnsupportedOperation", "501")

	lines := logs.lines()
	requests := map[string][]map[string]any{}
	var grpcLines []map[string]any
	for _, l := range lines {
		if l["level"] == "ERROR" {
			t.Errorf("an ERROR line: %s", l["_raw"])
		}
		if l["msg"] != "request" {
			continue
		}
		if l["level"] != "INFO" {
			t.Errorf("a request line not at INFO: %s", l["_raw"])
		}
		id, _ := l["request_id"].(string)
		requests[id] = append(requests[id], l)
		if l["transport"] == "grpc" {
			grpcLines = append(grpcLines, l)
		}
		for _, k := range []string{"request_id", "principal", "action", "decision", "status", "latency"} {
			if _, ok := l[k]; !ok {
				t.Errorf("request line without %s: %s", k, l["_raw"])
			}
		}
	}
	for id, ls := range requests {
		if len(ls) != 1 {
			t.Errorf("request %s logged %d times", id, len(ls))
		}
	}
	check := func(id, action, decision string, status float64) map[string]any {
		t.Helper()
		ls := requests[id]
		if len(ls) != 1 {
			t.Fatalf("request %s: %d lines", id, len(ls))
		}
		l := ls[0]
		if l["action"] != action || l["decision"] != decision || l["status"] != status {
			t.Errorf("request %s: %s", id, l["_raw"])
		}
		return l
	}
	if l := check(allowed, "imagebuilder:ListComponents", "allow", 200); l["principal"] != "arn:aws:iam::"+accountA+":root" {
		t.Errorf("principal: %s", l["_raw"])
	}
	if l := check(withSession, "imagebuilder:ListComponents", "allow", 200); !strings.HasSuffix(l["principal"].(string), ":user/admin") {
		t.Errorf("session principal: %s", l["_raw"])
	}
	check(crossDenied, "imagebuilder:GetComponent", "deny", 403)
	if l := check(badSig, "imagebuilder", "none", 403); l["auth_failure"] != "SignatureMismatch" || l["reason"] == "" {
		t.Errorf("signature mismatch: %s", l["_raw"])
	}
	var computed bool
	for _, l := range lines {
		if l["request_id"] == badSig && l["level"] == "DEBUG" && l["canonical_request"] != nil && l["string_to_sign"] != nil {
			computed = true
		}
	}
	if !computed {
		t.Error("no debug line with the canonical request and string to sign of the mismatch")
	}
	if len(grpcLines) != 1 || grpcLines[0]["action"] != "iam:CreateLoginProfile" || grpcLines[0]["status"] != float64(501) || grpcLines[0]["code"] != "UnsupportedOperation" {
		t.Errorf("gRPC lines: %v", grpcLines)
	}

	sigs.mu.Lock()
	secrets = append(secrets, sigs.sigs...)
	sigs.mu.Unlock()
	if len(secrets) < 6 {
		t.Fatalf("only %d secrets and signatures captured", len(secrets))
	}
	for _, l := range lines {
		for _, s := range secrets {
			if s != "" && strings.Contains(l["_raw"].(string), s) {
				t.Errorf("a log line holds a secret, token or signature (%.6s…): %s", s, l["_raw"])
			}
		}
	}
}
