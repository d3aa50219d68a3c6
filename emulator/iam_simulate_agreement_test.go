package emulator_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/smithy-go"
)

// agreementCase is one row of the agreement table: a user set up by root,
// a simulation of one action and the real request that performs it.
type agreementCase struct {
	name string
	// setup gives the user (named user) its policies, groups and boundary;
	// it may make live calls first (lc) to warm what enforcement caches.
	setup func(t *testing.T, lc *liveClients, user string)
	// action, resources and context are what the simulation asks about:
	// the resource the live request is decided on and the context keys
	// its policies read.
	action    string
	resources func(user string) []string
	context   func(user string) []types.ContextEntry
	// live makes the real request signed with the user's key.
	live func(lc *liveClients, user string) error
	want types.PolicyEvaluationDecisionType
}

// liveClients are a user's clients and root's, for one case.
type liveClients struct {
	ctx  context.Context
	root *iam.Client
	ib   *imagebuilder.Client
	iam  *iam.Client
}

// TestIAMSimulationAgreesWithEnforcement runs, for every case, both
// SimulatePrincipalPolicy and the real call signed as the simulated user,
// and requires the same answer: allowed ↔ the call is not refused with
// AccessDenied; implicitDeny or explicitDeny ↔ AccessDenied, whose message
// names an explicit deny exactly when the simulation says explicitDeny.
func TestIAMSimulationAgreesWithEnforcement(t *testing.T) {
	t.Parallel()
	emu, root := startIAM(t)
	ctx := testContext(t)
	rootIB := client(t, emu, accountA)
	tagged := func(name string, tags map[string]string) string {
		in := createInput(name, "1.0.0")
		in.Tags = tags
		return mustCreate(t, rootIB, in)
	}
	prod := tagged("prod-app", map[string]string{"owner": "u-restag"})
	shared := tagged("shared-app", map[string]string{"owner": "someone-else"})
	allowDoc := func(effect, action, resource, condition string) string {
		if condition != "" {
			condition = `,"Condition":` + condition
		}
		return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":%q,"Action":%q,"Resource":%q%s}]}`, effect, action, resource, condition)
	}
	managed := func(t *testing.T, lc *liveClients, name, doc string) string {
		out, err := lc.root.CreatePolicy(lc.ctx, &iam.CreatePolicyInput{PolicyName: aws.String(name), PolicyDocument: aws.String(doc)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.Policy.Arn)
	}
	attach := func(t *testing.T, lc *liveClients, user, arn string) {
		if _, err := lc.root.AttachUserPolicy(lc.ctx, &iam.AttachUserPolicyInput{UserName: aws.String(user), PolicyArn: aws.String(arn)}); err != nil {
			t.Fatal(err)
		}
	}
	inline := func(t *testing.T, lc *liveClients, user, name, doc string) {
		if _, err := lc.root.PutUserPolicy(lc.ctx, &iam.PutUserPolicyInput{UserName: aws.String(user), PolicyName: aws.String(name), PolicyDocument: aws.String(doc)}); err != nil {
			t.Fatal(err)
		}
	}
	inGroup := func(t *testing.T, lc *liveClients, user, group string, policyARN, inlineDoc string) {
		if _, err := lc.root.CreateGroup(lc.ctx, &iam.CreateGroupInput{GroupName: aws.String(group)}); err != nil {
			t.Fatal(err)
		}
		if _, err := lc.root.AddUserToGroup(lc.ctx, &iam.AddUserToGroupInput{GroupName: aws.String(group), UserName: aws.String(user)}); err != nil {
			t.Fatal(err)
		}
		if policyARN != "" {
			if _, err := lc.root.AttachGroupPolicy(lc.ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String(group), PolicyArn: aws.String(policyARN)}); err != nil {
				t.Fatal(err)
			}
		}
		if inlineDoc != "" {
			if _, err := lc.root.PutGroupPolicy(lc.ctx, &iam.PutGroupPolicyInput{GroupName: aws.String(group), PolicyName: aws.String("inline"), PolicyDocument: aws.String(inlineDoc)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	boundary := func(t *testing.T, lc *liveClients, user, doc string) {
		arn := managed(t, lc, user+"-boundary", doc)
		if _, err := lc.root.PutUserPermissionsBoundary(lc.ctx, &iam.PutUserPermissionsBoundaryInput{UserName: aws.String(user), PermissionsBoundary: aws.String(arn)}); err != nil {
			t.Fatal(err)
		}
	}
	getComponent := func(arn string) func(*liveClients, string) error {
		return func(lc *liveClients, _ string) error {
			_, err := lc.ib.GetComponent(lc.ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(arn)})
			return err
		}
	}
	listComponents := func(lc *liveClients, _ string) error {
		_, err := lc.ib.ListComponents(lc.ctx, &imagebuilder.ListComponentsInput{})
		return err
	}
	// readOnlyBoundary allows the user all of Image Builder within a
	// boundary of its Get actions.
	readOnlyBoundary := func(t *testing.T, lc *liveClients, user string) {
		inline(t, lc, user, "all", allowDoc("Allow", "imagebuilder:*", "*", ""))
		boundary(t, lc, user, allowDoc("Allow", "imagebuilder:Get*", "*", ""))
	}
	on := func(arns ...string) func(string) []string { return func(string) []string { return arns } }
	createTagged := func(team string) func(*liveClients, string) error {
		return func(lc *liveClients, user string) error {
			in := createInput(user+"-"+team, "1.0.0")
			in.Tags = map[string]string{"team": team}
			_, err := lc.ib.CreateComponent(lc.ctx, in)
			return err
		}
	}
	createdARN := func(team string) func(string) []string {
		return func(user string) []string {
			return []string{"arn:aws:imagebuilder:us-east-1:" + accountA + ":component/" + user + "-" + team + "/1.0.0/*"}
		}
	}
	requestTag := func(team string) func(string) []types.ContextEntry {
		return func(string) []types.ContextEntry {
			return []types.ContextEntry{
				contextEntry("aws:RequestTag/team", types.ContextKeyTypeEnumString, team),
				contextEntry("aws:TagKeys", types.ContextKeyTypeEnumStringList, "team"),
			}
		}
	}
	username := func(extra ...types.ContextEntry) func(string) []types.ContextEntry {
		return func(user string) []types.ContextEntry {
			return append([]types.ContextEntry{contextEntry("aws:username", types.ContextKeyTypeEnumString, user)}, extra...)
		}
	}
	userARN := func(name string) string { return "arn:aws:iam::" + accountA + ":user/" + name }
	allowTeamBlue := `{"StringEquals":{"aws:RequestTag/team":"blue"},"ForAllValues:StringEquals":{"aws:TagKeys":["team"]}}`

	cases := []agreementCase{
		{name: "no policies", action: "imagebuilder:GetComponent", resources: on(prod), live: getComponent(prod),
			want: types.PolicyEvaluationDecisionTypeImplicitDeny},
		{name: "attached managed policy", action: "imagebuilder:GetComponent", resources: on(prod), live: getComponent(prod),
			setup: func(t *testing.T, lc *liveClients, user string) {
				attach(t, lc, user, managed(t, lc, user+"-read", allowDoc("Allow", "imagebuilder:Get*", "*", "")))
			}, want: types.PolicyEvaluationDecisionTypeAllowed},
		{name: "inline user policy", action: "imagebuilder:ListComponents",
			live: listComponents,
			setup: func(t *testing.T, lc *liveClients, user string) {
				inline(t, lc, user, "list", allowDoc("Allow", "imagebuilder:ListComponents", "*", ""))
			}, want: types.PolicyEvaluationDecisionTypeAllowed},
		{name: "group inline policy", action: "iam:ListUsers",
			live: func(lc *liveClients, _ string) error {
				_, err := lc.iam.ListUsers(lc.ctx, &iam.ListUsersInput{})
				return err
			},
			setup: func(t *testing.T, lc *liveClients, user string) {
				inGroup(t, lc, user, user+"-group", "", allowDoc("Allow", "iam:List*", "*", ""))
			}, want: types.PolicyEvaluationDecisionTypeAllowed},
		{name: "group AWS managed policy", action: "iam:GetUser", resources: func(user string) []string { return []string{userARN(user)} },
			live: func(lc *liveClients, _ string) error {
				_, err := lc.iam.GetUser(lc.ctx, &iam.GetUserInput{})
				return err
			},
			setup: func(t *testing.T, lc *liveClients, user string) {
				inGroup(t, lc, user, user+"-group", "arn:aws:iam::aws:policy/IAMReadOnlyAccess", "")
			}, want: types.PolicyEvaluationDecisionTypeAllowed},
		{name: "boundary excludes the action", action: "imagebuilder:ListComponents",
			live:  listComponents,
			setup: readOnlyBoundary, want: types.PolicyEvaluationDecisionTypeImplicitDeny},
		{name: "boundary includes the action", action: "imagebuilder:GetComponent", resources: on(prod), live: getComponent(prod),
			setup: readOnlyBoundary, want: types.PolicyEvaluationDecisionTypeAllowed},
		{name: "request tag allowed", action: "imagebuilder:CreateComponent", resources: createdARN("blue"), context: requestTag("blue"),
			live: createTagged("blue"),
			setup: func(t *testing.T, lc *liveClients, user string) {
				inline(t, lc, user, "create", allowDoc("Allow", "imagebuilder:CreateComponent", "*", allowTeamBlue))
			}, want: types.PolicyEvaluationDecisionTypeAllowed},
		{name: "request tag refused", action: "imagebuilder:CreateComponent", resources: createdARN("red"), context: requestTag("red"),
			live: createTagged("red"),
			setup: func(t *testing.T, lc *liveClients, user string) {
				inline(t, lc, user, "create", allowDoc("Allow", "imagebuilder:CreateComponent", "*", allowTeamBlue))
			}, want: types.PolicyEvaluationDecisionTypeImplicitDeny},
		{name: "resource tag names the user", action: "imagebuilder:GetComponent", resources: on(prod),
			context: username(contextEntry("aws:ResourceTag/owner", types.ContextKeyTypeEnumString, "u-restag")), live: getComponent(prod),
			setup: func(t *testing.T, lc *liveClients, user string) {
				inline(t, lc, user, "own", allowDoc("Allow", "imagebuilder:GetComponent", "*", `{"StringEquals":{"aws:ResourceTag/owner":"${aws:username}"}}`))
			}, want: types.PolicyEvaluationDecisionTypeAllowed},
		{name: "resource tag names someone else", action: "imagebuilder:GetComponent", resources: on(shared),
			context: username(contextEntry("aws:ResourceTag/owner", types.ContextKeyTypeEnumString, "someone-else")), live: getComponent(shared),
			setup: func(t *testing.T, lc *liveClients, user string) {
				inline(t, lc, user, "own", allowDoc("Allow", "imagebuilder:GetComponent", "*", `{"StringEquals":{"aws:ResourceTag/owner":"${aws:username}"}}`))
			}, want: types.PolicyEvaluationDecisionTypeImplicitDeny},
		{name: "explicit deny added later", action: "imagebuilder:GetComponent", resources: on(prod), live: getComponent(prod),
			setup: func(t *testing.T, lc *liveClients, user string) {
				attach(t, lc, user, managed(t, lc, user+"-all", allowDoc("Allow", "imagebuilder:*", "*", "")))
				if err := getComponent(prod)(lc, user); err != nil {
					t.Fatalf("before the deny: %v", err)
				}
				inline(t, lc, user, "deny-prod", allowDoc("Deny", "imagebuilder:GetComponent", "arn:aws:imagebuilder:*:*:component/prod-*", ""))
			}, want: types.PolicyEvaluationDecisionTypeExplicitDeny},
		{name: "group deny over user allow", action: "imagebuilder:GetComponent", resources: on(shared), live: getComponent(shared),
			setup: func(t *testing.T, lc *liveClients, user string) {
				inline(t, lc, user, "all", allowDoc("Allow", "imagebuilder:*", "*", ""))
				inGroup(t, lc, user, user+"-group", "", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":"imagebuilder:List*","Resource":"*"}]}`)
			}, want: types.PolicyEvaluationDecisionTypeExplicitDeny},
		{name: "own user only", action: "iam:GetUser", resources: func(string) []string { return []string{userARN("u-restag")} }, context: username(),
			live: func(lc *liveClients, _ string) error {
				_, err := lc.iam.GetUser(lc.ctx, &iam.GetUserInput{UserName: aws.String("u-restag")})
				return err
			},
			setup: func(t *testing.T, lc *liveClients, user string) {
				inline(t, lc, user, "self", allowDoc("Allow", "iam:GetUser", "arn:aws:iam::*:user/${aws:username}", ""))
			}, want: types.PolicyEvaluationDecisionTypeImplicitDeny},
		{name: "source address", action: "imagebuilder:GetComponent", resources: on(prod),
			context: func(string) []types.ContextEntry {
				return []types.ContextEntry{contextEntry("aws:SourceIp", types.ContextKeyTypeEnumIp, "127.0.0.1")}
			}, live: getComponent(prod),
			setup: func(t *testing.T, lc *liveClients, user string) {
				inline(t, lc, user, "loopback", allowDoc("Allow", "imagebuilder:GetComponent", "*", `{"IpAddress":{"aws:SourceIp":"127.0.0.0/8"}}`))
			}, want: types.PolicyEvaluationDecisionTypeAllowed},
	}
	for i, c := range cases {
		user := fmt.Sprintf("u-case%02d", i)
		if c.name == "resource tag names the user" {
			user = "u-restag"
		}
		t.Run(c.name, func(t *testing.T) {
			lc := newLiveUser(t, emu, root, ctx, user)
			if c.setup != nil {
				c.setup(t, lc, user)
			}
			in := &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(userARN(user)), ActionNames: []string{c.action}}
			if c.resources != nil {
				in.ResourceArns = c.resources(user)
			}
			if c.context != nil {
				in.ContextEntries = c.context(user)
			}
			sim, err := root.SimulatePrincipalPolicy(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			decision := sim.EvaluationResults[0].EvalDecision
			liveErr := c.live(lc, user)
			denied, explicit := accessDenied(liveErr)
			if (decision == types.PolicyEvaluationDecisionTypeAllowed) == denied || (decision == types.PolicyEvaluationDecisionTypeExplicitDeny) != explicit {
				t.Fatalf("simulation %s, live call %v", decision, liveErr)
			}
			if decision != c.want {
				t.Errorf("simulation and live call agree on %s, want %s", decision, c.want)
			}
		})
	}
}

// newLiveUser creates user with an access key, as root, and returns its
// clients.
func newLiveUser(t *testing.T, emu interface{ AWSConfig(string) aws.Config }, root *iam.Client, ctx context.Context, user string) *liveClients {
	t.Helper()
	if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(user)}); err != nil {
		t.Fatal(err)
	}
	key, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(user)})
	if err != nil {
		t.Fatal(err)
	}
	cfg := testClientConfig(t, withKey(emu.AWSConfig(accountA), aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey)))
	return &liveClients{ctx: ctx, root: root, ib: newIB(cfg), iam: iam.NewFromConfig(cfg)}
}

// accessDenied tells whether err is AWS's AccessDenied (either protocol's
// code) and whether its message names an explicit deny.
func accessDenied(err error) (denied, explicit bool) {
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || (apiErr.ErrorCode() != "AccessDenied" && apiErr.ErrorCode() != "AccessDeniedException") {
		return false, false
	}
	return true, strings.Contains(apiErr.ErrorMessage(), "explicit deny")
}
