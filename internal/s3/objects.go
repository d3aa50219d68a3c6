package s3

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ibemu/ibemu/internal/authz"
	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/storage"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
	s3v1 "github.com/ibemu/ibemu/proto/s3/v1"
)

// defaultContentType is what S3 stores for an object uploaded without a
// Content-Type.
const defaultContentType = "binary/octet-stream"

// putSpec is one object write: the data, what the object carries (headers,
// metadata, tags, checksums: template) and the request's encryption, ACL
// and conditions.
type putSpec struct {
	bucket, key string
	req         any // for ExpectedBucketOwner
	data        []byte
	template    *recordsv1.S3Object
	sse, keyID  string
	bucketKey   *bool
	encCtx      string
	acl         string
	grants      bool
	ifMatch     string
	ifNoneMatch string
}

func quotedMD5(sum []byte) string { return `"` + hex.EncodeToString(sum) + `"` }

// sealedETag is the ETag of data whose MD5 is sum, stored as obj says: the
// quoted MD5 for SSE-S3 (as S3 answers), and for SSE-KMS an MD5 that is not
// the plaintext's (S3 documents that such an ETag is not an MD5 of the
// object data): the MD5 of the object's encrypted data key and sum, which
// looks random, differs per upload and tells nothing about the plaintext.
func sealedETag(obj *recordsv1.S3Object, sum []byte) string {
	edk := obj.GetEncryptedDataKey()
	if len(edk) == 0 {
		return quotedMD5(sum)
	}
	h := md5.New()
	h.Write(edk)
	h.Write(sum)
	return quotedMD5(h.Sum(nil))
}

func errACLNotSupported() error {
	return awserr.New("AccessControlListNotSupported", http.StatusBadRequest, "The bucket does not allow ACLs")
}

// put stores an object, replacing any object under its key together with
// its data, in one transaction.
func (s *Service) put(ctx context.Context, p *putSpec) (*recordsv1.S3Object, error) {
	if err := checkBucketName(p.bucket); err != nil {
		return nil, err
	}
	if err := checkKey(p.key); err != nil {
		return nil, err
	}
	if int64(len(p.data)) > s.maxSize {
		return nil, errEntityTooLarge()
	}
	b, err := s.readBucket(ctx, p.bucket, p.req)
	if err != nil {
		return nil, err
	}
	if b.GetObjectOwnership() == BucketOwnerEnforced && (aclGiven(p.acl, "bucket-owner-full-control") || p.grants) {
		return nil, errACLNotSupported()
	}
	spec, err := settleSSE(b, p.sse, p.keyID, p.bucketKey, p.encCtx)
	if err != nil {
		return nil, err
	}
	obj := proto.Clone(p.template).(*recordsv1.S3Object)
	sum := md5.Sum(p.data)
	obj.Key, obj.Size, obj.Etag = p.key, int64(len(p.data)), quotedMD5(sum[:])
	obj.LastModified = timestamppb.New(s.now())
	if obj.ContentType == "" {
		obj.ContentType = defaultContentType
	}
	if len(obj.Checksums) > 0 && obj.ChecksumType == "" {
		obj.ChecksumType = "FULL_OBJECT"
	}
	sl, err := s.newDataKey(ctx, obj, p.bucket, p.key, spec)
	if err != nil {
		return nil, err
	}
	obj.Etag = sealedETag(obj, sum[:])
	err = s.db.Update(ctx, func(tx *storage.Tx) error {
		b, err := mustBucket(tx, p.bucket)
		if err != nil {
			return err
		}
		sc, k := dataScope(b), objectKey(p.bucket, p.key)
		old, found, err := objects.Get(tx, sc, k)
		if err != nil {
			return err
		}
		if err := writeConditions(old, found, p.ifMatch, p.ifNoneMatch); err != nil {
			return err
		}
		ext, err := writeData(tx, sc, p.data, sl)
		if err != nil {
			return err
		}
		obj.Extents = []*recordsv1.S3Extent{ext}
		if found {
			if err := deleteData(tx, sc, old.GetExtents()...); err != nil {
				return err
			}
		}
		return objects.Put(tx, sc, k, obj)
	})
	if err != nil {
		return nil, storageError(err)
	}
	return obj, nil
}

// writeConditions applies a write's If-Match and If-None-Match (S3
// conditional writes): If-None-Match "*" fails when the key exists, If-Match
// when it does not (NoSuchKey) or has another ETag (PreconditionFailed).
func writeConditions(old *recordsv1.S3Object, found bool, ifMatch, ifNoneMatch string) error {
	if ifNoneMatch != "" && found && (ifNoneMatch == "*" || etagMatches(ifNoneMatch, old.GetEtag())) {
		return errPreconditionFailed()
	}
	if ifMatch != "" {
		if !found {
			return errNoSuchKey()
		}
		if !etagMatches(ifMatch, old.GetEtag()) {
			return errPreconditionFailed()
		}
	}
	return nil
}

// etagMatches compares an If-Match / If-None-Match list with an ETag.
func etagMatches(list, etag string) bool {
	want := strings.Trim(etag, `"`)
	for _, e := range strings.Split(list, ",") {
		e = strings.TrimPrefix(strings.TrimSpace(e), "W/")
		if e == "*" || strings.Trim(e, `"`) == want {
			return true
		}
	}
	return false
}

// objectTemplate collects what a write request says about the object.
type headerSource interface {
	GetCacheControl() string
	GetContentDisposition() string
	GetContentEncoding() string
	GetContentLanguage() string
	GetContentType() string
	GetExpires() string
	GetWebsiteRedirectLocation() string
	GetStorageClass() string
	GetMetadata() map[string]string
}

func objectTemplate(h headerSource) *recordsv1.S3Object {
	return &recordsv1.S3Object{
		CacheControl: h.GetCacheControl(), ContentDisposition: h.GetContentDisposition(),
		ContentEncoding: h.GetContentEncoding(), ContentLanguage: h.GetContentLanguage(),
		ContentType: h.GetContentType(), Expires: h.GetExpires(),
		WebsiteRedirectLocation: h.GetWebsiteRedirectLocation(), StorageClass: h.GetStorageClass(),
		Metadata: h.GetMetadata(),
	}
}

// parseTagging reads the x-amz-tagging header: URL query encoded tags.
func parseTagging(h string) (map[string]string, error) {
	if h == "" {
		return nil, nil
	}
	var tags []*s3v1.Tag
	for _, kv := range strings.Split(h, "&") {
		k, v, _ := strings.Cut(kv, "=")
		k, err1 := urlUnescape(k)
		v, err2 := urlUnescape(v)
		if err1 != nil || err2 != nil {
			return nil, errInvalidArgument("The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.")
		}
		tags = append(tags, &s3v1.Tag{Key: ptr(k), Value: ptr(v)})
	}
	return tagMapLimit(tags, maxObjectTags)
}

func grantsGiven(g ...string) bool {
	for _, v := range g {
		if v != "" {
			return true
		}
	}
	return false
}

// PutObject stores an object (up to the size limit: EntityTooLarge),
// with its headers, user metadata, tags and checksums, encrypted as the
// request or the bucket's default encryption says.
func (s *Service) PutObject(ctx context.Context, req *s3v1.PutObjectRequest) (*s3v1.PutObjectOutput, error) {
	if req.WriteOffsetBytes != nil {
		return nil, errNotImplemented("Appends (x-amz-write-offset-bytes) are for directory buckets")
	}
	if req.GetSseCustomerAlgorithm() != "" {
		return nil, errNotImplemented("SSE-C is not supported by this emulator")
	}
	tpl := objectTemplate(req)
	sums, err := verifyChecksums(req.GetBody(), readChecksums(req), req.GetChecksumAlgorithm(), req.GetContentMd5())
	if err != nil {
		return nil, err
	}
	tpl.Checksums = sums
	if tpl.Tags, err = parseTagging(req.GetTagging()); err != nil {
		return nil, err
	}
	obj, err := s.put(ctx, &putSpec{
		bucket: req.GetBucket(), key: req.GetKey(), req: req, data: req.GetBody(), template: tpl,
		sse: req.GetServerSideEncryption(), keyID: req.GetSsekmsKeyId(), bucketKey: req.BucketKeyEnabled, encCtx: req.GetSsekmsEncryptionContext(),
		acl: req.GetAcl(), grants: grantsGiven(req.GetGrantFullControl(), req.GetGrantRead(), req.GetGrantReadAcp(), req.GetGrantWriteAcp()),
		ifMatch: req.GetIfMatch(), ifNoneMatch: req.GetIfNoneMatch(),
	})
	if err != nil {
		return nil, err
	}
	out := &s3v1.PutObjectOutput{ETag: ptr(obj.GetEtag())}
	writeChecksums(out, obj.GetChecksums())
	if obj.GetChecksumType() != "" {
		out.ChecksumType = ptr(obj.GetChecksumType())
	}
	out.ServerSideEncryption, out.SsekmsKeyId, out.BucketKeyEnabled = encryptionHeaders(obj)
	if len(obj.GetKmsContext()) > 0 && req.GetSsekmsEncryptionContext() != "" {
		out.SsekmsEncryptionContext = req.SsekmsEncryptionContext
	}
	return out, nil
}

func errNotImplemented(msg string) error {
	return awserr.New("NotImplemented", http.StatusNotImplemented, msg)
}

// encryptionHeaders are x-amz-server-side-encryption, its key ARN and
// x-amz-server-side-encryption-bucket-key-enabled for an object.
func encryptionHeaders(obj *recordsv1.S3Object) (alg, keyARN *string, bucketKey *bool) {
	if obj.GetSse() == "" {
		return ptr("AES256"), nil, nil
	}
	alg = ptr(obj.GetSse())
	if obj.GetKmsKeyArn() != "" {
		keyARN = ptr(obj.GetKmsKeyArn())
	}
	if obj.GetBucketKeyEnabled() {
		bucketKey = ptr(true)
	}
	return alg, keyARN, bucketKey
}

// conditions are a read's If-* headers.
type conditions struct {
	ifMatch, ifNoneMatch               string
	ifModifiedSince, ifUnmodifiedSince *timestamppb.Timestamp
}

// check applies them as S3 does (RFC 9110 precedence): a failed If-Match,
// or a failed If-Unmodified-Since without If-Match, is 412; a matching
// If-None-Match, or an If-Modified-Since the object is not newer than
// without If-None-Match, is 304.
func (c conditions) check(obj *recordsv1.S3Object) error {
	lm := obj.GetLastModified().AsTime().Truncate(time.Second)
	if c.ifMatch != "" && !etagMatches(c.ifMatch, obj.GetEtag()) {
		return errPreconditionFailed()
	}
	if c.ifMatch == "" && c.ifUnmodifiedSince != nil && lm.After(c.ifUnmodifiedSince.AsTime()) {
		return errPreconditionFailed()
	}
	if c.ifNoneMatch != "" && etagMatches(c.ifNoneMatch, obj.GetEtag()) {
		return errNotModified()
	}
	if c.ifNoneMatch == "" && c.ifModifiedSince != nil && !lm.After(c.ifModifiedSince.AsTime()) {
		return errNotModified()
	}
	return nil
}

// readResult is an object as a read found it.
type readResult struct {
	bucket  *recordsv1.S3Bucket
	obj     *recordsv1.S3Object
	rng     ByteRange
	partial bool
	data    []byte
}

// read loads an object, applies conditions and range, and with data set
// reads (and decrypts, through KMS as the caller) the bytes the range
// covers.
func (s *Service) read(ctx context.Context, bucket, key string, req any, conds conditions, rangeHeader string, data bool) (*readResult, error) {
	if err := checkBucketName(bucket); err != nil {
		return nil, err
	}
	if err := checkKey(key); err != nil {
		return nil, err
	}
	var res readResult
	var ps []piece
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		b, err := mustBucket(tx, bucket)
		if err != nil {
			return err
		}
		res.bucket = b
		if err := checkExpectedOwner(b, req); err != nil {
			return err
		}
		sc := dataScope(b)
		obj, found, err := objects.Get(tx, sc, objectKey(bucket, key))
		if err != nil {
			return err
		}
		if !found {
			return errNoSuchKey()
		}
		res.obj = obj
		if err := conds.check(obj); err != nil {
			return err
		}
		res.rng = ByteRange{End: obj.GetSize()}
		r, ok, err := ParseRange(rangeHeader, obj.GetSize())
		if err != nil {
			return err
		}
		if ok {
			res.rng, res.partial = r, true
		}
		if data {
			ps, err = readPieces(tx, sc, obj.GetExtents(), res.rng.Start, res.rng.End)
		}
		return err
	})
	if err != nil {
		if aerr, ok := awserr.As(err); ok && aerr.Code == "NoSuchKey" {
			return nil, s.hideMissing(ctx, res.bucket, err)
		}
		return nil, storageError(err)
	}
	if data {
		sl, err := s.openDataKey(ctx, res.obj)
		if err != nil {
			return nil, err
		}
		if res.data, err = assemble(ps, sl, res.rng.End-res.rng.Start); err != nil {
			return nil, awserr.Internal(err)
		}
	}
	return &res, nil
}

// hideMissing answers a missing object as S3 does: NoSuchKey (404) to a
// caller who may list the bucket (s3:ListBucket), AccessDenied (403,
// "Access Denied") to one who may not, who is not to learn which keys
// exist (GetObject API reference, "Permissions"). The s3:ListBucket
// decision is recorded as a "reveal" check in the request's trace, which
// is where the terse AccessDenied is explained.
func (s *Service) hideMissing(ctx context.Context, b *recordsv1.S3Bucket, notFound error) error {
	if authz.TargetFrom(ctx) == nil || b == nil {
		return notFound
	}
	err := authz.Check(ctx, authz.CheckRequest{Action: "s3:ListBucket", ARN: BucketARN(b.GetName()), Reveal: true})
	if err == nil {
		return notFound
	}
	if aerr, ok := awserr.As(err); ok && aerr.HTTPStatus == http.StatusForbidden {
		return s3v1.ErrAccessDenied("Access Denied")
	}
	return err
}

// GetObject returns an object, or the range a Range header asks for
// (ContentRange set: a 206 answer; InvalidRange when unsatisfiable), under
// its If-* conditions (412 PreconditionFailed, 304 NotModified). Reading an
// SSE-KMS object decrypts its data key through KMS as the caller.
func (s *Service) GetObject(ctx context.Context, req *s3v1.GetObjectRequest) (*s3v1.GetObjectOutput, error) {
	if err := unversioned(req.GetVersionId()); err != nil {
		return nil, err
	}
	conds := conditions{req.GetIfMatch(), req.GetIfNoneMatch(), req.IfModifiedSince, req.IfUnmodifiedSince}
	r, err := s.read(ctx, req.GetBucket(), req.GetKey(), req, conds, req.GetRange(), true)
	if err != nil {
		return nil, err
	}
	o := r.obj
	out := &s3v1.GetObjectOutput{
		Body: r.data, ContentLength: ptr(r.rng.End - r.rng.Start), ETag: ptr(o.GetEtag()), LastModified: o.GetLastModified(),
		AcceptRanges: ptr("bytes"), Metadata: o.GetMetadata(),
		ContentType: optional(o.GetContentType()), CacheControl: optional(o.GetCacheControl()),
		ContentDisposition: optional(o.GetContentDisposition()), ContentEncoding: optional(o.GetContentEncoding()),
		ContentLanguage: optional(o.GetContentLanguage()), Expires: optional(o.GetExpires()),
		WebsiteRedirectLocation: optional(o.GetWebsiteRedirectLocation()), StorageClass: storageClassHeader(o),
	}
	if out.Body == nil {
		out.Body = []byte{}
	}
	if r.partial {
		out.ContentRange = ptr(r.rng.ContentRange(o.GetSize()))
	} else if req.GetChecksumMode() == "ENABLED" {
		writeChecksums(out, o.GetChecksums())
		out.ChecksumType = optional(o.GetChecksumType())
	}
	out.ServerSideEncryption, out.SsekmsKeyId, out.BucketKeyEnabled = encryptionHeaders(o)
	if n := len(o.GetTags()); n > 0 {
		out.TagCount = ptr(int32(n))
	}
	if o.GetPartsCount() > 0 && req.PartNumber != nil {
		out.PartsCount = ptr(o.GetPartsCount())
	}
	overrides(req, &out.ContentType, &out.CacheControl, &out.ContentDisposition, &out.ContentEncoding, &out.ContentLanguage, &out.Expires)
	return out, nil
}

// HeadObject answers an object's metadata as GetObject would, without its
// data (and without decrypting it: no kms:Decrypt is needed). A missing
// object is 404 without a body (NotFound), or 403 to a caller who may not
// list the bucket.
func (s *Service) HeadObject(ctx context.Context, req *s3v1.HeadObjectRequest) (*s3v1.HeadObjectOutput, error) {
	if err := unversioned(req.GetVersionId()); err != nil {
		return nil, err
	}
	conds := conditions{req.GetIfMatch(), req.GetIfNoneMatch(), req.IfModifiedSince, req.IfUnmodifiedSince}
	r, err := s.read(ctx, req.GetBucket(), req.GetKey(), req, conds, req.GetRange(), false)
	if aerr, ok := awserr.As(err); ok && aerr.Code == "NoSuchKey" {
		return nil, errNotFound()
	}
	if err != nil {
		return nil, err
	}
	o := r.obj
	out := &s3v1.HeadObjectOutput{
		ContentLength: ptr(r.rng.End - r.rng.Start), ETag: ptr(o.GetEtag()), LastModified: o.GetLastModified(),
		AcceptRanges: ptr("bytes"), Metadata: o.GetMetadata(),
		ContentType: optional(o.GetContentType()), CacheControl: optional(o.GetCacheControl()),
		ContentDisposition: optional(o.GetContentDisposition()), ContentEncoding: optional(o.GetContentEncoding()),
		ContentLanguage: optional(o.GetContentLanguage()), Expires: optional(o.GetExpires()),
		WebsiteRedirectLocation: optional(o.GetWebsiteRedirectLocation()), StorageClass: storageClassHeader(o),
	}
	if r.partial {
		out.ContentRange = ptr(r.rng.ContentRange(o.GetSize()))
	} else if req.GetChecksumMode() == "ENABLED" {
		writeChecksums(out, o.GetChecksums())
		out.ChecksumType = optional(o.GetChecksumType())
	}
	out.ServerSideEncryption, out.SsekmsKeyId, out.BucketKeyEnabled = encryptionHeaders(o)
	if n := len(o.GetTags()); n > 0 {
		out.TagCount = ptr(int32(n))
	}
	if o.GetPartsCount() > 0 && req.PartNumber != nil {
		out.PartsCount = ptr(o.GetPartsCount())
	}
	overrides(req, &out.ContentType, &out.CacheControl, &out.ContentDisposition, &out.ContentEncoding, &out.ContentLanguage, &out.Expires)
	return out, nil
}

// storageClassHeader is x-amz-storage-class: S3 sends it only for classes
// other than STANDARD.
func storageClassHeader(o *recordsv1.S3Object) *string {
	if sc := o.GetStorageClass(); sc != "" && sc != "STANDARD" {
		return ptr(sc)
	}
	return nil
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// responseOverrides are GetObject's and HeadObject's response-* parameters.
type responseOverrides interface {
	GetResponseContentType() string
	GetResponseCacheControl() string
	GetResponseContentDisposition() string
	GetResponseContentEncoding() string
	GetResponseContentLanguage() string
	GetResponseExpires() *timestamppb.Timestamp
}

func overrides(r responseOverrides, ct, cc, cd, ce, cl, exp **string) {
	for _, o := range []struct {
		v   string
		dst **string
	}{{r.GetResponseContentType(), ct}, {r.GetResponseCacheControl(), cc}, {r.GetResponseContentDisposition(), cd},
		{r.GetResponseContentEncoding(), ce}, {r.GetResponseContentLanguage(), cl}} {
		if o.v != "" {
			*o.dst = ptr(o.v)
		}
	}
	if e := r.GetResponseExpires(); e != nil {
		*exp = ptr(e.AsTime().UTC().Format(http.TimeFormat))
	}
}

// unversioned accepts the version id of objects in a bucket without
// versioning: absent, or "null".
func unversioned(v string) error {
	if v != "" && v != "null" {
		return errInvalidArgument("Invalid version id specified")
	}
	return nil
}

// DeleteObject deletes an object and its data; deleting a key that does not
// exist succeeds (204), as S3 does. If-Match makes it conditional.
func (s *Service) DeleteObject(ctx context.Context, req *s3v1.DeleteObjectRequest) (*s3v1.DeleteObjectOutput, error) {
	if err := unversioned(req.GetVersionId()); err != nil {
		return nil, err
	}
	bucket, key := req.GetBucket(), req.GetKey()
	if err := checkBucketName(bucket); err != nil {
		return nil, err
	}
	if err := checkKey(key); err != nil {
		return nil, err
	}
	err := s.db.Update(ctx, func(tx *storage.Tx) error {
		b, err := mustBucket(tx, bucket)
		if err != nil {
			return err
		}
		if err := checkExpectedOwner(b, req); err != nil {
			return err
		}
		return deleteObject(tx, b, key, req.GetIfMatch())
	})
	if err != nil {
		return nil, storageError(err)
	}
	return &s3v1.DeleteObjectOutput{}, nil
}

func deleteObject(tx *storage.Tx, b *recordsv1.S3Bucket, key, ifMatch string) error {
	sc, k := dataScope(b), objectKey(b.GetName(), key)
	old, found, err := objects.Get(tx, sc, k)
	if err != nil {
		return err
	}
	if ifMatch != "" {
		if err := writeConditions(old, found, ifMatch, ""); err != nil {
			return err
		}
	}
	if !found {
		return nil
	}
	if err := deleteData(tx, sc, old.GetExtents()...); err != nil {
		return err
	}
	_, err = objects.Delete(tx, sc, k)
	return err
}

// MaxDeleteObjects is how many keys one DeleteObjects request may name.
const MaxDeleteObjects = 1000

// DeleteObjects deletes up to 1,000 keys. Each key is its own s3:DeleteObject
// decision on arn:aws:s3:::BUCKET/KEY, made here: the operation is itemized
// (apimodel.Authz.Itemized), so the enforcement layer decides nothing for
// the request as a whole and a caller allowed only some prefix deletes the
// keys under it. A denied key is reported in Errors with Code AccessDenied,
// the others are deleted, as S3 answers; Quiet leaves the deleted keys out of
// the answer.
func (s *Service) DeleteObjects(ctx context.Context, req *s3v1.DeleteObjectsRequest) (*s3v1.DeleteObjectsOutput, error) {
	bucket := req.GetBucket()
	ids := req.GetDelete().GetObjects()
	if len(ids) == 0 || len(ids) > MaxDeleteObjects {
		return nil, errMalformedXML()
	}
	if err := checkBucketName(bucket); err != nil {
		return nil, err
	}
	out := &s3v1.DeleteObjectsOutput{}
	allowed := make([]*s3v1.ObjectIdentifier, 0, len(ids))
	t := authz.TargetFrom(ctx)
	for _, id := range ids {
		if err := checkKey(id.GetKey()); err != nil {
			aerr := awserr.From(err)
			out.Errors = append(out.Errors, &s3v1.Error{Key: id.Key, Code: ptr(aerr.Code), Message: ptr(aerr.Message)})
			continue
		}
		if err := unversioned(id.GetVersionId()); err != nil {
			out.Errors = append(out.Errors, &s3v1.Error{Key: id.Key, VersionId: id.VersionId, Code: ptr("NoSuchVersion"), Message: ptr("The specified version does not exist.")})
			continue
		}
		if t != nil {
			if err := authz.Check(ctx, authz.CheckRequest{Action: "s3:DeleteObject", ARN: ObjectARN(bucket, id.GetKey()), Item: true}); err != nil {
				aerr, ok := awserr.As(err)
				if !ok || aerr.Code != "AccessDenied" {
					return nil, err
				}
				out.Errors = append(out.Errors, &s3v1.Error{Key: id.Key, Code: ptr("AccessDenied"), Message: ptr("Access Denied")})
				continue
			}
		}
		allowed = append(allowed, id)
	}
	var failed map[int]error
	err := s.db.Update(ctx, func(tx *storage.Tx) error {
		failed = map[int]error{}
		b, err := mustBucket(tx, bucket)
		if err != nil {
			return err
		}
		if err := checkExpectedOwner(b, req); err != nil {
			return err
		}
		for i, id := range allowed {
			if err := deleteObject(tx, b, id.GetKey(), id.GetETag()); err != nil {
				if _, ok := awserr.As(err); !ok {
					return err
				}
				failed[i] = err
			}
		}
		return nil
	})
	if err != nil {
		return nil, storageError(err)
	}
	for i, id := range allowed {
		if err := failed[i]; err != nil {
			aerr := awserr.From(err)
			out.Errors = append(out.Errors, &s3v1.Error{Key: id.Key, Code: ptr(aerr.Code), Message: ptr(aerr.Message)})
			continue
		}
		if !req.GetDelete().GetQuiet() {
			out.Deleted = append(out.Deleted, &s3v1.DeletedObject{Key: id.Key})
		}
	}
	return out, nil
}

// CopyObject copies an object (x-amz-copy-source "bucket/key", URL-encoded)
// onto a key. Reading the source is an s3:GetObject decision on it (the
// enforcement layer decided s3:PutObject on the destination); an SSE-KMS
// source is decrypted through KMS as the caller. MetadataDirective COPY
// (the default) keeps the source's headers and metadata, REPLACE takes the
// request's; copying an object onto itself without changing anything is
// InvalidRequest, as S3 answers.
func (s *Service) CopyObject(ctx context.Context, req *s3v1.CopyObjectRequest) (*s3v1.CopyObjectOutput, error) {
	src, err := ParseCopySource(req.GetCopySource())
	if err != nil {
		return nil, err
	}
	if err := unversioned(src.VersionID); err != nil {
		return nil, err
	}
	directive := req.GetMetadataDirective()
	if directive == "" {
		directive = "COPY"
	}
	if src.Bucket == req.GetBucket() && src.Key == req.GetKey() && directive == "COPY" &&
		req.GetServerSideEncryption() == "" && req.GetStorageClass() == "" && req.GetWebsiteRedirectLocation() == "" {
		return nil, errInvalidRequest("This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
	}
	if authz.TargetFrom(ctx) != nil {
		if err := authz.Check(ctx, authz.CheckRequest{Action: "s3:GetObject", ARN: ObjectARN(src.Bucket, src.Key)}); err != nil {
			return nil, err
		}
	}
	conds := conditions{req.GetCopySourceIfMatch(), req.GetCopySourceIfNoneMatch(), req.CopySourceIfModifiedSince, req.CopySourceIfUnmodifiedSince}
	r, err := s.read(ctx, src.Bucket, src.Key, nil, conds, "", true)
	if aerr, ok := awserr.As(err); ok && aerr.Code == "NotModified" {
		// A copy's If-None-Match and If-Modified-Since fail with 412, not 304.
		err = errPreconditionFailed()
	}
	if err != nil {
		return nil, err
	}
	if eso := req.GetExpectedSourceBucketOwner(); eso != "" && eso != r.bucket.GetOwner() {
		return nil, s3v1.ErrAccessDenied("Access Denied")
	}
	tpl := proto.Clone(r.obj).(*recordsv1.S3Object)
	tpl.Extents, tpl.EncryptedDataKey, tpl.KmsKeyArn, tpl.KmsContext, tpl.Sse, tpl.BucketKeyEnabled, tpl.PartsCount = nil, nil, "", nil, "", false, 0
	if directive == "REPLACE" {
		n := objectTemplate(req)
		n.Checksums, n.Tags = tpl.Checksums, tpl.Tags
		tpl = n
	} else if req.GetStorageClass() != "" || req.GetWebsiteRedirectLocation() != "" {
		tpl.StorageClass, tpl.WebsiteRedirectLocation = req.GetStorageClass(), req.GetWebsiteRedirectLocation()
	}
	if req.GetTaggingDirective() == "REPLACE" {
		if tpl.Tags, err = parseTagging(req.GetTagging()); err != nil {
			return nil, err
		}
	}
	if r.obj.GetPartsCount() > 0 {
		// A copy is one object, whose checksum of parts no longer applies.
		tpl.Checksums, tpl.ChecksumType = nil, ""
	}
	if alg := req.GetChecksumAlgorithm(); alg != "" {
		if v, ok := checksumOf(alg, r.data); ok {
			tpl.Checksums, tpl.ChecksumType = map[string]string{alg: v}, "FULL_OBJECT"
		}
	}
	obj, err := s.put(ctx, &putSpec{
		bucket: req.GetBucket(), key: req.GetKey(), req: req, data: r.data, template: tpl,
		sse: req.GetServerSideEncryption(), keyID: req.GetSsekmsKeyId(), bucketKey: req.BucketKeyEnabled, encCtx: req.GetSsekmsEncryptionContext(),
		acl: req.GetAcl(), grants: grantsGiven(req.GetGrantFullControl(), req.GetGrantRead(), req.GetGrantReadAcp(), req.GetGrantWriteAcp()),
		ifMatch: req.GetIfMatch(), ifNoneMatch: req.GetIfNoneMatch(),
	})
	if err != nil {
		return nil, err
	}
	res := &s3v1.CopyObjectResult{ETag: ptr(obj.GetEtag()), LastModified: obj.GetLastModified(), ChecksumType: optional(obj.GetChecksumType())}
	writeChecksums(res, obj.GetChecksums())
	out := &s3v1.CopyObjectOutput{CopyObjectResult: res}
	out.ServerSideEncryption, out.SsekmsKeyId, out.BucketKeyEnabled = encryptionHeaders(obj)
	return out, nil
}
