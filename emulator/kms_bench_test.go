package emulator_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/ibemu/ibemu/emulator/emulatortest"
)

// BenchmarkKMSEncrypt is Encrypt of 32 bytes with an encryption context
// through the SDK client over loopback HTTP: signing, verification, the
// key-policy decision and AES-256-GCM.
func BenchmarkKMSEncrypt(b *testing.B) {
	emu := emulatortest.Start(b)
	ctx := context.Background()
	c := kms.NewFromConfig(emu.AWSConfig(accountA))
	k, err := c.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		b.Fatal(err)
	}
	in := &kms.EncryptInput{KeyId: k.KeyMetadata.KeyId, Plaintext: make([]byte, 32), EncryptionContext: map[string]string{"bucket": "b", "key": "k"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Encrypt(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkKMSDecrypt is Decrypt without KeyId (the key found in the blob)
// through the SDK client.
func BenchmarkKMSDecrypt(b *testing.B) {
	emu := emulatortest.Start(b)
	ctx := context.Background()
	c := kms.NewFromConfig(emu.AWSConfig(accountA))
	k, err := c.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		b.Fatal(err)
	}
	ec := map[string]string{"bucket": "b", "key": "k"}
	enc, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: k.KeyMetadata.KeyId, Plaintext: make([]byte, 32), EncryptionContext: ec})
	if err != nil {
		b.Fatal(err)
	}
	in := &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Decrypt(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}
