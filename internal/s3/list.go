package s3

import (
	"context"
	"sort"
	"strings"

	"github.com/ibemu/ibemu/internal/storage"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
	s3v1 "github.com/ibemu/ibemu/proto/s3/v1"
)

// DefaultMaxKeys is the page size of object listings when MaxKeys is not
// given, and the largest page S3 answers.
const DefaultMaxKeys = 1000

// listing is one page of a bucket's keys.
type listing struct {
	bucket    *recordsv1.S3Bucket
	contents  []*recordsv1.S3Object
	prefixes  []string
	truncated bool
	last      listCursor
}

// listObjects reads a page of the keys of bucket that start with prefix,
// after the cursor, rolling keys that contain delimiter after the prefix
// up into common prefixes. Each page seeks to its first key; a common prefix
// is skipped with one more seek, never key by key.
func (s *Service) listObjects(ctx context.Context, bucket, prefix, delimiter string, limit int, after *listCursor, req any) (*listing, error) {
	if err := checkBucketName(bucket); err != nil {
		return nil, err
	}
	var out listing
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		out = listing{}
		b, err := mustBucket(tx, bucket)
		if err != nil {
			return err
		}
		if err := checkExpectedOwner(b, req); err != nil {
			return err
		}
		out.bucket = b
		if limit <= 0 {
			return nil
		}
		opts := storage.ScanOptions{Prefix: objectPrefix(bucket, prefix)}
		if after != nil {
			if after.prefix {
				opts.StartAfter = afterPrefix(bucket, after.key)
			} else {
				opts.StartAfter = objectKey(bucket, after.key)
			}
		}
		for {
			rolled, full := "", false
			err := objects.Scan(tx, dataScope(b), opts, func(_ []byte, o *recordsv1.S3Object) (bool, error) {
				if len(out.contents)+len(out.prefixes) == limit {
					out.truncated, full = true, true
					return false, nil
				}
				key := o.GetKey()
				if delimiter != "" {
					if i := strings.Index(key[len(prefix):], delimiter); i >= 0 {
						rolled = key[:len(prefix)+i+len(delimiter)]
						out.prefixes = append(out.prefixes, rolled)
						out.last = listCursor{key: rolled, prefix: true}
						return false, nil
					}
				}
				out.contents = append(out.contents, o)
				out.last = listCursor{key: key}
				return true, nil
			})
			if err != nil || full || rolled == "" {
				return err
			}
			opts.StartAfter = afterPrefix(bucket, rolled)
		}
	})
	if err != nil {
		return nil, storageError(err)
	}
	return &out, nil
}

// pageSize reads MaxKeys: 1,000 by default and at most.
func pageSize(v *int32) (int, error) {
	if v == nil {
		return DefaultMaxKeys, nil
	}
	if *v < 0 {
		return 0, errInvalidArgument("Argument maxKeys must be an integer between 0 and 2147483647")
	}
	return min(int(*v), DefaultMaxKeys), nil
}

func checkEncodingType(t string) error {
	if t != "" && t != "url" {
		return errInvalidArgument("Invalid Encoding Method specified in Request")
	}
	return nil
}

// listEntry renders an object of a listing.
func listEntry(o *recordsv1.S3Object, key string, owner *s3v1.Owner) *s3v1.Object {
	e := &s3v1.Object{Key: ptr(key), LastModified: o.GetLastModified(), ETag: ptr(o.GetEtag()), Size: ptr(o.GetSize()),
		StorageClass: ptr("STANDARD"), Owner: owner, ChecksumType: optional(o.GetChecksumType())}
	if sc := o.GetStorageClass(); sc != "" {
		e.StorageClass = ptr(sc)
	}
	for alg := range o.GetChecksums() {
		e.ChecksumAlgorithm = append(e.ChecksumAlgorithm, alg)
	}
	sort.Strings(e.ChecksumAlgorithm)
	return e
}

// encoder applies EncodingType=url to the keys and prefixes of an answer.
func encoder(t string) func(string) string {
	if t == "url" {
		return urlEncodeKey
	}
	return func(s string) string { return s }
}

func optionalEncoded(enc func(string) string, v *string) *string {
	if v == nil {
		return nil
	}
	return ptr(enc(*v))
}

// ListObjectsV2 lists a bucket's keys in UTF-8 binary order: Prefix,
// Delimiter (CommonPrefixes), MaxKeys (1,000 at most), StartAfter, an
// opaque ContinuationToken (InvalidArgument when it is not one this service
// issued), KeyCount, EncodingType=url.
func (s *Service) ListObjectsV2(ctx context.Context, req *s3v1.ListObjectsV2Request) (*s3v1.ListObjectsV2Output, error) {
	limit, err := pageSize(req.MaxKeys)
	if err != nil {
		return nil, err
	}
	if err := checkEncodingType(req.GetEncodingType()); err != nil {
		return nil, err
	}
	var after *listCursor
	switch {
	case req.GetContinuationToken() != "":
		c, err := decodeToken(req.GetContinuationToken())
		if err != nil {
			return nil, err
		}
		after = &c
	case req.GetStartAfter() != "":
		after = &listCursor{key: req.GetStartAfter()}
	}
	l, err := s.listObjects(ctx, req.GetBucket(), req.GetPrefix(), req.GetDelimiter(), limit, after, req)
	if err != nil {
		return nil, err
	}
	enc := encoder(req.GetEncodingType())
	out := &s3v1.ListObjectsV2Output{
		Name: req.Bucket, Prefix: ptr(enc(req.GetPrefix())), Delimiter: optionalEncoded(enc, req.Delimiter), MaxKeys: ptr(int32(limit)),
		KeyCount: ptr(int32(len(l.contents) + len(l.prefixes))), IsTruncated: ptr(l.truncated),
		ContinuationToken: req.ContinuationToken, StartAfter: optionalEncoded(enc, req.StartAfter), EncodingType: req.EncodingType,
		Contents: []*s3v1.Object{},
	}
	var owner *s3v1.Owner
	if req.GetFetchOwner() {
		owner = &s3v1.Owner{Id: ptr(CanonicalID(l.bucket.GetOwner()))}
	}
	for _, o := range l.contents {
		out.Contents = append(out.Contents, listEntry(o, enc(o.GetKey()), owner))
	}
	for _, p := range l.prefixes {
		out.CommonPrefixes = append(out.CommonPrefixes, &s3v1.CommonPrefix{Prefix: ptr(enc(p))})
	}
	if l.truncated {
		out.NextContinuationToken = ptr(encodeToken(l.last))
	}
	return out, nil
}

// ListObjects is the first version of the listing: Marker instead of a
// token, NextMarker (with a Delimiter) naming the last key or common prefix
// of a truncated page, and each key's Owner.
func (s *Service) ListObjects(ctx context.Context, req *s3v1.ListObjectsRequest) (*s3v1.ListObjectsOutput, error) {
	limit, err := pageSize(req.MaxKeys)
	if err != nil {
		return nil, err
	}
	if err := checkEncodingType(req.GetEncodingType()); err != nil {
		return nil, err
	}
	prefix, delim := req.GetPrefix(), req.GetDelimiter()
	var after *listCursor
	if m := req.GetMarker(); m != "" {
		after = &listCursor{key: m}
		// A marker that is a common prefix resumes after every key under it.
		if delim != "" && strings.HasPrefix(m, prefix) && strings.Index(m[len(prefix):], delim) == len(m)-len(prefix)-len(delim) {
			after.prefix = true
		}
	}
	l, err := s.listObjects(ctx, req.GetBucket(), prefix, delim, limit, after, req)
	if err != nil {
		return nil, err
	}
	enc := encoder(req.GetEncodingType())
	out := &s3v1.ListObjectsOutput{
		Name: req.Bucket, Prefix: ptr(enc(prefix)), Delimiter: optionalEncoded(enc, req.Delimiter), MaxKeys: ptr(int32(limit)),
		Marker: ptr(enc(req.GetMarker())), IsTruncated: ptr(l.truncated), EncodingType: req.EncodingType, Contents: []*s3v1.Object{},
	}
	owner := &s3v1.Owner{Id: ptr(CanonicalID(l.bucket.GetOwner()))}
	for _, o := range l.contents {
		out.Contents = append(out.Contents, listEntry(o, enc(o.GetKey()), owner))
	}
	for _, p := range l.prefixes {
		out.CommonPrefixes = append(out.CommonPrefixes, &s3v1.CommonPrefix{Prefix: ptr(enc(p))})
	}
	if l.truncated && delim != "" {
		out.NextMarker = ptr(enc(l.last.key))
	}
	return out, nil
}
