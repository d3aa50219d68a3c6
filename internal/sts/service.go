package sts

import (
	"context"
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

// Option configures the service.
type Option func(*Service)

// WithSealer sets the sealer that seals session tokens, derives secret
// keys and opens encoded authorization messages: the emulator's, whose key
// is in the data file.
func WithSealer(sealer *seal.Sealer) Option {
	return func(s *Service) { s.sealer, s.sessions = sealer, &sessions{sealer: sealer} }
}

// WithIAM sets the IAM store roles, users and managed policies are read
// from.
func WithIAM(store IAM) Option { return func(s *Service) { s.iam = store } }

// WithAccessKeys sets the source GetAccessKeyInfo asks about long-term
// access keys (IAM users' AKIA keys).
func WithAccessKeys(keys auth.CredentialSource) Option { return func(s *Service) { s.keys = keys } }

// Service is the STS API.
type Service struct {
	stsv1.UnsupportedSTSServer

	iam      IAM
	keys     auth.CredentialSource
	sealer   *seal.Sealer
	sessions *sessions
}

// New returns the STS service. Without a sealer and an IAM store it serves
// GetCallerIdentity only; the other operations answer InternalFailure.
func New(opts ...Option) *Service {
	s := &Service{}
	for _, o := range opts {
		o(s)
	}
	if p, ok := s.iam.(Principals); ok && s.sessions != nil {
		s.sessions.principals = p
	}
	return s
}

// configured fails the operations that need the sealer and the IAM store
// when the service was built without them.
func (s *Service) configured() error {
	if s.sealer == nil || s.iam == nil {
		return awserr.Internal(errNotConfigured)
	}
	return nil
}

// Credentials is the credential source of the temporary credentials this
// service issues (ASIA access key ids), for the authenticator chain.
func (s *Service) Credentials() auth.CredentialSource {
	if s.sessions == nil {
		return auth.ChainSource{}
	}
	return s.sessions
}

// GetCallerIdentity returns who signed the request: the root user, the IAM
// user (also for its GetSessionToken credentials), the assumed-role session
// (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION, ROLEID:SESSION) or the
// federated user (arn:aws:sts::ACCOUNT:federated-user/NAME, ACCOUNT:NAME).
// It needs no permission: AWS answers it even when every action is denied.
// The credentials of a session whose user or role was deleted do not
// authenticate at all (sessions.LookupAccessKey), here as anywhere.
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

const (
	errNoCall        = wiringError("sts: no authenticated call in the context")
	errNotConfigured = wiringError("sts: built without a sealer or an IAM store")
)

// internal wraps an unexpected error.
func internal(err error) error { return awserr.Internal(err) }

func ptr[T any](v T) *T { return &v }

func timestamp(t time.Time) *timestamppb.Timestamp { return timestamppb.New(t) }
