package emulator_test

import (
	"net/http"
	"net/url"
	"sort"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/emulator/emulatortest"
)

// startIAM starts an emulator and returns it with an IAM client signing as
// accountA's root user.
func startIAM(t *testing.T) (*emulator.Emulator, *iam.Client) {
	t.Helper()
	emu := emulatortest.Start(t)
	return emu, iamClient(t, emu.AWSConfig(accountA))
}

// iamClient returns an IAM client for cfg, retries off.
func iamClient(t *testing.T, cfg aws.Config) *iam.Client {
	return iam.NewFromConfig(testClientConfig(t, cfg))
}

// stsClient returns an STS client for cfg, retries off.
func stsClient(t *testing.T, cfg aws.Config) *sts.Client {
	return sts.NewFromConfig(testClientConfig(t, cfg))
}

// testClientConfig is cfg without retries, over connections closed when
// the test ends (before the emulator closes).
func testClientConfig(t *testing.T, cfg aws.Config) aws.Config {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	cfg.RetryMaxAttempts = 1
	cfg.HTTPClient = &http.Client{Transport: emulator.ReaderOnlyBodies{Next: tr}}
	return cfg
}

// withKey is cfg signing with an access key pair instead.
func withKey(cfg aws.Config, id, secret string) aws.Config {
	cfg.Credentials = credentials.NewStaticCredentialsProvider(id, secret, "")
	return cfg
}

// requireIAMError checks an IAM error's code, status and exact message.
func requireIAMError(t *testing.T, err error, code string, status int, message string) {
	t.Helper()
	apiErr := requireAPIError(t, err, code, status)
	if message != "" {
		requireMessage(t, apiErr, message)
	}
}

// decoded is a policy document as IAM returns it (URL-encoded), decoded.
func decoded(t *testing.T, doc *string) string {
	t.Helper()
	s, err := url.QueryUnescape(aws.ToString(doc))
	if err != nil {
		t.Fatalf("document %q is not URL-encoded: %v", aws.ToString(doc), err)
	}
	return s
}

func sortedCopy(in []string) []string {
	out := append([]string(nil), in...)
	sort.Strings(out)
	return out
}

// Policy documents the tests use.
const (
	allowAll = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	allowGet = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"imagebuilder:Get*","Resource":"*"}]}`
	ec2Trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
)
