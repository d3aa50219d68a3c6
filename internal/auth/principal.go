// Package auth turns a SigV4-signed request (HTTP or gRPC) into an Identity:
// who signed it (a Principal), for which region and service, and when.
//
// Signature checking itself lives in internal/auth/sigv4; this package owns
// the credential sources (which access keys exist, their secrets, session
// tokens and expiry) and the principals they stand for.
package auth

import "fmt"

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
