package emulator_test

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/ibemu/ibemu/emulator/emulatortest"
)

// TestKMSAWSManagedKeyForS3: SSE-KMS without a key id uses alias/aws/s3,
// the AWS managed key S3 creates on first use. Its key policy allows every
// principal of the account to use it through S3 (Principal "*" with
// kms:CallerAccount and kms:ViaService conditions), so a user whose IAM
// policy allows S3 and nothing of KMS writes and reads such objects — the
// key policy allows the user directly, and a key policy that allows a
// principal needs no identity-based policy beside it. An explicit deny in
// the user's policy still wins. The key is KeyManager AWS; nobody may use
// it directly, change its policy, disable or delete it, or take its alias.
func TestKMSAWSManagedKeyForS3(t *testing.T) {
	t.Parallel()
	env := startSTS(t)
	ctx := testContext(t)
	const bucket = "managed-key-bucket"
	root := emulatortest.S3Client(env.emu, env.root, true)
	if _, err := root.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	s3Only := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
	writer := emulatortest.S3Client(env.emu, env.user(t, "writer", s3Only), false)

	put, err := writer.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String("doc"), Body: strings.NewReader("secret"),
		ServerSideEncryption: s3types.ServerSideEncryptionAwsKms,
	})
	if err != nil {
		t.Fatalf("PutObject with the AWS managed key as a user allowed s3:* only: %v", err)
	}
	rootKMS := kmsClient(t, env.root)
	md, err := rootKMS.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/aws/s3")})
	if err != nil {
		t.Fatal(err)
	}
	k := md.KeyMetadata
	if aws.ToString(put.SSEKMSKeyId) != aws.ToString(k.Arn) || put.ServerSideEncryption != s3types.ServerSideEncryptionAwsKms {
		t.Errorf("PutObject answered %s %s, want aws:kms %s", put.ServerSideEncryption, aws.ToString(put.SSEKMSKeyId), aws.ToString(k.Arn))
	}
	if k.KeyManager != kmstypes.KeyManagerTypeAws || !k.Enabled || aws.ToString(k.Description) != "Default key that protects my S3 objects when no other key is defined" {
		t.Errorf("DescribeKey alias/aws/s3 = %s, enabled %v, %q", k.KeyManager, k.Enabled, aws.ToString(k.Description))
	}
	got, err := writer.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("doc")})
	if err != nil {
		t.Fatalf("GetObject: %v", err)
	}
	body, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if string(body) != "secret" {
		t.Fatalf("GetObject = %q", body)
	}

	// The key is listed under its alias, with AWS's managed-key policy.
	aliases, err := rootKMS.ListAliases(ctx, &kms.ListAliasesInput{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range aliases.Aliases {
		found = found || aws.ToString(a.AliasName) == "alias/aws/s3" && aws.ToString(a.TargetKeyId) == aws.ToString(k.KeyId)
	}
	if !found {
		t.Errorf("ListAliases does not show alias/aws/s3 → %s: %+v", aws.ToString(k.KeyId), aliases.Aliases)
	}
	pol, err := rootKMS.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: k.KeyId})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"kms:ViaService" : "s3.us-east-1.amazonaws.com"`, `"kms:CallerAccount" : "` + accountA + `"`, `"AWS" : "*"`} {
		if !strings.Contains(aws.ToString(pol.Policy), want) {
			t.Errorf("the managed key's policy lacks %s:\n%s", want, aws.ToString(pol.Policy))
		}
	}

	// A second object reuses the key rather than creating another.
	put2, err := writer.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("doc2"), Body: strings.NewReader("x"), ServerSideEncryption: s3types.ServerSideEncryptionAwsKms})
	if err != nil || aws.ToString(put2.SSEKMSKeyId) != aws.ToString(k.Arn) {
		t.Fatalf("second PutObject: %v, key %s", err, aws.ToString(put2.SSEKMSKeyId))
	}

	// An explicit deny of KMS in the user's policy still refuses.
	denyKMS := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Deny","Action":"kms:*","Resource":"*"}]}`
	denied := emulatortest.S3Client(env.emu, env.user(t, "nokms", denyKMS), true)
	_, err = denied.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("doc3"), Body: strings.NewReader("x"), ServerSideEncryption: s3types.ServerSideEncryptionAwsKms})
	if e := requireAPIError(t, err, "AccessDenied", 403); !strings.Contains(e.ErrorMessage(), "kms:GenerateDataKey") {
		t.Errorf("denial message %q does not name kms:GenerateDataKey", e.ErrorMessage())
	}

	// Direct use, even by the root user, is outside the policy: only
	// requests through S3 may use the key.
	_, err = rootKMS.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String("alias/aws/s3"), Plaintext: []byte("x")})
	requireAPIError(t, err, "AccessDeniedException", 403)
	_, err = kmsClient(t, env.admin).GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: k.Arn, KeySpec: kmstypes.DataKeySpecAes256})
	requireAPIError(t, err, "AccessDeniedException", 403)

	// Nobody manages an AWS managed key.
	_, err = rootKMS.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: k.KeyId, Policy: aws.String(keyPolicy(rootAdmin(accountA)))})
	requireAPIError(t, err, "AccessDeniedException", 403)
	_, err = rootKMS.DisableKey(ctx, &kms.DisableKeyInput{KeyId: k.KeyId})
	requireAPIError(t, err, "AccessDeniedException", 403)
	_, err = rootKMS.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: k.KeyId, PendingWindowInDays: aws.Int32(7)})
	requireAPIError(t, err, "AccessDeniedException", 403)
	_, err = rootKMS.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: k.KeyId, GranteePrincipal: aws.String(adminARN), Operations: []kmstypes.GrantOperation{kmstypes.GrantOperationDecrypt}})
	requireAPIError(t, err, "AccessDeniedException", 403)
	_, err = rootKMS.DeleteAlias(ctx, &kms.DeleteAliasInput{AliasName: aws.String("alias/aws/s3")})
	requireAPIError(t, err, "AccessDeniedException", 403)
	_, err = rootKMS.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/mine"), TargetKeyId: k.KeyId})
	requireAPIError(t, err, "AccessDeniedException", 403)
	mine := mustKey(t, rootKMS, "")
	_, err = rootKMS.UpdateAlias(ctx, &kms.UpdateAliasInput{AliasName: aws.String("alias/aws/s3"), TargetKeyId: mine.KeyId})
	requireAPIError(t, err, "InvalidAliasNameException", 400)
	_, err = rootKMS.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/aws/s3x"), TargetKeyId: mine.KeyId})
	requireAPIError(t, err, "InvalidAliasNameException", 400)
	if md, err := rootKMS.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/aws/s3")}); err != nil || aws.ToString(md.KeyMetadata.Arn) != aws.ToString(k.Arn) || !md.KeyMetadata.Enabled {
		t.Fatalf("alias/aws/s3 after the refused changes: %+v, %v", md, err)
	}
	if md, _ := rootKMS.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: mine.KeyId}); md.KeyMetadata.KeyManager != kmstypes.KeyManagerTypeCustomer {
		t.Errorf("a customer key's KeyManager = %s", md.KeyMetadata.KeyManager)
	}
}

// TestKMSAWSManagedKeyOnDescribe: DescribeKey of a predefined AWS alias
// whose key does not exist yet creates the key (KMS API reference,
// DescribeKey); an alias/aws/ name that is no AWS service's is
// NotFoundException, and a managed key is created only in the caller's
// own account.
func TestKMSAWSManagedKeyOnDescribe(t *testing.T) {
	t.Parallel()
	env := startSTS(t)
	ctx := testContext(t)
	c := kmsClient(t, env.root)
	md, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/aws/ebs")})
	if err != nil {
		t.Fatal(err)
	}
	if md.KeyMetadata.KeyManager != kmstypes.KeyManagerTypeAws || aws.ToString(md.KeyMetadata.Description) != "Default key that protects my EBS volumes when no other key is defined" {
		t.Errorf("alias/aws/ebs = %s %q", md.KeyMetadata.KeyManager, aws.ToString(md.KeyMetadata.Description))
	}
	again, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("arn:aws:kms:us-east-1:" + accountA + ":alias/aws/ebs")})
	if err != nil || aws.ToString(again.KeyMetadata.KeyId) != aws.ToString(md.KeyMetadata.KeyId) {
		t.Fatalf("DescribeKey by alias ARN: %+v, %v", again, err)
	}
	_, err = c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/aws/nosuchservice")})
	requireAPIError(t, err, "NotFoundException", 404)
	// Another account's managed key is not created by naming it.
	_, err = c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("arn:aws:kms:us-east-1:" + accountB + ":alias/aws/s3")})
	requireAPIError(t, err, "NotFoundException", 404)
	// Listing the account's keys shows the one created.
	keys, err := c.ListKeys(ctx, &kms.ListKeysInput{})
	if err != nil || len(keys.Keys) != 1 || aws.ToString(keys.Keys[0].KeyId) != aws.ToString(md.KeyMetadata.KeyId) {
		t.Fatalf("ListKeys = %+v, %v", keys, err)
	}
}

// TestKMSAWSManagedKeyCreatedOnce: concurrent first uses of alias/aws/s3
// all end up with the one key.
func TestKMSAWSManagedKeyCreatedOnce(t *testing.T) {
	t.Parallel()
	emu := emulatortest.Start(t)
	ctx := testContext(t)
	c := emulatortest.S3Client(emu, emu.AWSConfig(accountA), true)
	const bucket = "managed-once"
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	const n = 8
	arns := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(fmt.Sprint("o", i)), Body: strings.NewReader("x"), ServerSideEncryption: s3types.ServerSideEncryptionAwsKms})
			if err == nil {
				arns[i] = aws.ToString(out.SSEKMSKeyId)
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || arns[i] != arns[0] || arns[i] == "" {
			t.Fatalf("put %d: key %q (first %q), %v", i, arns[i], arns[0], errs[i])
		}
	}
	keys, err := kmsClient(t, emu.AWSConfig(accountA)).ListKeys(ctx, &kms.ListKeysInput{})
	if err != nil || len(keys.Keys) != 1 {
		t.Fatalf("ListKeys after concurrent first uses = %+v, %v", keys, err)
	}
}
