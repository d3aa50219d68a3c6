package auth

import (
	"bufio"
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/ibemu/ibemu/internal/auth/sigv4"
)

// Authenticating a steady client's GET costs one allocation (the Identity
// with what it carries): no lookup adapter, verifier result, signed-header
// list, credential or signing key per request.
func TestAuthenticateHTTPAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	at := time.Date(2024, 5, 17, 10, 20, 30, 0, time.UTC)
	r, err := http.NewRequest(http.MethodGet, "http://127.0.0.1:4566/GetComponent?componentBuildVersionArn=arn%3Aaws%3Aimagebuilder%3Aus-east-1%3A111122223333%3Acomponent%2Fc%2F1.0.0%2F1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "111122223333", SecretAccessKey: "test"}, r, sigv4.EmptyPayloadHash, "imagebuilder", "us-east-1", at); err != nil {
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
	a := New(WithClock(func() time.Time { return at }))
	if _, f := a.AuthenticateHTTP(sr, nil); f != nil {
		t.Fatal(f)
	}
	n := testing.AllocsPerRun(200, func() {
		if _, f := a.AuthenticateHTTP(sr, nil); f != nil {
			t.Fatal(f)
		}
	})
	if n > 1 {
		t.Errorf("AuthenticateHTTP allocates %v times, want 1", n)
	}
}

// Loadgen scenario a's request (an SDK GetComponent by an IAM user, the
// credential kept by its source) costs one allocation too: the Identity and
// the lookup state together, 256 bytes (416 with the verifier's result
// before it stayed on the stack).
func TestAuthenticateGetComponentAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	at := time.Date(2024, 5, 17, 10, 20, 30, 0, time.UTC)
	r, a := getComponentRequest(t, at)
	id, f := a.AuthenticateHTTP(r, nil)
	if f != nil {
		t.Fatal(f)
	}
	if id.Principal.Kind != PrincipalIAMUser || id.Principal.AccessKeyID != "AKIAEXAMPLEUSER00001" || id.Service != "imagebuilder" || id.Region != "us-east-1" {
		t.Fatalf("identity %+v", id)
	}
	n := testing.AllocsPerRun(200, func() {
		if _, f := a.AuthenticateHTTP(r, nil); f != nil {
			t.Fatal(f)
		}
	})
	if n > 1 {
		t.Errorf("AuthenticateHTTP allocates %v times, want 1", n)
	}
}
