package emulator

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// RootAccessKeyID returns the access key id of an account's root user: the
// account id itself, or "test" for account 000000000000.
func RootAccessKeyID(account string) string {
	if account == "" || account == "000000000000" {
		return "test"
	}
	return account
}

// AWSConfig returns an aws-sdk-go-v2 configuration that signs as the root
// user of account (a 12-digit id; "" means 000000000000) and sends every
// request to this emulator: pass it to imagebuilder.NewFromConfig,
// iam.NewFromConfig or sts.NewFromConfig.
func (e *Emulator) AWSConfig(account string) aws.Config {
	return aws.Config{
		Region:       DefaultRegion,
		Credentials:  credentials.NewStaticCredentialsProvider(RootAccessKeyID(account), e.cfg.RootSecret, ""),
		BaseEndpoint: aws.String(e.HTTPURL()),
	}
}
