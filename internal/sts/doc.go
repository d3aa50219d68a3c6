// Package sts implements the AWS Security Token Service API.
//
// Served: GetCallerIdentity, AssumeRole, GetSessionToken,
// GetFederationToken, DecodeAuthorizationMessage and GetAccessKeyInfo.
// AssumeRoleWithWebIdentity, AssumeRoleWithSAML, AssumeRoot,
// GetDelegatedAccessToken and GetWebIdentityToken answer
// UnsupportedOperation: they need identity providers, AWS Organizations or
// trusted token issuers, none of which the emulator has.
//
// # Temporary credentials
//
// The operations that issue credentials store nothing: the session is
// sealed into the session token (token.go), the secret key is derived from
// the access key id, and the access key id carries the account as AWS's do
// (keyid.go). Service.Credentials is the credential source that opens them
// for the authenticator; the authenticator enforces expiry on the
// emulator's clock. Opening a token also asks IAM whether the user or role
// the session is bound to still exists (by unique id and path): the
// credentials of a deleted principal are refused by every service as an
// invalid token, and IAM's answer is reused until the next IAM write.
//
// # Authorization
//
// Every operation is decided by the enforcement layer before its handler
// runs: sts:AssumeRole against the role's trust policy (and, across
// accounts, the caller's identity-based policies), sts:GetFederationToken,
// sts:DecodeAuthorizationMessage and sts:GetAccessKeyInfo against the
// caller's policies; GetCallerIdentity and GetSessionToken need no
// permission (AlwaysAllowed). The handlers ask the same layer for the
// permissions-only actions the request implies: sts:TagSession for session
// tags and sts:SetSourceIdentity for a source identity. The restrictions on
// what temporary credentials may call are the enforcement layer's (STS
// operations) and the authenticator's (IAM).
package sts
