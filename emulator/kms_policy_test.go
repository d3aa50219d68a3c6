package emulator_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

const allowDecrypt = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Decrypt","kms:Encrypt"],"Resource":"*"}]}`

// The key policy is primary: an IAM user's identity policy allowing
// kms:Decrypt counts only when the key policy allows the account root.
func TestKMSKeyPolicyDelegatesToIAM(t *testing.T) {
	e := startSTS(t)
	root := kmsClient(t, e.root)
	ctx := testContext(t)
	userARN := "arn:aws:iam::" + accountA + ":user/alice"
	// A key whose policy names only the admin: the account root (IAM) is
	// not delegated.
	k := mustKey(t, root, keyPolicy(allowTo("arn:aws:iam::"+accountA+":root", "kms:PutKeyPolicy", "kms:Encrypt", "kms:DescribeKey")))
	enc, err := root.Encrypt(ctx, &kms.EncryptInput{KeyId: k.KeyId, Plaintext: []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	alice := kmsClient(t, e.user(t, "alice", allowDecrypt))
	_, err = alice.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	apiErr := requireAPIError(t, err, "AccessDeniedException", 403)
	if msg := apiErr.ErrorMessage(); !strings.Contains(msg, "User: "+userARN+" is not authorized to perform: kms:Decrypt on resource: "+aws.ToString(k.Arn)) {
		t.Fatalf("denial message = %q", msg)
	}
	// The root user itself cannot decrypt either: the key policy does not
	// give it kms:Decrypt.
	_, err = root.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	requireAPIError(t, err, "AccessDeniedException", 403)

	// Delegating to the account root lets the identity policy count.
	if _, err := root.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: k.KeyId, PolicyName: aws.String("default"), Policy: aws.String(keyPolicy(rootAdmin(accountA)))}); err != nil {
		t.Fatal(err)
	}
	if out, err := alice.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob}); err != nil || string(out.Plaintext) != "x" {
		t.Fatalf("Decrypt after delegation = %v, %v", out, err)
	}
	// A user without an identity policy is still denied.
	bob := kmsClient(t, e.user(t, "bob", ""))
	_, err = bob.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	requireAPIError(t, err, "AccessDeniedException", 403)

	// A key policy naming bob directly is enough, without an identity policy.
	k2 := mustKey(t, root, keyPolicy(rootAdmin(accountA), allowTo("arn:aws:iam::"+accountA+":user/bob", "kms:Encrypt", "kms:Decrypt")))
	enc2, err := bob.Encrypt(ctx, &kms.EncryptInput{KeyId: k2.KeyId, Plaintext: []byte("y")})
	if err != nil {
		t.Fatalf("Encrypt by a principal the key policy names: %v", err)
	}
	if _, err := bob.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc2.CiphertextBlob}); err != nil {
		t.Fatalf("Decrypt by a principal the key policy names: %v", err)
	}
}

// A key is used from another account by ARN only when both the key policy
// and the caller's identity policy allow it.
func TestKMSCrossAccountNeedsBothSides(t *testing.T) {
	e := startSTS(t)
	ctx := testContext(t)
	// Account B's role "reader", assumable by accountA's admin.
	iamB := iamClient(t, e.emu.AWSConfig(accountB))
	roleARN := mustRole(t, iamB, "reader", trustPolicy([]string{adminARN}, "sts:AssumeRole"), "", 0)
	creds := mustAssume(t, stsClient(t, e.admin), &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("reader-session")})
	reader := kmsClient(t, session(e.emu, creds.Credentials))

	root := kmsClient(t, e.root)
	k := mustKey(t, root, keyPolicy(rootAdmin(accountA), allowTo(roleARN, "kms:Decrypt")))
	enc, err := root.Encrypt(ctx, &kms.EncryptInput{KeyId: k.KeyId, Plaintext: []byte("shared")})
	if err != nil {
		t.Fatal(err)
	}
	// Key policy yes, identity policy no.
	_, err = reader.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, KeyId: k.Arn})
	requireAPIError(t, err, "AccessDeniedException", 403)
	if _, err := iamB.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("reader"), PolicyName: aws.String("p"), PolicyDocument: aws.String(allowDecrypt)}); err != nil {
		t.Fatal(err)
	}
	// Both sides: allowed, by key ARN and without KeyId (the blob names it).
	for _, keyID := range []*string{k.Arn, nil} {
		out, err := reader.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, KeyId: keyID})
		if err != nil || string(out.Plaintext) != "shared" {
			t.Fatalf("cross-account Decrypt (KeyId %v) = %v, %v", aws.ToString(keyID), out, err)
		}
	}
	// Identity policy yes, key policy no (another key of account A).
	k2 := mustKey(t, root, "")
	enc2, _ := root.Encrypt(ctx, &kms.EncryptInput{KeyId: k2.KeyId, Plaintext: []byte("x")})
	_, err = reader.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc2.CiphertextBlob})
	requireAPIError(t, err, "AccessDeniedException", 403)
}

// A grant lets its grantee use the key without any policy, until it is
// retired or revoked; its encryption context constraint holds.
func TestKMSGrants(t *testing.T) {
	e := startSTS(t)
	ctx := testContext(t)
	roleARN := mustRole(t, e.iam, "worker", trustPolicy([]string{adminARN}, "sts:AssumeRole"), "", 0)
	assume := func() *kms.Client {
		creds := mustAssume(t, e.sts, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("worker-session")})
		return kmsClient(t, session(e.emu, creds.Credentials))
	}
	worker := assume()
	root := kmsClient(t, e.root)
	k := mustKey(t, root, "")
	ec := map[string]string{"job": "1"}
	enc, err := root.Encrypt(ctx, &kms.EncryptInput{KeyId: k.KeyId, Plaintext: []byte("granted"), EncryptionContext: ec})
	if err != nil {
		t.Fatal(err)
	}
	_, err = worker.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec})
	requireAPIError(t, err, "AccessDeniedException", 403)

	g, err := root.CreateGrant(ctx, &kms.CreateGrantInput{
		KeyId: k.KeyId, GranteePrincipal: aws.String(roleARN), RetiringPrincipal: aws.String(adminARN),
		Operations:  []kmstypes.GrantOperation{kmstypes.GrantOperationDecrypt},
		Constraints: &kmstypes.GrantConstraints{EncryptionContextSubset: ec},
		Name:        aws.String("worker-decrypt"),
	})
	if err != nil || aws.ToString(g.GrantId) == "" || aws.ToString(g.GrantToken) == "" {
		t.Fatalf("CreateGrant = %+v, %v", g, err)
	}
	out, err := worker.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec, GrantTokens: []string{aws.ToString(g.GrantToken)}})
	if err != nil || string(out.Plaintext) != "granted" {
		t.Fatalf("Decrypt through the grant = %v, %v", out, err)
	}
	// The decision names the grant.
	if explain := e.emu.Explain(responseRequestID(t, out.ResultMetadata)); !strings.Contains(explain, "grant:"+aws.ToString(g.GrantId)) {
		t.Errorf("the decision does not name the grant:\n%s", explain)
	}
	// Outside the constraint, and for another operation, the grant does not apply.
	enc2, _ := root.Encrypt(ctx, &kms.EncryptInput{KeyId: k.KeyId, Plaintext: []byte("x"), EncryptionContext: map[string]string{"job": "2"}})
	_, err = worker.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc2.CiphertextBlob, EncryptionContext: map[string]string{"job": "2"}})
	requireAPIError(t, err, "AccessDeniedException", 403)
	_, err = worker.Encrypt(ctx, &kms.EncryptInput{KeyId: k.Arn, Plaintext: []byte("x"), EncryptionContext: ec})
	requireAPIError(t, err, "AccessDeniedException", 403)

	list, err := root.ListGrants(ctx, &kms.ListGrantsInput{KeyId: k.KeyId})
	if err != nil || len(list.Grants) != 1 {
		t.Fatalf("ListGrants = %+v, %v", list, err)
	}
	gl := list.Grants[0]
	if aws.ToString(gl.GrantId) != aws.ToString(g.GrantId) || aws.ToString(gl.GranteePrincipal) != roleARN || aws.ToString(gl.Name) != "worker-decrypt" ||
		len(gl.Operations) != 1 || gl.Constraints == nil || gl.Constraints.EncryptionContextSubset["job"] != "1" || aws.ToString(gl.KeyId) != aws.ToString(k.Arn) {
		t.Fatalf("grant entry = %+v", gl)
	}
	retirable, err := root.ListRetirableGrants(ctx, &kms.ListRetirableGrantsInput{RetiringPrincipal: aws.String(adminARN)})
	if err != nil || len(retirable.Grants) != 1 {
		t.Fatalf("ListRetirableGrants = %+v, %v", retirable, err)
	}

	// The retiring principal retires it by token, with no policy of its own
	// on the key: then the grantee is denied again.
	if _, err := kmsClient(t, e.admin).RetireGrant(ctx, &kms.RetireGrantInput{GrantToken: g.GrantToken}); err != nil {
		t.Fatalf("RetireGrant by the retiring principal: %v", err)
	}
	_, err = worker.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec})
	requireAPIError(t, err, "AccessDeniedException", 403)

	// A second grant, revoked by the key's administrator.
	g2, err := root.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: k.Arn, GranteePrincipal: aws.String(roleARN), Operations: []kmstypes.GrantOperation{kmstypes.GrantOperationDecrypt}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := worker.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec}); err != nil {
		t.Fatalf("Decrypt through the second grant: %v", err)
	}
	if _, err := root.RevokeGrant(ctx, &kms.RevokeGrantInput{KeyId: k.KeyId, GrantId: g2.GrantId}); err != nil {
		t.Fatal(err)
	}
	_, err = worker.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec})
	requireAPIError(t, err, "AccessDeniedException", 403)
	_, err = root.RevokeGrant(ctx, &kms.RevokeGrantInput{KeyId: k.KeyId, GrantId: g2.GrantId})
	requireAPIError(t, err, "NotFoundException", 404)
	if list, _ := root.ListGrants(ctx, &kms.ListGrantsInput{KeyId: k.KeyId}); len(list.Grants) != 0 {
		t.Fatalf("grants left: %+v", list.Grants)
	}
}

// The lockout safety check refuses a policy that would keep the caller from
// changing it again, unless bypassed.
func TestKMSPolicyLockoutCheck(t *testing.T) {
	e := startSTS(t)
	root := kmsClient(t, e.root)
	ctx := testContext(t)
	lockout := keyPolicy(allowTo("arn:aws:iam::"+accountA+":user/admin", "kms:Decrypt"))
	_, err := root.CreateKey(ctx, &kms.CreateKeyInput{Policy: aws.String(lockout)})
	apiErr := requireAPIError(t, err, "MalformedPolicyDocumentException", 400)
	requireMessage(t, apiErr, "The new key policy will not allow you to update the key policy in the future.")
	if _, err := root.CreateKey(ctx, &kms.CreateKeyInput{Policy: aws.String(lockout), BypassPolicyLockoutSafetyCheck: true}); err != nil {
		t.Fatalf("CreateKey with the check bypassed: %v", err)
	}
	k := mustKey(t, root, "")
	_, err = root.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: k.KeyId, Policy: aws.String(lockout)})
	requireAPIError(t, err, "MalformedPolicyDocumentException", 400)
	_, err = root.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: k.KeyId, Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*"}]}`)})
	requireAPIError(t, err, "MalformedPolicyDocumentException", 400)
}

// kms:CreateKey is an identity-policy permission: there is no key yet.
func TestKMSCreateKeyNeedsIdentityPolicy(t *testing.T) {
	e := startSTS(t)
	ctx := testContext(t)
	_, err := kmsClient(t, e.user(t, "nobody", "")).CreateKey(ctx, &kms.CreateKeyInput{})
	requireAPIError(t, err, "AccessDeniedException", 403)
	creator := kmsClient(t, e.user(t, "creator", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:CreateKey","Resource":"*"}]}`))
	if _, err := creator.CreateKey(ctx, &kms.CreateKeyInput{}); err != nil {
		t.Fatalf("CreateKey with kms:CreateKey allowed: %v", err)
	}
}

// A key policy naming an IAM user or role that does not exist is refused,
// with or without BypassPolicyLockoutSafetyCheck, on CreateKey and
// PutKeyPolicy alike; principals of any account by id or root ARN,
// services and "*" stay valid, and an existing user or role is accepted.
func TestKMSKeyPolicyRefusesMissingPrincipals(t *testing.T) {
	e := startSTS(t)
	root := kmsClient(t, e.root)
	ctx := testContext(t)
	e.user(t, "carol", "")
	k := mustKey(t, root, "")
	const invalid = "Policy contains a statement with one or more invalid principals."
	for _, principal := range []string{
		"arn:aws:iam::" + accountA + ":user/nobody",
		"arn:aws:iam::" + accountA + ":role/nobody",
		"arn:aws:iam::" + accountB + ":user/carol",      // carol exists in accountA only
		"arn:aws:iam::" + accountA + ":user/team/carol", // wrong path
	} {
		doc := keyPolicy(rootAdmin(accountA), allowTo(principal, "kms:Decrypt"))
		for _, bypass := range []bool{false, true} {
			_, err := root.CreateKey(ctx, &kms.CreateKeyInput{Policy: aws.String(doc), BypassPolicyLockoutSafetyCheck: bypass})
			if apiErr := requireAPIError(t, err, "MalformedPolicyDocumentException", 400); apiErr.ErrorMessage() != invalid {
				t.Fatalf("CreateKey naming %s (bypass %v): message %q", principal, bypass, apiErr.ErrorMessage())
			}
			_, err = root.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: k.KeyId, Policy: aws.String(doc), BypassPolicyLockoutSafetyCheck: bypass})
			if apiErr := requireAPIError(t, err, "MalformedPolicyDocumentException", 400); apiErr.ErrorMessage() != invalid {
				t.Fatalf("PutKeyPolicy naming %s (bypass %v): message %q", principal, bypass, apiErr.ErrorMessage())
			}
		}
	}
	var mfpd *kmstypes.MalformedPolicyDocumentException
	_, err := root.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: k.KeyId, Policy: aws.String(keyPolicy(rootAdmin(accountA), allowTo("arn:aws:iam::"+accountA+":user/nobody", "kms:Decrypt")))})
	if !errors.As(err, &mfpd) {
		t.Fatalf("the SDK does not map the refusal to its modeled error: %T %v", err, err)
	}
	for _, principal := range []string{
		"arn:aws:iam::" + accountA + ":user/carol",
		"arn:aws:iam::999988887777:root",
		"999988887777",
		"*",
	} {
		doc := keyPolicy(rootAdmin(accountA), allowTo(principal, "kms:Decrypt"))
		if _, err := root.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: k.KeyId, Policy: aws.String(doc)}); err != nil {
			t.Fatalf("PutKeyPolicy naming %s: %v", principal, err)
		}
	}
	service := keyPolicy(rootAdmin(accountA), `{"Effect":"Allow","Principal":{"Service":"imagebuilder.amazonaws.com"},"Action":"kms:Decrypt","Resource":"*"}`)
	if _, err := root.CreateKey(ctx, &kms.CreateKeyInput{Policy: aws.String(service)}); err != nil {
		t.Fatalf("CreateKey naming a service principal: %v", err)
	}
}
