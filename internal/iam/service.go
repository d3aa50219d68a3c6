package iam

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/quota"
	"github.com/ibemu/ibemu/internal/storage"
	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
)

// Service is the IAM API over the storage layer. It implements the
// generated gRPC server interface, so the Query endpoint and the gRPC
// endpoint call the same handlers; operations not built here answer
// UnsupportedOperation through the embedded UnsupportedIAMServer.
//
// Besides the API it is the source of truth the rest of the emulator asks
// about IAM: Identities (who a caller is and which policies apply),
// Resolver (IAM resources for the enforcement layer), Credentials (IAM
// users' access keys for SigV4) and the lookups STS uses (api.go).
type Service struct {
	iamv1.UnsupportedIAMServer

	db  *storage.DB
	now func() time.Time

	// gen counts committed IAM writes. Caches built from the store remember
	// the generation they were built at and are rebuilt once it moves.
	gen atomic.Uint64

	callers *callerCache
	keys    *keyCache
	parsed  *parseCache
	usage   *usageTracker
	quotas  *quota.Set
}

// Options configure a Service.
type Options struct {
	// Clock returns the current time; nil means time.Now.
	Clock func() time.Time
	// Quotas are the account quotas enforced (users, groups, roles,
	// customer managed policies, instance profiles); nil means AWS's
	// defaults.
	Quotas *quota.Set
}

// New returns the IAM service over db.
func New(db *storage.DB, opts Options) *Service {
	s := &Service{db: db, now: opts.Clock, quotas: opts.Quotas}
	if s.now == nil {
		s.now = time.Now
	}
	s.callers = newCallerCache()
	s.keys = newKeyCache()
	s.parsed = newParseCache()
	s.usage = newUsageTracker(s)
	return s
}

// call returns the authenticated call in ctx. Every transport sets one; a
// missing call is a wiring defect, answered as an internal error.
func call(ctx context.Context) (*callctx.Call, error) {
	c := callctx.From(ctx)
	if c == nil || c.Account == "" {
		return nil, awserr.Internal(errors.New("iam: no authenticated call in the context"))
	}
	return c, nil
}

// accountScope is where an account's IAM data lives: IAM is global.
func accountScope(account string) storage.Scope {
	return storage.Scope{Account: account, Region: storage.GlobalRegion}
}

// view runs fn in a read-only transaction over the caller's account.
func (s *Service) view(ctx context.Context, fn func(tx *storage.Tx, c *callctx.Call) error) error {
	c, err := call(ctx)
	if err != nil {
		return err
	}
	s.usage.noteCall(c, &c.Principal)
	return storageError(s.db.View(ctx, func(tx *storage.Tx) error { return fn(tx, c) }))
}

// update runs fn in one write transaction over the caller's account and,
// once it committed, moves the generation so that cached callers and
// resources are rebuilt. A failing fn rolls everything back.
func (s *Service) update(ctx context.Context, fn func(tx *storage.Tx, c *callctx.Call) error) error {
	c, err := call(ctx)
	if err != nil {
		return err
	}
	s.usage.noteCall(c, &c.Principal)
	return s.write(ctx, func(tx *storage.Tx) error { return fn(tx, c) })
}

// write is update without a call (background persistence, tests).
func (s *Service) write(ctx context.Context, fn func(tx *storage.Tx) error) error {
	err := s.db.Update(ctx, fn)
	if err == nil {
		s.gen.Add(1)
	}
	return storageError(err)
}

// storageError turns a transaction's failure into the answer the client
// sees: service errors pass through, anything else is an internal error.
func storageError(err error) error {
	if err == nil {
		return nil
	}
	return awserr.From(err)
}

func ptr[T any](v T) *T { return &v }

// Invalidate drops every cached caller and resource, for when the store
// changed underneath the service (the admin API's Reset and Restore).
func (s *Service) Invalidate() { s.gen.Add(1) }
