package emulator

import (
	"context"

	"github.com/ibemu/ibemu/internal/authz"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/iam/policy"
)

// amazonOwned resolves Image Builder resources owned by Amazon (account
// field "aws"): AWS shares them with every account, which the engine sees as
// a resource-based policy allowing everyone to read them. Resources of
// customer accounts are their ARN only until the Image Builder service
// resolves them itself.
type amazonOwned struct{}

var amazonReadPolicy = &policy.Attached{
	Name: "Amazon-managed resource (shared with every account)",
	Policy: policy.MustParse(`{"Version":"2012-10-17","Statement":[{"Sid":"PublicRead","Effect":"Allow","Principal":"*",`+
		`"Action":["imagebuilder:Get*","imagebuilder:List*"],"Resource":"*"}]}`, policy.KindResource),
}

func (amazonOwned) Resolve(_ context.Context, c *callctx.Call, _ string, ref *authz.ResourceRef) (*authz.Resource, error) {
	res := &authz.Resource{ARN: ref.ARN, Account: c.Account}
	if a, ok := authz.ParseARN(ref.ARN); ok {
		res.Account, res.Region = a.Account, a.Region
	}
	if res.Account == "aws" {
		res.Exists, res.Policy = true, amazonReadPolicy
	}
	return res, nil
}
