package emulator_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	grpcinsecure "google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/emulator/emulatortest"
	"github.com/ibemu/ibemu/grpcsigv4"
	kmsv1 "github.com/ibemu/ibemu/proto/kms/v1"
)

// An alias (by name or ARN) works wherever a key id does.
func TestKMSAliases(t *testing.T) {
	emu := emulatortest.Start(t)
	c := kmsClient(t, emu.AWSConfig(accountA))
	ctx := testContext(t)
	k := mustKey(t, c, "")
	k2 := mustKey(t, c, "")
	if _, err := c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/app"), TargetKeyId: k.KeyId}); err != nil {
		t.Fatal(err)
	}
	aliasARN := "arn:aws:kms:" + region + ":" + accountA + ":alias/app"
	for _, ref := range []string{"alias/app", aliasARN} {
		md, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(ref)})
		if err != nil || aws.ToString(md.KeyMetadata.Arn) != aws.ToString(k.Arn) {
			t.Fatalf("DescribeKey %s = %v, %v", ref, md, err)
		}
		enc, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(ref), Plaintext: []byte("a")})
		if err != nil || aws.ToString(enc.KeyId) != aws.ToString(k.Arn) {
			t.Fatalf("Encrypt %s = %v, %v", ref, enc, err)
		}
		if _, err := c.Decrypt(ctx, &kms.DecryptInput{KeyId: aws.String(ref), CiphertextBlob: enc.CiphertextBlob}); err != nil {
			t.Fatalf("Decrypt %s: %v", ref, err)
		}
		if _, err := c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String(ref), NumberOfBytes: aws.Int32(8)}); err != nil {
			t.Fatalf("GenerateDataKey %s: %v", ref, err)
		}
		if _, err := c.TagResource(ctx, &kms.TagResourceInput{KeyId: aws.String(ref), Tags: []kmstypes.Tag{{TagKey: aws.String("via"), TagValue: aws.String(ref)}}}); err != nil {
			t.Fatalf("TagResource %s: %v", ref, err)
		}
		if _, err := c.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: aws.String(ref), GranteePrincipal: aws.String("arn:aws:iam::" + accountB + ":root"), Operations: []kmstypes.GrantOperation{kmstypes.GrantOperationEncrypt}}); err != nil {
			t.Fatalf("CreateGrant %s: %v", ref, err)
		}
	}
	tags, err := c.ListResourceTags(ctx, &kms.ListResourceTagsInput{KeyId: k.KeyId})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].TagValue) != aliasARN {
		t.Fatalf("ListResourceTags = %+v, %v", tags, err)
	}
	if _, err := c.UntagResource(ctx, &kms.UntagResourceInput{KeyId: aws.String("alias/app"), TagKeys: []string{"via"}}); err != nil {
		t.Fatal(err)
	}
	if grants, err := c.ListGrants(ctx, &kms.ListGrantsInput{KeyId: aws.String("alias/app")}); err != nil || len(grants.Grants) != 2 {
		t.Fatalf("ListGrants by alias = %+v, %v", grants, err)
	}

	list, err := c.ListAliases(ctx, &kms.ListAliasesInput{})
	if err != nil || len(list.Aliases) != 1 || aws.ToString(list.Aliases[0].AliasArn) != aliasARN || aws.ToString(list.Aliases[0].TargetKeyId) != aws.ToString(k.KeyId) {
		t.Fatalf("ListAliases = %+v, %v", list, err)
	}
	_, err = c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/app"), TargetKeyId: k2.KeyId})
	requireTyped[*kmstypes.AlreadyExistsException](t, err)
	_, err = c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/aws/mine"), TargetKeyId: k2.KeyId})
	requireAPIError(t, err, "InvalidAliasNameException", 400)
	_, err = c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("noprefix"), TargetKeyId: k2.KeyId})
	requireAPIError(t, err, "InvalidAliasNameException", 400)

	// UpdateAlias moves it; ListAliases by key follows.
	if _, err := c.UpdateAlias(ctx, &kms.UpdateAliasInput{AliasName: aws.String("alias/app"), TargetKeyId: k2.KeyId}); err != nil {
		t.Fatal(err)
	}
	if md, _ := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/app")}); aws.ToString(md.KeyMetadata.Arn) != aws.ToString(k2.Arn) {
		t.Fatalf("alias/app names %s after UpdateAlias", aws.ToString(md.KeyMetadata.Arn))
	}
	for key, want := range map[string]int{aws.ToString(k.KeyId): 0, aws.ToString(k2.Arn): 1} {
		out, err := c.ListAliases(ctx, &kms.ListAliasesInput{KeyId: aws.String(key)})
		if err != nil || len(out.Aliases) != want {
			t.Fatalf("ListAliases of %s = %+v, %v; want %d", key, out, err, want)
		}
	}
	if _, err := c.DeleteAlias(ctx, &kms.DeleteAliasInput{AliasName: aws.String("alias/app")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/app")})
	requireAPIError(t, err, "NotFoundException", 404)
	_, err = c.DeleteAlias(ctx, &kms.DeleteAliasInput{AliasName: aws.String("alias/app")})
	requireAPIError(t, err, "NotFoundException", 404)
}

// CreateAlias needs kms:CreateAlias on the alias (IAM) and on the key.
func TestKMSCreateAliasNeedsBothResources(t *testing.T) {
	e := startSTS(t)
	ctx := testContext(t)
	root := kmsClient(t, e.root)
	k := mustKey(t, root, "")
	aliasOnly := kmsClient(t, e.user(t, "aliasonly", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:CreateAlias","Resource":"arn:aws:kms:*:*:alias/*"}]}`))
	_, err := aliasOnly.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/x"), TargetKeyId: k.KeyId})
	requireAPIError(t, err, "AccessDeniedException", 403)
	both := kmsClient(t, e.user(t, "both", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:CreateAlias","Resource":["arn:aws:kms:*:*:alias/*","arn:aws:kms:*:*:key/*"]}]}`))
	if _, err := both.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/x"), TargetKeyId: k.KeyId}); err != nil {
		t.Fatalf("CreateAlias with both permissions: %v", err)
	}
}

// KMS operations are served on the gRPC listener too, with the same state.
func TestKMSGRPC(t *testing.T) {
	emu := emulatortest.Start(t)
	ctx := testContext(t)
	creds := credentials.NewStaticCredentialsProvider(emulator.RootAccessKeyID(accountA), emulator.DefaultRootSecret, "")
	conn, err := grpc.NewClient(emu.GRPCAddr(), grpc.WithTransportCredentials(grpcinsecure.NewCredentials()), grpc.WithPerRPCCredentials(grpcsigv4.New(creds, region)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	g := kmsv1.NewKMSClient(conn)
	created, err := g.CreateKey(ctx, &kmsv1.CreateKeyRequest{Description: proto.String("over grpc")})
	if err != nil {
		t.Fatal(err)
	}
	enc, err := g.Encrypt(ctx, &kmsv1.EncryptRequest{KeyId: created.GetKeyMetadata().KeyId, Plaintext: []byte("g")})
	if err != nil {
		t.Fatal(err)
	}
	// The SDK client over HTTP decrypts what gRPC encrypted.
	dec, err := kmsClient(t, emu.AWSConfig(accountA)).Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.GetCiphertextBlob()})
	if err != nil || string(dec.Plaintext) != "g" {
		t.Fatalf("Decrypt over HTTP = %v, %v", dec, err)
	}
	_, err = g.DescribeKey(ctx, &kmsv1.DescribeKeyRequest{KeyId: proto.String("alias/missing")})
	requireGRPCError(t, err, codes.NotFound, "NotFoundException", "404")
}
