package sts

import (
	"context"
	"strings"
	"time"

	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/authz"
	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/iam/policy"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
	stsv1 "github.com/ibemu/ibemu/proto/sts/v1"
)

// Role session durations ("AssumeRole", STS API Reference; "Role chaining",
// IAM User Guide).
const (
	defaultRoleSession = time.Hour
	// chainedRoleSession is the longest session a role session may ask for
	// when it assumes a role (role chaining).
	chainedRoleSession = time.Hour
)

// AssumeRole issues a role session. The enforcement layer has already
// decided sts:AssumeRole: the role's trust policy evaluated as a
// resource-based policy with the caller as principal (and, across
// accounts, the caller's identity-based policies too), with sts:ExternalId,
// sts:RoleSessionName, sts:SourceIdentity, sts:TransitiveTagKeys and the
// tag keys of the request. This handler checks what the decision does not
// cover and issues the session:
//
//   - the role must exist and must not be service-linked (only its service
//     assumes it); the enforcement layer already denies both — a missing
//     role trusts nobody, a service-linked role trusts only its service —
//     and this handler does not rely on it;
//   - DurationSeconds from 900 to the role's MaxSessionDuration, and at
//     most one hour for a role session assuming a role (role chaining);
//   - session policies (Policy, PolicyArns) and the packed size of policies
//     and tags together;
//   - session tags need sts:TagSession, and SourceIdentity
//     sts:SetSourceIdentity, both decided like sts:AssumeRole; transitive
//     tags and the source identity of a calling role session carry over and
//     cannot be changed.
func (s *Service) AssumeRole(ctx context.Context, req *stsv1.AssumeRoleRequest) (*stsv1.AssumeRoleResponse, error) {
	c, t, err := s.call(ctx)
	if err != nil {
		return nil, err
	}
	roleARN := req.GetRoleArn()
	if _, ok := authz.ParseARN(roleARN); !ok {
		return nil, errValidation(roleARN + " is invalid")
	}
	if len(req.GetProvidedContexts()) > 0 {
		return nil, errInvalidParameter("ProvidedContexts need a trusted context provider; this emulator has none.")
	}
	role, found, err := s.iam.RoleByARN(ctx, roleARN)
	if err != nil {
		return nil, awserr.From(err)
	}
	if !found || role.ServiceLinked != "" {
		return nil, s.cannotAssume(t, c, roleARN)
	}
	caller := callerSession(c)
	chained := c.Principal.Kind == auth.PrincipalAssumedRole

	d := duration(req.DurationSeconds, defaultRoleSession)
	if d > role.MaxSessionDuration {
		return nil, errValidation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	if chained && d > chainedRoleSession {
		return nil, errValidation("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	}

	passed, err := requestTags(req.GetTags())
	if err != nil {
		return nil, err
	}
	tags, transitive, err := chainTags(caller, passed, req.GetTransitiveTagKeys())
	if err != nil {
		return nil, err
	}
	sourceIdentity := req.GetSourceIdentity()
	if caller != nil && caller.SourceIdentity != "" {
		if sourceIdentity != "" && sourceIdentity != caller.SourceIdentity {
			return nil, accessDenied("User: " + c.Principal.ARN + " is not authorized to perform: sts:SetSourceIdentity on resource: " + role.ARN +
				" because the source identity " + caller.SourceIdentity + " of the calling session cannot be changed")
		}
		sourceIdentity = caller.SourceIdentity
	}
	inline, arns, err := s.sessionPolicies(ctx, role.Account, req.Policy, req.GetPolicyArns())
	if err != nil {
		return nil, err
	}
	packed := packedSize(inline, arns, tags)
	if err := packed.err(); err != nil {
		return nil, err
	}

	keys := assumeRoleKeys(req, sourceIdentity)
	if len(passed) > 0 {
		if err := authz.Check(ctx, authz.CheckRequest{Action: "sts:TagSession", ARN: role.ARN, Keys: append(keys, tagKeys(passed)...)}); err != nil {
			return nil, err
		}
	}
	if sourceIdentity != "" {
		if err := authz.Check(ctx, authz.CheckRequest{Action: "sts:SetSourceIdentity", ARN: role.ARN, Keys: keys}); err != nil {
			return nil, err
		}
	}

	mfa, err := checkMFA(c.Principal.AccountID, req.SerialNumber, req.TokenCode)
	if err != nil {
		return nil, err
	}
	issuedAt, expires := sessionTimes(c.Time, d)
	rec := &recordsv1.STSSession{
		SessionKind:       uint32(auth.SessionAssumeRole),
		PrincipalKind:     uint32(auth.PrincipalAssumedRole),
		Account:           role.Account,
		Issued:            issuedAt,
		Expires:           expires,
		PrincipalArn:      "arn:aws:sts::" + role.Account + ":assumed-role/" + role.Name + "/" + req.GetRoleSessionName(),
		UserId:            role.ID + ":" + req.GetRoleSessionName(),
		Name:              role.Name,
		SessionName:       req.GetRoleSessionName(),
		RoleArn:           role.ARN,
		RoleId:            role.ID,
		SourceArn:         c.Principal.ARN,
		Policy:            inline,
		PolicyArns:        arns,
		Tags:              tagRecords(tags),
		TransitiveTagKeys: transitive,
		SourceIdentity:    sourceIdentity,
		Chained:           chained,
	}
	switch {
	case mfa:
		rec.Mfa, rec.MfaTime = true, issuedAt
	case caller != nil && caller.MFA:
		// MFA-authenticated credentials pass their MFA context on.
		rec.Mfa = true
		if !caller.MFATime.IsZero() {
			rec.MfaTime = caller.MFATime.Unix()
		}
	}
	is, err := s.sessions.issue(rec)
	if err != nil {
		return nil, internal(err)
	}
	s.iam.RecordRoleUse(role.Account, role.Name, c.Region, c.Time)

	out := &stsv1.AssumeRoleResponse{
		Credentials:     credentials(is),
		AssumedRoleUser: &stsv1.AssumedRoleUser{Arn: ptr(rec.PrincipalArn), AssumedRoleId: ptr(rec.UserId)},
	}
	if inline != "" || len(arns) > 0 || len(tags) > 0 {
		out.PackedPolicySize = ptr(packed.percent())
	}
	if sourceIdentity != "" {
		out.SourceIdentity = ptr(sourceIdentity)
	}
	return out, nil
}

// cannotAssume is the denial for a role that does not exist, or that only
// its service may assume: what AWS answers when the trust policy does not
// allow the caller, so that the answer does not tell whether the role
// exists.
func (s *Service) cannotAssume(t *authz.Target, c *callctx.Call, roleARN string) error {
	p := &policy.Principal{Kind: policy.PrincipalRoot, ARN: c.Principal.ARN, Account: c.Account}
	if t != nil && t.Caller != nil {
		p = &t.Caller.Principal
	}
	req := &policy.Request{Principal: p, Action: "sts:AssumeRole", Resource: roleARN}
	return accessDenied(policy.AccessDeniedMessage(req, policy.Decision{Outcome: policy.ImplicitDeny, Source: policy.KindTrust}))
}

// chainTags works out the session tags of a role session: the tags passed
// (keys unique regardless of case), and, when a role session calls, its
// transitive tags, which carry over and cannot be passed again
// ("Chaining roles with session tags", IAM User Guide). The transitive keys
// must name passed tags. It returns the tags, inherited first, and the
// transitive keys of the new session.
func chainTags(caller *auth.Session, passed []tag, transitiveKeys []string) ([]tag, []string, error) {
	for _, k := range transitiveKeys {
		if !hasTagKey(passed, k) {
			return nil, nil, errInvalidParameter("The specified transitive tag key must be included in the requested tags.")
		}
	}
	var tags []tag
	var transitive []string
	if caller != nil && caller.Kind == auth.SessionAssumeRole {
		for _, k := range caller.TransitiveTagKeys {
			if hasTagKey(passed, k) {
				return nil, nil, errInvalidParameter("One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session.")
			}
			if v, ok := caller.Tags[k]; ok {
				tags = append(tags, tag{k, v})
				transitive = append(transitive, k)
			}
		}
	}
	tags = append(tags, passed...)
	for _, k := range transitiveKeys {
		for _, t := range passed {
			if strings.EqualFold(t.key, k) {
				transitive = append(transitive, t.key)
			}
		}
	}
	return tags, transitive, nil
}

func hasTagKey(tags []tag, key string) bool {
	for _, t := range tags {
		if strings.EqualFold(t.key, key) {
			return true
		}
	}
	return false
}

// assumeRoleKeys are the request's condition keys, which the sts:TagSession
// and sts:SetSourceIdentity decisions see as sts:AssumeRole's did (a trust
// policy statement commonly allows the three actions under one condition
// on sts:ExternalId). sts:SourceIdentity is the source identity the
// session will have, inherited or passed.
func assumeRoleKeys(req *stsv1.AssumeRoleRequest, sourceIdentity string) []authz.Key {
	keys := []authz.Key{stringKey("sts:RoleSessionName", req.GetRoleSessionName())}
	if req.ExternalId != nil {
		keys = append(keys, stringKey("sts:ExternalId", req.GetExternalId()))
	}
	if sourceIdentity != "" {
		keys = append(keys, stringKey("sts:SourceIdentity", sourceIdentity))
	}
	if ks := req.GetTransitiveTagKeys(); len(ks) > 0 {
		keys = append(keys, authz.Key{Name: "sts:TransitiveTagKeys", Type: policy.TypeString, Values: ks, List: true})
	}
	return keys
}
