package emulator_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/ibemu/ibemu/emulator/emulatortest"
)

func TestKMSCreateDescribeListKeys(t *testing.T) {
	emu := emulatortest.Start(t)
	c := kmsClient(t, emu.AWSConfig(accountA))
	ctx := testContext(t)
	md := mustKey(t, c, "")
	id := aws.ToString(md.KeyId)
	wantARN := "arn:aws:kms:" + region + ":" + accountA + ":key/" + id
	if aws.ToString(md.Arn) != wantARN || md.KeyState != kmstypes.KeyStateEnabled || !md.Enabled || md.KeySpec != kmstypes.KeySpecSymmetricDefault ||
		md.KeyUsage != kmstypes.KeyUsageTypeEncryptDecrypt || aws.ToString(md.AWSAccountId) != accountA || md.CreationDate == nil {
		t.Fatalf("CreateKey metadata = %+v", md)
	}
	for _, ref := range []string{id, wantARN} {
		out, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(ref)})
		if err != nil || aws.ToString(out.KeyMetadata.Arn) != wantARN || aws.ToString(out.KeyMetadata.Description) != "test key" {
			t.Fatalf("DescribeKey %s = %+v, %v", ref, out, err)
		}
	}
	pol, err := c.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(id), PolicyName: aws.String("default")})
	if err != nil || !strings.Contains(aws.ToString(pol.Policy), `"arn:aws:iam::`+accountA+`:root"`) || !strings.Contains(aws.ToString(pol.Policy), `"key-default-1"`) {
		t.Fatalf("GetKeyPolicy = %v, %v", aws.ToString(pol.Policy), err)
	}
	names, err := c.ListKeyPolicies(ctx, &kms.ListKeyPoliciesInput{KeyId: aws.String(id)})
	if err != nil || len(names.PolicyNames) != 1 || names.PolicyNames[0] != "default" {
		t.Fatalf("ListKeyPolicies = %v, %v", names, err)
	}
	_, err = c.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(id), PolicyName: aws.String("other")})
	requireAPIError(t, err, "NotFoundException", 404)

	// Paging: three more keys, listed two at a time.
	all := map[string]bool{id: true}
	for range 3 {
		all[aws.ToString(mustKey(t, c, "").KeyId)] = true
	}
	seen := map[string]bool{}
	var marker *string
	pages := 0
	for {
		out, err := c.ListKeys(ctx, &kms.ListKeysInput{Limit: aws.Int32(2), Marker: marker})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, k := range out.Keys {
			seen[aws.ToString(k.KeyId)] = true
		}
		if !out.Truncated {
			break
		}
		marker = out.NextMarker
	}
	if pages != 2 || len(seen) != 4 {
		t.Fatalf("ListKeys saw %d keys in %d pages, want 4 in 2", len(seen), pages)
	}
	// Another account sees none of them.
	other, err := kmsClient(t, emu.AWSConfig(accountB)).ListKeys(ctx, &kms.ListKeysInput{})
	if err != nil || len(other.Keys) != 0 || other.Keys == nil && false {
		t.Fatalf("ListKeys of account B = %v, %v", other, err)
	}
	_, err = c.ListKeys(ctx, &kms.ListKeysInput{Marker: aws.String("!!")})
	requireAPIError(t, err, "InvalidMarkerException", 400)
}

func TestKMSBadKeyIDs(t *testing.T) {
	emu := emulatortest.Start(t)
	c := kmsClient(t, emu.AWSConfig(accountA))
	ctx := testContext(t)
	missing := "arn:aws:kms:" + region + ":" + accountA + ":key/11111111-2222-3333-4444-555555555555"
	_, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(missing)})
	requireMessage(t, requireAPIError(t, err, "NotFoundException", 404), "Key '"+missing+"' does not exist")
	requireTyped[*kmstypes.NotFoundException](t, err)
	_, err = c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("notakey")})
	requireAPIError(t, err, "NotFoundException", 404)
	_, err = c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/nope")})
	requireAPIError(t, err, "NotFoundException", 404)
	_, err = c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("arn:aws:kms:" + region + ":" + accountA + ":thing/x")})
	requireAPIError(t, err, "InvalidArnException", 400)
	_, err = c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String("11111111-2222-3333-4444-555555555555"), Plaintext: []byte("x")})
	requireAPIError(t, err, "NotFoundException", 404)
	_, err = c.CreateKey(ctx, &kms.CreateKeyInput{Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow"}]}`)})
	requireTyped[*kmstypes.MalformedPolicyDocumentException](t, err)
	_, err = c.CreateKey(ctx, &kms.CreateKeyInput{Policy: aws.String(`not json`)})
	requireAPIError(t, err, "MalformedPolicyDocumentException", 400)
	_, err = c.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: kmstypes.KeySpecRsa2048, KeyUsage: kmstypes.KeyUsageTypeSignVerify})
	requireAPIError(t, err, "UnsupportedOperationException", 400)
	_, err = c.CreateKey(ctx, &kms.CreateKeyInput{Tags: []kmstypes.Tag{{TagKey: aws.String("aws:x"), TagValue: aws.String("y")}}})
	requireAPIError(t, err, "TagException", 400)
	if out, err := c.ListKeys(ctx, &kms.ListKeysInput{}); err != nil || len(out.Keys) != 0 {
		t.Fatalf("refused CreateKey calls left keys: %v, %v", out, err)
	}
}

func TestKMSEncryptDecrypt(t *testing.T) {
	emu := emulatortest.Start(t)
	c := kmsClient(t, emu.AWSConfig(accountA))
	ctx := testContext(t)
	k1 := mustKey(t, c, "")
	k2 := mustKey(t, c, "")
	ec := map[string]string{"purpose": "test", "bucket": "b"}
	enc, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: k1.KeyId, Plaintext: []byte("hello, kms"), EncryptionContext: ec})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(enc.KeyId) != aws.ToString(k1.Arn) || enc.EncryptionAlgorithm != kmstypes.EncryptionAlgorithmSpecSymmetricDefault {
		t.Fatalf("Encrypt = %+v", enc)
	}
	// Without KeyId the blob names its key; with it, the key must match.
	for _, keyID := range []*string{nil, k1.KeyId, k1.Arn} {
		dec, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec, KeyId: keyID})
		if err != nil || string(dec.Plaintext) != "hello, kms" || aws.ToString(dec.KeyId) != aws.ToString(k1.Arn) {
			t.Fatalf("Decrypt (KeyId %v) = %+v, %v", aws.ToString(keyID), dec, err)
		}
	}
	_, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec, KeyId: k2.KeyId})
	requireTyped[*kmstypes.IncorrectKeyException](t, err)
	_, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: map[string]string{"purpose": "other", "bucket": "b"}})
	requireTyped[*kmstypes.InvalidCiphertextException](t, err)
	_, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	requireTyped[*kmstypes.InvalidCiphertextException](t, err)
	tampered := bytes.Clone(enc.CiphertextBlob)
	tampered[len(tampered)-3] ^= 0x40
	_, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: tampered, EncryptionContext: ec})
	requireAPIError(t, err, "InvalidCiphertextException", 400)
	_, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: []byte("not a ciphertext blob")})
	requireAPIError(t, err, "InvalidCiphertextException", 400)

	// ReEncrypt moves the plaintext under k2 with a new context.
	re, err := c.ReEncrypt(ctx, &kms.ReEncryptInput{CiphertextBlob: enc.CiphertextBlob, SourceEncryptionContext: ec, DestinationKeyId: k2.KeyId, DestinationEncryptionContext: map[string]string{"n": "2"}})
	if err != nil || aws.ToString(re.SourceKeyId) != aws.ToString(k1.Arn) || aws.ToString(re.KeyId) != aws.ToString(k2.Arn) {
		t.Fatalf("ReEncrypt = %+v, %v", re, err)
	}
	dec, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: re.CiphertextBlob, EncryptionContext: map[string]string{"n": "2"}})
	if err != nil || string(dec.Plaintext) != "hello, kms" {
		t.Fatalf("Decrypt of ReEncrypt = %v, %v", dec, err)
	}

	// Data keys.
	dk, err := c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: k1.KeyId, KeySpec: kmstypes.DataKeySpecAes256, EncryptionContext: ec})
	if err != nil || len(dk.Plaintext) != 32 {
		t.Fatalf("GenerateDataKey = %v, %v", dk, err)
	}
	dec, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: dk.CiphertextBlob, EncryptionContext: ec})
	if err != nil || !bytes.Equal(dec.Plaintext, dk.Plaintext) {
		t.Fatalf("Decrypt of a data key = %v, %v", dec, err)
	}
	wp, err := c.GenerateDataKeyWithoutPlaintext(ctx, &kms.GenerateDataKeyWithoutPlaintextInput{KeyId: k1.KeyId, NumberOfBytes: aws.Int32(16)})
	if err != nil {
		t.Fatal(err)
	}
	dec, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: wp.CiphertextBlob})
	if err != nil || len(dec.Plaintext) != 16 {
		t.Fatalf("Decrypt of a data key without plaintext = %v, %v", dec, err)
	}
	_, err = c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: k1.KeyId})
	requireAPIError(t, err, "ValidationException", 400)
	rnd, err := c.GenerateRandom(ctx, &kms.GenerateRandomInput{NumberOfBytes: aws.Int32(64)})
	if err != nil || len(rnd.Plaintext) != 64 {
		t.Fatalf("GenerateRandom = %v, %v", rnd, err)
	}
}

func TestKMSKeyStates(t *testing.T) {
	emu := emulatortest.Start(t)
	c := kmsClient(t, emu.AWSConfig(accountA))
	ctx := testContext(t)
	k := mustKey(t, c, "")
	enc, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: k.KeyId, Plaintext: []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.DisableKey(ctx, &kms.DisableKeyInput{KeyId: k.KeyId}); err != nil {
		t.Fatal(err)
	}
	_, err = c.Encrypt(ctx, &kms.EncryptInput{KeyId: k.KeyId, Plaintext: []byte("x")})
	requireTyped[*kmstypes.DisabledException](t, err)
	_, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	requireAPIError(t, err, "DisabledException", 409)
	if md, _ := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: k.KeyId}); md.KeyMetadata.Enabled || md.KeyMetadata.KeyState != kmstypes.KeyStateDisabled {
		t.Fatalf("disabled key: %+v", md.KeyMetadata)
	}
	if _, err := c.EnableKey(ctx, &kms.EnableKeyInput{KeyId: k.KeyId}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob}); err != nil {
		t.Fatalf("Decrypt after EnableKey: %v", err)
	}

	_, err = c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: k.KeyId, PendingWindowInDays: aws.Int32(6)})
	requireAPIError(t, err, "ValidationException", 400)
	sched, err := c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: k.KeyId})
	if err != nil || sched.KeyState != kmstypes.KeyStatePendingDeletion || aws.ToInt32(sched.PendingWindowInDays) != 30 || sched.DeletionDate == nil {
		t.Fatalf("ScheduleKeyDeletion = %+v, %v", sched, err)
	}
	_, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	requireTyped[*kmstypes.KMSInvalidStateException](t, err)
	_, err = c.EnableKey(ctx, &kms.EnableKeyInput{KeyId: k.KeyId})
	requireAPIError(t, err, "KMSInvalidStateException", 409)
	md, _ := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: k.KeyId})
	if md.KeyMetadata.KeyState != kmstypes.KeyStatePendingDeletion || md.KeyMetadata.DeletionDate == nil {
		t.Fatalf("pending deletion: %+v", md.KeyMetadata)
	}
	if _, err := c.CancelKeyDeletion(ctx, &kms.CancelKeyDeletionInput{KeyId: k.KeyId}); err != nil {
		t.Fatal(err)
	}
	md, _ = c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: k.KeyId})
	if md.KeyMetadata.KeyState != kmstypes.KeyStateDisabled {
		t.Fatalf("after CancelKeyDeletion: %s, want Disabled", md.KeyMetadata.KeyState)
	}
	_, err = c.CancelKeyDeletion(ctx, &kms.CancelKeyDeletionInput{KeyId: k.KeyId})
	requireAPIError(t, err, "KMSInvalidStateException", 409)
}
