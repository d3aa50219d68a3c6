package iam

import (
	"context"
	"strings"

	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/auth/sigv4"
	"github.com/ibemu/ibemu/internal/storage"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
)

// Credentials is the credential source of IAM users' access keys (AKIA…),
// for the authenticator chain. Every lookup reads the store, so a deleted
// or deactivated key stops working on the very next request.
func (s *Service) Credentials() auth.CredentialSource { return credentialSource{s} }

type credentialSource struct{ s *Service }

// LookupAccessKey implements auth.CredentialSource: the key's secret and
// the user it belongs to. An inactive key is refused as AWS refuses it
// (InvalidClientTokenId, "The security token included in the request is
// invalid.").
func (cs credentialSource) LookupAccessKey(ctx context.Context, accessKeyID, _ string) (*auth.Credential, error) {
	if !strings.HasPrefix(accessKeyID, prefixAccessKey) {
		return nil, auth.ErrUnknownAccessKey
	}
	var cred *auth.Credential
	err := cs.s.db.View(ctx, func(tx *storage.Tx) error {
		ref, found, err := accessKeyIndex.Get(tx, keyIndexScope, []byte(accessKeyID))
		if err != nil || !found {
			return err
		}
		sc := accountScope(ref.GetAccount())
		k, found, err := accessKeys.Get(tx, sc, accessKeyKey(ref.GetUserKey(), accessKeyID))
		if err != nil || !found {
			return err
		}
		u, found, err := userKind.get(tx, sc, ref.GetUserKey())
		if err != nil || !found {
			return err
		}
		if k.GetStatus() != keyActive {
			return sigv4.UnknownAccessKey()
		}
		cred = &auth.Credential{AccessKeyID: accessKeyID, SecretAccessKey: k.GetSecretAccessKey(), Principal: userPrincipal(ref.GetAccount(), u)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if cred == nil {
		return nil, auth.ErrUnknownAccessKey
	}
	return cred, nil
}

// userPrincipal is an IAM user as the authentication layer names it.
func userPrincipal(account string, u *recordsv1.IAMEntity) auth.Principal {
	return auth.Principal{
		Kind:      auth.PrincipalIAMUser,
		AccountID: account,
		ARN:       userKind.arn(account, u),
		UserID:    u.GetId(),
		Name:      u.GetName(),
	}
}
