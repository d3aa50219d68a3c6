package iam

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/iam/awsmanaged"
	"github.com/ibemu/ibemu/internal/iam/policy"
	"github.com/ibemu/ibemu/internal/quota"
	"github.com/ibemu/ibemu/internal/storage"
	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
)

// maxPolicyVersions is how many versions a managed policy keeps at most.
const maxPolicyVersions = 5

// checkManaged validates a managed policy document: the language and the
// managed policy size quota.
func checkManaged(doc string) (string, error) {
	return checkPolicy(doc, policy.ForManagedPolicy())
}

// CreatePolicy creates a customer managed policy; its document is v1, the
// default version.
func (s *Service) CreatePolicy(ctx context.Context, req *iamv1.CreatePolicyRequest) (*iamv1.CreatePolicyResponse, error) {
	var out *iamv1.Policy
	err := s.update(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		sc := accountScope(c.Account)
		path := pathOr(req.Path)
		if err := checkPath("path", path); err != nil {
			return err
		}
		doc, err := checkManaged(req.GetPolicyDocument())
		if err != nil {
			return err
		}
		if _, found, err := policies.Get(tx, sc, nameKey(req.GetPolicyName())); err != nil {
			return err
		} else if found {
			return iamv1.ErrEntityAlreadyExists("A policy called %s already exists. Duplicate names are not allowed.", req.GetPolicyName())
		}
		if err := checkQuota(tx, policies, sc, s.quotas, quota.IAMPolicies); err != nil {
			return err
		}
		now := stamp(c.Time)
		p := &recordsv1.IAMManagedPolicy{
			Name: req.GetPolicyName(), Id: newID(prefixPolicy), Path: path, Description: req.GetDescription(),
			CreateDate: now, UpdateDate: now, DefaultVersion: "v1", LastVersion: 1,
			Versions: []*recordsv1.IAMPolicyVersion{{VersionId: "v1", Document: doc, CreateDate: now}},
		}
		if p.Tags, err = mergeTags(nil, req.Tags, false); err != nil {
			return err
		}
		out = apiLocalPolicy(c.Account, p, 0, 0, false)
		out.Tags = apiTags(p.Tags)
		return policies.Put(tx, sc, nameKey(p.Name), p)
	})
	if err != nil {
		return nil, err
	}
	return &iamv1.CreatePolicyResponse{Policy: out}, nil
}

func localPolicyARN(account string, p *recordsv1.IAMManagedPolicy) string {
	return arn(account, "policy", p.GetPath(), p.GetName())
}

// apiLocalPolicy is the Policy shape of a customer managed policy; GetPolicy
// (full) adds the description.
func apiLocalPolicy(account string, p *recordsv1.IAMManagedPolicy, attached, boundary int32, full bool) *iamv1.Policy {
	out := &iamv1.Policy{
		PolicyName: ptr(p.GetName()), PolicyId: ptr(p.GetId()), Arn: ptr(localPolicyARN(account, p)), Path: ptr(p.GetPath()),
		DefaultVersionId: ptr(p.GetDefaultVersion()), AttachmentCount: ptr(attached), PermissionsBoundaryUsageCount: ptr(boundary),
		IsAttachable: ptr(true), CreateDate: p.GetCreateDate(), UpdateDate: p.GetUpdateDate(),
	}
	if full && p.GetDescription() != "" {
		out.Description = ptr(p.GetDescription())
	}
	return out
}

func apiAWSPolicy(p *awsmanaged.Policy, attached, boundary int32, full bool) *iamv1.Policy {
	out := &iamv1.Policy{
		PolicyName: ptr(p.Name), PolicyId: ptr(p.ID), Arn: ptr(p.ARN), Path: ptr(p.Path),
		DefaultVersionId: ptr(p.DefaultVersion), AttachmentCount: ptr(attached), PermissionsBoundaryUsageCount: ptr(boundary),
		IsAttachable: ptr(true), CreateDate: stamp(p.Created), UpdateDate: stamp(p.Updated),
	}
	if full {
		out.Description = ptr(p.Description)
	}
	return out
}

// apiPolicy is the Policy shape of any managed policy, with its usage
// counts in the caller's account.
func apiPolicy(tx *storage.Tx, sc storage.Scope, m *managed, full bool) (*iamv1.Policy, error) {
	attached, boundary, err := usageCounts(tx, sc, m.arn)
	if err != nil {
		return nil, err
	}
	if m.aws != nil {
		return apiAWSPolicy(m.aws, attached, boundary, full), nil
	}
	out := apiLocalPolicy(sc.Account, m.local, attached, boundary, full)
	if full {
		out.Tags = apiTags(m.local.GetTags())
	}
	return out, nil
}

func policyNotFound(policyARN string) error {
	return iamv1.ErrNoSuchEntity("Policy %s was not found.", policyARN)
}

// readPolicy finds any managed policy for the read operations.
func readPolicy(tx *storage.Tx, sc storage.Scope, policyARN string) (*managed, error) {
	return mustFindManaged(tx, sc, policyARN, func() error { return policyNotFound(policyARN) })
}

// writablePolicy finds a customer managed policy for the operations that
// change one. AWS managed policies belong to AWS: no account changes them.
func writablePolicy(tx *storage.Tx, sc storage.Scope, policyARN string) (*recordsv1.IAMManagedPolicy, error) {
	m, err := readPolicy(tx, sc, policyARN)
	if err != nil {
		return nil, err
	}
	if m.aws != nil {
		// Most plausible AWS wording; not verified against a live account.
		return nil, iamv1.ErrInvalidInput("Policy %s is an AWS managed policy and cannot be modified.", policyARN)
	}
	return m.local, nil
}

// GetPolicy returns a managed policy (customer or AWS managed).
func (s *Service) GetPolicy(ctx context.Context, req *iamv1.GetPolicyRequest) (*iamv1.GetPolicyResponse, error) {
	var out *iamv1.Policy
	err := s.view(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		sc := accountScope(c.Account)
		m, err := readPolicy(tx, sc, req.GetPolicyArn())
		if err != nil {
			return err
		}
		out, err = apiPolicy(tx, sc, m, true)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &iamv1.GetPolicyResponse{Policy: out}, nil
}

// ListPolicies lists managed policies by name: AWS managed, the account's
// own or both (Scope), optionally only those in use (OnlyAttached, and
// PolicyUsageFilter: in use as a permissions policy or as a boundary).
func (s *Service) ListPolicies(ctx context.Context, req *iamv1.ListPoliciesRequest) (*iamv1.ListPoliciesResponse, error) {
	var pg page[*iamv1.Policy]
	err := s.view(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		sc := accountScope(c.Account)
		scope := req.GetScope()
		var all []indexed[*iamv1.Policy]
		keep := func(p *iamv1.Policy) {
			if !hasPathPrefix(p.GetPath(), req.PathPrefix) {
				return
			}
			used := p.GetAttachmentCount() > 0 || p.GetPermissionsBoundaryUsageCount() > 0
			switch req.GetPolicyUsageFilter() {
			case "PermissionsPolicy":
				used = p.GetAttachmentCount() > 0
			case "PermissionsBoundary":
				used = p.GetPermissionsBoundaryUsageCount() > 0
			}
			if (req.GetOnlyAttached() || req.PolicyUsageFilter != nil) && !used {
				return
			}
			all = append(all, indexed[*iamv1.Policy]{key: strings.ToLower(p.GetPolicyName()) + "\x00" + p.GetArn(), item: p})
		}
		if scope != "Local" {
			for _, p := range awsmanaged.All() {
				out, err := apiPolicy(tx, sc, &managed{arn: p.ARN, aws: p}, false)
				if err != nil {
					return err
				}
				keep(out)
			}
		}
		if scope != "AWS" {
			err := policies.Scan(tx, sc, storage.ScanOptions{}, func(_ []byte, p *recordsv1.IAMManagedPolicy) (bool, error) {
				out, err := apiPolicy(tx, sc, &managed{arn: localPolicyARN(c.Account, p), local: p}, false)
				if err == nil {
					keep(out)
				}
				return err == nil, err
			})
			if err != nil {
				return err
			}
		}
		sort.Slice(all, func(i, j int) bool { return all[i].key < all[j].key })
		ip, err := paginate("list-policies", all, indexedKey, req.Marker, req.MaxItems)
		pg = page[*iamv1.Policy]{Items: items(ip.Items), Truncated: ip.Truncated, Marker: ip.Marker}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &iamv1.ListPoliciesResponse{Policies: pg.Items, IsTruncated: pg.isTruncated(), Marker: pg.Marker}, nil
}

// DeletePolicy deletes a customer managed policy that nothing uses and that
// has no version but the default one.
func (s *Service) DeletePolicy(ctx context.Context, req *iamv1.DeletePolicyRequest) (*iamv1.DeletePolicyResponse, error) {
	err := s.update(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		sc := accountScope(c.Account)
		p, err := writablePolicy(tx, sc, req.GetPolicyArn())
		if err != nil {
			return err
		}
		attached, boundary, err := usageCounts(tx, sc, req.GetPolicyArn())
		if err != nil {
			return err
		}
		if attached > 0 || boundary > 0 {
			return iamv1.ErrDeleteConflict("Cannot delete a policy attached to entities.")
		}
		if len(p.GetVersions()) > 1 {
			return iamv1.ErrDeleteConflict("This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
		}
		_, err = policies.Delete(tx, sc, nameKey(p.GetName()))
		return err
	})
	if err != nil {
		return nil, err
	}
	return &iamv1.DeletePolicyResponse{}, nil
}

// editPolicy loads a customer managed policy, applies fn and stores it.
func (s *Service) editPolicy(ctx context.Context, policyARN string, fn func(c *callctx.Call, p *recordsv1.IAMManagedPolicy) error) error {
	return s.update(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		sc := accountScope(c.Account)
		p, err := writablePolicy(tx, sc, policyARN)
		if err != nil {
			return err
		}
		if err := fn(c, p); err != nil {
			return err
		}
		return policies.Put(tx, sc, nameKey(p.GetName()), p)
	})
}

// CreatePolicyVersion adds a version, the new default when SetAsDefault.
func (s *Service) CreatePolicyVersion(ctx context.Context, req *iamv1.CreatePolicyVersionRequest) (*iamv1.CreatePolicyVersionResponse, error) {
	var out *iamv1.PolicyVersion
	err := s.editPolicy(ctx, req.GetPolicyArn(), func(c *callctx.Call, p *recordsv1.IAMManagedPolicy) error {
		doc, err := checkManaged(req.GetPolicyDocument())
		if err != nil {
			return err
		}
		if len(p.GetVersions()) >= maxPolicyVersions {
			return iamv1.ErrLimitExceeded("A managed policy can have up to %d versions. Before you create a new version, you must delete an existing version.", maxPolicyVersions)
		}
		p.LastVersion++
		v := &recordsv1.IAMPolicyVersion{VersionId: "v" + strconv.FormatUint(uint64(p.LastVersion), 10), Document: doc, CreateDate: stamp(c.Time)}
		p.Versions = append(p.Versions, v)
		if req.GetSetAsDefault() {
			p.DefaultVersion = v.VersionId
		}
		p.UpdateDate = stamp(c.Time)
		out = apiVersion(v, p.DefaultVersion, false)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamv1.CreatePolicyVersionResponse{PolicyVersion: out}, nil
}

// apiVersion is the PolicyVersion shape; withDocument adds the URL-encoded
// document (GetPolicyVersion, GetAccountAuthorizationDetails).
func apiVersion(v *recordsv1.IAMPolicyVersion, defaultID string, withDocument bool) *iamv1.PolicyVersion {
	out := &iamv1.PolicyVersion{VersionId: ptr(v.GetVersionId()), IsDefaultVersion: ptr(v.GetVersionId() == defaultID), CreateDate: v.GetCreateDate()}
	if withDocument {
		out.Document = ptr(encodeDocument(v.GetDocument()))
	}
	return out
}

// versions lists a managed policy's versions, newest first, as IAM lists
// them.
func (m *managed) versions() []*recordsv1.IAMPolicyVersion {
	if m.aws != nil {
		return []*recordsv1.IAMPolicyVersion{{VersionId: m.aws.DefaultVersion, Document: m.aws.Document, CreateDate: stamp(m.aws.Updated)}}
	}
	vs := append([]*recordsv1.IAMPolicyVersion(nil), m.local.GetVersions()...)
	sort.Slice(vs, func(i, j int) bool { return versionNumber(vs[i].GetVersionId()) > versionNumber(vs[j].GetVersionId()) })
	return vs
}

func (m *managed) defaultID() string {
	if m.aws != nil {
		return m.aws.DefaultVersion
	}
	return m.local.GetDefaultVersion()
}

func versionNumber(id string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(id, "v"))
	return n
}

func versionNotFound(policyARN, id string) error {
	return iamv1.ErrNoSuchEntity("Policy %s version %s does not exist or is not attachable.", policyARN, id)
}

// GetPolicyVersion returns one version with its document, URL-encoded as IAM
// returns it.
func (s *Service) GetPolicyVersion(ctx context.Context, req *iamv1.GetPolicyVersionRequest) (*iamv1.GetPolicyVersionResponse, error) {
	var out *iamv1.PolicyVersion
	err := s.view(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		m, err := readPolicy(tx, accountScope(c.Account), req.GetPolicyArn())
		if err != nil {
			return err
		}
		for _, v := range m.versions() {
			if v.GetVersionId() == req.GetVersionId() {
				out = apiVersion(v, m.defaultID(), true)
				return nil
			}
		}
		return versionNotFound(req.GetPolicyArn(), req.GetVersionId())
	})
	if err != nil {
		return nil, err
	}
	return &iamv1.GetPolicyVersionResponse{PolicyVersion: out}, nil
}

// ListPolicyVersions lists a policy's versions, newest first.
func (s *Service) ListPolicyVersions(ctx context.Context, req *iamv1.ListPolicyVersionsRequest) (*iamv1.ListPolicyVersionsResponse, error) {
	out := &iamv1.ListPolicyVersionsResponse{}
	err := s.view(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		m, err := readPolicy(tx, accountScope(c.Account), req.GetPolicyArn())
		if err != nil {
			return err
		}
		// Newest first: the marker key counts down.
		key := func(v *recordsv1.IAMPolicyVersion) string {
			return fmt.Sprintf("%010d", 1<<31-versionNumber(v.GetVersionId()))
		}
		pg, err := paginate("policy-versions", m.versions(), key, req.Marker, req.MaxItems)
		if err != nil {
			return err
		}
		for _, v := range pg.Items {
			out.Versions = append(out.Versions, apiVersion(v, m.defaultID(), false))
		}
		out.IsTruncated, out.Marker = pg.isTruncated(), pg.Marker
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeletePolicyVersion deletes a version other than the default one.
func (s *Service) DeletePolicyVersion(ctx context.Context, req *iamv1.DeletePolicyVersionRequest) (*iamv1.DeletePolicyVersionResponse, error) {
	err := s.editPolicy(ctx, req.GetPolicyArn(), func(c *callctx.Call, p *recordsv1.IAMManagedPolicy) error {
		i := versionIndex(p, req.GetVersionId())
		switch {
		case i < 0:
			return versionNotFound(req.GetPolicyArn(), req.GetVersionId())
		case p.Versions[i].GetVersionId() == p.GetDefaultVersion():
			return iamv1.ErrDeleteConflict("Cannot delete the default version of a policy.")
		}
		p.Versions = append(p.Versions[:i], p.Versions[i+1:]...)
		p.UpdateDate = stamp(c.Time)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamv1.DeletePolicyVersionResponse{}, nil
}

func versionIndex(p *recordsv1.IAMManagedPolicy, id string) int {
	for i, v := range p.GetVersions() {
		if v.GetVersionId() == id {
			return i
		}
	}
	return -1
}

// SetDefaultPolicyVersion makes an existing version the default.
func (s *Service) SetDefaultPolicyVersion(ctx context.Context, req *iamv1.SetDefaultPolicyVersionRequest) (*iamv1.SetDefaultPolicyVersionResponse, error) {
	err := s.editPolicy(ctx, req.GetPolicyArn(), func(c *callctx.Call, p *recordsv1.IAMManagedPolicy) error {
		if versionIndex(p, req.GetVersionId()) < 0 {
			return versionNotFound(req.GetPolicyArn(), req.GetVersionId())
		}
		p.DefaultVersion = req.GetVersionId()
		p.UpdateDate = stamp(c.Time)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamv1.SetDefaultPolicyVersionResponse{}, nil
}

// ListEntitiesForPolicy lists the users, groups and roles that use a
// managed policy (attached, as a boundary, or both).
func (s *Service) ListEntitiesForPolicy(ctx context.Context, req *iamv1.ListEntitiesForPolicyRequest) (*iamv1.ListEntitiesForPolicyResponse, error) {
	out := &iamv1.ListEntitiesForPolicyResponse{}
	err := s.view(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		sc := accountScope(c.Account)
		if _, err := readPolicy(tx, sc, req.GetPolicyArn()); err != nil {
			return err
		}
		usage := ""
		switch req.GetPolicyUsageFilter() {
		case "PermissionsPolicy":
			usage = usagePermissions
		case "PermissionsBoundary":
			usage = usageBoundary
		}
		seen := map[string]bool{}
		var all []indexed[*recordsv1.IAMEntity]
		err := policyEntities.Scan(tx, sc, storage.ScanOptions{Prefix: policyEntityPrefix(req.GetPolicyArn(), usage)}, func(_ []byte, ref *recordsv1.IAMPolicyEntity) (bool, error) {
			k := kindNamed(ref.GetKind())
			key := ref.GetKind() + "\x00" + strings.ToLower(ref.GetName())
			filter := req.GetEntityFilter()
			if k == nil || seen[key] || (filter != "" && !strings.EqualFold(filter, k.name)) {
				return true, nil
			}
			seen[key] = true
			e, err := k.load(tx, sc, ref.GetName())
			if err != nil || !hasPathPrefix(e.GetPath(), req.PathPrefix) {
				return err == nil, err
			}
			all = append(all, indexed[*recordsv1.IAMEntity]{key: key, item: e})
			return true, nil
		})
		if err != nil {
			return err
		}
		sort.Slice(all, func(i, j int) bool { return all[i].key < all[j].key })
		pg, err := paginate("entities-for-policy", all, indexedKey, req.Marker, req.MaxItems)
		if err != nil {
			return err
		}
		for _, x := range pg.Items {
			e := x.item
			k, _, _ := strings.Cut(x.key, "\x00")
			switch kindNamed(k) {
			case userKind:
				out.PolicyUsers = append(out.PolicyUsers, &iamv1.PolicyUser{UserName: ptr(e.GetName()), UserId: ptr(e.GetId())})
			case groupKind:
				out.PolicyGroups = append(out.PolicyGroups, &iamv1.PolicyGroup{GroupName: ptr(e.GetName()), GroupId: ptr(e.GetId())})
			case roleKind:
				out.PolicyRoles = append(out.PolicyRoles, &iamv1.PolicyRole{RoleName: ptr(e.GetName()), RoleId: ptr(e.GetId())})
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
