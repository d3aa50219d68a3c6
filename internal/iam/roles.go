package iam

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/iam/policy"
	"github.com/ibemu/ibemu/internal/storage"
	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
)

// defaultMaxSessionDuration is a role's MaxSessionDuration unless set.
const defaultMaxSessionDuration = 3600

// CreateRole creates a role with its trust policy.
func (s *Service) CreateRole(ctx context.Context, req *iamv1.CreateRoleRequest) (*iamv1.CreateRoleResponse, error) {
	var out *iamv1.Role
	err := s.update(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		trust, err := checkTrust(tx, req.GetAssumeRolePolicyDocument())
		if err != nil {
			return err
		}
		e, err := s.createEntity(tx, c, roleKind, req.GetRoleName(), req.Path, req.PermissionsBoundary, req.Tags, func(e *recordsv1.IAMEntity) error {
			trust.set(e)
			e.Description = req.GetDescription()
			e.MaxSessionDuration = defaultMaxSessionDuration
			if req.MaxSessionDuration != nil {
				e.MaxSessionDuration = *req.MaxSessionDuration
			}
			return nil
		})
		if err != nil {
			return err
		}
		out = apiRole(tx, c.Account, e, false)
		out.PermissionsBoundary, out.Tags = boundaryOf(e), apiTags(e.GetTags())
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamv1.CreateRoleResponse{Role: out}, nil
}

// trustPolicy is a validated trust policy to store: its text and the
// unique ids of the IAM users and roles it names.
type trustPolicy struct {
	text string
	ids  map[string]string
}

// set stores the trust policy on a role.
func (t trustPolicy) set(e *recordsv1.IAMEntity) {
	e.AssumeRolePolicy, e.TrustPrincipalIds = t.text, t.ids
}

// checkTrust validates a role trust policy: the language, the trust policy
// size quota, and that the IAM users and roles it names as principals exist
// — in any account: IAM resolves each to its unique id, which is what the
// policy then trusts (an unknown one is MalformedPolicyDocument "Invalid
// principal in policy").
func checkTrust(tx *storage.Tx, doc string) (trustPolicy, error) {
	text, err := checkPolicy(doc, policy.ForTrustPolicy(0))
	if err != nil {
		return trustPolicy{}, err
	}
	ids, missing, err := principalIDs(tx, text)
	if err != nil {
		return trustPolicy{}, err
	}
	if missing != "" {
		return trustPolicy{}, iamv1.ErrMalformedPolicyDocument("Invalid principal in policy: \"AWS\":\"%s\"", missing)
	}
	return trustPolicy{text: text, ids: ids}, nil
}

// principalIDs resolves the IAM user and role ARNs that doc (a valid policy
// document) names as "AWS" principals to their unique ids, in any account.
// missing is the first one that does not exist (path and name must match
// exactly); other principals (accounts, root ARNs, assumed roles, services,
// "*") are not looked up.
func principalIDs(tx *storage.Tx, doc string) (ids map[string]string, missing string, err error) {
	for _, p := range awsPrincipals(doc) {
		e, isEntity, found, err := namedEntity(tx, p)
		if err != nil {
			return nil, "", err
		}
		if !isEntity {
			continue
		}
		if !found {
			return nil, p, nil
		}
		if ids == nil {
			ids = map[string]string{}
		}
		ids[p] = e.GetId()
	}
	return ids, "", nil
}

// MissingPrincipal is the principal existence check of role trust policies
// for other services' resource policies (KMS key policies): it returns the
// first IAM user or role ARN that doc — an already validated policy
// document — names as an "AWS" principal (Principal or NotPrincipal) and
// that does not exist in its account, or "" when all exist. Account ids,
// root ARNs, assumed-role ARNs, service principals and "*" always pass.
func (s *Service) MissingPrincipal(ctx context.Context, doc string) (string, error) {
	var missing string
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		var err error
		_, missing, err = principalIDs(tx, doc)
		return err
	})
	return missing, storageError(err)
}

// effectiveTrust is a role's trust policy as IAM holds it now: a principal
// that was deleted since the policy was set, or deleted and created again,
// is no longer its name but the unique id it had, which no caller has any
// more (the IAM User Guide's role trust policy examples warn of exactly
// this). GetRole shows this text and AssumeRole is decided on it.
func effectiveTrust(tx *storage.Tx, e *recordsv1.IAMEntity) (string, error) {
	text := e.GetAssumeRolePolicy()
	for arn, id := range e.GetTrustPrincipalIds() {
		k, account, path, name, ok := entityPrincipal(arn)
		if !ok {
			continue
		}
		cur, found, err := k.get(tx, accountScope(account), name)
		if err != nil {
			return "", err
		}
		if !found || cur.GetId() != id || cur.GetPath() != path || cur.GetName() != name {
			text = strings.ReplaceAll(text, strconv.Quote(arn), strconv.Quote(id))
		}
	}
	return text, nil
}

// awsPrincipals lists the "AWS" principals of every statement's Principal
// and NotPrincipal (the document is already known to be valid).
func awsPrincipals(doc string) []string {
	var d struct {
		Statement json.RawMessage
	}
	if json.Unmarshal([]byte(doc), &d) != nil {
		return nil
	}
	var stmts []map[string]json.RawMessage
	if json.Unmarshal(d.Statement, &stmts) != nil {
		var one map[string]json.RawMessage
		if json.Unmarshal(d.Statement, &one) != nil {
			return nil
		}
		stmts = []map[string]json.RawMessage{one}
	}
	var out []string
	for _, st := range stmts {
		for _, elem := range []string{"Principal", "NotPrincipal"} {
			var p map[string]json.RawMessage
			if json.Unmarshal(st[elem], &p) != nil {
				continue
			}
			out = append(out, stringOrList(p["AWS"])...)
		}
	}
	return out
}

func stringOrList(raw json.RawMessage) []string {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var list []string
	_ = json.Unmarshal(raw, &list)
	return list
}

// entityPrincipal recognises arn:aws:iam::ACCOUNT:user/… and role/… ARNs.
func entityPrincipal(principal string) (k *kind, account, path, name string, ok bool) {
	for _, k := range []*kind{userKind, roleKind} {
		if a, path, name, ok := splitEntityARN(principal, k.name); ok {
			return k, a, path, name, true
		}
	}
	return nil, "", "", "", false
}

// GetRole returns a role with its boundary, tags and last use.
func (s *Service) GetRole(ctx context.Context, req *iamv1.GetRoleRequest) (*iamv1.GetRoleResponse, error) {
	var out *iamv1.Role
	err := s.view(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		e, err := roleKind.load(tx, accountScope(c.Account), req.GetRoleName())
		if err != nil {
			return err
		}
		out = apiRole(tx, c.Account, s.usage.role(c.Account, e), true)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamv1.GetRoleResponse{Role: out}, nil
}

// ListRoles lists the account's roles by name.
func (s *Service) ListRoles(ctx context.Context, req *iamv1.ListRolesRequest) (*iamv1.ListRolesResponse, error) {
	var pg page[*iamv1.Role]
	err := s.view(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		var err error
		pg, err = listEntities(tx, c, roleKind, req.PathPrefix, req.Marker, req.MaxItems, func(e *recordsv1.IAMEntity) *iamv1.Role { return apiRole(tx, c.Account, e, false) })
		return err
	})
	if err != nil {
		return nil, err
	}
	return &iamv1.ListRolesResponse{Roles: pg.Items, IsTruncated: pg.isTruncated(), Marker: pg.Marker}, nil
}

// UpdateRole changes a role's description and maximum session duration.
// A service-linked role's description may change; nothing else of it.
func (s *Service) UpdateRole(ctx context.Context, req *iamv1.UpdateRoleRequest) (*iamv1.UpdateRoleResponse, error) {
	_, err := s.editRole(ctx, req.GetRoleName(), req.MaxSessionDuration != nil, func(e *recordsv1.IAMEntity) error {
		if req.Description != nil {
			e.Description = *req.Description
		}
		if req.MaxSessionDuration != nil {
			e.MaxSessionDuration = *req.MaxSessionDuration
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamv1.UpdateRoleResponse{}, nil
}

// UpdateRoleDescription changes a role's description and returns the role.
func (s *Service) UpdateRoleDescription(ctx context.Context, req *iamv1.UpdateRoleDescriptionRequest) (*iamv1.UpdateRoleDescriptionResponse, error) {
	out, err := s.editRole(ctx, req.GetRoleName(), false, func(e *recordsv1.IAMEntity) error {
		e.Description = req.GetDescription()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamv1.UpdateRoleDescriptionResponse{Role: out}, nil
}

// UpdateAssumeRolePolicy replaces a role's trust policy.
func (s *Service) UpdateAssumeRolePolicy(ctx context.Context, req *iamv1.UpdateAssumeRolePolicyRequest) (*iamv1.UpdateAssumeRolePolicyResponse, error) {
	var trust trustPolicy
	_, err := s.editRole(ctx, req.GetRoleName(), true, func(e *recordsv1.IAMEntity) error {
		trust.set(e)
		return nil
	}, func(tx *storage.Tx, _ *callctx.Call) error {
		var err error
		trust, err = checkTrust(tx, req.GetPolicyDocument())
		return err
	})
	if err != nil {
		return nil, err
	}
	return &iamv1.UpdateAssumeRolePolicyResponse{}, nil
}

// editRole loads a role, refuses a protected change to a service-linked
// role, runs the checks, applies fn and stores the role; it returns the
// role as GetRole shows it.
func (s *Service) editRole(ctx context.Context, name string, protected bool, fn func(*recordsv1.IAMEntity) error, checks ...func(*storage.Tx, *callctx.Call) error) (*iamv1.Role, error) {
	var out *iamv1.Role
	err := s.update(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		sc := accountScope(c.Account)
		e, err := roleKind.load(tx, sc, name)
		if err != nil {
			return err
		}
		if protected {
			if err := checkModifiable(roleKind, e); err != nil {
				return err
			}
		}
		for _, check := range checks {
			if err := check(tx, c); err != nil {
				return err
			}
		}
		if err := fn(e); err != nil {
			return err
		}
		out = apiRole(tx, c.Account, e, true)
		return roleKind.put(tx, sc, e)
	})
	return out, err
}

// DeleteRole deletes a role that has no policies and is in no instance
// profile. Service-linked roles are deleted with DeleteServiceLinkedRole.
func (s *Service) DeleteRole(ctx context.Context, req *iamv1.DeleteRoleRequest) (*iamv1.DeleteRoleResponse, error) {
	err := s.update(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		sc := accountScope(c.Account)
		e, err := roleKind.load(tx, sc, req.GetRoleName())
		if err != nil {
			return err
		}
		if err := checkModifiable(roleKind, e); err != nil {
			return err
		}
		if err := roleDeletable(e); err != nil {
			return err
		}
		return deleteEntity(tx, sc, roleKind, e)
	})
	if err != nil {
		return nil, err
	}
	return &iamv1.DeleteRoleResponse{}, nil
}

func roleDeletable(e *recordsv1.IAMEntity) error {
	switch {
	case len(e.GetInstanceProfiles()) > 0:
		return iamv1.ErrDeleteConflict("Cannot delete entity, must remove roles from instance profile first.")
	case len(e.GetInlinePolicies()) > 0:
		return iamv1.ErrDeleteConflict("Cannot delete entity, must delete policies first.")
	case len(e.GetAttachedPolicies()) > 0:
		return iamv1.ErrDeleteConflict("Cannot delete entity, must detach all policies first.")
	}
	return nil
}
