package policy

// PolicyKind says what a policy document is used as. It decides which
// elements are required or forbidden when parsing and how the policy takes
// part in evaluation.
type PolicyKind uint8

const (
	// KindIdentity is a managed or inline policy attached to a user, group or role.
	KindIdentity PolicyKind = iota + 1
	// KindResource is a resource-based policy (bucket policy, component policy, ...).
	KindResource
	// KindTrust is a role trust policy: a resource-based policy on a role that
	// must itself allow the caller, even within one account.
	KindTrust
	// KindPermissionsBoundary is a managed policy used as a permissions boundary.
	KindPermissionsBoundary
	// KindSession is an inline or managed session policy passed to STS.
	KindSession
	// KindServiceControl is an AWS Organizations service control policy.
	KindServiceControl
	// KindResourceControl is an AWS Organizations resource control policy.
	KindResourceControl
	// KindKeyPolicy is the key policy of an AWS KMS key: a resource-based
	// policy with the same grammar as KindResource that is the primary
	// control of the key ("Key policies in AWS KMS"). Identity-based
	// policies allow nothing on the key unless the key policy allows the
	// key's account (arn:aws:iam::ACCOUNT:root or the account ID) for the
	// action, and the account root user has no access the key policy does
	// not give it. Explicit denies anywhere still apply. The enforcement
	// layer passes a KMS key's policy parsed with this kind as
	// Policies.Resource; it must always pass one, since every KMS key has a
	// key policy.
	KindKeyPolicy
)

// valid reports whether k is one of the kinds above.
func (k PolicyKind) valid() bool { return k >= KindIdentity && k <= KindKeyPolicy }

// String is the policy type as AccessDenied messages spell it.
func (k PolicyKind) String() string {
	switch k {
	case KindIdentity:
		return "identity-based policy"
	case KindResource, KindKeyPolicy:
		// AWS KMS names a key policy "resource-based policy" in its
		// AccessDenied messages, like every other resource policy.
		return "resource-based policy"
	case KindTrust:
		return "role trust policy"
	case KindPermissionsBoundary:
		return "permissions boundary"
	case KindSession:
		return "session policy"
	case KindServiceControl:
		return "service control policy"
	case KindResourceControl:
		return "resource control policy"
	}
	return "policy"
}

// article returns "a" or "an" for the kind's name in messages.
func (k PolicyKind) article() string {
	if k == KindIdentity {
		return "an"
	}
	return "a"
}

// usesPrincipal reports whether statements of this kind carry a Principal
// (resource-based kinds) rather than applying to the holder of the policy.
func (k PolicyKind) usesPrincipal() bool {
	return k == KindResource || k == KindTrust || k == KindResourceControl || k == KindKeyPolicy
}

// resourceLike reports whether the kind has the grammar of a service's
// resource-based policy (any Sid, Resource optional).
func (k PolicyKind) resourceLike() bool { return k == KindResource || k == KindKeyPolicy }

// Effect is a statement's Effect element.
type Effect uint8

const (
	// Allow grants the statement's actions.
	Allow Effect = iota + 1
	// Deny explicitly denies the statement's actions.
	Deny
)

func (e Effect) String() string {
	if e == Deny {
		return "Deny"
	}
	return "Allow"
}

// Origin tells managed and inline identity-based policies apart, for
// explanations and the simulator's SourcePolicyType.
type Origin uint8

const (
	// OriginUnspecified is used for policies whose origin does not matter.
	OriginUnspecified Origin = iota
	// OriginCustomerManaged is a customer managed policy.
	OriginCustomerManaged
	// OriginAWSManaged is an AWS managed policy.
	OriginAWSManaged
	// OriginInline is an inline policy embedded in a user, group or role.
	OriginInline
)

func (o Origin) String() string {
	switch o {
	case OriginCustomerManaged:
		return "customer managed"
	case OriginAWSManaged:
		return "AWS managed"
	case OriginInline:
		return "inline"
	}
	return ""
}
