package s3

import (
	"context"

	"github.com/ibemu/ibemu/internal/authz"
	"github.com/ibemu/ibemu/internal/storage"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
)

// GetObjectFor reads s3://bucket/key for another service acting for the
// caller in ctx (Image Builder reading a component document): the
// s3:GetObject decision is a forward access check (authz.Check with Via
// "<via>.amazonaws.com": aws:CalledVia, aws:ViaAWSService) with the bucket
// policy and owner rules applied, and SSE-KMS objects are decrypted through
// Keys.DecryptFor (kms:Decrypt as the caller, via "s3"). Errors are S3's
// modeled errors (NoSuchBucket, NoSuchKey, InvalidBucketName) or
// AccessDenied in the calling API's protocol. ctx must carry an authorized
// call (authz.TargetFrom).
func (s *Service) GetObjectFor(ctx context.Context, bucket, key, via string) ([]byte, error) {
	if err := checkBucketName(bucket); err != nil {
		return nil, err
	}
	if err := checkKey(key); err != nil {
		return nil, err
	}
	if err := authz.Check(ctx, authz.CheckRequest{Action: "s3:GetObject", ARN: ObjectARN(bucket, key), Via: []string{via + ".amazonaws.com"}}); err != nil {
		return nil, err
	}
	r, err := s.read(ctx, bucket, key, nil, conditions{}, "", true)
	if err != nil {
		return nil, err
	}
	// The bytes were copied out of the transaction: the caller may keep them.
	return r.data, nil
}

// PutObjectFor writes body to s3://bucket/key for another service, as the
// principal of the call in ctx acting itself (an image build's instance
// role writing its logs): s3:PutObject is decided as that principal with
// the bucket policy and owner rules applied (a dependent check: no
// aws:CalledVia), and the bucket's default encryption applies, an SSE-KMS
// data key being generated as that principal through S3. Errors are S3's
// modeled errors (NoSuchBucket, InvalidBucketName, EntityTooLarge) or
// AccessDenied in the calling API's protocol. ctx must carry an authorized
// call (authz.TargetFrom).
func (s *Service) PutObjectFor(ctx context.Context, bucket, key string, body []byte) error {
	if err := checkBucketName(bucket); err != nil {
		return err
	}
	if err := checkKey(key); err != nil {
		return err
	}
	if err := authz.Check(ctx, authz.CheckRequest{Action: "s3:PutObject", ARN: ObjectARN(bucket, key)}); err != nil {
		return err
	}
	_, err := s.put(ctx, &putSpec{bucket: bucket, key: key, data: body, template: &recordsv1.S3Object{ContentType: "text/plain"}})
	return err
}

// BucketFor reports whether a bucket exists, and its owner account and
// region (for validating logging buckets), without an authorization check.
func (s *Service) BucketFor(ctx context.Context, bucket string) (owner, region string, ok bool, err error) {
	if !ValidBucketName(bucket) {
		return "", "", false, nil
	}
	var b *recordsv1.S3Bucket
	err = s.db.View(ctx, func(tx *storage.Tx) error {
		var err error
		b, ok, err = loadBucket(tx, bucket)
		return err
	})
	if err != nil || !ok {
		return "", "", false, storageError(err)
	}
	return b.GetOwner(), b.GetRegion(), true, nil
}
