package sts

import (
	"context"
	"errors"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/iam"
	"github.com/ibemu/ibemu/internal/iam/policy"
	"github.com/ibemu/ibemu/internal/seal"
	stsv1 "github.com/ibemu/ibemu/proto/sts/v1"
)

// AlwaysAllowed are the STS actions no policy can deny. The STS API
// Reference says GetCallerIdentity needs no permission and that even an
// explicit deny of sts:GetCallerIdentity does not stop it; of
// GetSessionToken it says "No permissions are required for users to
// perform this operation … You cannot use policies to control
// authentication operations."
var AlwaysAllowed = []string{"sts:GetCallerIdentity", "sts:GetSessionToken"}

// IAM is what STS reads from the IAM store: the role a session assumes,
// the user behind a session, the managed session policies, and where it
// notes that a role was used.
type IAM interface {
	RoleByARN(ctx context.Context, roleARN string) (*iam.Role, bool, error)
	UserByARN(ctx context.Context, userARN string) (*iam.User, bool, error)
	ManagedPolicy(ctx context.Context, account, policyARN string) (document string, session *policy.Attached, found bool, err error)
	RecordRoleUse(account, roleName, region string, t time.Time)
}

// Options are what the service needs.
type Options struct {
	// Sealer seals session tokens, derives secret keys and opens encoded
	// authorization messages. Required.
	Sealer *seal.Sealer
	// IAM is the IAM store. Required.
	IAM IAM
	// Keys answers GetAccessKeyInfo for long-term access keys (IAM users'
	// AKIA keys). Optional.
	Keys auth.CredentialSource
}

// Service is the STS API.
type Service struct {
	stsv1.UnsupportedSTSServer

	iam      IAM
	keys     auth.CredentialSource
	sealer   *seal.Sealer
	sessions *sessions
}

// New returns the STS service.
func New(opts Options) (*Service, error) {
	if opts.Sealer == nil || opts.IAM == nil {
		return nil, errors.New("sts: Options.Sealer and Options.IAM are required")
	}
	return &Service{
		iam:      opts.IAM,
		keys:     opts.Keys,
		sealer:   opts.Sealer,
		sessions: &sessions{sealer: opts.Sealer},
	}, nil
}

// Credentials is the credential source of the temporary credentials this
// service issues (ASIA access key ids), for the authenticator chain.
func (s *Service) Credentials() auth.CredentialSource { return s.sessions }

// GetCallerIdentity returns who signed the request: the root user, the IAM
// user (also for its GetSessionToken credentials), the assumed-role session
// (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION, ROLEID:SESSION) or the
// federated user (arn:aws:sts::ACCOUNT:federated-user/NAME, ACCOUNT:NAME).
// It needs no permission: AWS answers it even when every action is denied,
// for the sessions of a deleted role too.
func (s *Service) GetCallerIdentity(ctx context.Context, _ *stsv1.GetCallerIdentityRequest) (*stsv1.GetCallerIdentityResponse, error) {
	c, _, err := call(ctx)
	if err != nil {
		return nil, err
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

// internal wraps an unexpected error.
func internal(err error) error { return awserr.Internal(err) }

func ptr[T any](v T) *T { return &v }

func timestamp(t time.Time) *timestamppb.Timestamp { return timestamppb.New(t) }
