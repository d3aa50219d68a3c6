package emulator_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/emulator/emulatortest"
)

// mustBucket creates bucket in account, as the account's root user.
func mustBucket(t *testing.T, emu *emulator.Emulator, account, bucket string) {
	t.Helper()
	c := emulatortest.S3Client(emu, emu.AWSConfig(account), true)
	if _, err := c.CreateBucket(testContext(t), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("CreateBucket %s: %v", bucket, err)
	}
}

// putS3Object creates bucket (if needed) in account and puts body at key,
// as the account's root user.
func putS3Object(t *testing.T, emu *emulator.Emulator, account, bucket, key, body string) {
	t.Helper()
	ctx := testContext(t)
	c := emulatortest.S3Client(emu, emu.AWSConfig(account), true)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil && s3ErrorCode(err) != "BucketAlreadyOwnedByYou" {
		t.Fatalf("CreateBucket %s: %v", bucket, err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body)}); err != nil {
		t.Fatalf("PutObject s3://%s/%s: %v", bucket, key, err)
	}
}
