package s3

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/ibemu/ibemu/internal/awserr"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
)

// DefaultKMSKey is the key SSE-KMS uses when neither the request nor the
// bucket's default encryption names one: the AWS managed key for S3.
const DefaultKMSKey = "alias/aws/s3"

// kmsVia is the service KMS sees SSE-KMS requests come through
// (kms:ViaService s3.REGION.amazonaws.com).
const kmsVia = "s3"

// sseSpec is an object's encryption as a write settles it.
type sseSpec struct {
	alg       string // AES256, aws:kms, aws:kms:dsse
	keyID     string // the key the request or bucket named (aws:kms)
	bucketKey bool
	context   map[string]string // caller-supplied context (aws:kms)
}

func (e sseSpec) kms() bool { return strings.HasPrefix(e.alg, "aws:kms") }

// settleSSE combines a request's encryption headers with the bucket's
// default encryption, as S3 does: the request's x-amz-server-side-encryption
// wins, a KMS key id needs aws:kms, and aws:kms without a key id takes the
// bucket default key or the AWS managed key.
func settleSSE(b *recordsv1.S3Bucket, alg, keyID string, bucketKey *bool, encCtx string) (sseSpec, error) {
	def := b.GetEncryption()
	if def == nil {
		def = defaultEncryption()
	}
	if alg == "" {
		if keyID != "" || encCtx != "" {
			return sseSpec{}, errInvalidArgument("Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms")
		}
		alg = def.GetAlgorithm()
		keyID = def.GetKmsKeyId()
		if bucketKey == nil {
			bucketKey = ptr(def.GetBucketKeyEnabled())
		}
	}
	spec := sseSpec{alg: alg, bucketKey: bucketKey != nil && *bucketKey}
	switch alg {
	case "AES256":
		if keyID != "" || encCtx != "" {
			return sseSpec{}, errInvalidArgument("Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms")
		}
		spec.bucketKey = false
		return spec, nil
	case "aws:kms", "aws:kms:dsse":
	default:
		return sseSpec{}, errInvalidArgument("The encryption method specified is not supported")
	}
	if keyID == "" {
		keyID = def.GetKmsKeyId()
	}
	if keyID == "" {
		keyID = DefaultKMSKey
	}
	spec.keyID = keyID
	if encCtx != "" {
		raw, err := base64.StdEncoding.DecodeString(encCtx)
		m := map[string]string{}
		if err != nil || json.Unmarshal(raw, &m) != nil {
			return sseSpec{}, errInvalidArgument("The header 'x-amz-server-side-encryption-context' shall be Base64-encoded UTF-8 string holding JSON which represents a string-string map")
		}
		spec.context = m
	}
	return spec, nil
}

// kmsContext is the encryption context S3 binds a data key to: the
// object's ARN (the bucket's with an S3 Bucket Key) and the caller's.
func kmsContext(bucket, key string, spec sseSpec) map[string]string {
	m := make(map[string]string, len(spec.context)+1)
	for k, v := range spec.context {
		m[k] = v
	}
	if spec.bucketKey {
		m["aws:s3:arn"] = BucketARN(bucket)
	} else {
		m["aws:s3:arn"] = ObjectARN(bucket, key)
	}
	return m
}

// newDataKey asks KMS, as the caller through S3, for the data key of an
// SSE-KMS object and fills in the object's encryption fields. It returns
// the sealer for its data; nil for SSE-S3.
func (s *Service) newDataKey(ctx context.Context, obj *recordsv1.S3Object, bucket, key string, spec sseSpec) (*sealer, error) {
	obj.Sse = spec.alg
	if !spec.kms() {
		return nil, nil
	}
	if s.keys == nil {
		return nil, errNoKMS()
	}
	obj.KmsContext = kmsContext(bucket, key, spec)
	obj.BucketKeyEnabled = spec.bucketKey
	arn, plain, ct, err := s.keys.GenerateDataKeyFor(ctx, spec.keyID, obj.KmsContext, kmsVia)
	if err != nil {
		return nil, kmsError(err)
	}
	obj.KmsKeyArn, obj.EncryptedDataKey = arn, ct
	sl, err := newSealer(plain)
	clear(plain)
	if err != nil {
		return nil, awserr.Internal(err)
	}
	return sl, nil
}

// openDataKey asks KMS, as the caller through S3, to decrypt an SSE-KMS
// object's data key (GetObject, UploadPart, CopyObject's source). It
// returns nil for objects that are not SSE-KMS.
func (s *Service) openDataKey(ctx context.Context, obj *recordsv1.S3Object) (*sealer, error) {
	if len(obj.GetEncryptedDataKey()) == 0 {
		return nil, nil
	}
	if s.keys == nil {
		return nil, errNoKMS()
	}
	_, plain, err := s.keys.DecryptFor(ctx, obj.GetEncryptedDataKey(), obj.GetKmsContext(), kmsVia)
	if err != nil {
		return nil, kmsError(err)
	}
	sl, err := newSealer(plain)
	clear(plain)
	if err != nil {
		return nil, awserr.Internal(err)
	}
	return sl, nil
}

func errNoKMS() error {
	return awserr.New("NotImplemented", http.StatusNotImplemented, "SSE-KMS needs AWS KMS, which this emulator was started without")
}

// kmsError is how S3 reports KMS's refusals: access denials as they are
// (the caller lacks a KMS permission), KMS's other errors under a "KMS."
// prefix (KMS.NotFoundException, KMS.DisabledException), as 400s.
func kmsError(err error) error {
	aerr := awserr.From(err)
	if aerr.HTTPStatus == http.StatusForbidden || aerr.HTTPStatus >= 500 || strings.HasPrefix(aerr.Code, "KMS.") {
		return aerr
	}
	return awserr.New("KMS."+aerr.Code, http.StatusBadRequest, aerr.Message)
}
