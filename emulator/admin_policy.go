package emulator

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ibemu/ibemu/internal/authz"
	adminv1 "github.com/ibemu/ibemu/proto/admin/v1"
)

// maxPolicyRecords bounds how many recorded decisions SuggestPolicy and
// PolicyImpact read.
const maxPolicyRecords = 200_000

// allRecords reads every logged decision f selects, oldest first.
func (a *admin) allRecords(ctx context.Context, f authz.Filter) ([]*adminv1.Decision, error) {
	var out []*adminv1.Decision
	after := ""
	for {
		page, next, err := a.e.store.List(ctx, f, after, 1000)
		if err != nil {
			return nil, storageStatus(err)
		}
		out = append(out, page...)
		if next == "" {
			return out, nil
		}
		if len(out) >= maxPolicyRecords {
			return nil, status.Errorf(codes.ResourceExhausted, "more than %d decisions match: narrow the time range (since, until)", maxPolicyRecords)
		}
		after = next
	}
}

func timeRange(since, until int64) (s, u time.Time) {
	if since != 0 {
		s = time.Unix(0, since)
	}
	if until != 0 {
		u = time.Unix(0, until)
	}
	return s, u
}

// SuggestPolicy implements the admin API: authz.Suggest over the
// principal's logged decisions.
func (a *admin) SuggestPolicy(ctx context.Context, req *adminv1.SuggestPolicyRequest) (*adminv1.SuggestPolicyResponse, error) {
	if req.GetPrincipal() == "" {
		return nil, status.Error(codes.InvalidArgument, "principal is required")
	}
	f := authz.Filter{Principal: req.GetPrincipal()}
	f.Since, f.Until = timeRange(req.GetSinceUnixNano(), req.GetUntilUnixNano())
	recs, err := a.allRecords(ctx, f)
	if err != nil {
		return nil, err
	}
	s, err := authz.Suggest(recs, authz.SuggestOptions{WildcardThreshold: int(req.GetWildcardThreshold())})
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	if len(recs) == 0 {
		s.Notes = append(s.Notes, "no decisions of "+req.GetPrincipal()+" are in the log for that time")
	}
	return &adminv1.SuggestPolicyResponse{Policies: s.Policies, Decisions: int32(s.Decisions), Actions: int32(s.Actions), Notes: s.Notes}, nil
}

// PolicyImpact implements the admin API: the principal's (or the
// resource's) logged requests decided again with the policy changed.
func (a *admin) PolicyImpact(ctx context.Context, req *adminv1.PolicyImpactRequest) (*adminv1.PolicyImpactResponse, error) {
	kind, err := authz.ParseChangeKind(req.GetKind())
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	if kind != authz.ChangeResource && req.GetPrincipal() == "" {
		return nil, status.Error(codes.InvalidArgument, "principal is required for an identity or boundary policy")
	}
	change := &authz.PolicyChange{Kind: kind, Document: req.GetPolicy(), Name: req.GetPolicyName(), ResourceARN: req.GetResourceArn()}
	if err := change.Parse(); err != nil {
		return nil, status.Error(codes.InvalidArgument, "the policy: "+err.Error())
	}
	f := authz.Filter{Principal: req.GetPrincipal()}
	f.Since, f.Until = timeRange(req.GetSinceUnixNano(), req.GetUntilUnixNano())
	recs, err := a.allRecords(ctx, f)
	if err != nil {
		return nil, err
	}
	resp := &adminv1.PolicyImpactResponse{}
	for _, r := range recs {
		if kind == authz.ChangeResource && !strings.EqualFold(r.GetResource(), req.GetResourceArn()) {
			continue
		}
		re, err := a.e.enforcer.Reevaluate(ctx, r, change)
		if errors.Is(err, authz.ErrNotReevaluable) {
			resp.Skipped++
			continue
		}
		if err != nil {
			return nil, status.Error(codes.Internal, err.Error())
		}
		resp.Evaluated++
		if !re.Changed() {
			continue
		}
		ch := &adminv1.ImpactChange{
			RequestId: r.GetRequestId(), TimeUnixNano: r.GetTimeUnixNano(), Principal: r.GetPrincipal(),
			Action: r.GetAction(), Resource: r.GetResource(), Check: r.GetCheck(),
			Before: re.Before.Outcome.String(), After: re.After.Outcome.String(),
		}
		if re.After.Source != 0 {
			ch.PolicyType = re.After.Source.String()
		}
		if re.After.Policy != nil {
			ch.Policy = re.After.Policy.Name
		}
		if re.After.Statement != nil {
			ch.Statement = re.After.Statement.Label()
		}
		resp.Changes = append(resp.Changes, ch)
	}
	if resp.Skipped > 0 {
		resp.Notes = append(resp.Notes, fmt.Sprintf("%d decisions of root users or federated users were not re-evaluated", resp.Skipped))
	}
	resp.Notes = append(resp.Notes, "requests are decided with the policies in force now (before) and with the change (after); session policies of role sessions are not recorded and not applied")
	return resp, nil
}
