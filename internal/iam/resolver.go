package iam

import (
	"context"
	"github.com/ibemu/ibemu/internal/apimodel"
	"strings"

	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/authz"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/iam/awsmanaged"
	"github.com/ibemu/ibemu/internal/iam/policy"
	"github.com/ibemu/ibemu/internal/storage"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
)

// Resolver loads IAM resources (users, groups, roles, managed policies,
// instance profiles) for the enforcement layer.
func (s *Service) Resolver() authz.Resolver { return resolver{s} }

type resolver struct{ s *Service }

// nameVars are the ARN template variables naming each resource type.
var nameVars = map[string]string{
	"user":             "UserNameWithPath",
	"group":            "GroupNameWithPath",
	"role":             "RoleNameWithPath",
	"policy":           "PolicyNameWithPath",
	"instance-profile": "InstanceProfileNameWithPath",
}

// noTrust stands for the trust policy of a role that does not exist: a role
// trust policy with no statement, which allows no one.
var noTrust = &policy.Attached{Policy: &policy.Policy{Kind: policy.KindTrust}, Name: "trust policy of a role that does not exist"}

// trustActions are the STS actions decided against a role's trust policy.
var trustActions = map[string]bool{"sts:AssumeRole": true, "sts:TagSession": true, "sts:SetSourceIdentity": true,
	"sts:AssumeRoleWithWebIdentity": true, "sts:AssumeRoleWithSAML": true}

// Resolve implements authz.Resolver. The resource is named by a whole ARN
// (PolicyArn, RoleArn) or by its name (ref.Vars) and, for a create, the
// path the request gives (ref.Path). Where the request leaves the user out
// (GetUser, CreateAccessKey… without UserName) IAM means the calling user.
// The result carries the canonical ARN (the stored path), the owner, the
// tags, iam:PermissionsBoundary of an existing user or role, the record,
// and for the STS trust actions on a role its trust policy.
func (r resolver) Resolve(ctx context.Context, c *callctx.Call, action string, ref *authz.ResourceRef) (*authz.Resource, error) {
	typ, account, path, name := r.target(c, ref)
	res := &authz.Resource{Type: typ, ARN: ref.ARN, Account: account}
	if res.Account == "" {
		res.Account = c.Account
	}
	if typ == "" || name == "" || strings.ContainsAny(name, "*?") {
		return res, nil
	}
	if typ == "policy" && account == "aws" {
		// AWS managed policies: every account reads and attaches them, so
		// they count as the caller's.
		res.Account = c.Account
		if p, ok := awsmanaged.Lookup(ref.ARN); ok {
			res.ARN, res.Exists, res.Record = p.ARN, true, p
		}
		return res, nil
	}
	if path == "" {
		path = ref.Path
	}
	if path == "" && !ref.FromMember {
		path = "/"
	}
	res.ARN = arn(res.Account, typ, orSlash(path), name)
	err := r.s.db.View(ctx, func(tx *storage.Tx) error {
		return r.load(tx, res, action, path, name, ref.FromMember)
	})
	if err != nil {
		return nil, storageError(err)
	}
	return res, nil
}

func orSlash(path string) string {
	if path == "" {
		return "/"
	}
	return path
}

// target works out the type, account, path and name the reference names.
// path is "" when the request does not fix it (the stored path applies).
func (r resolver) target(c *callctx.Call, ref *authz.ResourceRef) (typ, account, path, name string) {
	if ref.Spec != nil {
		typ = ref.Spec.Type
	}
	if ref.FromMember || ref.Spec == nil {
		a, ok := authz.ParseARN(ref.ARN)
		if !ok || a.Service != "iam" {
			return typ, "", "", ""
		}
		t, rest, _ := strings.Cut(a.Resource, "/")
		if _, known := nameVars[t]; !known {
			return t, a.Account, "", ""
		}
		i := strings.LastIndexByte(rest, '/')
		return t, a.Account, "/" + rest[:i+1], rest[i+1:]
	}
	if !bindsName(ref.Spec, typ) {
		// The request names no entity but a set of them (ListUsers and the
		// other path listings): the resource is the ARN built from it.
		return "", c.Account, "", ""
	}
	name = ref.Vars[nameVars[typ]]
	if name == "" && typ == "user" && c.Principal.Kind == auth.PrincipalIAMUser {
		return typ, c.Principal.AccountID, "", c.Principal.Name
	}
	return typ, c.Account, "", name
}

// bindsName reports whether a resource type of an operation's spec names
// one entity by its name variable (GetUser's UserNameWithPath), which the
// request may leave out for the caller.
func bindsName(spec *apimodel.AuthzResource, typ string) bool {
	for _, v := range spec.Variables {
		if v.Name == nameVars[typ] {
			return true
		}
	}
	return false
}

// load completes res from the store. A path fixed by an ARN must match the
// stored one: arn:…:role/other-path/name is not the role.
func (r resolver) load(tx *storage.Tx, res *authz.Resource, action, path, name string, fixedPath bool) error {
	sc := accountScope(res.Account)
	var (
		storedPath string
		tags       []*recordsv1.IAMTag
		record     any
		entity     *recordsv1.IAMEntity
		found      bool
		err        error
	)
	switch res.Type {
	case "user", "group", "role":
		entity, found, err = kindNamed(res.Type).get(tx, sc, name)
		if found {
			storedPath, name, record = entity.GetPath(), entity.GetName(), entity
			if res.Type != "group" {
				tags = entity.GetTags()
			}
		}
	case "policy":
		var p *recordsv1.IAMManagedPolicy
		p, found, err = policies.Get(tx, sc, nameKey(name))
		if found {
			storedPath, name, tags, record = p.GetPath(), p.GetName(), p.GetTags(), p
		}
	case "instance-profile":
		var p *recordsv1.IAMInstanceProfile
		p, found, err = instanceProfiles.Get(tx, sc, nameKey(name))
		if found {
			storedPath, name, tags, record = p.GetPath(), p.GetName(), p.GetTags(), p
		}
	}
	if err != nil || !found || (fixedPath && path != storedPath) {
		if err == nil && res.Type == "role" && trustActions[action] {
			// A role that does not exist trusts nobody: the decision denies
			// (AWS answers AccessDenied, not that the role is missing).
			res.Policy = noTrust
		}
		return err
	}
	res.ARN, res.Exists, res.Tags, res.Record = arn(res.Account, res.Type, storedPath, name), true, tagMap(tags), record
	if entity == nil {
		return nil
	}
	if b := entity.GetPermissionsBoundary(); b != "" {
		res.Keys = append(res.Keys, authz.Key{Name: "iam:PermissionsBoundary", Type: policy.TypeString, Values: []string{b}})
	}
	if res.Type == "role" && trustActions[action] {
		text, err := effectiveTrust(tx, entity)
		if err != nil {
			return err
		}
		trust, err := r.s.parsed.get(policy.KindTrust, "trust\x00"+text, text)
		if err != nil {
			return err
		}
		res.Policy = &policy.Attached{Policy: trust, Name: res.ARN}
	}
	return nil
}
