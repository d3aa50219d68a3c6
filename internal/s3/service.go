// Package s3 implements the part of Amazon S3 that Image Builder users touch:
// buckets (global names, owner, region, bucket policy, ownership controls,
// default encryption, tags), objects (put, get with ranges and conditions,
// head, delete, copy, list, tags), multipart uploads, and SSE-KMS through a
// consumer interface to KMS (Keys). It implements the generated gRPC server
// interface, so the restXml endpoint and the gRPC endpoint call the same
// handlers.
//
// Handlers trust that the transport authenticated the caller (callctx), the
// request passed the model's constraints and the enforcement layer
// authorized it (the Resolver tells the enforcer who owns a bucket and what
// its policy says); they own S3's semantics and its error codes.
//
// # Storage
//
// Bucket names are unique across accounts and regions, so buckets live in
// one global index (scope IndexScope) keyed by name; each owner's scope
// (account, global) also lists the names it owns, for ListBuckets. Objects
// live in the owner's scope of the bucket's region: metadata keyed by bucket
// and object key (listings seek, never scan), data in chunks of ChunkSize
// bytes keyed by a data id and the chunk's index, written in the same
// transaction as the metadata, so a failed or interrupted write leaves
// nothing behind, and an overwrite or delete removes the old chunks in the
// transaction that replaces them.
package s3

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/quota"
	"github.com/ibemu/ibemu/internal/storage"
	s3v1 "github.com/ibemu/ibemu/proto/s3/v1"
)

// DefaultMaxObjectSize is the largest object the service stores unless
// Options.MaxObjectSize says otherwise: 64 MiB. S3's own limit is 5 TiB (5
// GiB in one PutObject); the emulator keeps objects in its database file.
const DefaultMaxObjectSize = 64 << 20

// ChunkSize is the size of the stored data chunks: 1 MiB.
const ChunkSize = 1 << 20

// Keys is what S3 needs from KMS for SSE-KMS objects. The KMS service
// implements it; each method decides the caller's permission on the key as a
// forward access request made through via ("s3": kms:ViaService
// s3.REGION.amazonaws.com) and answers KMS's errors (NotFoundException,
// DisabledException, AccessDenied) in the calling API's protocol.
type Keys interface {
	// GenerateDataKeyFor returns a new 256-bit data key under keyID (a key
	// id, key ARN, alias name or alias ARN): its plaintext, its ciphertext
	// blob bound to encCtx, and the key's ARN.
	GenerateDataKeyFor(ctx context.Context, keyID string, encCtx map[string]string, via string) (keyARN string, plaintext, ciphertext []byte, err error)
	// DecryptFor decrypts a ciphertext blob GenerateDataKeyFor returned,
	// with the same encryption context.
	DecryptFor(ctx context.Context, ciphertext []byte, encCtx map[string]string, via string) (keyARN string, plaintext []byte, err error)
	// DescribeKeyFor returns the ARN of keyID and whether it is enabled.
	DescribeKeyFor(ctx context.Context, keyID string) (keyARN string, enabled bool, err error)
}

// Options configure a Service.
type Options struct {
	// Clock returns the current time; nil means time.Now.
	Clock func() time.Time
	// MaxObjectSize is the largest object (and part) stored, in bytes; 0
	// means DefaultMaxObjectSize. Larger uploads get EntityTooLarge.
	MaxObjectSize int64
	// Keys is KMS, for SSE-KMS; nil answers SSE-KMS requests with
	// NotImplemented.
	Keys Keys
	// Principals is IAM, for validating bucket policy principals; nil
	// accepts any principal the policy grammar allows.
	Principals Principals
	// Quotas are the account quotas enforced (general purpose buckets per
	// account); nil means AWS's defaults.
	Quotas *quota.Set
}

// Service is the S3 API.
type Service struct {
	s3v1.UnsupportedS3Server

	db      *storage.DB
	now     func() time.Time
	maxSize int64
	keys    Keys
	pols    policyCache

	principals Principals
	quotas     *quota.Set
}

// New returns the S3 service over db.
func New(db *storage.DB, opts Options) *Service {
	s := &Service{db: db, now: opts.Clock, maxSize: opts.MaxObjectSize, keys: opts.Keys, principals: opts.Principals, quotas: opts.Quotas}
	if s.now == nil {
		s.now = time.Now
	}
	if s.maxSize <= 0 {
		s.maxSize = DefaultMaxObjectSize
	}
	return s
}

// SetKeys wires KMS after construction (the emulator builds both services
// and then connects them).
func (s *Service) SetKeys(k Keys) { s.keys = k }

// SetPrincipals wires IAM after construction, for bucket policy
// principal checks.
func (s *Service) SetPrincipals(p Principals) { s.principals = p }

// MaxObjectSize is the largest object the service stores, in bytes.
func (s *Service) MaxObjectSize() int64 { return s.maxSize }

type wiringError string

func (e wiringError) Error() string { return string(e) }

const errNoCall = wiringError("s3: no authenticated call in the context")

// call returns the authenticated call in ctx. Every transport sets one; a
// missing call is a wiring defect, answered as an internal error.
func call(ctx context.Context) (*callctx.Call, error) {
	c := callctx.From(ctx)
	if c == nil || c.Account == "" || c.Region == "" {
		return nil, awserr.Internal(errNoCall)
	}
	return c, nil
}

// storageError turns a transaction's failure into the answer the client
// sees: service errors pass through, anything else is an internal error.
func storageError(err error) error {
	if err == nil {
		return nil
	}
	return awserr.From(err)
}

// CanonicalID is the canonical user id S3 shows for an account (Owner.ID,
// grantee ids): 64 hex digits, stable for the account.
func CanonicalID(account string) string {
	sum := sha256.Sum256([]byte("ibemu s3 canonical user " + account))
	return hex.EncodeToString(sum[:])
}

func ptr[T any](v T) *T { return &v }

// S3's error answers (Amazon S3 API Reference, "Error responses": codes,
// statuses and the messages S3 writes).
func errNoSuchBucket(bucket string) error {
	return s3v1.ErrNoSuchBucket("The specified bucket does not exist")
}

func errNoSuchKey() error { return s3v1.ErrNoSuchKey("The specified key does not exist.") }

func errNoSuchUpload() error {
	return s3v1.ErrNoSuchUpload("The specified multipart upload does not exist. The upload ID might be invalid, or the multipart upload might have been aborted or completed.")
}

func errInvalidArgument(format string, args ...any) error {
	return awserr.Newf("InvalidArgument", http.StatusBadRequest, format, args...)
}

func errInvalidRequest(format string, args ...any) error {
	return s3v1.ErrInvalidRequest(format, args...)
}

func errMalformedXML() error {
	return awserr.New("MalformedXML", http.StatusBadRequest, "The XML you provided was not well-formed or did not validate against our published schema")
}

func errEntityTooLarge() error {
	return awserr.New("EntityTooLarge", http.StatusBadRequest, "Your proposed upload exceeds the maximum allowed size")
}

func errPreconditionFailed() error {
	return awserr.New("PreconditionFailed", http.StatusPreconditionFailed, "At least one of the pre-conditions you specified did not hold")
}

func errNotModified() error {
	return awserr.New("NotModified", http.StatusNotModified, "Not Modified")
}

// errNotFound is the answer of HeadBucket and HeadObject for what does not
// exist: a 404 without a body, which the SDKs report as NotFound.
func errNotFound() error {
	return awserr.New("NotFound", http.StatusNotFound, "Not Found")
}
