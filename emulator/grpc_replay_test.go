package emulator_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	grpccreds "google.golang.org/grpc/credentials"
	grpcinsecure "google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/emulator/emulatortest"
	"github.com/ibemu/ibemu/grpcsigv4"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// TestGRPCReplayIsRefused: a gRPC signature does not cover the message, so
// a captured signature replayed with another message must be refused, as
// must one signed outside the five-minute window; calls signed anew by
// grpcsigv4 (a fresh nonce each) all pass, even many in the same second.
func TestGRPCReplayIsRefused(t *testing.T) {
	now := time.Now().UTC()
	clock := func() time.Time { return now }
	emu := emulatortest.Start(t, func(c *emulator.Config) { c.Clock = clock })
	ctx := context.Background()

	var captured metadata.MD
	creds := grpcsigv4.New(credentials.NewStaticCredentialsProvider(accountA, emulator.DefaultRootSecret, ""), region, grpcsigv4.WithClock(clock))
	conn, err := grpc.NewClient(emu.GRPCAddr(), grpc.WithTransportCredentials(grpcinsecure.NewCredentials()), grpc.WithPerRPCCredentials(creds))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	signed := ibv1.NewImagebuilderClient(conn)
	for range 20 { // one signing second, twenty distinct signatures
		if _, err := signed.ListComponents(ctx, &ibv1.ListComponentsRequest{}); err != nil {
			t.Fatalf("a freshly signed call: %v", err)
		}
	}

	// Sign one call by hand, as a captured signature would be replayed.
	md, err := creds.GetRequestMetadata(grpcRequestInfo(ctx, "/ibemu.imagebuilder.v1.Imagebuilder/CreateComponent"), "https://"+emu.GRPCAddr()+"/ibemu.imagebuilder.v1.Imagebuilder")
	if err != nil {
		t.Fatal(err)
	}
	captured = metadata.New(md)
	unsigned, err := grpc.NewClient(emu.GRPCAddr(), grpc.WithTransportCredentials(grpcinsecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer unsigned.Close()
	raw := ibv1.NewImagebuilderClient(unsigned)
	create := func(name string) error {
		_, err := raw.CreateComponent(metadata.NewOutgoingContext(ctx, captured), &ibv1.CreateComponentRequest{
			Name: aws.String(name), SemanticVersion: aws.String("1.0.0"), Platform: aws.String("Linux"),
			Data: aws.String(linuxDoc(name)), ClientToken: aws.String(name),
		})
		return err
	}
	if err := create("first"); err != nil {
		t.Fatalf("the signed call: %v", err)
	}
	// The same signature with another message: refused, nothing created.
	requireGRPCError(t, create("replayed"), codes.Unauthenticated, "InvalidSignatureException", "403")
	list, err := signed.ListComponents(ctx, &ibv1.ListComponentsRequest{})
	if err != nil || len(list.GetComponentVersionList()) != 1 {
		t.Fatalf("after the replay: %v %v", list, err)
	}

	// A signature more than five minutes old is refused even if unseen.
	md, err = creds.GetRequestMetadata(grpcRequestInfo(ctx, "/ibemu.imagebuilder.v1.Imagebuilder/CreateComponent"), "https://"+emu.GRPCAddr()+"/ibemu.imagebuilder.v1.Imagebuilder")
	if err != nil {
		t.Fatal(err)
	}
	captured = metadata.New(md)
	now = now.Add(6 * time.Minute)
	requireGRPCError(t, create("late"), codes.Unauthenticated, "InvalidSignatureException", "403")
}

// grpcRequestInfo is the context gRPC gives per-RPC credentials for method.
func grpcRequestInfo(ctx context.Context, method string) context.Context {
	return grpccreds.NewContextWithRequestInfo(ctx, grpccreds.RequestInfo{Method: method})
}
