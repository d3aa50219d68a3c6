package emulator_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
	"github.com/aws/smithy-go"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/emulator/emulatortest"
)

// Accounts the tests sign as: 12-digit access key ids are the root users of
// those accounts.
const (
	accountA = "111122223333"
	accountB = "444455556666"
	region   = "us-east-1"
)

// testContext is a context that ends with the test (or after a minute, so a
// hung server fails the test instead of the whole run).
func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// startClient starts an emulator for t and returns it with an Image Builder
// client signing as accountA's root user.
func startClient(t *testing.T) (*emulator.Emulator, *imagebuilder.Client) {
	t.Helper()
	emu := emulatortest.Start(t)
	return emu, client(t, emu, accountA)
}

// client returns an Image Builder client signing as account's root user.
// Retries are off: every answer the tests look at is the first one.
//
// The client's connections are closed when the test ends, before the
// emulator closes: a connection the client dialed but never used would
// otherwise hold the emulator's graceful shutdown for five seconds.
func client(t *testing.T, emu *emulator.Emulator, account string) *imagebuilder.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	return newIB(emu.AWSConfig(account), func(o *imagebuilder.Options) {
		o.RetryMaxAttempts = 1
		o.HTTPClient = &http.Client{Transport: emulator.ReaderOnlyBodies{Next: tr}}
	})
}

// componentARN is the build version ARN CreateComponent assigns.
func componentARN(account, name, version string, build int) string {
	return fmt.Sprintf("arn:aws:imagebuilder:%s:%s:component/%s/%s/%d", region, account, name, version, build)
}

// versionARN is a component version (or selector) ARN.
func versionARN(account, name, version string) string {
	return fmt.Sprintf("arn:aws:imagebuilder:%s:%s:component/%s/%s", region, account, name, version)
}

// linuxDoc is a valid Linux build document with two parameters.
func linuxDoc(name string) string {
	return `name: ` + name + `
description: Installs a package.
schemaVersion: 1.0
parameters:
  - PackageName:
      type: string
      default: nginx
      description: The package to install.
  - Retries:
      type: string
      default: "3"
phases:
  - name: build
    steps:
      - name: Install
        action: ExecuteBash
        inputs:
          commands:
            - dnf install -y {{ PackageName }}
  - name: validate
    steps:
      - name: Check
        action: ExecuteBash
        inputs:
          commands:
            - rpm -q {{ PackageName }}
`
}

// testDoc is a valid document with only a test phase.
func testDoc(name string) string {
	return `name: ` + name + `
schemaVersion: 1.0
phases:
  - name: test
    steps:
      - name: Probe
        action: ExecuteBash
        inputs:
          commands:
            - echo ok
`
}

// windowsDoc is a valid Windows build document.
func windowsDoc(name string) string {
	return `name: ` + name + `
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Hello
        action: ExecutePowerShell
        inputs:
          commands:
            - Write-Host hello
`
}

// createInput is a valid CreateComponent request for a Linux component.
func createInput(name, version string) *imagebuilder.CreateComponentInput {
	return &imagebuilder.CreateComponentInput{
		Name:            aws.String(name),
		SemanticVersion: aws.String(version),
		Platform:        types.PlatformLinux,
		Data:            aws.String(linuxDoc(name)),
	}
}

// mustCreate creates a component and returns its build version ARN.
func mustCreate(t *testing.T, c *imagebuilder.Client, in *imagebuilder.CreateComponentInput) string {
	t.Helper()
	out, err := c.CreateComponent(testContext(t), in)
	if err != nil {
		t.Fatalf("CreateComponent %s %s: %v", aws.ToString(in.Name), aws.ToString(in.SemanticVersion), err)
	}
	return aws.ToString(out.ComponentBuildVersionArn)
}

// mustGet gets a component by ARN.
func mustGet(t *testing.T, c *imagebuilder.Client, arn string) *imagebuilder.GetComponentOutput {
	t.Helper()
	out, err := c.GetComponent(testContext(t), &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(arn)})
	if err != nil {
		t.Fatalf("GetComponent %s: %v", arn, err)
	}
	return out
}

// listAll lists every component version with the SDK paginator.
func listAll(t *testing.T, c *imagebuilder.Client, in *imagebuilder.ListComponentsInput) []types.ComponentVersion {
	t.Helper()
	if in == nil {
		in = &imagebuilder.ListComponentsInput{}
	}
	var all []types.ComponentVersion
	p := imagebuilder.NewListComponentsPaginator(c, in)
	for p.HasMorePages() {
		page, err := p.NextPage(testContext(t))
		if err != nil {
			t.Fatalf("ListComponents: %v", err)
		}
		all = append(all, page.ComponentVersionList...)
	}
	return all
}

// listARNs is listAll reduced to the ARNs, in the order listed.
func listARNs(t *testing.T, c *imagebuilder.Client, in *imagebuilder.ListComponentsInput) []string {
	t.Helper()
	var arns []string
	for _, cv := range listAll(t, c, in) {
		arns = append(arns, aws.ToString(cv.Arn))
	}
	return arns
}

// buildARNs lists the build version ARNs of one component version.
func buildARNs(t *testing.T, c *imagebuilder.Client, versionArn string) []string {
	t.Helper()
	var arns []string
	p := imagebuilder.NewListComponentBuildVersionsPaginator(c, &imagebuilder.ListComponentBuildVersionsInput{ComponentVersionArn: aws.String(versionArn)})
	for p.HasMorePages() {
		page, err := p.NextPage(testContext(t))
		if err != nil {
			t.Fatalf("ListComponentBuildVersions %s: %v", versionArn, err)
		}
		for _, s := range page.ComponentSummaryList {
			arns = append(arns, aws.ToString(s.Arn))
		}
	}
	return arns
}

// requireAPIError checks that err is the AWS error code with the HTTP status
// and returns it.
func requireAPIError(t *testing.T, err error, code string, status int) smithy.APIError {
	t.Helper()
	if err == nil {
		t.Fatalf("got success, want %s (HTTP %d)", code, status)
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("got %v (%T), want an API error %s", err, err, code)
	}
	if apiErr.ErrorCode() != code {
		t.Fatalf("error code = %s (%s), want %s", apiErr.ErrorCode(), apiErr.ErrorMessage(), code)
	}
	var respErr *awshttp.ResponseError
	if !errors.As(err, &respErr) {
		t.Fatalf("error %v carries no HTTP response", err)
	}
	if got := respErr.HTTPStatusCode(); got != status {
		t.Fatalf("%s: HTTP status = %d, want %d", code, got, status)
	}
	if respErr.ServiceRequestID() == "" {
		t.Errorf("%s: the response has no request id", code)
	}
	return apiErr
}

// requireTyped checks that err unwraps to the SDK's modeled error type T,
// which proves the SDK recognised the code for this operation.
func requireTyped[T error](t *testing.T, err error) T {
	t.Helper()
	var target T
	if !errors.As(err, &target) {
		t.Fatalf("error %v (%T) is not a %T", err, err, target)
	}
	return target
}

// requireMessage checks an error message exactly.
func requireMessage(t *testing.T, apiErr smithy.APIError, want string) {
	t.Helper()
	if got := apiErr.ErrorMessage(); got != want {
		t.Errorf("message =\n  %q\nwant\n  %q", got, want)
	}
}

// requireNoComponents checks that the account owns no component versions.
func requireNoComponents(t *testing.T, c *imagebuilder.Client) {
	t.Helper()
	if arns := listARNs(t, c, nil); len(arns) != 0 {
		t.Fatalf("ListComponents = %v, want nothing stored", arns)
	}
}

// requireSameStrings compares string lists exactly, order included.
func requireSameStrings(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s =\n  %v\nwant\n  %v", what, got, want)
	}
}
