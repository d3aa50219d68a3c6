package emulator

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/ibemu/ibemu/internal/apimodel"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/iam/policy"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// variedCount is how many components the varied benchmarks rotate among,
// as loadgen's scenario v does: consecutive requests name different
// components, so no memo of the last value serves them.
const variedCount = 64

// variedComponents adds variedCount components (tagged like the fixture's)
// and returns their ARNs.
func variedComponents(b *testing.B, f *enforcementFixture) []string {
	b.Helper()
	ib := imagebuilder.NewFromConfig(f.emu.AWSConfig(benchAccount))
	arns := make([]string, variedCount)
	for k := range arns {
		out, err := ib.CreateComponent(context.Background(), &imagebuilder.CreateComponentInput{
			Name: aws.String(fmt.Sprintf("bench-varied-%02d", k)), SemanticVersion: aws.String("1.0.0"), Platform: types.PlatformLinux,
			Data: aws.String(benchDocumentText), Tags: map[string]string{"team": "blue"},
		})
		if err != nil {
			b.Fatal(err)
		}
		arns[k] = aws.ToString(out.ComponentBuildVersionArn)
	}
	return arns
}

// BenchmarkEnforceGetComponentVaried is BenchmarkEnforceGetComponentTenPolicies
// rotating among variedCount components: every request evaluates the user's
// ten policies (the decision kept for the caller is another component's).
func BenchmarkEnforceGetComponentVaried(b *testing.B) {
	f := newEnforcementFixture(b, false)
	arns := variedComponents(b, f)
	ins := make([]proto.Message, len(arns))
	for k, arn := range arns {
		ins[k] = &ibv1.GetComponentRequest{ComponentBuildVersionArn: proto.String(arn)}
	}
	c := &callctx.Call{RequestID: "bench", Service: "imagebuilder", Region: DefaultRegion, Account: benchAccount,
		Principal: f.user, Time: time.Now(), Transport: "http", SourceIP: netip.MustParseAddr("127.0.0.1")}
	ctx := callctx.With(context.Background(), c)
	svc := ibv1.Model()
	op, _ := svc.Operation("GetComponent")
	for _, in := range ins {
		if _, err := f.emu.enforcer.Authorize(ctx, svc, op, in); err != nil {
			b.Fatalf("Authorize = %v", err)
		}
	}
	ids := make([]string, 8192)
	for i := range ids {
		ids[i] = fmt.Sprintf("bench-%d", i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		c.RequestID = ids[i%len(ids)]
		_, _ = f.emu.enforcer.Authorize(ctx, svc, op, ins[i%len(ins)])
		i++
	}
	b.StopTimer()
	if err := f.emu.store.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkDecideGetComponentVaried is the engine's evaluation alone of the
// requests BenchmarkEnforceGetComponentVaried builds, one resource after
// another.
func BenchmarkDecideGetComponentVaried(b *testing.B) {
	f := newEnforcementFixture(b, false)
	arns := variedComponents(b, f)
	caller, err := f.emu.enforcer.Caller(context.Background(), &f.user)
	if err != nil {
		b.Fatal(err)
	}
	rctx := policy.NewContext()
	rctx.AddPrincipalKeys(&caller.Principal)
	rctx.SetString("aws:ResourceTag/team", "blue")
	rctx.SetString("aws:CurrentTime", time.Now().UTC().Format("2006-01-02T15:04:05Z"))
	reqs := make([]policy.Request, len(arns))
	for k, arn := range arns {
		reqs[k] = policy.Request{Principal: &caller.Principal, Action: "imagebuilder:GetComponent", Resource: arn, ResourceAccount: benchAccount, Context: rctx}
	}
	pols := policy.Policies{Identity: caller.Identity, Boundary: caller.Boundary, Session: caller.Session}
	for k := range reqs {
		if !policy.Evaluate(&reqs[k], &pols).Allowed() {
			b.Fatal("not allowed")
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		_ = policy.Evaluate(&reqs[i%len(reqs)], &pols)
		i++
	}
}

// BenchmarkValidateGetComponentVaried is input validation of GetComponent
// rotating among variedCount ARNs: the pattern of the ARN runs every time.
func BenchmarkValidateGetComponentVaried(b *testing.B) {
	op, _ := ibv1.Model().Operation("GetComponent")
	ins := make([]protoreflect.Message, variedCount)
	for k := range ins {
		ins[k] = (&ibv1.GetComponentRequest{ComponentBuildVersionArn: proto.String(fmt.Sprintf("arn:aws:imagebuilder:us-east-1:%s:component/bench-varied-%02d/1.0.0/1", benchAccount, k))}).ProtoReflect()
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if apimodel.Validate(op.Input, ins[i%len(ins)]) != nil {
			b.Fatal("violations")
		}
		i++
	}
}

// benchServeGetComponents hands the server's ServeHTTP GetComponent
// requests signed by the fixture's user, request i naming arns[i mod
// len(arns)], with the decision log on as in loadgen's scenarios: the
// emulator's own work per request, without the client and the network.
func benchServeGetComponents(b *testing.B, f *enforcementFixture, arns []string) {
	const emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	reqs := make([]*http.Request, len(arns))
	for k, arn := range arns {
		req, err := http.NewRequest("GET", f.emu.HTTPURL()+"/GetComponent?componentBuildVersionArn="+url.QueryEscape(arn), nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := v4.NewSigner().SignHTTP(context.Background(), f.key, req, emptyHash, "imagebuilder", DefaultRegion, time.Now()); err != nil {
			b.Fatal(err)
		}
		req.RemoteAddr = "127.0.0.1:50000"
		req.RequestURI = req.URL.RequestURI()
		req.Body = http.NoBody
		reqs[k] = req
	}
	w := &discardWriter{}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU(b)
	i := 0
	for b.Loop() {
		w.h, w.status = http.Header{}, 0
		f.emu.srv.ServeHTTP(w, reqs[i%len(reqs)])
		i++
		if w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
	}
	// The decisions still queued are part of the cost: write them.
	if err := f.emu.store.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	// The process's CPU time (the log writer and the collector included)
	// per request: unlike ns/op, it does not count time the neighbours of
	// a shared machine take.
	b.ReportMetric(float64(processCPU(b)-cpu0)/float64(b.N), "cpu-ns/op")
}

// processCPU is the process's user and system CPU time so far.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkServeGetComponentRepeated is scenario a's request in process: the
// same GetComponent again and again.
func BenchmarkServeGetComponentRepeated(b *testing.B) {
	f := newEnforcementFixture(b, false)
	benchServeGetComponents(b, f, []string{f.component})
}

// BenchmarkServeGetComponentVaried is scenario v's in process: GetComponent
// rotating among variedCount components.
func BenchmarkServeGetComponentVaried(b *testing.B) {
	f := newEnforcementFixture(b, false)
	benchServeGetComponents(b, f, variedComponents(b, f))
}
