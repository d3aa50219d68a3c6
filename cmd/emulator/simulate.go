package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

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
// SimulatePrincipalPolicy over the Query protocol, taking the flags of `aws iam
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
	client := &queryClient{
		model:    iamv1.ModelIndex(),
		endpoint: endpoint,
		region:   r.Region,
		creds:    aws.Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: token},
		http:     &http.Client{Timeout: 2 * time.Minute},
		clock:    time.Now,
	}
	return func(req *iamv1.SimulatePrincipalPolicyRequest) (*iamv1.SimulatePolicyResponse, error) {
		out := &iamv1.SimulatePolicyResponse{}
		if err := client.call(ctx, "SimulatePrincipalPolicy", req, out); err != nil {
			var ae *awserr.Error
			if errors.As(err, &ae) {
				return nil, ae
			}
			return nil, &awserr.Error{Code: "EndpointConnectionError", Message: err.Error()}
		}
		return out, nil
	}, nil
}
