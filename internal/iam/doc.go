// Package iam is the home of everything IAM: the policy language and
// evaluation engine (internal/iam/policy), offline simulation
// (internal/iam/simulate), the AWS managed policy catalog
// (internal/iam/awsmanaged) and the IAM API service.
//
// # The service
//
// Service implements the generated IAM gRPC interface over the storage
// layer: users, groups, roles, customer managed policies with versions,
// attached and inline policies, permissions boundaries, instance profiles,
// access keys, tags, Image Builder's service-linked role and
// GetAccountAuthorizationDetails, and the policy simulator's operations
// (simulate_api.go, over internal/iam/simulate). Operations not built here
// (login profiles, MFA, OIDC/SAML, …) answer UnsupportedOperation.
//
// Every operation runs in one storage transaction (Service.view,
// Service.update): a request that fails leaves nothing behind.
//
// # Storage layout
//
// All tables live in the account's scope, region storage.GlobalRegion
// (tables.go):
//
//	iam.users, iam.groups, iam.roles   lower(name) → IAMEntity
//	iam.policies                       lower(name) → IAMManagedPolicy (all versions inline)
//	iam.policy-entities                policy ARN / usage / kind / lower(name) → IAMPolicyEntity
//	iam.instance-profiles              lower(name) → IAMInstanceProfile
//	iam.access-keys                    lower(user) / key id → IAMAccessKey
//	iam.slr-deletion-tasks             task id → IAMDeletionTask
//	iam.account                        "account" → IAMAccount
//
// and one global table, iam.access-key-index (key id → account and user),
// in the scope {Account: "aws", Region: "global"}, which no 12-digit
// account id can name. Users, groups and roles share one record type so
// that attaching, inline policies, boundaries and tags have one
// implementation (attach.go, ops.go). Group membership is written on both
// sides (IAMEntity.Groups, IAMEntity.Members) in the same transaction, and
// renames rewrite every index that names the entity.
//
// # What the rest of the emulator uses
//
//   - Identities (authz.Identities): Caller, cached per principal and
//     rebuilt after any committed IAM write (identities.go).
//   - Resolver (authz.Resolver): IAM resources for the enforcement layer
//     (resolver.go).
//   - Credentials (auth.CredentialSource): IAM users' access keys
//     (credentials.go).
//   - RoleByARN, UserByARN, UserByName, ManagedPolicy, RecordRoleUse: what
//     STS needs (api.go).
package iam
