package imagebuilder

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"google.golang.org/protobuf/proto"

	"github.com/ibemu/ibemu/internal/authz"
	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/iam/policy"
	"github.com/ibemu/ibemu/internal/storage"
	"github.com/ibemu/ibemu/internal/wire/restjson"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// Resolver returns the enforcement layer's resolver for Image Builder ARNs.
// The handlers resolve through the same code, so what was authorized is what
// they serve.
func (s *Service) Resolver() authz.Resolver { return resolver{s} }

type resolver struct{ s *Service }

// Resolve implements authz.Resolver. A request naming a resource by ARN gets
// the resource that ARN designates (for a component version or selector:
// the build it resolves to, in its owner's account); a create names the
// resource it will produce.
func (r resolver) Resolve(ctx context.Context, c *callctx.Call, action string, ref *authz.ResourceRef) (*authz.Resource, error) {
	if !ref.FromMember {
		return r.s.resolveCreate(ctx, ref)
	}
	member := "resourceArn"
	if ref.Spec != nil && ref.Spec.ARNMember != "" {
		member = ref.Spec.ARNMember
	}
	typ := ""
	if ref.Spec != nil {
		typ = ref.Spec.Type
	}
	return r.s.resolveARNFor(ctx, c, member, ref.ARN, sharedReads[action], typ)
}

// located is the Record of every resource the resolver answers for an ARN:
// what the handler works on.
type located struct {
	// given is the ARN as the request named it.
	given string
	// at is the resource itself: for a component version or selector, the
	// build it resolved to.
	at resourceARN
	// kind is the ARN's resource type; nil for a type Image Builder does
	// not have.
	kind *kind
	// record is the stored record (or the Amazon catalogue's); nil when the
	// resource does not exist.
	record proto.Message
	// component is record for a component build; nil otherwise.
	component *ibv1.Component
	// policy is the resource's policy document as stored; "" for none.
	policy string
	// refs are a component or workflow build's latest-version ARNs; nil
	// otherwise.
	refs *ibv1.LatestVersionReferences
}

// scope is where the resource and its policy live: its owner's account in
// its region.
func (l *located) scope() storage.Scope {
	return storage.Scope{Account: l.at.Account, Region: l.at.Region}
}

// resolveARN loads what arn names, through its kind: existence, the owner's
// scope, tags (aws:ResourceTag/*) and the resource policy. Image Builder
// resources are regional: an ARN of another region than the call's names
// nothing this endpoint serves. A versioned type's ARN without a version, or
// an unversioned type's ARN with one, names nothing either.
//
// A component version ARN followed by "/*" is the resource type of
// ListComponentBuildVersions (allComponentBuildVersions: every build of the
// version). It keeps its ARN and takes its owner, and the policy that
// decides, from the version's latest build, as the version ARN does.
//

func (s *Service) resolveARN(ctx context.Context, c *callctx.Call, member, arn string) (*authz.Resource, error) {
	return s.resolveARNFor(ctx, c, member, arn, false, "")
}

// resolveARNFor is resolveARN; with shared, the record may come from the
// read cache (Service.reads) and be shared with other requests: only for
// handlers that never change it (sharedReads). typ is the resource type the
// enforcement layer resolves for ("" when it names none): a shared answer
// carries it, so that no caller writes to it.
func (s *Service) resolveARNFor(ctx context.Context, c *callctx.Call, member, arn string, shared bool, typ string) (*authz.Resource, error) {
	given, all := strings.CutSuffix(arn, "/*")
	r, aerr := parseARN(member, given)
	if aerr == nil && all && ((r.Type != componentType && r.Type != "image" && !isWorkflowType(r.Type)) || r.Version == "" || r.Build != 0) {
		_, aerr = parseARN(member, arn)
	}
	if aerr != nil {
		return nil, aerr
	}
	k := kinds[r.Type]
	if r.Account == awsOwner || r.Account == marketplaceOwner || k == nil || k.store == nil || r.Region != c.Region || k.versioned != (r.Version != "") {
		both := newResolved(given, arn, r, k)
		l, res := &both.l, &both.res
		switch {
		case r.Account == awsOwner:
			return s.resolveAmazon(c, l, res, all)
		case r.Account == marketplaceOwner:
			// AWS Marketplace components are readable by subscribers;
			// none is published here, so the ARN names nothing
			// (GetMarketplaceResource).
			if r.Type == componentType {
				res.Policy = marketplaceRead
			}
		}
		// A component ARN without a version (component/name, which a
		// resourceArn may be) names no build.
		return res, nil
	}
	var st *stored
	load := func(tx *storage.Tx) (*stored, int, error) { return loadStored(tx, k, r) }
	var err error
	cached := shared && s.reads != nil
	if cached {
		st, err = s.reads.Get(ctx, r, load)
		if err == nil && st.record != nil {
			// Shared and never changed (sharedReads): the answer may reuse
			// the encodings of the record and its references. Once per
			// cached record while the memo keeps them.
			if e := restjson.MemoEpoch(); st.frozen.Load() != e+1 {
				restjson.Freeze(st.record, st.refs)
				st.frozen.Store(e + 1)
			}
		}
	} else {
		err = s.db.View(ctx, func(tx *storage.Tx) error {
			var err error
			st, _, err = load(tx)
			return err
		})
	}
	if err != nil {
		return nil, storageError(err)
	}
	// The answer for a cached record is the same for every request naming
	// it by the same text, for the same resource type: the last one is
	// kept with the record and shared (never changed, like the record).
	keep := cached && st.record != nil && !all
	if keep {
		if rv := st.last.Load(); rv != nil && rv.l.given == given && rv.res.Type == typ {
			return &rv.res, nil
		}
		given = strings.Clone(given) // kept: not a part of the request's memory
	}
	both := newResolved(given, arn, r, k)
	l, res := &both.l, &both.res
	if st.record == nil {
		return res, nil
	}
	l.record, l.at, l.policy, l.refs = st.record, st.at, st.policy, st.refs
	l.component, _ = st.record.(*ibv1.Component)
	res.Exists = true
	if !all {
		res.ARN, res.Tags = st.arn, st.tags
	}
	res.Policy = st.evaluation
	if keep {
		res.Type, res.Kept = typ, true
		st.last.Store(both)
	}
	return res, nil
}

// newResolved is the answer for an ARN before its record is found: the
// resource and its Record, allocated at once.
func newResolved(given, arn string, r resourceARN, k *kind) *resolvedARN {
	both := &resolvedARN{
		l:   located{given: given, at: r, kind: k},
		res: authz.Resource{ARN: arn, Account: r.Account, Region: r.Region},
	}
	both.res.Record = &both.l
	return both
}

// resolvedARN is what resolveARNFor answers: the resource and its Record.
type resolvedARN struct {
	res authz.Resource
	l   located
}

// stored is what resolveARN reads from the store for an ARN: the record it
// resolves to, with what the enforcement layer derives from it. Kept in
// Service.reads, it is shared by concurrent requests and never modified
// (frozen aside, an atomic note).
type stored struct {
	record proto.Message // nil: nothing found
	at     resourceARN
	arn    string            // at.String()
	tags   map[string]string // the record's tags
	policy string            // the resource policy as stored; "" for none
	// evaluation is the policy as the engine evaluates it; nil for none.
	evaluation *policy.Attached
	// refs are a component or workflow build's latest-version ARNs
	// (GetComponent's and GetWorkflow's answer); nil for other kinds.
	refs *ibv1.LatestVersionReferences
	// frozen is 1 + the restjson.MemoEpoch read before record and refs
	// were last frozen; 0 before the first time.
	frozen atomic.Uint64
	// last is the resolver's last answer for the record when it came from
	// the read cache (resolveARNFor), shared by the requests that name the
	// record by the same text; never changed once kept.
	last atomic.Pointer[resolvedARN]
}

// loadStored reads what r names through its kind's store, and its
// resource policy. The size it reports bounds the cache's memory.
func loadStored(tx *storage.Tx, k *kind, r resourceARN) (*stored, int, error) {
	sc := storage.Scope{Account: r.Account, Region: r.Region}
	rec, at, found, err := k.store.load(tx, sc, r)
	if err != nil || !found {
		return &stored{at: r}, 64 + len(r.Name) + len(r.Version), err
	}
	st := &stored{record: rec, at: at, arn: at.String(), tags: recordTags(rec)}
	if k.sharing != nil {
		doc, _, err := resourcePolicies.Get(tx, sc, policyKey(at))
		if err != nil {
			return nil, 0, err
		}
		st.policy = doc.GetValue()
	}
	if st.policy != "" {
		p, err := evaluationPolicy(st.policy, at)
		if err != nil {
			// Stored documents passed the same validation when they were put.
			return nil, 0, awserr.Internal(fmt.Errorf("imagebuilder: stored policy of %s: %w", at, err))
		}
		st.evaluation = &policy.Attached{Policy: p, Name: k.noun + " policy of " + at.String()}
	}
	if at.Type == componentType {
		v, _ := ParseVersion(at.Version)
		st.refs = latestReferences(componentBase(at.Region, at.Account, at.Name), v)
	} else if isWorkflowType(at.Type) {
		v, _ := ParseVersion(at.Version)
		st.refs = latestReferences(workflowBuildBase(at), v)
	}
	// Decoded messages take about twice their encoding; the policy counts
	// twice too: its text and its parsed form.
	return st, 512 + 2*proto.Size(rec) + 3*len(st.policy), nil
}

// sharedReads are the actions whose handlers only read the record the
// resolver hands them (and answer it), so it may come from the read cache,
// shared with concurrent requests. A handler that changes the record, or
// reads anything else it must see in the same transaction, stays out: it
// reads the store itself.
var sharedReads = map[string]bool{
	"imagebuilder:GetComponent": true,
	"imagebuilder:GetWorkflow":  true,
}

// newReadCache is Service.reads: the records resolveARN reads, by the ARN
// named, until a table their loads read is written.
func newReadCache(db *storage.DB) *storage.ReadCache[resourceARN, *stored] {
	return storage.NewReadCache[resourceARN, *stored](db, readCacheBudget,
		componentBuilds, componentVersions, workflowBuilds, workflowVersions, resourcePolicies)
}

// readCacheBudget bounds the memory of Service.reads (component documents
// can be large; a value over the budget is simply not kept).
const readCacheBudget = 4 << 20

// resolveCreate names the resource a create will produce: the ARN the
// enforcement layer filled in from the request, with the name segment the
// service derives from the name (lower case, spaces as hyphens); for a
// component, the next build number of the version. A reference that is not
// an Image Builder ARN keeps what the enforcement layer filled in.
func (s *Service) resolveCreate(ctx context.Context, ref *authz.ResourceRef) (*authz.Resource, error) {
	res := &authz.Resource{ARN: ref.ARN}
	a, ok := authz.ParseARN(ref.ARN)
	if ok {
		res.Account, res.Region = a.Account, a.Region
	}
	if !ok || a.Service != "imagebuilder" || a.Account == "" || a.Region == "" {
		// The handler refuses such a request with the proper error.
		return res, nil
	}
	if name, named := ref.Vars["ComponentName"]; named {
		return s.resolveComponentCreate(ctx, res, a, name, ref.Vars["ComponentVersion"])
	}
	typ, rest, _ := strings.Cut(a.Resource, "/")
	if strings.HasPrefix(a.Resource, "workflow/") {
		var sub string
		sub, rest, _ = strings.Cut(rest, "/")
		// CreateWorkflow's type member is BUILD, TEST or DISTRIBUTION.
		typ += "/" + strings.ToLower(sub)
	}
	if kinds[typ] == nil {
		return res, nil
	}
	name, tail, _ := strings.Cut(rest, "/")
	if version, pending := strings.CutSuffix(tail, "/*"); pending && isWorkflowType(typ) {
		// The build a CreateWorkflow will produce.
		build, err := s.nextWorkflowBuild(ctx, a.Account, a.Region, typ, arnName(name), version)
		if err != nil {
			return nil, err
		}
		if build != 0 {
			tail = fmt.Sprintf("%s/%d", version, build)
		}
	}
	a.Resource = typ + "/" + arnName(name)
	if tail != "" {
		a.Resource += "/" + tail
	}
	res.ARN = a.String()
	return res, nil
}

// resolveComponentCreate names the build a CreateComponent or
// ImportComponent will produce: the next build number of the version.
func (s *Service) resolveComponentCreate(ctx context.Context, res *authz.Resource, a authz.ARN, name, version string) (*authz.Resource, error) {
	v, aerr := ParseVersion(version)
	if aerr != nil {
		return res, nil
	}
	seg := arnName(name)
	var build uint32
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		var err error
		build, _, err = nextBuild(tx, storage.Scope{Account: a.Account, Region: a.Region}, seg, v)
		return err
	})
	var aws *awserr.Error
	if errors.As(err, &aws) {
		return res, nil
	}
	if err != nil {
		return nil, storageError(err)
	}
	res.ARN = fmt.Sprintf("%s/%s/%d", componentBase(a.Region, a.Account, seg), v, build)
	return res, nil
}

// locate returns the resource arn names for a handler. Through the
// enforcement layer it is the resource the call was authorized on. Without
// it (the call did not go through enforcement), the handler resolves it
// itself and keeps what enforcement would decide for a root user: another
// account's resource is reachable only when its resource-based policy
// allows the caller's account the action; otherwise it is as if it did not
// exist, which is what the account would see of it.
func (s *Service) locate(ctx context.Context, c *callctx.Call, action, member, arn string) (*authz.Resource, *located, error) {
	t := authz.TargetFrom(ctx)
	if t != nil {
		for _, res := range t.Resources {
			if l, ok := res.Record.(*located); ok && l.given == arn {
				return res, l, nil
			}
		}
	}
	res, err := s.resolveARN(ctx, c, member, arn)
	if err != nil {
		return nil, nil, err
	}
	l := res.Record.(*located)
	if t == nil && res.Exists && !reachable(c, action, res) {
		l = &located{given: arn, at: l.at}
		return &authz.Resource{ARN: arn, Account: res.Account, Region: res.Region, Record: l}, l, nil
	}
	return res, l, nil
}

// reachable reports whether a root user of the caller's account may perform
// action on res as far as the resource's side goes: its own resources, and
// others' whose resource-based policy allows it.
func reachable(c *callctx.Call, action string, res *authz.Resource) bool {
	if res.Account == c.Account {
		return true
	}
	if res.Policy == nil {
		return false
	}
	caller := authz.RootCaller(c.Account)
	rctx := policy.NewContext()
	rctx.AddPrincipalKeys(&caller.Principal)
	req := &policy.Request{Principal: &caller.Principal, Action: action, Resource: res.ARN, ResourceAccount: res.Account, Context: rctx}
	return policy.PolicyDecision(req, policy.KindResource, res.Policy) == policy.Allowed
}

// resolveAmazon resolves an aws-owned ARN against the Amazon-managed
// catalogue (amazon.go): the resources of the kinds it serves are public to
// read; other aws-owned ARNs name nothing.
func (s *Service) resolveAmazon(c *callctx.Call, l *located, res *authz.Resource, all bool) (*authz.Resource, error) {
	src := amazonSources[l.at.Type]
	if src == nil || l.kind == nil {
		return res, nil
	}
	res.Policy = src.readable
	if l.at.Region != c.Region || l.kind.versioned != (l.at.Version != "") {
		return res, nil
	}
	rec, found, aerr := src.find(c.Region, l.at)
	if aerr != nil {
		return nil, aerr
	}
	if found {
		l.record = rec
		l.component, _ = rec.(*ibv1.Component)
		l.at, _ = parseARN("arn", stringField(rec, "arn"))
		res.Exists = true
		if !all {
			res.ARN = l.at.String()
		}
	}
	return res, nil
}
