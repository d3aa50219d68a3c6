package emulator_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/emulator/emulatortest"
)

const benchDocument = "name: bench\nschemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: Hello\n        action: ExecuteBash\n        inputs:\n          commands:\n            - echo hello\n"

// BenchmarkGetComponentHTTP measures GetComponent served end to end over
// loopback HTTP: the SDK signs, the server verifies, decodes, validates,
// reads bbolt and encodes.
func BenchmarkGetComponentHTTP(b *testing.B) {
	emu := emulatortest.Start(b)
	ctx := context.Background()
	ib := newIB(emu.AWSConfig("111122223333"))
	out, err := ib.CreateComponent(ctx, &imagebuilder.CreateComponentInput{
		Name: aws.String("bench"), SemanticVersion: aws.String("1.0.0"), Platform: types.PlatformLinux, Data: aws.String(benchDocument),
	})
	if err != nil {
		b.Fatal(err)
	}
	in := &imagebuilder.GetComponentInput{ComponentBuildVersionArn: out.ComponentBuildVersionArn}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := ib.GetComponent(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetComponentRawHTTP is GetComponent over loopback HTTP without
// the SDK's client-side cost: one request signed once (a signature stays
// valid for 15 minutes) and sent again and again with net/http.
func BenchmarkGetComponentRawHTTP(b *testing.B) {
	emu := emulatortest.Start(b)
	ctx := context.Background()
	ib := newIB(emu.AWSConfig("111122223333"))
	out, err := ib.CreateComponent(ctx, &imagebuilder.CreateComponentInput{
		Name: aws.String("bench"), SemanticVersion: aws.String("1.0.0"), Platform: types.PlatformLinux, Data: aws.String(benchDocument),
	})
	if err != nil {
		b.Fatal(err)
	}
	req, err := http.NewRequest("GET", emu.HTTPURL()+"/GetComponent?componentBuildVersionArn="+url.QueryEscape(aws.ToString(out.ComponentBuildVersionArn)), nil)
	if err != nil {
		b.Fatal(err)
	}
	const emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	creds := aws.Credentials{AccessKeyID: "111122223333", SecretAccessKey: "test"}
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, emptyHash, "imagebuilder", "us-east-1", time.Now()); err != nil {
		b.Fatal(err)
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
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}

// BenchmarkCreateComponentDurable16 measures CreateComponent with durable
// (fsynced) writes from 16 concurrent clients, and reports ops/s.
func BenchmarkCreateComponentDurable16(b *testing.B) {
	emu := emulatortest.Start(b)
	ctx := context.Background()
	cfg := emu.AWSConfig("111122223333")
	cfg.HTTPClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
	ib := newIB(cfg)
	const clients = 16
	var next atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n := next.Add(1)
				if n > int64(b.N) {
					return
				}
				_, err := ib.CreateComponent(ctx, &imagebuilder.CreateComponentInput{
					Name: aws.String(fmt.Sprintf("c-%d", n)), SemanticVersion: aws.String("1.0.0"),
					Platform: types.PlatformLinux, Data: aws.String(benchDocument),
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "ops/s")
}

// BenchmarkStartToHealthy measures start-up to a healthy answer with an
// empty database.
func BenchmarkStartToHealthy(b *testing.B) {
	dir := b.TempDir()
	ctx := context.Background()
	i := 0
	for b.Loop() {
		i++
		emu, err := emulator.Start(ctx, emulator.Config{
			HTTPAddr: "127.0.0.1:0", GRPCAddr: "127.0.0.1:0",
			DataPath: filepath.Join(dir, fmt.Sprintf("e%d.db", i)),
		})
		if err != nil {
			b.Fatal(err)
		}
		resp, err := http.Get(emu.HTTPURL() + "/_emulator/health")
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("health: %v %v", resp, err)
		}
		resp.Body.Close()
		b.StopTimer()
		if err := emu.Close(ctx); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

// benchRole starts an emulator with a role accountA's IAM user "assumer"
// may assume (root users cannot assume roles), and returns a configuration
// signing as that user and the AssumeRole input.
func benchRole(b *testing.B) (*emulator.Emulator, aws.Config, *sts.AssumeRoleInput) {
	ctx := context.Background()
	emu := emulatortest.Start(b)
	root := iam.NewFromConfig(emu.AWSConfig("111122223333"))
	if _, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("bench"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		b.Fatal(err)
	}
	if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("assumer")}); err != nil {
		b.Fatal(err)
	}
	if _, err := root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("assumer"), PolicyName: aws.String("assume"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)}); err != nil {
		b.Fatal(err)
	}
	k, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("assumer")})
	if err != nil {
		b.Fatal(err)
	}
	cfg := emu.AWSConfigWithCredentials(aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey), "")
	return emu, cfg, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111122223333:role/bench"), RoleSessionName: aws.String("bench")}
}

// BenchmarkAssumeRole measures AssumeRole end to end over loopback HTTP:
// the SDK signs as an IAM user, the enforcement layer evaluates the trust
// policy, the handler loads the role and seals a session token.
func BenchmarkAssumeRole(b *testing.B) {
	_, cfg, in := benchRole(b)
	client := sts.NewFromConfig(cfg)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := client.AssumeRole(context.Background(), in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetCallerIdentityTemporaryCredentials measures a request signed
// with a role session's credentials end to end over loopback HTTP.
func BenchmarkGetCallerIdentityTemporaryCredentials(b *testing.B) {
	emu, cfg, in := benchRole(b)
	out, err := sts.NewFromConfig(cfg).AssumeRole(context.Background(), in)
	if err != nil {
		b.Fatal(err)
	}
	c := out.Credentials
	client := sts.NewFromConfig(emu.AWSConfigWithCredentials(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := client.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
			b.Fatal(err)
		}
	}
}
