package emulator_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// Every Image Builder operation of the model is tested through
// aws-sdk-go-v2's imagebuilder client: every client the tests make comes
// from newIB, which records each operation the server answered with
// success or with one of the model's errors (a typed error of the SDK's
// types package; a generic API error such as UnsupportedOperation does not
// count). TestMain checks, after a run of the whole package, that the
// recorded set covers the model's operations.

var covered sync.Map // operation name → true

// newIB is imagebuilder.NewFromConfig with the operation recorder.
func newIB(cfg aws.Config, optFns ...func(*imagebuilder.Options)) *imagebuilder.Client {
	return imagebuilder.NewFromConfig(cfg, append(optFns, func(o *imagebuilder.Options) {
		o.APIOptions = append(o.APIOptions, recordOperation)
	})...)
}

// recordOperation adds the recorder to an operation's middleware stack,
// after the service metadata (the operation's name) is set.
func recordOperation(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("ibemuRecordOperation",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleInitialize(ctx, in)
			if modeledOutcome(err) {
				covered.Store(awsmiddleware.GetOperationName(ctx), true)
			}
			return out, md, err
		}), middleware.After)
}

// modeledOutcome: no error, or an API error the SDK decoded into one of
// the model's error types.
func modeledOutcome(err error) bool {
	if err == nil {
		return true
	}
	var generic *smithy.GenericAPIError
	if errors.As(err, &generic) {
		return false
	}
	var api smithy.APIError
	return errors.As(err, &api)
}

// uncoveredOperations lists the model's operations no test called.
func uncoveredOperations() []string {
	var out []string
	for _, op := range ibv1.Model().Operations {
		if _, ok := covered.Load(op.Name); !ok {
			out = append(out, op.Name)
		}
	}
	sort.Strings(out)
	return out
}

// wholePackageRun reports whether no -run, -skip or -short narrowed the
// tests (benchmarks and fuzzing do not matter: they run after the tests).
func wholePackageRun() bool {
	for _, name := range []string{"test.run", "test.skip"} {
		if f := flag.Lookup(name); f != nil && f.Value.String() != "" {
			return false
		}
	}
	if f := flag.Lookup("test.short"); f != nil && f.Value.String() == "true" {
		return false
	}
	return true
}

func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 && wholePackageRun() {
		if missing := uncoveredOperations(); len(missing) > 0 {
			fmt.Fprintf(os.Stderr, "FAIL: %d Image Builder operations have no test through aws-sdk-go-v2's imagebuilder client: %s\n", len(missing), strings.Join(missing, ", "))
			code = 1
		}
	}
	os.Exit(code)
}

// TestCoverageRecorder: the recorder counts successes and modeled errors,
// not generic ones.
func TestCoverageRecorder(t *testing.T) {
	if !modeledOutcome(nil) || modeledOutcome(&smithy.GenericAPIError{Code: "UnsupportedOperation"}) || modeledOutcome(errors.New("dial tcp: refused")) {
		t.Fatal("modeledOutcome misjudges")
	}
	if len(ibv1.Model().Operations) < 77 {
		t.Fatalf("the model has %d operations", len(ibv1.Model().Operations))
	}
}
