package kms

import (
	"context"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ibemu/ibemu/internal/authz"
	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/storage"
	kmsv1 "github.com/ibemu/ibemu/proto/kms/v1"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
)

// targetAlias returns the alias resource the enforcement layer resolved.
func targetAlias(ctx context.Context) (*aliasRecord, error) {
	if t := authz.TargetFrom(ctx); t != nil {
		for _, r := range t.Resources {
			if a, ok := r.Record.(*aliasRecord); ok {
				return a, nil
			}
		}
	}
	return nil, awserr.Internal(wiringError("kms: no resolved alias in the context"))
}

// aliasTarget is the key an alias may point at: in the alias's account and
// region (an alias and its key are always together), not pending deletion.
func aliasTarget(ctx context.Context, a *aliasRecord) (*located, error) {
	l, err := targetKey(ctx)
	if err != nil {
		return nil, err
	}
	if l.scope != a.name.scope() {
		return nil, kmsv1.ErrNotFound("The key %s is not in the account and Region of the alias %s.", l.key.GetArn(), a.name.aliasARN())
	}
	if l.key.GetKeyState() == statePendingDeletion {
		return nil, pendingDeletion(l.key)
	}
	return l, nil
}

// CreateAlias gives a key another name. It needs kms:CreateAlias on the
// alias (IAM policy) and on the key (key policy), which the enforcement
// layer decided on both resources.
func (s *Service) CreateAlias(ctx context.Context, req *kmsv1.CreateAliasRequest) (*kmsv1.CreateAliasResponse, error) {
	if err := validateNewAlias(req.GetAliasName()); err != nil {
		return nil, err
	}
	a, err := targetAlias(ctx)
	if err != nil {
		return nil, err
	}
	l, err := aliasTarget(ctx, a)
	if err != nil {
		return nil, err
	}
	now := s.now().Unix()
	rec := &recordsv1.KMSAlias{Name: a.name.alias, TargetKeyId: l.key.GetKeyId(), CreationDate: now, LastUpdatedDate: now}
	err = s.db.Update(ctx, func(tx *storage.Tx) error {
		if _, found, err := aliases.Get(tx, l.scope, []byte(rec.Name)); err != nil || found {
			if found {
				return kmsv1.ErrAlreadyExists("An alias with the name %s already exists", a.name.aliasARN())
			}
			return err
		}
		if err := aliases.Put(tx, l.scope, []byte(rec.Name), rec); err != nil {
			return err
		}
		return keyAliases.Put(tx, l.scope, keyAliasKey(rec.TargetKeyId, rec.Name), rec)
	})
	if err != nil {
		return nil, storageError(err)
	}
	return &kmsv1.CreateAliasResponse{}, nil
}

// UpdateAlias points an existing alias at another key of the account.
func (s *Service) UpdateAlias(ctx context.Context, req *kmsv1.UpdateAliasRequest) (*kmsv1.UpdateAliasResponse, error) {
	// An alias under alias/aws/ names an AWS managed key and stays with it.
	if err := validateNewAlias(req.GetAliasName()); err != nil {
		return nil, err
	}
	a, err := targetAlias(ctx)
	if err != nil {
		return nil, err
	}
	l, err := aliasTarget(ctx, a)
	if err != nil {
		return nil, err
	}
	err = s.db.Update(ctx, func(tx *storage.Tx) error {
		old, found, err := aliases.Get(tx, l.scope, []byte(a.name.alias))
		if err != nil {
			return err
		}
		if !found {
			return aliasNotFound(a.name.aliasARN())
		}
		if _, err := keyAliases.Delete(tx, l.scope, keyAliasKey(old.GetTargetKeyId(), old.GetName())); err != nil {
			return err
		}
		old.TargetKeyId, old.LastUpdatedDate = l.key.GetKeyId(), s.now().Unix()
		if err := aliases.Put(tx, l.scope, []byte(old.GetName()), old); err != nil {
			return err
		}
		return keyAliases.Put(tx, l.scope, keyAliasKey(old.GetTargetKeyId(), old.GetName()), old)
	})
	if err != nil {
		return nil, storageError(err)
	}
	return &kmsv1.UpdateAliasResponse{}, nil
}

// DeleteAlias removes an alias; its key is unaffected.
func (s *Service) DeleteAlias(ctx context.Context, _ *kmsv1.DeleteAliasRequest) (*kmsv1.DeleteAliasResponse, error) {
	a, err := targetAlias(ctx)
	if err != nil {
		return nil, err
	}
	scope := a.name.scope()
	err = s.db.Update(ctx, func(tx *storage.Tx) error {
		old, found, err := aliases.Get(tx, scope, []byte(a.name.alias))
		if err != nil {
			return err
		}
		if !found {
			return aliasNotFound(a.name.aliasARN())
		}
		if _, err := aliases.Delete(tx, scope, []byte(old.GetName())); err != nil {
			return err
		}
		_, err = keyAliases.Delete(tx, scope, keyAliasKey(old.GetTargetKeyId(), old.GetName()))
		return err
	})
	if err != nil {
		return nil, storageError(err)
	}
	return &kmsv1.DeleteAliasResponse{}, nil
}

// ListAliases lists the aliases of the caller's account in the region, by
// name, or with KeyId those of one key of the account.
func (s *Service) ListAliases(ctx context.Context, req *kmsv1.ListAliasesRequest) (*kmsv1.ListAliasesResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	limit, after, aerr := page(req.GetLimit(), req.GetMarker())
	if aerr != nil {
		return nil, aerr
	}
	table, scope, opts := aliases, scopeOf(c), storage.ScanOptions{StartAfter: after}
	if id := req.GetKeyId(); id != "" {
		// ListAliases takes no resource (kms:ListAliases is on "*"), so the
		// key is found here; it must be the caller's own.
		l, err := s.locate(ctx, c, id)
		if err != nil {
			return nil, err
		}
		if l.scope != scope {
			return nil, kmsv1.ErrInvalidArn("ListAliases lists the aliases of the caller's own keys: %s", id)
		}
		table, opts.Prefix = keyAliases, keyPrefix(l.key.GetKeyId())
	}
	out := &kmsv1.ListAliasesResponse{Aliases: []*kmsv1.AliasListEntry{}}
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		return table.Scan(tx, scope, opts, func(key []byte, a *recordsv1.KMSAlias) (bool, error) {
			if len(out.Aliases) == limit {
				out.Truncated = proto.Bool(true)
				return false, nil
			}
			out.Aliases = append(out.Aliases, &kmsv1.AliasListEntry{
				AliasName:       proto.String(a.GetName()),
				AliasArn:        proto.String(aliasARN(c.Region, c.Account, a.GetName())),
				TargetKeyId:     proto.String(a.GetTargetKeyId()),
				CreationDate:    timestamppb.New(time.Unix(a.GetCreationDate(), 0)),
				LastUpdatedDate: timestamppb.New(time.Unix(a.GetLastUpdatedDate(), 0)),
			})
			after = key
			return true, nil
		})
	})
	if err != nil {
		return nil, storageError(err)
	}
	if out.GetTruncated() {
		out.NextMarker = nextMarker(after)
	} else {
		out.Truncated = proto.Bool(false)
	}
	return out, nil
}
