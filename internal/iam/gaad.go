package iam

import (
	"context"
	"sort"
	"strings"

	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/iam/awsmanaged"
	"github.com/ibemu/ibemu/internal/storage"
	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
)

// gaadItem is one entry of GetAccountAuthorizationDetails.
type gaadItem struct {
	user   *iamv1.UserDetail
	group  *iamv1.GroupDetail
	role   *iamv1.RoleDetail
	policy *iamv1.ManagedPolicyDetail
}

// GetAccountAuthorizationDetails describes the account's users, groups,
// roles and managed policies with everything attached to them, in that
// order, paginated across all four lists. AWS managed policies are listed
// only while in use in the account (attached or as a boundary), as IAM
// lists them; customer managed policies always, with every version.
func (s *Service) GetAccountAuthorizationDetails(ctx context.Context, req *iamv1.GetAccountAuthorizationDetailsRequest) (*iamv1.GetAccountAuthorizationDetailsResponse, error) {
	want := map[string]bool{}
	for _, f := range req.Filter {
		want[f] = true
	}
	all := len(want) == 0
	out := &iamv1.GetAccountAuthorizationDetailsResponse{}
	err := s.view(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		sc := accountScope(c.Account)
		var list []indexed[gaadItem]
		for i, k := range []*kind{userKind, groupKind, roleKind} {
			if !all && !want[k.title] {
				continue
			}
			err := k.table.Scan(tx, sc, storage.ScanOptions{}, func(key []byte, e *recordsv1.IAMEntity) (bool, error) {
				item, err := entityDetail(tx, sc, k, s.usage.role(c.Account, e))
				list = append(list, indexed[gaadItem]{key: string(rune('1'+i)) + string(key), item: item})
				return err == nil, err
			})
			if err != nil {
				return err
			}
		}
		if all || want["AWSManagedPolicy"] {
			for _, p := range awsmanaged.All() {
				m := &managed{arn: p.ARN, aws: p}
				d, err := policyDetail(tx, sc, m)
				if err != nil {
					return err
				}
				if d.GetAttachmentCount() > 0 || d.GetPermissionsBoundaryUsageCount() > 0 {
					list = append(list, indexed[gaadItem]{key: "4" + strings.ToLower(p.Name) + "\x00" + p.ARN, item: gaadItem{policy: d}})
				}
			}
		}
		if all || want["LocalManagedPolicy"] {
			err := policies.Scan(tx, sc, storage.ScanOptions{}, func(_ []byte, p *recordsv1.IAMManagedPolicy) (bool, error) {
				a := localPolicyARN(c.Account, p)
				d, err := policyDetail(tx, sc, &managed{arn: a, local: p})
				list = append(list, indexed[gaadItem]{key: "4" + strings.ToLower(p.GetName()) + "\x00" + a, item: gaadItem{policy: d}})
				return err == nil, err
			})
			if err != nil {
				return err
			}
		}
		sort.Slice(list, func(i, j int) bool { return list[i].key < list[j].key })
		pg, err := paginate("gaad", list, indexedKey, req.Marker, req.MaxItems)
		if err != nil {
			return err
		}
		for _, x := range pg.Items {
			it := x.item
			switch {
			case it.user != nil:
				out.UserDetailList = append(out.UserDetailList, it.user)
			case it.group != nil:
				out.GroupDetailList = append(out.GroupDetailList, it.group)
			case it.role != nil:
				out.RoleDetailList = append(out.RoleDetailList, it.role)
			default:
				out.Policies = append(out.Policies, it.policy)
			}
		}
		out.IsTruncated, out.Marker = pg.isTruncated(), pg.Marker
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// entityDetail is a user's, group's or role's detail entry.
func entityDetail(tx *storage.Tx, sc storage.Scope, k *kind, e *recordsv1.IAMEntity) (gaadItem, error) {
	var inline []*iamv1.PolicyDetail
	for _, p := range e.GetInlinePolicies() {
		inline = append(inline, &iamv1.PolicyDetail{PolicyName: ptr(p.GetName()), PolicyDocument: ptr(encodeDocument(p.GetDocument()))})
	}
	var attached []*iamv1.AttachedPolicy
	for _, a := range e.GetAttachedPolicies() {
		_, _, name, _ := splitPolicyARN(a)
		attached = append(attached, &iamv1.AttachedPolicy{PolicyName: ptr(name), PolicyArn: ptr(a)})
	}
	a := k.arn(sc.Account, e)
	switch k {
	case userKind:
		return gaadItem{user: &iamv1.UserDetail{
			Path: ptr(e.GetPath()), UserName: ptr(e.GetName()), UserId: ptr(e.GetId()), Arn: ptr(a), CreateDate: e.GetCreateDate(),
			UserPolicyList: inline, GroupList: sortedFold(e.GetGroups()), AttachedManagedPolicies: attached,
			PermissionsBoundary: boundaryOf(e), Tags: apiTags(e.GetTags()),
		}}, nil
	case groupKind:
		return gaadItem{group: &iamv1.GroupDetail{
			Path: ptr(e.GetPath()), GroupName: ptr(e.GetName()), GroupId: ptr(e.GetId()), Arn: ptr(a), CreateDate: e.GetCreateDate(),
			GroupPolicyList: inline, AttachedManagedPolicies: attached,
		}}, nil
	}
	r := apiRole(tx, sc.Account, e, true)
	d := &iamv1.RoleDetail{
		Path: r.Path, RoleName: r.RoleName, RoleId: r.RoleId, Arn: r.Arn, CreateDate: r.CreateDate,
		AssumeRolePolicyDocument: r.AssumeRolePolicyDocument, RolePolicyList: inline, AttachedManagedPolicies: attached,
		PermissionsBoundary: r.PermissionsBoundary, Tags: r.Tags, RoleLastUsed: r.RoleLastUsed,
	}
	for _, name := range sortedFold(e.GetInstanceProfiles()) {
		p, err := loadProfile(tx, sc, name)
		if err != nil {
			return gaadItem{}, err
		}
		ap, err := apiProfile(tx, sc, p, false)
		if err != nil {
			return gaadItem{}, err
		}
		d.InstanceProfileList = append(d.InstanceProfileList, ap)
	}
	return gaadItem{role: d}, nil
}

// policyDetail is a managed policy with all its versions' documents.
func policyDetail(tx *storage.Tx, sc storage.Scope, m *managed) (*iamv1.ManagedPolicyDetail, error) {
	p, err := apiPolicy(tx, sc, m, true)
	if err != nil {
		return nil, err
	}
	d := &iamv1.ManagedPolicyDetail{
		PolicyName: p.PolicyName, PolicyId: p.PolicyId, Arn: p.Arn, Path: p.Path, DefaultVersionId: p.DefaultVersionId,
		AttachmentCount: p.AttachmentCount, PermissionsBoundaryUsageCount: p.PermissionsBoundaryUsageCount,
		IsAttachable: p.IsAttachable, Description: p.Description, CreateDate: p.CreateDate, UpdateDate: p.UpdateDate,
	}
	for _, v := range m.versions() {
		d.PolicyVersionList = append(d.PolicyVersionList, apiVersion(v, m.defaultID(), true))
	}
	return d, nil
}
