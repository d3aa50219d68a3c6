package emulator_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/emulator/emulatortest"
)

// seedFile is an example seed under testdata/seeds.
func seedFile(name string) string { return filepath.Join("..", "testdata", "seeds", name) }

// startSeeded starts an emulator on a clock the test moves, with seeds.
func startSeeded(t *testing.T, seeds ...string) (*emulator.Emulator, *manualClock) {
	t.Helper()
	clock := &manualClock{t: time.Now().UTC()}
	emu := emulatortest.Start(t, func(c *emulator.Config) {
		c.Clock, c.BuildTime, c.Seeds = clock.Now, buildTime, seeds
	})
	return emu, clock
}

// TestSeedCrossAccountSharing: the consumer in 222222222222 signs with the
// seeded key and sees the component 111111111111 shares; its account's
// recipe is built on it.
func TestSeedCrossAccountSharing(t *testing.T) {
	emu, _ := startSeeded(t, seedFile("cross-account-sharing.yaml"))
	ctx := testContext(t)
	consumer := imagebuilder.NewFromConfig(emu.AWSConfigWithCredentials("AKIACONSUMER00000001", "consumer-secret-0000000000000000000001", ""))
	shared, err := consumer.ListComponents(ctx, &imagebuilder.ListComponentsInput{Owner: types.OwnershipShared})
	if err != nil {
		t.Fatalf("ListComponents Shared as the consumer: %v", err)
	}
	if len(shared.ComponentVersionList) != 1 || aws.ToString(shared.ComponentVersionList[0].Name) != "hello" {
		t.Fatalf("shared components = %+v, want hello", shared.ComponentVersionList)
	}
	arn := "arn:aws:imagebuilder:us-east-1:111111111111:component/hello/1.0.0/1"
	got, err := consumer.GetComponent(ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(arn)})
	if err != nil || !strings.Contains(aws.ToString(got.Component.Data), "echo hello") {
		t.Fatalf("GetComponent %s: %v %+v", arn, err, got)
	}
	recipe, err := imagebuilder.NewFromConfig(emu.AWSConfig("222222222222")).GetImageRecipe(ctx, &imagebuilder.GetImageRecipeInput{
		ImageRecipeArn: aws.String("arn:aws:imagebuilder:us-east-1:222222222222:image-recipe/uses-shared/1.0.0"),
	})
	if err != nil || aws.ToString(recipe.ImageRecipe.Components[0].ComponentArn) != arn {
		t.Fatalf("GetImageRecipe uses-shared: %v %+v", err, recipe)
	}
	// A third account sees nothing shared.
	other, err := imagebuilder.NewFromConfig(emu.AWSConfig("999999999999")).ListComponents(ctx, &imagebuilder.ListComponentsInput{Owner: types.OwnershipShared})
	if err != nil || len(other.ComponentVersionList) != 0 {
		t.Fatalf("account 999999999999 lists shared %v %+v", err, other)
	}
}

// TestSeedPipelineBehindAssumedRole: the CI user assumes the seeded role
// and runs the seeded pipeline, whose build finishes.
func TestSeedPipelineBehindAssumedRole(t *testing.T) {
	emu, clock := startSeeded(t, seedFile("pipeline-assumed-role.json"))
	ctx := testContext(t)
	ci := sts.NewFromConfig(emu.AWSConfigWithCredentials("AKIACI00000000000001", "ci-secret-000000000000000000000000000001", ""))
	creds, err := ci.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::333333333333:role/pipeline-operator"), RoleSessionName: aws.String("ci")})
	if err != nil {
		t.Fatalf("AssumeRole: %v", err)
	}
	c := creds.Credentials
	operator := imagebuilder.NewFromConfig(emu.AWSConfigWithCredentials(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)))
	pipeline := "arn:aws:imagebuilder:us-east-1:333333333333:image-pipeline/golden"
	out, err := operator.StartImagePipelineExecution(ctx, &imagebuilder.StartImagePipelineExecutionInput{ImagePipelineArn: aws.String(pipeline), ClientToken: aws.String("run-1")})
	if err != nil {
		t.Fatalf("StartImagePipelineExecution as the assumed role: %v", err)
	}
	clock.Advance(2 * buildTime)
	if err := emu.AdvanceBuilds(ctx); err != nil {
		t.Fatal(err)
	}
	img, err := operator.GetImage(ctx, &imagebuilder.GetImageInput{ImageBuildVersionArn: out.ImageBuildVersionArn})
	if err != nil {
		t.Fatalf("GetImage: %v", err)
	}
	requireState(t, img.Image, types.ImageStatusAvailable)
	// The CI user itself may not run the pipeline.
	_, err = imagebuilder.NewFromConfig(emu.AWSConfigWithCredentials("AKIACI00000000000001", "ci-secret-000000000000000000000000000001", "")).
		StartImagePipelineExecution(ctx, &imagebuilder.StartImagePipelineExecutionInput{ImagePipelineArn: aws.String(pipeline), ClientToken: aws.String("run-2")})
	requireAPIError(t, err, "AccessDeniedException", 403)
}

// TestSeedBuildMissingManagedPolicy: a build with the seeded instance
// role fails for lack of AmazonSSMManagedInstanceCore; attached, a retry
// succeeds. The seeded KMS key answers to its fixed id and alias.
func TestSeedBuildMissingManagedPolicy(t *testing.T) {
	emu, clock := startSeeded(t, seedFile("build-missing-ssm.yaml"))
	ctx := testContext(t)
	root := emu.AWSConfig("444444444444")
	ib := imagebuilder.NewFromConfig(root)
	out, err := ib.CreateImage(ctx, &imagebuilder.CreateImageInput{
		ImageRecipeArn:                 aws.String("arn:aws:imagebuilder:us-east-1:444444444444:image-recipe/app/1.0.0"),
		InfrastructureConfigurationArn: aws.String("arn:aws:imagebuilder:us-east-1:444444444444:infrastructure-configuration/no-ssm"),
		ClientToken:                    aws.String("build-1"),
	})
	if err != nil {
		t.Fatalf("CreateImage: %v", err)
	}
	advance := func() {
		clock.Advance(2 * buildTime)
		if err := emu.AdvanceBuilds(ctx); err != nil {
			t.Fatal(err)
		}
	}
	advance()
	img, err := ib.GetImage(ctx, &imagebuilder.GetImageInput{ImageBuildVersionArn: out.ImageBuildVersionArn})
	if err != nil {
		t.Fatal(err)
	}
	requireState(t, img.Image, types.ImageStatusFailed, "AmazonSSMManagedInstanceCore")
	if _, err := iam.NewFromConfig(root).AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("no-ssm"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ib.RetryImage(ctx, &imagebuilder.RetryImageInput{ImageBuildVersionArn: out.ImageBuildVersionArn, ClientToken: aws.String("retry")}); err != nil {
		t.Fatal(err)
	}
	advance()
	img, err = ib.GetImage(ctx, &imagebuilder.GetImageInput{ImageBuildVersionArn: out.ImageBuildVersionArn})
	if err != nil {
		t.Fatal(err)
	}
	requireState(t, img.Image, types.ImageStatusAvailable)

	key, err := kms.NewFromConfig(root).DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/images")})
	if err != nil || aws.ToString(key.KeyMetadata.KeyId) != "0b5e1c3a-4d2f-4e6a-9b7c-1d2e3f4a5b6c" {
		t.Fatalf("DescribeKey alias/images: %v %+v", err, key)
	}
}

// TestSeedRestartChangesNothing: starting again over the same data file
// with the same seeds succeeds and leaves the state as it was.
func TestSeedRestartChangesNothing(t *testing.T) {
	data := filepath.Join(t.TempDir(), "emulator.db")
	seeds := []string{seedFile("cross-account-sharing.yaml"), seedFile("pipeline-assumed-role.json"), seedFile("build-missing-ssm.yaml")}
	type state struct {
		keys, components, pipelines int
		etag                        string
	}
	observe := func() state {
		emu := emulatortest.Start(t, func(c *emulator.Config) { c.DataPath, c.Seeds = data, seeds })
		ctx := testContext(t)
		var s state
		k, err := iam.NewFromConfig(emu.AWSConfig("222222222222")).ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("consumer")})
		if err != nil {
			t.Fatal(err)
		}
		s.keys = len(k.AccessKeyMetadata)
		cs, err := imagebuilder.NewFromConfig(emu.AWSConfig("111111111111")).ListComponentBuildVersions(ctx, &imagebuilder.ListComponentBuildVersionsInput{
			ComponentVersionArn: aws.String("arn:aws:imagebuilder:us-east-1:111111111111:component/hello/1.0.0"),
		})
		if err != nil {
			t.Fatal(err)
		}
		s.components = len(cs.ComponentSummaryList)
		ps, err := imagebuilder.NewFromConfig(emu.AWSConfig("333333333333")).ListImagePipelines(ctx, &imagebuilder.ListImagePipelinesInput{})
		if err != nil {
			t.Fatal(err)
		}
		s.pipelines = len(ps.ImagePipelineList)
		h, err := emulatortest.S3Client(emu, emu.AWSConfig("111111111111"), true).HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("publisher-documents"), Key: aws.String("components/hello.yaml")})
		if err != nil {
			t.Fatal(err)
		}
		s.etag = aws.ToString(h.ETag) + aws.ToTime(h.LastModified).String()
		closeNow(t, emu)
		return s
	}
	first := observe()
	if first.keys != 1 || first.components != 1 || first.pipelines != 1 {
		t.Fatalf("first start: %+v", first)
	}
	if again := observe(); again != first {
		t.Fatalf("second start changed the state: %+v, then %+v", first, again)
	}
}

func closeNow(t *testing.T, emu *emulator.Emulator) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := emu.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestBadSeedsFailStartUp: a bad seed stops the start with an error naming
// the file, the entry and the problem, and creates no data file.
func TestBadSeedsFailStartUp(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, seed string
		want       []string
	}{
		{"not yaml", "accounts: [", []string{"did not find expected"}},
		{"unknown field", "accounts:\n  - id: \"111111111111\"\n    iam:\n      userz: []\n", []string{"line 4", "userz"}},
		{"no accounts", "region: us-east-1\n", []string{"accounts", "at least one account"}},
		{"account id", "accounts:\n  - id: 1111\n", []string{"accounts[0].id", "12-digit"}},
		{"access key id", "accounts:\n  - id: \"111111111111\"\n    iam:\n      users:\n        - name: u\n          accessKeys:\n            - {id: nope, secret: 0123456789abcdef}\n", []string{"accounts[0].iam.users[0] (u).accessKeys[0].id", "AKIA"}},
		{"kms key id", "accounts:\n  - id: \"111111111111\"\n    kms:\n      keys:\n        - id: my-key\n", []string{"accounts[0].kms.keys[0].id", "UUID"}},
		{"kms key id twice", "accounts:\n  - id: \"111111111111\"\n    kms:\n      keys: [{id: 1234abcd-12ab-34cd-56ef-1234567890ab}]\n  - id: \"222222222222\"\n    kms:\n      keys: [{id: 1234abcd-12ab-34cd-56ef-1234567890ab}]\n", []string{"accounts[1].kms.keys[0].id", "declared twice"}},
		{"service refuses the policy", "accounts:\n  - id: \"111111111111\"\n    iam:\n      policies:\n        - name: p\n          document: {Version: \"2012-10-17\", Statement: [{Effect: Maybe, Action: \"*\", Resource: \"*\"}]}\n", []string{"accounts[0] (111111111111).iam.policies[0] (p)", "MalformedPolicyDocument"}},
		{"component input member", "accounts:\n  - id: \"111111111111\"\n    imagebuilder:\n      components:\n        - {name: c, semanticVersion: 1.0.0, platform: Linux, colour: red}\n", []string{"imagebuilder.components[0] (c)", "colour"}},
		{"missing role", "accounts:\n  - id: \"111111111111\"\n    iam:\n      instanceProfiles:\n        - {name: p, roles: [ghost]}\n", []string{"iam.instanceProfiles[0] (p).roles[0] (ghost)", "NoSuchEntity"}},
		{"missing object file", "accounts:\n  - id: \"111111111111\"\n    s3:\n      buckets:\n        - name: b-missing-file\n          objects: [{key: k, file: nothere.txt}]\n", []string{"objects[0] (k).file", "nothere.txt"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			file := filepath.Join(dir, "bad.yaml")
			if err := os.WriteFile(file, []byte(tc.seed), 0o600); err != nil {
				t.Fatal(err)
			}
			data := filepath.Join(dir, "data", "emulator.db")
			emu, err := emulator.Start(context.Background(), emulator.Config{HTTPAddr: "127.0.0.1:0", GRPCAddr: "127.0.0.1:0", DataPath: data, Seeds: []string{file}})
			if err == nil {
				closeNow(t, emu)
				t.Fatal("started with a bad seed")
			}
			var se *emulator.SeedError
			if !errors.As(err, &se) || se.File != file {
				t.Errorf("error %T %v is not a SeedError naming %s", err, err, file)
			}
			for _, w := range append(tc.want, file) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "data")); !os.IsNotExist(err) {
				t.Errorf("a failed start left %s behind (%v)", filepath.Join(dir, "data"), err)
			}
		})
	}
}

// FuzzParseSeed: the parser never panics, and what it accepts survives a
// JSON round trip.
func FuzzParseSeed(f *testing.F) {
	for _, name := range []string{"cross-account-sharing.yaml", "pipeline-assumed-role.json", "build-missing-ssm.yaml"} {
		b, err := os.ReadFile(seedFile(name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("accounts: [{id: \"111111111111\", iam: {users: [{name: a, accessKeys: [{id: AKIA0000000000000000, secret: ssssssssssssssss}]}]}}]"))
	f.Add([]byte("{}"))
	f.Add([]byte("accounts:\n  - &a {id: \"1\"}\n  - *a\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := emulator.ParseSeed(b)
		if err != nil {
			var se *emulator.SeedError
			if !errors.As(err, &se) {
				t.Fatalf("error %T %v is not a SeedError", err, err)
			}
			return
		}
		if len(s.Accounts) == 0 {
			t.Fatal("accepted a seed without accounts")
		}
	})
}

// TestFailedSeedChangesAnExistingDataFileNot: on a data file that exists, a
// seed that fails part-way (after creating a user and a bucket) leaves the
// state as it was before the start, not half applied.
func TestFailedSeedChangesAnExistingDataFileNot(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data := filepath.Join(dir, "emulator.db")
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(good, []byte("accounts:\n  - id: \"111111111111\"\n    iam:\n      users: [{name: kept}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("accounts:\n  - id: \"111111111111\"\n    iam:\n      users: [{name: half-applied}]\n    s3:\n      buckets: [{name: half-applied-bucket}]\n    imagebuilder:\n      components:\n        - {name: broken, semanticVersion: 1.0.0, platform: Linux, data: \"not: [valid\"}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	closeNow(t, emulatortest.Start(t, func(c *emulator.Config) { c.DataPath, c.Seeds = data, []string{good} }))

	emu, err := emulator.Start(context.Background(), emulator.Config{HTTPAddr: "127.0.0.1:0", GRPCAddr: "127.0.0.1:0", DataPath: data, Seeds: []string{bad}})
	if err == nil {
		closeNow(t, emu)
		t.Fatal("started with a seed whose component is broken")
	}
	if !strings.Contains(err.Error(), "imagebuilder.components[0] (broken)") {
		t.Errorf("error %q does not name the entry", err)
	}

	emu = emulatortest.Start(t, func(c *emulator.Config) { c.DataPath = data })
	ctx := testContext(t)
	users, err := iam.NewFromConfig(emu.AWSConfig("111111111111")).ListUsers(ctx, &iam.ListUsersInput{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range users.Users {
		names = append(names, aws.ToString(u.UserName))
	}
	if strings.Join(names, ",") != "kept" {
		t.Errorf("users after the failed seed: %v, want only kept", names)
	}
	if _, err := emulatortest.S3Client(emu, emu.AWSConfig("111111111111"), true).HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("half-applied-bucket")}); err == nil {
		t.Error("the failed seed's bucket exists")
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".seed-undo-*")); len(left) > 0 {
		t.Errorf("snapshot left behind: %v", left)
	}
}
