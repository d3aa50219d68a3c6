package iam

import (
	"context"

	"github.com/ibemu/ibemu/internal/iam/policy"
	"github.com/ibemu/ibemu/internal/storage"
)

// InstanceProfileRole reads an instance profile of account for another
// service (Image Builder's infrastructure configurations name one): found
// is false when the account has no profile of that name (IAM names are
// case-insensitive), and roleARN is the ARN of the role it holds, "" when
// it holds none. It reads the store directly: the calling service has
// already been authorized, and IAM is not being called.
func (s *Service) InstanceProfileRole(ctx context.Context, account, name string) (roleARN string, found bool, err error) {
	err = s.db.View(ctx, func(tx *storage.Tx) error {
		sc := accountScope(account)
		p, ok, err := instanceProfiles.Get(tx, sc, nameKey(name))
		if err != nil || !ok {
			return err
		}
		found = true
		if len(p.GetRoles()) == 0 {
			return nil
		}
		r, err := roleKind.load(tx, sc, p.GetRoles()[0])
		if err != nil {
			return err
		}
		roleARN = arn(account, "role", r.GetPath(), r.GetName())
		return nil
	})
	return roleARN, found, err
}

// RoleARN reads a role of account for another service (an Image Builder
// lifecycle policy's execution role): the role's ARN with its path, found
// false when the account has no role of that name. Like
// InstanceProfileRole it reads the store directly.
func (s *Service) RoleARN(ctx context.Context, account, name string) (roleARN string, found bool, err error) {
	err = s.db.View(ctx, func(tx *storage.Tx) error {
		sc := accountScope(account)
		r, ok, err := roleKind.get(tx, sc, name)
		if err != nil || !ok {
			return err
		}
		found, roleARN = true, arn(account, "role", r.GetPath(), r.GetName())
		return nil
	})
	return roleARN, found, err
}

// RoleTrustsService reports whether the trust policy of the role roleARN
// lets the AWS service principal service (imagebuilder.amazonaws.com)
// perform sts:AssumeRole: the decision AWS makes when a service assumes a
// role passed to it (an Image Builder execution role). found is false when
// there is no such role.
func (s *Service) RoleTrustsService(ctx context.Context, roleARN, service string) (trusted, found bool, err error) {
	role, found, err := s.RoleByARN(ctx, roleARN)
	if err != nil || !found {
		return false, found, err
	}
	p := &policy.Principal{Kind: policy.PrincipalService, ServiceName: service}
	rctx := policy.NewContext()
	rctx.AddPrincipalKeys(p)
	req := &policy.Request{Principal: p, Action: "sts:AssumeRole", Resource: role.ARN, ResourceAccount: role.Account, Context: rctx}
	return policy.Evaluate(req, &policy.Policies{Resource: role.Trust}).Allowed(), true, nil
}
