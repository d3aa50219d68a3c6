package authz_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ibemu/ibemu/internal/apimodel"
	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/authz"
	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/iam/policy"
	"github.com/ibemu/ibemu/internal/seal"
	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
	s3v1 "github.com/ibemu/ibemu/proto/s3/v1"
)

const (
	acctA  = "111122223333"
	acctB  = "444455556666"
	region = "us-east-1"
)

var when = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

// withSpec returns a copy of a model operation carrying spec, so these tests
// do not depend on the generated specs' exact content.
func withSpec(t *testing.T, svc *apimodel.Service, name string, spec *apimodel.Authz) *apimodel.Operation {
	t.Helper()
	op, ok := svc.Operation(name)
	if !ok {
		t.Fatalf("no operation %s", name)
	}
	cp := *op
	cp.Authz = spec
	return &cp
}

var componentType = &apimodel.AuthzResource{
	Type:          "component",
	Required:      true,
	ARNFormat:     "arn:${Partition}:imagebuilder:${Region}:${Account}:component/${ComponentName}/${ComponentVersion}/${ComponentBuildVersion}",
	ConditionKeys: []string{"aws:ResourceTag/${TagKey}"},
}

func getComponentOp(t *testing.T) *apimodel.Operation {
	r := *componentType
	r.ARNMember = "componentBuildVersionArn"
	return withSpec(t, ibv1.Model(), "GetComponent", &apimodel.Authz{Action: "imagebuilder:GetComponent", Resources: []*apimodel.AuthzResource{&r}})
}

func createComponentOp(t *testing.T) *apimodel.Operation {
	r := *componentType
	r.Variables = []*apimodel.ARNVariable{{Name: "ComponentName", Member: "name"}, {Name: "ComponentVersion", Member: "semanticVersion"}}
	return withSpec(t, ibv1.Model(), "CreateComponent", &apimodel.Authz{
		Action:    "imagebuilder:CreateComponent",
		Resources: []*apimodel.AuthzResource{&r},
		RequestKeys: []*apimodel.RequestKey{
			{Key: "aws:RequestTag/${TagKey}", Member: "tags", Type: "String"},
			{Key: "aws:TagKeys", Member: "tags", Type: "ArrayOfString"},
		},
	})
}

// users is an Identities of IAM users with fixed policies.
type users map[string][]string // user ARN → identity policy documents

func (u users) Caller(_ context.Context, p *auth.Principal) (*authz.Caller, error) {
	docs, ok := u[p.ARN]
	if !ok {
		return nil, errors.New("unknown principal " + p.ARN)
	}
	c := &authz.Caller{Principal: policy.Principal{Kind: policy.PrincipalUser, ARN: p.ARN, Account: p.AccountID, Username: p.Name}}
	for i, d := range docs {
		c.Identity = append(c.Identity, policy.Attached{Policy: policy.MustParse(d, policy.KindIdentity), Name: "policy-" + string(rune('a'+i))})
	}
	return c, nil
}

func user(account, name string) auth.Principal {
	return auth.Principal{Kind: auth.PrincipalIAMUser, AccountID: account, ARN: "arn:aws:iam::" + account + ":user/" + name, Name: name}
}

func callCtx(p auth.Principal) (context.Context, *callctx.Call) {
	c := &callctx.Call{RequestID: "req-1", Service: "imagebuilder", Region: region, Account: p.AccountID, Principal: p, Time: when, SourceIP: netip.MustParseAddr("192.0.2.10")}
	return callctx.With(context.Background(), c), c
}

func newEnforcer(t *testing.T, opts authz.Options) (*authz.Enforcer, *authz.Log) {
	t.Helper()
	log := authz.NewLog(16)
	if opts.Identities == nil {
		opts.Identities = authz.RootsOnly{}
	}
	opts.Recorder = log
	e, err := authz.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return e, log
}

func denied(t *testing.T, err error, code string, msgParts ...string) {
	t.Helper()
	ae, ok := awserr.As(err)
	if !ok || ae.Code != code || ae.HTTPStatus != http.StatusForbidden {
		t.Fatalf("err = %v, want %s (403)", err, code)
	}
	for _, p := range msgParts {
		if !strings.Contains(ae.Message, p) {
			t.Errorf("message %q lacks %q", ae.Message, p)
		}
	}
}

func TestNewRequiresIdentities(t *testing.T) {
	if _, err := authz.New(authz.Options{}); err == nil {
		t.Fatal("New without Identities succeeded")
	}
}

// The root user reads its own account's resource; the handler gets the
// resolved resource.
func TestRootOwnAccount(t *testing.T) {
	e, log := newEnforcer(t, authz.Options{})
	ctx, _ := callCtx(auth.RootPrincipal(acctA))
	arn := "arn:aws:imagebuilder:us-east-1:" + acctA + ":component/web/1.0.0/1"
	out, err := e.Authorize(ctx, ibv1.Model(), getComponentOp(t), &ibv1.GetComponentRequest{ComponentBuildVersionArn: proto.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	res := authz.TargetFrom(out).Resource()
	if res == nil || res.ARN != arn || res.Account != acctA || res.Type != "component" {
		t.Fatalf("target resource = %+v", res)
	}
	ds := log.ByRequestID("req-1")
	if len(ds) != 1 || ds[0].Outcome != policy.Allowed || ds[0].Action != "imagebuilder:GetComponent" || ds[0].Resource != arn {
		t.Fatalf("decisions = %+v", ds)
	}
}

// Another account's resource needs its resource-based policy: a root user
// without one is denied with AWS's enhanced message, in the API's protocol.
func TestCrossAccountWithoutResourcePolicyIsDenied(t *testing.T) {
	e, log := newEnforcer(t, authz.Options{})
	ctx, _ := callCtx(auth.RootPrincipal(acctA))
	arn := "arn:aws:imagebuilder:us-east-1:" + acctB + ":component/web/1.0.0/1"
	_, err := e.Authorize(ctx, ibv1.Model(), getComponentOp(t), &ibv1.GetComponentRequest{ComponentBuildVersionArn: proto.String(arn)})
	denied(t, err, "AccessDeniedException",
		"User: arn:aws:iam::"+acctA+":root is not authorized to perform: imagebuilder:GetComponent on resource: "+arn,
		"because no resource-based policy allows the imagebuilder:GetComponent action")
	ds := log.ByRequestID("req-1")
	if len(ds) != 1 || ds[0].Outcome != policy.ImplicitDeny || ds[0].Message == "" {
		t.Fatalf("decisions = %+v", ds)
	}
	if x := ds[0].Explain(); x == nil || !strings.Contains(x.String(), "cross-account") {
		t.Fatalf("explanation = %v", x)
	}
}

// A resolver's resource policy lets the other account in; the caller's own
// identity side must allow too.
func TestCrossAccountNeedsBothSides(t *testing.T) {
	arn := "arn:aws:imagebuilder:us-east-1:" + acctB + ":component/web/1.0.0/1"
	share := policy.MustParse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"`+acctA+`"},"Action":"imagebuilder:GetComponent","Resource":"`+arn+`"}]}`, policy.KindResource)
	res := resolverFunc(func(_ context.Context, _ *callctx.Call, _ string, ref *authz.ResourceRef) (*authz.Resource, error) {
		return &authz.Resource{ARN: ref.ARN, Account: acctB, Exists: true, Policy: &policy.Attached{Policy: share, Name: "component policy"}, Record: "the component"}, nil
	})
	alice, bob := user(acctA, "alice"), user(acctA, "bob")
	ids := users{
		alice.ARN: {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"imagebuilder:Get*","Resource":"*"}]}`},
		bob.ARN:   {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"imagebuilder:List*","Resource":"*"}]}`},
	}
	e, _ := newEnforcer(t, authz.Options{Identities: ids, Resolvers: map[string]authz.Resolver{"imagebuilder": res}})
	in := &ibv1.GetComponentRequest{ComponentBuildVersionArn: proto.String(arn)}

	ctx, _ := callCtx(alice)
	out, err := e.Authorize(ctx, ibv1.Model(), getComponentOp(t), in)
	if err != nil {
		t.Fatalf("alice: %v", err)
	}
	if r := authz.TargetFrom(out).Resource(); r.Record != "the component" || r.Account != acctB {
		t.Fatalf("alice's target = %+v", r)
	}
	ctx, _ = callCtx(bob)
	_, err = e.Authorize(ctx, ibv1.Model(), getComponentOp(t), in)
	denied(t, err, "AccessDeniedException", "user/bob", "because no identity-based policy allows the imagebuilder:GetComponent action")
}

type resolverFunc func(context.Context, *callctx.Call, string, *authz.ResourceRef) (*authz.Resource, error)

func (f resolverFunc) Resolve(ctx context.Context, c *callctx.Call, action string, ref *authz.ResourceRef) (*authz.Resource, error) {
	return f(ctx, c, action, ref)
}

// The request's tags become aws:RequestTag/* and aws:TagKeys, and a create
// is decided on the ARN built from the request.
func TestRequestTagsAndBuiltARN(t *testing.T) {
	alice := user(acctA, "alice")
	ids := users{alice.ARN: {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"imagebuilder:CreateComponent","Resource":"arn:aws:imagebuilder:*:*:component/web/*",
		"Condition":{"StringEquals":{"aws:RequestTag/team":"blue"},"ForAllValues:StringEquals":{"aws:TagKeys":["team"]},"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}}]}`}}
	var seen *authz.ResourceRef
	res := resolverFunc(func(_ context.Context, _ *callctx.Call, _ string, ref *authz.ResourceRef) (*authz.Resource, error) {
		seen = ref
		return &authz.Resource{ARN: ref.ARN, Account: acctA}, nil
	})
	e, log := newEnforcer(t, authz.Options{Identities: ids, Resolvers: map[string]authz.Resolver{"imagebuilder": res}})
	create := func(tags map[string]string) error {
		ctx, _ := callCtx(alice)
		_, err := e.Authorize(ctx, ibv1.Model(), createComponentOp(t), &ibv1.CreateComponentRequest{
			Name: proto.String("web"), SemanticVersion: proto.String("1.0.0"), Platform: proto.String("Linux"), ClientToken: proto.String("t"), Tags: tags,
		})
		return err
	}
	if err := create(map[string]string{"team": "blue"}); err != nil {
		t.Fatalf("tagged create: %v", err)
	}
	want := "arn:aws:imagebuilder:us-east-1:" + acctA + ":component/web/1.0.0/*"
	if seen == nil || seen.ARN != want || seen.Vars["ComponentName"] != "web" || seen.Vars["ComponentVersion"] != "1.0.0" || seen.FromMember {
		t.Fatalf("resolver saw %+v, want ARN %s", seen, want)
	}
	ctxKeys := log.ByRequestID("req-1")[0].Context()
	for _, k := range []string{"aws:RequestTag/team", "aws:TagKeys", "aws:SourceIp", "aws:CurrentTime", "aws:EpochTime", "aws:SecureTransport", "aws:RequestedRegion", "aws:PrincipalArn", "aws:username", "aws:ViaAWSService"} {
		if !ctxKeys.Has(k) {
			t.Errorf("context lacks %s (has %v)", k, ctxKeys.Keys())
		}
	}
	if ctxKeys.Has("aws:MultiFactorAuthPresent") {
		t.Error("long-term credentials carry aws:MultiFactorAuthPresent")
	}
	denied(t, create(map[string]string{"team": "red"}), "AccessDeniedException", "imagebuilder:CreateComponent")
	denied(t, create(map[string]string{"team": "blue", "extra": "x"}), "AccessDeniedException")
	denied(t, create(nil), "AccessDeniedException")
}

// An operation without a spec is refused, whoever calls: fail closed.
func TestNoSpecFailsClosed(t *testing.T) {
	e, _ := newEnforcer(t, authz.Options{})
	op := withSpec(t, iamv1.Model(), "UpdateDelegationRequest", nil)
	ctx, _ := callCtx(auth.RootPrincipal(acctA))
	_, err := e.Authorize(ctx, iamv1.Model(), op, &iamv1.UpdateDelegationRequestRequest{})
	denied(t, err, "AccessDenied", "iam:UpdateDelegationRequest", "Service Authorization Reference")
}

// An always-allowed action passes even an explicit deny, and is recorded.
func TestAlwaysAllowed(t *testing.T) {
	alice := user(acctA, "alice")
	ids := users{alice.ARN: {`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`}}
	e, log := newEnforcer(t, authz.Options{Identities: ids, AlwaysAllowed: []string{"imagebuilder:GetComponent"}})
	ctx, _ := callCtx(alice)
	if _, err := e.Authorize(ctx, ibv1.Model(), getComponentOp(t), &ibv1.GetComponentRequest{ComponentBuildVersionArn: proto.String("arn:aws:imagebuilder:us-east-1:" + acctA + ":component/a/1.0.0/1")}); err != nil {
		t.Fatal(err)
	}
	if ds := log.ByRequestID("req-1"); len(ds) != 1 || ds[0].Outcome != policy.Allowed {
		t.Fatalf("decisions = %+v", ds)
	}
}

// A member path the input shape lacks fails the operation closed.
func TestBadBindingFailsClosed(t *testing.T) {
	r := *componentType
	r.ARNMember = "noSuchMember"
	op := withSpec(t, ibv1.Model(), "GetComponent", &apimodel.Authz{Action: "imagebuilder:GetComponent", Resources: []*apimodel.AuthzResource{&r}})
	e, _ := newEnforcer(t, authz.Options{})
	ctx, _ := callCtx(auth.RootPrincipal(acctA))
	_, err := e.Authorize(ctx, ibv1.Model(), op, &ibv1.GetComponentRequest{ComponentBuildVersionArn: proto.String("arn:aws:imagebuilder:us-east-1:" + acctA + ":component/a/1.0.0/1")})
	if ae, ok := awserr.As(err); !ok || ae.HTTPStatus != http.StatusInternalServerError {
		t.Fatalf("err = %v, want an internal failure", err)
	}
}

// Of several resource types named by one ARN member, the one whose format
// the ARN has is decided.
func TestOneMemberSeveralTypes(t *testing.T) {
	types := []*apimodel.AuthzResource{
		{Type: "component", ARNFormat: componentType.ARNFormat, ARNMember: "resourceArn"},
		{Type: "imageRecipe", ARNFormat: "arn:${Partition}:imagebuilder:${Region}:${Account}:image-recipe/${ImageRecipeName}/${ImageRecipeVersion}", ARNMember: "resourceArn"},
	}
	op := withSpec(t, ibv1.Model(), "ListTagsForResource", &apimodel.Authz{Action: "imagebuilder:ListTagsForResource", Resources: types})
	e, log := newEnforcer(t, authz.Options{})
	for _, tc := range []struct{ arn, typ string }{
		{"arn:aws:imagebuilder:us-east-1:" + acctA + ":image-recipe/r/1.0.0", "imageRecipe"},
		{"arn:aws:imagebuilder:us-east-1:" + acctA + ":component/c/1.0.0/1", "component"},
		{"arn:aws:imagebuilder:us-east-1:" + acctA + ":lifecycle-policy/p", ""},
	} {
		ctx, _ := callCtx(auth.RootPrincipal(acctA))
		out, err := e.Authorize(ctx, ibv1.Model(), op, &ibv1.ListTagsForResourceRequest{ResourceArn: proto.String(tc.arn)})
		if err != nil {
			t.Fatalf("%s: %v", tc.arn, err)
		}
		if r := authz.TargetFrom(out).Resource(); r.ARN != tc.arn || r.Type != tc.typ {
			t.Errorf("%s: resource %+v, want type %q", tc.arn, r, tc.typ)
		}
	}
	if n := len(log.ByRequestID("req-1")); n != 3 {
		t.Errorf("%d decisions recorded, want 3", n)
	}
}

// A forward-access check goes through the same evaluation: it carries
// aws:CalledVia and aws:ViaAWSService, not aws:SourceIp, and its denial is
// AccessDenied in the calling API's protocol.
func TestForwardAccessCheck(t *testing.T) {
	alice := user(acctA, "alice")
	ids := users{alice.ARN: {
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"imagebuilder:GetComponent","Resource":"*"},
		{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"aws:CalledVia":"imagebuilder.amazonaws.com"},"Null":{"aws:SourceIp":"true"}}},
		{"Effect":"Allow","Action":"iam:PassRole","Resource":"*","Condition":{"StringEquals":{"iam:PassedToService":"ec2.amazonaws.com"}}}]}`,
	}}
	e, log := newEnforcer(t, authz.Options{Identities: ids})
	ctx, _ := callCtx(alice)
	out, err := e.Authorize(ctx, ibv1.Model(), getComponentOp(t), &ibv1.GetComponentRequest{ComponentBuildVersionArn: proto.String("arn:aws:imagebuilder:us-east-1:" + acctA + ":component/a/1.0.0/1")})
	if err != nil {
		t.Fatal(err)
	}
	key := "arn:aws:kms:us-east-1:" + acctA + ":key/1234abcd-12ab-34cd-56ef-1234567890ab"
	if err := authz.Check(out, authz.CheckRequest{Action: "kms:Decrypt", ARN: key, Via: []string{"imagebuilder.amazonaws.com"}}); err != nil {
		t.Fatalf("forward access: %v", err)
	}
	denied(t, authz.Check(out, authz.CheckRequest{Action: "kms:Decrypt", ARN: key}), "AccessDeniedException", "kms:Decrypt")
	role := "arn:aws:iam::" + acctA + ":role/builder"
	pass := func(svc string) error {
		return authz.Check(out, authz.CheckRequest{Action: "iam:PassRole", ARN: role, Keys: []authz.Key{{Name: "iam:PassedToService", Values: []string{svc}}}})
	}
	if err := pass("ec2.amazonaws.com"); err != nil {
		t.Fatalf("PassRole to ec2: %v", err)
	}
	denied(t, pass("lambda.amazonaws.com"), "AccessDeniedException", "iam:PassRole", role)
	ds := log.ByRequestID("req-1")
	if len(ds) != 5 || ds[1].Check != "forward access via imagebuilder.amazonaws.com" || ds[2].Check != "dependent" {
		t.Fatalf("decisions: %d, %+v", len(ds), ds)
	}
	if err := authz.Check(context.Background(), authz.CheckRequest{Action: "kms:Decrypt"}); err == nil {
		t.Fatal("Check outside an authorized call succeeded")
	}
}

// The log keeps the newest decisions and serves them by request id.
func TestLogRingAndHandler(t *testing.T) {
	log := authz.NewLog(2)
	for _, id := range []string{"r1", "r2", "r2"} {
		log.Record(&authz.Decision{RequestID: id, Action: "a:" + id, Resource: "*", Time: when, Outcome: policy.Allowed})
	}
	if got := log.ByRequestID("r1"); len(got) != 0 {
		t.Fatalf("r1 survived eviction: %+v", got)
	}
	if got := log.ByRequestID("r2"); len(got) != 2 {
		t.Fatalf("r2: %d decisions, want 2", len(got))
	}
	srv := httptest.NewServer(log.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + authz.DecisionsPath + "r2")
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		RequestID string `json:"requestId"`
		Decisions []struct {
			Action, Decision string
		} `json:"decisions"`
	}
	err = json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || body.RequestID != "r2" || len(body.Decisions) != 2 || body.Decisions[0].Decision != "allowed" {
		t.Fatalf("GET: %d %+v %v", resp.StatusCode, body, err)
	}
	resp, err = http.Get(srv.URL + authz.DecisionsPath + "r1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("evicted request: status %d, want 404", resp.StatusCode)
	}
}

func TestMatchesFormat(t *testing.T) {
	cases := []struct {
		arn, format string
		want        bool
	}{
		{"arn:aws:iam::1:user/alice", "arn:${Partition}:iam::${Account}:user/${UserNameWithPath}", true},
		{"arn:aws:iam::1:user/eng/team/alice", "arn:${Partition}:iam::${Account}:user/${UserNameWithPath}", true},
		{"arn:aws:iam::1:role/alice", "arn:${Partition}:iam::${Account}:user/${UserNameWithPath}", false},
		{"arn:aws:imagebuilder:r:1:image/a/1.0.0", "arn:${Partition}:imagebuilder:${Region}:${Account}:image/${ImageName}/${ImageVersion}/${ImageBuildVersion}", false},
		{"arn:aws:imagebuilder:r:1:image/a/1.0.0", "arn:${Partition}:imagebuilder:${Region}:${Account}:image/${ImageName}/${ImageVersion}", true},
		{"arn:aws:imagebuilder:r:1:image//1.0.0", "arn:${Partition}:imagebuilder:${Region}:${Account}:image/${ImageName}/${ImageVersion}", false},
		{"not an arn", "arn:${Partition}:iam::${Account}:user/${UserNameWithPath}", false},
	}
	for _, c := range cases {
		if got := authz.MatchesFormat(c.arn, c.format); got != c.want {
			t.Errorf("MatchesFormat(%q, %q) = %v", c.arn, c.format, got)
		}
	}
}

func TestFillARN(t *testing.T) {
	got := authz.FillARN("arn:${Partition}:imagebuilder:${Region}:${Account}:component/${ComponentName}/${ComponentVersion}/${ComponentBuildVersion}", "eu-west-1", acctA, map[string]string{"ComponentName": "web", "ComponentVersion": "2.0.0"}, "*")
	if want := "arn:aws:imagebuilder:eu-west-1:" + acctA + ":component/web/2.0.0/*"; got != want {
		t.Fatalf("FillARN = %s, want %s", got, want)
	}
}

// A denial carries a sealed authorization message that only this emulator's
// key decodes, into the JSON sts:DecodeAuthorizationMessage returns.
func TestEncodedAuthorizationMessage(t *testing.T) {
	s, err := seal.New(bytes.Repeat([]byte{9}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	alice := user(acctA, "alice")
	ids := users{alice.ARN: {`{"Version":"2012-10-17","Statement":[{"Sid":"NoGet","Effect":"Deny","Action":"imagebuilder:Get*","Resource":"*"}]}`}}
	e, log := newEnforcer(t, authz.Options{Identities: ids, Sealer: s})
	ctx, _ := callCtx(alice)
	arn := "arn:aws:imagebuilder:us-east-1:" + acctA + ":component/a/1.0.0/1"
	_, err = e.Authorize(ctx, ibv1.Model(), getComponentOp(t), &ibv1.GetComponentRequest{ComponentBuildVersionArn: proto.String(arn)})
	denied(t, err, "AccessDeniedException", "with an explicit deny in an identity-based policy")
	enc := log.ByRequestID("req-1")[0].EncodedMessage()
	if enc == "" {
		t.Fatal("no encoded message")
	}
	raw, err := authz.DecodeMessage(s, enc, acctA)
	if err != nil {
		t.Fatal(err)
	}
	var msg struct {
		Allowed           bool `json:"allowed"`
		ExplicitDeny      bool `json:"explicitDeny"`
		MatchedStatements struct {
			Items []struct {
				StatementID string `json:"statementId"`
				Effect      string `json:"effect"`
			} `json:"items"`
		} `json:"matchedStatements"`
		Context struct {
			Principal struct {
				ARN string `json:"arn"`
			} `json:"principal"`
			Action, Resource string
			Conditions       struct {
				Items []struct {
					Key string `json:"key"`
				} `json:"items"`
			} `json:"conditions"`
		} `json:"context"`
	}
	if err := json.Unmarshal([]byte(raw), &msg); err != nil {
		t.Fatal(err)
	}
	if msg.Allowed || !msg.ExplicitDeny || len(msg.MatchedStatements.Items) != 1 || msg.MatchedStatements.Items[0].StatementID != "NoGet" ||
		msg.MatchedStatements.Items[0].Effect != "DENY" || msg.Context.Principal.ARN != alice.ARN || msg.Context.Action != "imagebuilder:GetComponent" || msg.Context.Resource != arn {
		t.Fatalf("decoded = %s", raw)
	}
	if !strings.Contains(raw, `"aws:PrincipalArn"`) {
		t.Errorf("context conditions lack aws:PrincipalArn: %s", raw)
	}
	other, _ := seal.New(bytes.Repeat([]byte{8}, seal.KeySize))
	for _, bad := range []string{enc[:len(enc)-2], "not a message", ""} {
		if _, err := authz.DecodeMessage(s, bad, acctA); !errors.Is(err, authz.ErrInvalidMessage) {
			t.Errorf("DecodeMessage(%q) = %v", bad, err)
		}
	}
	if _, err := authz.DecodeMessage(other, enc, acctA); !errors.Is(err, authz.ErrInvalidMessage) {
		t.Error("another key decoded the message")
	}
	if _, err := authz.DecodeMessage(s, enc, acctB); !errors.Is(err, authz.ErrInvalidMessage) {
		t.Error("another account decoded the message")
	}
}

// FuzzMatchesFormat: ARNs come from requests; matching them against every
// format never panics, and an ARN built from a format with non-empty
// variables always matches it.
func FuzzMatchesFormat(f *testing.F) {
	f.Add("arn:aws:iam::111122223333:user/eng/alice", "alice")
	f.Add("arn:aws:imagebuilder:us-east-1:111122223333:component/a/1.0.0/1", "x")
	f.Add("arn:::::", "")
	f.Add("arn:aws:s3:::bucket/key", "a/b")
	formats := []string{
		"arn:${Partition}:iam::${Account}:user/${UserNameWithPath}",
		"arn:${Partition}:imagebuilder:${Region}:${Account}:component/${ComponentName}/${ComponentVersion}/${ComponentBuildVersion}",
		"arn:${Partition}:imagebuilder:${Region}:${Account}:component/${ComponentName}/${ComponentVersion}/*",
		"arn:${Partition}:s3:::${BucketName}/${ObjectName}",
	}
	f.Fuzz(func(t *testing.T, arn, value string) {
		for _, format := range formats {
			_ = authz.MatchesFormat(arn, format)
			_, _ = authz.ParseARN(arn)
			if value == "" || strings.ContainsAny(value, "/:") {
				continue
			}
			vars := map[string]string{}
			for _, v := range []string{"UserNameWithPath", "ComponentName", "ComponentVersion", "ComponentBuildVersion", "BucketName", "ObjectName"} {
				vars[v] = value
			}
			built := authz.FillARN(format, "us-east-1", acctA, vars, "*")
			if !authz.MatchesFormat(built, format) {
				t.Fatalf("%s does not match its own format %s", built, format)
			}
		}
	})
}

// An itemized operation is not decided as a whole: its resources are
// resolved into the Target, and the handler decides each item, recorded as
// an "item" check.
func TestItemizedOperation(t *testing.T) {
	alice := user(acctA, "alice")
	ids := users{alice.ARN: {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::b/logs/*"}]}`}}
	resolved := 0
	res := resolverFunc(func(_ context.Context, _ *callctx.Call, _ string, ref *authz.ResourceRef) (*authz.Resource, error) {
		resolved++
		return &authz.Resource{ARN: ref.ARN, Account: acctA}, nil
	})
	e, log := newEnforcer(t, authz.Options{Identities: ids, Resolvers: map[string]authz.Resolver{"s3": res}})
	object := &apimodel.AuthzResource{Type: "object", Required: true, ARNFormat: "arn:${Partition}:s3:::${BucketName}/${ObjectName}",
		Variables: []*apimodel.ARNVariable{{Name: "BucketName", Member: "Bucket"}}}
	spec := &apimodel.Authz{Action: "s3:DeleteObject", Resources: []*apimodel.AuthzResource{object}}
	in := &s3v1.DeleteObjectsRequest{Bucket: proto.String("b")}

	// Decided as a whole, bucket/* is refused to a caller allowed logs/*.
	ctx, _ := callCtx(alice)
	_, err := e.Authorize(ctx, s3v1.Model(), withSpec(t, s3v1.Model(), "DeleteObjects", spec), in)
	denied(t, err, "AccessDenied", "s3:DeleteObject", "arn:aws:s3:::b/*")

	item := *spec
	item.Itemized = true
	ctx, c := callCtx(alice)
	c.RequestID = "req-2"
	out, err := e.Authorize(ctx, s3v1.Model(), withSpec(t, s3v1.Model(), "DeleteObjects", &item), in)
	if err != nil {
		t.Fatalf("itemized: %v", err)
	}
	if r := authz.TargetFrom(out).Resource(); r == nil || r.ARN != "arn:aws:s3:::b/*" || resolved != 2 {
		t.Fatalf("target resource %+v, resolved %d times", r, resolved)
	}
	if ds := log.ByRequestID("req-2"); len(ds) != 0 {
		t.Fatalf("the request as a whole was decided: %+v", ds)
	}
	if err := authz.Check(out, authz.CheckRequest{Action: "s3:DeleteObject", ARN: "arn:aws:s3:::b/logs/1", Item: true}); err != nil {
		t.Fatalf("allowed key: %v", err)
	}
	denied(t, authz.Check(out, authz.CheckRequest{Action: "s3:DeleteObject", ARN: "arn:aws:s3:::b/data/1", Item: true}), "AccessDenied", "arn:aws:s3:::b/data/1")
	ds := log.ByRequestID("req-2")
	if len(ds) != 2 || ds[0].Check != "item" || ds[1].Outcome == policy.Allowed {
		t.Fatalf("item decisions: %+v", ds)
	}
}

// keptCaller is an Identities that keeps its callers, as IAM's does.
type keptCaller struct{ c *authz.Caller }

func (k keptCaller) Caller(context.Context, *auth.Principal) (*authz.Caller, error) { return k.c, nil }

// An allowed GetComponent by a kept caller costs two allocations in the
// enforcer: the Target (with its context, resource list and reference) and
// the Decision with the request's derived context. The global keys come
// from the caller's base context; the resource's tag keys are kept. (The
// resource here is not Kept: each request is evaluated.)
func TestAuthorizeAllocations(t *testing.T) {
	alice := user(acctA, "alice")
	docs := users{alice.ARN: {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"imagebuilder:Get*","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"blue"},"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}}]}`}}
	caller, err := docs.Caller(context.Background(), &alice)
	if err != nil {
		t.Fatal(err)
	}
	arn := "arn:aws:imagebuilder:us-east-1:" + acctA + ":component/web/1.0.0/1"
	res := &authz.Resource{ARN: arn, Account: acctA, Region: region, Exists: true, Tags: map[string]string{"team": "blue"}}
	e, err := authz.New(authz.Options{Identities: keptCaller{caller}, Resolvers: map[string]authz.Resolver{
		"imagebuilder": resolverFunc(func(context.Context, *callctx.Call, string, *authz.ResourceRef) (*authz.Resource, error) {
			return res, nil
		}),
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, _ := callCtx(alice)
	op, in := getComponentOp(t), &ibv1.GetComponentRequest{ComponentBuildVersionArn: proto.String(arn)}
	if _, err := e.Authorize(ctx, ibv1.Model(), op, in); err != nil {
		t.Fatal(err)
	}
	n := testing.AllocsPerRun(200, func() {
		if _, err := e.Authorize(ctx, ibv1.Model(), op, in); err != nil {
			t.Fatal(err)
		}
	})
	if n > 2 {
		t.Errorf("Authorize allocates %v times, want at most 2", n)
	}
	// The tag condition is still evaluated: without the tag, denied.
	res.Tags = map[string]string{"team": "red"}
	if _, err := e.Authorize(ctx, ibv1.Model(), op, in); err == nil {
		t.Fatal("allowed without the tag")
	}
}
