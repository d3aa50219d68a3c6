package emulator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	grpcinsecure "google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/emulator/emulatortest"
	"github.com/ibemu/ibemu/grpcsigv4"
	adminv1 "github.com/ibemu/ibemu/proto/admin/v1"
)

// adminClient is an admin API client signing with the key id and secret.
func adminClient(t *testing.T, emu *emulator.Emulator, keyID, secret, token string) adminv1.AdminClient {
	t.Helper()
	creds := credentials.NewStaticCredentialsProvider(keyID, secret, token)
	conn, err := grpc.NewClient(emu.GRPCAddr(), grpc.WithTransportCredentials(grpcinsecure.NewCredentials()),
		grpc.WithPerRPCCredentials(grpcsigv4.New(creds, region)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return adminv1.NewAdminClient(conn)
}

// rootAdmin is the admin client of the default admin, 000000000000's root.
func rootAdminClient(t *testing.T, emu *emulator.Emulator) adminv1.AdminClient {
	return adminClient(t, emu, "test", emulator.DefaultRootSecret, "")
}

func TestAdminAPIRefusesOtherPrincipals(t *testing.T) {
	t.Parallel()
	env := startSTS(t, func(c *emulator.Config) {
		c.AdminPrincipals = []string{"arn:aws:iam::" + accountA + ":user/operator"}
	})
	ctx := testContext(t)
	creds := func(cfg aws.Config) (string, string) {
		v, err := cfg.Credentials.Retrieve(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return v.AccessKeyID, v.SecretAccessKey
	}
	// An IAM user allowed everything by IAM is still no admin.
	id, secret := creds(env.admin)
	_, err := adminClient(t, env.emu, id, secret, "").ListDecisions(ctx, &adminv1.ListDecisionsRequest{})
	if st, _ := status.FromError(err); st.Code() != codes.PermissionDenied || !bytes.Contains([]byte(st.Message()), []byte("is not authorized to perform: admin:ListDecisions")) {
		t.Fatalf("IAM user: %v", err)
	}
	// Another account's root user is no admin either, streams included.
	other := adminClient(t, env.emu, accountB, emulator.DefaultRootSecret, "")
	if _, err := other.Reset(ctx, &adminv1.ResetRequest{}); status.Code(err) != codes.PermissionDenied {
		t.Fatalf("other root Reset: %v", err)
	}
	snap, err := other.Snapshot(ctx, &adminv1.SnapshotRequest{})
	if err == nil {
		_, err = snap.Recv()
	}
	if status.Code(err) != codes.PermissionDenied {
		t.Fatalf("other root Snapshot: %v", err)
	}
	// A bad signature is unauthenticated.
	if _, err := adminClient(t, env.emu, "test", "wrong", "").ListDecisions(ctx, &adminv1.ListDecisionsRequest{}); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("bad secret: %v", err)
	}
	// The principal named by --admin-principal is an admin.
	op := env.user(t, "operator", "")
	id, secret = creds(op)
	if _, err := adminClient(t, env.emu, id, secret, "").ListDecisions(ctx, &adminv1.ListDecisionsRequest{}); err != nil {
		t.Fatalf("configured admin: %v", err)
	}
}

func TestAdminWatchDeliversDecisionsMadeAfterSubscribing(t *testing.T) {
	t.Parallel()
	emu, a := startClient(t)
	b := client(t, emu, accountB)
	ctx, cancel := context.WithCancel(testContext(t))
	defer cancel()
	arn := mustCreate(t, a, createInput("watched", "1.0.0"))

	stream, err := rootAdminClient(t, emu).WatchDecisions(ctx, &adminv1.WatchDecisionsRequest{Filter: &adminv1.DecisionFilter{Outcome: "deny"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Header(); err != nil { // subscribed
		t.Fatal(err)
	}
	mustGet(t, a, arn) // allowed: filtered out
	_, err = b.GetComponent(ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(arn)})
	id := requestID(t, err)
	got, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	if got.GetRequestId() != id || got.GetOutcome() != "implicitDeny" || got.GetAction() != "imagebuilder:GetComponent" || len(got.GetFixes()) == 0 {
		t.Fatalf("watched %+v, want the denial %s", got, id)
	}
}

func TestAdminSnapshotRestoreRoundTrip(t *testing.T) {
	t.Parallel()
	emu, a := startClient(t)
	ctx := testContext(t)
	adm := rootAdminClient(t, emu)
	mustCreate(t, a, createInput("kept", "1.0.0"))
	stream, err := adm.Snapshot(ctx, &adminv1.SnapshotRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var snap bytes.Buffer
	for {
		c, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		snap.Write(c.GetData())
	}
	before := listARNs(t, a, &imagebuilder.ListComponentsInput{})
	mustCreate(t, a, createInput("later", "1.0.0"))
	if got := listARNs(t, a, &imagebuilder.ListComponentsInput{}); len(got) != len(before)+1 {
		t.Fatalf("after create: %v", got)
	}

	up, err := adm.Restore(ctx)
	if err != nil {
		t.Fatal(err)
	}
	data := snap.Bytes()
	for len(data) > 0 {
		n := min(len(data), 64<<10)
		if err := up.Send(&adminv1.SnapshotChunk{Data: data[:n]}); err != nil {
			t.Fatal(err)
		}
		data = data[n:]
	}
	resp, err := up.CloseAndRecv()
	if err != nil || resp.GetBytes() != int64(snap.Len()) {
		t.Fatalf("restore: %v, %v", resp, err)
	}
	requireSameStrings(t, "components after restore", listARNs(t, a, &imagebuilder.ListComponentsInput{}), before)

	// Garbage is refused and changes nothing.
	up, _ = adm.Restore(ctx)
	_ = up.Send(&adminv1.SnapshotChunk{Data: []byte("not a data file")})
	if _, err := up.CloseAndRecv(); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("garbage restore: %v", err)
	}
	requireSameStrings(t, "components after a refused restore", listARNs(t, a, &imagebuilder.ListComponentsInput{}), before)
}

func TestAdminResetEmptiesTheState(t *testing.T) {
	t.Parallel()
	emu, a := startClient(t)
	ctx := testContext(t)
	adm := rootAdminClient(t, emu)
	arn := mustCreate(t, a, createInput("gone", "1.0.0"))
	_, err := client(t, emu, accountB).GetComponent(ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(arn)})
	denied := requestID(t, err)
	if emu.Explain(denied) == "" {
		t.Fatal("the denial is not explained before the reset")
	}
	if _, err := adm.Reset(ctx, &adminv1.ResetRequest{}); err != nil {
		t.Fatal(err)
	}
	requireNoComponents(t, a)
	// The decisions kept in memory went with the log: explain no longer
	// finds a request made before the reset.
	if _, err := adm.Explain(ctx, &adminv1.ExplainRequest{RequestId: denied}); status.Code(err) != codes.NotFound {
		t.Errorf("explain after reset: %v, want NotFound", err)
	}
	if x := emu.Explain(denied); x != "" {
		t.Errorf("Explain after reset:\n%s", x)
	}
	list, err := adm.ListDecisions(ctx, &adminv1.ListDecisionsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	// Only the listing made after the reset remains.
	for _, d := range list.GetDecisions() {
		if d.GetAction() != "imagebuilder:ListComponents" {
			t.Errorf("decision survived the reset: %s %s", d.GetAction(), d.GetResource())
		}
	}
}

func TestDecisionLogSurvivesRestartAndHonoursRetention(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := dir + "/e.db"
	emu := emulatortest.Start(t, func(c *emulator.Config) { c.DataPath = path; c.DecisionsMax = 5 })
	a := client(t, emu, accountA)
	b := client(t, emu, accountB)
	ctx := testContext(t)
	arn := mustCreate(t, a, createInput("durable", "1.0.0"))
	_, err := b.GetComponent(ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(arn)})
	id := requestID(t, err)
	for i := 0; i < 3; i++ {
		mustGet(t, a, arn)
	}
	if err := emu.Close(ctx); err != nil {
		t.Fatal(err)
	}
	emu = emulatortest.Start(t, func(c *emulator.Config) { c.DataPath = path; c.DecisionsMax = 5 })
	if x := emu.Explain(id); !bytes.Contains([]byte(x), []byte("implicitDeny")) || !bytes.Contains([]byte(x), []byte("Smallest change")) {
		t.Fatalf("explanation after restart:\n%s", x)
	}
	list, err := rootAdminClient(t, emu).ListDecisions(ctx, &adminv1.ListDecisionsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(list.GetDecisions()); n != 5 {
		t.Fatalf("%d decisions kept, want the 5 most recent", n)
	}
}

// The log exports as a CloudTrail log file that tools can read.
func TestDecisionsExportAsCloudTrail(t *testing.T) {
	t.Parallel()
	emu, a := startClient(t)
	b := client(t, emu, accountB)
	ctx := testContext(t)
	arn := mustCreate(t, a, createInput("trailed", "1.0.0"))
	_, err := b.GetComponent(ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(arn)})
	id := requestID(t, err)
	resp, err := http.Get(emu.HTTPURL() + "/_emulator/decisions?format=cloudtrail&decision=deny")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var trail struct {
		Records []map[string]any `json:"Records"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&trail); err != nil || resp.StatusCode != 200 {
		t.Fatalf("status %d, %v", resp.StatusCode, err)
	}
	if len(trail.Records) != 1 {
		t.Fatalf("%d records, want the one denial", len(trail.Records))
	}
	r := trail.Records[0]
	ui, _ := r["userIdentity"].(map[string]any)
	for k, want := range map[string]any{
		"eventSource": "imagebuilder.amazonaws.com", "eventName": "GetComponent", "awsRegion": region,
		"errorCode": "AccessDeniedException", "requestID": id, "readOnly": true, "managementEvent": true,
		"recipientAccountId": accountA, "eventType": "AwsApiCall", "sourceIPAddress": "127.0.0.1",
	} {
		if r[k] != want {
			t.Errorf("%s = %v, want %v", k, r[k], want)
		}
	}
	if ui["type"] != "Root" || ui["accountId"] != accountB || ui["arn"] != "arn:aws:iam::"+accountB+":root" || ui["principalId"] != accountB {
		t.Errorf("userIdentity = %v", ui)
	}
	if msg, _ := r["errorMessage"].(string); msg == "" {
		t.Error("no errorMessage")
	}
}

// TestAdminSeed: a seed file applied over the admin API, with its object
// files inlined as the CLI sends them, creates what it declares; applying
// it again changes nothing; a document naming files, or a bad one, is
// refused with the entry at fault and changes nothing.
func TestAdminSeed(t *testing.T) {
	t.Parallel()
	emu := emulatortest.Start(t)
	ctx := testContext(t)
	adm := rootAdminClient(t, emu)
	s, err := emulator.LoadSeed("../testdata/seeds/cross-account-sharing.yaml")
	if err != nil {
		t.Fatal(err)
	}
	withFiles, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	_, err = adm.Seed(ctx, &adminv1.SeedRequest{Document: withFiles, Name: "shared.yaml"})
	if status.Code(err) != codes.InvalidArgument || !bytes.Contains([]byte(status.Convert(err).Message()), []byte("inline")) {
		t.Fatalf("a seed naming files: %v, want InvalidArgument asking for inline content", err)
	}
	requireNoComponents(t, client(t, emu, "111111111111"))

	if err := s.Inline(); err != nil {
		t.Fatal(err)
	}
	doc, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ { // the second time changes nothing
		if _, err := adm.Seed(ctx, &adminv1.SeedRequest{Document: doc, Name: "shared.yaml"}); err != nil {
			t.Fatalf("Seed (%d): %v", i+1, err)
		}
	}
	arns := listARNs(t, client(t, emu, "111111111111"), &imagebuilder.ListComponentsInput{})
	if len(arns) != 1 || arns[0] != "arn:aws:imagebuilder:us-east-1:111111111111:component/hello/1.0.0" {
		t.Errorf("components after seeding twice: %v", arns)
	}

	_, err = adm.Seed(ctx, &adminv1.SeedRequest{Document: []byte("accounts:\n  - id: nope\n"), Name: "bad.yaml"})
	if msg := status.Convert(err).Message(); status.Code(err) != codes.InvalidArgument || !bytes.Contains([]byte(msg), []byte("bad.yaml")) || !bytes.Contains([]byte(msg), []byte("accounts[0]")) {
		t.Errorf("a bad seed: %v, want InvalidArgument naming the seed and the entry", err)
	}
}
