package iam

import (
	"context"
	"strings"
	"sync"

	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/authz"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/iam/policy"
	"github.com/ibemu/ibemu/internal/storage"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
)

// Identities is the enforcement layer's view of IAM principals.
func (s *Service) Identities() authz.Identities { return s }

// Caller implements authz.Identities: the principal p authenticated as, in
// the policy engine's terms, with the policies that apply to it now.
//
// # Cache
//
// Callers are cached and shared: an IAM user by its unique id, a session
// (role, federated user) by its access key id, which STS issues once per
// session. Each entry remembers the store generation it was built at
// (Service.gen, moved after every committed IAM write); an entry from an
// older generation is rebuilt from the store on next use, so any change to
// a user, group, role or policy takes effect on the next request while a
// steady state costs one map lookup under a read lock. Parsed policies are
// cached separately (parseCache) by the immutable identity of their text —
// a managed policy version or an inline document — so a rebuild after an
// unrelated write parses nothing again. A returned Caller is never modified.
func (s *Service) Caller(ctx context.Context, p *auth.Principal) (*authz.Caller, error) {
	s.usage.noteCall(callctx.From(ctx), p)
	key, ok := callerKey(p)
	if !ok {
		if p.Kind == auth.PrincipalRoot {
			return authz.RootCaller(p.AccountID), nil
		}
		return noPolicies(p), nil
	}
	gen := s.gen.Load()
	if c := s.callers.get(key, gen); c != nil {
		return c, nil
	}
	var caller *authz.Caller
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		var err error
		caller, err = s.buildCaller(tx, p)
		return err
	})
	if err != nil {
		return nil, storageError(err)
	}
	s.callers.put(key, gen, caller)
	return caller, nil
}

type cacheKey struct {
	kind    auth.PrincipalKind
	account string
	id      string
}

// callerKey names the cache entry of a principal; ok is false for root
// users, which need no lookup.
func callerKey(p *auth.Principal) (cacheKey, bool) {
	switch p.Kind {
	case auth.PrincipalIAMUser:
		return cacheKey{kind: p.Kind, account: p.AccountID, id: p.UserID}, p.UserID != ""
	case auth.PrincipalAssumedRole, auth.PrincipalFederatedUser:
		// A session is its token: two sessions never share an entry, even
		// if their key ids collided.
		id := p.AccessKeyID + "\x00" + p.SessionToken
		if p.AccessKeyID == "" {
			id = p.ARN
		}
		return cacheKey{kind: p.Kind, account: p.AccountID, id: id}, p.Session != nil
	}
	return cacheKey{}, false
}

// rootIdentity stands for what a root user may do — everything — when a
// session derived from it (GetFederationToken) is evaluated as a federated
// user, whose identity side must allow.
var rootIdentity = policy.Attached{
	Name:   "root user",
	Policy: policy.MustParse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, policy.KindIdentity),
}

// noPolicies is a principal that is allowed nothing: its user or role is
// gone.
func noPolicies(p *auth.Principal) *authz.Caller {
	c := &authz.Caller{Principal: policy.Principal{Kind: policy.PrincipalUser, ARN: p.ARN, Account: p.AccountID, UserID: p.UserID, Username: p.Name}}
	switch p.Kind {
	case auth.PrincipalAssumedRole:
		c.Principal.Kind, c.Principal.Username, c.Principal.SessionName = policy.PrincipalAssumedRole, "", p.SessionName
		if p.Session != nil {
			c.Principal.RoleARN = p.Session.RoleARN
		}
	case auth.PrincipalFederatedUser:
		c.Principal.Kind = policy.PrincipalFederatedUser
		if p.Session != nil {
			c.Principal.SourceUserARN = p.Session.SourceARN
		}
	}
	return c
}

// buildCaller reads the principal's entity and policies from the store.
func (s *Service) buildCaller(tx *storage.Tx, p *auth.Principal) (*authz.Caller, error) {
	switch p.Kind {
	case auth.PrincipalIAMUser:
		return s.userCaller(tx, p, p.AccountID, p.Name, p.UserID)
	case auth.PrincipalFederatedUser:
		if root := "arn:aws:iam::" + p.AccountID + ":root"; p.Session.SourceARN == root {
			// A root user's federated session: the root user's unlimited
			// permissions, intersected with the session policies.
			c := noPolicies(p)
			c.Principal.Tags = sessionTags(nil, p.Session.Tags)
			c.Identity = []policy.Attached{rootIdentity}
			return c, s.addSessionPolicies(tx, c, p.AccountID, p.Session)
		}
		account, _, name, ok := splitEntityARN(p.Session.SourceARN, "user")
		if !ok {
			return noPolicies(p), nil
		}
		c, err := s.userCaller(tx, p, account, name, p.Session.SourceUserID)
		if err != nil || c.Principal.Kind != policy.PrincipalUser {
			return c, err // the federating user is gone: nothing is allowed
		}
		c.Principal = noPolicies(p).Principal
		c.Principal.Tags = sessionTags(nil, p.Session.Tags)
		return c, s.addSessionPolicies(tx, c, account, p.Session)
	case auth.PrincipalAssumedRole:
		return s.roleCaller(tx, p)
	}
	return noPolicies(p), nil
}

// userCaller is an IAM user with its attached, inline and group policies
// and its boundary. id, when set, must match (a user deleted and created
// again under the same name is another user).
func (s *Service) userCaller(tx *storage.Tx, p *auth.Principal, account, name, id string) (*authz.Caller, error) {
	sc := accountScope(account)
	u, found, err := userKind.get(tx, sc, name)
	if err != nil {
		return nil, err
	}
	if !found || (id != "" && u.GetId() != id) {
		return noPolicies(p), nil
	}
	c := &authz.Caller{Principal: policy.Principal{
		Kind: policy.PrincipalUser, ARN: userKind.arn(account, u), Account: account,
		UserID: u.GetId(), Username: u.GetName(), Tags: tagMap(u.GetTags()),
	}}
	c.Identity, c.Boundary, err = s.principalPolicies(tx, sc, userKind, u)
	return c, err
}

// principalPolicies are the identity-based policies and the permissions
// boundary of a user (its attached managed and inline policies, then its
// groups'), a group (its own; groups have no boundary) or a role: what live
// enforcement evaluates for the entity and what SimulatePrincipalPolicy
// simulates.
func (s *Service) principalPolicies(tx *storage.Tx, sc storage.Scope, k *kind, e *recordsv1.IAMEntity) ([]policy.Attached, *policy.Attached, error) {
	identity, err := s.entityPolicies(tx, sc, k, e, nil)
	if err != nil || k == groupKind {
		return identity, nil, err
	}
	for _, gname := range e.GetGroups() {
		g, found, err := groupKind.get(tx, sc, gname)
		if err != nil {
			return nil, nil, err
		}
		if found {
			if identity, err = s.entityPolicies(tx, sc, groupKind, g, identity); err != nil {
				return nil, nil, err
			}
		}
	}
	boundary, err := s.boundary(tx, sc, e)
	return identity, boundary, err
}

// roleCaller is a role session: the role's policies and boundary, the role's
// tags overridden by the session's, and the session policies.
func (s *Service) roleCaller(tx *storage.Tx, p *auth.Principal) (*authz.Caller, error) {
	account, path, name, ok := splitEntityARN(p.Session.RoleARN, "role")
	if !ok {
		return noPolicies(p), nil
	}
	sc := accountScope(account)
	r, found, err := roleKind.get(tx, sc, name)
	if err != nil {
		return nil, err
	}
	if !found || r.GetPath() != path || (p.Session.RoleID != "" && r.GetId() != p.Session.RoleID) {
		return noPolicies(p), nil
	}
	c := &authz.Caller{Principal: policy.Principal{
		Kind: policy.PrincipalAssumedRole, ARN: p.ARN, Account: account, UserID: p.UserID,
		RoleARN: roleKind.arn(account, r), SessionName: p.SessionName,
		Tags: sessionTags(r.GetTags(), p.Session.Tags),
	}}
	if c.Identity, c.Boundary, err = s.principalPolicies(tx, sc, roleKind, r); err != nil {
		return nil, err
	}
	return c, s.addSessionPolicies(tx, c, account, p.Session)
}

// sessionTags are the entity's tags with the session tags over them (tag
// keys compare case-insensitively).
func sessionTags(entity []*recordsv1.IAMTag, session map[string]string) map[string]string {
	out := map[string]string{}
	for _, t := range entity {
		out[t.GetKey()] = t.GetValue()
	}
	for k, v := range session {
		for old := range out {
			if strings.EqualFold(old, k) {
				delete(out, old)
			}
		}
		out[k] = v
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// inlineMarker separates the entity and the policy name in the name an
// inline policy has in decisions: "user/alice inline policy ReadOnly".
const inlineMarker = " inline policy "

// entityPolicies appends an entity's attached managed and inline policies.
// A managed policy deleted meanwhile cannot be attached (DeletePolicy
// refuses), so a miss only skips it.
func (s *Service) entityPolicies(tx *storage.Tx, sc storage.Scope, k *kind, e *recordsv1.IAMEntity, out []policy.Attached) ([]policy.Attached, error) {
	for _, a := range e.GetAttachedPolicies() {
		att, ok, err := s.managedAttached(tx, sc, a, policy.KindIdentity)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, att)
		}
	}
	for _, ip := range e.GetInlinePolicies() {
		parsed, err := s.parsed.get(policy.KindIdentity, "inline\x00"+ip.GetDocument(), ip.GetDocument())
		if err != nil {
			return nil, err
		}
		out = append(out, policy.Attached{Policy: parsed, Origin: policy.OriginInline, Name: k.name + "/" + e.GetName() + inlineMarker + ip.GetName()})
	}
	return out, nil
}

// managedAttached is a managed policy's default version, parsed as kind.
func (s *Service) managedAttached(tx *storage.Tx, sc storage.Scope, policyARN string, kind policy.PolicyKind) (policy.Attached, bool, error) {
	m, found, err := findManaged(tx, sc, policyARN)
	if err != nil || !found {
		return policy.Attached{}, false, err
	}
	var parsed *policy.Policy
	if m.aws != nil && kind == policy.KindIdentity {
		parsed = m.aws.Parsed
	} else if parsed, err = s.parsed.get(kind, m.versionKey(), m.document()); err != nil {
		return policy.Attached{}, false, err
	}
	origin := policy.OriginCustomerManaged
	if m.aws != nil {
		origin = policy.OriginAWSManaged
	}
	return policy.Attached{Policy: parsed, Origin: origin, Name: policyARN}, true, nil
}

func (s *Service) boundary(tx *storage.Tx, sc storage.Scope, e *recordsv1.IAMEntity) (*policy.Attached, error) {
	if e.GetPermissionsBoundary() == "" {
		return nil, nil
	}
	att, ok, err := s.managedAttached(tx, sc, e.GetPermissionsBoundary(), policy.KindPermissionsBoundary)
	if err != nil || !ok {
		return nil, err
	}
	return &att, nil
}

// addSessionPolicies adds the session's inline policy and managed policy
// ARNs (the role's account's or AWS's) as session policies.
func (s *Service) addSessionPolicies(tx *storage.Tx, c *authz.Caller, account string, sess *auth.Session) error {
	if sess.Policy != "" {
		parsed, err := s.parsed.get(policy.KindSession, "session\x00"+sess.Policy, sess.Policy)
		if err != nil {
			return err
		}
		c.Session = append(c.Session, policy.Attached{Policy: parsed, Origin: policy.OriginInline, Name: "inline session policy"})
	}
	for _, a := range sess.PolicyARNs {
		att, ok, err := s.managedAttached(tx, accountScope(account), a, policy.KindSession)
		if err != nil {
			return err
		}
		if ok {
			c.Session = append(c.Session, att)
		}
	}
	return nil
}

// callerCache holds built callers by principal.
type callerCache struct {
	mu sync.RWMutex
	m  map[cacheKey]cachedCaller
}

type cachedCaller struct {
	gen    uint64
	caller *authz.Caller
}

// maxCachedCallers bounds the cache: sessions come and go, so it is simply
// emptied when full.
const maxCachedCallers = 10000

func newCallerCache() *callerCache { return &callerCache{m: map[cacheKey]cachedCaller{}} }

func (cc *callerCache) get(k cacheKey, gen uint64) *authz.Caller {
	cc.mu.RLock()
	e, ok := cc.m[k]
	cc.mu.RUnlock()
	if !ok || e.gen != gen {
		return nil
	}
	return e.caller
}

func (cc *callerCache) put(k cacheKey, gen uint64, c *authz.Caller) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if len(cc.m) >= maxCachedCallers {
		cc.m = map[cacheKey]cachedCaller{}
	}
	if e, ok := cc.m[k]; ok && e.gen > gen {
		return
	}
	cc.m[k] = cachedCaller{gen: gen, caller: c}
}

// parseCache holds compiled policies by kind and a key that identifies the
// text for good (a managed policy version, or the text itself).
type parseCache struct {
	mu sync.RWMutex
	m  map[parseKey]*policy.Policy
}

type parseKey struct {
	kind policy.PolicyKind
	key  string
}

const maxParsedPolicies = 10000

func newParseCache() *parseCache { return &parseCache{m: map[parseKey]*policy.Policy{}} }

// get returns doc compiled as kind, parsing it on first use.
func (pc *parseCache) get(kind policy.PolicyKind, key, doc string) (*policy.Policy, error) {
	k := parseKey{kind, key}
	pc.mu.RLock()
	p := pc.m[k]
	pc.mu.RUnlock()
	if p != nil {
		return p, nil
	}
	p, err := policy.Parse(doc, kind)
	if err != nil {
		return nil, policyError(err)
	}
	pc.mu.Lock()
	if len(pc.m) >= maxParsedPolicies {
		pc.m = map[parseKey]*policy.Policy{}
	}
	pc.m[k] = p
	pc.mu.Unlock()
	return p, nil
}
