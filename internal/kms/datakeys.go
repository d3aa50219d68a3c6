package kms

import (
	"context"

	"github.com/ibemu/ibemu/internal/authz"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/iam/policy"
)

// The Go API services use to encrypt for their callers (S3 SSE-KMS, Image
// Builder). Each method but DescribeKeyFor is a forward access request
// ("Forward access sessions"): the calling service acts for the caller of
// the call in ctx, so the caller must be allowed the KMS action on the key —
// decided by authz.Check as the caller, with aws:CalledVia and
// aws:ViaAWSService (Via: "<via>.amazonaws.com") and the keys KMS sets for
// a request through a service: kms:ViaService = "<via>.<region>.amazonaws.com",
// kms:CallerAccount, kms:EncryptionContext:* and kms:EncryptionContextKeys
// ("kms:ViaService": "the request comes from the specified AWS service").
// The decision is recorded in the decision log under the call's request id;
// a denial is the calling API's AccessDenied error, naming the KMS action
// and key. keyID accepts a key id, key ARN, alias name or alias ARN; via is a
// service name such as "s3" or "imagebuilder". Key errors (NotFound,
// Disabled, KMSInvalidState, InvalidCiphertext, IncorrectKey) are KMS's
// modeled errors.

// fas decides action on the key named by arn for the caller in ctx, as a
// forward access request through via.
func fas(ctx context.Context, c *callctx.Call, action, arn, via string, ec map[string]string) error {
	keys := append([]authz.Key{
		{Name: "kms:ViaService", Type: policy.TypeString, Values: []string{via + "." + c.Region + ".amazonaws.com"}},
		{Name: "kms:CallerAccount", Type: policy.TypeString, Values: []string{c.Account}},
	}, contextKeys(ec)...)
	return authz.Check(ctx, authz.CheckRequest{Action: action, ARN: arn, Keys: keys, Via: []string{via + ".amazonaws.com"}})
}

// GenerateDataKeyFor returns a new 256-bit data key in plaintext and
// encrypted under the key keyID names, bound to encCtx, after deciding
// kms:GenerateDataKey for the caller through via. keyARN is the key's ARN.
func (s *Service) GenerateDataKeyFor(ctx context.Context, keyID string, encCtx map[string]string, via string) (keyARN string, plaintext, ciphertext []byte, err error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return "", nil, nil, aerr
	}
	arn, aerr := canonicalARN(c, keyID)
	if aerr != nil {
		return "", nil, nil, aerr
	}
	if err := fas(ctx, c, "kms:GenerateDataKey", arn, via, encCtx); err != nil {
		return "", nil, nil, err
	}
	l, err := s.locate(ctx, c, keyID)
	if err != nil {
		return "", nil, nil, err
	}
	pt, blob, err := s.generateDataKey(l.key, 32, encCtx)
	if err != nil {
		return "", nil, nil, err
	}
	return l.key.GetArn(), pt, blob, nil
}

// DecryptFor decrypts a ciphertext blob under the key it names, bound to
// encCtx, after deciding kms:Decrypt for the caller through via.
func (s *Service) DecryptFor(ctx context.Context, ciphertext []byte, encCtx map[string]string, via string) (keyARN string, plaintext []byte, err error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return "", nil, aerr
	}
	arn, err := blobIdentifier(ciphertext)
	if err != nil {
		return "", nil, err
	}
	if err := fas(ctx, c, "kms:Decrypt", arn, via, encCtx); err != nil {
		return "", nil, err
	}
	l, err := s.locate(ctx, c, arn)
	if err != nil {
		return "", nil, err
	}
	pt, err := s.decryptWith(l.key, ciphertext, encCtx)
	if err != nil {
		return "", nil, err
	}
	return l.key.GetArn(), pt, nil
}

// EncryptFor encrypts plaintext (at most 4 KiB, as Encrypt) under the key
// keyID names, bound to encCtx, after deciding kms:Encrypt for the caller
// through via.
func (s *Service) EncryptFor(ctx context.Context, keyID string, plaintext []byte, encCtx map[string]string, via string) (keyARN string, ciphertext []byte, err error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return "", nil, aerr
	}
	arn, aerr := canonicalARN(c, keyID)
	if aerr != nil {
		return "", nil, aerr
	}
	if err := fas(ctx, c, "kms:Encrypt", arn, via, encCtx); err != nil {
		return "", nil, err
	}
	l, err := s.locate(ctx, c, keyID)
	if err != nil {
		return "", nil, err
	}
	blob, err := s.encryptWith(l.key, plaintext, encCtx)
	if err != nil {
		return "", nil, err
	}
	return l.key.GetArn(), blob, nil
}

// DescribeKeyFor resolves a key for validation, without an authorization
// check: its ARN and whether it is enabled. A key that does not exist is
// NotFoundException; a disabled key DisabledException and one pending
// deletion KMSInvalidStateException — KMS's modeled errors, which the
// calling service may translate.
func (s *Service) DescribeKeyFor(ctx context.Context, keyID string) (keyARN string, enabled bool, err error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return "", false, aerr
	}
	l, err := s.locate(ctx, c, keyID)
	if err != nil {
		return "", false, err
	}
	if err := usable(l.key); err != nil {
		return l.key.GetArn(), false, err
	}
	return l.key.GetArn(), true, nil
}
