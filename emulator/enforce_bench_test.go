package emulator

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
	"google.golang.org/protobuf/proto"

	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/iam/policy"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

const benchAccount = "111122223333"

// enforcementFixture is an emulator holding an IAM user with ten attached
// customer managed policies (several statements each, conditions on tags,
// source IP and time, the kind real accounts have), an access key, and a
// component the user may read — or, with deny, a later explicit deny of it.
type enforcementFixture struct {
	emu       *Emulator
	user      auth.Principal
	key       aws.Credentials
	component string
}

func newEnforcementFixture(b *testing.B, deny bool, logOff ...bool) *enforcementFixture {
	b.Helper()
	ctx := context.Background()
	emu, err := Start(ctx, Config{HTTPAddr: "127.0.0.1:0", GRPCAddr: "127.0.0.1:0", DataPath: filepath.Join(b.TempDir(), "bench.db"), NoSync: true,
		DecisionLogInMemory: len(logOff) > 0 && logOff[0]})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = emu.Close(context.Background()) })
	root := emu.AWSConfig(benchAccount)
	ib := imagebuilder.NewFromConfig(root)
	im := iam.NewFromConfig(root)

	out, err := ib.CreateComponent(ctx, &imagebuilder.CreateComponentInput{
		Name: aws.String("bench"), SemanticVersion: aws.String("1.0.0"), Platform: types.PlatformLinux,
		Data: aws.String(benchDocumentText), Tags: map[string]string{"team": "blue"},
	})
	if err != nil {
		b.Fatal(err)
	}
	u, err := im.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")})
	if err != nil {
		b.Fatal(err)
	}
	for i := range 10 {
		doc := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[
			{"Sid":"Read%[1]d","Effect":"Allow","Action":["imagebuilder:Get*","imagebuilder:List*"],"Resource":"arn:aws:imagebuilder:*:%[2]s:component/*","Condition":{"StringEquals":{"aws:ResourceTag/team":"blue"}}},
			{"Sid":"Create%[1]d","Effect":"Allow","Action":"imagebuilder:CreateComponent","Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/team":"blue"}}},
			{"Sid":"Net%[1]d","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket-%[1]d/*","Condition":{"IpAddress":{"aws:SourceIp":"10.%[1]d.0.0/16"}}},
			{"Sid":"Iam%[1]d","Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"arn:aws:iam::%[2]s:user/${aws:username}"},
			{"Sid":"Kms%[1]d","Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"2099-01-01T00:00:00Z"}}},
			{"Sid":"List%[1]d","Effect":"Allow","Action":"imagebuilder:ListComponents","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`, i, benchAccount)
		p, err := im.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(fmt.Sprintf("p%d", i)), PolicyDocument: aws.String(doc)})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := im.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("alice"), PolicyArn: p.Policy.Arn}); err != nil {
			b.Fatal(err)
		}
	}
	if deny {
		_, err := im.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("no-get"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"imagebuilder:GetComponent","Resource":"*"}]}`)})
		if err != nil {
			b.Fatal(err)
		}
	}
	k, err := im.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		b.Fatal(err)
	}
	return &enforcementFixture{
		emu: emu,
		user: auth.Principal{Kind: auth.PrincipalIAMUser, AccountID: benchAccount, ARN: aws.ToString(u.User.Arn),
			UserID: aws.ToString(u.User.UserId), Name: "alice", AccessKeyID: aws.ToString(k.AccessKey.AccessKeyId)},
		key:       aws.Credentials{AccessKeyID: aws.ToString(k.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(k.AccessKey.SecretAccessKey)},
		component: aws.ToString(out.ComponentBuildVersionArn),
	}
}

const benchDocumentText = "name: bench\nschemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: Hello\n        action: ExecuteBash\n        inputs:\n          commands:\n            - echo hello\n"

// benchEnforce measures the enforcement step alone for GetComponent by the
// fixture's user: caller lookup (cached), request context, resolving the
// component in bbolt (tags, policy — the read the handler then serves from),
// the decision and recording it.
func benchEnforce(b *testing.B, deny bool) {
	f := newEnforcementFixture(b, deny)
	benchAuthorize(b, f, "GetComponent", &ibv1.GetComponentRequest{ComponentBuildVersionArn: proto.String(f.component)}, !deny)
}

// BenchmarkEnforceListComponentsTenPolicies is the enforcement step of an
// operation without a resource to load (ListComponents, on "*"): what
// enforcement itself costs a request.
func BenchmarkEnforceListComponentsTenPolicies(b *testing.B) {
	f := newEnforcementFixture(b, false)
	benchAuthorize(b, f, "ListComponents", &ibv1.ListComponentsRequest{}, true)
}

func benchAuthorize(b *testing.B, f *enforcementFixture, opName string, in proto.Message, allow bool) {
	c := &callctx.Call{RequestID: "bench", Service: "imagebuilder", Region: DefaultRegion, Account: benchAccount,
		Principal: f.user, Time: time.Now(), Transport: "http", SourceIP: netip.MustParseAddr("127.0.0.1")}
	ctx := callctx.With(context.Background(), c)
	svc := ibv1.Model()
	op, _ := svc.Operation(opName)
	if _, err := f.emu.enforcer.Authorize(ctx, svc, op, in); (err == nil) != allow {
		b.Fatalf("%s: Authorize = %v, want allowed %v", opName, err, allow)
	}
	// Every request has its own id, as in real traffic (the decision log
	// indexes decisions by it).
	ids := make([]string, 8192)
	for i := range ids {
		ids[i] = fmt.Sprintf("bench-%d", i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		c.RequestID = ids[i%len(ids)]
		i++
		_, _ = f.emu.enforcer.Authorize(ctx, svc, op, in)
	}
}

func BenchmarkEnforceGetComponentTenPolicies(b *testing.B)       { benchEnforce(b, false) }
func BenchmarkEnforceGetComponentTenPoliciesDenied(b *testing.B) { benchEnforce(b, true) }

// BenchmarkDecideGetComponentTenPolicies is the decision alone: the
// engine's evaluation of the request the enforcement step builds.
func BenchmarkDecideGetComponentTenPolicies(b *testing.B) {
	f := newEnforcementFixture(b, false)
	ctx := context.Background()
	caller, err := f.emu.enforcer.Caller(ctx, &f.user)
	if err != nil {
		b.Fatal(err)
	}
	rctx := policy.NewContext()
	rctx.AddPrincipalKeys(&caller.Principal)
	rctx.SetString("aws:ResourceTag/team", "blue")
	rctx.SetString("aws:CurrentTime", time.Now().UTC().Format("2006-01-02T15:04:05Z"))
	req := policy.Request{Principal: &caller.Principal, Action: "imagebuilder:GetComponent", Resource: f.component, ResourceAccount: benchAccount, Context: rctx}
	pols := policy.Policies{Identity: caller.Identity, Boundary: caller.Boundary, Session: caller.Session}
	if !policy.Evaluate(&req, &pols).Allowed() {
		b.Fatal("not allowed")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_ = policy.Evaluate(&req, &pols)
	}
}

// benchGetComponentAsUser is GetComponent end to end over loopback HTTP,
// signed once with the user's key and sent again and again.
func benchGetComponentAsUser(b *testing.B, deny bool, logOff ...bool) {
	f := newEnforcementFixture(b, deny, logOff...)
	req, err := http.NewRequest("GET", f.emu.HTTPURL()+"/GetComponent?componentBuildVersionArn="+url.QueryEscape(f.component), nil)
	if err != nil {
		b.Fatal(err)
	}
	const emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	if err := v4.NewSigner().SignHTTP(context.Background(), f.key, req, emptyHash, "imagebuilder", DefaultRegion, time.Now()); err != nil {
		b.Fatal(err)
	}
	want := http.StatusOK
	if deny {
		want = http.StatusForbidden
	}
	client := &http.Client{}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			b.Fatalf("status %d, want %d", resp.StatusCode, want)
		}
	}
	b.StopTimer()
	// The decisions still queued are part of the cost: write them.
	if err := f.emu.store.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(f.emu.store.Dropped()), "dropped")
}

func BenchmarkGetComponentIAMUserRawHTTP(b *testing.B) { benchGetComponentAsUser(b, false) }

// BenchmarkGetComponentIAMUserRawHTTPLogOff is the same request with the
// decision log in memory only: the difference is the log's cost.
func BenchmarkGetComponentIAMUserRawHTTPLogOff(b *testing.B) { benchGetComponentAsUser(b, false, true) }

// BenchmarkGetComponentIAMUserRawHTTPParallel and its LogOff twin send
// from several goroutines, so the writer competes with requests for CPU.
func BenchmarkGetComponentIAMUserRawHTTPParallel(b *testing.B)       { benchParallel(b, false) }
func BenchmarkGetComponentIAMUserRawHTTPParallelLogOff(b *testing.B) { benchParallel(b, true) }

func benchParallel(b *testing.B, logOff bool) {
	f := newEnforcementFixture(b, false, logOff)
	const emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	url := f.emu.HTTPURL() + "/GetComponent?componentBuildVersionArn=" + url.QueryEscape(f.component)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		req, _ := http.NewRequest("GET", url, nil)
		_ = v4.NewSigner().SignHTTP(context.Background(), f.key, req, emptyHash, "imagebuilder", DefaultRegion, time.Now())
		client := &http.Client{}
		for pb.Next() {
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
	b.StopTimer()
	if err := f.emu.store.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(f.emu.store.Dropped()), "dropped")
}
func BenchmarkGetComponentIAMUserDeniedRawHTTP(b *testing.B) { benchGetComponentAsUser(b, true) }

// BenchmarkEnforceGetComponentTenPoliciesLogOff is the enforcement step with
// the decision log kept in memory only: the request path without the log
// writer's transactions (and their garbage) running beside it.
func BenchmarkEnforceGetComponentTenPoliciesLogOff(b *testing.B) {
	f := newEnforcementFixture(b, false, true)
	benchAuthorize(b, f, "GetComponent", &ibv1.GetComponentRequest{ComponentBuildVersionArn: proto.String(f.component)}, true)
}
