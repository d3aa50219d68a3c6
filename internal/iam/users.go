package iam

import (
	"context"

	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/storage"
	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
)

// CreateUser creates an IAM user, optionally with a path, a permissions
// boundary and tags.
func (s *Service) CreateUser(ctx context.Context, req *iamv1.CreateUserRequest) (*iamv1.CreateUserResponse, error) {
	var out *iamv1.User
	err := s.update(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		e, err := s.createEntity(tx, c, userKind, req.GetUserName(), req.Path, req.PermissionsBoundary, req.Tags, nil)
		if err != nil {
			return err
		}
		out = apiUser(c.Account, e, true)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamv1.CreateUserResponse{User: out}, nil
}

// createEntity validates what the create operations of users, groups and
// roles share (path, boundary, tags), lets fill set the rest, stores the
// entity and indexes its boundary.
func (s *Service) createEntity(tx *storage.Tx, c *callctx.Call, k *kind, name string, path, boundary *string, tags []*iamv1.Tag, fill func(*recordsv1.IAMEntity) error) (*recordsv1.IAMEntity, error) {
	sc := accountScope(c.Account)
	p := pathOr(path)
	if err := checkPath("path", p); err != nil {
		return nil, err
	}
	e := k.fresh(name, p, c)
	var err error
	if e.Tags, err = mergeTags(nil, tags, k.foldTags); err != nil {
		return nil, err
	}
	if boundary != nil {
		if _, err := attachable(tx, sc, *boundary); err != nil {
			return nil, err
		}
		e.PermissionsBoundary = *boundary
	}
	if fill != nil {
		if err := fill(e); err != nil {
			return nil, err
		}
	}
	// A name already taken answers EntityAlreadyExists (k.create) even at
	// the quota, as on AWS: the quota counts only when one more would exist.
	if _, taken, err := k.get(tx, sc, e.GetName()); err != nil {
		return nil, err
	} else if !taken {
		if err := checkQuota(tx, k.table, sc, s.quotas, k.count); err != nil {
			return nil, err
		}
	}
	if err := k.create(tx, sc, e); err != nil {
		return nil, err
	}
	return e, indexEntity(tx, sc, k, e)
}

// GetUser returns a user; without UserName, the caller: the IAM user who
// signed, or for the root user the account's root "user" (its id and ARN are
// the account's, and it has no name or path).
func (s *Service) GetUser(ctx context.Context, req *iamv1.GetUserRequest) (*iamv1.GetUserResponse, error) {
	c, err := call(ctx)
	if err != nil {
		return nil, err
	}
	name := req.GetUserName()
	if req.UserName == nil {
		switch {
		case c.Principal.Kind == auth.PrincipalRoot:
			return s.rootUser(ctx, c)
		case c.Principal.Kind == auth.PrincipalIAMUser:
			name = c.Principal.Name
		default:
			return nil, validationError("Must specify userName when calling with non-User credentials")
		}
	}
	var out *iamv1.User
	err = s.view(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		e, err := userKind.load(tx, accountScope(c.Account), name)
		if err != nil {
			return err
		}
		out = apiUser(c.Account, e, true)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamv1.GetUserResponse{User: out}, nil
}

// rootUser is GetUser's answer for the root user. Its CreateDate is when
// the account first asked; it is kept so that it does not change.
func (s *Service) rootUser(ctx context.Context, c *callctx.Call) (*iamv1.GetUserResponse, error) {
	sc := accountScope(c.Account)
	var acct *recordsv1.IAMAccount
	err := s.view(ctx, func(tx *storage.Tx, _ *callctx.Call) error {
		var err error
		acct, _, err = accounts.Get(tx, sc, accountKey)
		return err
	})
	if err == nil && acct == nil {
		err = s.update(ctx, func(tx *storage.Tx, _ *callctx.Call) error {
			a, found, err := accounts.Get(tx, sc, accountKey)
			if err != nil || found {
				acct = a
				return err
			}
			acct = &recordsv1.IAMAccount{CreateDate: stamp(c.Time)}
			return accounts.Put(tx, sc, accountKey, acct)
		})
	}
	if err != nil {
		return nil, err
	}
	root := auth.RootPrincipal(c.Account)
	return &iamv1.GetUserResponse{User: &iamv1.User{UserId: ptr(root.UserID), Arn: ptr(root.ARN), CreateDate: acct.GetCreateDate()}}, nil
}

// ListUsers lists the account's users by name, optionally under a path.
func (s *Service) ListUsers(ctx context.Context, req *iamv1.ListUsersRequest) (*iamv1.ListUsersResponse, error) {
	var pg page[*iamv1.User]
	err := s.view(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		var err error
		pg, err = listEntities(tx, c, userKind, req.PathPrefix, req.Marker, req.MaxItems, func(e *recordsv1.IAMEntity) *iamv1.User { return apiUser(c.Account, e, false) })
		return err
	})
	if err != nil {
		return nil, err
	}
	return &iamv1.ListUsersResponse{Users: pg.Items, IsTruncated: pg.isTruncated(), Marker: pg.Marker}, nil
}

// listEntities pages through users, groups or roles in name order.
func listEntities[O any](tx *storage.Tx, c *callctx.Call, k *kind, pathPrefix, marker *string, maxItems *int32, conv func(*recordsv1.IAMEntity) O) (page[O], error) {
	return scanPage(tx, k.table, accountScope(c.Account), nil, "list-"+k.name+"s", marker, maxItems, func(e *recordsv1.IAMEntity) (O, bool) {
		var zero O
		if !hasPathPrefix(e.GetPath(), pathPrefix) {
			return zero, false
		}
		return conv(e), true
	})
}

// UpdateUser renames a user or moves it to another path. Its id, policies,
// groups and keys stay with it.
func (s *Service) UpdateUser(ctx context.Context, req *iamv1.UpdateUserRequest) (*iamv1.UpdateUserResponse, error) {
	err := s.update(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		return renameEntity(tx, c, userKind, req.GetUserName(), req.NewUserName, req.NewPath)
	})
	if err != nil {
		return nil, err
	}
	return &iamv1.UpdateUserResponse{}, nil
}

// renameEntity is UpdateUser and UpdateGroup.
func renameEntity(tx *storage.Tx, c *callctx.Call, k *kind, name string, newName, newPath *string) error {
	sc := accountScope(c.Account)
	e, err := k.load(tx, sc, name)
	if err != nil {
		return err
	}
	n, p := e.GetName(), e.GetPath()
	if newName != nil {
		n = *newName
	}
	if newPath != nil {
		if err := checkPath("newPath", *newPath); err != nil {
			return err
		}
		p = *newPath
	}
	return k.rename(tx, sc, e, n, p)
}

// DeleteUser deletes a user that has nothing left attached: IAM refuses
// while it has access keys, policies or group memberships.
func (s *Service) DeleteUser(ctx context.Context, req *iamv1.DeleteUserRequest) (*iamv1.DeleteUserResponse, error) {
	err := s.update(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		sc := accountScope(c.Account)
		e, err := userKind.load(tx, sc, req.GetUserName())
		if err != nil {
			return err
		}
		hasKeys := false
		err = accessKeys.Scan(tx, sc, storage.ScanOptions{Prefix: accessKeyPrefix(e.GetName()), Limit: 1}, func([]byte, *recordsv1.IAMAccessKey) (bool, error) {
			hasKeys = true
			return false, nil
		})
		if err != nil {
			return err
		}
		switch {
		case hasKeys:
			return iamv1.ErrDeleteConflict("Cannot delete entity, must delete access keys first.")
		case len(e.GetInlinePolicies()) > 0:
			return iamv1.ErrDeleteConflict("Cannot delete entity, must delete policies first.")
		case len(e.GetAttachedPolicies()) > 0:
			return iamv1.ErrDeleteConflict("Cannot delete entity, must detach all policies first.")
		case len(e.GetGroups()) > 0:
			return iamv1.ErrDeleteConflict("Cannot delete entity, must remove user from all groups first.")
		}
		return deleteEntity(tx, sc, userKind, e)
	})
	if err != nil {
		return nil, err
	}
	return &iamv1.DeleteUserResponse{}, nil
}

// deleteEntity removes an entity and its boundary's index entry (callers
// have refused entities with anything else attached).
func deleteEntity(tx *storage.Tx, sc storage.Scope, k *kind, e *recordsv1.IAMEntity) error {
	if err := unindexEntity(tx, sc, k, e); err != nil {
		return err
	}
	_, err := k.table.Delete(tx, sc, nameKey(e.GetName()))
	return err
}
