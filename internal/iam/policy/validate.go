package policy

// Use is what an IAM or STS operation does with a policy document: it
// decides the grammar the document must follow (its PolicyKind) and the size
// quota it is held to. Build one with the For* functions.
//
//	operation                                          Use
//	CreatePolicy, CreatePolicyVersion                  ForManagedPolicy()
//	PutUserPolicy                                      ForInlinePolicy(InlineUser, name, others...)
//	PutGroupPolicy                                     ForInlinePolicy(InlineGroup, name, others...)
//	PutRolePolicy                                      ForInlinePolicy(InlineRole, name, others...)
//	CreateRole (AssumeRolePolicyDocument),
//	UpdateAssumeRolePolicy                             ForTrustPolicy(accountLimit)
//	STS AssumeRole, AssumeRoleWithSAML,
//	AssumeRoleWithWebIdentity, GetFederationToken
//	(Policy)                                           ForSessionPolicy()
//	SimulateCustomPolicy, SimulatePrincipalPolicy
//	(PolicyInputList)                                  ForDocument(KindIdentity)
//	  PermissionsBoundaryPolicyInputList               ForDocument(KindPermissionsBoundary)
//	  ResourcePolicy                                   ForDocument(KindResource)
//	GetContextKeysForCustomPolicy                      ForDocument(KindIdentity)
//	KMS CreateKey, PutKeyPolicy                        ForDocument(KindKeyPolicy)
//	other services' resource policies                  ForDocument(KindResource)
//
// A permissions boundary is a managed policy (validated by CreatePolicy) that
// PutUserPermissionsBoundary and PutRolePermissionsBoundary name by ARN; it
// is evaluated with KindPermissionsBoundary, whose grammar is the identity
// grammar.
//
// The characters a document may contain ([\u0009\u000A\u000D\u0020-\u00FF]+,
// the policyDocumentType pattern) are a constraint of the API model: IAM
// answers a document outside that range with a ValidationError about the
// parameter, before it reads the document, so the API layer's model
// validation checks it, not Validate.
type Use struct {
	// Kind is the grammar the document follows.
	Kind PolicyKind

	quota      quota
	entity     InlineEntity
	entityName string
	others     []string
	limit      int
}

type quota uint8

const (
	quotaNone quota = iota
	quotaManaged
	quotaInline
	quotaTrust
	quotaSession
)

// ForManagedPolicy is a customer managed policy document: identity grammar,
// at most ManagedPolicyMaxSize characters other than white space.
func ForManagedPolicy() Use { return Use{Kind: KindIdentity, quota: quotaManaged} }

// ForInlinePolicy is an inline policy of the named user, group or role. The
// entity's inline policies together, this one included, must fit the
// entity's aggregate quota; others are the entity's other inline policy
// documents (without the one being replaced).
func ForInlinePolicy(entity InlineEntity, name string, others ...string) Use {
	return Use{Kind: KindIdentity, quota: quotaInline, entity: entity, entityName: name, others: others}
}

// ForTrustPolicy is a role trust policy; limit is the account's role trust
// policy length quota (0 for the default, TrustPolicyDefaultMaxSize).
func ForTrustPolicy(limit int) Use { return Use{Kind: KindTrust, quota: quotaTrust, limit: limit} }

// ForSessionPolicy is an inline session policy passed to STS: at most
// SessionPolicyMaxSize characters as sent, white space included.
func ForSessionPolicy() Use { return Use{Kind: KindSession, quota: quotaSession} }

// ForDocument is a document of the given kind with no size quota of its own.
func ForDocument(kind PolicyKind) Use { return Use{Kind: kind} }

// Validate checks a policy document for a use the way the operation does and
// compiles it: the size quota of the use (LimitExceeded, or ValidationError
// for a session policy), then the grammar (MalformedPolicyDocument). doc may
// be URL-encoded JSON; quotas are measured on the decoded document, except
// the session policy limit, which STS applies to the parameter as sent. The
// error is nil exactly when the policy is returned (beware of storing a nil
// *Error in an error interface).
func Validate(doc string, use Use) (*Policy, *Error) {
	if use.quota == quotaSession {
		if err := CheckSessionPolicySize(doc); err != nil {
			return nil, err.(*Error)
		}
	}
	text, derr := DecodeDocument(doc)
	if derr != nil {
		return nil, derr.(*Error)
	}
	var err error
	switch use.quota {
	case quotaManaged:
		err = CheckManagedPolicySize(text)
	case quotaInline:
		err = CheckInlinePolicySize(use.entity, use.entityName, append([]string{text}, use.others...)...)
	case quotaTrust:
		err = CheckTrustPolicySize(text, use.limit)
	}
	if err != nil {
		return nil, err.(*Error)
	}
	return parse(text, use.Kind)
}
