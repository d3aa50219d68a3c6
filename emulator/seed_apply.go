package emulator

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	kmssdk "github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	iamsvc "github.com/ibemu/ibemu/internal/iam"
	kmssvc "github.com/ibemu/ibemu/internal/kms"
)

// ApplySeed creates what seed declares, as the root user of each account,
// through the same handler the AWS wire endpoint serves (the same
// authentication, validation and authorization; no network). It is
// idempotent: what already exists is left as it is. Errors are *SeedError
// naming the seed's file, the entry and the service's answer; entries
// before the failing one stay applied.
func (e *Emulator) ApplySeed(ctx context.Context, seed *Seed) error {
	if seed == nil {
		return nil
	}
	a := &seeder{e: e, seed: seed}
	for _, phase := range []func(context.Context, int, SeedAccount) error{a.iam, a.kms, a.s3, a.imageBuilder} {
		for i, acct := range seed.Accounts {
			if err := phase(ctx, i, acct); err != nil {
				return err
			}
		}
	}
	return nil
}

// loadSeeds reads the seed files of a configuration.
func loadSeeds(files []string) ([]*Seed, error) {
	var out []*Seed
	for _, f := range files {
		s, err := LoadSeed(f)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// seeder applies one seed.
type seeder struct {
	e    *Emulator
	seed *Seed
}

// fail is a SeedError for an entry.
func (a *seeder) fail(entry string, err error) error {
	var api smithy.APIError
	if errors.As(err, &api) {
		err = fmt.Errorf("%s: %s", api.ErrorCode(), api.ErrorMessage())
	}
	return &SeedError{File: a.seed.file, Entry: entry, Err: err}
}

// config signs as the root user of account and sends each request straight
// to the emulator's handler.
func (a *seeder) config(account string) aws.Config {
	return aws.Config{
		Region:           a.seed.region(),
		Credentials:      credentials.NewStaticCredentialsProvider(RootAccessKeyID(account), a.e.cfg.RootSecret, ""),
		BaseEndpoint:     aws.String("http://localhost"),
		HTTPClient:       &http.Client{Transport: handlerTransport{h: a.e.srv}},
		RetryMaxAttempts: 1,
	}
}

// clockSigner signs at the emulator's clock rather than the wall clock, so
// that seeds apply on an injected clock far from now.
type clockSigner struct {
	next  *v4.Signer
	clock func() time.Time
}

func (s clockSigner) SignHTTP(ctx context.Context, creds aws.Credentials, r *http.Request, payloadHash, service, region string, _ time.Time, optFns ...func(*v4.SignerOptions)) error {
	return s.next.SignHTTP(ctx, creds, r, payloadHash, service, region, s.clock(), optFns...)
}

func (a *seeder) signer() clockSigner { return clockSigner{next: v4.NewSigner(), clock: a.e.cfg.Clock} }

// exists reports an "already exists" answer, which applying a seed again
// expects.
func exists(err error) bool {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return false
	}
	switch api.ErrorCode() {
	case "EntityAlreadyExists", "ResourceAlreadyExistsException", "AlreadyExistsException", "BucketAlreadyOwnedByYou":
		return true
	}
	return false
}

// created treats "already exists" as success.
func created(err error) error {
	if exists(err) {
		return nil
	}
	return err
}

func entry(at int, acct SeedAccount, rest string, args ...any) string {
	return fmt.Sprintf("accounts[%d] (%s).", at, acct.ID) + fmt.Sprintf(rest, args...)
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

func (a *seeder) iam(ctx context.Context, at int, acct SeedAccount) error {
	c := iam.NewFromConfig(a.config(acct.ID), func(o *iam.Options) { o.HTTPSignerV4 = a.signer() })
	attach := func(where string, att SeedAttachments, managed func(string) error, inline func(string, string) error) error {
		for i, arn := range att.ManagedPolicies {
			if err := managed(arn); err != nil {
				return a.fail(fmt.Sprintf("%s.managedPolicies[%d] (%s)", where, i, arn), err)
			}
		}
		names := make([]string, 0, len(att.InlinePolicies))
		for n := range att.InlinePolicies {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			if err := inline(n, att.InlinePolicies[n].String()); err != nil {
				return a.fail(fmt.Sprintf("%s.inlinePolicies.%s", where, n), err)
			}
		}
		return nil
	}
	for i, p := range acct.IAM.Policies {
		_, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(p.Name), Path: optional(p.Path), Description: optional(p.Description), PolicyDocument: aws.String(p.Document.String())})
		if err := created(err); err != nil {
			return a.fail(entry(at, acct, "iam.policies[%d] (%s)", i, p.Name), err)
		}
	}
	for i, g := range acct.IAM.Groups {
		where := entry(at, acct, "iam.groups[%d] (%s)", i, g.Name)
		if _, err := c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String(g.Name), Path: optional(g.Path)}); created(err) != nil {
			return a.fail(where, err)
		}
		err := attach(where, g.SeedAttachments, func(arn string) error {
			_, err := c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String(g.Name), PolicyArn: aws.String(arn)})
			return err
		}, func(name, doc string) error {
			_, err := c.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: aws.String(g.Name), PolicyName: aws.String(name), PolicyDocument: aws.String(doc)})
			return err
		})
		if err != nil {
			return err
		}
	}
	for i, u := range acct.IAM.Users {
		where := entry(at, acct, "iam.users[%d] (%s)", i, u.Name)
		in := &iam.CreateUserInput{UserName: aws.String(u.Name), Path: optional(u.Path), PermissionsBoundary: optional(u.PermissionsBoundary), Tags: iamTags(u.Tags)}
		if _, err := c.CreateUser(ctx, in); created(err) != nil {
			return a.fail(where, err)
		}
		for j, g := range u.Groups {
			if _, err := c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{UserName: aws.String(u.Name), GroupName: aws.String(g)}); err != nil {
				return a.fail(fmt.Sprintf("%s.groups[%d] (%s)", where, j, g), err)
			}
		}
		err := attach(where, u.SeedAttachments, func(arn string) error {
			_, err := c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String(u.Name), PolicyArn: aws.String(arn)})
			return err
		}, func(name, doc string) error {
			_, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(u.Name), PolicyName: aws.String(name), PolicyDocument: aws.String(doc)})
			return err
		})
		if err != nil {
			return err
		}
		if len(u.AccessKeys) > 0 {
			have, err := c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String(u.Name)})
			if err != nil {
				return a.fail(where+".accessKeys", err)
			}
			for j, k := range u.AccessKeys {
				if slices.ContainsFunc(have.AccessKeyMetadata, func(m iamtypes.AccessKeyMetadata) bool { return aws.ToString(m.AccessKeyId) == k.ID }) {
					continue
				}
				kctx := iamsvc.WithSeededAccessKey(ctx, k.ID, k.Secret)
				if _, err := c.CreateAccessKey(kctx, &iam.CreateAccessKeyInput{UserName: aws.String(u.Name)}); err != nil {
					return a.fail(fmt.Sprintf("%s.accessKeys[%d] (%s)", where, j, k.ID), err)
				}
			}
		}
	}
	for i, r := range acct.IAM.Roles {
		where := entry(at, acct, "iam.roles[%d] (%s)", i, r.Name)
		in := &iam.CreateRoleInput{RoleName: aws.String(r.Name), AssumeRolePolicyDocument: aws.String(r.TrustPolicy.String()), Path: optional(r.Path), Description: optional(r.Description), PermissionsBoundary: optional(r.PermissionsBoundary), Tags: iamTags(r.Tags)}
		if r.MaxSessionDuration != 0 {
			in.MaxSessionDuration = aws.Int32(r.MaxSessionDuration)
		}
		if _, err := c.CreateRole(ctx, in); created(err) != nil {
			return a.fail(where, err)
		}
		err := attach(where, r.SeedAttachments, func(arn string) error {
			_, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(r.Name), PolicyArn: aws.String(arn)})
			return err
		}, func(name, doc string) error {
			_, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(r.Name), PolicyName: aws.String(name), PolicyDocument: aws.String(doc)})
			return err
		})
		if err != nil {
			return err
		}
	}
	for i, p := range acct.IAM.InstanceProfiles {
		where := entry(at, acct, "iam.instanceProfiles[%d] (%s)", i, p.Name)
		if _, err := c.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String(p.Name), Path: optional(p.Path)}); created(err) != nil {
			return a.fail(where, err)
		}
		got, err := c.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String(p.Name)})
		if err != nil {
			return a.fail(where, err)
		}
		for j, role := range p.Roles {
			if slices.ContainsFunc(got.InstanceProfile.Roles, func(r iamtypes.Role) bool { return strings.EqualFold(aws.ToString(r.RoleName), role) }) {
				continue
			}
			if _, err := c.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String(p.Name), RoleName: aws.String(role)}); err != nil {
				return a.fail(fmt.Sprintf("%s.roles[%d] (%s)", where, j, role), err)
			}
		}
	}
	return nil
}

func iamTags(m map[string]string) []iamtypes.Tag {
	var out []iamtypes.Tag
	for _, k := range sortedKeys(m) {
		out = append(out, iamtypes.Tag{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func (a *seeder) kms(ctx context.Context, at int, acct SeedAccount) error {
	c := kmssdk.NewFromConfig(a.config(acct.ID), func(o *kmssdk.Options) { o.HTTPSignerV4 = a.signer() })
	for i, k := range acct.KMS.Keys {
		where := entry(at, acct, "kms.keys[%d] (%s)", i, k.ID)
		_, err := c.DescribeKey(ctx, &kmssdk.DescribeKeyInput{KeyId: aws.String(k.ID)})
		var nf *kmstypes.NotFoundException
		switch {
		case errors.As(err, &nf):
			in := &kmssdk.CreateKeyInput{Description: optional(k.Description), Policy: optional(k.Policy.String())}
			for _, tk := range sortedKeys(k.Tags) {
				in.Tags = append(in.Tags, kmstypes.Tag{TagKey: aws.String(tk), TagValue: aws.String(k.Tags[tk])})
			}
			if _, err := c.CreateKey(kmssvc.WithSeededKeyID(ctx, k.ID), in); err != nil {
				return a.fail(where, err)
			}
		case err != nil:
			return a.fail(where, err)
		}
		for j, al := range k.Aliases {
			_, err := c.CreateAlias(ctx, &kmssdk.CreateAliasInput{AliasName: aws.String(al), TargetKeyId: aws.String(k.ID)})
			if created(err) != nil {
				return a.fail(fmt.Sprintf("%s.aliases[%d] (%s)", where, j, al), err)
			}
		}
	}
	return nil
}

func (a *seeder) s3(ctx context.Context, at int, acct SeedAccount) error {
	c := s3.NewFromConfig(a.config(acct.ID), func(o *s3.Options) { o.UsePathStyle, o.HTTPSignerV4 = true, a.signer() })
	for i, b := range acct.S3.Buckets {
		where := entry(at, acct, "s3.buckets[%d] (%s)", i, b.Name)
		in := &s3.CreateBucketInput{Bucket: aws.String(b.Name)}
		if r := a.seed.region(); r != "us-east-1" {
			in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(r)}
		}
		if _, err := c.CreateBucket(ctx, in); created(err) != nil {
			return a.fail(where, err)
		}
		if p := b.Policy.String(); p != "" {
			if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(b.Name), Policy: aws.String(p)}); err != nil {
				return a.fail(where+".policy", err)
			}
		}
		for j, o := range b.Objects {
			oe := fmt.Sprintf("%s.objects[%d] (%s)", where, j, o.Key)
			body := []byte(o.Content)
			if o.File != "" {
				var err error
				if body, err = os.ReadFile(a.seed.objectPath(o.File)); err != nil {
					return a.fail(oe+".file", err)
				}
			}
			sum := md5.Sum(body)
			etag := `"` + hex.EncodeToString(sum[:]) + `"`
			head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b.Name), Key: aws.String(o.Key)})
			if err == nil && aws.ToString(head.ETag) == etag {
				continue
			}
			put := &s3.PutObjectInput{Bucket: aws.String(b.Name), Key: aws.String(o.Key), Body: bytes.NewReader(body), ContentType: optional(o.ContentType)}
			if _, err := c.PutObject(ctx, put); err != nil {
				return a.fail(oe, err)
			}
		}
	}
	return nil
}

func (a *seeder) imageBuilder(ctx context.Context, at int, acct SeedAccount) error {
	c := imagebuilder.NewFromConfig(a.config(acct.ID), func(o *imagebuilder.Options) { o.HTTPSignerV4 = a.signer() })
	ib := acct.ImageBuilder
	run := func(kind string, inputs []SeedInput, create func(SeedInput) error) error {
		for i, in := range inputs {
			if err := created(create(in)); err != nil {
				return a.fail(entry(at, acct, "imagebuilder.%s[%d] (%s)", kind, i, in.name()), err)
			}
		}
		return nil
	}
	err := run("components", ib.Components, func(in SeedInput) error {
		var v imagebuilder.CreateComponentInput
		if err := in.decode(&v); err != nil {
			return err
		}
		// CreateComponent makes a new build version of an existing
		// version: applied again, the seed leaves the version alone.
		if v.Name != nil && v.SemanticVersion != nil {
			name := strings.ReplaceAll(strings.ToLower(*v.Name), " ", "-")
			arn := fmt.Sprintf("arn:aws:imagebuilder:%s:%s:component/%s/%s", a.seed.region(), acct.ID, name, *v.SemanticVersion)
			have, err := c.ListComponentBuildVersions(ctx, &imagebuilder.ListComponentBuildVersionsInput{ComponentVersionArn: aws.String(arn)})
			if err == nil && len(have.ComponentSummaryList) > 0 {
				return nil
			}
		}
		_, err := c.CreateComponent(ctx, &v)
		return err
	})
	if err != nil {
		return err
	}
	for i, p := range ib.ResourcePolicies {
		if err := a.resourcePolicy(ctx, c, p); err != nil {
			return a.fail(entry(at, acct, "imagebuilder.resourcePolicies[%d] (%s)", i, p.ResourceArn), err)
		}
	}
	if err := run("imageRecipes", ib.ImageRecipes, func(in SeedInput) error {
		var v imagebuilder.CreateImageRecipeInput
		if err := in.decode(&v); err != nil {
			return err
		}
		_, err := c.CreateImageRecipe(ctx, &v)
		return err
	}); err != nil {
		return err
	}
	if err := run("infrastructureConfigurations", ib.InfrastructureConfigurations, func(in SeedInput) error {
		var v imagebuilder.CreateInfrastructureConfigurationInput
		if err := in.decode(&v); err != nil {
			return err
		}
		_, err := c.CreateInfrastructureConfiguration(ctx, &v)
		return err
	}); err != nil {
		return err
	}
	if err := run("distributionConfigurations", ib.DistributionConfigurations, func(in SeedInput) error {
		var v imagebuilder.CreateDistributionConfigurationInput
		if err := in.decode(&v); err != nil {
			return err
		}
		_, err := c.CreateDistributionConfiguration(ctx, &v)
		return err
	}); err != nil {
		return err
	}
	return run("imagePipelines", ib.ImagePipelines, func(in SeedInput) error {
		var v imagebuilder.CreateImagePipelineInput
		if err := in.decode(&v); err != nil {
			return err
		}
		_, err := c.CreateImagePipeline(ctx, &v)
		return err
	})
}

// resourcePolicy puts an Image Builder resource policy, the operation
// chosen by the ARN's resource type.
func (a *seeder) resourcePolicy(ctx context.Context, c *imagebuilder.Client, p SeedImageBuilderPolicy) error {
	arn, doc := aws.String(p.ResourceArn), aws.String(p.Policy.String())
	parts := strings.SplitN(p.ResourceArn, ":", 6)
	if len(parts) != 6 {
		return errors.New("resourceArn is not an Image Builder ARN")
	}
	var err error
	switch typ, _, _ := strings.Cut(parts[5], "/"); typ {
	case "component":
		_, err = c.PutComponentPolicy(ctx, &imagebuilder.PutComponentPolicyInput{ComponentArn: arn, Policy: doc})
	case "image-recipe":
		_, err = c.PutImageRecipePolicy(ctx, &imagebuilder.PutImageRecipePolicyInput{ImageRecipeArn: arn, Policy: doc})
	case "container-recipe":
		_, err = c.PutContainerRecipePolicy(ctx, &imagebuilder.PutContainerRecipePolicyInput{ContainerRecipeArn: arn, Policy: doc})
	case "image":
		_, err = c.PutImagePolicy(ctx, &imagebuilder.PutImagePolicyInput{ImageArn: arn, Policy: doc})
	default:
		err = fmt.Errorf("resource type %q takes no resource policy: a component, image-recipe, container-recipe or image ARN", typ)
	}
	return err
}

// handlerTransport is an http.RoundTripper that serves each request with
// h in-process, as the HTTP listener would, from the loopback address.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.RemoteAddr = "127.0.0.1:0"
	r.RequestURI = r.URL.RequestURI()
	if r.Host == "" {
		r.Host = r.URL.Host
	}
	// As a server receives it: Content-Length is a header, the URL is the
	// path and query only.
	if r.ContentLength > 0 || (r.ContentLength == 0 && r.Body != http.NoBody) {
		r.Header.Set("Content-Length", strconv.FormatInt(r.ContentLength, 10))
	}
	r.URL = &url.URL{Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery}
	if r.Body == nil {
		r.Body = http.NoBody
	}
	w := &bufferedResponse{header: http.Header{}, status: http.StatusOK}
	t.h.ServeHTTP(w, r)
	return &http.Response{
		Status:        http.StatusText(w.status),
		StatusCode:    w.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        w.header,
		Body:          io.NopCloser(&w.body),
		ContentLength: int64(w.body.Len()),
		Request:       r,
	}, nil
}

// bufferedResponse is an http.ResponseWriter that keeps the response.
type bufferedResponse struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (w *bufferedResponse) Header() http.Header { return w.header }

func (w *bufferedResponse) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
}

func (w *bufferedResponse) Write(p []byte) (int, error) {
	w.wrote = true
	return w.body.Write(p)
}
