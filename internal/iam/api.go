package iam

import (
	"context"
	"time"

	"github.com/ibemu/ibemu/internal/iam/policy"
	"github.com/ibemu/ibemu/internal/storage"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
)

// This file is the IAM store as other services read it: STS loads the role
// a session assumes, the user that asks for a session token and the managed
// session policies. Every lookup reads the committed state at the time of
// the call; the results are copies the caller may keep.

// Role is an IAM role as STS needs it.
type Role struct {
	Account string
	Name    string
	Path    string
	// ARN is the role's ARN with its path; ID its unique id (AROA…).
	ARN string
	ID  string
	// TrustPolicy is the trust policy document (JSON) and Trust the same
	// compiled as a role trust policy, named by the role's ARN.
	TrustPolicy string
	Trust       *policy.Attached
	// MaxSessionDuration is the longest session the role allows.
	MaxSessionDuration time.Duration
	Tags               map[string]string
	// ServiceLinked is the AWS service of a service-linked role, "" for
	// others.
	ServiceLinked string
}

// User is an IAM user as STS needs it.
type User struct {
	Account string
	Name    string
	Path    string
	ARN     string
	ID      string
	Tags    map[string]string
}

// RoleByARN loads the role an ARN names (arn:aws:iam::ACCOUNT:role/PATH/NAME,
// in any account). found is false when there is no such role, including when
// the ARN's path is not the role's path (AWS matches the whole ARN).
func (s *Service) RoleByARN(ctx context.Context, roleARN string) (*Role, bool, error) {
	account, path, name, ok := splitEntityARN(roleARN, "role")
	if !ok {
		return nil, false, nil
	}
	var out *Role
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		e, found, err := roleKind.get(tx, accountScope(account), name)
		if err != nil || !found || e.GetPath() != path || e.GetName() != name {
			return err
		}
		text, err := effectiveTrust(tx, e)
		if err != nil {
			return err
		}
		trust, err := s.parsed.get(policy.KindTrust, "trust\x00"+text, text)
		if err != nil {
			return err
		}
		a := roleKind.arn(account, e)
		out = &Role{
			Account: account, Name: e.GetName(), Path: e.GetPath(), ARN: a, ID: e.GetId(),
			TrustPolicy: text, Trust: &policy.Attached{Policy: trust, Name: a},
			MaxSessionDuration: time.Duration(e.GetMaxSessionDuration()) * time.Second,
			Tags:               tagMap(e.GetTags()), ServiceLinked: e.GetServiceLinked(),
		}
		return nil
	})
	if err != nil {
		return nil, false, storageError(err)
	}
	return out, out != nil, nil
}

// UserByARN loads the user an ARN names (the path must match).
func (s *Service) UserByARN(ctx context.Context, userARN string) (*User, bool, error) {
	account, path, name, ok := splitEntityARN(userARN, "user")
	if !ok {
		return nil, false, nil
	}
	u, found, err := s.UserByName(ctx, account, name)
	if err != nil || !found || u.Path != path || u.Name != name {
		return nil, false, err
	}
	return u, true, nil
}

// UserByName loads a user of an account by name (case-insensitively, as IAM
// names compare).
func (s *Service) UserByName(ctx context.Context, account, name string) (*User, bool, error) {
	var out *User
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		e, found, err := userKind.get(tx, accountScope(account), name)
		if err != nil || !found {
			return err
		}
		out = apiUserInfo(account, e)
		return nil
	})
	if err != nil {
		return nil, false, storageError(err)
	}
	return out, out != nil, nil
}

func apiUserInfo(account string, e *recordsv1.IAMEntity) *User {
	return &User{Account: account, Name: e.GetName(), Path: e.GetPath(), ARN: userKind.arn(account, e), ID: e.GetId(), Tags: tagMap(e.GetTags())}
}

// ManagedPolicy returns the default version of a managed policy, an AWS
// managed one or a customer managed one of account (session PolicyArns
// must name one of those), with the document compiled as a session policy.
func (s *Service) ManagedPolicy(ctx context.Context, account, policyARN string) (document string, session *policy.Attached, found bool, err error) {
	err = s.db.View(ctx, func(tx *storage.Tx) error {
		att, ok, err := s.managedAttached(tx, accountScope(account), policyARN, policy.KindSession)
		if err != nil || !ok {
			return err
		}
		m, _, _ := findManaged(tx, accountScope(account), policyARN)
		document, session, found = m.document(), &att, true
		return nil
	})
	if err != nil {
		return "", nil, false, storageError(err)
	}
	return document, session, found, nil
}

// RecordRoleUse notes that a role was used (a session was issued or used)
// in region at t, for RoleLastUsed. It costs no database write on the
// request path (see lastused.go).
func (s *Service) RecordRoleUse(account, roleName, region string, t time.Time) {
	s.usage.noteRole(account, roleName, region, t)
}
