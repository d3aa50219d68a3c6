package imagebuilder

import (
	"context"
	"maps"

	"github.com/ibemu/ibemu/internal/storage"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// maxTags is how many tags a resource may carry (the model's TagMap holds at
// most 50, as AWS's tagging quota).
const maxTags = 50

// TagResource adds or replaces tags on a resource of any stored kind; an
// ARN of a kind not built yet names a resource that does not exist.
func (s *Service) TagResource(ctx context.Context, req *ibv1.TagResourceRequest) (*ibv1.TagResourceResponse, error) {
	err := s.retag(ctx, "imagebuilder:TagResource", req.GetResourceArn(), func(tags map[string]string) error {
		maps.Copy(tags, req.GetTags())
		if len(tags) > maxTags {
			return ibv1.ErrInvalidParameter("The value supplied for parameter 'tags' is not valid. The resource %s would have %d tags; a resource can have at most %d.", req.GetResourceArn(), len(tags), maxTags)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ibv1.TagResourceResponse{}, nil
}

// UntagResource removes tags from a resource; keys it does not carry are
// ignored.
func (s *Service) UntagResource(ctx context.Context, req *ibv1.UntagResourceRequest) (*ibv1.UntagResourceResponse, error) {
	err := s.retag(ctx, "imagebuilder:UntagResource", req.GetResourceArn(), func(tags map[string]string) error {
		for _, k := range req.GetTagKeys() {
			delete(tags, k)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ibv1.UntagResourceResponse{}, nil
}

// ListTagsForResource returns a resource's tags.
func (s *Service) ListTagsForResource(ctx context.Context, req *ibv1.ListTagsForResourceRequest) (*ibv1.ListTagsForResourceResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	arn := req.GetResourceArn()
	res, l, err := s.locate(ctx, c, "imagebuilder:ListTagsForResource", "resourceArn", arn)
	if err != nil {
		return nil, err
	}
	if !res.Exists || l.record == nil {
		return nil, resourceNotFound(arn)
	}
	return &ibv1.ListTagsForResourceResponse{Tags: recordTags(l.record)}, nil
}

// retag changes the tags of the resource arn resolves to, in its owner's
// scope, in one transaction. Amazon's resources cannot be tagged.
func (s *Service) retag(ctx context.Context, action, arn string, change func(map[string]string) error) error {
	c, aerr := call(ctx)
	if aerr != nil {
		return aerr
	}
	res, l, err := s.locate(ctx, c, action, "resourceArn", arn)
	if err != nil {
		return err
	}
	if !res.Exists || l.record == nil || l.at.Account == awsOwner {
		return resourceNotFound(arn)
	}
	err = s.db.Update(ctx, func(tx *storage.Tx) error {
		rec, at, found, err := l.kind.store.load(tx, l.scope(), l.at)
		if err != nil {
			return err
		}
		if !found {
			return resourceNotFound(arn)
		}
		tags := recordTags(rec)
		if err := change(tags); err != nil {
			return err
		}
		setRecordTags(rec, tags)
		return l.kind.store.save(tx, l.scope(), at, rec)
	})
	return storageError(err)
}

func resourceNotFound(arn string) error {
	return ibv1.ErrResourceNotFound("The resource %s does not exist.", arn)
}
