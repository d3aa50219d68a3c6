package policy

import "strconv"

// Size quotas from "IAM and AWS STS quotas" (IAM and STS character quotas).
// IAM does not count white space when it measures a policy against these
// quotas; STS measures session policies as plain text of at most 2,048
// characters (the sessionPolicyDocumentType length constraint).
const (
	// ManagedPolicyMaxSize is the quota for a managed policy document.
	ManagedPolicyMaxSize = 6144
	// UserInlinePolicyMaxSize is the quota for all inline policies of a user together.
	UserInlinePolicyMaxSize = 2048
	// GroupInlinePolicyMaxSize is the quota for all inline policies of a group together.
	GroupInlinePolicyMaxSize = 5120
	// RoleInlinePolicyMaxSize is the quota for all inline policies of a role together.
	RoleInlinePolicyMaxSize = 10240
	// TrustPolicyDefaultMaxSize is the default (adjustable) role trust policy length.
	TrustPolicyDefaultMaxSize = 2048
	// SessionPolicyMaxSize is the plaintext limit of an inline session policy.
	SessionPolicyMaxSize = 2048
)

// PolicySize is the size IAM counts against its quotas: the number of
// characters of the document that are not white space (space, tab, line
// feed, carriage return). The document is measured as given (URL-encoded
// documents should be decoded first, see DecodeDocument).
func PolicySize(doc string) int {
	n := 0
	for _, r := range doc {
		switch r {
		case ' ', '\t', '\n', '\r':
		default:
			n++
		}
	}
	return n
}

// CheckManagedPolicySize enforces the managed policy quota (CreatePolicy,
// CreatePolicyVersion). The error is LimitExceeded, as IAM returns it.
func CheckManagedPolicySize(doc string) error {
	if PolicySize(doc) > ManagedPolicyMaxSize {
		return limitExceeded("Cannot exceed quota for PolicySize: " + strconv.Itoa(ManagedPolicyMaxSize))
	}
	return nil
}

// InlineEntity is the kind of identity an inline policy is embedded in.
type InlineEntity string

// The entities inline policies can be embedded in.
const (
	InlineUser  InlineEntity = "user"
	InlineGroup InlineEntity = "group"
	InlineRole  InlineEntity = "role"
)

// InlineLimit is the aggregate inline policy quota of an entity kind.
func InlineLimit(entity InlineEntity) int {
	switch entity {
	case InlineUser:
		return UserInlinePolicyMaxSize
	case InlineGroup:
		return GroupInlinePolicyMaxSize
	case InlineRole:
		return RoleInlinePolicyMaxSize
	}
	return 0
}

// CheckInlinePolicySize enforces the aggregate inline policy quota. docs are
// all inline policies the entity will have after the change (the new or
// replaced one included); the quota applies to their summed sizes.
func CheckInlinePolicySize(entity InlineEntity, entityName string, docs ...string) error {
	total := 0
	for _, d := range docs {
		total += PolicySize(d)
	}
	limit := InlineLimit(entity)
	if total > limit {
		return limitExceeded("Maximum policy size of " + strconv.Itoa(limit) + " bytes exceeded for " + string(entity) + " " + entityName)
	}
	return nil
}

// CheckTrustPolicySize enforces the role trust policy length quota. limit is
// the account's quota (TrustPolicyDefaultMaxSize unless raised).
func CheckTrustPolicySize(doc string, limit int) error {
	if limit <= 0 {
		limit = TrustPolicyDefaultMaxSize
	}
	if PolicySize(doc) > limit {
		return limitExceeded("Cannot exceed quota for ACLSizePerRole: " + strconv.Itoa(limit))
	}
	return nil
}

// CheckSessionPolicySize enforces the STS plaintext limit for an inline
// session policy: at most 2,048 characters, white space included.
func CheckSessionPolicySize(doc string) error {
	n := 0
	for range doc {
		n++
	}
	if n > SessionPolicyMaxSize {
		return validationError("1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to " + strconv.Itoa(SessionPolicyMaxSize))
	}
	return nil
}
