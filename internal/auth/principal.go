// Package auth turns a SigV4-signed request (HTTP or gRPC) into an Identity:
// who signed it (a Principal), for which region and service, and when.
//
// Signature checking itself lives in internal/auth/sigv4; this package owns
// the credential sources (which access keys exist, their secrets, session
// tokens and expiry) and the principals they stand for.
package auth

import (
	"fmt"
	"time"
)

// PrincipalKind says what kind of IAM identity signed a request.
type PrincipalKind int

const (
	// PrincipalRoot is an account's root user.
	PrincipalRoot PrincipalKind = iota + 1
	// PrincipalIAMUser is an IAM user with a long-term access key.
	PrincipalIAMUser
	// PrincipalAssumedRole is a role session from sts:AssumeRole*.
	PrincipalAssumedRole
	// PrincipalFederatedUser is a session from sts:GetFederationToken.
	PrincipalFederatedUser
)

func (k PrincipalKind) String() string {
	switch k {
	case PrincipalRoot:
		return "Root"
	case PrincipalIAMUser:
		return "IAMUser"
	case PrincipalAssumedRole:
		return "AssumedRole"
	case PrincipalFederatedUser:
		return "FederatedUser"
	}
	return fmt.Sprintf("PrincipalKind(%d)", int(k))
}

// Principal is the identity behind a credential, in the terms
// sts:GetCallerIdentity and IAM policies use.
type Principal struct {
	Kind      PrincipalKind
	AccountID string
	// ARN is e.g. arn:aws:iam::111122223333:root,
	// arn:aws:iam::111122223333:user/alice or
	// arn:aws:sts::111122223333:assumed-role/role/session.
	ARN string
	// UserID is GetCallerIdentity's UserId: the account id for root, the
	// unique id (AIDA…) for a user, "AROA…:session" for a role session.
	UserID string
	// Name is the user name, role name or federated user name (empty for
	// root).
	Name string
	// SessionName is the role session name (assumed roles only).
	SessionName string
	// AccessKeyID and SessionToken are what the request was signed with.
	AccessKeyID  string
	SessionToken string
	// Session is set when the request was signed with temporary credentials.
	Session *Session
}

// RootPrincipal is the root user of an account. Its UserID is the account id,
// as GetCallerIdentity reports it.
func RootPrincipal(accountID string) Principal {
	return Principal{
		Kind:      PrincipalRoot,
		AccountID: accountID,
		ARN:       "arn:aws:iam::" + accountID + ":root",
		UserID:    accountID,
	}
}

// Session is what temporary credentials carry: the session STS sealed into
// the session token when it issued them. It is set on the Principal of every
// request signed with temporary credentials and nil for long-term keys.
type Session struct {
	// Kind says which STS operation issued the credentials.
	Kind SessionKind
	// Issued and Expires bound the credentials' life (aws:TokenIssueTime).
	Issued, Expires time.Time
	// RoleARN and RoleID name the assumed role (assumed-role sessions).
	RoleARN, RoleID string
	// SourceARN is the identity that asked for the credentials: the IAM user
	// of GetSessionToken and GetFederationToken, the caller of AssumeRole.
	SourceARN string
	// SourceUserID is the unique id of the IAM user that asked for
	// GetFederationToken credentials ("" for a root user's, and in tokens
	// issued before it was recorded).
	SourceUserID string
	// Policy is the inline session policy (JSON) and PolicyARNs the managed
	// session policies passed when the session was created.
	Policy     string
	PolicyARNs []string
	// Tags are the session tags (aws:PrincipalTag/*), keys as given;
	// TransitiveTagKeys those that pass on to chained role sessions.
	Tags              map[string]string
	TransitiveTagKeys []string
	// SourceIdentity is sts:SourceIdentity, carried through role chaining.
	SourceIdentity string
	// MFA reports that the session was created with MFA (aws:MultiFactorAuthPresent),
	// MFATime when (aws:MultiFactorAuthAge).
	MFA     bool
	MFATime time.Time
	// Chained marks a role session created by another role session (role
	// chaining), which limits its duration to one hour.
	Chained bool
}

// SessionKind is the STS operation that issued temporary credentials.
type SessionKind uint8

const (
	// SessionAssumeRole: sts:AssumeRole (and its web identity and SAML forms).
	SessionAssumeRole SessionKind = iota + 1
	// SessionToken: sts:GetSessionToken, for an IAM user or a root user.
	SessionToken
	// SessionFederation: sts:GetFederationToken.
	SessionFederation
)

func (k SessionKind) String() string {
	switch k {
	case SessionAssumeRole:
		return "AssumeRole"
	case SessionToken:
		return "GetSessionToken"
	case SessionFederation:
		return "GetFederationToken"
	}
	return fmt.Sprintf("SessionKind(%d)", int(k))
}
