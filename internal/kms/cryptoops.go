package kms

import (
	"context"
	"crypto/rand"

	"google.golang.org/protobuf/proto"

	"github.com/ibemu/ibemu/internal/authz"
	"github.com/ibemu/ibemu/internal/awserr"
	kmsv1 "github.com/ibemu/ibemu/proto/kms/v1"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
)

// encryptWith encrypts plaintext under an enabled key, bound to ec.
func (s *Service) encryptWith(k *recordsv1.KMSKey, plaintext []byte, ec map[string]string) ([]byte, error) {
	if err := usable(k); err != nil {
		return nil, err
	}
	a, err := s.aead(k)
	if err != nil {
		return nil, err
	}
	blob, err := sealBlob(a, k.GetArn(), plaintext, ec)
	if err != nil {
		return nil, awserr.Internal(err)
	}
	return blob, nil
}

// decryptWith decrypts a blob under an enabled key: a blob another key made
// is IncorrectKeyException; one that does not open under ec (another
// context, a changed byte) is InvalidCiphertextException.
func (s *Service) decryptWith(k *recordsv1.KMSKey, blob []byte, ec map[string]string) ([]byte, error) {
	if err := usable(k); err != nil {
		return nil, err
	}
	arn, _, err := blobKeyARN(blob)
	if err != nil {
		return nil, kmsv1.ErrInvalidCiphertext("")
	}
	if arn != k.GetArn() {
		return nil, kmsv1.ErrIncorrectKey("The key ID in the request does not identify a CMK that can perform this operation.")
	}
	a, err := s.aead(k)
	if err != nil {
		return nil, err
	}
	pt, err := openBlob(a, blob, ec)
	if err != nil {
		return nil, kmsv1.ErrInvalidCiphertext("")
	}
	return pt, nil
}

// checkAlgorithm accepts the symmetric algorithm, the only one a symmetric
// key supports ("" means it).
func checkAlgorithm(k *recordsv1.KMSKey, algo string) *awserr.Error {
	if algo != "" && algo != algoSymmetric {
		return kmsv1.ErrInvalidKeyUsage("The key %s does not support the encryption algorithm %s.", k.GetArn(), algo)
	}
	return nil
}

func dryRun() *awserr.Error {
	return kmsv1.ErrDryRunOperation("The request would have succeeded, but the DryRun flag is set.")
}

// Encrypt encrypts up to 4 KiB of plaintext under a key.
func (s *Service) Encrypt(ctx context.Context, req *kmsv1.EncryptRequest) (*kmsv1.EncryptResponse, error) {
	l, err := targetKey(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkAlgorithm(l.key, req.GetEncryptionAlgorithm()); err != nil {
		return nil, err
	}
	if err := usable(l.key); err != nil {
		return nil, err
	}
	if req.GetDryRun() {
		return nil, dryRun()
	}
	blob, err := s.encryptWith(l.key, req.GetPlaintext(), req.GetEncryptionContext())
	if err != nil {
		return nil, err
	}
	return &kmsv1.EncryptResponse{CiphertextBlob: blob, KeyId: proto.String(l.key.GetArn()), EncryptionAlgorithm: proto.String(algoSymmetric)}, nil
}

// Decrypt decrypts a ciphertext blob. Without KeyId the key is the one the
// blob names; with it, the blob must be that key's.
func (s *Service) Decrypt(ctx context.Context, req *kmsv1.DecryptRequest) (*kmsv1.DecryptResponse, error) {
	l, err := targetKey(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkAlgorithm(l.key, req.GetEncryptionAlgorithm()); err != nil {
		return nil, err
	}
	if err := usable(l.key); err != nil {
		return nil, err
	}
	if req.GetDryRun() {
		return nil, dryRun()
	}
	pt, err := s.decryptWith(l.key, req.GetCiphertextBlob(), req.GetEncryptionContext())
	if err != nil {
		return nil, err
	}
	return &kmsv1.DecryptResponse{KeyId: proto.String(l.key.GetArn()), Plaintext: pt, EncryptionAlgorithm: proto.String(algoSymmetric)}, nil
}

// ReEncrypt decrypts a blob and encrypts its plaintext under
// DestinationKeyId, without exposing it. kms:ReEncryptFrom on the source key
// was decided by the enforcement layer; kms:ReEncryptTo on the destination
// is a dependent check here ("ReEncrypt … requires two permissions").
func (s *Service) ReEncrypt(ctx context.Context, req *kmsv1.ReEncryptRequest) (*kmsv1.ReEncryptResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	src, err := targetKey(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkAlgorithm(src.key, req.GetSourceEncryptionAlgorithm()); err != nil {
		return nil, err
	}
	dstARN, aerr := canonicalARN(c, req.GetDestinationKeyId())
	if aerr != nil {
		return nil, aerr
	}
	keys := contextKeys(req.GetDestinationEncryptionContext())
	if err := authz.Check(ctx, authz.CheckRequest{Action: "kms:ReEncryptTo", ARN: dstARN, Keys: keys}); err != nil {
		return nil, err
	}
	dst, err := s.locate(ctx, c, req.GetDestinationKeyId())
	if err != nil {
		return nil, err
	}
	if err := checkAlgorithm(dst.key, req.GetDestinationEncryptionAlgorithm()); err != nil {
		return nil, err
	}
	pt, err := s.decryptWith(src.key, req.GetCiphertextBlob(), req.GetSourceEncryptionContext())
	if err != nil {
		return nil, err
	}
	defer clear(pt)
	if err := usable(dst.key); err != nil {
		return nil, err
	}
	if req.GetDryRun() {
		return nil, dryRun()
	}
	blob, err := s.encryptWith(dst.key, pt, req.GetDestinationEncryptionContext())
	if err != nil {
		return nil, err
	}
	return &kmsv1.ReEncryptResponse{
		CiphertextBlob:                 blob,
		SourceKeyId:                    proto.String(src.key.GetArn()),
		KeyId:                          proto.String(dst.key.GetArn()),
		SourceEncryptionAlgorithm:      proto.String(algoSymmetric),
		DestinationEncryptionAlgorithm: proto.String(algoSymmetric),
	}, nil
}

// dataKeySize reads NumberOfBytes or KeySpec (AES_256: 32, AES_128: 16);
// exactly one is required ("Use either the NumberOfBytes or KeySpec
// parameter (but not both) in every GenerateDataKey request").
func dataKeySize(n int32, spec string) (int, *awserr.Error) {
	switch {
	case n != 0 && spec != "":
		return 0, awserr.New("ValidationException", 400, "Please specify either number of bytes or key spec, not both.")
	case n != 0:
		return int(n), nil
	case spec == "AES_256":
		return 32, nil
	case spec == "AES_128":
		return 16, nil
	}
	return 0, awserr.New("ValidationException", 400, "Please specify either number of bytes or key spec.")
}

// generateDataKey makes a random data key and its blob under k.
func (s *Service) generateDataKey(k *recordsv1.KMSKey, size int, ec map[string]string) (plaintext, blob []byte, err error) {
	if err := usable(k); err != nil {
		return nil, nil, err
	}
	plaintext = make([]byte, size)
	if _, err := rand.Read(plaintext); err != nil {
		return nil, nil, awserr.Internal(err)
	}
	blob, err = s.encryptWith(k, plaintext, ec)
	if err != nil {
		return nil, nil, err
	}
	return plaintext, blob, nil
}

// GenerateDataKey returns a random data key in plaintext and encrypted
// under the key.
func (s *Service) GenerateDataKey(ctx context.Context, req *kmsv1.GenerateDataKeyRequest) (*kmsv1.GenerateDataKeyResponse, error) {
	l, err := targetKey(ctx)
	if err != nil {
		return nil, err
	}
	size, aerr := dataKeySize(req.GetNumberOfBytes(), req.GetKeySpec())
	if aerr != nil {
		return nil, aerr
	}
	if err := usable(l.key); err != nil {
		return nil, err
	}
	if req.GetDryRun() {
		return nil, dryRun()
	}
	pt, blob, err := s.generateDataKey(l.key, size, req.GetEncryptionContext())
	if err != nil {
		return nil, err
	}
	return &kmsv1.GenerateDataKeyResponse{CiphertextBlob: blob, Plaintext: pt, KeyId: proto.String(l.key.GetArn())}, nil
}

// GenerateDataKeyWithoutPlaintext is GenerateDataKey returning only the
// encrypted data key.
func (s *Service) GenerateDataKeyWithoutPlaintext(ctx context.Context, req *kmsv1.GenerateDataKeyWithoutPlaintextRequest) (*kmsv1.GenerateDataKeyWithoutPlaintextResponse, error) {
	l, err := targetKey(ctx)
	if err != nil {
		return nil, err
	}
	size, aerr := dataKeySize(req.GetNumberOfBytes(), req.GetKeySpec())
	if aerr != nil {
		return nil, aerr
	}
	if err := usable(l.key); err != nil {
		return nil, err
	}
	if req.GetDryRun() {
		return nil, dryRun()
	}
	pt, blob, err := s.generateDataKey(l.key, size, req.GetEncryptionContext())
	if err != nil {
		return nil, err
	}
	clear(pt)
	return &kmsv1.GenerateDataKeyWithoutPlaintextResponse{CiphertextBlob: blob, KeyId: proto.String(l.key.GetArn())}, nil
}

// GenerateRandom returns NumberOfBytes (1–1024, the model checks the range)
// random bytes.
func (s *Service) GenerateRandom(ctx context.Context, req *kmsv1.GenerateRandomRequest) (*kmsv1.GenerateRandomResponse, error) {
	if _, aerr := call(ctx); aerr != nil {
		return nil, aerr
	}
	if req.GetCustomKeyStoreId() != "" {
		return nil, kmsv1.ErrCustomKeyStoreNotFound("This emulator has no custom key stores: %s", req.GetCustomKeyStoreId())
	}
	n := int(req.GetNumberOfBytes())
	if n <= 0 {
		return nil, awserr.New("ValidationException", 400, "NumberOfBytes is required: 1 to 1024.")
	}
	out := make([]byte, n)
	if _, err := rand.Read(out); err != nil {
		return nil, awserr.Internal(err)
	}
	return &kmsv1.GenerateRandomResponse{Plaintext: out}, nil
}
