package iam

import (
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/iam/policy"
	"github.com/ibemu/ibemu/internal/quota"
	"github.com/ibemu/ibemu/internal/storage"
	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
)

// kind describes users, groups and roles to the code they share: loading by
// name, attached and inline policies, tags and boundaries are written once
// and parameterized by kind.
type kind struct {
	// name is the ARN resource type and the word IAM's messages use:
	// "user", "group", "role".
	name  string
	title string
	table *storage.Table[*recordsv1.IAMEntity]
	// idPrefix starts the entity's unique id.
	idPrefix string
	// inline is the entity kind of the aggregate inline policy quota.
	inline policy.InlineEntity
	// quota names the attached managed policy quota in LimitExceeded.
	quota string
	// foldTags: tag keys of users and roles are case-insensitive.
	foldTags bool
	// count is the account quota on how many there may be.
	count quota.Name
}

var (
	userKind  = &kind{name: "user", title: "User", table: users, idPrefix: prefixUser, inline: policy.InlineUser, quota: "PoliciesPerUser", foldTags: true, count: quota.IAMUsers}
	groupKind = &kind{name: "group", title: "Group", table: groups, idPrefix: prefixGroup, inline: policy.InlineGroup, quota: "PoliciesPerGroup", count: quota.IAMGroups}
	roleKind  = &kind{name: "role", title: "Role", table: roles, idPrefix: prefixRole, inline: policy.InlineRole, quota: "PoliciesPerRole", foldTags: true, count: quota.IAMRoles}
)

func kindNamed(name string) *kind {
	switch name {
	case "user":
		return userKind
	case "group":
		return groupKind
	case "role":
		return roleKind
	}
	return nil
}

// maxAttachedPolicies is the default quota of managed policies attached to
// one user, group or role.
const maxAttachedPolicies = 10

// checkQuota answers IAM's LimitExceeded ("Cannot exceed quota for
// UsersPerAccount: 5000") when the account already holds as many records of
// table as quota n allows.
func checkQuota[T proto.Message](tx *storage.Tx, table *storage.Table[T], sc storage.Scope, quotas *quota.Set, n quota.Name) error {
	limit := quotas.Limit(n)
	have, err := table.Count(tx, sc, limit)
	if err != nil {
		return err
	}
	if have >= limit {
		return iamv1.ErrLimitExceeded("Cannot exceed quota for %s: %d", n.Short(), limit)
	}
	return nil
}

func (k *kind) noSuchEntity(name string) error {
	return iamv1.ErrNoSuchEntity("The %s with name %s cannot be found.", k.name, name)
}

func (k *kind) arn(account string, e *recordsv1.IAMEntity) string {
	return arn(account, k.name, e.GetPath(), e.GetName())
}

// get loads an entity by name (case-insensitively); found is false when
// there is none.
func (k *kind) get(tx *storage.Tx, sc storage.Scope, name string) (*recordsv1.IAMEntity, bool, error) {
	return k.table.Get(tx, sc, nameKey(name))
}

// load loads an entity by name or answers IAM's NoSuchEntity.
func (k *kind) load(tx *storage.Tx, sc storage.Scope, name string) (*recordsv1.IAMEntity, error) {
	e, found, err := k.get(tx, sc, name)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, k.noSuchEntity(name)
	}
	return e, nil
}

func (k *kind) put(tx *storage.Tx, sc storage.Scope, e *recordsv1.IAMEntity) error {
	return k.table.Put(tx, sc, nameKey(e.GetName()), e)
}

// create stores a new entity, refusing a name taken in any case.
func (k *kind) create(tx *storage.Tx, sc storage.Scope, e *recordsv1.IAMEntity) error {
	_, found, err := k.get(tx, sc, e.GetName())
	if err != nil {
		return err
	}
	if found {
		return iamv1.ErrEntityAlreadyExists("%s with name %s already exists.", k.title, e.GetName())
	}
	return k.put(tx, sc, e)
}

// fresh is a new entity as the create operations start it.
func (k *kind) fresh(name, path string, c *callctx.Call) *recordsv1.IAMEntity {
	return &recordsv1.IAMEntity{Name: name, Id: newID(k.idPrefix), Path: path, CreateDate: stamp(c.Time)}
}

// checkModifiable refuses changes to a service-linked role: only its service
// may change it.
func checkModifiable(k *kind, e *recordsv1.IAMEntity) error {
	if k == roleKind && e.GetServiceLinked() != "" {
		return iamv1.ErrUnmodifiableEntity("Cannot perform the operation on the protected role '%s' - this role is only modifiable by AWS", e.GetName())
	}
	return nil
}

// rename moves an entity to a new name (and maybe path) and rewrites every
// index that names it: the policy reverse index and the other side of group
// memberships. Ids stay.
func (k *kind) rename(tx *storage.Tx, sc storage.Scope, e *recordsv1.IAMEntity, newName, newPath string) error {
	oldName := e.GetName()
	renamed := !strings.EqualFold(oldName, newName)
	if renamed {
		if _, found, err := k.get(tx, sc, newName); err != nil {
			return err
		} else if found {
			return iamv1.ErrEntityAlreadyExists("%s with name %s already exists.", k.title, newName)
		}
	}
	if _, err := k.table.Delete(tx, sc, nameKey(oldName)); err != nil {
		return err
	}
	old := proto.Clone(e).(*recordsv1.IAMEntity)
	e.Name, e.Path = newName, newPath
	if err := unindexEntity(tx, sc, k, old); err != nil {
		return err
	}
	if err := indexEntity(tx, sc, k, e); err != nil {
		return err
	}
	if err := k.put(tx, sc, e); err != nil {
		return err
	}
	// Memberships name the other side by name.
	switch k {
	case userKind:
		for _, g := range e.GetGroups() {
			if err := editEntity(tx, sc, groupKind, g, func(ge *recordsv1.IAMEntity) { ge.Members = replaceName(ge.Members, oldName, newName) }); err != nil {
				return err
			}
		}
		return moveAccessKeys(tx, sc, oldName, newName)
	case groupKind:
		for _, u := range e.GetMembers() {
			if err := editEntity(tx, sc, userKind, u, func(ue *recordsv1.IAMEntity) { ue.Groups = replaceName(ue.Groups, oldName, newName) }); err != nil {
				return err
			}
		}
	}
	return nil
}

// editEntity loads an entity that must exist, changes it and stores it.
func editEntity(tx *storage.Tx, sc storage.Scope, k *kind, name string, fn func(*recordsv1.IAMEntity)) error {
	e, err := k.load(tx, sc, name)
	if err != nil {
		return err
	}
	fn(e)
	return k.put(tx, sc, e)
}

// indexEntity and unindexEntity write and remove an entity's entries in the
// policy reverse index (attached policies and boundary).
func indexEntity(tx *storage.Tx, sc storage.Scope, k *kind, e *recordsv1.IAMEntity) error {
	ref := &recordsv1.IAMPolicyEntity{Kind: k.name, Name: e.GetName(), Id: e.GetId()}
	for _, a := range e.GetAttachedPolicies() {
		if err := policyEntities.Put(tx, sc, policyEntityKey(a, usagePermissions, k.name, e.GetName()), ref); err != nil {
			return err
		}
	}
	if b := e.GetPermissionsBoundary(); b != "" {
		return policyEntities.Put(tx, sc, policyEntityKey(b, usageBoundary, k.name, e.GetName()), ref)
	}
	return nil
}

func unindexEntity(tx *storage.Tx, sc storage.Scope, k *kind, e *recordsv1.IAMEntity) error {
	for _, a := range e.GetAttachedPolicies() {
		if _, err := policyEntities.Delete(tx, sc, policyEntityKey(a, usagePermissions, k.name, e.GetName())); err != nil {
			return err
		}
	}
	if b := e.GetPermissionsBoundary(); b != "" {
		_, err := policyEntities.Delete(tx, sc, policyEntityKey(b, usageBoundary, k.name, e.GetName()))
		return err
	}
	return nil
}

// containsFold reports whether list holds name, ignoring case.
func containsFold(list []string, name string) bool {
	for _, x := range list {
		if strings.EqualFold(x, name) {
			return true
		}
	}
	return false
}

func removeFold(list []string, name string) []string {
	var out []string
	for _, x := range list {
		if !strings.EqualFold(x, name) {
			out = append(out, x)
		}
	}
	return out
}

func replaceName(list []string, old, repl string) []string {
	out := make([]string, len(list))
	for i, x := range list {
		if strings.EqualFold(x, old) {
			x = repl
		}
		out[i] = x
	}
	return out
}

// ---- API shapes ----

func boundaryOf(e *recordsv1.IAMEntity) *iamv1.AttachedPermissionsBoundary {
	if e.GetPermissionsBoundary() == "" {
		return nil
	}
	return &iamv1.AttachedPermissionsBoundary{PermissionsBoundaryType: ptr("PermissionsBoundaryPolicy"), PermissionsBoundaryArn: ptr(e.GetPermissionsBoundary())}
}

// apiUser is the User shape; listings leave tags and boundary out, as IAM's
// ListUsers does.
func apiUser(account string, e *recordsv1.IAMEntity, full bool) *iamv1.User {
	u := &iamv1.User{
		Path:       ptr(e.GetPath()),
		UserName:   ptr(e.GetName()),
		UserId:     ptr(e.GetId()),
		Arn:        ptr(userKind.arn(account, e)),
		CreateDate: e.GetCreateDate(),
	}
	if full {
		u.PermissionsBoundary = boundaryOf(e)
		u.Tags = apiTags(e.GetTags())
	}
	return u
}

func apiGroup(account string, e *recordsv1.IAMEntity) *iamv1.Group {
	return &iamv1.Group{
		Path:       ptr(e.GetPath()),
		GroupName:  ptr(e.GetName()),
		GroupId:    ptr(e.GetId()),
		Arn:        ptr(groupKind.arn(account, e)),
		CreateDate: e.GetCreateDate(),
	}
}

// apiRole is the Role shape. GetRole (full) adds the boundary, tags and
// RoleLastUsed; listings and the instance profile's role leave them out.
func apiRole(tx *storage.Tx, account string, e *recordsv1.IAMEntity, full bool) *iamv1.Role {
	trust, err := effectiveTrust(tx, e)
	if err != nil {
		// A failed read of the principals it names (a corrupt file) shows
		// the policy as stored; decisions do not take this path.
		trust = e.GetAssumeRolePolicy()
	}
	r := &iamv1.Role{
		Path:                     ptr(e.GetPath()),
		RoleName:                 ptr(e.GetName()),
		RoleId:                   ptr(e.GetId()),
		Arn:                      ptr(roleKind.arn(account, e)),
		CreateDate:               e.GetCreateDate(),
		AssumeRolePolicyDocument: ptr(encodeDocument(trust)),
		MaxSessionDuration:       ptr(e.GetMaxSessionDuration()),
	}
	if e.GetDescription() != "" {
		r.Description = ptr(e.GetDescription())
	}
	if full {
		r.PermissionsBoundary = boundaryOf(e)
		r.Tags = apiTags(e.GetTags())
		r.RoleLastUsed = &iamv1.RoleLastUsed{}
		if e.GetLastUsed() != nil {
			r.RoleLastUsed = &iamv1.RoleLastUsed{LastUsedDate: e.GetLastUsed(), Region: ptr(e.GetLastUsedRegion())}
		}
	}
	return r
}
