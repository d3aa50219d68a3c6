package emulator_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go/middleware"
)

// kmsClient returns a KMS client for cfg, retries off.
func kmsClient(t *testing.T, cfg aws.Config) *kms.Client {
	return kms.NewFromConfig(testClientConfig(t, cfg))
}

// mustKey creates a key with the client (policy "" for the default key
// policy) and returns its metadata.
func mustKey(t *testing.T, c *kms.Client, policy string) *kmstypes.KeyMetadata {
	t.Helper()
	in := &kms.CreateKeyInput{Description: aws.String("test key")}
	if policy != "" {
		in.Policy = aws.String(policy)
	}
	out, err := c.CreateKey(testContext(t), in)
	if err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	return out.KeyMetadata
}

// keyPolicy is a key policy of the statements given as JSON objects.
func keyPolicy(statements ...string) string {
	s := `{"Version":"2012-10-17","Statement":[`
	for i, st := range statements {
		if i > 0 {
			s += ","
		}
		s += st
	}
	return s + `]}`
}

// rootAdmin is the statement of AWS's default key policy: the account root
// (and so IAM policies) may do everything with the key.
func rootAdmin(account string) string {
	return `{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":"kms:*","Resource":"*"}`
}

// allowTo allows principal the actions on the key.
func allowTo(principal string, actions ...string) string {
	a := `[`
	for i, x := range actions {
		if i > 0 {
			a += ","
		}
		a += `"` + x + `"`
	}
	return `{"Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":` + a + `],"Resource":"*"}`
}

// responseRequestID is the request id of a successful SDK call.
func responseRequestID(t *testing.T, md middleware.Metadata) string {
	t.Helper()
	id, ok := awsmiddleware.GetRequestIDMetadata(md)
	if !ok || id == "" {
		t.Fatal("the response carries no request id")
	}
	return id
}
