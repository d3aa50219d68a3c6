package iam

import (
	"context"
	"fmt"
	"slices"

	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/iam/policy"
	"github.com/ibemu/ibemu/internal/storage"
	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
)

// This file holds what users, groups and roles share: attached managed
// policies, inline policies and permissions boundaries, each written once
// for the three kinds. The operations themselves (ops.go) only pick the
// kind and the request members.

// editEntityOp runs one change to an entity in one transaction: load it by
// name (NoSuchEntity), refuse a service-linked role, apply fn, store it.
func (s *Service) editEntityOp(ctx context.Context, k *kind, name string, fn func(tx *storage.Tx, sc storage.Scope, e *recordsv1.IAMEntity) error) error {
	return s.update(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		sc := accountScope(c.Account)
		e, err := k.load(tx, sc, name)
		if err != nil {
			return err
		}
		if err := checkModifiable(k, e); err != nil {
			return err
		}
		if err := fn(tx, sc, e); err != nil {
			return err
		}
		return k.put(tx, sc, e)
	})
}

// readEntityOp loads an entity by name in a read transaction.
func (s *Service) readEntityOp(ctx context.Context, k *kind, name string, fn func(tx *storage.Tx, c *callctx.Call, e *recordsv1.IAMEntity) error) error {
	return s.view(ctx, func(tx *storage.Tx, c *callctx.Call) error {
		e, err := k.load(tx, accountScope(c.Account), name)
		if err != nil {
			return err
		}
		return fn(tx, c, e)
	})
}

// attachPolicy attaches a managed policy; attaching it again changes
// nothing.
func (s *Service) attachPolicy(ctx context.Context, k *kind, name, policyARN string) error {
	return s.editEntityOp(ctx, k, name, func(tx *storage.Tx, sc storage.Scope, e *recordsv1.IAMEntity) error {
		if _, err := attachable(tx, sc, policyARN); err != nil {
			return err
		}
		if slices.Contains(e.GetAttachedPolicies(), policyARN) {
			return nil
		}
		if len(e.GetAttachedPolicies()) >= maxAttachedPolicies {
			return iamv1.ErrLimitExceeded("Cannot exceed quota for %s: %d", k.quota, maxAttachedPolicies)
		}
		e.AttachedPolicies = append(e.AttachedPolicies, policyARN)
		ref := &recordsv1.IAMPolicyEntity{Kind: k.name, Name: e.GetName(), Id: e.GetId()}
		return policyEntities.Put(tx, sc, policyEntityKey(policyARN, usagePermissions, k.name, e.GetName()), ref)
	})
}

// detachPolicy detaches an attached managed policy.
func (s *Service) detachPolicy(ctx context.Context, k *kind, name, policyARN string) error {
	return s.editEntityOp(ctx, k, name, func(tx *storage.Tx, sc storage.Scope, e *recordsv1.IAMEntity) error {
		if err := checkPolicyARN(policyARN); err != nil {
			return err
		}
		i := slices.Index(e.GetAttachedPolicies(), policyARN)
		if i < 0 {
			return policyNotFound(policyARN)
		}
		e.AttachedPolicies = slices.Delete(e.AttachedPolicies, i, i+1)
		_, err := policyEntities.Delete(tx, sc, policyEntityKey(policyARN, usagePermissions, k.name, e.GetName()))
		return err
	})
}

// listAttached pages through an entity's attached policies in the order
// they were attached, optionally under a policy path.
func (s *Service) listAttached(ctx context.Context, k *kind, name string, pathPrefix, marker *string, maxItems *int32) (page[*iamv1.AttachedPolicy], error) {
	var pg page[*iamv1.AttachedPolicy]
	err := s.readEntityOp(ctx, k, name, func(_ *storage.Tx, _ *callctx.Call, e *recordsv1.IAMEntity) error {
		var all []indexed[*iamv1.AttachedPolicy]
		for i, a := range e.GetAttachedPolicies() {
			_, path, pname, _ := splitPolicyARN(a)
			if hasPathPrefix(path, pathPrefix) {
				all = append(all, indexed[*iamv1.AttachedPolicy]{key: fmt.Sprintf("%04d", i), item: &iamv1.AttachedPolicy{PolicyName: ptr(pname), PolicyArn: ptr(a)}})
			}
		}
		ip, err := paginate("attached-"+k.name, all, indexedKey, marker, maxItems)
		pg = page[*iamv1.AttachedPolicy]{Items: items(ip.Items), Truncated: ip.Truncated, Marker: ip.Marker}
		return err
	})
	return pg, err
}

// putInline adds or replaces an inline policy, within the entity's aggregate
// inline size quota.
func (s *Service) putInline(ctx context.Context, k *kind, name, policyName, document string) error {
	return s.editEntityOp(ctx, k, name, func(_ *storage.Tx, _ storage.Scope, e *recordsv1.IAMEntity) error {
		var kept []*recordsv1.IAMInlinePolicy
		var others []string
		for _, p := range e.GetInlinePolicies() {
			if p.GetName() != policyName {
				kept = append(kept, p)
				others = append(others, p.GetDocument())
			}
		}
		doc, err := checkPolicy(document, policy.ForInlinePolicy(k.inline, e.GetName(), others...))
		if err != nil {
			return err
		}
		kept = append(kept, &recordsv1.IAMInlinePolicy{Name: policyName, Document: doc})
		slices.SortFunc(kept, func(a, b *recordsv1.IAMInlinePolicy) int {
			return cmpString(a.GetName(), b.GetName())
		})
		e.InlinePolicies = kept
		return nil
	})
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func inlineNotFound(k *kind, policyName string) error {
	return iamv1.ErrNoSuchEntity("The %s policy with name %s cannot be found.", k.name, policyName)
}

func inlineIndex(e *recordsv1.IAMEntity, policyName string) int {
	for i, p := range e.GetInlinePolicies() {
		if p.GetName() == policyName {
			return i
		}
	}
	return -1
}

// getInline returns the entity's name and the inline policy's document,
// URL-encoded as IAM returns it.
func (s *Service) getInline(ctx context.Context, k *kind, name, policyName string) (entity, document string, err error) {
	err = s.readEntityOp(ctx, k, name, func(_ *storage.Tx, _ *callctx.Call, e *recordsv1.IAMEntity) error {
		i := inlineIndex(e, policyName)
		if i < 0 {
			return inlineNotFound(k, policyName)
		}
		entity, document = e.GetName(), encodeDocument(e.InlinePolicies[i].GetDocument())
		return nil
	})
	return entity, document, err
}

// deleteInline deletes an inline policy.
func (s *Service) deleteInline(ctx context.Context, k *kind, name, policyName string) error {
	return s.editEntityOp(ctx, k, name, func(_ *storage.Tx, _ storage.Scope, e *recordsv1.IAMEntity) error {
		i := inlineIndex(e, policyName)
		if i < 0 {
			return inlineNotFound(k, policyName)
		}
		e.InlinePolicies = slices.Delete(e.InlinePolicies, i, i+1)
		return nil
	})
}

// listInline pages through an entity's inline policy names, sorted.
func (s *Service) listInline(ctx context.Context, k *kind, name string, marker *string, maxItems *int32) (page[string], error) {
	var pg page[string]
	err := s.readEntityOp(ctx, k, name, func(_ *storage.Tx, _ *callctx.Call, e *recordsv1.IAMEntity) error {
		var names []string
		for _, p := range e.GetInlinePolicies() {
			names = append(names, p.GetName())
		}
		var err error
		pg, err = paginate("inline-"+k.name, names, func(s string) string { return s }, marker, maxItems)
		return err
	})
	return pg, err
}

// putBoundary sets a user's or role's permissions boundary to a managed
// policy (customer or AWS managed).
func (s *Service) putBoundary(ctx context.Context, k *kind, name, policyARN string) error {
	return s.editEntityOp(ctx, k, name, func(tx *storage.Tx, sc storage.Scope, e *recordsv1.IAMEntity) error {
		if _, err := attachable(tx, sc, policyARN); err != nil {
			return err
		}
		return setBoundary(tx, sc, k, e, policyARN)
	})
}

// deleteBoundary removes a permissions boundary; without one it changes
// nothing.
func (s *Service) deleteBoundary(ctx context.Context, k *kind, name string) error {
	return s.editEntityOp(ctx, k, name, func(tx *storage.Tx, sc storage.Scope, e *recordsv1.IAMEntity) error {
		return setBoundary(tx, sc, k, e, "")
	})
}

// setBoundary replaces the boundary and its reverse index entry.
func setBoundary(tx *storage.Tx, sc storage.Scope, k *kind, e *recordsv1.IAMEntity, policyARN string) error {
	if old := e.GetPermissionsBoundary(); old != "" {
		if _, err := policyEntities.Delete(tx, sc, policyEntityKey(old, usageBoundary, k.name, e.GetName())); err != nil {
			return err
		}
	}
	e.PermissionsBoundary = policyARN
	if policyARN == "" {
		return nil
	}
	ref := &recordsv1.IAMPolicyEntity{Kind: k.name, Name: e.GetName(), Id: e.GetId()}
	return policyEntities.Put(tx, sc, policyEntityKey(policyARN, usageBoundary, k.name, e.GetName()), ref)
}

// ---- tags (users, roles; policies and instance profiles in tags.go) ----

func (s *Service) tagEntity(ctx context.Context, k *kind, name string, tags []*iamv1.Tag) error {
	return s.editEntityOp(ctx, k, name, func(_ *storage.Tx, _ storage.Scope, e *recordsv1.IAMEntity) error {
		var err error
		e.Tags, err = mergeTags(e.GetTags(), tags, k.foldTags)
		return err
	})
}

func (s *Service) untagEntity(ctx context.Context, k *kind, name string, keys []string) error {
	return s.editEntityOp(ctx, k, name, func(_ *storage.Tx, _ storage.Scope, e *recordsv1.IAMEntity) error {
		e.Tags = removeTags(e.GetTags(), keys, k.foldTags)
		return nil
	})
}

func (s *Service) listEntityTags(ctx context.Context, k *kind, name string, marker *string, maxItems *int32) (page[*iamv1.Tag], error) {
	var pg page[*iamv1.Tag]
	err := s.readEntityOp(ctx, k, name, func(_ *storage.Tx, _ *callctx.Call, e *recordsv1.IAMEntity) error {
		var err error
		pg, err = pageTags("tags-"+k.name, e.GetTags(), marker, maxItems)
		return err
	})
	return pg, err
}

// pageTags pages through tags in the order they were added.
func pageTags(listing string, tags []*recordsv1.IAMTag, marker *string, maxItems *int32) (page[*iamv1.Tag], error) {
	var all []indexed[*iamv1.Tag]
	for i, t := range apiTags(tags) {
		all = append(all, indexed[*iamv1.Tag]{key: fmt.Sprintf("%04d", i), item: t})
	}
	ip, err := paginate(listing, all, indexedKey, marker, maxItems)
	return page[*iamv1.Tag]{Items: items(ip.Items), Truncated: ip.Truncated, Marker: ip.Marker}, err
}
