package emulator_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/emulator/emulatortest"
	"github.com/ibemu/ibemu/grpcsigv4"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// principals is a test's emulator with one account's root IAM client, and
// the means to create IAM users there and sign as them.
type principals struct {
	t    *testing.T
	emu  *emulator.Emulator
	root *iam.Client
	ctx  context.Context
}

func newPrincipals(t *testing.T) *principals {
	emu := emulatortest.Start(t)
	return &principals{t: t, emu: emu, root: iamClient(t, emu.AWSConfig(accountA)), ctx: testContext(t)}
}

// user creates an IAM user of accountA with inline policies (name →
// document) and returns an Image Builder client signing with its key.
func (p *principals) user(name string, inline map[string]string) (*imagebuilder.Client, aws.Credentials) {
	p.t.Helper()
	return p.userIn(p.root, accountA, name, inline)
}

func (p *principals) userIn(root *iam.Client, account, name string, inline map[string]string) (*imagebuilder.Client, aws.Credentials) {
	p.t.Helper()
	if _, err := root.CreateUser(p.ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		p.t.Fatalf("CreateUser %s: %v", name, err)
	}
	for pn, doc := range inline {
		p.putUserPolicy(root, name, pn, doc)
	}
	k, err := root.CreateAccessKey(p.ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		p.t.Fatalf("CreateAccessKey %s: %v", name, err)
	}
	creds := aws.Credentials{AccessKeyID: aws.ToString(k.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(k.AccessKey.SecretAccessKey)}
	cfg := withKey(p.emu.AWSConfig(account), creds.AccessKeyID, creds.SecretAccessKey)
	return newIB(testClientConfig(p.t, cfg)), creds
}

func (p *principals) putUserPolicy(root *iam.Client, user, name, doc string) {
	p.t.Helper()
	if _, err := root.PutUserPolicy(p.ctx, &iam.PutUserPolicyInput{UserName: aws.String(user), PolicyName: aws.String(name), PolicyDocument: aws.String(doc)}); err != nil {
		p.t.Fatalf("PutUserPolicy %s/%s: %v", user, name, err)
	}
}

// denied checks an Image Builder AccessDeniedException and that its message
// names the reason.
func denied(t *testing.T, err error, reason string) {
	t.Helper()
	apiErr := requireAPIError(t, err, "AccessDeniedException", 403)
	if !strings.Contains(apiErr.ErrorMessage(), reason) {
		t.Fatalf("denial %q does not say %q", apiErr.ErrorMessage(), reason)
	}
}

// A user allowed to create components only with a given request tag: the
// tag's presence and value decide, and aws:TagKeys limits the other tags.
func TestEnforceRequestTag(t *testing.T) {
	t.Parallel()
	p := newPrincipals(t)
	c, _ := p.user("tagger", map[string]string{"create-tagged": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"imagebuilder:CreateComponent","Resource":"*",
		"Condition":{"StringEquals":{"aws:RequestTag/team":"blue"},"ForAllValues:StringEquals":{"aws:TagKeys":["team","env"]}}}]}`})
	create := func(name string, tags map[string]string) error {
		in := createInput(name, "1.0.0")
		in.Tags = tags
		_, err := c.CreateComponent(p.ctx, in)
		return err
	}
	const reason = "User: arn:aws:iam::" + accountA + ":user/tagger is not authorized to perform: imagebuilder:CreateComponent on resource: arn:aws:imagebuilder:us-east-1:" + accountA + ":component/"
	denied(t, create("untagged", nil), reason+"untagged/1.0.0/1 because no identity-based policy allows the imagebuilder:CreateComponent action")
	denied(t, create("red", map[string]string{"team": "red"}), reason+"red/1.0.0/1")
	denied(t, create("extra", map[string]string{"team": "blue", "owner": "me"}), reason+"extra/1.0.0/1")
	if err := create("blue", map[string]string{"team": "blue", "env": "dev"}); err != nil {
		t.Fatalf("tagged create: %v", err)
	}
	root := client(t, p.emu, accountA)
	if got := listARNs(t, root, nil); len(got) != 1 || !strings.Contains(got[0], "component/blue/") {
		t.Fatalf("components after the denials: %v (a denied create must store nothing)", got)
	}
}

// An explicit deny added later wins over every allow, at once.
func TestEnforceExplicitDenyAddedLater(t *testing.T) {
	t.Parallel()
	p := newPrincipals(t)
	arn := mustCreate(t, client(t, p.emu, accountA), createInput("web", "1.0.0"))
	c, _ := p.user("reader", map[string]string{"read": allowGet})
	mustGet(t, c, arn)
	p.putUserPolicy(p.root, "reader", "no-web", `{"Version":"2012-10-17","Statement":[{"Sid":"NoWeb","Effect":"Deny","Action":"imagebuilder:GetComponent","Resource":"arn:aws:imagebuilder:*:*:component/web/*"}]}`)
	_, err := c.GetComponent(p.ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(arn)})
	denied(t, err, "with an explicit deny in an identity-based policy")
	// Removing it restores access.
	if _, err := p.root.DeleteUserPolicy(p.ctx, &iam.DeleteUserPolicyInput{UserName: aws.String("reader"), PolicyName: aws.String("no-web")}); err != nil {
		t.Fatal(err)
	}
	mustGet(t, c, arn)
}

// Resource tags decide through aws:ResourceTag, read from the stored
// component.
func TestEnforceResourceTag(t *testing.T) {
	t.Parallel()
	p := newPrincipals(t)
	root := client(t, p.emu, accountA)
	blue := createInput("blue", "1.0.0")
	blue.Tags = map[string]string{"team": "blue"}
	blueARN := mustCreate(t, root, blue)
	redARN := mustCreate(t, root, createInput("red", "1.0.0"))
	c, _ := p.user("blue-reader", map[string]string{"read-blue": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"imagebuilder:GetComponent","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"blue"}}}]}`})
	mustGet(t, c, blueARN)
	_, err := c.GetComponent(p.ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(redARN)})
	denied(t, err, "imagebuilder:GetComponent on resource: "+redARN)
	// Retagging the component changes the decision.
	if _, err := root.TagResource(p.ctx, &imagebuilder.TagResourceInput{ResourceArn: aws.String(redARN), Tags: map[string]string{"team": "blue"}}); err != nil {
		t.Fatal(err)
	}
	mustGet(t, c, redARN)
}

// A permissions boundary caps what identity policies grant.
func TestEnforcePermissionsBoundary(t *testing.T) {
	t.Parallel()
	p := newPrincipals(t)
	arn := mustCreate(t, client(t, p.emu, accountA), createInput("bounded", "1.0.0"))
	c, _ := p.user("bounded", map[string]string{"all": allowAll})
	b, err := p.root.CreatePolicy(p.ctx, &iam.CreatePolicyInput{PolicyName: aws.String("list-only"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"imagebuilder:List*","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	mustGet(t, c, arn)
	if _, err := p.root.PutUserPermissionsBoundary(p.ctx, &iam.PutUserPermissionsBoundaryInput{UserName: aws.String("bounded"), PermissionsBoundary: b.Policy.Arn}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetComponent(p.ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(arn)})
	denied(t, err, "because no permissions boundary allows the imagebuilder:GetComponent action")
	if _, err := c.ListComponents(p.ctx, &imagebuilder.ListComponentsInput{}); err != nil {
		t.Fatalf("ListComponents within the boundary: %v", err)
	}
	// The boundary cannot be deleted while it is in use, and removing it from
	// the user restores the identity policy's reach.
	_, err = p.root.DeletePolicy(p.ctx, &iam.DeletePolicyInput{PolicyArn: b.Policy.Arn})
	requireAPIError(t, err, "DeleteConflict", 409)
	if _, err := p.root.DeleteUserPermissionsBoundary(p.ctx, &iam.DeleteUserPermissionsBoundaryInput{UserName: aws.String("bounded")}); err != nil {
		t.Fatal(err)
	}
	mustGet(t, c, arn)
}

// Sharing a component with another account needs both sides: the component
// policy naming the account, and the caller's own identity policy. The
// shared component lists under owner Shared.
func TestEnforceCrossAccountSharingNeedsBothSides(t *testing.T) {
	t.Parallel()
	p := newPrincipals(t)
	owner := client(t, p.emu, accountA)
	arn := mustCreate(t, owner, createInput("shared", "1.0.0"))
	rootB := iamClient(t, p.emu.AWSConfig(accountB))
	reader, _ := p.userIn(rootB, accountB, "reader", map[string]string{"read": allowGet, "list": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"imagebuilder:ListComponents","Resource":"*"}]}`})
	lister, _ := p.userIn(rootB, accountB, "lister", map[string]string{"list": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"imagebuilder:ListComponents","Resource":"*"}]}`})

	// Before sharing: the reader's own allow is not enough.
	_, err := reader.GetComponent(p.ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(arn)})
	denied(t, err, "because no resource-based policy allows the imagebuilder:GetComponent action")
	if got := sharedWith(t, reader); len(got) != 0 {
		t.Fatalf("shared before sharing: %v", got)
	}

	mustPutComponentPolicy(t, owner, arn, sharePolicy(arn, accountB))
	mustGet(t, reader, arn)
	if got := sharedWith(t, reader); len(got) != 1 || !strings.Contains(got[0], "component/shared/1.0.0") {
		t.Fatalf("owner Shared lists %v", got)
	}
	// The resource policy names the account, which delegates to its
	// identity policies: a user of that account without an allow is denied.
	_, err = lister.GetComponent(p.ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(arn)})
	denied(t, err, "because no identity-based policy allows the imagebuilder:GetComponent action")
	// A third account is not named.
	_, err = client(t, p.emu, "777788889999").GetComponent(p.ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(arn)})
	denied(t, err, "because no resource-based policy allows")
}

// An operation the Service Authorization Reference does not describe is
// refused, even to a root user: enforcement fails closed.
func TestEnforceOperationWithoutSpecFailsClosed(t *testing.T) {
	t.Parallel()
	p := newPrincipals(t)
	_, err := p.root.UpdateDelegationRequest(p.ctx, &iam.UpdateDelegationRequestInput{DelegationRequestId: aws.String("dr-1234567890abcdef")})
	requireIAMError(t, err, "AccessDenied", 403, "")
	if !strings.Contains(err.Error(), "iam:UpdateDelegationRequest has no entry in the Service Authorization Reference") {
		t.Fatalf("err = %v", err)
	}
}

// A denial over gRPC is PermissionDenied with the AWS code in ErrorInfo and
// the same enhanced message as over HTTP.
func TestEnforceDenialOverGRPC(t *testing.T) {
	t.Parallel()
	p := newPrincipals(t)
	arn := mustCreate(t, client(t, p.emu, accountA), createInput("grpc", "1.0.0"))
	c, creds := p.user("lister", map[string]string{"list": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"imagebuilder:List*","Resource":"*"}]}`})
	_, httpErr := c.GetComponent(p.ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(arn)})
	httpAPIErr := requireAPIError(t, httpErr, "AccessDeniedException", 403)

	conn, err := grpc.NewClient(p.emu.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithPerRPCCredentials(grpcsigv4.New(credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, ""), region)))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	gc := ibv1.NewImagebuilderClient(conn)
	_, err = gc.GetComponent(p.ctx, &ibv1.GetComponentRequest{ComponentBuildVersionArn: proto.String(arn)})
	st, ok := status.FromError(err)
	if !ok || st.Code() != codes.PermissionDenied {
		t.Fatalf("gRPC err = %v, want PermissionDenied", err)
	}
	if st.Message() != httpAPIErr.ErrorMessage() {
		t.Errorf("gRPC message %q, HTTP message %q", st.Message(), httpAPIErr.ErrorMessage())
	}
	var info *errdetails.ErrorInfo
	for _, d := range st.Details() {
		if i, ok := d.(*errdetails.ErrorInfo); ok {
			info = i
		}
	}
	if info == nil || info.Reason != "AccessDeniedException" || info.Metadata["httpStatus"] != "403" || info.Metadata["requestId"] == "" {
		t.Fatalf("ErrorInfo = %v", info)
	}
	// The list the user may do works over gRPC too.
	if _, err := gc.ListComponents(p.ctx, &ibv1.ListComponentsRequest{}); err != nil {
		t.Fatalf("ListComponents over gRPC: %v", err)
	}
}

// IAM decides its path listings on the listed path's ARN, not on "*":
// arn:aws:iam::ACCOUNT:user/ (user/PATH/ with a PathPrefix), role/, group/,
// instance-profile/ — what AWS's denials name.
func TestEnforceIAMPathListings(t *testing.T) {
	t.Parallel()
	p := newPrincipals(t)
	_, creds := p.user("lister", map[string]string{
		"list": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListUsers","iam:ListRoles"],"Resource":["arn:aws:iam::` + accountA + `:user/eng/*","arn:aws:iam::` + accountA + `:role/*"]}]}`,
	})
	lister := iamClient(t, withKey(p.emu.AWSConfig(accountA), creds.AccessKeyID, creds.SecretAccessKey))
	if _, err := lister.ListRoles(p.ctx, &iam.ListRolesInput{}); err != nil {
		t.Fatalf("ListRoles allowed on role/*: %v", err)
	}
	if _, err := lister.ListUsers(p.ctx, &iam.ListUsersInput{PathPrefix: aws.String("/eng/")}); err != nil {
		t.Fatalf("ListUsers under /eng/ allowed on user/eng/*: %v", err)
	}
	_, err := lister.ListUsers(p.ctx, &iam.ListUsersInput{})
	requireIAMError(t, err, "AccessDenied", 403, "User: arn:aws:iam::"+accountA+":user/lister is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::"+accountA+":user/ because no identity-based policy allows the iam:ListUsers action")

	// An allow on "*" is undone by a deny on role/*.
	p.putUserPolicy(p.root, "lister", "all", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:List*","Resource":"*"},{"Effect":"Deny","Action":"iam:ListRoles","Resource":"arn:aws:iam::*:role/*"}]}`)
	if _, err := lister.ListUsers(p.ctx, &iam.ListUsersInput{}); err != nil {
		t.Fatalf("ListUsers allowed on *: %v", err)
	}
	_, err = lister.ListRoles(p.ctx, &iam.ListRolesInput{})
	requireIAMError(t, err, "AccessDenied", 403, "User: arn:aws:iam::"+accountA+":user/lister is not authorized to perform: iam:ListRoles on resource: arn:aws:iam::"+accountA+":role/ with an explicit deny in an identity-based policy")
}
