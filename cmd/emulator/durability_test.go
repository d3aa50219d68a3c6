package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	ibtypes "github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	bolt "go.etcd.io/bbolt"

	"github.com/ibemu/ibemu/emulator"
)

// TestDurabilityUnderSIGKILL runs the emulator command in a child process,
// has several clients create IAM users, roles and policies, Image Builder
// components, S3 buckets and objects and KMS keys in several accounts at
// once, and kills the process with SIGKILL after a random number of
// acknowledged writes. Each time it checks that the data file passes
// bbolt's consistency check, restarts the emulator on it and checks that
// every write a client got a 2xx for is there. An image build started
// along the way must resume after the kills and end AVAILABLE.
//
// IBEMU_DURABILITY_KILLS sets the number of kills (default 20; the long
// run uses 500), IBEMU_DURABILITY_SEED the random seed (logged).
func TestDurabilityUnderSIGKILL(t *testing.T) {
	kills := 20
	if v := os.Getenv("IBEMU_DURABILITY_KILLS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("IBEMU_DURABILITY_KILLS=%q: a positive number", v)
		}
		kills = n
	}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("IBEMU_DURABILITY_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("IBEMU_DURABILITY_SEED=%q", v)
		}
		seed = n
	}
	t.Logf("%d kills, IBEMU_DURABILITY_SEED=%d", kills, seed)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	data := filepath.Join(t.TempDir(), "e.db")

	var (
		all      []ack // every acknowledged write so far
		verified int   // all[:verified] were found after an earlier restart
		image    string
	)
	for round := 0; round <= kills; round++ {
		child := startChild(t, data)
		c := newDurabilityClients(child.url)
		// Everything acknowledged before the last kill is there.
		c.verify(t, all[verified:])
		verified = len(all)
		if image != "" {
			c.checkImageState(t, image, false)
		}
		if round == kills {
			// The last start only checks; the build must end well.
			if image != "" {
				c.checkImageState(t, image, true)
			}
			child.stop(t)
			break
		}
		if round == 0 {
			image = c.startBuild(t)
		}
		// A burst: writes until a random number of them is acknowledged,
		// then SIGKILL while the others are in flight.
		target := int64(1 + rng.IntN(40))
		acks := c.burst(round, target, func() { child.kill(t) })
		all = append(all, acks...)
		if err := checkBolt(data); err != nil {
			t.Fatalf("round %d: the data file after SIGKILL: %v", round, err)
		}
	}
	counts := map[string]int{}
	for _, a := range all {
		counts[a.kind]++
	}
	t.Logf("%d acknowledged writes survived %d kills: %v", len(all), kills, counts)
	if len(all) < kills {
		t.Fatalf("only %d acknowledged writes", len(all))
	}
}

// child is one run of the emulator command.
type child struct {
	cmd    *exec.Cmd
	url    string
	exited chan error
	stderr *syncWriter
}

// startChild runs "emulator serve" on free loopback ports over data and
// returns once it is healthy.
func startChild(t *testing.T, data string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$", "--", "serve", "--http", "127.0.0.1:0", "--grpc", "127.0.0.1:0",
		"--data", data, "--log-level", "warn", "--build-time", "1s")
	cmd.Env = append(os.Environ(), "IBEMU_TEST_MAIN=1")
	c := &child{cmd: cmd, exited: make(chan error, 1), stderr: &syncWriter{}}
	cmd.Stderr = c.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "AWS endpoint: "); ok {
				urls <- u
			}
		}
		c.exited <- cmd.Wait()
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	select {
	case c.url = <-urls:
	case err := <-c.exited:
		t.Fatalf("the emulator exited before serving: %v\n%s", err, c.stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("the emulator never said where it serves:\n%s", c.stderr.String())
	}
	waitHealthy(t, c.url)
	return c
}

// kill sends SIGKILL and waits for the process to be gone.
func (c *child) kill(t *testing.T) {
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Errorf("SIGKILL: %v", err)
	}
	<-c.exited
}

// stop ends the last run with SIGTERM: it must exit 0.
func (c *child) stop(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := <-c.exited; err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, c.stderr.String())
	}
}

// checkBolt opens the data file read-only and runs bbolt's consistency
// check over it.
func checkBolt(path string) error {
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		return err
	}
	defer db.Close()
	return db.View(func(tx *bolt.Tx) error {
		var errs []error
		for err := range tx.Check() {
			errs = append(errs, err)
		}
		return errors.Join(errs...)
	})
}

// ack is a write a client got a 2xx for.
type ack struct {
	kind    string // user, role, policy, component, bucket, object, key
	account string
	id      string // name, key id or bucket/key
}

var durabilityAccounts = []string{"111111111111", "222222222222", "333333333333"}

// durabilityClients are SDK clients for each account, without retries: a
// request the kill cut off is an error, never a retried success.
type durabilityClients struct {
	iam map[string]*iam.Client
	ib  map[string]*imagebuilder.Client
	s3  map[string]*s3.Client
	kms map[string]*kms.Client
}

func newDurabilityClients(url string) *durabilityClients {
	c := &durabilityClients{iam: map[string]*iam.Client{}, ib: map[string]*imagebuilder.Client{}, s3: map[string]*s3.Client{}, kms: map[string]*kms.Client{}}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.Proxy = nil
	for _, a := range durabilityAccounts {
		cfg := aws.Config{
			Region:           "us-east-1",
			Credentials:      credentials.NewStaticCredentialsProvider(a, "test", ""),
			BaseEndpoint:     aws.String(url),
			HTTPClient:       &http.Client{Transport: emulator.ReaderOnlyBodies{Next: transport}},
			RetryMaxAttempts: 1,
		}
		c.iam[a] = iam.NewFromConfig(cfg)
		c.ib[a] = imagebuilder.NewFromConfig(cfg)
		c.s3[a] = s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
		c.kms[a] = kms.NewFromConfig(cfg)
	}
	return c
}

const durabilityComponent = "name: d\nschemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: S\n        action: ExecuteBash\n        inputs:\n          commands: [\"true\"]\n"

const durabilityTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// burst runs four writers, one per service family, each cycling over the
// accounts, until target writes were acknowledged; then it calls kill and
// returns what was acknowledged.
func (c *durabilityClients) burst(round int, target int64, kill func()) []ack {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		mu     sync.Mutex
		acks   []ack
		count  atomic.Int64
		killed = make(chan struct{})
		once   sync.Once
	)
	record := func(a ack) {
		mu.Lock()
		acks = append(acks, a)
		mu.Unlock()
		if count.Add(1) == target {
			once.Do(func() { kill(); close(killed) })
		}
	}
	writers := []func(i int, account, name string) (ack, error){
		func(i int, account, name string) (ack, error) {
			switch i % 3 {
			case 0:
				_, err := c.iam[account].CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)})
				return ack{"user", account, name}, err
			case 1:
				_, err := c.iam[account].CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(durabilityTrust)})
				return ack{"role", account, name}, err
			}
			_, err := c.iam[account].CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(name),
				PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)})
			return ack{"policy", account, name}, err
		},
		func(i int, account, name string) (ack, error) {
			_, err := c.ib[account].CreateComponent(ctx, &imagebuilder.CreateComponentInput{Name: aws.String(name), SemanticVersion: aws.String("1.0.0"),
				Platform: ibtypes.PlatformLinux, Data: aws.String(durabilityComponent), ClientToken: aws.String(name)})
			return ack{"component", account, name}, err
		},
		func(i int, account, name string) (ack, error) {
			if i%4 == 0 {
				_, err := c.s3[account].CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
				return ack{"bucket", account, name}, err
			}
			// Objects go to the bucket every account creates first.
			bucket := fmt.Sprintf("d-base-%s", account)
			_, err := c.s3[account].PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(name), Body: strings.NewReader(name)})
			return ack{"object", account, bucket + "/" + name}, err
		},
		func(i int, account, name string) (ack, error) {
			out, err := c.kms[account].CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String(name)})
			if err != nil {
				return ack{}, err
			}
			return ack{"key", account, aws.ToString(out.KeyMetadata.KeyId)}, nil
		},
	}
	// The base buckets, before the burst (idempotent for their owner).
	for _, a := range durabilityAccounts {
		_, _ = c.s3[a].CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("d-base-" + a)})
	}
	var wg sync.WaitGroup
	for w, write := range writers {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-killed:
					return
				default:
				}
				account := durabilityAccounts[(i+w)%len(durabilityAccounts)]
				name := fmt.Sprintf("d-r%d-w%d-%d", round, w, i)
				a, err := write(i, account, name)
				if err != nil {
					select {
					case <-killed:
						return
					default:
					}
					continue
				}
				record(a)
			}
		})
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	return acks
}

// verify checks that every acknowledged write is there.
func (c *durabilityClients) verify(t *testing.T, acks []ack) {
	t.Helper()
	ctx := context.Background()
	for _, a := range acks {
		var err error
		switch a.kind {
		case "user":
			_, err = c.iam[a.account].GetUser(ctx, &iam.GetUserInput{UserName: aws.String(a.id)})
		case "role":
			_, err = c.iam[a.account].GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(a.id)})
		case "policy":
			_, err = c.iam[a.account].GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(fmt.Sprintf("arn:aws:iam::%s:policy/%s", a.account, a.id))})
		case "component":
			_, err = c.ib[a.account].GetComponent(ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(fmt.Sprintf("arn:aws:imagebuilder:us-east-1:%s:component/%s/1.0.0/1", a.account, a.id))})
		case "bucket":
			_, err = c.s3[a.account].HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(a.id)})
		case "object":
			bucket, key, _ := strings.Cut(a.id, "/")
			_, err = c.s3[a.account].HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		case "key":
			_, err = c.kms[a.account].DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(a.id)})
		}
		if err != nil {
			t.Errorf("acknowledged %s %s in %s lost: %v", a.kind, a.id, a.account, err)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

// startBuild creates what an image build needs in the first account and
// starts one; it returns the image's ARN.
func (c *durabilityClients) startBuild(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	a := durabilityAccounts[0]
	iamc, ib := c.iam[a], c.ib[a]
	const name = "d-build"
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := iamc.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(durabilityTrust)})
	must(err)
	_, err = iamc.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String(name)})
	must(err)
	_, err = iamc.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String(name), RoleName: aws.String(name)})
	must(err)
	for _, p := range []string{"AmazonSSMManagedInstanceCore", "EC2InstanceProfileForImageBuilder"} {
		_, err = iamc.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(name), PolicyArn: aws.String("arn:aws:iam::aws:policy/" + p)})
		must(err)
	}
	infra, err := ib.CreateInfrastructureConfiguration(ctx, &imagebuilder.CreateInfrastructureConfigurationInput{Name: aws.String(name), InstanceProfileName: aws.String(name), ClientToken: aws.String("infra")})
	must(err)
	recipe, err := ib.CreateImageRecipe(ctx, &imagebuilder.CreateImageRecipeInput{
		Name: aws.String(name), SemanticVersion: aws.String("1.0.0"), ClientToken: aws.String("recipe"),
		ParentImage: aws.String("arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-2023-x86/x.x.x"),
		Components:  []ibtypes.ComponentConfiguration{{ComponentArn: aws.String("arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x")}},
	})
	must(err)
	out, err := ib.CreateImage(ctx, &imagebuilder.CreateImageInput{ImageRecipeArn: recipe.ImageRecipeArn,
		InfrastructureConfigurationArn: infra.InfrastructureConfigurationArn, ClientToken: aws.String("image")})
	must(err)
	return aws.ToString(out.ImageBuildVersionArn)
}

// checkImageState checks that the build is in one of AWS's states; with
// final it waits (bounded) for the build to end and requires AVAILABLE.
func (c *durabilityClients) checkImageState(t *testing.T, arn string, final bool) {
	t.Helper()
	known := map[ibtypes.ImageStatus]bool{}
	for _, s := range ibtypes.ImageStatus("").Values() {
		known[s] = true
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		out, err := c.ib[durabilityAccounts[0]].GetImage(context.Background(), &imagebuilder.GetImageInput{ImageBuildVersionArn: aws.String(arn)})
		if err != nil {
			t.Fatalf("GetImage after a restart: %v", err)
		}
		status := out.Image.State.Status
		if !known[status] {
			t.Fatalf("image in state %q after a restart", status)
		}
		switch {
		case !final:
			return
		case status == ibtypes.ImageStatusAvailable:
			return
		case status == ibtypes.ImageStatusFailed || status == ibtypes.ImageStatusCancelled || status == ibtypes.ImageStatusDeleted:
			t.Fatalf("the build interrupted by SIGKILL ended %s: %s", status, aws.ToString(out.Image.State.Reason))
		case time.Now().After(deadline):
			t.Fatalf("the build interrupted by SIGKILL is still %s", status)
		}
		// Poll the state, as a client waiting for a build does.
		<-time.After(50 * time.Millisecond)
	}
}
