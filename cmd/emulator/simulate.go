package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/iam/simulate"
	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
)

// simulateCustomPolicy evaluates policies offline, taking the flags of
// `aws iam simulate-custom-policy` and printing what it prints. It runs
// the same engine the server enforces with.
func simulateCustomPolicy(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return simulate.Main(args, stdin, stdout, stderr)
}

// simulatePrincipalPolicy calls a running emulator's IAM
// SimulatePrincipalPolicy with aws-sdk-go-v2, taking the flags of `aws iam
// simulate-principal-policy` and printing what it prints.
func simulatePrincipalPolicy(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	defaults := simulate.Remote{Endpoint: "http://" + emulator.DefaultHTTPAddr, Region: emulator.DefaultRegion}
	if v := getenv("AWS_ENDPOINT_URL"); v != "" {
		defaults.Endpoint = v
	}
	if v := getenv("AWS_REGION"); v != "" {
		defaults.Region = v
	} else if v := getenv("AWS_DEFAULT_REGION"); v != "" {
		defaults.Region = v
	}
	dial := func(r simulate.Remote) (simulate.PageFunc, error) {
		return principalCaller(ctx, r, getenv)
	}
	return simulate.PrincipalMain(args, stdin, stdout, stderr, defaults, dial)
}

// principalCaller makes the IAM client for r: AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) when set, else the root
// user of 000000000000 with IBEMU_ROOT_SECRET or the default root secret.
func principalCaller(ctx context.Context, r simulate.Remote, getenv func(string) string) (simulate.PageFunc, error) {
	endpoint := r.Endpoint
	if !strings.Contains(endpoint, "://") {
		endpoint = "http://" + endpoint
	}
	if u, err := url.Parse(endpoint); err != nil || u.Host == "" {
		return nil, fmt.Errorf("Bad value for --endpoint %s: it must be a URL such as http://127.0.0.1:4700", r.Endpoint)
	}
	id, secret, token := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"), getenv("AWS_SESSION_TOKEN")
	if id == "" || secret == "" {
		id, secret, token = "test", getenv("IBEMU_ROOT_SECRET"), ""
		if secret == "" {
			secret = emulator.DefaultRootSecret
		}
	}
	client := iam.New(iam.Options{
		Region:       r.Region,
		Credentials:  credentials.NewStaticCredentialsProvider(id, secret, token),
		BaseEndpoint: aws.String(endpoint),
	})
	return func(req *iamv1.SimulatePrincipalPolicyRequest) (*iamv1.SimulatePolicyResponse, error) {
		out, err := client.SimulatePrincipalPolicy(ctx, principalInput(req))
		if err != nil {
			var ae smithy.APIError
			if errors.As(err, &ae) {
				return nil, &awserr.Error{Code: ae.ErrorCode(), Message: ae.ErrorMessage()}
			}
			return nil, &awserr.Error{Code: "EndpointConnectionError", Message: err.Error()}
		}
		return principalOutput(out)
	}, nil
}

// principalInput is the SDK's input for req.
func principalInput(req *iamv1.SimulatePrincipalPolicyRequest) *iam.SimulatePrincipalPolicyInput {
	in := &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn:                    req.PolicySourceArn,
		PolicyInputList:                    req.PolicyInputList,
		PermissionsBoundaryPolicyInputList: req.PermissionsBoundaryPolicyInputList,
		ActionNames:                        req.ActionNames,
		ResourceArns:                       req.ResourceArns,
		ResourcePolicy:                     req.ResourcePolicy,
		ResourceOwner:                      req.ResourceOwner,
		CallerArn:                          req.CallerArn,
		ResourceHandlingOption:             req.ResourceHandlingOption,
		MaxItems:                           req.MaxItems,
		Marker:                             req.Marker,
	}
	for _, e := range req.ContextEntries {
		in.ContextEntries = append(in.ContextEntries, iamtypes.ContextEntry{
			ContextKeyName:   e.ContextKeyName,
			ContextKeyValues: e.ContextKeyValues,
			ContextKeyType:   iamtypes.ContextKeyTypeEnum(e.GetContextKeyType()),
		})
	}
	return in
}

// principalOutput is the SDK's output as the generated response message:
// the SDK's members carry the model's names, which are the message's JSON
// names, so the output goes through JSON (unknown members, such as the
// SDK's result metadata, dropped).
func principalOutput(out *iam.SimulatePrincipalPolicyOutput) (*iamv1.SimulatePolicyResponse, error) {
	raw, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	resp := &iamv1.SimulatePolicyResponse{}
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(raw, resp); err != nil {
		return nil, fmt.Errorf("reading the SimulatePrincipalPolicy response: %v", err)
	}
	return resp, nil
}
