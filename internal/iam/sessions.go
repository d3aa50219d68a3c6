package iam

import (
	"context"

	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/storage"
)

// Generation is the store generation: it moves after every committed IAM
// write (the admin API's Reset and Restore included), before the write is
// acknowledged. A cache of anything read from IAM may keep an entry for as
// long as the generation it was read at is current.
func (s *Service) Generation() uint64 { return s.gen.Load() }

// SessionPrincipalExists reports whether the IAM entity temporary
// credentials are bound to still exists: for GetSessionToken credentials
// of an IAM user, that user (same unique id, AIDA…); for a role session,
// the role (same path and unique id, AROA…); for GetFederationToken
// credentials, the IAM user that asked for them (same path and unique id;
// path and name alone in tokens issued before the id was recorded).
// Sessions of a root user always
// have their principal. A user or role deleted and created again under the
// same name is another entity, so its old sessions stay dead.
//
// STS asks this when it resolves temporary credentials, so that every
// service refuses the credentials of a deleted principal the same way.
func (s *Service) SessionPrincipalExists(ctx context.Context, p *auth.Principal) (bool, error) {
	sess := p.Session
	if sess == nil {
		return true, nil
	}
	var (
		typ                 = "user"
		account, path, name string
		id                  string
	)
	switch p.Kind {
	case auth.PrincipalIAMUser:
		account, name, id = p.AccountID, p.Name, p.UserID
	case auth.PrincipalAssumedRole:
		var ok bool
		if account, path, name, ok = splitEntityARN(sess.RoleARN, "role"); !ok {
			return false, nil
		}
		typ, id = "role", sess.RoleID
	case auth.PrincipalFederatedUser:
		if sess.SourceARN == "arn:aws:iam::"+p.AccountID+":root" {
			return true, nil
		}
		var ok bool
		if account, path, name, ok = splitEntityARN(sess.SourceARN, "user"); !ok {
			return false, nil
		}
		id = sess.SourceUserID
	default:
		return true, nil
	}
	var exists bool
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		e, found, err := kindNamed(typ).get(tx, accountScope(account), name)
		if err != nil || !found {
			return err
		}
		exists = (path == "" || e.GetPath() == path) && (id == "" || e.GetId() == id)
		return nil
	})
	if err != nil {
		return false, storageError(err)
	}
	return exists, nil
}
