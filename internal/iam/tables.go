package iam

import (
	"strings"

	"github.com/ibemu/ibemu/internal/storage"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
)

// Tables of the IAM service, each declared once. Every table lives in the
// account's scope with region storage.GlobalRegion, except the access key
// index, which is global (see keyIndexScope).
//
// Names are unique case-insensitively within an account, so entity tables
// are keyed by the lower-cased name; records keep the name as created.
var (
	// users, groups, roles: lower(name) → IAMEntity.
	users  = storage.NewTable[*recordsv1.IAMEntity]("iam.users")
	groups = storage.NewTable[*recordsv1.IAMEntity]("iam.groups")
	roles  = storage.NewTable[*recordsv1.IAMEntity]("iam.roles")
	// policies: lower(name) → IAMManagedPolicy (customer managed; policy
	// names are unique in an account whatever their path).
	policies = storage.NewTable[*recordsv1.IAMManagedPolicy]("iam.policies")
	// policyEntities is the reverse index of managed policy use:
	// policy ARN / usage / kind / lower(entity name) → IAMPolicyEntity, for
	// customer and AWS managed policies alike.
	policyEntities = storage.NewTable[*recordsv1.IAMPolicyEntity]("iam.policy-entities")
	// instanceProfiles: lower(name) → IAMInstanceProfile.
	instanceProfiles = storage.NewTable[*recordsv1.IAMInstanceProfile]("iam.instance-profiles")
	// accessKeys: lower(user name) / access key id → IAMAccessKey.
	accessKeys = storage.NewTable[*recordsv1.IAMAccessKey]("iam.access-keys")
	// accessKeyIndex (global scope): access key id → IAMAccessKeyRef.
	accessKeyIndex = storage.NewTable[*recordsv1.IAMAccessKeyRef]("iam.access-key-index")
	// deletionTasks: service-linked role deletion task id → IAMDeletionTask.
	deletionTasks = storage.NewTable[*recordsv1.IAMDeletionTask]("iam.slr-deletion-tasks")
	// accounts: "account" → IAMAccount (one record per account).
	accounts = storage.NewTable[*recordsv1.IAMAccount]("iam.account")
)

// keyIndexScope holds the one index that spans accounts: which account and
// user an access key id belongs to, needed before the caller's account is
// known. Storage scopes are per account, so the index gets a scope of its
// own. Its account "aws" cannot collide with a real account: account ids
// are exactly 12 digits (auth.IsAccountID), and "aws" is the account field
// AWS itself uses for what no customer account owns (AWS managed policy
// ARNs).
var keyIndexScope = storage.Scope{Account: "aws", Region: storage.GlobalRegion}

// Policy usages in the reverse index.
const (
	usagePermissions = "policy"
	usageBoundary    = "boundary"
)

func nameKey(name string) []byte { return storage.NewKey().String(strings.ToLower(name)).Key() }

func accessKeyKey(user, keyID string) []byte {
	return storage.NewKey().String(strings.ToLower(user)).String(keyID).Key()
}

func accessKeyPrefix(user string) []byte {
	return storage.NewKey().String(strings.ToLower(user)).Key()
}

func policyEntityKey(arn, usage, kind, name string) []byte {
	return storage.NewKey().String(arn).String(usage).String(kind).String(strings.ToLower(name)).Key()
}

func policyEntityPrefix(arn, usage string) []byte {
	b := storage.NewKey().String(arn)
	if usage != "" {
		b.String(usage)
	}
	return b.Key()
}

var accountKey = []byte("account")
