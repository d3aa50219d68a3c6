package iam

import (
	"context"
	"strings"

	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/storage"
	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
)

// serviceLinkedRole is what IAM creates for one AWS service.
type serviceLinkedRole struct {
	service string
	name    string
	policy  string
}

// serviceLinkedRoles are the services whose service-linked roles the
// emulator creates: the one Image Builder uses.
var serviceLinkedRoles = []serviceLinkedRole{{
	service: "imagebuilder.amazonaws.com",
	name:    "AWSServiceRoleForImageBuilder",
	policy:  "arn:aws:iam::aws:policy/aws-service-role/AWSServiceRoleForImageBuilder",
}}

func (r serviceLinkedRole) path() string { return "/aws-service-role/" + r.service + "/" }

func (r serviceLinkedRole) trust() string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"` + r.service + `"},"Action":"sts:AssumeRole"}]}`
}

func supportedServices() string {
	var names []string
	for _, r := range serviceLinkedRoles {
		names = append(names, r.service)
	}
	return strings.Join(names, ", ")
}

// CreateServiceLinkedRole creates the service-linked role of a service: a
// role under /aws-service-role/SERVICE/ that only the service can assume,
// with the service's AWS managed policy attached. Neither its trust policy
// nor its policies can be changed afterwards (UnmodifiableEntity).
func (s *Service) CreateServiceLinkedRole(ctx context.Context, req *iamv1.CreateServiceLinkedRoleRequest) (*iamv1.CreateServiceLinkedRoleResponse, error) {
	var slr *serviceLinkedRole
	for i := range serviceLinkedRoles {
		if serviceLinkedRoles[i].service == req.GetAwsServiceName() {
			slr = &serviceLinkedRoles[i]
		}
	}
	if slr == nil {
		// The emulator knows the services it emulates; wording ours.
		return nil, iamv1.ErrInvalidInput("The service %s does not support service-linked roles in this emulator. Supported services: %s.", req.GetAwsServiceName(), supportedServices())
	}
	if req.CustomSuffix != nil {
		// Image Builder does not accept a custom suffix; wording not verified.
		return nil, iamv1.ErrInvalidInput("Custom suffix is not allowed for %s", slr.service)
	}
	var out *iamv1.Role
	err := s.update(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		sc := accountScope(c.Account)
		if _, found, err := roleKind.get(tx, sc, slr.name); err != nil {
			return err
		} else if found {
			return iamv1.ErrInvalidInput("Service role name %s has been taken in this account, please try a different suffix.", slr.name)
		}
		path := slr.path()
		e, err := s.createEntity(tx, c, roleKind, slr.name, &path, nil, nil, func(e *recordsv1.IAMEntity) error {
			e.AssumeRolePolicy, e.Description, e.MaxSessionDuration = slr.trust(), req.GetDescription(), defaultMaxSessionDuration
			e.ServiceLinked, e.AttachedPolicies = slr.service, []string{slr.policy}
			return nil
		})
		if err != nil {
			return err
		}
		out = apiRole(tx, c.Account, e, false)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamv1.CreateServiceLinkedRoleResponse{Role: out}, nil
}

// DeleteServiceLinkedRole deletes a service-linked role. Nothing in the
// emulator holds on to the role, so the deletion task succeeds at once.
func (s *Service) DeleteServiceLinkedRole(ctx context.Context, req *iamv1.DeleteServiceLinkedRoleRequest) (*iamv1.DeleteServiceLinkedRoleResponse, error) {
	var task string
	err := s.update(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		sc := accountScope(c.Account)
		e, err := roleKind.load(tx, sc, req.GetRoleName())
		if err != nil {
			return err
		}
		if e.GetServiceLinked() == "" {
			// Most plausible AWS wording; not verified against a live account.
			return iamv1.ErrInvalidInput("Role %s is not a service-linked role.", e.GetName())
		}
		if len(e.GetInstanceProfiles()) > 0 || len(e.GetInlinePolicies()) > 0 {
			return roleDeletable(e)
		}
		task = "task/aws-service-role/" + e.GetServiceLinked() + "/" + e.GetName() + "/" + strings.ToLower(randomString(idAlphabet, 8)+"-"+randomString(idAlphabet, 4)+"-"+randomString(idAlphabet, 12))
		if err := deletionTasks.Put(tx, sc, []byte(task), &recordsv1.IAMDeletionTask{Status: "SUCCEEDED", CreateDate: stamp(c.Time)}); err != nil {
			return err
		}
		return deleteEntity(tx, sc, roleKind, e)
	})
	if err != nil {
		return nil, err
	}
	return &iamv1.DeleteServiceLinkedRoleResponse{DeletionTaskId: ptr(task)}, nil
}

// GetServiceLinkedRoleDeletionStatus reports a deletion task's status.
func (s *Service) GetServiceLinkedRoleDeletionStatus(ctx context.Context, req *iamv1.GetServiceLinkedRoleDeletionStatusRequest) (*iamv1.GetServiceLinkedRoleDeletionStatusResponse, error) {
	var out *iamv1.GetServiceLinkedRoleDeletionStatusResponse
	err := s.view(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		t, found, err := deletionTasks.Get(tx, accountScope(c.Account), []byte(req.GetDeletionTaskId()))
		if err != nil {
			return err
		}
		if !found {
			// Most plausible AWS wording; not verified against a live account.
			return iamv1.ErrNoSuchEntity("Deletion task %s cannot be found.", req.GetDeletionTaskId())
		}
		out = &iamv1.GetServiceLinkedRoleDeletionStatusResponse{Status: ptr(t.GetStatus())}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ServiceLinkedRoleFor is the service-linked role of service (for example
// imagebuilder.amazonaws.com) in account, for the service that uses it (an
// image build runs as AWSServiceRoleForImageBuilder): its ARN and whether it
// exists. With create set, a missing role is created as
// CreateServiceLinkedRole would create it — the caller has already decided
// iam:CreateServiceLinkedRole. A service this emulator has no
// service-linked role for is never found.
func (s *Service) ServiceLinkedRoleFor(ctx context.Context, account, service string, create bool) (roleARN string, found bool, err error) {
	var slr *serviceLinkedRole
	for i := range serviceLinkedRoles {
		if serviceLinkedRoles[i].service == service {
			slr = &serviceLinkedRoles[i]
		}
	}
	if slr == nil {
		return "", false, nil
	}
	roleARN = arn(account, "role", slr.path(), slr.name)
	err = s.db.View(ctx, func(tx *storage.Tx) error {
		_, found, err = roleKind.get(tx, accountScope(account), slr.name)
		return err
	})
	if err != nil || found || !create {
		return roleARN, found, storageError(err)
	}
	c := &callctx.Call{Account: account, Time: s.now()}
	err = s.write(ctx, func(tx *storage.Tx) error {
		if _, exists, err := roleKind.get(tx, accountScope(account), slr.name); err != nil || exists {
			return err
		}
		path := slr.path()
		_, err := s.createEntity(tx, c, roleKind, slr.name, &path, nil, nil, func(e *recordsv1.IAMEntity) error {
			e.AssumeRolePolicy, e.MaxSessionDuration = slr.trust(), defaultMaxSessionDuration
			e.ServiceLinked, e.AttachedPolicies = slr.service, []string{slr.policy}
			return nil
		})
		return err
	})
	if err != nil {
		return "", false, err
	}
	return roleARN, true, nil
}
