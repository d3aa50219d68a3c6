package emulator_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"google.golang.org/grpc"
	grpcinsecure "google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/grpcsigv4"
	adminv1 "github.com/ibemu/ibemu/proto/admin/v1"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

func enforce(mode string) func(*emulator.Config) {
	return func(c *emulator.Config) { c.Enforce = mode }
}

// wouldDenyHeader reads X-Ibemu-Would-Deny from an SDK result.
func wouldDenyHeader(md middleware.Metadata) string {
	raw, _ := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response)
	if raw == nil {
		return "<no response>"
	}
	return raw.Header.Get("X-Ibemu-Would-Deny")
}

// grpcAs is an Image Builder gRPC client signing with cfg's credentials.
func grpcAs(t *testing.T, emu *emulator.Emulator, cfg aws.Config) ibv1.ImagebuilderClient {
	t.Helper()
	conn, err := grpc.NewClient(emu.GRPCAddr(), grpc.WithTransportCredentials(grpcinsecure.NewCredentials()),
		grpc.WithPerRPCCredentials(grpcsigv4.New(cfg.Credentials, region)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return ibv1.NewImagebuilderClient(conn)
}

// In soft mode a user with no policy is allowed, every would-be denial is
// logged as softDeny and named in the response header, over HTTP and gRPC,
// and the CloudTrail export shows no error but additionalEventData.wouldDeny.
func TestEnforceSoftAllowsAndMarksWouldBeDenials(t *testing.T) {
	t.Parallel()
	e := startSTS(t, enforce("soft"))
	ctx := testContext(t)
	root := ibClient(t, e.root)
	arn := mustCreate(t, root, createInput("soft", "1.0.0"))
	nobody := e.user(t, "nobody", "")
	ib := ibClient(t, nobody)

	got, err := ib.GetComponent(ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(arn)})
	if err != nil {
		t.Fatalf("GetComponent in soft mode: %v", err)
	}
	if h := wouldDenyHeader(got.ResultMetadata); h != "imagebuilder:GetComponent" {
		t.Errorf("X-Ibemu-Would-Deny = %q", h)
	}
	// An allowed call carries no header.
	if out, err := root.GetComponent(ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(arn)}); err != nil || wouldDenyHeader(out.ResultMetadata) != "" {
		t.Errorf("root GetComponent: %v, header %q", err, wouldDenyHeader(out.ResultMetadata))
	}

	var header metadata.MD
	if _, err := grpcAs(t, e.emu, nobody).ListComponents(ctx, &ibv1.ListComponentsRequest{}, grpc.Header(&header)); err != nil {
		t.Fatalf("ListComponents over gRPC in soft mode: %v", err)
	}
	if h := header.Get("x-ibemu-would-deny"); len(h) != 1 || h[0] != "imagebuilder:ListComponents" {
		t.Errorf("gRPC x-ibemu-would-deny = %v", h)
	}

	admin := rootAdminClient(t, e.emu)
	user := "arn:aws:iam::" + accountA + ":user/nobody"
	list, err := admin.ListDecisions(ctx, &adminv1.ListDecisionsRequest{Filter: &adminv1.DecisionFilter{Principal: user, Outcome: "softDeny"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.GetDecisions()) != 2 {
		t.Fatalf("soft denials of %s: %v", user, list.GetDecisions())
	}
	for _, d := range list.GetDecisions() {
		if d.GetOutcome() != "softDeny" || d.GetWouldDeny() != "implicitDeny" || d.GetMessage() == "" || len(d.GetFixes()) == 0 {
			t.Errorf("soft denial %s: outcome %s wouldDeny %s message %q fixes %d", d.GetAction(), d.GetOutcome(), d.GetWouldDeny(), d.GetMessage(), len(d.GetFixes()))
		}
	}
	// "deny" lists enforced denials only.
	if denied, err := admin.ListDecisions(ctx, &adminv1.ListDecisionsRequest{Filter: &adminv1.DecisionFilter{Principal: user, Outcome: "deny"}}); err != nil || len(denied.GetDecisions()) != 0 {
		t.Errorf("enforced denials in soft mode: %v %v", err, denied.GetDecisions())
	}
	x, err := admin.Explain(ctx, &adminv1.ExplainRequest{RequestId: list.GetDecisions()[0].GetRequestId()})
	if err != nil || !strings.Contains(x.GetText(), "softDeny") {
		t.Errorf("explain: %v\n%s", err, x.GetText())
	}

	resp, err := http.Get(e.emu.HTTPURL() + "/_emulator/decisions?format=cloudtrail&decision=softDeny")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var trail struct {
		Records []struct {
			EventName           string            `json:"eventName"`
			ErrorCode           *string           `json:"errorCode"`
			AdditionalEventData map[string]string `json:"additionalEventData"`
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&trail); err != nil || len(trail.Records) != 2 {
		t.Fatalf("cloudtrail: %v %+v", err, trail)
	}
	for _, r := range trail.Records {
		if r.ErrorCode != nil || r.AdditionalEventData["wouldDeny"] != "implicitDeny" || r.AdditionalEventData["ibemuDecision"] != "softDeny" {
			t.Errorf("cloudtrail record %s: errorCode %v, additionalEventData %v", r.EventName, r.ErrorCode, r.AdditionalEventData)
		}
	}
}

// In off mode nothing is evaluated or logged, but a request must still be
// signed correctly.
func TestEnforceOffDecidesNothing(t *testing.T) {
	t.Parallel()
	e := startSTS(t, enforce("off"))
	ctx := testContext(t)
	arn := mustCreate(t, ibClient(t, e.root), createInput("unenforced", "1.0.0"))
	nobody := e.user(t, "nobody", "")
	got, err := ibClient(t, nobody).GetComponent(ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(arn)})
	if err != nil || wouldDenyHeader(got.ResultMetadata) != "" {
		t.Fatalf("GetComponent with enforcement off: %v, header %q", err, wouldDenyHeader(got.ResultMetadata))
	}
	list, err := rootAdminClient(t, e.emu).ListDecisions(ctx, &adminv1.ListDecisionsRequest{})
	if err != nil || len(list.GetDecisions()) != 0 {
		t.Fatalf("decisions logged with enforcement off: %v %v", err, list.GetDecisions())
	}
	key, _ := nobody.Credentials.Retrieve(ctx)
	_, err = ibClient(t, withKey(nobody, key.AccessKeyID, "wrong-secret")).GetComponent(ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(arn)})
	requireAPIError(t, err, "InvalidSignatureException", 403)
}

// On (the default) denies; an unknown mode does not start.
func TestEnforceOnDeniesAndBadModeRefused(t *testing.T) {
	t.Parallel()
	e := startSTS(t, enforce("on"))
	arn := mustCreate(t, ibClient(t, e.root), createInput("enforced", "1.0.0"))
	_, err := ibClient(t, e.user(t, "nobody", "")).GetComponent(testContext(t), &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(arn)})
	requireAPIError(t, err, "AccessDeniedException", 403)

	_, err = emulator.Start(context.Background(), emulator.Config{DataPath: t.TempDir() + "/x.db", HTTPAddr: "127.0.0.1:0", GRPCAddr: "127.0.0.1:0", Enforce: "loose"})
	if err == nil || !strings.Contains(err.Error(), "on, soft or off") {
		t.Fatalf("Start with Enforce loose: %v", err)
	}
}

// A build whose instance role lacks the SSM policy fails when enforcing;
// in soft mode it becomes AVAILABLE and the denied build checks are logged
// as soft denials under the CreateImage request id.
func TestEnforceSoftBuildSucceedsWithSoftDenials(t *testing.T) {
	e := startBuilds(t, enforce("soft"))
	recipe, infra := e.pipelineParts(t, "nossm", "", "", ibInstance)
	arn, requestID := e.create(t, &imagebuilder.CreateImageInput{ImageRecipeArn: aws.String(recipe), InfrastructureConfigurationArn: aws.String(infra)})
	e.run(t, 2*buildTime)
	requireState(t, e.image(t, e.ib, arn), types.ImageStatusAvailable)
	ds, err := rootAdminClient(t, e.emu).ListDecisions(testContext(t), &adminv1.ListDecisionsRequest{Filter: &adminv1.DecisionFilter{RequestId: requestID, Outcome: "softDeny"}})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, d := range ds.GetDecisions() {
		if d.GetAction() == "ssm:UpdateInstanceInformation" && strings.Contains(d.GetPrincipal(), "assumed-role/nossm/") {
			found = true
		}
	}
	if !found {
		t.Fatalf("no soft denial of ssm:UpdateInstanceInformation among %d soft denials of %s", len(ds.GetDecisions()), requestID)
	}
}
