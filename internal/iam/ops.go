package iam

// The per-kind operations over the shared implementations in attach.go:
// each only picks the kind and passes the request's members.

import (
	"context"

	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
)

// AttachUserPolicy attaches a managed policy to a user.
func (s *Service) AttachUserPolicy(ctx context.Context, req *iamv1.AttachUserPolicyRequest) (*iamv1.AttachUserPolicyResponse, error) {
	return done(&iamv1.AttachUserPolicyResponse{}, s.attachPolicy(ctx, userKind, req.GetUserName(), req.GetPolicyArn()))
}

// DetachUserPolicy detaches a managed policy from a user.
func (s *Service) DetachUserPolicy(ctx context.Context, req *iamv1.DetachUserPolicyRequest) (*iamv1.DetachUserPolicyResponse, error) {
	return done(&iamv1.DetachUserPolicyResponse{}, s.detachPolicy(ctx, userKind, req.GetUserName(), req.GetPolicyArn()))
}

// ListAttachedUserPolicies lists the managed policies attached to a user.
func (s *Service) ListAttachedUserPolicies(ctx context.Context, req *iamv1.ListAttachedUserPoliciesRequest) (*iamv1.ListAttachedUserPoliciesResponse, error) {
	pg, err := s.listAttached(ctx, userKind, req.GetUserName(), req.PathPrefix, req.Marker, req.MaxItems)
	return done(&iamv1.ListAttachedUserPoliciesResponse{AttachedPolicies: pg.Items, IsTruncated: pg.isTruncated(), Marker: pg.Marker}, err)
}

// PutUserPolicy adds or replaces an inline policy of a user.
func (s *Service) PutUserPolicy(ctx context.Context, req *iamv1.PutUserPolicyRequest) (*iamv1.PutUserPolicyResponse, error) {
	return done(&iamv1.PutUserPolicyResponse{}, s.putInline(ctx, userKind, req.GetUserName(), req.GetPolicyName(), req.GetPolicyDocument()))
}

// GetUserPolicy returns an inline policy of a user.
func (s *Service) GetUserPolicy(ctx context.Context, req *iamv1.GetUserPolicyRequest) (*iamv1.GetUserPolicyResponse, error) {
	name, doc, err := s.getInline(ctx, userKind, req.GetUserName(), req.GetPolicyName())
	return done(&iamv1.GetUserPolicyResponse{UserName: ptr(name), PolicyName: req.PolicyName, PolicyDocument: ptr(doc)}, err)
}

// DeleteUserPolicy deletes an inline policy of a user.
func (s *Service) DeleteUserPolicy(ctx context.Context, req *iamv1.DeleteUserPolicyRequest) (*iamv1.DeleteUserPolicyResponse, error) {
	return done(&iamv1.DeleteUserPolicyResponse{}, s.deleteInline(ctx, userKind, req.GetUserName(), req.GetPolicyName()))
}

// ListUserPolicies lists the names of a user's inline policies.
func (s *Service) ListUserPolicies(ctx context.Context, req *iamv1.ListUserPoliciesRequest) (*iamv1.ListUserPoliciesResponse, error) {
	pg, err := s.listInline(ctx, userKind, req.GetUserName(), req.Marker, req.MaxItems)
	return done(&iamv1.ListUserPoliciesResponse{PolicyNames: pg.Items, IsTruncated: pg.isTruncated(), Marker: pg.Marker}, err)
}

// AttachGroupPolicy attaches a managed policy to a group.
func (s *Service) AttachGroupPolicy(ctx context.Context, req *iamv1.AttachGroupPolicyRequest) (*iamv1.AttachGroupPolicyResponse, error) {
	return done(&iamv1.AttachGroupPolicyResponse{}, s.attachPolicy(ctx, groupKind, req.GetGroupName(), req.GetPolicyArn()))
}

// DetachGroupPolicy detaches a managed policy from a group.
func (s *Service) DetachGroupPolicy(ctx context.Context, req *iamv1.DetachGroupPolicyRequest) (*iamv1.DetachGroupPolicyResponse, error) {
	return done(&iamv1.DetachGroupPolicyResponse{}, s.detachPolicy(ctx, groupKind, req.GetGroupName(), req.GetPolicyArn()))
}

// ListAttachedGroupPolicies lists the managed policies attached to a group.
func (s *Service) ListAttachedGroupPolicies(ctx context.Context, req *iamv1.ListAttachedGroupPoliciesRequest) (*iamv1.ListAttachedGroupPoliciesResponse, error) {
	pg, err := s.listAttached(ctx, groupKind, req.GetGroupName(), req.PathPrefix, req.Marker, req.MaxItems)
	return done(&iamv1.ListAttachedGroupPoliciesResponse{AttachedPolicies: pg.Items, IsTruncated: pg.isTruncated(), Marker: pg.Marker}, err)
}

// PutGroupPolicy adds or replaces an inline policy of a group.
func (s *Service) PutGroupPolicy(ctx context.Context, req *iamv1.PutGroupPolicyRequest) (*iamv1.PutGroupPolicyResponse, error) {
	return done(&iamv1.PutGroupPolicyResponse{}, s.putInline(ctx, groupKind, req.GetGroupName(), req.GetPolicyName(), req.GetPolicyDocument()))
}

// GetGroupPolicy returns an inline policy of a group.
func (s *Service) GetGroupPolicy(ctx context.Context, req *iamv1.GetGroupPolicyRequest) (*iamv1.GetGroupPolicyResponse, error) {
	name, doc, err := s.getInline(ctx, groupKind, req.GetGroupName(), req.GetPolicyName())
	return done(&iamv1.GetGroupPolicyResponse{GroupName: ptr(name), PolicyName: req.PolicyName, PolicyDocument: ptr(doc)}, err)
}

// DeleteGroupPolicy deletes an inline policy of a group.
func (s *Service) DeleteGroupPolicy(ctx context.Context, req *iamv1.DeleteGroupPolicyRequest) (*iamv1.DeleteGroupPolicyResponse, error) {
	return done(&iamv1.DeleteGroupPolicyResponse{}, s.deleteInline(ctx, groupKind, req.GetGroupName(), req.GetPolicyName()))
}

// ListGroupPolicies lists the names of a group's inline policies.
func (s *Service) ListGroupPolicies(ctx context.Context, req *iamv1.ListGroupPoliciesRequest) (*iamv1.ListGroupPoliciesResponse, error) {
	pg, err := s.listInline(ctx, groupKind, req.GetGroupName(), req.Marker, req.MaxItems)
	return done(&iamv1.ListGroupPoliciesResponse{PolicyNames: pg.Items, IsTruncated: pg.isTruncated(), Marker: pg.Marker}, err)
}

// AttachRolePolicy attaches a managed policy to a role.
func (s *Service) AttachRolePolicy(ctx context.Context, req *iamv1.AttachRolePolicyRequest) (*iamv1.AttachRolePolicyResponse, error) {
	return done(&iamv1.AttachRolePolicyResponse{}, s.attachPolicy(ctx, roleKind, req.GetRoleName(), req.GetPolicyArn()))
}

// DetachRolePolicy detaches a managed policy from a role.
func (s *Service) DetachRolePolicy(ctx context.Context, req *iamv1.DetachRolePolicyRequest) (*iamv1.DetachRolePolicyResponse, error) {
	return done(&iamv1.DetachRolePolicyResponse{}, s.detachPolicy(ctx, roleKind, req.GetRoleName(), req.GetPolicyArn()))
}

// ListAttachedRolePolicies lists the managed policies attached to a role.
func (s *Service) ListAttachedRolePolicies(ctx context.Context, req *iamv1.ListAttachedRolePoliciesRequest) (*iamv1.ListAttachedRolePoliciesResponse, error) {
	pg, err := s.listAttached(ctx, roleKind, req.GetRoleName(), req.PathPrefix, req.Marker, req.MaxItems)
	return done(&iamv1.ListAttachedRolePoliciesResponse{AttachedPolicies: pg.Items, IsTruncated: pg.isTruncated(), Marker: pg.Marker}, err)
}

// PutRolePolicy adds or replaces an inline policy of a role.
func (s *Service) PutRolePolicy(ctx context.Context, req *iamv1.PutRolePolicyRequest) (*iamv1.PutRolePolicyResponse, error) {
	return done(&iamv1.PutRolePolicyResponse{}, s.putInline(ctx, roleKind, req.GetRoleName(), req.GetPolicyName(), req.GetPolicyDocument()))
}

// GetRolePolicy returns an inline policy of a role.
func (s *Service) GetRolePolicy(ctx context.Context, req *iamv1.GetRolePolicyRequest) (*iamv1.GetRolePolicyResponse, error) {
	name, doc, err := s.getInline(ctx, roleKind, req.GetRoleName(), req.GetPolicyName())
	return done(&iamv1.GetRolePolicyResponse{RoleName: ptr(name), PolicyName: req.PolicyName, PolicyDocument: ptr(doc)}, err)
}

// DeleteRolePolicy deletes an inline policy of a role.
func (s *Service) DeleteRolePolicy(ctx context.Context, req *iamv1.DeleteRolePolicyRequest) (*iamv1.DeleteRolePolicyResponse, error) {
	return done(&iamv1.DeleteRolePolicyResponse{}, s.deleteInline(ctx, roleKind, req.GetRoleName(), req.GetPolicyName()))
}

// ListRolePolicies lists the names of a role's inline policies.
func (s *Service) ListRolePolicies(ctx context.Context, req *iamv1.ListRolePoliciesRequest) (*iamv1.ListRolePoliciesResponse, error) {
	pg, err := s.listInline(ctx, roleKind, req.GetRoleName(), req.Marker, req.MaxItems)
	return done(&iamv1.ListRolePoliciesResponse{PolicyNames: pg.Items, IsTruncated: pg.isTruncated(), Marker: pg.Marker}, err)
}

// PutUserPermissionsBoundary sets a user's permissions boundary.
func (s *Service) PutUserPermissionsBoundary(ctx context.Context, req *iamv1.PutUserPermissionsBoundaryRequest) (*iamv1.PutUserPermissionsBoundaryResponse, error) {
	return done(&iamv1.PutUserPermissionsBoundaryResponse{}, s.putBoundary(ctx, userKind, req.GetUserName(), req.GetPermissionsBoundary()))
}

// DeleteUserPermissionsBoundary removes a user's permissions boundary.
func (s *Service) DeleteUserPermissionsBoundary(ctx context.Context, req *iamv1.DeleteUserPermissionsBoundaryRequest) (*iamv1.DeleteUserPermissionsBoundaryResponse, error) {
	return done(&iamv1.DeleteUserPermissionsBoundaryResponse{}, s.deleteBoundary(ctx, userKind, req.GetUserName()))
}

// TagUser adds or replaces tags of a user.
func (s *Service) TagUser(ctx context.Context, req *iamv1.TagUserRequest) (*iamv1.TagUserResponse, error) {
	return done(&iamv1.TagUserResponse{}, s.tagEntity(ctx, userKind, req.GetUserName(), req.Tags))
}

// UntagUser removes tags of a user.
func (s *Service) UntagUser(ctx context.Context, req *iamv1.UntagUserRequest) (*iamv1.UntagUserResponse, error) {
	return done(&iamv1.UntagUserResponse{}, s.untagEntity(ctx, userKind, req.GetUserName(), req.TagKeys))
}

// ListUserTags lists a user's tags.
func (s *Service) ListUserTags(ctx context.Context, req *iamv1.ListUserTagsRequest) (*iamv1.ListUserTagsResponse, error) {
	pg, err := s.listEntityTags(ctx, userKind, req.GetUserName(), req.Marker, req.MaxItems)
	return done(&iamv1.ListUserTagsResponse{Tags: pg.Items, IsTruncated: pg.isTruncated(), Marker: pg.Marker}, err)
}

// PutRolePermissionsBoundary sets a role's permissions boundary.
func (s *Service) PutRolePermissionsBoundary(ctx context.Context, req *iamv1.PutRolePermissionsBoundaryRequest) (*iamv1.PutRolePermissionsBoundaryResponse, error) {
	return done(&iamv1.PutRolePermissionsBoundaryResponse{}, s.putBoundary(ctx, roleKind, req.GetRoleName(), req.GetPermissionsBoundary()))
}

// DeleteRolePermissionsBoundary removes a role's permissions boundary.
func (s *Service) DeleteRolePermissionsBoundary(ctx context.Context, req *iamv1.DeleteRolePermissionsBoundaryRequest) (*iamv1.DeleteRolePermissionsBoundaryResponse, error) {
	return done(&iamv1.DeleteRolePermissionsBoundaryResponse{}, s.deleteBoundary(ctx, roleKind, req.GetRoleName()))
}

// TagRole adds or replaces tags of a role.
func (s *Service) TagRole(ctx context.Context, req *iamv1.TagRoleRequest) (*iamv1.TagRoleResponse, error) {
	return done(&iamv1.TagRoleResponse{}, s.tagEntity(ctx, roleKind, req.GetRoleName(), req.Tags))
}

// UntagRole removes tags of a role.
func (s *Service) UntagRole(ctx context.Context, req *iamv1.UntagRoleRequest) (*iamv1.UntagRoleResponse, error) {
	return done(&iamv1.UntagRoleResponse{}, s.untagEntity(ctx, roleKind, req.GetRoleName(), req.TagKeys))
}

// ListRoleTags lists a role's tags.
func (s *Service) ListRoleTags(ctx context.Context, req *iamv1.ListRoleTagsRequest) (*iamv1.ListRoleTagsResponse, error) {
	pg, err := s.listEntityTags(ctx, roleKind, req.GetRoleName(), req.Marker, req.MaxItems)
	return done(&iamv1.ListRoleTagsResponse{Tags: pg.Items, IsTruncated: pg.isTruncated(), Marker: pg.Marker}, err)
}

// done answers resp, or err when the operation failed.
func done[T any](resp *T, err error) (*T, error) {
	if err != nil {
		return nil, err
	}
	return resp, nil
}
