package iam

import (
	"context"
	"strings"

	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/quota"
	"github.com/ibemu/ibemu/internal/storage"
	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
)

// maxRolesPerInstanceProfile is IAM's fixed quota of roles in one instance
// profile.
const maxRolesPerInstanceProfile = 1

func profileNotFound(name string) error {
	return iamv1.ErrNoSuchEntity("Instance Profile %s cannot be found.", name)
}

func loadProfile(tx *storage.Tx, sc storage.Scope, name string) (*recordsv1.IAMInstanceProfile, error) {
	p, found, err := instanceProfiles.Get(tx, sc, nameKey(name))
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, profileNotFound(name)
	}
	return p, nil
}

// apiProfile is the InstanceProfile shape with its role.
func apiProfile(tx *storage.Tx, sc storage.Scope, p *recordsv1.IAMInstanceProfile, withTags bool) (*iamv1.InstanceProfile, error) {
	out := &iamv1.InstanceProfile{
		Path: ptr(p.GetPath()), InstanceProfileName: ptr(p.GetName()), InstanceProfileId: ptr(p.GetId()),
		Arn: ptr(arn(sc.Account, "instance-profile", p.GetPath(), p.GetName())), CreateDate: p.GetCreateDate(),
		Roles: []*iamv1.Role{},
	}
	for _, name := range p.GetRoles() {
		r, err := roleKind.load(tx, sc, name)
		if err != nil {
			return nil, err
		}
		out.Roles = append(out.Roles, apiRole(tx, sc.Account, r, false))
	}
	if withTags {
		out.Tags = apiTags(p.GetTags())
	}
	return out, nil
}

// CreateInstanceProfile creates an empty instance profile.
func (s *Service) CreateInstanceProfile(ctx context.Context, req *iamv1.CreateInstanceProfileRequest) (*iamv1.CreateInstanceProfileResponse, error) {
	var out *iamv1.InstanceProfile
	err := s.update(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		sc := accountScope(c.Account)
		path := pathOr(req.Path)
		if err := checkPath("path", path); err != nil {
			return err
		}
		if _, found, err := instanceProfiles.Get(tx, sc, nameKey(req.GetInstanceProfileName())); err != nil {
			return err
		} else if found {
			return iamv1.ErrEntityAlreadyExists("Instance Profile %s already exists.", req.GetInstanceProfileName())
		}
		if err := checkQuota(tx, instanceProfiles, sc, s.quotas, quota.IAMInstanceProfiles); err != nil {
			return err
		}
		p := &recordsv1.IAMInstanceProfile{Name: req.GetInstanceProfileName(), Id: newID(prefixInstanceProfile), Path: path, CreateDate: stamp(c.Time)}
		var err error
		if p.Tags, err = mergeTags(nil, req.Tags, false); err != nil {
			return err
		}
		if out, err = apiProfile(tx, sc, p, true); err != nil {
			return err
		}
		return instanceProfiles.Put(tx, sc, nameKey(p.Name), p)
	})
	if err != nil {
		return nil, err
	}
	return &iamv1.CreateInstanceProfileResponse{InstanceProfile: out}, nil
}

// GetInstanceProfile returns an instance profile with its role.
func (s *Service) GetInstanceProfile(ctx context.Context, req *iamv1.GetInstanceProfileRequest) (*iamv1.GetInstanceProfileResponse, error) {
	var out *iamv1.InstanceProfile
	err := s.view(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		sc := accountScope(c.Account)
		p, err := loadProfile(tx, sc, req.GetInstanceProfileName())
		if err != nil {
			return err
		}
		out, err = apiProfile(tx, sc, p, true)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &iamv1.GetInstanceProfileResponse{InstanceProfile: out}, nil
}

// DeleteInstanceProfile deletes an instance profile without a role.
func (s *Service) DeleteInstanceProfile(ctx context.Context, req *iamv1.DeleteInstanceProfileRequest) (*iamv1.DeleteInstanceProfileResponse, error) {
	err := s.update(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		sc := accountScope(c.Account)
		p, err := loadProfile(tx, sc, req.GetInstanceProfileName())
		if err != nil {
			return err
		}
		if len(p.GetRoles()) > 0 {
			return iamv1.ErrDeleteConflict("Cannot delete entity, must remove roles from instance profile first.")
		}
		_, err = instanceProfiles.Delete(tx, sc, nameKey(p.GetName()))
		return err
	})
	if err != nil {
		return nil, err
	}
	return &iamv1.DeleteInstanceProfileResponse{}, nil
}

// AddRoleToInstanceProfile puts a role in an instance profile, which holds
// at most one.
func (s *Service) AddRoleToInstanceProfile(ctx context.Context, req *iamv1.AddRoleToInstanceProfileRequest) (*iamv1.AddRoleToInstanceProfileResponse, error) {
	err := s.profileRole(ctx, req.GetInstanceProfileName(), req.GetRoleName(), true)
	return done(&iamv1.AddRoleToInstanceProfileResponse{}, err)
}

// RemoveRoleFromInstanceProfile takes the role out of an instance profile.
func (s *Service) RemoveRoleFromInstanceProfile(ctx context.Context, req *iamv1.RemoveRoleFromInstanceProfileRequest) (*iamv1.RemoveRoleFromInstanceProfileResponse, error) {
	err := s.profileRole(ctx, req.GetInstanceProfileName(), req.GetRoleName(), false)
	return done(&iamv1.RemoveRoleFromInstanceProfileResponse{}, err)
}

// profileRole adds or removes a role, writing both sides of the relation.
func (s *Service) profileRole(ctx context.Context, profile, role string, add bool) error {
	return s.update(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		sc := accountScope(c.Account)
		p, err := loadProfile(tx, sc, profile)
		if err != nil {
			return err
		}
		r, err := roleKind.load(tx, sc, role)
		if err != nil {
			return err
		}
		if err := checkModifiable(roleKind, r); err != nil {
			return err
		}
		in := containsFold(p.GetRoles(), r.GetName())
		switch {
		case add && in:
			// Most plausible AWS wording; not verified against a live account.
			return iamv1.ErrEntityAlreadyExists("Role %s is already in instance profile %s.", r.GetName(), p.GetName())
		case add && len(p.GetRoles()) >= maxRolesPerInstanceProfile:
			return iamv1.ErrLimitExceeded("Cannot exceed quota for InstanceSessionsPerInstanceProfile: %d", maxRolesPerInstanceProfile)
		case add:
			p.Roles = append(p.Roles, r.GetName())
			r.InstanceProfiles = append(r.InstanceProfiles, p.GetName())
		case !in:
			return iamv1.ErrNoSuchEntity("The role with name %s cannot be found.", role)
		default:
			p.Roles = removeFold(p.Roles, r.GetName())
			r.InstanceProfiles = removeFold(r.InstanceProfiles, p.GetName())
		}
		if err := roleKind.put(tx, sc, r); err != nil {
			return err
		}
		return instanceProfiles.Put(tx, sc, nameKey(p.GetName()), p)
	})
}

// ListInstanceProfiles lists the account's instance profiles by name.
func (s *Service) ListInstanceProfiles(ctx context.Context, req *iamv1.ListInstanceProfilesRequest) (*iamv1.ListInstanceProfilesResponse, error) {
	var pg page[*iamv1.InstanceProfile]
	err := s.view(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		sc := accountScope(c.Account)
		var convErr error
		var err error
		pg, err = scanPage(tx, instanceProfiles, sc, nil, "list-instance-profiles", req.Marker, req.MaxItems, func(p *recordsv1.IAMInstanceProfile) (*iamv1.InstanceProfile, bool) {
			if !hasPathPrefix(p.GetPath(), req.PathPrefix) || convErr != nil {
				return nil, false
			}
			out, err := apiProfile(tx, sc, p, false)
			convErr = err
			return out, err == nil
		})
		if err == nil {
			err = convErr
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &iamv1.ListInstanceProfilesResponse{InstanceProfiles: pg.Items, IsTruncated: pg.isTruncated(), Marker: pg.Marker}, nil
}

// ListInstanceProfilesForRole lists the instance profiles holding a role.
func (s *Service) ListInstanceProfilesForRole(ctx context.Context, req *iamv1.ListInstanceProfilesForRoleRequest) (*iamv1.ListInstanceProfilesForRoleResponse, error) {
	out := &iamv1.ListInstanceProfilesForRoleResponse{}
	err := s.readEntityOp(ctx, roleKind, req.GetRoleName(), func(tx *storage.Tx, c *callctx.Call, r *recordsv1.IAMEntity) error {
		sc := accountScope(c.Account)
		pg, err := paginate("profiles-for-role", sortedFold(r.GetInstanceProfiles()), strings.ToLower, req.Marker, req.MaxItems)
		if err != nil {
			return err
		}
		for _, name := range pg.Items {
			p, err := loadProfile(tx, sc, name)
			if err != nil {
				return err
			}
			ap, err := apiProfile(tx, sc, p, false)
			if err != nil {
				return err
			}
			out.InstanceProfiles = append(out.InstanceProfiles, ap)
		}
		out.IsTruncated, out.Marker = pg.isTruncated(), pg.Marker
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// editProfile loads an instance profile, applies fn and stores it.
func (s *Service) editProfile(ctx context.Context, name string, fn func(*recordsv1.IAMInstanceProfile) error) error {
	return s.update(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		sc := accountScope(c.Account)
		p, err := loadProfile(tx, sc, name)
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
		return instanceProfiles.Put(tx, sc, nameKey(p.GetName()), p)
	})
}

// TagInstanceProfile adds or replaces tags of an instance profile.
func (s *Service) TagInstanceProfile(ctx context.Context, req *iamv1.TagInstanceProfileRequest) (*iamv1.TagInstanceProfileResponse, error) {
	err := s.editProfile(ctx, req.GetInstanceProfileName(), func(p *recordsv1.IAMInstanceProfile) error {
		var err error
		p.Tags, err = mergeTags(p.GetTags(), req.Tags, false)
		return err
	})
	return done(&iamv1.TagInstanceProfileResponse{}, err)
}

// UntagInstanceProfile removes tags of an instance profile.
func (s *Service) UntagInstanceProfile(ctx context.Context, req *iamv1.UntagInstanceProfileRequest) (*iamv1.UntagInstanceProfileResponse, error) {
	err := s.editProfile(ctx, req.GetInstanceProfileName(), func(p *recordsv1.IAMInstanceProfile) error {
		p.Tags = removeTags(p.GetTags(), req.TagKeys, false)
		return nil
	})
	return done(&iamv1.UntagInstanceProfileResponse{}, err)
}

// ListInstanceProfileTags lists an instance profile's tags.
func (s *Service) ListInstanceProfileTags(ctx context.Context, req *iamv1.ListInstanceProfileTagsRequest) (*iamv1.ListInstanceProfileTagsResponse, error) {
	var pg page[*iamv1.Tag]
	err := s.view(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		p, err := loadProfile(tx, accountScope(c.Account), req.GetInstanceProfileName())
		if err != nil {
			return err
		}
		pg, err = pageTags("tags-instance-profile", p.GetTags(), req.Marker, req.MaxItems)
		return err
	})
	return done(&iamv1.ListInstanceProfileTagsResponse{Tags: pg.Items, IsTruncated: pg.isTruncated(), Marker: pg.Marker}, err)
}

// TagPolicy adds or replaces tags of a customer managed policy.
func (s *Service) TagPolicy(ctx context.Context, req *iamv1.TagPolicyRequest) (*iamv1.TagPolicyResponse, error) {
	err := s.editPolicy(ctx, req.GetPolicyArn(), func(_ *callctx.Call, p *recordsv1.IAMManagedPolicy) error {
		var err error
		p.Tags, err = mergeTags(p.GetTags(), req.Tags, false)
		return err
	})
	return done(&iamv1.TagPolicyResponse{}, err)
}

// UntagPolicy removes tags of a customer managed policy.
func (s *Service) UntagPolicy(ctx context.Context, req *iamv1.UntagPolicyRequest) (*iamv1.UntagPolicyResponse, error) {
	err := s.editPolicy(ctx, req.GetPolicyArn(), func(_ *callctx.Call, p *recordsv1.IAMManagedPolicy) error {
		p.Tags = removeTags(p.GetTags(), req.TagKeys, false)
		return nil
	})
	return done(&iamv1.UntagPolicyResponse{}, err)
}

// ListPolicyTags lists a managed policy's tags (AWS managed ones have none).
func (s *Service) ListPolicyTags(ctx context.Context, req *iamv1.ListPolicyTagsRequest) (*iamv1.ListPolicyTagsResponse, error) {
	var pg page[*iamv1.Tag]
	err := s.view(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		m, err := readPolicy(tx, accountScope(c.Account), req.GetPolicyArn())
		if err != nil {
			return err
		}
		pg, err = pageTags("tags-policy", m.local.GetTags(), req.Marker, req.MaxItems)
		return err
	})
	return done(&iamv1.ListPolicyTagsResponse{Tags: pg.Items, IsTruncated: pg.isTruncated(), Marker: pg.Marker}, err)
}
