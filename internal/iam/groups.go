package iam

import (
	"context"
	"sort"
	"strings"

	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/storage"
	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
)

// maxGroupsPerUser is IAM's quota of groups one user can be in.
const maxGroupsPerUser = 10

// CreateGroup creates a group.
func (s *Service) CreateGroup(ctx context.Context, req *iamv1.CreateGroupRequest) (*iamv1.CreateGroupResponse, error) {
	var out *iamv1.Group
	err := s.update(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		e, err := s.createEntity(tx, c, groupKind, req.GetGroupName(), req.Path, nil, nil, nil)
		if err != nil {
			return err
		}
		out = apiGroup(c.Account, e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamv1.CreateGroupResponse{Group: out}, nil
}

// GetGroup returns a group and a page of its users, by name.
func (s *Service) GetGroup(ctx context.Context, req *iamv1.GetGroupRequest) (*iamv1.GetGroupResponse, error) {
	out := &iamv1.GetGroupResponse{}
	err := s.view(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		sc := accountScope(c.Account)
		g, err := groupKind.load(tx, sc, req.GetGroupName())
		if err != nil {
			return err
		}
		pg, err := paginate("get-group", sortedFold(g.GetMembers()), strings.ToLower, req.Marker, req.MaxItems)
		if err != nil {
			return err
		}
		for _, name := range pg.Items {
			u, err := userKind.load(tx, sc, name)
			if err != nil {
				return err
			}
			out.Users = append(out.Users, apiUser(c.Account, u, false))
		}
		out.Group, out.IsTruncated, out.Marker = apiGroup(c.Account, g), pg.isTruncated(), pg.Marker
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// sortedFold sorts names case-insensitively, the order of IAM's keys.
func sortedFold(names []string) []string {
	out := append([]string(nil), names...)
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i]) < strings.ToLower(out[j]) })
	return out
}

// ListGroups lists the account's groups by name.
func (s *Service) ListGroups(ctx context.Context, req *iamv1.ListGroupsRequest) (*iamv1.ListGroupsResponse, error) {
	var pg page[*iamv1.Group]
	err := s.view(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		var err error
		pg, err = listEntities(tx, c, groupKind, req.PathPrefix, req.Marker, req.MaxItems, func(e *recordsv1.IAMEntity) *iamv1.Group { return apiGroup(c.Account, e) })
		return err
	})
	if err != nil {
		return nil, err
	}
	return &iamv1.ListGroupsResponse{Groups: pg.Items, IsTruncated: pg.isTruncated(), Marker: pg.Marker}, nil
}

// UpdateGroup renames a group or moves it to another path.
func (s *Service) UpdateGroup(ctx context.Context, req *iamv1.UpdateGroupRequest) (*iamv1.UpdateGroupResponse, error) {
	err := s.update(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		return renameEntity(tx, c, groupKind, req.GetGroupName(), req.NewGroupName, req.NewPath)
	})
	if err != nil {
		return nil, err
	}
	return &iamv1.UpdateGroupResponse{}, nil
}

// DeleteGroup deletes a group without users or policies.
func (s *Service) DeleteGroup(ctx context.Context, req *iamv1.DeleteGroupRequest) (*iamv1.DeleteGroupResponse, error) {
	err := s.update(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		sc := accountScope(c.Account)
		g, err := groupKind.load(tx, sc, req.GetGroupName())
		if err != nil {
			return err
		}
		switch {
		case len(g.GetMembers()) > 0:
			return iamv1.ErrDeleteConflict("Cannot delete entity, must remove users from group first.")
		case len(g.GetInlinePolicies()) > 0:
			return iamv1.ErrDeleteConflict("Cannot delete entity, must delete policies first.")
		case len(g.GetAttachedPolicies()) > 0:
			return iamv1.ErrDeleteConflict("Cannot delete entity, must detach all policies first.")
		}
		return deleteEntity(tx, sc, groupKind, g)
	})
	if err != nil {
		return nil, err
	}
	return &iamv1.DeleteGroupResponse{}, nil
}

// AddUserToGroup adds a user to a group; adding a member again changes
// nothing.
func (s *Service) AddUserToGroup(ctx context.Context, req *iamv1.AddUserToGroupRequest) (*iamv1.AddUserToGroupResponse, error) {
	err := s.update(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		return membership(tx, c, req.GetGroupName(), req.GetUserName(), true)
	})
	if err != nil {
		return nil, err
	}
	return &iamv1.AddUserToGroupResponse{}, nil
}

// RemoveUserFromGroup takes a user out of a group.
func (s *Service) RemoveUserFromGroup(ctx context.Context, req *iamv1.RemoveUserFromGroupRequest) (*iamv1.RemoveUserFromGroupResponse, error) {
	err := s.update(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		return membership(tx, c, req.GetGroupName(), req.GetUserName(), false)
	})
	if err != nil {
		return nil, err
	}
	return &iamv1.RemoveUserFromGroupResponse{}, nil
}

// membership adds or removes a user, writing both sides of the relation.
func membership(tx *storage.Tx, c *callctx.Call, group, user string, add bool) error {
	sc := accountScope(c.Account)
	g, err := groupKind.load(tx, sc, group)
	if err != nil {
		return err
	}
	u, err := userKind.load(tx, sc, user)
	if err != nil {
		return err
	}
	member := containsFold(u.GetGroups(), g.GetName())
	switch {
	case add && member:
		return nil
	case add && len(u.GetGroups()) >= maxGroupsPerUser:
		return iamv1.ErrLimitExceeded("Cannot exceed quota for GroupsPerUser: %d", maxGroupsPerUser)
	case add:
		u.Groups = append(u.Groups, g.GetName())
		g.Members = append(g.Members, u.GetName())
	case !member:
		// Most plausible AWS wording; not verified against a live account.
		return iamv1.ErrNoSuchEntity("The user with name %s cannot be found in group %s.", u.GetName(), g.GetName())
	default:
		u.Groups = removeFold(u.Groups, g.GetName())
		g.Members = removeFold(g.Members, u.GetName())
	}
	if err := userKind.put(tx, sc, u); err != nil {
		return err
	}
	return groupKind.put(tx, sc, g)
}

// ListGroupsForUser lists the groups a user is in, by name.
func (s *Service) ListGroupsForUser(ctx context.Context, req *iamv1.ListGroupsForUserRequest) (*iamv1.ListGroupsForUserResponse, error) {
	out := &iamv1.ListGroupsForUserResponse{}
	err := s.view(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		sc := accountScope(c.Account)
		u, err := userKind.load(tx, sc, req.GetUserName())
		if err != nil {
			return err
		}
		pg, err := paginate("groups-for-user", sortedFold(u.GetGroups()), strings.ToLower, req.Marker, req.MaxItems)
		if err != nil {
			return err
		}
		for _, name := range pg.Items {
			g, err := groupKind.load(tx, sc, name)
			if err != nil {
				return err
			}
			out.Groups = append(out.Groups, apiGroup(c.Account, g))
		}
		out.IsTruncated, out.Marker = pg.isTruncated(), pg.Marker
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
