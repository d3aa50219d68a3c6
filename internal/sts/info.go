package sts

import (
	"context"
	"errors"

	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/auth/sigv4"
	"github.com/ibemu/ibemu/internal/authz"
	"github.com/ibemu/ibemu/internal/awserr"
	stsv1 "github.com/ibemu/ibemu/proto/sts/v1"
)

// DecodeAuthorizationMessage decodes the encoded authorization message of
// a denial (the enforcement layer seals one for every denial; the decision
// log shows it as encodedMessage). The caller needs
// sts:DecodeAuthorizationMessage, decided like any action. A message this
// emulator did not seal, an altered one, or one of another account's
// principal is InvalidAuthorizationMessageException (wording not verified
// against AWS).
func (s *Service) DecodeAuthorizationMessage(ctx context.Context, req *stsv1.DecodeAuthorizationMessageRequest) (*stsv1.DecodeAuthorizationMessageResponse, error) {
	c, _, err := s.call(ctx)
	if err != nil {
		return nil, err
	}
	// A message decodes only in the account of the principal it denied.
	msg, err := authz.DecodeMessage(s.sealer, req.GetEncodedMessage(), c.Account)
	if err != nil {
		return nil, stsv1.ErrInvalidAuthorizationMessage("Message is not valid")
	}
	return &stsv1.DecodeAuthorizationMessageResponse{DecodedMessage: ptr(msg)}, nil
}

// GetAccessKeyInfo returns the account an access key id belongs to. AWS
// reads the account from the key id itself, without checking that the key
// exists or is active ("GetAccessKeyInfo", STS API Reference); the emulator
// does the same for the key ids that carry their account (its own ASIA
// ids, and any id of AWS's current format), and asks the long-term key
// store (IAM users' AKIA keys, whose ids the IAM service draws at random)
// first. The caller needs sts:GetAccessKeyInfo.
func (s *Service) GetAccessKeyInfo(ctx context.Context, req *stsv1.GetAccessKeyInfoRequest) (*stsv1.GetAccessKeyInfoResponse, error) {
	if _, _, err := s.call(ctx); err != nil {
		return nil, err
	}
	id := req.GetAccessKeyId()
	if s.keys != nil {
		cred, err := s.keys.LookupAccessKey(ctx, id, "")
		switch {
		case err == nil && cred != nil:
			return &stsv1.GetAccessKeyInfoResponse{Account: ptr(cred.Principal.AccountID)}, nil
		case err != nil && !errors.Is(err, auth.ErrUnknownAccessKey) && !isAuthFailure(err):
			return nil, awserr.From(err)
		}
	}
	account, ok := accountOfKeyID(id)
	if !ok {
		// The emulator's wording: the id carries no account and no key
		// store knows it.
		return nil, errInvalidParameter("The access key ID " + id + " does not identify an account.")
	}
	return &stsv1.GetAccessKeyInfoResponse{Account: ptr(account)}, nil
}

// isAuthFailure reports a credential source's answer for a key it knows
// but refuses (an inactive IAM access key): the key still names an account
// AWS would report, but the source does not say which.
func isAuthFailure(err error) bool {
	var f *sigv4.Failure
	return errors.As(err, &f) && f.Kind != sigv4.KindInternal
}
