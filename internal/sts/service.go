// Package sts implements the AWS Security Token Service API.
//
// GetCallerIdentity is served; the operations that issue temporary
// credentials answer an explicit UnsupportedOperation error until they are
// built.
package sts

import (
	"context"

	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/callctx"
	stsv1 "github.com/ibemu/ibemu/proto/sts/v1"
)

// AlwaysAllowed are the STS actions no policy can deny. The STS API
// Reference (GetCallerIdentity) says the operation needs no permission and
// that even an explicit deny of sts:GetCallerIdentity does not stop it.
var AlwaysAllowed = []string{"sts:GetCallerIdentity"}

// Service is the STS API.
type Service struct {
	stsv1.UnsupportedSTSServer
}

// New returns the STS service.
func New() *Service { return &Service{} }

// GetCallerIdentity returns who signed the request. It needs no permission:
// AWS answers it even when every action is denied.
func (s *Service) GetCallerIdentity(ctx context.Context, _ *stsv1.GetCallerIdentityRequest) (*stsv1.GetCallerIdentityResponse, error) {
	c := callctx.From(ctx)
	if c == nil || c.Account == "" {
		return nil, awserr.Internal(errNoCall)
	}
	return &stsv1.GetCallerIdentityResponse{
		UserId:  ptr(c.Principal.UserID),
		Account: ptr(c.Account),
		Arn:     ptr(c.Principal.ARN),
	}, nil
}

type wiringError string

func (e wiringError) Error() string { return string(e) }

const errNoCall = wiringError("sts: no authenticated call in the context")

func ptr[T any](v T) *T { return &v }
