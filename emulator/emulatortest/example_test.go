package emulatortest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
	"github.com/aws/smithy-go"

	"github.com/ibemu/ibemu/emulator/emulatortest"
)

// exampleT stands in for the *testing.T a test passes to New: runnable
// examples have none. It runs the cleanups when the example ends.
type exampleT struct{ cleanups []func() }

func (*exampleT) Helper()                           {}
func (*exampleT) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
func (*exampleT) Errorf(format string, args ...any) { fmt.Printf(format+"\n", args...) }
func (t *exampleT) Cleanup(f func())                { t.cleanups = append(t.cleanups, f) }
func (*exampleT) TempDir() string {
	dir, err := os.MkdirTemp("", "emulatortest-example-")
	if err != nil {
		panic(err)
	}
	return dir
}

func (t *exampleT) done() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

// A test starts an emulator and calls Image Builder as an account's root
// user. In a test, pass the test's t to New.
func ExampleNew() {
	t := &exampleT{}
	defer t.done()

	srv := emulatortest.New(t)
	ib := imagebuilder.NewFromConfig(srv.Config(t, "111122223333"))
	out, err := ib.ListComponents(context.Background(), &imagebuilder.ListComponentsInput{Owner: types.OwnershipAmazon, MaxResults: aws.Int32(1)})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(out.ComponentVersionList) == 1)
	// Output: true
}

// Config signs as an IAM user (with a new access key) or a role (assumed
// by a helper user): what they may do is what their policies allow.
func ExampleServer_Config() {
	t := &exampleT{}
	defer t.done()
	ctx := context.Background()

	srv := emulatortest.New(t, emulatortest.WithSeed("../../testdata/seeds/pipeline-assumed-role.json"))
	operator := imagebuilder.NewFromConfig(srv.Config(t, "arn:aws:iam::333333333333:role/pipeline-operator"))
	_, err := operator.GetImagePipeline(ctx, &imagebuilder.GetImagePipelineInput{ImagePipelineArn: aws.String("arn:aws:imagebuilder:us-east-1:333333333333:image-pipeline/golden")})
	fmt.Println("role reads the pipeline:", err == nil)

	// The seeded user ci may only assume the role.
	ci := iam.NewFromConfig(srv.Config(t, "arn:aws:iam::333333333333:user/ci"))
	_, err = ci.ListUsers(ctx, &iam.ListUsersInput{})
	var api smithy.APIError
	fmt.Println("user denied ListUsers:", errors.As(err, &api) && api.ErrorCode() == "AccessDenied")
	// Output:
	// role reads the pipeline: true
	// user denied ListUsers: true
}

// On a fake clock, Advance moves time and runs the builds due: a build
// completes without sleeping.
func ExampleWithClock() {
	t := &exampleT{}
	defer t.done()
	ctx := context.Background()

	srv := emulatortest.New(t,
		emulatortest.WithClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)),
		emulatortest.WithBuildTime(time.Minute),
		emulatortest.WithSeed("../../testdata/seeds/build-missing-ssm.yaml"))
	ib := imagebuilder.NewFromConfig(srv.Config(t, "444444444444"))
	out, err := ib.CreateImage(ctx, &imagebuilder.CreateImageInput{
		ImageRecipeArn:                 aws.String("arn:aws:imagebuilder:us-east-1:444444444444:image-recipe/app/1.0.0"),
		InfrastructureConfigurationArn: aws.String("arn:aws:imagebuilder:us-east-1:444444444444:infrastructure-configuration/no-ssm"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	srv.Advance(t, 2*time.Minute)
	img, err := ib.GetImage(ctx, &imagebuilder.GetImageInput{ImageBuildVersionArn: out.ImageBuildVersionArn})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(img.Image.State.Status)
	// Output: FAILED
}

// Reset empties the state and applies the seeds again.
func ExampleServer_Reset() {
	t := &exampleT{}
	defer t.done()
	ctx := context.Background()

	srv := emulatortest.New(t, emulatortest.WithSeed("../../testdata/seeds/build-missing-ssm.yaml"))
	c := iam.NewFromConfig(srv.Config(t, "444444444444"))
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("temporary")}); err != nil {
		fmt.Println(err)
		return
	}
	srv.Reset(t)
	users, _ := c.ListUsers(ctx, &iam.ListUsersInput{})
	roles, _ := c.ListRoles(ctx, &iam.ListRolesInput{PathPrefix: aws.String("/")})
	fmt.Println(len(users.Users), "users;", "role no-ssm back:", len(roles.Roles) > 0)
	// Output: 0 users; role no-ssm back: true
}
