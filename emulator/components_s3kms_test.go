package emulator_test

import (
	"github.com/ibemu/ibemu/emulator/emulatortest"

	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// What Image Builder does with S3 and KMS for a caller is decided as that
// caller (a forward access session): reading a component's uri document is
// the caller's s3:GetObject, encrypting a component is the caller's
// kms:GenerateDataKey, reading it back the reader's kms:Decrypt. The
// denials name the action and resource, and their request ids explain them.

// TestComponentURIReadAsTheCaller: an IAM user allowed to create
// components but not to read the bucket is denied s3:GetObject; once its
// policy allows the object, the component carries the document.
func TestComponentURIReadAsTheCaller(t *testing.T) {
	t.Parallel()
	e := startSTS(t)
	ctx := testContext(t)
	bucket := uniqueBucket("docs")
	doc := linuxDoc("from-bucket")
	putS3Object(t, e.emu, accountA, bucket, "c/doc.yaml", doc)

	builder := e.user(t, "builder", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"imagebuilder:*","Resource":"*"}]}`)
	ib := ibClient(t, builder)
	in := &imagebuilder.CreateComponentInput{
		Name: aws.String("from-bucket"), SemanticVersion: aws.String("1.0.0"), Platform: types.PlatformLinux,
		Uri: aws.String("s3://" + bucket + "/c/doc.yaml"),
	}
	_, err := ib.CreateComponent(ctx, in)
	apiErr := requireAPIError(t, err, "AccessDeniedException", 403)
	objectARN := "arn:aws:s3:::" + bucket + "/c/doc.yaml"
	for _, want := range []string{"user/builder", "s3:GetObject", objectARN} {
		if !strings.Contains(apiErr.ErrorMessage(), want) {
			t.Errorf("denial %q does not name %s", apiErr.ErrorMessage(), want)
		}
	}
	explained := e.emu.Explain(requestID(t, err))
	if !strings.Contains(explained, "s3:GetObject") || !strings.Contains(explained, "imagebuilder.amazonaws.com") {
		t.Errorf("the explanation does not show the forward access check via Image Builder:\n%s", explained)
	}
	requireNoComponents(t, client(t, e.emu, accountA))

	// s3:GetObject allowed only when called via Image Builder.
	putUserPolicy(t, e.iam, "builder", "s3", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"`+objectARN+`",
		"Condition":{"ForAnyValue:StringEquals":{"aws:CalledVia":["imagebuilder.amazonaws.com"]}}}]}`)
	out, err := ib.CreateComponent(ctx, in)
	if err != nil {
		t.Fatalf("CreateComponent with s3:GetObject via Image Builder: %v", err)
	}
	if got := aws.ToString(mustGet(t, ib, aws.ToString(out.ComponentBuildVersionArn)).Component.Data); got != doc {
		t.Errorf("data = %q, want the object's document", got)
	}
	// The same policy does not let the user read the object directly.
	_, err = emulatortest.S3Client(e.emu, builder, true).GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("c/doc.yaml")})
	if s3ErrorCode(err) != "AccessDenied" {
		t.Errorf("direct GetObject with a CalledVia-only policy: %v, want AccessDenied", err)
	}
}

// TestComponentURIInAnotherAccountsBucket: a document in another account's
// bucket is readable when both the bucket policy and the caller's policy
// allow it, as S3's cross-account rule requires.
func TestComponentURIInAnotherAccountsBucket(t *testing.T) {
	t.Parallel()
	e := startSTS(t)
	ctx := testContext(t)
	bucket := uniqueBucket("shared-docs")
	putS3Object(t, e.emu, accountB, bucket, "doc.yaml", linuxDoc("shared"))
	builder := e.user(t, "builder", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["imagebuilder:*","s3:GetObject"],"Resource":"*"}]}`)
	ib := ibClient(t, builder)
	in := &imagebuilder.CreateComponentInput{
		Name: aws.String("shared"), SemanticVersion: aws.String("1.0.0"), Platform: types.PlatformLinux,
		Uri: aws.String("s3://" + bucket + "/doc.yaml"),
	}
	_, err := ib.CreateComponent(ctx, in)
	if e := requireAPIError(t, err, "AccessDeniedException", 403); !strings.Contains(e.ErrorMessage(), "resource-based policy") {
		t.Errorf("cross-account denial %q does not say the bucket policy is missing", e.ErrorMessage())
	}
	owner := emulatortest.S3Client(e.emu, e.emu.AWSConfig(accountB), true)
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + accountA + `:user/builder"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::` + bucket + `/*"}]}`
	if _, err := owner.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(policy)}); err != nil {
		t.Fatalf("PutBucketPolicy: %v", err)
	}
	if _, err := ib.CreateComponent(ctx, in); err != nil {
		t.Fatalf("CreateComponent with both sides allowing: %v", err)
	}
}

// TestComponentEncryptedUnderACustomerKey: kmsKeyId must be a key the
// caller may use. The default key policy delegates to IAM, so the caller's
// own policy decides kms:GenerateDataKey on create and kms:Decrypt on read.
func TestComponentEncryptedUnderACustomerKey(t *testing.T) {
	t.Parallel()
	e := startSTS(t)
	ctx := testContext(t)
	key := aws.ToString(mustKey(t, kmsClient(t, e.root), "").Arn)
	writer := ibClient(t, e.user(t, "writer", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"imagebuilder:*","Resource":"*"}]}`))
	in := &imagebuilder.CreateComponentInput{
		Name: aws.String("secret"), SemanticVersion: aws.String("1.0.0"), Platform: types.PlatformLinux,
		Data: aws.String(linuxDoc("secret")), KmsKeyId: aws.String(key),
	}
	_, err := writer.CreateComponent(ctx, in)
	apiErr := requireAPIError(t, err, "AccessDeniedException", 403)
	for _, want := range []string{"kms:GenerateDataKey", key} {
		if !strings.Contains(apiErr.ErrorMessage(), want) {
			t.Errorf("denial %q does not name %s", apiErr.ErrorMessage(), want)
		}
	}
	requireNoComponents(t, client(t, e.emu, accountA))

	// Allowed only through Image Builder in this region.
	putUserPolicy(t, e.iam, "writer", "kms", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:GenerateDataKey","Resource":"`+key+`",
		"Condition":{"StringEquals":{"kms:ViaService":"imagebuilder.us-east-1.amazonaws.com"}}}]}`)
	out, err := writer.CreateComponent(ctx, in)
	if err != nil {
		t.Fatalf("CreateComponent with kms:GenerateDataKey via Image Builder: %v", err)
	}
	arn := aws.ToString(out.ComponentBuildVersionArn)

	// Reading needs kms:Decrypt: the writer has none, root has all.
	_, err = writer.GetComponent(ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(arn)})
	apiErr = requireAPIError(t, err, "AccessDeniedException", 403)
	if !strings.Contains(apiErr.ErrorMessage(), "kms:Decrypt") {
		t.Errorf("GetComponent denial %q does not name kms:Decrypt", apiErr.ErrorMessage())
	}
	if got := mustGet(t, client(t, e.emu, accountA), arn).Component; aws.ToString(got.KmsKeyId) != key || aws.ToString(got.Data) != linuxDoc("secret") {
		t.Errorf("root reads kmsKeyId %q, data %q", aws.ToString(got.KmsKeyId), aws.ToString(got.Data))
	}

	// A key that does not exist is the request's fault.
	in.Name = aws.String("nokey")
	in.KmsKeyId = aws.String("arn:aws:kms:us-east-1:" + accountA + ":key/00000000-0000-0000-0000-000000000000")
	_, err = client(t, e.emu, accountA).CreateComponent(ctx, in)
	if apiErr := requireAPIError(t, err, "InvalidParameterValueException", 400); !strings.Contains(apiErr.ErrorMessage(), "kmsKeyId") {
		t.Errorf("message %q does not name kmsKeyId", apiErr.ErrorMessage())
	}
}

func putUserPolicy(t *testing.T, c *iam.Client, user, name, doc string) {
	t.Helper()
	if _, err := c.PutUserPolicy(testContext(t), &iam.PutUserPolicyInput{UserName: aws.String(user), PolicyName: aws.String(name), PolicyDocument: aws.String(doc)}); err != nil {
		t.Fatalf("PutUserPolicy %s/%s: %v", user, name, err)
	}
}
