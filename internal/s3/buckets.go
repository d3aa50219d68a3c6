package s3

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/quota"
	"github.com/ibemu/ibemu/internal/storage"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
	s3v1 "github.com/ibemu/ibemu/proto/s3/v1"
)

// legacyRegion is us-east-1, where S3 keeps its legacy behaviours: no
// LocationConstraint, and CreateBucket of a bucket the caller already owns
// answers 200.
const legacyRegion = "us-east-1"

// BucketOwnerEnforced is the object ownership of new buckets: ACLs are
// disabled and the bucket owner owns every object (the default since April
// 2023).
const BucketOwnerEnforced = "BucketOwnerEnforced"

// expectedOwner is the ExpectedBucketOwner member most inputs have.
type expectedOwner interface{ GetExpectedBucketOwner() string }

// checkExpectedOwner answers AccessDenied when the request names an
// expected owner that is not the bucket's (x-amz-expected-bucket-owner).
func checkExpectedOwner(b *recordsv1.S3Bucket, req any) error {
	if eo, ok := req.(expectedOwner); ok && eo.GetExpectedBucketOwner() != "" && eo.GetExpectedBucketOwner() != b.GetOwner() {
		return s3v1.ErrAccessDenied("Access Denied")
	}
	return nil
}

// readBucket loads the named bucket for a read-only operation.
func (s *Service) readBucket(ctx context.Context, name string, req any) (*recordsv1.S3Bucket, error) {
	if err := checkBucketName(name); err != nil {
		return nil, err
	}
	var b *recordsv1.S3Bucket
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		var err error
		b, err = mustBucket(tx, name)
		return err
	})
	if err != nil {
		return nil, storageError(err)
	}
	if err := checkExpectedOwner(b, req); err != nil {
		return nil, err
	}
	return b, nil
}

// updateBucket changes the named bucket's record in one transaction.
func (s *Service) updateBucket(ctx context.Context, name string, req any, fn func(b *recordsv1.S3Bucket) error) error {
	if err := checkBucketName(name); err != nil {
		return err
	}
	err := s.db.Update(ctx, func(tx *storage.Tx) error {
		b, err := mustBucket(tx, name)
		if err != nil {
			return err
		}
		if err := checkExpectedOwner(b, req); err != nil {
			return err
		}
		if err := fn(b); err != nil {
			return err
		}
		return buckets.Put(tx, IndexScope, bucketKey(name), b)
	})
	return storageError(err)
}

// CreateBucket creates a bucket in the region the request was sent to.
// The LocationConstraint must name that region, and must be absent in
// us-east-1 (IllegalLocationConstraintException, InvalidLocationConstraint).
// Names are global: another account's bucket is BucketAlreadyExists; the
// caller's own is BucketAlreadyOwnedByYou, except in us-east-1 where S3
// answers 200 for legacy compatibility (CreateBucket API reference).
func (s *Service) CreateBucket(ctx context.Context, req *s3v1.CreateBucketRequest) (*s3v1.CreateBucketOutput, error) {
	c, err := call(ctx)
	if err != nil {
		return nil, err
	}
	name := req.GetBucket()
	if err := checkBucketName(name); err != nil {
		return nil, err
	}
	lc := req.GetCreateBucketConfiguration().GetLocationConstraint()
	switch {
	case lc == "" && c.Region != legacyRegion:
		return nil, awserr.New("IllegalLocationConstraintException", http.StatusBadRequest, "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.")
	case lc == legacyRegion:
		return nil, awserr.New("InvalidLocationConstraint", http.StatusBadRequest, "The specified location-constraint is not valid")
	case lc != "" && lc != c.Region:
		return nil, awserr.Newf("IllegalLocationConstraintException", http.StatusBadRequest, "The %s location constraint is incompatible for the region specific endpoint this request was sent to.", lc)
	}
	ownership := req.GetObjectOwnership()
	if ownership == "" {
		ownership = BucketOwnerEnforced
	}
	if ownership == BucketOwnerEnforced && (aclGiven(req.GetAcl(), "private") || req.GetGrantFullControl() != "" || req.GetGrantRead() != "" ||
		req.GetGrantReadAcp() != "" || req.GetGrantWrite() != "" || req.GetGrantWriteAcp() != "") {
		return nil, awserr.New("InvalidBucketAclWithObjectOwnership", http.StatusBadRequest, "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting")
	}
	tags, err := tagMap(req.GetCreateBucketConfiguration().GetTags())
	if err != nil {
		return nil, err
	}
	now := timestamppb.New(s.now())
	b := &recordsv1.S3Bucket{
		Name: name, Owner: c.Account, Region: c.Region, Created: now, ObjectOwnership: ownership,
		Encryption: defaultEncryption(), Tags: tags, PublicAccessBlock: blockAll(),
	}
	err = s.db.Update(ctx, func(tx *storage.Tx) error {
		old, found, err := loadBucket(tx, name)
		if err != nil {
			return err
		}
		switch {
		case found && old.GetOwner() != c.Account:
			return s3v1.ErrBucketAlreadyExists("The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.")
		case found && old.GetRegion() == legacyRegion && c.Region == legacyRegion:
			return nil
		case found:
			return s3v1.ErrBucketAlreadyOwnedByYou("Your previous request to create the named bucket succeeded and you already own it.")
		}
		if err := s.checkBucketQuota(tx, c.Account); err != nil {
			return err
		}
		if err := buckets.Insert(tx, IndexScope, bucketKey(name), b); err != nil {
			return err
		}
		return ownedBuckets.Put(tx, ownerScope(c.Account), bucketKey(name), &recordsv1.S3OwnedBucket{Region: c.Region, Created: now})
	})
	if err != nil {
		return nil, storageError(err)
	}
	// S3's Location header: the path in us-east-1, the bucket's
	// virtual-hosted URL on the global endpoint elsewhere (what S3 answers
	// today, whatever the request's endpoint).
	loc := "/" + name
	if c.Region != legacyRegion {
		loc = "http://" + name + ".s3.amazonaws.com/"
	}
	return &s3v1.CreateBucketOutput{Location: ptr(loc), BucketArn: ptr(BucketARN(name))}, nil
}

// aclGiven reports a canned ACL other than the ones ACL-disabled buckets
// accept.
func aclGiven(acl string, accepted ...string) bool {
	if acl == "" {
		return false
	}
	for _, a := range accepted {
		if acl == a {
			return false
		}
	}
	return true
}

func defaultEncryption() *recordsv1.S3Encryption {
	return &recordsv1.S3Encryption{Algorithm: "AES256"}
}

// HeadBucket reports that a bucket exists and the caller may list it, and
// its region. A missing bucket is 404 without a body (NotFound).
func (s *Service) HeadBucket(ctx context.Context, req *s3v1.HeadBucketRequest) (*s3v1.HeadBucketOutput, error) {
	b, err := s.readBucket(ctx, req.GetBucket(), req)
	if aerr, ok := awserr.As(err); ok && aerr.Code == "NoSuchBucket" {
		return nil, errNotFound()
	}
	if err != nil {
		return nil, err
	}
	return &s3v1.HeadBucketOutput{BucketRegion: ptr(b.GetRegion()), BucketArn: ptr(BucketARN(b.GetName())), AccessPointAlias: ptr(false)}, nil
}

// DeleteBucket deletes an empty bucket (BucketNotEmpty otherwise), with
// any multipart uploads still in progress in it.
func (s *Service) DeleteBucket(ctx context.Context, req *s3v1.DeleteBucketRequest) (*s3v1.DeleteBucketResponse, error) {
	name := req.GetBucket()
	if err := checkBucketName(name); err != nil {
		return nil, err
	}
	err := s.db.Update(ctx, func(tx *storage.Tx) error {
		b, err := mustBucket(tx, name)
		if err != nil {
			return err
		}
		if err := checkExpectedOwner(b, req); err != nil {
			return err
		}
		sc := dataScope(b)
		empty := true
		err = objects.Scan(tx, sc, storage.ScanOptions{Prefix: objectPrefix(name, ""), Limit: 1}, func([]byte, *recordsv1.S3Object) (bool, error) {
			empty = false
			return false, nil
		})
		if err != nil {
			return err
		}
		if !empty {
			return awserr.New("BucketNotEmpty", http.StatusConflict, "The bucket you tried to delete is not empty")
		}
		var ups []*recordsv1.S3Upload
		err = uploads.Scan(tx, sc, storage.ScanOptions{Prefix: objectPrefix(name, "")}, func(_ []byte, u *recordsv1.S3Upload) (bool, error) {
			ups = append(ups, u)
			return true, nil
		})
		if err != nil {
			return err
		}
		for _, u := range ups {
			if err := dropUpload(tx, sc, name, u); err != nil {
				return err
			}
		}
		if _, err := buckets.Delete(tx, IndexScope, bucketKey(name)); err != nil {
			return err
		}
		_, err = ownedBuckets.Delete(tx, ownerScope(b.GetOwner()), bucketKey(name))
		return err
	})
	if err != nil {
		return nil, storageError(err)
	}
	s.pols.forget(name)
	return &s3v1.DeleteBucketResponse{}, nil
}

// MaxListBuckets is the page size limit of ListBuckets.
const MaxListBuckets = 10000

// ListBuckets lists the caller's account's buckets by name, with the
// account as Owner; MaxBuckets pages (ContinuationToken), Prefix and
// BucketRegion filter.
func (s *Service) ListBuckets(ctx context.Context, req *s3v1.ListBucketsRequest) (*s3v1.ListBucketsOutput, error) {
	c, err := call(ctx)
	if err != nil {
		return nil, err
	}
	limit := MaxListBuckets
	if req.MaxBuckets != nil {
		if req.GetMaxBuckets() < 1 || req.GetMaxBuckets() > MaxListBuckets {
			return nil, errInvalidArgument("Argument max-buckets must be an integer between 1 and 10000.")
		}
		limit = int(req.GetMaxBuckets())
	}
	opts := storage.ScanOptions{Prefix: storage.NewKey().StringPrefix(req.GetPrefix()).Key()}
	if req.GetContinuationToken() != "" {
		cur, err := decodeToken(req.GetContinuationToken())
		if err != nil {
			return nil, err
		}
		opts.StartAfter = bucketKey(cur.key)
	}
	out := &s3v1.ListBucketsOutput{Owner: &s3v1.Owner{Id: ptr(CanonicalID(c.Account))}, Buckets: []*s3v1.Bucket{}}
	if req.Prefix != nil {
		out.Prefix = req.Prefix
	}
	err = s.db.View(ctx, func(tx *storage.Tx) error {
		return ownedBuckets.Scan(tx, ownerScope(c.Account), opts, func(k []byte, v *recordsv1.S3OwnedBucket) (bool, error) {
			name, err := storage.ReadKey(k).String()
			if err != nil {
				return false, err
			}
			if r := req.GetBucketRegion(); r != "" && v.GetRegion() != r {
				return true, nil
			}
			if len(out.Buckets) == limit {
				out.ContinuationToken = ptr(encodeToken(listCursor{key: *out.Buckets[limit-1].Name}))
				return false, nil
			}
			out.Buckets = append(out.Buckets, &s3v1.Bucket{Name: ptr(name), CreationDate: v.GetCreated(), BucketRegion: ptr(v.GetRegion()), BucketArn: ptr(BucketARN(name))})
			return true, nil
		})
	})
	if err != nil {
		return nil, storageError(err)
	}
	return out, nil
}

// GetBucketLocation answers the bucket's region; empty (null) for
// us-east-1, as S3 does.
func (s *Service) GetBucketLocation(ctx context.Context, req *s3v1.GetBucketLocationRequest) (*s3v1.GetBucketLocationOutput, error) {
	b, err := s.readBucket(ctx, req.GetBucket(), req)
	if err != nil {
		return nil, err
	}
	out := &s3v1.GetBucketLocationOutput{}
	if b.GetRegion() != legacyRegion {
		out.LocationConstraint = ptr(b.GetRegion())
	}
	return out, nil
}

// ownerOnly answers 405 MethodNotAllowed to callers outside the bucket
// owner's account for the operations S3 keeps to it (Put, Get and
// DeleteBucketPolicy: "you must … belong to the bucket owner's account").
func ownerOnly(ctx context.Context, b *recordsv1.S3Bucket) error {
	c, err := call(ctx)
	if err != nil {
		return err
	}
	if c.Account != b.GetOwner() {
		return awserr.New("MethodNotAllowed", http.StatusMethodNotAllowed, "The specified method is not allowed against this resource.")
	}
	return nil
}

// PutBucketPolicy validates and sets the bucket policy: MalformedPolicy
// for a document S3 refuses or a principal that does not exist ("Invalid
// principal in policy"), AccessDenied for a public policy (PublicPolicy)
// while the bucket's BlockPublicPolicy setting is on.
func (s *Service) PutBucketPolicy(ctx context.Context, req *s3v1.PutBucketPolicyRequest) (*s3v1.PutBucketPolicyResponse, error) {
	name := req.GetBucket()
	if err := checkBucketName(name); err != nil {
		return nil, err
	}
	p, err := ValidateBucketPolicy(name, req.GetPolicy())
	if err != nil {
		return nil, err
	}
	if err := s.checkPrincipals(ctx, req.GetPolicy()); err != nil {
		return nil, err
	}
	public := PublicPolicy(p)
	err = s.updateBucket(ctx, name, req, func(b *recordsv1.S3Bucket) error {
		if err := ownerOnly(ctx, b); err != nil {
			return err
		}
		if public && b.GetPublicAccessBlock().GetBlockPublicPolicy() {
			c, err := call(ctx)
			if err != nil {
				return err
			}
			return errPublicPolicyBlocked(c.Principal.ARN, name)
		}
		b.Policy = req.GetPolicy()
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.pols.forget(name)
	return &s3v1.PutBucketPolicyResponse{}, nil
}

// GetBucketPolicy returns the policy as it was put (NoSuchBucketPolicy
// when there is none).
func (s *Service) GetBucketPolicy(ctx context.Context, req *s3v1.GetBucketPolicyRequest) (*s3v1.GetBucketPolicyOutput, error) {
	b, err := s.readBucket(ctx, req.GetBucket(), req)
	if err != nil {
		return nil, err
	}
	if err := ownerOnly(ctx, b); err != nil {
		return nil, err
	}
	if b.GetPolicy() == "" {
		return nil, errNoSuchBucketPolicy()
	}
	return &s3v1.GetBucketPolicyOutput{Policy: ptr(b.GetPolicy())}, nil
}

// DeleteBucketPolicy removes the policy; removing none succeeds.
func (s *Service) DeleteBucketPolicy(ctx context.Context, req *s3v1.DeleteBucketPolicyRequest) (*s3v1.DeleteBucketPolicyResponse, error) {
	err := s.updateBucket(ctx, req.GetBucket(), req, func(b *recordsv1.S3Bucket) error {
		if err := ownerOnly(ctx, b); err != nil {
			return err
		}
		b.Policy = ""
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.pols.forget(req.GetBucket())
	return &s3v1.DeleteBucketPolicyResponse{}, nil
}

// GetBucketOwnershipControls answers the bucket's object ownership
// (BucketOwnerEnforced on new buckets).
func (s *Service) GetBucketOwnershipControls(ctx context.Context, req *s3v1.GetBucketOwnershipControlsRequest) (*s3v1.GetBucketOwnershipControlsOutput, error) {
	b, err := s.readBucket(ctx, req.GetBucket(), req)
	if err != nil {
		return nil, err
	}
	if b.GetObjectOwnership() == "" {
		return nil, awserr.New("OwnershipControlsNotFoundError", http.StatusNotFound, "The bucket ownership controls were not found")
	}
	return &s3v1.GetBucketOwnershipControlsOutput{OwnershipControls: &s3v1.OwnershipControls{
		Rules: []*s3v1.OwnershipControlsRule{{ObjectOwnership: ptr(b.GetObjectOwnership())}},
	}}, nil
}

// PutBucketOwnershipControls sets the object ownership: exactly one rule.
func (s *Service) PutBucketOwnershipControls(ctx context.Context, req *s3v1.PutBucketOwnershipControlsRequest) (*s3v1.PutBucketOwnershipControlsResponse, error) {
	rules := req.GetOwnershipControls().GetRules()
	if len(rules) != 1 || rules[0].GetObjectOwnership() == "" {
		return nil, errMalformedXML()
	}
	if sh, ok := s3v1.Model().Shape("ObjectOwnership"); ok && !slices.Contains(sh.EnumValues, rules[0].GetObjectOwnership()) {
		return nil, errMalformedXML()
	}
	err := s.updateBucket(ctx, req.GetBucket(), req, func(b *recordsv1.S3Bucket) error {
		b.ObjectOwnership = rules[0].GetObjectOwnership()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &s3v1.PutBucketOwnershipControlsResponse{}, nil
}

// DeleteBucketOwnershipControls removes the ownership controls.
func (s *Service) DeleteBucketOwnershipControls(ctx context.Context, req *s3v1.DeleteBucketOwnershipControlsRequest) (*s3v1.DeleteBucketOwnershipControlsResponse, error) {
	err := s.updateBucket(ctx, req.GetBucket(), req, func(b *recordsv1.S3Bucket) error {
		b.ObjectOwnership = ""
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &s3v1.DeleteBucketOwnershipControlsResponse{}, nil
}

// GetBucketAcl answers the only ACL an ACL-disabled bucket has: the owner
// with FULL_CONTROL.
func (s *Service) GetBucketAcl(ctx context.Context, req *s3v1.GetBucketAclRequest) (*s3v1.GetBucketAclOutput, error) {
	b, err := s.readBucket(ctx, req.GetBucket(), req)
	if err != nil {
		return nil, err
	}
	id := CanonicalID(b.GetOwner())
	return &s3v1.GetBucketAclOutput{
		Owner:  &s3v1.Owner{Id: ptr(id)},
		Grants: []*s3v1.Grant{{Grantee: &s3v1.Grantee{Id: ptr(id), Type: ptr("CanonicalUser")}, Permission: ptr("FULL_CONTROL")}},
	}, nil
}

// PutBucketEncryption sets the default encryption: one rule, SSE-S3
// (AES256) or SSE-KMS (aws:kms, with an optional KMSMasterKeyID and
// BucketKeyEnabled).
func (s *Service) PutBucketEncryption(ctx context.Context, req *s3v1.PutBucketEncryptionRequest) (*s3v1.PutBucketEncryptionResponse, error) {
	rules := req.GetServerSideEncryptionConfiguration().GetRules()
	if len(rules) != 1 || rules[0].GetApplyServerSideEncryptionByDefault() == nil {
		return nil, errMalformedXML()
	}
	def := rules[0].GetApplyServerSideEncryptionByDefault()
	alg := def.GetSseAlgorithm()
	switch alg {
	case "AES256", "aws:kms", "aws:kms:dsse":
	default:
		return nil, errMalformedXML()
	}
	if def.GetKmsMasterKeyId() != "" && !strings.HasPrefix(alg, "aws:kms") {
		return nil, errInvalidArgument("a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse")
	}
	enc := &recordsv1.S3Encryption{Algorithm: alg, KmsKeyId: def.GetKmsMasterKeyId(), BucketKeyEnabled: rules[0].GetBucketKeyEnabled()}
	err := s.updateBucket(ctx, req.GetBucket(), req, func(b *recordsv1.S3Bucket) error {
		b.Encryption = enc
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &s3v1.PutBucketEncryptionResponse{}, nil
}

// GetBucketEncryption answers the default encryption (SSE-S3 unless set).
func (s *Service) GetBucketEncryption(ctx context.Context, req *s3v1.GetBucketEncryptionRequest) (*s3v1.GetBucketEncryptionOutput, error) {
	b, err := s.readBucket(ctx, req.GetBucket(), req)
	if err != nil {
		return nil, err
	}
	enc := b.GetEncryption()
	if enc == nil {
		enc = defaultEncryption()
	}
	def := &s3v1.ServerSideEncryptionByDefault{SseAlgorithm: ptr(enc.GetAlgorithm())}
	if enc.GetKmsKeyId() != "" {
		def.KmsMasterKeyId = ptr(enc.GetKmsKeyId())
	}
	return &s3v1.GetBucketEncryptionOutput{ServerSideEncryptionConfiguration: &s3v1.ServerSideEncryptionConfiguration{
		Rules: []*s3v1.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: def, BucketKeyEnabled: ptr(enc.GetBucketKeyEnabled())}},
	}}, nil
}

// DeleteBucketEncryption resets the default encryption to SSE-S3, as S3
// does.
func (s *Service) DeleteBucketEncryption(ctx context.Context, req *s3v1.DeleteBucketEncryptionRequest) (*s3v1.DeleteBucketEncryptionResponse, error) {
	err := s.updateBucket(ctx, req.GetBucket(), req, func(b *recordsv1.S3Bucket) error {
		b.Encryption = defaultEncryption()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &s3v1.DeleteBucketEncryptionResponse{}, nil
}

// PutBucketTagging replaces the bucket's tags (they supply
// aws:ResourceTag/* for decisions on the bucket).
func (s *Service) PutBucketTagging(ctx context.Context, req *s3v1.PutBucketTaggingRequest) (*s3v1.PutBucketTaggingResponse, error) {
	if req.GetTagging() == nil {
		return nil, errMalformedXML()
	}
	tags, err := tagMap(req.GetTagging().GetTagSet())
	if err != nil {
		return nil, err
	}
	err = s.updateBucket(ctx, req.GetBucket(), req, func(b *recordsv1.S3Bucket) error {
		b.Tags = tags
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &s3v1.PutBucketTaggingResponse{}, nil
}

// GetBucketTagging answers the tags (NoSuchTagSet when there are none).
func (s *Service) GetBucketTagging(ctx context.Context, req *s3v1.GetBucketTaggingRequest) (*s3v1.GetBucketTaggingOutput, error) {
	b, err := s.readBucket(ctx, req.GetBucket(), req)
	if err != nil {
		return nil, err
	}
	if len(b.GetTags()) == 0 {
		return nil, errNoSuchTagSet()
	}
	return &s3v1.GetBucketTaggingOutput{TagSet: tagList(b.GetTags())}, nil
}

// DeleteBucketTagging removes the tags.
func (s *Service) DeleteBucketTagging(ctx context.Context, req *s3v1.DeleteBucketTaggingRequest) (*s3v1.DeleteBucketTaggingResponse, error) {
	err := s.updateBucket(ctx, req.GetBucket(), req, func(b *recordsv1.S3Bucket) error {
		b.Tags = nil
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &s3v1.DeleteBucketTaggingResponse{}, nil
}

// checkBucketQuota answers S3's TooManyBuckets (400) when the account
// already owns as many buckets as the general purpose bucket quota allows.
func (s *Service) checkBucketQuota(tx *storage.Tx, account string) error {
	limit := s.quotas.Limit(quota.S3Buckets)
	have, err := ownedBuckets.Count(tx, ownerScope(account), limit)
	if err != nil {
		return err
	}
	if have >= limit {
		return awserr.New("TooManyBuckets", http.StatusBadRequest, "You have attempted to create more buckets than allowed")
	}
	return nil
}
