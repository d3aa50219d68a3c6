// Package imagebuilder implements the EC2 Image Builder API over the
// storage layer. It implements the generated gRPC server interface, so the
// AWS wire endpoint and the gRPC endpoint call the same handlers.
//
// Handlers trust that the transport authenticated the caller (callctx), the
// request passed the model's constraints and the enforcement layer
// authorized it; they own the service semantics: versions, idempotency,
// pagination and the errors Image Builder answers.
package imagebuilder

import (
	"context"
	"sync"
	"time"

	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/storage"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// Service is the Image Builder API.
type Service struct {
	ibv1.UnsupportedImagebuilderServer

	db       *storage.DB
	now      func() time.Time
	objects  Objects
	keys     Keys
	profiles Profiles
	buckets  Buckets

	// Builds (build.go, build_run.go).
	buildTime time.Duration
	enf       Enforcement
	advance   sync.Mutex
	wake      chan struct{}

	// reads keeps what the resolver read for the reads that may share it
	// (resolver.go).
	reads *storage.ReadCache[resourceARN, *stored]
}

// Options configure a Service.
type Options struct {
	// Clock returns the current time; nil means time.Now.
	Clock func() time.Time
	// Objects reads component documents from S3 as the caller; without it
	// a uri is answered as unsupported.
	Objects Objects
	// Keys is KMS for components encrypted under a customer managed key;
	// without it a kmsKeyId is answered as unsupported.
	Keys Keys
	// Profiles reads IAM instance profiles; without it an infrastructure
	// configuration's instance profile is not checked.
	Profiles Profiles
	// Buckets tells whether S3 buckets exist; without it an infrastructure
	// configuration's logging bucket is not checked.
	Buckets Buckets
	// BuildTime is the wall time of a whole simulated build on Clock;
	// zero means DefaultBuildTime (10s).
	BuildTime time.Duration
}

// New returns the Image Builder service over db.
func New(db *storage.DB, opts Options) *Service {
	s := &Service{db: db, now: opts.Clock, objects: opts.Objects, keys: opts.Keys, profiles: opts.Profiles, buckets: opts.Buckets,
		buildTime: opts.BuildTime, wake: make(chan struct{}, 1), reads: newReadCache(db)}
	if s.buildTime <= 0 {
		s.buildTime = DefaultBuildTime
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// call returns the authenticated call in ctx. Every transport sets one; a
// missing call is a wiring defect, answered as an internal error.
func call(ctx context.Context) (*callctx.Call, *awserr.Error) {
	c := callctx.From(ctx)
	if c == nil || c.Account == "" || c.Region == "" {
		return nil, awserr.Internal(errNoCall)
	}
	return c, nil
}

type wiringError string

func (e wiringError) Error() string { return string(e) }

const errNoCall = wiringError("imagebuilder: no authenticated call in the context")

// scope is where the caller's own resources live.
func scope(c *callctx.Call) storage.Scope {
	return storage.Scope{Account: c.Account, Region: c.Region}
}

// timestamp renders a time the way Image Builder's string dates read:
// 2020-01-27T20:43:30.306Z.
func timestamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// storageError turns a transaction's failure into the answer the client
// sees: service errors pass through, anything else is an internal error.
func storageError(err error) error {
	if err == nil {
		return nil
	}
	return awserr.From(err)
}
