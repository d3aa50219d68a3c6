package iam

import (
	"context"
	"errors"
	"strings"

	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/storage"
	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
)

// maxAccessKeys is IAM's quota of access keys per user.
const maxAccessKeys = 2

const (
	keyActive   = "Active"
	keyInactive = "Inactive"
)

func keyNotFound(id string) error {
	return iamv1.ErrNoSuchEntity("The Access Key with id %s cannot be found.", id)
}

// keyOwner is the user an access key operation is about: the named one, or
// the IAM user who signed. ok is false for a caller with no user of its own
// (the root user), whose own keys the emulator does not manage.
func keyOwner(c *callctx.Call, name *string) (string, bool, error) {
	if name != nil {
		return *name, true, nil
	}
	switch c.Principal.Kind {
	case auth.PrincipalIAMUser:
		return c.Principal.Name, true, nil
	case auth.PrincipalRoot:
		return "", false, nil
	}
	return "", false, validationError("Must specify userName when calling with non-User credentials")
}

type seededKeyCtx struct{}

type seededKey struct{ id, secret string }

// WithSeededAccessKey returns ctx under which CreateAccessKey issues the
// access key id and secret given instead of fresh random ones: seed files
// give users fixed keys this way. Only an in-process caller can set it; a
// request over the wire always gets fresh ones. The caller checks their
// shape (emulator.Seed does); a key id already in use, by any user of any
// account, fails CreateAccessKey with EntityAlreadyExists.
func WithSeededAccessKey(ctx context.Context, id, secret string) context.Context {
	return context.WithValue(ctx, seededKeyCtx{}, seededKey{id: id, secret: secret})
}

// CreateAccessKey issues a long-term access key to a user (the caller when
// UserName is absent). A user holds at most two.
func (s *Service) CreateAccessKey(ctx context.Context, req *iamv1.CreateAccessKeyRequest) (*iamv1.CreateAccessKeyResponse, error) {
	var out *iamv1.AccessKey
	err := s.update(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		sc := accountScope(c.Account)
		name, ok, err := keyOwner(c, req.UserName)
		if err != nil {
			return err
		}
		if !ok {
			return iamv1.ErrInvalidInput("The emulator does not issue access keys to the root user: its access key id is the account id. Specify UserName.")
		}
		u, err := userKind.load(tx, sc, name)
		if err != nil {
			return err
		}
		n := 0
		err = accessKeys.Scan(tx, sc, storage.ScanOptions{Prefix: accessKeyPrefix(u.GetName())}, func([]byte, *recordsv1.IAMAccessKey) (bool, error) {
			n++
			return true, nil
		})
		if err != nil {
			return err
		}
		if n >= maxAccessKeys {
			return iamv1.ErrLimitExceeded("Cannot exceed quota for AccessKeysPerUser: %d", maxAccessKeys)
		}
		k := &recordsv1.IAMAccessKey{AccessKeyId: newAccessKeyID(), SecretAccessKey: newSecretKey(), Status: keyActive, CreateDate: stamp(c.Time)}
		if seeded, ok := ctx.Value(seededKeyCtx{}).(seededKey); ok {
			k.AccessKeyId, k.SecretAccessKey = seeded.id, seeded.secret
		}
		if err := accessKeyIndex.Insert(tx, keyIndexScope, []byte(k.AccessKeyId), &recordsv1.IAMAccessKeyRef{Account: c.Account, UserKey: strings.ToLower(u.GetName())}); err != nil {
			if errors.Is(err, storage.ErrExists) {
				return iamv1.ErrEntityAlreadyExists("The access key id %s is already in use.", k.AccessKeyId)
			}
			return err
		}
		out = &iamv1.AccessKey{UserName: ptr(u.GetName()), AccessKeyId: ptr(k.AccessKeyId), Status: ptr(k.Status), SecretAccessKey: ptr(k.SecretAccessKey), CreateDate: k.CreateDate}
		return accessKeys.Put(tx, sc, accessKeyKey(u.GetName(), k.AccessKeyId), k)
	})
	if err != nil {
		return nil, err
	}
	return &iamv1.CreateAccessKeyResponse{AccessKey: out}, nil
}

// ListAccessKeys lists a user's access keys (without secrets).
func (s *Service) ListAccessKeys(ctx context.Context, req *iamv1.ListAccessKeysRequest) (*iamv1.ListAccessKeysResponse, error) {
	var pg page[*iamv1.AccessKeyMetadata]
	err := s.view(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		sc := accountScope(c.Account)
		name, ok, err := keyOwner(c, req.UserName)
		if err != nil || !ok {
			return err
		}
		u, err := userKind.load(tx, sc, name)
		if err != nil {
			return err
		}
		pg, err = scanPage(tx, accessKeys, sc, accessKeyPrefix(u.GetName()), "access-keys", req.Marker, req.MaxItems, func(k *recordsv1.IAMAccessKey) (*iamv1.AccessKeyMetadata, bool) {
			return &iamv1.AccessKeyMetadata{UserName: ptr(u.GetName()), AccessKeyId: ptr(k.GetAccessKeyId()), Status: ptr(k.GetStatus()), CreateDate: k.GetCreateDate()}, true
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return &iamv1.ListAccessKeysResponse{AccessKeyMetadata: pg.Items, IsTruncated: pg.isTruncated(), Marker: pg.Marker}, nil
}

// loadKey finds one of a user's access keys.
func loadKey(tx *storage.Tx, c *callctx.Call, user *string, id string) (string, *recordsv1.IAMAccessKey, error) {
	sc := accountScope(c.Account)
	name, ok, err := keyOwner(c, user)
	if err != nil {
		return "", nil, err
	}
	if !ok {
		return "", nil, keyNotFound(id)
	}
	u, err := userKind.load(tx, sc, name)
	if err != nil {
		return "", nil, err
	}
	k, found, err := accessKeys.Get(tx, sc, accessKeyKey(u.GetName(), id))
	if err != nil {
		return "", nil, err
	}
	if !found {
		return "", nil, keyNotFound(id)
	}
	return u.GetName(), k, nil
}

// UpdateAccessKey activates or deactivates an access key. An inactive key
// stops authenticating on the next request.
func (s *Service) UpdateAccessKey(ctx context.Context, req *iamv1.UpdateAccessKeyRequest) (*iamv1.UpdateAccessKeyResponse, error) {
	err := s.update(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		user, k, err := loadKey(tx, c, req.UserName, req.GetAccessKeyId())
		if err != nil {
			return err
		}
		k.Status = req.GetStatus()
		return accessKeys.Put(tx, accountScope(c.Account), accessKeyKey(user, k.GetAccessKeyId()), k)
	})
	return done(&iamv1.UpdateAccessKeyResponse{}, err)
}

// DeleteAccessKey deletes an access key; it stops authenticating at once.
func (s *Service) DeleteAccessKey(ctx context.Context, req *iamv1.DeleteAccessKeyRequest) (*iamv1.DeleteAccessKeyResponse, error) {
	err := s.update(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		user, k, err := loadKey(tx, c, req.UserName, req.GetAccessKeyId())
		if err != nil {
			return err
		}
		if _, err := accessKeyIndex.Delete(tx, keyIndexScope, []byte(k.GetAccessKeyId())); err != nil {
			return err
		}
		_, err = accessKeys.Delete(tx, accountScope(c.Account), accessKeyKey(user, k.GetAccessKeyId()))
		return err
	})
	return done(&iamv1.DeleteAccessKeyResponse{}, err)
}

// GetAccessKeyLastUsed reports when, where and with which service a key of
// the caller's account was last used ("N/A" before its first use).
func (s *Service) GetAccessKeyLastUsed(ctx context.Context, req *iamv1.GetAccessKeyLastUsedRequest) (*iamv1.GetAccessKeyLastUsedResponse, error) {
	var out *iamv1.GetAccessKeyLastUsedResponse
	err := s.view(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		id := req.GetAccessKeyId()
		ref, found, err := accessKeyIndex.Get(tx, keyIndexScope, []byte(id))
		if err != nil {
			return err
		}
		if !found || ref.GetAccount() != c.Account {
			return keyNotFound(id)
		}
		sc := accountScope(c.Account)
		u, err := userKind.load(tx, sc, ref.GetUserKey())
		if err != nil {
			return err
		}
		k, found, err := accessKeys.Get(tx, sc, accessKeyKey(ref.GetUserKey(), id))
		if err != nil || !found {
			return err
		}
		k = s.usage.key(k)
		used := &iamv1.AccessKeyLastUsed{ServiceName: ptr("N/A"), Region: ptr("N/A")}
		if k.GetLastUsedDate() != nil {
			used = &iamv1.AccessKeyLastUsed{LastUsedDate: k.GetLastUsedDate(), ServiceName: ptr(k.GetLastUsedService()), Region: ptr(k.GetLastUsedRegion())}
		}
		out = &iamv1.GetAccessKeyLastUsedResponse{UserName: ptr(u.GetName()), AccessKeyLastUsed: used}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// moveAccessKeys re-keys a renamed user's access keys and their index
// entries.
func moveAccessKeys(tx *storage.Tx, sc storage.Scope, oldName, newName string) error {
	var keys []*recordsv1.IAMAccessKey
	err := accessKeys.Scan(tx, sc, storage.ScanOptions{Prefix: accessKeyPrefix(oldName)}, func(_ []byte, k *recordsv1.IAMAccessKey) (bool, error) {
		keys = append(keys, k)
		return true, nil
	})
	if err != nil {
		return err
	}
	for _, k := range keys {
		if _, err := accessKeys.Delete(tx, sc, accessKeyKey(oldName, k.GetAccessKeyId())); err != nil {
			return err
		}
		if err := accessKeys.Put(tx, sc, accessKeyKey(newName, k.GetAccessKeyId()), k); err != nil {
			return err
		}
		ref := &recordsv1.IAMAccessKeyRef{Account: sc.Account, UserKey: strings.ToLower(newName)}
		if err := accessKeyIndex.Put(tx, keyIndexScope, []byte(k.GetAccessKeyId()), ref); err != nil {
			return err
		}
	}
	return nil
}
