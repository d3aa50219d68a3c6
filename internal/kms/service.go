// Package kms implements the part of AWS KMS that Image Builder and S3 lean
// on: symmetric encryption keys with key policies, aliases, tags and grants,
// and real authenticated encryption under a per-key secret kept in the
// database. It implements the generated gRPC service interface, so the AWS
// wire endpoint (awsJson1_1) and the gRPC endpoint call the same handlers;
// operations not built here answer the explicit UnsupportedOperation error
// of the embedded base.
//
// Authorization follows KMS's own rule ("Key policies in AWS KMS"): the key
// policy is the primary control, and identity-based policies count only
// where the key policy allows the account (its root principal). The
// resolver (resolver.go) hands the enforcement layer the key policy parsed
// as policy.KindKeyPolicy, with one synthesized statement per active grant
// ("Grants in AWS KMS": a grant allows its grantee its operations without a
// policy statement), so the decision trace names the grant that allowed.
package kms

import (
	"context"
	"crypto/cipher"
	"errors"
	"sync"
	"time"

	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/quota"
	"github.com/ibemu/ibemu/internal/seal"
	"github.com/ibemu/ibemu/internal/storage"
	kmsv1 "github.com/ibemu/ibemu/proto/kms/v1"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
)

// Service is the KMS API.
type Service struct {
	kmsv1.UnsupportedKMSServer

	db     *storage.DB
	now    func() time.Time
	sealer *seal.Sealer

	// aeads caches each key's AES-256-GCM cipher by key ARN: key material
	// never changes once created, and opening it costs an unseal.
	aeads sync.Map // string → cipher.AEAD
	// policies caches compiled effective policies by document text.
	policies policyCache
	// principals checks that the IAM users and roles a key policy names
	// exist; nil skips the check.
	principals Principals
	quotas     *quota.Set
}

// Principals is IAM's principal existence check (iam.Service implements
// it): MissingPrincipal returns the first IAM user or role ARN that the
// validated policy document doc names as an "AWS" principal and that does
// not exist, or "" when all exist.
type Principals interface {
	MissingPrincipal(ctx context.Context, doc string) (string, error)
}

// Options configure a Service.
type Options struct {
	// Clock returns the current time; nil means time.Now.
	Clock func() time.Time
	// Sealer protects key material at rest and grant tokens. Required.
	Sealer *seal.Sealer
	// Principals refuses key policies naming IAM users or roles that do
	// not exist; nil accepts any well-formed principal.
	Principals Principals
	// Quotas are the account quotas enforced (KMS keys per Region); nil
	// means AWS's defaults.
	Quotas *quota.Set
}

// New returns the KMS service over db.
func New(db *storage.DB, opts Options) (*Service, error) {
	if opts.Sealer == nil {
		return nil, errors.New("kms: Options.Sealer is required")
	}
	s := &Service{db: db, now: opts.Clock, sealer: opts.Sealer, principals: opts.Principals, quotas: opts.Quotas}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// Tables of the KMS service, in the owning account's scope of the key's
// region.
var (
	// keys: key id → KMSKey.
	keys = storage.NewTable[*recordsv1.KMSKey]("kms.keys")
	// aliases: alias name → KMSAlias.
	aliases = storage.NewTable[*recordsv1.KMSAlias]("kms.aliases")
	// keyAliases indexes aliases by key: key id / alias name → KMSAlias,
	// so kms:ResourceAliases and ListAliases for a key read only that key's.
	keyAliases = storage.NewTable[*recordsv1.KMSAlias]("kms.key-aliases")
	// grants: key id / grant id → KMSGrant.
	grants = storage.NewTable[*recordsv1.KMSGrant]("kms.grants")
)

func keyAliasKey(keyID, alias string) []byte {
	return storage.NewKey().String(keyID).String(alias).Key()
}

func keyPrefix(keyID string) []byte { return storage.NewKey().String(keyID).Key() }

func grantKey(keyID, grantID string) []byte {
	return storage.NewKey().String(keyID).String(grantID).Key()
}

type wiringError string

func (e wiringError) Error() string { return string(e) }

const errNoCall = wiringError("kms: no authenticated call in the context")

// call returns the authenticated call in ctx.
func call(ctx context.Context) (*callctx.Call, *awserr.Error) {
	c := callctx.From(ctx)
	if c == nil || c.Account == "" || c.Region == "" {
		return nil, awserr.Internal(errNoCall)
	}
	return c, nil
}

func scopeOf(c *callctx.Call) storage.Scope {
	return storage.Scope{Account: c.Account, Region: c.Region}
}

// storageError turns a transaction's failure into the answer the client
// sees: service errors pass through, anything else is an internal error.
func storageError(err error) error {
	if err == nil {
		return nil
	}
	return awserr.From(err)
}

// aead returns the key's cipher, opening its sealed material once.
func (s *Service) aead(k *recordsv1.KMSKey) (cipher.AEAD, error) {
	if a, ok := s.aeads.Load(k.GetArn()); ok {
		return a.(cipher.AEAD), nil
	}
	material, err := s.sealer.Open(materialPurpose, k.GetMaterial(), []byte(k.GetArn()))
	if err != nil {
		return nil, awserr.Internal(errors.New("kms: the key material of " + k.GetArn() + " does not open"))
	}
	a, err := newAEAD(material)
	clear(material)
	if err != nil {
		return nil, awserr.Internal(err)
	}
	s.aeads.Store(k.GetArn(), a)
	return a, nil
}
