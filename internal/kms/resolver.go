package kms

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/ibemu/ibemu/internal/authz"
	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/iam/policy"
	"github.com/ibemu/ibemu/internal/storage"
	kmsv1 "github.com/ibemu/ibemu/proto/kms/v1"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
)

// Resolver returns the enforcement layer's resolver for KMS ARNs. The
// handlers work on what it loaded (authz.Resource.Record), so what was
// authorized is what they serve.
func (s *Service) Resolver() authz.Resolver { return resolver{s} }

type resolver struct{ s *Service }

// located is the Record of a resolved key: the key, where it lives, its
// aliases and grants, and the alias the request named it by.
type located struct {
	key     *recordsv1.KMSKey
	scope   storage.Scope
	aliases []string
	grants  []*recordsv1.KMSGrant
	// viaAlias is the alias name the request used ("" for a key id or ARN).
	viaAlias string
}

// aliasRecord is the Record of a resolved alias resource.
type aliasRecord struct {
	name  keyName
	alias *recordsv1.KMSAlias // nil when it does not exist
}

// Resolve implements authz.Resolver. A key resource is found from, in
// order: the ARN variables the spec binds (KeyId, TargetKeyId), an ARN
// given whole (dependent and forward-access checks), and for the operations
// that name their key elsewhere, the input: Decrypt and ReEncrypt the key
// inside the ciphertext blob (or SourceKeyId), DeleteAlias the alias's
// target, RetireGrant the grant token's key. A key that does not exist is
// NotFoundException: a key's policy decides who may use it, so KMS must find
// the key before it can decide.
func (r resolver) Resolve(ctx context.Context, c *callctx.Call, action string, ref *authz.ResourceRef) (*authz.Resource, error) {
	if ref.Spec != nil && ref.Spec.Type == "alias" {
		return r.s.resolveAlias(ctx, c, ref)
	}
	id, err := r.keyIdentifier(c, action, ref)
	if err != nil {
		return nil, err
	}
	l, err := r.s.locate(ctx, c, id)
	if err != nil {
		return nil, err
	}
	res, err := r.s.keyResource(c, l, action)
	if err != nil {
		return nil, err
	}
	if action == "kms:ReEncryptFrom" && ref.Input != nil {
		res.Keys = append(res.Keys, contextKeys(mapField(ref.Input, "source_encryption_context"))...)
	}
	return res, nil
}

// contextKeys are kms:EncryptionContext:KEY and kms:EncryptionContextKeys of
// an encryption context.
func contextKeys(ec map[string]string) []authz.Key {
	if len(ec) == 0 {
		return nil
	}
	out := make([]authz.Key, 0, len(ec)+1)
	names := make([]string, 0, len(ec))
	for k, v := range ec {
		out = append(out, authz.Key{Name: "kms:EncryptionContext:" + k, Type: policy.TypeString, Values: []string{v}})
		names = append(names, k)
	}
	slices.Sort(names)
	return append(out, authz.Key{Name: "kms:EncryptionContextKeys", Type: policy.TypeString, Values: names, List: true})
}

// keyIdentifier finds what the request names its key by.
func (r resolver) keyIdentifier(c *callctx.Call, action string, ref *authz.ResourceRef) (string, error) {
	if v := ref.Vars["KeyId"]; v != "" {
		return v, nil
	}
	if ref.FromMember && ref.ARN != "" && ref.ARN != "*" {
		return ref.ARN, nil
	}
	in := ref.Input
	if in == nil {
		return "", kmsv1.ErrNotFound("The request names no key.")
	}
	switch c.Operation {
	case "Decrypt":
		return blobIdentifier(bytesField(in, "ciphertext_blob"))
	case "ReEncrypt":
		if id := stringField(in, "source_key_id"); id != "" {
			return id, nil
		}
		return blobIdentifier(bytesField(in, "ciphertext_blob"))
	case "DeleteAlias":
		n, aerr := parseKeyName(c, stringField(in, "alias_name"))
		if aerr != nil {
			return "", aerr
		}
		if n.alias == "" {
			return "", aliasNotFound(stringField(in, "alias_name"))
		}
		var target string
		err := r.s.db.View(context.Background(), func(tx *storage.Tx) error {
			a, found, err := aliases.Get(tx, n.scope(), []byte(n.alias))
			if err != nil || !found {
				return err
			}
			target = keyARN(n.region, n.account, a.GetTargetKeyId())
			return nil
		})
		if err != nil {
			return "", storageError(err)
		}
		if target == "" {
			return "", aliasNotFound(n.aliasARN())
		}
		return target, nil
	case "RetireGrant":
		arn, _, aerr := r.s.openGrantToken(stringField(in, "grant_token"))
		if aerr != nil {
			return "", aerr
		}
		return arn, nil
	}
	return "", kmsv1.ErrNotFound("The request names no key.")
}

func blobIdentifier(blob []byte) (string, error) {
	arn, _, err := blobKeyARN(blob)
	if err != nil {
		return "", kmsv1.ErrInvalidCiphertext("")
	}
	return arn, nil
}

func stringField(m protoreflect.Message, name protoreflect.Name) string {
	fd := m.Descriptor().Fields().ByName(name)
	if fd == nil || fd.Kind() != protoreflect.StringKind || fd.IsList() {
		return ""
	}
	return m.Get(fd).String()
}

func bytesField(m protoreflect.Message, name protoreflect.Name) []byte {
	fd := m.Descriptor().Fields().ByName(name)
	if fd == nil || fd.Kind() != protoreflect.BytesKind || fd.IsList() {
		return nil
	}
	return m.Get(fd).Bytes()
}

func mapField(m protoreflect.Message, name protoreflect.Name) map[string]string {
	fd := m.Descriptor().Fields().ByName(name)
	if fd == nil || !fd.IsMap() {
		return nil
	}
	out := map[string]string{}
	m.Get(fd).Map().Range(func(k protoreflect.MapKey, v protoreflect.Value) bool {
		out[k.String()] = v.String()
		return true
	})
	return out
}

// locate loads the key an identifier names, with its aliases and grants. A
// key whose deletion date has passed is gone. The alias of an AWS managed
// key (alias/aws/SERVICE) that does not exist yet in the caller's own
// account and Region creates the key (managed.go).
func (s *Service) locate(ctx context.Context, c *callctx.Call, id string) (*located, error) {
	n, aerr := parseKeyName(c, id)
	if aerr != nil {
		return nil, aerr
	}
	l, missing, err := s.load(ctx, n)
	if err == nil && missing != nil && n.alias != "" && ownScope(c, n) {
		if svc := managedService(n.alias); svc != "" {
			if err := s.createManaged(ctx, n, svc); err != nil {
				return nil, err
			}
			l, missing, err = s.load(ctx, n)
		}
	}
	if err != nil {
		return nil, err
	}
	if missing != nil {
		return nil, missing
	}
	return l, nil
}

// load reads the key n names; missing is the NotFoundException when there
// is none.
func (s *Service) load(ctx context.Context, n keyName) (*located, *awserr.Error, error) {
	l := &located{scope: n.scope(), viaAlias: n.alias}
	now := s.now().Unix()
	var missing *awserr.Error
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		keyID := n.keyID
		if n.alias != "" {
			a, found, err := aliases.Get(tx, l.scope, []byte(n.alias))
			if err != nil {
				return err
			}
			if !found {
				missing = aliasNotFound(n.aliasARN())
				return nil
			}
			keyID = a.GetTargetKeyId()
		}
		k, found, err := keys.Get(tx, l.scope, []byte(keyID))
		if err != nil {
			return err
		}
		if !found || gone(k, now) {
			missing = keyNotFound(keyARN(n.region, n.account, keyID))
			return nil
		}
		l.key = k
		return s.loadAttachments(tx, l)
	})
	if err != nil {
		return nil, nil, storageError(err)
	}
	return l, missing, nil
}

// loadAttachments reads the key's aliases and grants.
func (s *Service) loadAttachments(tx *storage.Tx, l *located) error {
	l.aliases, l.grants = nil, nil
	prefix := keyPrefix(l.key.GetKeyId())
	err := keyAliases.Scan(tx, l.scope, storage.ScanOptions{Prefix: prefix}, func(_ []byte, a *recordsv1.KMSAlias) (bool, error) {
		l.aliases = append(l.aliases, a.GetName())
		return true, nil
	})
	if err != nil {
		return err
	}
	return grants.Scan(tx, l.scope, storage.ScanOptions{Prefix: prefix}, func(_ []byte, g *recordsv1.KMSGrant) (bool, error) {
		l.grants = append(l.grants, g)
		return true, nil
	})
}

// gone reports whether a key scheduled for deletion has been deleted.
func gone(k *recordsv1.KMSKey, now int64) bool {
	return k.GetKeyState() == statePendingDeletion && k.GetDeletionDate() <= now
}

// keyResource is the resource the enforcement layer decides on: the key
// ARN, its owner, tags, the key policy with the grants, and the keys the
// key contributes ("AWS KMS condition keys"): kms:CallerAccount,
// kms:KeyOrigin, kms:KeySpec, kms:KeyUsage, kms:MultiRegion,
// kms:ResourceAliases and, when the request named the key by an alias,
// kms:RequestAlias. ReEncrypt's source encryption context stands for
// kms:EncryptionContext:* of kms:ReEncryptFrom.
func (s *Service) keyResource(c *callctx.Call, l *located, action string) (*authz.Resource, error) {
	k := l.key
	p, err := s.effectivePolicy(k, l.grants)
	if err != nil {
		return nil, err
	}
	res := &authz.Resource{
		Type:    "key",
		ARN:     k.GetArn(),
		Account: l.scope.Account,
		Region:  l.scope.Region,
		Exists:  true,
		Tags:    k.GetTags(),
		Policy:  &policy.Attached{Policy: p, Name: "key policy of " + k.GetArn()},
		Record:  l,
		Keys: []authz.Key{
			{Name: "kms:CallerAccount", Type: policy.TypeString, Values: []string{c.Account}},
			{Name: "kms:KeyOrigin", Type: policy.TypeString, Values: []string{k.GetOrigin()}},
			{Name: "kms:KeySpec", Type: policy.TypeString, Values: []string{k.GetKeySpec()}},
			{Name: "kms:KeyUsage", Type: policy.TypeString, Values: []string{k.GetKeyUsage()}},
			{Name: "kms:MultiRegion", Type: policy.TypeBoolean, Values: []string{"false"}},
		},
	}
	if len(l.aliases) > 0 {
		res.Keys = append(res.Keys, authz.Key{Name: "kms:ResourceAliases", Type: policy.TypeString, Values: l.aliases, List: true})
	}
	if l.viaAlias != "" {
		res.Keys = append(res.Keys, authz.Key{Name: "kms:RequestAlias", Type: policy.TypeString, Values: []string{l.viaAlias}})
	}
	return res, nil
}

// resolveAlias resolves an alias resource (CreateAlias, UpdateAlias,
// DeleteAlias): aliases have no resource-based policy — IAM policies alone
// decide on them ("Controlling access to aliases").
func (s *Service) resolveAlias(ctx context.Context, c *callctx.Call, ref *authz.ResourceRef) (*authz.Resource, error) {
	name := ref.Vars["Alias"]
	if name == "" {
		if a, ok := authz.ParseARN(ref.ARN); ok {
			name = a.Resource
		}
	}
	if !strings.HasPrefix(name, "alias/") {
		return nil, kmsv1.ErrInvalidAliasName("Alias must start with the prefix \"alias/\": %s", name)
	}
	n, aerr := parseKeyName(c, name)
	if aerr != nil {
		if aerr.Code == "NotFoundException" {
			return nil, validateNewAlias(name)
		}
		return nil, aerr
	}
	rec := &aliasRecord{name: n}
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		a, found, err := aliases.Get(tx, n.scope(), []byte(n.alias))
		if found {
			rec.alias = a
		}
		return err
	})
	if err != nil {
		return nil, storageError(err)
	}
	return &authz.Resource{Type: "alias", ARN: n.aliasARN(), Account: n.account, Region: n.region, Exists: rec.alias != nil, Record: rec}, nil
}

// effectivePolicy is the key policy with one statement per grant ("grant:ID":
// the grantee may perform the grant's operations, under its encryption
// context constraints) and one per retiring principal ("grant:ID:retire":
// kms:RetireGrant), parsed as a key policy.
func (s *Service) effectivePolicy(k *recordsv1.KMSKey, gs []*recordsv1.KMSGrant) (*policy.Policy, error) {
	doc := k.GetPolicy()
	if len(gs) > 0 {
		var err error
		if doc, err = withGrants(doc, gs); err != nil {
			return nil, awserr.Internal(fmt.Errorf("kms: key policy of %s with its grants: %w", k.GetArn(), err))
		}
	}
	return s.policies.get(doc)
}

func withGrants(doc string, gs []*recordsv1.KMSGrant) (string, error) {
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	var top map[string]any
	if err := dec.Decode(&top); err != nil {
		return "", err
	}
	var stmts []any
	switch st := top["Statement"].(type) {
	case []any:
		stmts = st
	case map[string]any:
		stmts = []any{st}
	}
	for _, g := range gs {
		stmts = append(stmts, grantStatements(g)...)
	}
	top["Statement"] = stmts
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(top); err != nil {
		return "", err
	}
	return b.String(), nil
}

func grantStatements(g *recordsv1.KMSGrant) []any {
	var out []any
	if len(g.GetOperations()) > 0 {
		actions := make([]any, 0, len(g.GetOperations()))
		for _, op := range g.GetOperations() {
			actions = append(actions, "kms:"+op)
		}
		st := map[string]any{
			"Sid":       "grant:" + g.GetGrantId(),
			"Effect":    "Allow",
			"Principal": principalElement(g.GetGranteePrincipal()),
			"Action":    actions,
			"Resource":  "*",
		}
		if cond := grantCondition(g); cond != nil {
			st["Condition"] = cond
		}
		out = append(out, st)
	}
	if rp := g.GetRetiringPrincipal(); rp != "" {
		out = append(out, map[string]any{
			"Sid":       "grant:" + g.GetGrantId() + ":retire",
			"Effect":    "Allow",
			"Principal": principalElement(rp),
			"Action":    "kms:RetireGrant",
			"Resource":  "*",
		})
	}
	return out
}

// principalElement is a grantee as a Principal element: a service principal
// (name.amazonaws.com) or an AWS principal (an ARN or account id).
func principalElement(p string) map[string]any {
	if !strings.HasPrefix(p, "arn:") && strings.HasSuffix(p, ".amazonaws.com") {
		return map[string]any{"Service": p}
	}
	return map[string]any{"AWS": p}
}

// grantCondition turns a grant's constraints into conditions: with
// EncryptionContextSubset, each pair must be in the request's context;
// with EncryptionContextEquals, each pair must be and no other key may
// ("GrantConstraints" in the KMS API reference).
func grantCondition(g *recordsv1.KMSGrant) map[string]any {
	eq := map[string]any{}
	for k, v := range g.GetEncryptionContextSubset() {
		eq["kms:EncryptionContext:"+k] = v
	}
	for k, v := range g.GetEncryptionContextEquals() {
		eq["kms:EncryptionContext:"+k] = v
	}
	if len(eq) == 0 && g.GetEncryptionContextEquals() == nil {
		return nil
	}
	cond := map[string]any{}
	if len(eq) > 0 {
		cond["StringEquals"] = eq
	}
	if ks := g.GetEncryptionContextEquals(); len(ks) > 0 {
		names := make([]any, 0, len(ks))
		for k := range ks {
			names = append(names, k)
		}
		slices.SortFunc(names, func(a, b any) int { return strings.Compare(a.(string), b.(string)) })
		cond["ForAllValues:StringEquals"] = map[string]any{"kms:EncryptionContextKeys": names}
	}
	if len(cond) == 0 {
		return nil
	}
	return cond
}

// policyCache keeps compiled effective policies by document text: a key's
// policy and grants change rarely and are read on every use of the key.
type policyCache struct {
	mu sync.Mutex
	m  map[string]*policy.Policy
}

const policyCacheSize = 1024

func (c *policyCache) get(doc string) (*policy.Policy, error) {
	c.mu.Lock()
	p := c.m[doc]
	c.mu.Unlock()
	if p != nil {
		return p, nil
	}
	p, err := policy.Parse(doc, policy.KindKeyPolicy)
	if err != nil {
		return nil, awserr.Internal(fmt.Errorf("kms: stored key policy does not parse: %w", err))
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= policyCacheSize {
		c.m = map[string]*policy.Policy{}
	}
	c.m[doc] = p
	c.mu.Unlock()
	return p, nil
}
