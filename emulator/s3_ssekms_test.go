package emulator_test

import (
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/emulator/emulatortest"
)

// sseUser creates an IAM user of account with an inline policy and returns
// a configuration signing as it.
func sseUser(t *testing.T, emu *emulator.Emulator, account, name, doc string) aws.Config {
	t.Helper()
	ctx := testContext(t)
	c := iamClient(t, emu.AWSConfig(account))
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	setUserPolicy(t, emu, account, name, doc)
	key, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return emu.AWSConfigWithCredentials(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "")
}

// setUserPolicy replaces the user's inline policy.
func setUserPolicy(t *testing.T, emu *emulator.Emulator, account, name, doc string) {
	t.Helper()
	_, err := iamClient(t, emu.AWSConfig(account)).PutUserPolicy(testContext(t), &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(doc)})
	if err != nil {
		t.Fatal(err)
	}
}

// allowActions is an identity policy allowing the actions on every resource.
func allowActions(actions ...string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["` + strings.Join(actions, `","`) + `"],"Resource":"*"}]}`
}

// readObject gets an object's bytes.
func readObject(c *s3.Client, t *testing.T, bucket, key string) (string, *s3.GetObjectOutput, error) {
	t.Helper()
	out, err := c.GetObject(testContext(t), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return "", nil, err
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	return string(b), out, err
}

// TestS3SSEKMSEndToEnd drives SSE-KMS through the SDK's S3 and KMS clients:
// a customer managed key named on PutObject; the writer needs
// kms:GenerateDataKey on it (decided as the writer, through S3); a reader
// of another account, let in by the bucket policy, needs the key policy to
// let its account decrypt — under a kms:ViaService condition that only
// requests through S3 meet — while HeadObject needs no KMS permission;
// bucket default encryption applies to puts without headers; a disabled
// key makes GetObject fail with KMS's error as S3 reports it.
func TestS3SSEKMSEndToEnd(t *testing.T) {
	t.Parallel()
	emu := emulatortest.Start(t)
	ctx := testContext(t)
	const bucket = "sse-kms-e2e"
	rootCfg := emu.AWSConfig(accountA)
	root := emulatortest.S3Client(emu, rootCfg, false)
	rootKMS := kmsClient(t, rootCfg)
	if _, err := root.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	key := mustKey(t, rootKMS, "") // default key policy: IAM policies of the account count
	keyARN := aws.ToString(key.Arn)

	// The writer: s3:PutObject alone is not enough for SSE-KMS.
	writerCfg := sseUser(t, emu, accountA, "writer", allowActions("s3:PutObject", "s3:GetObject"))
	writer := emulatortest.S3Client(emu, writerCfg, true)
	putIn := func(k string) *s3.PutObjectInput {
		return &s3.PutObjectInput{
			Bucket: aws.String(bucket), Key: aws.String(k), Body: strings.NewReader("component: data"),
			ServerSideEncryption: s3types.ServerSideEncryptionAwsKms, SSEKMSKeyId: key.KeyId,
		}
	}
	_, err := writer.PutObject(ctx, putIn("doc.yml"))
	denial := requireAPIError(t, err, "AccessDenied", 403)
	for _, want := range []string{"kms:GenerateDataKey", keyARN, "arn:aws:iam::" + accountA + ":user/writer"} {
		if !strings.Contains(denial.ErrorMessage(), want) {
			t.Errorf("denial %q does not name %s", denial.ErrorMessage(), want)
		}
	}
	explain := emu.Explain(requestID(t, err))
	for _, want := range []string{"kms:GenerateDataKey on " + keyARN + " (forward access via s3.amazonaws.com)", "no identity-based policy allows the kms:GenerateDataKey action"} {
		if !strings.Contains(explain, want) {
			t.Errorf("the decision trace of the denial lacks %q:\n%s", want, explain)
		}
	}
	// Named by an alias, the denial still names the key.
	if _, err := rootKMS.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/components"), TargetKeyId: key.KeyId}); err != nil {
		t.Fatal(err)
	}
	byAlias := putIn("doc.yml")
	byAlias.SSEKMSKeyId = aws.String("alias/components")
	_, err = writer.PutObject(ctx, byAlias)
	if e := requireAPIError(t, err, "AccessDenied", 403); !strings.Contains(e.ErrorMessage(), "kms:GenerateDataKey on resource: "+keyARN) {
		t.Errorf("denial through an alias %q does not name the key", e.ErrorMessage())
	}
	if _, err := root.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("doc.yml")}); err == nil {
		t.Fatal("the refused upload left an object behind")
	}
	setUserPolicy(t, emu, accountA, "writer", allowActions("s3:PutObject", "s3:GetObject", "kms:GenerateDataKey"))
	put, err := writer.PutObject(ctx, putIn("doc.yml"))
	if err != nil {
		t.Fatalf("PutObject with kms:GenerateDataKey: %v", err)
	}
	if put.ServerSideEncryption != s3types.ServerSideEncryptionAwsKms || aws.ToString(put.SSEKMSKeyId) != keyARN {
		t.Errorf("PutObject answered %s %s", put.ServerSideEncryption, aws.ToString(put.SSEKMSKeyId))
	}
	// Reading needs kms:Decrypt, which the writer lacks.
	_, _, err = readObject(writer, t, bucket, "doc.yml")
	if e := requireAPIError(t, err, "AccessDenied", 403); !strings.Contains(e.ErrorMessage(), "kms:Decrypt") {
		t.Errorf("GetObject denial %q does not name kms:Decrypt", e.ErrorMessage())
	}
	if body, _, err := readObject(root, t, bucket, "doc.yml"); err != nil || body != "component: data" {
		t.Fatalf("root GetObject = %q, %v", body, err)
	}

	// A reader of account B, allowed s3:GetObject by the bucket policy and
	// by its own policy, and kms:Decrypt by its own policy.
	readerCfg := sseUser(t, emu, accountB, "reader", allowActions("s3:GetObject", "kms:Decrypt"))
	readerARN := "arn:aws:iam::" + accountB + ":user/reader"
	reader := emulatortest.S3Client(emu, readerCfg, false)
	bp := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + readerARN + `"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::` + bucket + `/*"}]}`
	if _, err := root.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(bp)}); err != nil {
		t.Fatal(err)
	}
	head, err := reader.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("doc.yml")})
	if err != nil {
		t.Fatalf("HeadObject needs no kms:Decrypt: %v", err)
	}
	if head.ServerSideEncryption != s3types.ServerSideEncryptionAwsKms || aws.ToString(head.SSEKMSKeyId) != keyARN {
		t.Errorf("HeadObject = %s %s", head.ServerSideEncryption, aws.ToString(head.SSEKMSKeyId))
	}
	_, _, err = readObject(reader, t, bucket, "doc.yml")
	if e := requireAPIError(t, err, "AccessDenied", 403); !strings.Contains(e.ErrorMessage(), "kms:Decrypt") || !strings.Contains(e.ErrorMessage(), keyARN) {
		t.Errorf("cross-account GetObject denial %q does not name kms:Decrypt and the key", e.ErrorMessage())
	}

	// The key policy lets account B decrypt, but only through EC2: S3's
	// requests do not meet the condition.
	viaStatement := func(service string) string {
		return `{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + accountB + `:root"},"Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:ViaService":"` + service + `.us-east-1.amazonaws.com"}}}`
	}
	putKeyPolicy := func(doc string) {
		t.Helper()
		if _, err := rootKMS.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: key.KeyId, Policy: aws.String(doc)}); err != nil {
			t.Fatal(err)
		}
	}
	putKeyPolicy(keyPolicy(rootAdmin(accountA), viaStatement("ec2")))
	_, _, err = readObject(reader, t, bucket, "doc.yml")
	requireAPIError(t, err, "AccessDenied", 403)
	putKeyPolicy(keyPolicy(rootAdmin(accountA), viaStatement("s3")))
	if body, _, err := readObject(reader, t, bucket, "doc.yml"); err != nil || body != "component: data" {
		t.Fatalf("cross-account GetObject once the key policy lets B decrypt through S3 = %q, %v", body, err)
	}
	// The same statement does not let the reader use the key directly.
	_, err = kmsClient(t, readerCfg).Decrypt(ctx, &kms.DecryptInput{KeyId: key.Arn, CiphertextBlob: mustEncrypt(t, rootKMS, keyARN)})
	requireAPIError(t, err, "AccessDeniedException", 403)
	// Cross-account use needs the reader's own policy too: without
	// kms:Decrypt in it the read is refused again.
	setUserPolicy(t, emu, accountB, "reader", allowActions("s3:GetObject"))
	_, _, err = readObject(reader, t, bucket, "doc.yml")
	requireAPIError(t, err, "AccessDenied", 403)

	// Bucket default encryption with the key applies to puts without
	// encryption headers.
	_, err = root.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{
		Bucket: aws.String(bucket),
		ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAwsKms, KMSMasterKeyID: key.Arn},
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := root.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("default.txt"), Body: strings.NewReader("by default")})
	if err != nil {
		t.Fatal(err)
	}
	if plain.ServerSideEncryption != s3types.ServerSideEncryptionAwsKms || aws.ToString(plain.SSEKMSKeyId) != keyARN {
		t.Errorf("PutObject under bucket default encryption answered %s %s", plain.ServerSideEncryption, aws.ToString(plain.SSEKMSKeyId))
	}
	// The writer's policy has no kms:Decrypt, so the default applies to it
	// as it does to headers: GenerateDataKey is enough to write.
	if _, err := writer.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("w.txt"), Body: strings.NewReader("w")}); err != nil {
		t.Fatalf("writer PutObject under the bucket default: %v", err)
	}
	setUserPolicy(t, emu, accountA, "writer", allowActions("s3:PutObject"))
	_, err = writer.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("w2.txt"), Body: strings.NewReader("w")})
	requireAPIError(t, err, "AccessDenied", 403)

	// A disabled key: the object cannot be read, with KMS's error as S3
	// reports it; HeadObject still answers.
	if _, err := rootKMS.DisableKey(ctx, &kms.DisableKeyInput{KeyId: key.KeyId}); err != nil {
		t.Fatal(err)
	}
	_, _, err = readObject(root, t, bucket, "default.txt")
	requireAPIError(t, err, "KMS.DisabledException", 400)
	if _, err := root.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("default.txt")}); err != nil {
		t.Fatalf("HeadObject with the key disabled: %v", err)
	}
	_, err = root.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("late.txt"), Body: strings.NewReader("x")})
	requireAPIError(t, err, "KMS.DisabledException", 400)
	if _, err := rootKMS.EnableKey(ctx, &kms.EnableKeyInput{KeyId: key.KeyId}); err != nil {
		t.Fatal(err)
	}
	if body, _, err := readObject(root, t, bucket, "default.txt"); err != nil || body != "by default" {
		t.Fatalf("GetObject once the key is enabled again = %q, %v", body, err)
	}
}

// mustEncrypt encrypts a few bytes under the key as the client's caller.
func mustEncrypt(t *testing.T, c *kms.Client, keyID string) []byte {
	t.Helper()
	out, err := c.Encrypt(testContext(t), &kms.EncryptInput{KeyId: aws.String(keyID), Plaintext: []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	return out.CiphertextBlob
}
