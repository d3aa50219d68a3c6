package iam

import iamv1 "github.com/ibemu/ibemu/proto/iam/v1"

// Service is the IAM API. Every operation answers an explicit
// UnsupportedOperation error naming it until it is built.
type Service struct {
	iamv1.UnsupportedIAMServer
}

// NewService returns the IAM API service.
func NewService() *Service { return &Service{} }
