package emulator_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	grpcinsecure "google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/grpcsigv4"
	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// grpcClient dials the emulator's gRPC endpoint; with secret != "" every
// call is signed as account's root user with that secret.
func grpcClient(t *testing.T, emu *emulator.Emulator, account, secret string) (ibv1.ImagebuilderClient, *grpc.ClientConn) {
	t.Helper()
	opts := []grpc.DialOption{grpc.WithTransportCredentials(grpcinsecure.NewCredentials())}
	if secret != "" {
		creds := credentials.NewStaticCredentialsProvider(emulator.RootAccessKeyID(account), secret, "")
		opts = append(opts, grpc.WithPerRPCCredentials(grpcsigv4.New(creds, region)))
	}
	conn, err := grpc.NewClient(emu.GRPCAddr(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return ibv1.NewImagebuilderClient(conn), conn
}

// requireGRPCError checks the status code and the ErrorInfo detail: Reason
// is the AWS error code, metadata carries its HTTP status and a request id.
func requireGRPCError(t *testing.T, err error, code codes.Code, awsCode, httpStatus string) *status.Status {
	t.Helper()
	st, ok := status.FromError(err)
	if !ok || err == nil {
		t.Fatalf("got %v, want a gRPC status %s", err, code)
	}
	if st.Code() != code {
		t.Fatalf("status code = %s (%s), want %s", st.Code(), st.Message(), code)
	}
	var info *errdetails.ErrorInfo
	for _, d := range st.Details() {
		if ei, ok := d.(*errdetails.ErrorInfo); ok {
			info = ei
		}
	}
	if info == nil {
		t.Fatalf("status %s carries no ErrorInfo detail", st.Code())
	}
	if info.GetReason() != awsCode || info.GetMetadata()["httpStatus"] != httpStatus {
		t.Errorf("ErrorInfo reason %q httpStatus %q, want %q %q", info.GetReason(), info.GetMetadata()["httpStatus"], awsCode, httpStatus)
	}
	if info.GetMetadata()["requestId"] == "" {
		t.Error("ErrorInfo has no requestId")
	}
	return st
}

// TestGRPCComponentFlow drives the component operations over gRPC with
// signed metadata, and sees the same state as the AWS wire endpoint.
func TestGRPCComponentFlow(t *testing.T) {
	t.Parallel()
	emu, sdk := startClient(t)
	g, _ := grpcClient(t, emu, accountA, emulator.DefaultRootSecret)
	ctx := testContext(t)

	var header metadata.MD
	created, err := g.CreateComponent(ctx, &ibv1.CreateComponentRequest{
		Name:            aws.String("over-grpc"),
		SemanticVersion: aws.String("1.0.0"),
		Platform:        aws.String("Linux"),
		Data:            aws.String(linuxDoc("over-grpc")),
		Description:     aws.String("created over gRPC"),
		Tags:            map[string]string{"via": "grpc"},
		ClientToken:     aws.String("grpc-token"),
	}, grpc.Header(&header))
	if err != nil {
		t.Fatalf("CreateComponent: %v", err)
	}
	arn := componentARN(accountA, "over-grpc", "1.0.0", 1)
	if created.GetComponentBuildVersionArn() != arn || created.GetClientToken() != "grpc-token" {
		t.Errorf("CreateComponent answered %v", created)
	}
	if ids := header.Get("x-amzn-requestid"); len(ids) != 1 || ids[0] == "" || ids[0] != created.GetRequestId() {
		t.Errorf("request id header %v, body %q", ids, created.GetRequestId())
	}

	// A retry over gRPC is idempotent too.
	retried, err := g.CreateComponent(ctx, &ibv1.CreateComponentRequest{
		Name:            aws.String("over-grpc"),
		SemanticVersion: aws.String("1.0.0"),
		Platform:        aws.String("Linux"),
		Data:            aws.String(linuxDoc("over-grpc")),
		Description:     aws.String("created over gRPC"),
		Tags:            map[string]string{"via": "grpc"},
		ClientToken:     aws.String("grpc-token"),
	})
	if err != nil || retried.GetComponentBuildVersionArn() != arn {
		t.Errorf("retry: %v %v", err, retried)
	}

	got, err := g.GetComponent(ctx, &ibv1.GetComponentRequest{ComponentBuildVersionArn: aws.String(versionARN(accountA, "over-grpc", "x.x.x"))})
	if err != nil {
		t.Fatalf("GetComponent: %v", err)
	}
	comp := got.GetComponent()
	if comp.GetArn() != arn || comp.GetDescription() != "created over gRPC" || comp.GetTags()["via"] != "grpc" ||
		comp.GetType() != "BUILD" || comp.GetOwner() != accountA || len(comp.GetParameters()) != 2 {
		t.Errorf("GetComponent = %v", comp)
	}
	if got.GetLatestVersionReferences().GetLatestVersionArn() != versionARN(accountA, "over-grpc", "x.x.x") {
		t.Errorf("latestVersionReferences = %v", got.GetLatestVersionReferences())
	}

	// The SDK over HTTP sees what gRPC created, and the other way round.
	mustGet(t, sdk, arn)
	sdkARN := mustCreate(t, sdk, createInput("over-http", "1.0.0"))
	listed, err := g.ListComponents(ctx, &ibv1.ListComponentsRequest{MaxResults: aws.Int32(1)})
	if err != nil {
		t.Fatalf("ListComponents: %v", err)
	}
	if len(listed.GetComponentVersionList()) != 1 || listed.GetComponentVersionList()[0].GetArn() != versionARN(accountA, "over-grpc", "1.0.0") || listed.NextToken == nil {
		t.Fatalf("ListComponents page 1 = %v", listed)
	}
	page2, err := g.ListComponents(ctx, &ibv1.ListComponentsRequest{MaxResults: aws.Int32(1), NextToken: listed.NextToken})
	if err != nil {
		t.Fatalf("ListComponents page 2: %v", err)
	}
	if len(page2.GetComponentVersionList()) != 1 || page2.GetComponentVersionList()[0].GetArn() != versionARN(accountA, "over-http", "1.0.0") || page2.NextToken != nil {
		t.Fatalf("ListComponents page 2 = %v", page2)
	}

	builds, err := g.ListComponentBuildVersions(ctx, &ibv1.ListComponentBuildVersionsRequest{ComponentVersionArn: aws.String(versionARN(accountA, "over-grpc", "1.0.0"))})
	if err != nil || len(builds.GetComponentSummaryList()) != 1 {
		t.Fatalf("ListComponentBuildVersions: %v %v", err, builds)
	}

	deleted, err := g.DeleteComponent(ctx, &ibv1.DeleteComponentRequest{ComponentBuildVersionArn: aws.String(arn)})
	if err != nil || deleted.GetComponentBuildVersionArn() != arn {
		t.Fatalf("DeleteComponent: %v %v", err, deleted)
	}

	// Errors: the status code follows the HTTP status, ErrorInfo names the
	// AWS code.
	_, err = g.GetComponent(ctx, &ibv1.GetComponentRequest{ComponentBuildVersionArn: aws.String(arn)})
	st := requireGRPCError(t, err, codes.NotFound, "ResourceNotFoundException", "404")
	if !strings.Contains(st.Message(), "does not exist") {
		t.Errorf("message %q", st.Message())
	}
	_, err = g.DeleteComponent(ctx, &ibv1.DeleteComponentRequest{ComponentBuildVersionArn: aws.String(arn)})
	requireGRPCError(t, err, codes.NotFound, "ResourceNotFoundException", "404")
	_, err = g.ListComponents(ctx, &ibv1.ListComponentsRequest{NextToken: aws.String("garbage")})
	requireGRPCError(t, err, codes.InvalidArgument, "InvalidPaginationTokenException", "400")

	// The model's constraints apply to gRPC input as they do to HTTP input:
	// gRPC clients must send the client token the SDK would fill in.
	_, err = g.CreateComponent(ctx, &ibv1.CreateComponentRequest{
		Name:            aws.String("no-token"),
		SemanticVersion: aws.String("1.0.0"),
		Platform:        aws.String("Linux"),
		Data:            aws.String(linuxDoc("no-token")),
	})
	st = requireGRPCError(t, err, codes.InvalidArgument, "InvalidParameterValueException", "400")
	if st.Message() != "The value supplied for parameter 'clientToken' is not valid. clientToken is required." {
		t.Errorf("message %q", st.Message())
	}
	_, err = g.CreateComponent(ctx, &ibv1.CreateComponentRequest{
		Name:            aws.String("solaris"),
		SemanticVersion: aws.String("1.0.0"),
		Platform:        aws.String("Solaris"),
		Data:            aws.String(linuxDoc("solaris")),
		ClientToken:     aws.String("t"),
	})
	requireGRPCError(t, err, codes.InvalidArgument, "InvalidParameterValueException", "400")
	dry, err := g.CreateComponent(ctx, &ibv1.CreateComponentRequest{
		Name:            aws.String("dry"),
		SemanticVersion: aws.String("1.0.0"),
		Platform:        aws.String("Linux"),
		Data:            aws.String(linuxDoc("dry")),
		ClientToken:     aws.String("dry"),
		DryRun:          aws.Bool(true),
	})
	requireGRPCError(t, err, codes.FailedPrecondition, "DryRunOperationException", "412")
	if dry != nil {
		t.Errorf("a dry run answered %v", dry)
	}

	// An operation not built yet names itself: every Image Builder
	// operation is built, IAM's login profiles are not.
	_, conn := grpcClient(t, emu, accountA, emulator.DefaultRootSecret)
	_, err = iamv1.NewIAMClient(conn).CreateLoginProfile(ctx, &iamv1.CreateLoginProfileRequest{
		UserName: aws.String("alice"), Password: aws.String("Passw0rd!Passw0rd"),
	})
	st = requireGRPCError(t, err, codes.Unimplemented, "UnsupportedOperation", "501")
	if !strings.Contains(st.Message(), "CreateLoginProfile") {
		t.Errorf("message %q does not name CreateLoginProfile", st.Message())
	}

	requireSameStrings(t, "versions after the gRPC flow", listARNs(t, sdk, nil), []string{versionARN(accountA, "over-http", "1.0.0")})
	mustGet(t, sdk, sdkARN)
}

// TestGRPCAuthentication: calls without a signature, signed with the wrong
// secret or for another service are refused with Unauthenticated and run
// nothing.
func TestGRPCAuthentication(t *testing.T) {
	t.Parallel()
	emu, sdk := startClient(t)
	ctx := testContext(t)
	create := &ibv1.CreateComponentRequest{
		Name:            aws.String("refused"),
		SemanticVersion: aws.String("1.0.0"),
		Platform:        aws.String("Linux"),
		Data:            aws.String(linuxDoc("refused")),
		ClientToken:     aws.String("t"),
	}

	anonymous, _ := grpcClient(t, emu, accountA, "")
	_, err := anonymous.CreateComponent(ctx, create)
	requireGRPCError(t, err, codes.Unauthenticated, "MissingAuthenticationTokenException", "403")
	_, err = anonymous.ListComponents(ctx, &ibv1.ListComponentsRequest{})
	requireGRPCError(t, err, codes.Unauthenticated, "MissingAuthenticationTokenException", "403")

	wrongSecret, _ := grpcClient(t, emu, accountA, "not-the-secret")
	_, err = wrongSecret.CreateComponent(ctx, create)
	requireGRPCError(t, err, codes.Unauthenticated, "InvalidSignatureException", "403")

	// Signed for another service: refused.
	creds := credentials.NewStaticCredentialsProvider(accountA, emulator.DefaultRootSecret, "")
	otherService, err := grpc.NewClient(emu.GRPCAddr(),
		grpc.WithTransportCredentials(grpcinsecure.NewCredentials()),
		grpc.WithPerRPCCredentials(grpcsigv4.New(creds, region, grpcsigv4.WithSigningName("iam"))))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = otherService.Close() })
	_, err = ibv1.NewImagebuilderClient(otherService).CreateComponent(ctx, create)
	requireGRPCError(t, err, codes.Unauthenticated, "InvalidSignatureException", "403")

	requireNoComponents(t, sdk)
}
