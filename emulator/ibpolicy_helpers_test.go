package emulator_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
)

// accountC is a third account for sharing tests.
const accountC = "777788889999"

// sharePolicy is a component policy granting the accounts read access to
// the build arn, as the Image Builder user guide writes one.
func sharePolicy(arn string, accounts ...string) string {
	quoted := make([]string, len(accounts))
	for i, a := range accounts {
		quoted[i] = fmt.Sprintf("%q", a)
	}
	return fmt.Sprintf(`{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": { "AWS": [ %s ] },
      "Action": [ "imagebuilder:GetComponent", "imagebuilder:ListComponents" ],
      "Resource": [ %q ]
    }
  ]
}`, strings.Join(quoted, ", "), arn)
}

// mustPutComponentPolicy puts a component policy.
func mustPutComponentPolicy(t *testing.T, c *imagebuilder.Client, arn, doc string) {
	t.Helper()
	out, err := c.PutComponentPolicy(testContext(t), &imagebuilder.PutComponentPolicyInput{ComponentArn: aws.String(arn), Policy: aws.String(doc)})
	if err != nil {
		t.Fatalf("PutComponentPolicy %s: %v", arn, err)
	}
	if got := aws.ToString(out.ComponentArn); got != arn {
		t.Errorf("PutComponentPolicy answered componentArn %s, want %s", got, arn)
	}
	if aws.ToString(out.RequestId) == "" {
		t.Error("PutComponentPolicy answered no requestId")
	}
}

// componentPolicy reads a component policy back.
func componentPolicy(t *testing.T, c *imagebuilder.Client, arn string) string {
	t.Helper()
	out, err := c.GetComponentPolicy(testContext(t), &imagebuilder.GetComponentPolicyInput{ComponentArn: aws.String(arn)})
	if err != nil {
		t.Fatalf("GetComponentPolicy %s: %v", arn, err)
	}
	return aws.ToString(out.Policy)
}

// sharedWith lists the component versions shared with the client's account.
func sharedWith(t *testing.T, c *imagebuilder.Client) []string {
	t.Helper()
	return listARNs(t, c, &imagebuilder.ListComponentsInput{Owner: types.OwnershipShared})
}
