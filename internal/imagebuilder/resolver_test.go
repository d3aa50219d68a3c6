package imagebuilder

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ibemu/ibemu/internal/apimodel"
	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/authz"
	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/iam/policy"
	"github.com/ibemu/ibemu/internal/storage"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

const (
	ownerA    = "111122223333"
	consumerB = "444455556666"
	strangerC = "777788889999"
	testRgn   = "us-east-1"
)

var testTime = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func newTestService(t *testing.T) *Service {
	t.Helper()
	db, err := storage.Open(filepath.Join(t.TempDir(), "emulator.db"), storage.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return New(db, Options{Clock: func() time.Time { return testTime }})
}

// callAs is a call by account's root user in the test region.
func callAs(account string) (context.Context, *callctx.Call) {
	c := &callctx.Call{
		RequestID: "req-" + account, Service: "imagebuilder", Region: testRgn, Account: account, Time: testTime,
		Principal: auth.Principal{Kind: auth.PrincipalRoot, AccountID: account, ARN: "arn:aws:iam::" + account + ":root", UserID: account},
	}
	return callctx.With(context.Background(), c), c
}

func create(t *testing.T, s *Service, account, name, version string, tags map[string]string) string {
	t.Helper()
	ctx, _ := callAs(account)
	out, err := s.CreateComponent(ctx, &ibv1.CreateComponentRequest{
		Name: ptr(name), SemanticVersion: ptr(version), Platform: ptr("Linux"), Tags: tags,
		Data: ptr("name: n\nschemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: S\n        action: ExecuteBash\n        inputs:\n          commands: [\"echo\"]\n"),
	})
	if err != nil {
		t.Fatalf("CreateComponent %s %s: %v", name, version, err)
	}
	return out.GetComponentBuildVersionArn()
}

var getSpec = &apimodel.AuthzResource{Type: "component", Required: true, ARNMember: "componentBuildVersionArn",
	ARNFormat: "arn:${Partition}:imagebuilder:${Region}:${Account}:component/${ComponentName}/${ComponentVersion}/${ComponentBuildVersion}"}

// resolve resolves arn as GetComponent names it, as account.
func resolve(t *testing.T, s *Service, account, arn string) *authz.Resource {
	t.Helper()
	ctx, c := callAs(account)
	res, err := s.Resolver().Resolve(ctx, c, "imagebuilder:GetComponent", &authz.ResourceRef{Spec: getSpec, ARN: arn, FromMember: true})
	if err != nil {
		t.Fatalf("Resolve %s: %v", arn, err)
	}
	return res
}

func componentAt(account, path string) string {
	return "arn:aws:imagebuilder:" + testRgn + ":" + account + ":component/" + path
}

// TestResolveStoredComponents: a build ARN resolves to itself, a version ARN
// to its latest build and a selector to the latest build of the latest
// matching version, with the owner, tags and the component as the record.
func TestResolveStoredComponents(t *testing.T) {
	s := newTestService(t)
	b1 := create(t, s, ownerA, "Hello World", "1.0.0", map[string]string{"team": "platform"})
	b2 := create(t, s, ownerA, "Hello World", "1.0.0", map[string]string{"team": "images"})
	v11 := create(t, s, ownerA, "Hello World", "1.1.0", nil)
	create(t, s, ownerA, "Hello World", "2.0.0", nil)

	for given, want := range map[string]string{
		b1:                                       b1,
		componentAt(ownerA, "hello-world/1.0.0"): b2,
		componentAt(ownerA, "hello-world/1.x.x"): v11,
		componentAt(ownerA, "hello-world/1.0.x"): b2,
	} {
		res := resolve(t, s, ownerA, given)
		l, ok := res.Record.(*located)
		if !ok || !res.Exists || res.ARN != want || l.component.GetArn() != want || l.given != given {
			t.Errorf("%s resolved to %+v, want %s", given, res, want)
			continue
		}
		if res.Account != ownerA || res.Region != testRgn || res.Policy != nil {
			t.Errorf("%s: account %s, region %s, policy %v", given, res.Account, res.Region, res.Policy)
		}
	}
	if got := resolve(t, s, ownerA, b1).Tags["team"]; got != "platform" {
		t.Errorf("tags of %s: team = %q", b1, got)
	}
}

// TestResolveMissing: names of nothing resolve, not existing, to their ARN
// and owner; other resource types and other regions are never stored here.
func TestResolveMissing(t *testing.T) {
	s := newTestService(t)
	create(t, s, ownerA, "present", "1.0.0", nil)
	for _, arn := range []string{
		componentAt(ownerA, "present/1.0.0/2"),
		componentAt(ownerA, "present/2.x.x"),
		componentAt(ownerA, "absent/1.0.0"),
		"arn:aws:imagebuilder:eu-west-1:" + ownerA + ":component/present/1.0.0/1",
		"arn:aws:imagebuilder:" + testRgn + ":" + ownerA + ":image/present/1.0.0/1",
		"arn:aws:imagebuilder:" + testRgn + ":" + ownerA + ":image-recipe/present/1.0.0",
	} {
		res := resolve(t, s, ownerA, arn)
		if res.Exists || res.ARN != arn || res.Account != ownerA || res.Policy != nil {
			t.Errorf("%s resolved to %+v", arn, res)
		}
	}
}

// TestResolveMalformed: an ARN the handlers refuse is refused the same way,
// naming the request member.
func TestResolveMalformed(t *testing.T) {
	s := newTestService(t)
	ctx, c := callAs(ownerA)
	_, err := s.Resolver().Resolve(ctx, c, "imagebuilder:GetComponent", &authz.ResourceRef{Spec: getSpec, ARN: "arn:aws:s3:::bucket", FromMember: true})
	aerr, ok := err.(*awserr.Error)
	if !ok || aerr.Code != "InvalidParameterValueException" || aerr.Message != "The value supplied for parameter 'componentBuildVersionArn' is not valid. The ARN arn:aws:s3:::bucket is not a valid Image Builder ARN." {
		t.Fatalf("got %v", err)
	}
}

// TestResolveCreate: a create names the build it will produce: the next
// number of the version (numbers are never reused), under the lower-case
// name segment, not existing yet.
func TestResolveCreate(t *testing.T) {
	s := newTestService(t)
	create(t, s, ownerA, "Hello World", "1.0.0", nil)
	second := create(t, s, ownerA, "Hello World", "1.0.0", nil)
	ctx, c := callAs(ownerA)
	if _, err := s.DeleteComponent(ctx, &ibv1.DeleteComponentRequest{ComponentBuildVersionArn: ptr(second)}); err != nil {
		t.Fatal(err)
	}
	spec := &apimodel.AuthzResource{Type: "component", ARNFormat: getSpec.ARNFormat}
	for version, want := range map[string]string{
		"1.0.0": componentAt(ownerA, "hello-world/1.0.0/3"),
		"2.0.0": componentAt(ownerA, "hello-world/2.0.0/1"),
	} {
		vars := map[string]string{"ComponentName": "Hello World", "ComponentVersion": version}
		ref := &authz.ResourceRef{Spec: spec, Vars: vars, ARN: authz.FillARN(spec.ARNFormat, c.Region, c.Account, vars, "*")}
		res, err := s.Resolver().Resolve(ctx, c, "imagebuilder:CreateComponent", ref)
		if err != nil {
			t.Fatal(err)
		}
		if res.ARN != want || res.Exists || res.Account != ownerA || res.Region != testRgn {
			t.Errorf("create of %s resolved to %+v, want %s", version, res, want)
		}
	}
	// A version the handler will refuse keeps the filled-in ARN.
	vars := map[string]string{"ComponentName": "x", "ComponentVersion": "1.0"}
	ref := &authz.ResourceRef{Spec: spec, Vars: vars, ARN: authz.FillARN(spec.ARNFormat, c.Region, c.Account, vars, "*")}
	res, err := s.Resolver().Resolve(ctx, c, "imagebuilder:CreateComponent", ref)
	if err != nil || res.ARN != ref.ARN || res.Exists {
		t.Errorf("invalid version resolved to %+v, %v", res, err)
	}
}

// Principals and identity policies for decisions.
func root(account string) policy.Principal { return authz.RootCaller(account).Principal }

func user(account string) policy.Principal {
	return policy.Principal{Kind: policy.PrincipalUser, ARN: "arn:aws:iam::" + account + ":user/dev", Account: account, UserID: "AIDAEXAMPLEUSERID" + account[:4], Username: "dev"}
}

func allowing(doc string) []policy.Attached {
	return []policy.Attached{{Policy: policy.MustParse(doc, policy.KindIdentity), Name: "identity"}}
}

var readAnyComponent = allowing(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["imagebuilder:GetComponent","imagebuilder:ListComponentBuildVersions"],"Resource":"*"}]}`)

// decide evaluates action on a resolved resource the way the enforcement
// layer does: the caller's identity side and the resource's policy, owner
// and tags.
func decide(res *authz.Resource, p policy.Principal, identity []policy.Attached, action string) policy.Outcome {
	rctx := policy.NewContext()
	rctx.AddPrincipalKeys(&p)
	rctx.SetString("aws:ResourceAccount", res.Account)
	for k, v := range res.Tags {
		rctx.SetString("aws:ResourceTag/"+k, v)
	}
	req := &policy.Request{Principal: &p, Action: action, Resource: res.ARN, ResourceAccount: res.Account, Context: rctx}
	return policy.Evaluate(req, &policy.Policies{Identity: identity, Resource: res.Policy}).Outcome
}

// TestResolveAmazonComponents: Amazon's components resolve in account "aws"
// with a policy that lets any account read them, its identity side
// permitting.
func TestResolveAmazonComponents(t *testing.T) {
	s := newTestService(t)
	res := resolve(t, s, consumerB, "arn:aws:imagebuilder:"+testRgn+":aws:component/update-linux/x.x.x")
	if !res.Exists || res.Account != awsOwner || res.ARN != "arn:aws:imagebuilder:"+testRgn+":aws:component/update-linux/1.0.2/1" || res.Policy == nil {
		t.Fatalf("resolved to %+v", res)
	}
	for _, tc := range []struct {
		who      policy.Principal
		identity []policy.Attached
		action   string
		want     policy.Outcome
	}{
		{root(consumerB), nil, "imagebuilder:GetComponent", policy.Allowed},
		{user(consumerB), readAnyComponent, "imagebuilder:GetComponent", policy.Allowed},
		{user(consumerB), nil, "imagebuilder:GetComponent", policy.ImplicitDeny},
		{root(consumerB), nil, "imagebuilder:DeleteComponent", policy.ImplicitDeny},
	} {
		if got := decide(res, tc.who, tc.identity, tc.action); got != tc.want {
			t.Errorf("%s %s: %v, want %v", tc.who.ARN, tc.action, got, tc.want)
		}
	}
	missing := resolve(t, s, consumerB, "arn:aws:imagebuilder:"+testRgn+":aws:component/no-such/1.0.0/1")
	if missing.Exists || missing.Account != awsOwner || missing.Policy == nil {
		t.Errorf("a missing Amazon component resolved to %+v", missing)
	}
}

// TestResolveOtherAccount: another account's component is loaded from its
// owner's scope with its component policy, so that a cross-account call
// needs both sides: the policy naming the caller's account, and the caller's
// own identity-based policies.
func TestResolveOtherAccount(t *testing.T) {
	s := newTestService(t)
	arn := create(t, s, ownerA, "shared", "1.0.0", map[string]string{"team": "platform"})

	res := resolve(t, s, consumerB, arn)
	if !res.Exists || res.Account != ownerA || res.Policy != nil {
		t.Fatalf("before sharing: %+v", res)
	}
	if got := decide(res, root(consumerB), nil, "imagebuilder:GetComponent"); got != policy.ImplicitDeny {
		t.Errorf("B's root reads an unshared component: %v", got)
	}

	ctx, _ := callAs(ownerA)
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + consumerB + `"},"Action":["imagebuilder:GetComponent","imagebuilder:ListComponents"],"Resource":"` + arn + `"}]}`
	if _, err := s.PutComponentPolicy(ctx, &ibv1.PutComponentPolicyRequest{ComponentArn: ptr(arn), Policy: ptr(doc)}); err != nil {
		t.Fatal(err)
	}
	res = resolve(t, s, consumerB, componentAt(ownerA, "shared/1.x.x"))
	if !res.Exists || res.ARN != arn || res.Account != ownerA || res.Policy == nil || res.Tags["team"] != "platform" {
		t.Fatalf("after sharing: %+v", res)
	}
	if l := res.Record.(*located); l.policy != doc || l.scope() != (storage.Scope{Account: ownerA, Region: testRgn}) {
		t.Errorf("record: policy %q, scope %v", l.policy, l.scope())
	}
	byTag := allowing(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"imagebuilder:GetComponent","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"platform"}}}]}`)
	otherTag := allowing(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"imagebuilder:GetComponent","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"images"}}}]}`)
	for _, tc := range []struct {
		name     string
		who      policy.Principal
		identity []policy.Attached
		action   string
		want     policy.Outcome
	}{
		{"B's root", root(consumerB), nil, "imagebuilder:GetComponent", policy.Allowed},
		{"B's user allowed by its identity policy", user(consumerB), readAnyComponent, "imagebuilder:GetComponent", policy.Allowed},
		{"B's user without an identity policy", user(consumerB), nil, "imagebuilder:GetComponent", policy.ImplicitDeny},
		{"B's user allowed on the resource's tag", user(consumerB), byTag, "imagebuilder:GetComponent", policy.Allowed},
		{"B's user allowed on another tag", user(consumerB), otherTag, "imagebuilder:GetComponent", policy.ImplicitDeny},
		{"B deleting", root(consumerB), nil, "imagebuilder:DeleteComponent", policy.ImplicitDeny},
		{"C's root", root(strangerC), nil, "imagebuilder:GetComponent", policy.ImplicitDeny},
		{"A's user without an identity policy", user(ownerA), nil, "imagebuilder:GetComponent", policy.ImplicitDeny},
	} {
		if got := decide(res, tc.who, tc.identity, tc.action); got != tc.want {
			t.Errorf("%s: %s = %v, want %v", tc.name, tc.action, got, tc.want)
		}
	}
}

// TestResolveAllBuildsOfAVersion: ListComponentBuildVersions is authorized
// on VERSION-ARN/*; that resolves in the owner's account under the policy of
// the version's latest build, whose ListComponents grant covers it.
func TestResolveAllBuildsOfAVersion(t *testing.T) {
	s := newTestService(t)
	arn := create(t, s, ownerA, "listed", "1.0.0", nil)
	ctx, c := callAs(consumerB)
	spec := &apimodel.AuthzResource{Type: "allComponentBuildVersions", Required: true, ARNMember: "componentVersionArn",
		ARNFormat: "arn:${Partition}:imagebuilder:${Region}:${Account}:component/${ComponentName}/${ComponentVersion}/*"}
	all := componentAt(ownerA, "listed/1.0.0/*")
	resolveAll := func() *authz.Resource {
		t.Helper()
		res, err := s.Resolver().Resolve(ctx, c, "imagebuilder:ListComponentBuildVersions", &authz.ResourceRef{Spec: spec, ARN: all, FromMember: true})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	res := resolveAll()
	if !res.Exists || res.ARN != all || res.Account != ownerA || res.Policy != nil || res.Record.(*located).given != componentAt(ownerA, "listed/1.0.0") {
		t.Fatalf("resolved to %+v", res)
	}
	if got := decide(res, root(consumerB), nil, "imagebuilder:ListComponentBuildVersions"); got != policy.ImplicitDeny {
		t.Errorf("B lists an unshared version's builds: %v", got)
	}
	ctxA, _ := callAs(ownerA)
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + consumerB + `"},"Action":["imagebuilder:GetComponent","imagebuilder:ListComponents"],"Resource":"` + arn + `"}]}`
	if _, err := s.PutComponentPolicy(ctxA, &ibv1.PutComponentPolicyRequest{ComponentArn: ptr(arn), Policy: ptr(doc)}); err != nil {
		t.Fatal(err)
	}
	res = resolveAll()
	for _, tc := range []struct {
		name     string
		who      policy.Principal
		identity []policy.Attached
		want     policy.Outcome
	}{
		{"B's user allowed by its identity policy", user(consumerB), readAnyComponent, policy.Allowed},
		{"B's user without an identity policy", user(consumerB), nil, policy.ImplicitDeny},
		{"C's root", root(strangerC), nil, policy.ImplicitDeny},
	} {
		if got := decide(res, tc.who, tc.identity, "imagebuilder:ListComponentBuildVersions"); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	if _, err := s.Resolver().Resolve(ctx, c, "imagebuilder:ListComponentBuildVersions", &authz.ResourceRef{Spec: spec, ARN: componentAt(ownerA, "listed/1.0.0/1/*"), FromMember: true}); err == nil {
		t.Error("a build ARN with /* resolved")
	}
}

// TestLocateWithoutEnforcement: with no enforcement layer, a handler reaches
// another account's component only where its policy allows the caller's
// account the action.
func TestLocateWithoutEnforcement(t *testing.T) {
	s := newTestService(t)
	arn := create(t, s, ownerA, "shared", "1.0.0", nil)
	ctxA, _ := callAs(ownerA)
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + consumerB + `:root"},"Action":"imagebuilder:GetComponent","Resource":"` + arn + `"}]}`
	if _, err := s.PutComponentPolicy(ctxA, &ibv1.PutComponentPolicyRequest{ComponentArn: ptr(arn), Policy: ptr(doc)}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		account, action string
		want            bool
	}{
		{ownerA, "imagebuilder:DeleteComponent", true},
		{consumerB, "imagebuilder:GetComponent", true},
		{consumerB, "imagebuilder:ListComponentBuildVersions", false},
		{consumerB, "imagebuilder:DeleteComponent", false},
		{strangerC, "imagebuilder:GetComponent", false},
	} {
		ctx, c := callAs(tc.account)
		res, l, err := s.locate(ctx, c, tc.action, "componentBuildVersionArn", arn)
		if err != nil {
			t.Fatal(err)
		}
		if res.Exists != tc.want || (l.component != nil) != tc.want {
			t.Errorf("%s %s: exists %v, want %v", tc.account, tc.action, res.Exists, tc.want)
		}
	}
}

// TestSharedAnswerKept: GetComponent's answer for a cached record is kept
// with it and shared by the next request naming it by the same text for
// the same resource type; it equals what an uncached resolution answers
// (with the type the enforcement layer would set), and another type or
// another text gets an answer of its own.
func TestSharedAnswerKept(t *testing.T) {
	s := newTestService(t)
	b1 := create(t, s, ownerA, "kept", "1.0.0", map[string]string{"team": "blue"})
	first := resolve(t, s, ownerA, b1)
	again := resolve(t, s, ownerA, string([]byte(b1))) // equal text, other memory
	if again != first {
		t.Fatal("the second resolution of a cached record was not the kept answer")
	}
	ctx, c := callAs(ownerA)
	fresh, err := s.resolveARN(ctx, c, "componentBuildVersionArn", b1)
	if err != nil {
		t.Fatal(err)
	}
	want := *fresh
	want.Type, want.Kept = getSpec.Type, true
	wantL, gotL := *fresh.Record.(*located), *first.Record.(*located)
	got := *first
	want.Record, got.Record = nil, nil
	// The uncached read decodes its own copy of the record.
	if !proto.Equal(gotL.record, wantL.record) || !proto.Equal(gotL.refs, wantL.refs) || gotL.component != gotL.record {
		t.Errorf("kept record %v %v, want %v %v", gotL.record, gotL.refs, wantL.record, wantL.refs)
	}
	gotL.record, gotL.component, gotL.refs = nil, nil, nil
	wantL.record, wantL.component, wantL.refs = nil, nil, nil
	if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gotL, wantL) {
		t.Errorf("kept answer %+v %+v, want %+v %+v", got, gotL, want, wantL)
	}
	untyped, err := s.Resolver().Resolve(ctx, c, "imagebuilder:GetComponent", &authz.ResourceRef{ARN: b1, FromMember: true})
	if err != nil || untyped == first || untyped.Type != "" || !untyped.Kept || untyped.ARN != first.ARN {
		t.Errorf("without a type: %+v, %v", untyped, err)
	}
	version := componentAt(ownerA, "kept/1.0.0")
	if v := resolve(t, s, ownerA, version); v == first || v.Record.(*located).given != version || v.ARN != b1 {
		t.Errorf("version ARN answered %+v", v)
	}
	// Concurrent authorized reads share the kept answer (go test -race).
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				out, err := authorizedGet(t, s, ownerA, b1)
				if err == nil && out.GetComponent().GetArn() != b1 {
					err = fmt.Errorf("GetComponent answered %s", out.GetComponent().GetArn())
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
