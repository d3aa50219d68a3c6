package emulator_test

import (
	"errors"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	grpcinsecure "google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/ibemu/ibemu/emulator/emulatortest"
	"github.com/ibemu/ibemu/grpcsigv4"
	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
	stsv1 "github.com/ibemu/ibemu/proto/sts/v1"
)

// answer is an error as a client sees it: AWS code, HTTP status, message.
type answer struct {
	code    string
	status  int
	message string
}

func sdkAnswer(t *testing.T, err error) answer {
	t.Helper()
	var apiErr smithy.APIError
	var re *awshttp.ResponseError
	if !errors.As(err, &apiErr) || !errors.As(err, &re) {
		t.Fatalf("SDK: got %v, want an API error with a response", err)
	}
	return answer{apiErr.ErrorCode(), re.HTTPStatusCode(), apiErr.ErrorMessage()}
}

func grpcAnswer(t *testing.T, err error) answer {
	t.Helper()
	st, ok := status.FromError(err)
	if err == nil || !ok || st.Code() != codes.Unauthenticated {
		t.Fatalf("gRPC: got %v, want status Unauthenticated", err)
	}
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			httpStatus, _ := strconv.Atoi(info.GetMetadata()["httpStatus"])
			return answer{info.GetReason(), httpStatus, st.Message()}
		}
	}
	t.Fatalf("gRPC: status without ErrorInfo: %v", st)
	return answer{}
}

// TestGRPCAuthErrorsMatchTheSDKs: a running emulator answers a call that
// fails authentication with the same AWS code, HTTP status and message over
// gRPC as the service's SDK client receives over HTTP — Query codes for IAM
// and STS, restJson1 codes for Image Builder.
func TestGRPCAuthErrorsMatchTheSDKs(t *testing.T) {
	t.Parallel()
	emu := emulatortest.Start(t)
	ctx := testContext(t)
	for _, c := range []struct {
		name  string
		creds aws.CredentialsProvider // nil: unsigned
		codes [2]string               // Query, restJson1
	}{
		{"unsigned", nil, [2]string{"MissingAuthenticationToken", "MissingAuthenticationTokenException"}},
		{"wrong secret", credentials.NewStaticCredentialsProvider(accountA, "not-the-secret", ""), [2]string{"SignatureDoesNotMatch", "InvalidSignatureException"}},
		{"unknown access key", credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "secret", ""), [2]string{"InvalidClientTokenId", "UnrecognizedClientException"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			sdkCreds := c.creds
			opts := []grpc.DialOption{grpc.WithTransportCredentials(grpcinsecure.NewCredentials())}
			if c.creds == nil {
				sdkCreds = aws.AnonymousCredentials{}
			} else {
				opts = append(opts, grpc.WithPerRPCCredentials(grpcsigv4.New(c.creds, region)))
			}
			conn, err := grpc.NewClient(emu.GRPCAddr(), opts...)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = conn.Close() })
			hc, _ := queryHTTPClient(t)
			cfg := emu.AWSConfig(accountA)
			cfg.Credentials, cfg.HTTPClient, cfg.RetryMaxAttempts = sdkCreds, hc, 1

			_, err = sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			overHTTP := sdkAnswer(t, err)
			_, err = stsv1.NewSTSClient(conn).GetCallerIdentity(ctx, &stsv1.GetCallerIdentityRequest{})
			if got := grpcAnswer(t, err); got != overHTTP || got.code != c.codes[0] {
				t.Errorf("STS over gRPC %+v, over HTTP %+v, want code %s", got, overHTTP, c.codes[0])
			}

			_, err = iam.NewFromConfig(cfg).ListUsers(ctx, &iam.ListUsersInput{})
			overHTTP = sdkAnswer(t, err)
			_, err = iamv1.NewIAMClient(conn).ListUsers(ctx, &iamv1.ListUsersRequest{})
			if got := grpcAnswer(t, err); got != overHTTP || got.code != c.codes[0] {
				t.Errorf("IAM over gRPC %+v, over HTTP %+v, want code %s", got, overHTTP, c.codes[0])
			}

			_, err = newIB(cfg).ListComponents(ctx, &imagebuilder.ListComponentsInput{})
			overHTTP = sdkAnswer(t, err)
			_, err = ibv1.NewImagebuilderClient(conn).ListComponents(ctx, &ibv1.ListComponentsRequest{})
			if got := grpcAnswer(t, err); got != overHTTP || got.code != c.codes[1] {
				t.Errorf("Image Builder over gRPC %+v, over HTTP %+v, want code %s", got, overHTTP, c.codes[1])
			}
		})
	}
}
