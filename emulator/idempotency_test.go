package emulator_test

import (
	"context"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
)

// TestCreateComponentIdempotency: a retry with the same client token and
// request gets the same answer and creates nothing; the same token with a
// different request is refused.
func TestCreateComponentIdempotency(t *testing.T) {
	t.Parallel()
	_, c := startClient(t)
	ctx := testContext(t)

	in := createInput("idem", "1.0.0")
	in.ClientToken = aws.String("token-1")
	first, err := c.CreateComponent(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.CreateComponent(ctx, in)
	if err != nil {
		t.Fatalf("retry with the same token: %v", err)
	}
	if aws.ToString(again.ComponentBuildVersionArn) != aws.ToString(first.ComponentBuildVersionArn) {
		t.Errorf("retry created %s, first was %s", aws.ToString(again.ComponentBuildVersionArn), aws.ToString(first.ComponentBuildVersionArn))
	}
	if aws.ToString(again.ClientToken) != "token-1" {
		t.Errorf("retry clientToken = %q", aws.ToString(again.ClientToken))
	}
	if aws.ToString(again.RequestId) == aws.ToString(first.RequestId) {
		t.Error("the retry repeats the first request id; each request has its own")
	}
	v := versionARN(accountA, "idem", "1.0.0")
	requireSameStrings(t, "builds after a retry", buildARNs(t, c, v), []string{componentARN(accountA, "idem", "1.0.0", 1)})

	// Same token, different request.
	changed := createInput("idem", "1.0.0")
	changed.ClientToken = aws.String("token-1")
	changed.Description = aws.String("something else")
	_, err = c.CreateComponent(ctx, changed)
	requireAPIError(t, err, "IdempotentParameterMismatchException", 400)
	requireTyped[*types.IdempotentParameterMismatchException](t, err)
	other := createInput("idem-other", "1.0.0")
	other.ClientToken = aws.String("token-1")
	_, err = c.CreateComponent(ctx, other)
	requireAPIError(t, err, "IdempotentParameterMismatchException", 400)
	requireSameStrings(t, "versions after mismatches", listARNs(t, c, nil), []string{v})

	// A new token is a new request: build 2.
	in.ClientToken = aws.String("token-2")
	if arn := mustCreate(t, c, in); arn != componentARN(accountA, "idem", "1.0.0", 2) {
		t.Errorf("new token created %s, want build 2", arn)
	}

	// Tokens are per operation: ImportComponent may reuse CreateComponent's.
	imp := importInput("imported", "1.0.0", types.PlatformLinux, types.ComponentTypeBuild, "echo hi")
	imp.ClientToken = aws.String("token-1")
	if _, err := c.ImportComponent(ctx, imp); err != nil {
		t.Errorf("ImportComponent with a token CreateComponent used: %v", err)
	}
	impAgain, err := c.ImportComponent(ctx, imp)
	if err != nil || aws.ToString(impAgain.ComponentBuildVersionArn) != componentARN(accountA, "imported", "1.0.0", 1) {
		t.Errorf("ImportComponent retry: %v %v", err, impAgain)
	}
	imp.Description = aws.String("changed")
	_, err = c.ImportComponent(ctx, imp)
	requireAPIError(t, err, "IdempotentParameterMismatchException", 400)
	requireTyped[*types.IdempotentParameterMismatchException](t, err)
}

// TestClientTokensArePerAccount: another account's use of a token does not
// make the same token a retry.
func TestClientTokensArePerAccount(t *testing.T) {
	t.Parallel()
	emu, a := startClient(t)
	b := client(t, emu, accountB)
	in := createInput("shared-token", "1.0.0")
	in.ClientToken = aws.String("same-token")
	arnA := mustCreate(t, a, in)
	arnB := mustCreate(t, b, in)
	if arnA != componentARN(accountA, "shared-token", "1.0.0", 1) || arnB != componentARN(accountB, "shared-token", "1.0.0", 1) {
		t.Errorf("accounts A and B created %s and %s", arnA, arnB)
	}
}

// TestSDKFillsClientToken: without a token the SDK sends a fresh random one,
// so two identical calls create two builds.
func TestSDKFillsClientToken(t *testing.T) {
	t.Parallel()
	_, c := startClient(t)
	ctx := testContext(t)
	var tokens []string
	for range 2 {
		out, err := c.CreateComponent(ctx, createInput("auto-token", "1.0.0"))
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, aws.ToString(out.ClientToken))
	}
	if tokens[0] == "" || tokens[0] == tokens[1] {
		t.Errorf("echoed tokens %q: want two distinct SDK-generated tokens", tokens)
	}
	requireSameStrings(t, "builds", buildARNs(t, c, versionARN(accountA, "auto-token", "1.0.0")), []string{
		componentARN(accountA, "auto-token", "1.0.0", 1),
		componentARN(accountA, "auto-token", "1.0.0", 2),
	})
}

// TestConcurrentCreatesNumberBuildsUniquely: concurrent creates of one
// version each get a distinct build; concurrent retries of one token get one.
func TestConcurrentCreatesNumberBuildsUniquely(t *testing.T) {
	t.Parallel()
	_, c := startClient(t)
	const n = 16
	arns := make([]string, n)
	retryARNs := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			out, err := c.CreateComponent(context.Background(), createInput("busy", "1.0.0"))
			if err != nil {
				t.Errorf("create %d: %v", i, err)
				return
			}
			arns[i] = aws.ToString(out.ComponentBuildVersionArn)
		})
		wg.Go(func() {
			in := createInput("retried", "1.0.0")
			in.ClientToken = aws.String("one-token")
			out, err := c.CreateComponent(context.Background(), in)
			if err != nil {
				t.Errorf("retry %d: %v", i, err)
				return
			}
			retryARNs[i] = aws.ToString(out.ComponentBuildVersionArn)
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, arn := range arns {
		if seen[arn] {
			t.Errorf("build %s handed out twice", arn)
		}
		seen[arn] = true
	}
	if got := len(buildARNs(t, c, versionARN(accountA, "busy", "1.0.0"))); got != n {
		t.Errorf("%d builds stored, want %d", got, n)
	}
	for _, arn := range retryARNs {
		if arn != componentARN(accountA, "retried", "1.0.0", 1) {
			t.Errorf("a retry of one token answered %s", arn)
		}
	}
	requireSameStrings(t, "builds of the retried request", buildARNs(t, c, versionARN(accountA, "retried", "1.0.0")),
		[]string{componentARN(accountA, "retried", "1.0.0", 1)})
}
