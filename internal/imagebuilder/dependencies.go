package imagebuilder

import (
	"context"
	"errors"
	"strings"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/storage"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// Objects is S3 as Image Builder reads it for its callers: component and
// script documents named by an s3:// uri. internal/s3 implements it.
type Objects interface {
	// GetObjectFor reads s3://bucket/key as the caller in ctx through a
	// forward access session (via "imagebuilder"): s3:GetObject with the
	// bucket's policy and owner rules, kms:Decrypt for an SSE-KMS object.
	// Errors are S3's (NoSuchBucket, NoSuchKey) or AccessDenied in the
	// calling API's protocol.
	GetObjectFor(ctx context.Context, bucket, key, via string) ([]byte, error)
}

// Keys is KMS as Image Builder uses it for its callers: components
// encrypted under a customer managed key. internal/kms implements it; every
// call but DescribeKeyFor is a forward access request decided as the caller.
type Keys interface {
	DescribeKeyFor(ctx context.Context, keyID string) (keyARN string, enabled bool, err error)
	GenerateDataKeyFor(ctx context.Context, keyID string, encCtx map[string]string, via string) (keyARN string, plaintext, ciphertext []byte, err error)
	DecryptFor(ctx context.Context, ciphertext []byte, encCtx map[string]string, via string) (keyARN string, plaintext []byte, err error)
}

// via is the service name Image Builder's forward access requests carry:
// aws:CalledVia imagebuilder.amazonaws.com, kms:ViaService
// imagebuilder.REGION.amazonaws.com.
const via = "imagebuilder"

// componentDataKeys holds, for each component build encrypted under a
// customer managed key, the data key KMS generated for it (its ciphertext
// blob): name / major / minor / patch / build → blob, in the owner's scope.
// Reading the component decrypts it, so the reader needs kms:Decrypt on the
// key as on AWS.
var componentDataKeys = storage.NewTable[*wrapperspb.BytesValue]("imagebuilder.component-data-keys")

// readS3Document fetches the document a uri names, as the caller.
func (s *Service) readS3Document(ctx context.Context, member, uri string) (string, error) {
	bucket, key, aerr := splitS3URI(member, uri)
	if aerr != nil {
		return "", aerr
	}
	if s.objects == nil {
		return "", awserr.Unsupported("imagebuilder", "reading documents from S3 (no S3 service is wired)")
	}
	body, err := s.objects.GetObjectFor(ctx, bucket, key, via)
	if e := dependencyError(err); e != nil {
		return "", ibv1.ErrInvalidParameterValue("The value supplied for parameter '%s' is not valid. The S3 object %s could not be read: %s: %s", member, uri, e.Code, e.Message)
	} else if err != nil {
		return "", err
	}
	return string(body), nil
}

// dependencyError picks out the errors of another service (S3, KMS) that
// Image Builder must answer in its own vocabulary: the other service's
// codes (NoSuchKey, S3's plain AccessDenied for a missing key the caller
// may not list, DisabledException, …) are not in Image Builder's model, so
// an SDK client could not map them. It is nil for no error, for
// authorization denials made through authz.Check (they already come in
// Image Builder's protocol, AccessDeniedException with the decision's
// message, and pass through as they are) and for internal (5xx) errors.
func dependencyError(err error) *awserr.Error {
	var e *awserr.Error
	if err == nil || !errors.As(err, &e) || e.HTTPStatus >= 500 || e.Code == denialCode {
		return nil
	}
	return e
}

// denialCode is the code of authz.Check's denials in Image Builder's
// protocol (restJson1: authz.AccessDenied).
const denialCode = "AccessDeniedException"

// splitS3URI accepts s3://bucket/key.
func splitS3URI(member, uri string) (bucket, key string, aerr *awserr.Error) {
	rest, ok := strings.CutPrefix(uri, "s3://")
	bucket, key, _ = strings.Cut(rest, "/")
	if !ok || bucket == "" || key == "" {
		return "", "", ibv1.ErrInvalidParameterValue("The value supplied for parameter '%s' is not valid. The URI %s must point to an S3 object: s3://bucket/key.", member, uri)
	}
	return bucket, key, nil
}

// componentEncryptionContext binds a component's data key to the
// component version it encrypts.
func componentEncryptionContext(c *callctx.Call, name string, v Version) map[string]string {
	return map[string]string{"aws:imagebuilder:arn": componentBase(c.Region, c.Account, name) + "/" + v.String()}
}

// componentDataKey asks KMS, as the caller, for the data key a component
// encrypted under kmsKeyId is stored with.
func (s *Service) componentDataKey(ctx context.Context, c *callctx.Call, kmsKeyID *string, name string, v Version) ([]byte, error) {
	return s.generateDataKey(ctx, kmsKeyID, componentEncryptionContext(c, name, v))
}

// generateDataKey asks KMS, as the caller, for the data key a document
// encrypted under kmsKeyId (nil: none) is stored with, bound to encCtx. The
// key must exist and be enabled; the caller needs kms:GenerateDataKey on it
// (forward access through Image Builder).
func (s *Service) generateDataKey(ctx context.Context, kmsKeyID *string, encCtx map[string]string) ([]byte, error) {
	if kmsKeyID == nil {
		return nil, nil
	}
	if s.keys == nil {
		return nil, awserr.Unsupported("imagebuilder", "kmsKeyId (no KMS service is wired)")
	}
	if _, enabled, err := s.keys.DescribeKeyFor(ctx, *kmsKeyID); err != nil {
		var e *awserr.Error
		if errors.As(err, &e) && e.HTTPStatus < 500 {
			return nil, ibv1.ErrInvalidParameterValue("The value supplied for parameter 'kmsKeyId' is not valid. %s: %s", e.Code, e.Message)
		}
		return nil, err
	} else if !enabled {
		return nil, ibv1.ErrInvalidParameterValue("The value supplied for parameter 'kmsKeyId' is not valid. The KMS key %s is not enabled.", *kmsKeyID)
	}
	_, _, blob, err := s.keys.GenerateDataKeyFor(ctx, *kmsKeyID, encCtx, via)
	if e := dependencyError(err); e != nil {
		return nil, ibv1.ErrInvalidParameterValue("The value supplied for parameter 'kmsKeyId' is not valid. KMS could not generate a data key under %s: %s: %s", *kmsKeyID, e.Code, e.Message)
	} else if err != nil {
		return nil, err
	}
	return blob, nil
}

// decryptDataKey decides kms:Decrypt, as the caller through Image Builder,
// on a stored data key (nil: nothing to decrypt). A denial passes through
// (AccessDeniedException); KMS's other refusals — the key is disabled
// (DisabledException), pending deletion (KMSInvalidStateException) or gone
// (NotFoundException) — are ClientException, the error every Image Builder
// read that decrypts (GetComponent, GetWorkflow) models for a client-side
// problem with a resource it names, with KMS's code and message (which
// names the key).
func (s *Service) decryptDataKey(ctx context.Context, blob []byte, encCtx map[string]string) error {
	if blob == nil || s.keys == nil {
		return nil
	}
	_, _, err := s.keys.DecryptFor(ctx, blob, encCtx, via)
	if e := dependencyError(err); e != nil {
		return ibv1.ErrClient("The KMS key that encrypts this resource cannot decrypt its data key: %s: %s", e.Code, e.Message)
	}
	return err
}

// checkComponentDecrypt decides kms:Decrypt, as the caller, for a component
// build encrypted under a customer managed key: its data key must decrypt.
func (s *Service) checkComponentDecrypt(ctx context.Context, comp *ibv1.Component, l *located) error {
	if comp.GetKmsKeyId() == "" || s.keys == nil {
		return nil
	}
	v, aerr := ParseVersion(l.at.Version)
	if aerr != nil {
		return aerr
	}
	var blob []byte
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		rec, found, err := componentDataKeys.Get(tx, l.scope(), buildKey(l.at.Name, v, l.at.Build))
		if found {
			blob = rec.GetValue()
		}
		return err
	})
	if err != nil || blob == nil {
		return storageError(err)
	}
	return s.decryptDataKey(ctx, blob, map[string]string{"aws:imagebuilder:arn": componentBase(l.at.Region, l.at.Account, l.at.Name) + "/" + v.String()})
}
