package s3

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ibemu/ibemu/internal/authz"
	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/storage"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
	s3v1 "github.com/ibemu/ibemu/proto/s3/v1"
)

// Multipart upload limits (S3 User Guide, "Amazon S3 multipart upload
// limits"): part numbers 1 to 10,000; every part but the last at least 5
// MiB. The object as a whole is held to the service's size limit.
const (
	MaxPartNumber = 10000
	MinPartSize   = 5 << 20
)

func newUploadID() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// loadUpload reads an upload in progress, or answers NoSuchUpload.
func loadUpload(tx *storage.Tx, bucket, key, uploadID string) (*recordsv1.S3Bucket, *recordsv1.S3Upload, error) {
	b, err := mustBucket(tx, bucket)
	if err != nil {
		return nil, nil, err
	}
	if uploadID == "" {
		return nil, nil, errNoSuchUpload()
	}
	u, found, err := uploads.Get(tx, dataScope(b), uploadKey(bucket, key, uploadID))
	if err != nil {
		return nil, nil, err
	}
	if !found {
		return nil, nil, errNoSuchUpload()
	}
	return b, u, nil
}

// dropUpload deletes an upload, its parts and their data.
func dropUpload(tx *storage.Tx, sc storage.Scope, bucket string, u *recordsv1.S3Upload) error {
	var ps []*recordsv1.S3Part
	err := parts.Scan(tx, sc, storage.ScanOptions{Prefix: partPrefix(bucket, u.GetUploadId())}, func(_ []byte, p *recordsv1.S3Part) (bool, error) {
		ps = append(ps, p)
		return true, nil
	})
	if err != nil {
		return err
	}
	for _, p := range ps {
		if err := deleteData(tx, sc, p.GetExtent()); err != nil {
			return err
		}
		if _, err := parts.Delete(tx, sc, partKey(bucket, u.GetUploadId(), p.GetPartNumber())); err != nil {
			return err
		}
	}
	_, err = uploads.Delete(tx, sc, uploadKey(bucket, u.GetTemplate().GetKey(), u.GetUploadId()))
	return err
}

// CreateMultipartUpload starts an upload. Its encryption is settled now:
// for SSE-KMS the data key is generated here (kms:GenerateDataKey as the
// caller) and every part is encrypted under it.
func (s *Service) CreateMultipartUpload(ctx context.Context, req *s3v1.CreateMultipartUploadRequest) (*s3v1.CreateMultipartUploadOutput, error) {
	c, err := call(ctx)
	if err != nil {
		return nil, err
	}
	bucket, key := req.GetBucket(), req.GetKey()
	if err := checkKey(key); err != nil {
		return nil, err
	}
	if req.GetSseCustomerAlgorithm() != "" {
		return nil, errNotImplemented("SSE-C is not supported by this emulator")
	}
	b, err := s.readBucket(ctx, bucket, req)
	if err != nil {
		return nil, err
	}
	if b.GetObjectOwnership() == BucketOwnerEnforced && (aclGiven(req.GetAcl(), "bucket-owner-full-control") ||
		grantsGiven(req.GetGrantFullControl(), req.GetGrantRead(), req.GetGrantReadAcp(), req.GetGrantWriteAcp())) {
		return nil, errACLNotSupported()
	}
	spec, err := settleSSE(b, req.GetServerSideEncryption(), req.GetSsekmsKeyId(), req.BucketKeyEnabled, req.GetSsekmsEncryptionContext())
	if err != nil {
		return nil, err
	}
	tpl := objectTemplate(req)
	tpl.Key = key
	if tpl.ContentType == "" {
		tpl.ContentType = defaultContentType
	}
	if tpl.Tags, err = parseTagging(req.GetTagging()); err != nil {
		return nil, err
	}
	if _, err := s.newDataKey(ctx, tpl, bucket, key, spec); err != nil {
		return nil, err
	}
	u := &recordsv1.S3Upload{UploadId: newUploadID(), Initiated: timestamppb.New(s.now()), Template: tpl,
		Initiator: c.Principal.ARN, ChecksumAlgorithm: req.GetChecksumAlgorithm()}
	err = s.db.Update(ctx, func(tx *storage.Tx) error {
		b, err := mustBucket(tx, bucket)
		if err != nil {
			return err
		}
		return uploads.Insert(tx, dataScope(b), uploadKey(bucket, key, u.GetUploadId()), u)
	})
	if err != nil {
		return nil, storageError(err)
	}
	out := &s3v1.CreateMultipartUploadOutput{Bucket: ptr(bucket), Key: ptr(key), UploadId: ptr(u.GetUploadId()), ChecksumAlgorithm: optional(u.GetChecksumAlgorithm())}
	if u.GetChecksumAlgorithm() != "" {
		out.ChecksumType = ptr("COMPOSITE")
	}
	out.ServerSideEncryption, out.SsekmsKeyId, out.BucketKeyEnabled = encryptionHeaders(tpl)
	return out, nil
}

func checkPartNumber(n int32) error {
	if n < 1 || n > MaxPartNumber {
		return errInvalidArgument("Part number must be an integer between 1 and 10000, inclusive")
	}
	return nil
}

// UploadPart stores one part (replacing a part uploaded before under its
// number): EntityTooLarge once the upload's parts would exceed the object
// size limit. Parts of an SSE-KMS upload need the data key: kms:Decrypt as the
// caller, as on AWS.
func (s *Service) UploadPart(ctx context.Context, req *s3v1.UploadPartRequest) (*s3v1.UploadPartOutput, error) {
	bucket, key, id := req.GetBucket(), req.GetKey(), req.GetUploadId()
	if err := checkBucketName(bucket); err != nil {
		return nil, err
	}
	if err := checkKey(key); err != nil {
		return nil, err
	}
	if err := checkPartNumber(req.GetPartNumber()); err != nil {
		return nil, err
	}
	data := req.GetBody()
	if int64(len(data)) > s.maxSize {
		return nil, errEntityTooLarge()
	}
	var u *recordsv1.S3Upload
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		b, up, err := loadUpload(tx, bucket, key, id)
		if err != nil {
			return err
		}
		u = up
		return checkExpectedOwner(b, req)
	})
	if err != nil {
		return nil, storageError(err)
	}
	sums, err := verifyChecksums(data, readChecksums(req), firstNonEmpty(req.GetChecksumAlgorithm(), u.GetChecksumAlgorithm()), req.GetContentMd5())
	if err != nil {
		return nil, err
	}
	sl, err := s.openDataKey(ctx, u.GetTemplate())
	if err != nil {
		return nil, err
	}
	sum := md5.Sum(data)
	p := &recordsv1.S3Part{PartNumber: req.GetPartNumber(), Etag: sealedETag(u.GetTemplate(), sum[:]), LastModified: timestamppb.New(s.now()), Checksums: sums}
	err = s.db.Update(ctx, func(tx *storage.Tx) error {
		b, _, err := loadUpload(tx, bucket, key, id)
		if err != nil {
			return err
		}
		sc, pk := dataScope(b), partKey(bucket, id, req.GetPartNumber())
		// The parts so far, with this one in place of any it replaces, must
		// fit in one object: an upload that cannot be completed fails now,
		// not at CompleteMultipartUpload.
		total := int64(len(data))
		err = parts.Scan(tx, sc, storage.ScanOptions{Prefix: partPrefix(bucket, id)}, func(_ []byte, q *recordsv1.S3Part) (bool, error) {
			if q.GetPartNumber() != req.GetPartNumber() {
				total += q.GetExtent().GetSize()
			}
			return total <= s.maxSize, nil
		})
		if err != nil {
			return err
		}
		if total > s.maxSize {
			return errEntityTooLarge()
		}
		old, found, err := parts.Get(tx, sc, pk)
		if err != nil {
			return err
		}
		if found {
			if err := deleteData(tx, sc, old.GetExtent()); err != nil {
				return err
			}
		}
		if p.Extent, err = writeData(tx, sc, data, sl); err != nil {
			return err
		}
		return parts.Put(tx, sc, pk, p)
	})
	if err != nil {
		return nil, storageError(err)
	}
	out := &s3v1.UploadPartOutput{ETag: ptr(p.GetEtag())}
	writeChecksums(out, sums)
	out.ServerSideEncryption, out.SsekmsKeyId, out.BucketKeyEnabled = encryptionHeaders(u.GetTemplate())
	return out, nil
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

func errInvalidPart() error {
	return awserr.New("InvalidPart", http.StatusBadRequest, "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.")
}

// CompleteMultipartUpload assembles the listed parts, in ascending order
// (InvalidPartOrder), each as uploaded (InvalidPart), all but the last of at
// least 5 MiB (EntityTooSmall), into the object: its ETag is the MD5 of the
// parts' MD5s followed by -N. Parts not listed are discarded. The parts'
// data become the object's without being copied.
func (s *Service) CompleteMultipartUpload(ctx context.Context, req *s3v1.CompleteMultipartUploadRequest) (*s3v1.CompleteMultipartUploadOutput, error) {
	bucket, key, id := req.GetBucket(), req.GetKey(), req.GetUploadId()
	if err := checkBucketName(bucket); err != nil {
		return nil, err
	}
	if err := checkKey(key); err != nil {
		return nil, err
	}
	listed := req.GetMultipartUpload().GetParts()
	if len(listed) == 0 {
		return nil, errMalformedXML()
	}
	for i, p := range listed {
		if err := checkPartNumber(p.GetPartNumber()); err != nil {
			return nil, err
		}
		if i > 0 && p.GetPartNumber() <= listed[i-1].GetPartNumber() {
			return nil, awserr.New("InvalidPartOrder", http.StatusBadRequest, "The list of parts was not in ascending order. The parts list must be specified in order by part number.")
		}
	}
	var obj *recordsv1.S3Object
	err := s.db.Update(ctx, func(tx *storage.Tx) error {
		b, u, err := loadUpload(tx, bucket, key, id)
		if err != nil {
			return err
		}
		if err := checkExpectedOwner(b, req); err != nil {
			return err
		}
		sc := dataScope(b)
		stored := map[int32]*recordsv1.S3Part{}
		err = parts.Scan(tx, sc, storage.ScanOptions{Prefix: partPrefix(bucket, id)}, func(_ []byte, p *recordsv1.S3Part) (bool, error) {
			stored[p.GetPartNumber()] = p
			return true, nil
		})
		if err != nil {
			return err
		}
		obj = proto.Clone(u.GetTemplate()).(*recordsv1.S3Object)
		md5s := make([]byte, 0, md5.Size*len(listed))
		alg := u.GetChecksumAlgorithm()
		var partSums []byte
		for i, lp := range listed {
			p := stored[lp.GetPartNumber()]
			if p == nil || (lp.GetETag() != "" && strings.Trim(lp.GetETag(), `"`) != strings.Trim(p.GetEtag(), `"`)) {
				return errInvalidPart()
			}
			if i < len(listed)-1 && p.GetExtent().GetSize() < MinPartSize {
				return awserr.New("EntityTooSmall", http.StatusBadRequest, "Your proposed upload is smaller than the minimum allowed object size.")
			}
			raw, _ := hex.DecodeString(strings.Trim(p.GetEtag(), `"`))
			md5s = append(md5s, raw...)
			if alg != "" {
				v, _ := base64.StdEncoding.DecodeString(p.GetChecksums()[alg])
				partSums = append(partSums, v...)
			}
			obj.Extents = append(obj.Extents, p.GetExtent())
			obj.Size += p.GetExtent().GetSize()
			delete(stored, lp.GetPartNumber())
		}
		if obj.Size > s.maxSize {
			return errEntityTooLarge()
		}
		sum := md5.Sum(md5s)
		obj.Etag = `"` + hex.EncodeToString(sum[:]) + "-" + strconv.Itoa(len(listed)) + `"`
		obj.PartsCount = int32(len(listed))
		obj.LastModified = timestamppb.New(s.now())
		if h, ok := checksumOf(alg, partSums); ok && alg != "" {
			obj.Checksums = map[string]string{alg: h + "-" + strconv.Itoa(len(listed))}
			obj.ChecksumType = "COMPOSITE"
		}
		ok := objectKey(bucket, key)
		old, found, err := objects.Get(tx, sc, ok)
		if err != nil {
			return err
		}
		if err := writeConditions(old, found, req.GetIfMatch(), req.GetIfNoneMatch()); err != nil {
			return err
		}
		if found {
			if err := deleteData(tx, sc, old.GetExtents()...); err != nil {
				return err
			}
		}
		// The listed parts' data now belong to the object; the others go.
		for _, p := range stored {
			if err := deleteData(tx, sc, p.GetExtent()); err != nil {
				return err
			}
		}
		for _, lp := range listed {
			if _, err := parts.Delete(tx, sc, partKey(bucket, id, lp.GetPartNumber())); err != nil {
				return err
			}
		}
		for n := range stored {
			if _, err := parts.Delete(tx, sc, partKey(bucket, id, n)); err != nil {
				return err
			}
		}
		if _, err := uploads.Delete(tx, sc, uploadKey(bucket, key, id)); err != nil {
			return err
		}
		return objects.Put(tx, sc, ok, obj)
	})
	if err != nil {
		return nil, storageError(err)
	}
	out := &s3v1.CompleteMultipartUploadOutput{Location: ptr("/" + bucket + "/" + key), Bucket: ptr(bucket), Key: ptr(key), ETag: ptr(obj.GetEtag()),
		ChecksumType: optional(obj.GetChecksumType())}
	writeChecksums(out, obj.GetChecksums())
	var bk *bool
	out.ServerSideEncryption, out.SsekmsKeyId, bk = encryptionHeaders(obj)
	out.BucketKeyEnabled = bk
	return out, nil
}

// AbortMultipartUpload discards an upload and its parts (204).
func (s *Service) AbortMultipartUpload(ctx context.Context, req *s3v1.AbortMultipartUploadRequest) (*s3v1.AbortMultipartUploadOutput, error) {
	bucket, key := req.GetBucket(), req.GetKey()
	if err := checkBucketName(bucket); err != nil {
		return nil, err
	}
	if err := checkKey(key); err != nil {
		return nil, err
	}
	err := s.db.Update(ctx, func(tx *storage.Tx) error {
		b, u, err := loadUpload(tx, bucket, key, req.GetUploadId())
		if err != nil {
			return err
		}
		if err := checkExpectedOwner(b, req); err != nil {
			return err
		}
		return dropUpload(tx, dataScope(b), bucket, u)
	})
	if err != nil {
		return nil, storageError(err)
	}
	return &s3v1.AbortMultipartUploadOutput{}, nil
}

// owners renders the Owner and Initiator of an upload.
func uploadPeople(b *recordsv1.S3Bucket, u *recordsv1.S3Upload) (*s3v1.Owner, *s3v1.Initiator) {
	id := CanonicalID(b.GetOwner())
	ini := &s3v1.Initiator{Id: ptr(id)}
	if u.GetInitiator() != "" {
		if a, ok := authz.ParseARN(u.GetInitiator()); ok && a.Resource != "root" {
			ini.Id = ptr(u.GetInitiator())
		}
	}
	return &s3v1.Owner{Id: ptr(id)}, ini
}

// ListParts lists an upload's parts by number: MaxParts (1,000 by default
// and at most) after PartNumberMarker.
func (s *Service) ListParts(ctx context.Context, req *s3v1.ListPartsRequest) (*s3v1.ListPartsOutput, error) {
	bucket, key, id := req.GetBucket(), req.GetKey(), req.GetUploadId()
	if err := checkBucketName(bucket); err != nil {
		return nil, err
	}
	if err := checkKey(key); err != nil {
		return nil, err
	}
	limit, err := pageSize(req.MaxParts)
	if err != nil {
		return nil, err
	}
	var marker int64
	if m := req.GetPartNumberMarker(); m != "" {
		if marker, err = strconv.ParseInt(m, 10, 32); err != nil || marker < 0 {
			return nil, errInvalidArgument("Argument part-number-marker must be an integer between 0 and 2147483647")
		}
	}
	out := &s3v1.ListPartsOutput{Bucket: ptr(bucket), Key: ptr(key), UploadId: ptr(id), MaxParts: ptr(int32(limit)),
		PartNumberMarker: ptr(strconv.FormatInt(marker, 10)), IsTruncated: ptr(false), StorageClass: ptr("STANDARD")}
	err = s.db.View(ctx, func(tx *storage.Tx) error {
		b, u, err := loadUpload(tx, bucket, key, id)
		if err != nil {
			return err
		}
		if err := checkExpectedOwner(b, req); err != nil {
			return err
		}
		out.Owner, out.Initiator = uploadPeople(b, u)
		out.ChecksumAlgorithm = optional(u.GetChecksumAlgorithm())
		out.Parts = nil
		opts := storage.ScanOptions{Prefix: partPrefix(bucket, id), StartAfter: partKey(bucket, id, int32(marker))}
		return parts.Scan(tx, dataScope(b), opts, func(_ []byte, p *recordsv1.S3Part) (bool, error) {
			if len(out.Parts) == limit {
				out.IsTruncated = ptr(true)
				return false, nil
			}
			e := &s3v1.Part{PartNumber: ptr(p.GetPartNumber()), LastModified: p.GetLastModified(), ETag: ptr(p.GetEtag()), Size: ptr(p.GetExtent().GetSize())}
			writeChecksums(e, p.GetChecksums())
			out.Parts = append(out.Parts, e)
			out.NextPartNumberMarker = ptr(strconv.Itoa(int(p.GetPartNumber())))
			return true, nil
		})
	})
	if err != nil {
		return nil, storageError(err)
	}
	return out, nil
}

// ListMultipartUploads lists the uploads in progress in a bucket by key and
// upload id: Prefix, KeyMarker and UploadIdMarker, MaxUploads (1,000 by
// default and at most). Delimiter is not applied.
func (s *Service) ListMultipartUploads(ctx context.Context, req *s3v1.ListMultipartUploadsRequest) (*s3v1.ListMultipartUploadsOutput, error) {
	bucket := req.GetBucket()
	if err := checkBucketName(bucket); err != nil {
		return nil, err
	}
	if err := checkEncodingType(req.GetEncodingType()); err != nil {
		return nil, err
	}
	limit, err := pageSize(req.MaxUploads)
	if err != nil {
		return nil, err
	}
	enc := encoder(req.GetEncodingType())
	out := &s3v1.ListMultipartUploadsOutput{Bucket: ptr(bucket), Prefix: ptr(enc(req.GetPrefix())), KeyMarker: ptr(enc(req.GetKeyMarker())),
		UploadIdMarker: ptr(req.GetUploadIdMarker()), MaxUploads: ptr(int32(limit)), IsTruncated: ptr(false), EncodingType: req.EncodingType,
		Delimiter: optionalEncoded(enc, req.Delimiter)}
	opts := storage.ScanOptions{Prefix: objectPrefix(bucket, req.GetPrefix())}
	if km := req.GetKeyMarker(); km != "" {
		if req.GetUploadIdMarker() != "" {
			opts.StartAfter = uploadKey(bucket, km, req.GetUploadIdMarker())
		} else {
			opts.StartAfter = append(objectKey(bucket, km), 0xFF, 0xFF, 0xFF, 0xFF)
		}
	}
	err = s.db.View(ctx, func(tx *storage.Tx) error {
		b, err := mustBucket(tx, bucket)
		if err != nil {
			return err
		}
		if err := checkExpectedOwner(b, req); err != nil {
			return err
		}
		out.Uploads = nil
		return uploads.Scan(tx, dataScope(b), opts, func(_ []byte, u *recordsv1.S3Upload) (bool, error) {
			if len(out.Uploads) == limit {
				out.IsTruncated = ptr(true)
				return false, nil
			}
			owner, ini := uploadPeople(b, u)
			k := u.GetTemplate().GetKey()
			out.Uploads = append(out.Uploads, &s3v1.MultipartUpload{UploadId: ptr(u.GetUploadId()), Key: ptr(enc(k)), Initiated: u.GetInitiated(),
				StorageClass: ptr("STANDARD"), Owner: owner, Initiator: ini, ChecksumAlgorithm: optional(u.GetChecksumAlgorithm())})
			out.NextKeyMarker, out.NextUploadIdMarker = ptr(enc(k)), ptr(u.GetUploadId())
			return true, nil
		})
	})
	if err != nil {
		return nil, storageError(err)
	}
	return out, nil
}
