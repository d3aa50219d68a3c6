package s3

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/authz"
	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/iam/policy"
	"github.com/ibemu/ibemu/internal/storage"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
)

// Resolver returns the enforcement layer's resolver for S3 ARNs: buckets
// arn:aws:s3:::NAME and objects arn:aws:s3:::NAME/KEY.
//
// S3's access rules ("How Amazon S3 authorizes a request"): the bucket
// owner's account is the resource account of the bucket and, with
// BucketOwnerEnforced (the default, ACLs disabled), of every object in it;
// the bucket policy is the resource-based policy of both. Within the
// owner's account either the caller's identity-based policies or the
// bucket policy may allow; from another account both must (the engine
// decides that from the resource account).
//
// Before any decision, as S3 answers before it authorizes:
//   - a bucket that does not exist is NoSuchBucket (404; HeadBucket's
//     bodiless 404 NotFound) to every signed caller, for every action but
//     s3:CreateBucket — bucket names are global and their existence is not
//     secret in S3;
//   - a request signed for another region than the bucket's is
//     AuthorizationHeaderMalformed (AuthorizationQueryParametersError for a
//     presigned URL; 400, with a <Region> element naming the bucket's),
//     except GetBucketLocation, which works from any region, and HeadBucket,
//     which answers 301 with the bucket's region in x-amz-bucket-region.
//
// The bucket owner account's root user may always get, put and delete the
// bucket policy, even when the policy denies it (S3 User Guide, "Bucket
// policies": a policy that denies everyone can be removed by the root
// user): for those three actions the bucket policy takes no part in the
// root user's decision.
func (s *Service) Resolver() authz.Resolver { return resolver{s} }

type resolver struct{ s *Service }

// rootPolicyActions are the actions the owner's root user keeps whatever
// the bucket policy says.
var rootPolicyActions = map[string]bool{
	"s3:GetBucketPolicy": true, "s3:PutBucketPolicy": true, "s3:DeleteBucketPolicy": true,
}

// Resolve implements authz.Resolver.
func (r resolver) Resolve(ctx context.Context, c *callctx.Call, action string, ref *authz.ResourceRef) (*authz.Resource, error) {
	res := &authz.Resource{ARN: ref.ARN, Account: c.Account}
	a, ok := authz.ParseARN(ref.ARN)
	if !ok || a.Service != "s3" || a.Region != "" || a.Account != "" {
		// Access points and other S3 resources are not served: the ARN
		// stands for itself, in the caller's account.
		return res, nil
	}
	name, _, isObject := strings.Cut(a.Resource, "/")
	res.Type = "bucket"
	if isObject {
		res.Type = "object"
	}
	if action == "s3:CreateBucket" {
		// The bucket to be created is the caller's; whether the name is
		// taken is the handler's answer (BucketAlreadyExists), not a
		// cross-account decision.
		return res, nil
	}
	if err := checkBucketName(name); err != nil {
		return nil, err
	}
	var b *recordsv1.S3Bucket
	err := r.s.db.View(ctx, func(tx *storage.Tx) error {
		var err error
		b, _, err = loadBucket(tx, name)
		return err
	})
	if err != nil {
		return nil, storageError(err)
	}
	// The request's own bucket (ref.Spec set) is held to the request's
	// region and operation; a check the handler makes (CopyObject's source,
	// a service reading for the caller) only to its existence.
	own := ref.Spec != nil && c.Service == "s3"
	if b == nil {
		if own && c.Operation == "HeadBucket" {
			return nil, errNotFound()
		}
		return nil, errNoSuchBucket(name)
	}
	if own {
		if err := checkRegion(c, b); err != nil {
			return nil, err
		}
	}
	if err := r.s.describe(res, b, isObject); err != nil {
		return nil, err
	}
	if rootPolicyActions[action] && c.Principal.Kind == auth.PrincipalRoot && c.Principal.Session == nil && c.Account == b.GetOwner() {
		res.Policy = nil
	}
	return res, nil
}

// checkRegion answers a request signed for another region than the
// bucket's as S3 does (see Resolver).
func checkRegion(c *callctx.Call, b *recordsv1.S3Bucket) error {
	region := b.GetRegion()
	if c.Region == region {
		return nil
	}
	switch c.Operation {
	case "GetBucketLocation", "CreateBucket", "ListBuckets":
		return nil
	case "HeadBucket":
		return awserr.New("PermanentRedirect", http.StatusMovedPermanently, "Moved Permanently").
			WithHeader("X-Amz-Bucket-Region", region)
	}
	if c.S3 != nil && c.S3.AuthType == "REST-QUERY-STRING" {
		return awserr.Newf("AuthorizationQueryParametersError", http.StatusBadRequest,
			"Error parsing the X-Amz-Credential parameter; the region '%s' is wrong; expecting '%s'", c.Region, region).
			WithField("Region", region)
	}
	return awserr.Newf("AuthorizationHeaderMalformed", http.StatusBadRequest,
		"The authorization header is malformed; the region '%s' is wrong; expecting '%s'", c.Region, region).
		WithField("Region", region)
}

// describe fills in what a stored bucket contributes to a decision on
// itself or one of its objects.
func (s *Service) describe(res *authz.Resource, b *recordsv1.S3Bucket, object bool) error {
	res.Exists = true
	res.Account = b.GetOwner()
	res.Record = b
	if !object {
		res.Tags = b.GetTags()
	}
	res.Keys = []authz.Key{{Name: "s3:ResourceAccount", Type: policy.TypeString, Values: []string{b.GetOwner()}}}
	p, err := s.pols.get(b)
	if err != nil {
		return awserr.Internal(err)
	}
	res.Policy = p
	return nil
}

// policyCache keeps each bucket's parsed policy while its text is
// unchanged, so a decision does not parse the document again.
type policyCache struct {
	mu sync.Mutex
	m  map[string]cachedPolicy
}

type cachedPolicy struct {
	text string
	att  *policy.Attached
}

func (pc *policyCache) get(b *recordsv1.S3Bucket) (*policy.Attached, error) {
	text := b.GetPolicy()
	if text == "" {
		return nil, nil
	}
	pc.mu.Lock()
	if c, ok := pc.m[b.GetName()]; ok && c.text == text {
		pc.mu.Unlock()
		return c.att, nil
	}
	pc.mu.Unlock()
	p, err := policy.Parse(text, policy.KindResource)
	if err != nil {
		// Stored documents passed the same validation when they were put.
		return nil, fmt.Errorf("s3: stored policy of bucket %s: %w", b.GetName(), err)
	}
	att := &policy.Attached{Policy: p, Name: "bucket policy of " + b.GetName()}
	pc.mu.Lock()
	if pc.m == nil {
		pc.m = map[string]cachedPolicy{}
	}
	pc.m[b.GetName()] = cachedPolicy{text: text, att: att}
	pc.mu.Unlock()
	return att, nil
}

func (pc *policyCache) forget(name string) {
	pc.mu.Lock()
	delete(pc.m, name)
	pc.mu.Unlock()
}

// BucketARN and ObjectARN are the ARNs IAM evaluates for S3 resources.
func BucketARN(bucket string) string { return "arn:aws:s3:::" + bucket }

// ObjectARN is arn:aws:s3:::BUCKET/KEY.
func ObjectARN(bucket, key string) string { return "arn:aws:s3:::" + bucket + "/" + key }
