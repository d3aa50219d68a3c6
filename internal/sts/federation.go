package sts

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/authz"
	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/callctx"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
	stsv1 "github.com/ibemu/ibemu/proto/sts/v1"
)

// Durations of GetSessionToken and GetFederationToken sessions (their API
// references): IAM users ask for 900 to 129,600 seconds (the model checks
// the range), 43,200 by default; the root user's sessions last an hour at
// most, and "if the duration is longer than one hour, the session … defaults
// to one hour".
const (
	defaultUserSession = 12 * time.Hour
	maxRootSession     = time.Hour
)

// userSessionDuration resolves DurationSeconds for a user or root caller.
func userSessionDuration(c *callctx.Call, seconds *int32) time.Duration {
	if c.Principal.Kind != auth.PrincipalRoot {
		return duration(seconds, defaultUserSession)
	}
	return min(duration(seconds, maxRootSession), maxRootSession)
}

// longTermOnly refuses callers with temporary credentials: GetSessionToken
// and GetFederationToken "must be called by using the long-term AWS
// security credentials" of an IAM user or the root user. The enforcement
// layer refuses them first (authz's session rules); this keeps the
// operations right without it.
func longTermOnly(c *callctx.Call, op string) error {
	if c.Principal.Session != nil || (c.Principal.Kind != auth.PrincipalIAMUser && c.Principal.Kind != auth.PrincipalRoot) {
		return accessDenied("Cannot call " + op + " with session credentials")
	}
	return nil
}

// GetSessionToken issues temporary credentials for the calling IAM user or
// root user: the same principal (same ARN and id; same permissions), with
// aws:MultiFactorAuthPresent true when SerialNumber and TokenCode passed
// the MFA check (see checkMFA), false otherwise. No permission is needed
// (AlwaysAllowed). Its credentials cannot call IAM without MFA nor STS
// other than AssumeRole and GetCallerIdentity.
func (s *Service) GetSessionToken(ctx context.Context, req *stsv1.GetSessionTokenRequest) (*stsv1.GetSessionTokenResponse, error) {
	c, _, err := s.call(ctx)
	if err != nil {
		return nil, err
	}
	if err := longTermOnly(c, "GetSessionToken"); err != nil {
		return nil, err
	}
	mfa, err := checkMFA(c.Principal.AccountID, req.SerialNumber, req.TokenCode)
	if err != nil {
		return nil, err
	}
	issuedAt, expires := sessionTimes(c.Time, userSessionDuration(c, req.DurationSeconds))
	p := c.Principal
	rec := &recordsv1.STSSession{
		SessionKind:   uint32(auth.SessionToken),
		PrincipalKind: uint32(p.Kind),
		Account:       p.AccountID,
		Issued:        issuedAt,
		Expires:       expires,
		PrincipalArn:  p.ARN,
		UserId:        p.UserID,
		Name:          p.Name,
		SourceArn:     p.ARN,
		Mfa:           mfa,
	}
	if mfa {
		rec.MfaTime = issuedAt
	}
	is, err := s.sessions.issue(rec)
	if err != nil {
		return nil, internal(err)
	}
	return &stsv1.GetSessionTokenResponse{Credentials: credentials(is)}, nil
}

// GetFederationToken issues a federated user session for the calling IAM
// user (or root user): arn:aws:sts::ACCOUNT:federated-user/NAME, id
// ACCOUNT:NAME. Its permissions are the intersection of the user's
// identity-based policies and the session policies passed here; without
// session policies it may do nothing (resource-based policies naming it
// aside). Session tags need sts:TagSession, decided against the federated
// user; the session's principal tags are the user's tags with the session
// tags over them ("Passing session tags using GetFederationToken").
func (s *Service) GetFederationToken(ctx context.Context, req *stsv1.GetFederationTokenRequest) (*stsv1.GetFederationTokenResponse, error) {
	c, _, err := s.call(ctx)
	if err != nil {
		return nil, err
	}
	if err := longTermOnly(c, "GetFederationToken"); err != nil {
		return nil, err
	}
	account := c.Principal.AccountID
	fedARN := "arn:aws:sts::" + account + ":federated-user/" + req.GetName()
	passed, err := requestTags(req.GetTags())
	if err != nil {
		return nil, err
	}
	inline, arns, err := s.sessionPolicies(ctx, account, req.Policy, req.GetPolicyArns())
	if err != nil {
		return nil, err
	}
	packed := packedSize(inline, arns, passed)
	if err := packed.err(); err != nil {
		return nil, err
	}
	if len(passed) > 0 {
		if err := authz.Check(ctx, authz.CheckRequest{Action: "sts:TagSession", ARN: fedARN, Keys: tagKeys(passed)}); err != nil {
			return nil, err
		}
	}
	tags, err := s.federatedTags(ctx, c, passed)
	if err != nil {
		return nil, err
	}
	issuedAt, expires := sessionTimes(c.Time, userSessionDuration(c, req.DurationSeconds))
	rec := &recordsv1.STSSession{
		SessionKind:   uint32(auth.SessionFederation),
		PrincipalKind: uint32(auth.PrincipalFederatedUser),
		Account:       account,
		Issued:        issuedAt,
		Expires:       expires,
		PrincipalArn:  fedARN,
		UserId:        account + ":" + req.GetName(),
		Name:          req.GetName(),
		SourceArn:     c.Principal.ARN,
		SourceUserId:  sourceUserID(c.Principal),
		Policy:        inline,
		PolicyArns:    arns,
		Tags:          tagRecords(tags),
	}
	is, err := s.sessions.issue(rec)
	if err != nil {
		return nil, internal(err)
	}
	return &stsv1.GetFederationTokenResponse{
		Credentials:      credentials(is),
		FederatedUser:    &stsv1.FederatedUser{Arn: ptr(fedARN), FederatedUserId: ptr(rec.UserId)},
		PackedPolicySize: ptr(packed.percent()),
	}, nil
}

// federatedTags are the principal tags of a federated user session: the
// IAM user's tags as they are now, overridden by the session tags with the
// same key regardless of case.
func (s *Service) federatedTags(ctx context.Context, c *callctx.Call, passed []tag) ([]tag, error) {
	if c.Principal.Kind != auth.PrincipalIAMUser {
		return passed, nil
	}
	u, found, err := s.iam.UserByARN(ctx, c.Principal.ARN)
	if err != nil {
		return nil, awserr.From(err)
	}
	var out []tag
	if found {
		for k, v := range u.Tags {
			if !hasTagKey(passed, k) {
				out = append(out, tag{k, v})
			}
		}
	}
	slices.SortFunc(out, func(a, b tag) int { return strings.Compare(a.key, b.key) })
	return append(out, passed...), nil
}

// sourceUserID is the unique id of the IAM user asking for federation
// credentials, which the session records to stay bound to that user; ""
// for a root user.
func sourceUserID(p auth.Principal) string {
	if p.Kind != auth.PrincipalIAMUser {
		return ""
	}
	return p.UserID
}
