package s3

import (
	"context"
	"net/url"

	"github.com/ibemu/ibemu/internal/storage"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
	s3v1 "github.com/ibemu/ibemu/proto/s3/v1"
)

func urlUnescape(s string) (string, error) { return url.QueryUnescape(s) }

// updateObject changes an object's metadata record (not its data) in one
// transaction.
func (s *Service) updateObject(ctx context.Context, bucket, key string, req any, fn func(o *recordsv1.S3Object) error) error {
	if err := checkBucketName(bucket); err != nil {
		return err
	}
	if err := checkKey(key); err != nil {
		return err
	}
	err := s.db.Update(ctx, func(tx *storage.Tx) error {
		b, err := mustBucket(tx, bucket)
		if err != nil {
			return err
		}
		if err := checkExpectedOwner(b, req); err != nil {
			return err
		}
		sc, k := dataScope(b), objectKey(bucket, key)
		o, found, err := objects.Get(tx, sc, k)
		if err != nil {
			return err
		}
		if !found {
			return errNoSuchKey()
		}
		if err := fn(o); err != nil {
			return err
		}
		return objects.Put(tx, sc, k, o)
	})
	return storageError(err)
}

// PutObjectTagging replaces an object's tags (at most 10).
func (s *Service) PutObjectTagging(ctx context.Context, req *s3v1.PutObjectTaggingRequest) (*s3v1.PutObjectTaggingOutput, error) {
	if err := unversioned(req.GetVersionId()); err != nil {
		return nil, err
	}
	if req.GetTagging() == nil {
		return nil, errMalformedXML()
	}
	tags, err := tagMapLimit(req.GetTagging().GetTagSet(), maxObjectTags)
	if err != nil {
		return nil, err
	}
	err = s.updateObject(ctx, req.GetBucket(), req.GetKey(), req, func(o *recordsv1.S3Object) error {
		o.Tags = tags
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &s3v1.PutObjectTaggingOutput{}, nil
}

// GetObjectTagging answers an object's tags (an empty set when none).
func (s *Service) GetObjectTagging(ctx context.Context, req *s3v1.GetObjectTaggingRequest) (*s3v1.GetObjectTaggingOutput, error) {
	if err := unversioned(req.GetVersionId()); err != nil {
		return nil, err
	}
	r, err := s.read(ctx, req.GetBucket(), req.GetKey(), req, conditions{}, "", false)
	if err != nil {
		return nil, err
	}
	return &s3v1.GetObjectTaggingOutput{TagSet: tagList(r.obj.GetTags())}, nil
}

// DeleteObjectTagging removes an object's tags.
func (s *Service) DeleteObjectTagging(ctx context.Context, req *s3v1.DeleteObjectTaggingRequest) (*s3v1.DeleteObjectTaggingOutput, error) {
	if err := unversioned(req.GetVersionId()); err != nil {
		return nil, err
	}
	err := s.updateObject(ctx, req.GetBucket(), req.GetKey(), req, func(o *recordsv1.S3Object) error {
		o.Tags = nil
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &s3v1.DeleteObjectTaggingOutput{}, nil
}
