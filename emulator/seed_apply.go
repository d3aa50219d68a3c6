package emulator

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"

	iamsvc "github.com/ibemu/ibemu/internal/iam"
	kmssvc "github.com/ibemu/ibemu/internal/kms"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// ApplySeed creates what seed declares, as the root user of each account,
// through the same handler the AWS wire endpoint serves (the same
// authentication, validation and authorization; no network). It is
// idempotent: what already exists is left as it is. Errors are *SeedError
// naming the seed's file, the entry and the service's answer; entries
// before the failing one stay applied (at start-up, Start puts the state
// back instead: nothing else can have written yet).
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

// fail is a SeedError for an entry; a service's answer reads "Code: message".
func (a *seeder) fail(entry string, err error) error {
	return &SeedError{File: a.seed.file, Entry: entry, Err: err}
}

// exists reports an "already exists" answer, which applying a seed again
// expects.
func exists(err error) bool {
	var api *apiError
	if !errors.As(err, &api) {
		return false
	}
	switch api.Code {
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

// params are Query parameters: the pairs name, value, where an empty
// value is left out (an optional member not given).
func params(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			v.Set(kv[i], kv[i+1])
		}
	}
	return v
}

// addTags adds an IAM Tags list (sorted by key) to Query parameters.
func addTags(v url.Values, tags map[string]string) url.Values {
	for i, k := range sortedKeys(tags) {
		v.Set(fmt.Sprintf("Tags.member.%d.Key", i+1), k)
		v.Set(fmt.Sprintf("Tags.member.%d.Value", i+1), tags[k])
	}
	return v
}

func (a *seeder) iam(ctx context.Context, at int, acct SeedAccount) error {
	c := a.caller(acct.ID)
	call := func(action string, p url.Values) error { return c.iam(ctx, action, p, nil) }
	attach := func(where string, att SeedAttachments, kind, name string) error {
		for i, arn := range att.ManagedPolicies {
			if err := call("Attach"+kind+"Policy", params(kind+"Name", name, "PolicyArn", arn)); err != nil {
				return a.fail(fmt.Sprintf("%s.managedPolicies[%d] (%s)", where, i, arn), err)
			}
		}
		names := make([]string, 0, len(att.InlinePolicies))
		for n := range att.InlinePolicies {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			if err := call("Put"+kind+"Policy", params(kind+"Name", name, "PolicyName", n, "PolicyDocument", att.InlinePolicies[n].String())); err != nil {
				return a.fail(fmt.Sprintf("%s.inlinePolicies.%s", where, n), err)
			}
		}
		return nil
	}
	for i, p := range acct.IAM.Policies {
		err := call("CreatePolicy", params("PolicyName", p.Name, "Path", p.Path, "Description", p.Description, "PolicyDocument", p.Document.String()))
		if err := created(err); err != nil {
			return a.fail(entry(at, acct, "iam.policies[%d] (%s)", i, p.Name), err)
		}
	}
	for i, g := range acct.IAM.Groups {
		where := entry(at, acct, "iam.groups[%d] (%s)", i, g.Name)
		if err := call("CreateGroup", params("GroupName", g.Name, "Path", g.Path)); created(err) != nil {
			return a.fail(where, err)
		}
		if err := attach(where, g.SeedAttachments, "Group", g.Name); err != nil {
			return err
		}
	}
	for i, u := range acct.IAM.Users {
		where := entry(at, acct, "iam.users[%d] (%s)", i, u.Name)
		in := addTags(params("UserName", u.Name, "Path", u.Path, "PermissionsBoundary", u.PermissionsBoundary), u.Tags)
		if err := call("CreateUser", in); created(err) != nil {
			return a.fail(where, err)
		}
		for j, g := range u.Groups {
			if err := call("AddUserToGroup", params("UserName", u.Name, "GroupName", g)); err != nil {
				return a.fail(fmt.Sprintf("%s.groups[%d] (%s)", where, j, g), err)
			}
		}
		if err := attach(where, u.SeedAttachments, "User", u.Name); err != nil {
			return err
		}
		if len(u.AccessKeys) > 0 {
			var have struct {
				IDs []string `xml:"ListAccessKeysResult>AccessKeyMetadata>member>AccessKeyId"`
			}
			if err := c.iam(ctx, "ListAccessKeys", params("UserName", u.Name), &have); err != nil {
				return a.fail(where+".accessKeys", err)
			}
			for j, k := range u.AccessKeys {
				if slices.Contains(have.IDs, k.ID) {
					continue
				}
				kctx := iamsvc.WithSeededAccessKey(ctx, k.ID, k.Secret)
				if err := c.iam(kctx, "CreateAccessKey", params("UserName", u.Name), nil); err != nil {
					return a.fail(fmt.Sprintf("%s.accessKeys[%d] (%s)", where, j, k.ID), err)
				}
			}
		}
	}
	for i, r := range acct.IAM.Roles {
		where := entry(at, acct, "iam.roles[%d] (%s)", i, r.Name)
		in := addTags(params("RoleName", r.Name, "AssumeRolePolicyDocument", r.TrustPolicy.String(), "Path", r.Path, "Description", r.Description, "PermissionsBoundary", r.PermissionsBoundary), r.Tags)
		if r.MaxSessionDuration != 0 {
			in.Set("MaxSessionDuration", strconv.FormatInt(int64(r.MaxSessionDuration), 10))
		}
		if err := call("CreateRole", in); created(err) != nil {
			return a.fail(where, err)
		}
		if err := attach(where, r.SeedAttachments, "Role", r.Name); err != nil {
			return err
		}
	}
	for i, p := range acct.IAM.InstanceProfiles {
		where := entry(at, acct, "iam.instanceProfiles[%d] (%s)", i, p.Name)
		if err := call("CreateInstanceProfile", params("InstanceProfileName", p.Name, "Path", p.Path)); created(err) != nil {
			return a.fail(where, err)
		}
		var got struct {
			Roles []string `xml:"GetInstanceProfileResult>InstanceProfile>Roles>member>RoleName"`
		}
		if err := c.iam(ctx, "GetInstanceProfile", params("InstanceProfileName", p.Name), &got); err != nil {
			return a.fail(where, err)
		}
		for j, role := range p.Roles {
			if slices.ContainsFunc(got.Roles, func(r string) bool { return strings.EqualFold(r, role) }) {
				continue
			}
			if err := call("AddRoleToInstanceProfile", params("InstanceProfileName", p.Name, "RoleName", role)); err != nil {
				return a.fail(fmt.Sprintf("%s.roles[%d] (%s)", where, j, role), err)
			}
		}
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// jsonMembers is a JSON input: the pairs name, value, where an empty
// value is left out.
func jsonMembers(kv ...string) map[string]any {
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			m[kv[i]] = kv[i+1]
		}
	}
	return m
}

func (a *seeder) kms(ctx context.Context, at int, acct SeedAccount) error {
	c := a.caller(acct.ID)
	for i, k := range acct.KMS.Keys {
		where := entry(at, acct, "kms.keys[%d] (%s)", i, k.ID)
		err := c.kms(ctx, "DescribeKey", jsonMembers("KeyId", k.ID))
		var api *apiError
		switch {
		case errors.As(err, &api) && api.Code == "NotFoundException":
			in := jsonMembers("Description", k.Description, "Policy", k.Policy.String())
			if len(k.Tags) > 0 {
				var tags []map[string]any
				for _, tk := range sortedKeys(k.Tags) {
					tags = append(tags, map[string]any{"TagKey": tk, "TagValue": k.Tags[tk]})
				}
				in["Tags"] = tags
			}
			if err := c.kms(kmssvc.WithSeededKeyID(ctx, k.ID), "CreateKey", in); err != nil {
				return a.fail(where, err)
			}
		case err != nil:
			return a.fail(where, err)
		}
		for j, al := range k.Aliases {
			err := c.kms(ctx, "CreateAlias", jsonMembers("AliasName", al, "TargetKeyId", k.ID))
			if created(err) != nil {
				return a.fail(fmt.Sprintf("%s.aliases[%d] (%s)", where, j, al), err)
			}
		}
	}
	return nil
}

func (a *seeder) s3(ctx context.Context, at int, acct SeedAccount) error {
	c := a.caller(acct.ID)
	for i, b := range acct.S3.Buckets {
		where := entry(at, acct, "s3.buckets[%d] (%s)", i, b.Name)
		var conf []byte
		if r := a.seed.region(); r != "us-east-1" {
			conf = fmt.Appendf(nil, `<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>%s</LocationConstraint></CreateBucketConfiguration>`, r)
		}
		if _, err := c.s3(ctx, http.MethodPut, b.Name, "", "", nil, conf); created(err) != nil {
			return a.fail(where, err)
		}
		if p := b.Policy.String(); p != "" {
			if _, err := c.s3(ctx, http.MethodPut, b.Name, "", "policy", nil, []byte(p)); err != nil {
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
			head, err := c.s3(ctx, http.MethodHead, b.Name, o.Key, "", nil, nil)
			if err == nil && head.Header.Get("ETag") == etag {
				continue
			}
			h := http.Header{}
			if o.ContentType != "" {
				h.Set("Content-Type", o.ContentType)
			}
			if _, err := c.s3(ctx, http.MethodPut, b.Name, o.Key, "", h, body); err != nil {
				return a.fail(oe, err)
			}
		}
	}
	return nil
}

func (a *seeder) imageBuilder(ctx context.Context, at int, acct SeedAccount) error {
	c := a.caller(acct.ID)
	model := ibv1.ModelIndex()
	ib := acct.ImageBuilder
	run := func(kind, operation string, inputs []SeedInput, create func(map[string]any) error) error {
		op, _ := model.Operation(operation)
		for i, in := range inputs {
			v, err := inputJSON(in, op.Input)
			if err == nil {
				err = created(create(v))
			}
			if err != nil {
				return a.fail(entry(at, acct, "imagebuilder.%s[%d] (%s)", kind, i, in.name()), err)
			}
		}
		return nil
	}
	send := func(operation string) func(map[string]any) error {
		return func(in map[string]any) error { return c.imageBuilder(ctx, operation, in, nil) }
	}
	err := run("components", "CreateComponent", ib.Components, func(in map[string]any) error {
		// CreateComponent makes a new build version of an existing
		// version: applied again, the seed leaves the version alone.
		name, _ := in["name"].(string)
		version, _ := in["semanticVersion"].(string)
		if name != "" && version != "" {
			name = strings.ReplaceAll(strings.ToLower(name), " ", "-")
			arn := fmt.Sprintf("arn:aws:imagebuilder:%s:%s:component/%s/%s", a.seed.region(), acct.ID, name, version)
			var have struct {
				List []json.RawMessage `json:"componentSummaryList"`
			}
			err := c.imageBuilder(ctx, "ListComponentBuildVersions", map[string]any{"componentVersionArn": arn}, &have)
			if err == nil && len(have.List) > 0 {
				return nil
			}
		}
		return c.imageBuilder(ctx, "CreateComponent", in, nil)
	})
	if err != nil {
		return err
	}
	for i, p := range ib.ResourcePolicies {
		if err := a.resourcePolicy(ctx, c, p); err != nil {
			return a.fail(entry(at, acct, "imagebuilder.resourcePolicies[%d] (%s)", i, p.ResourceArn), err)
		}
	}
	if err := run("imageRecipes", "CreateImageRecipe", ib.ImageRecipes, send("CreateImageRecipe")); err != nil {
		return err
	}
	if err := run("infrastructureConfigurations", "CreateInfrastructureConfiguration", ib.InfrastructureConfigurations, send("CreateInfrastructureConfiguration")); err != nil {
		return err
	}
	if err := run("distributionConfigurations", "CreateDistributionConfiguration", ib.DistributionConfigurations, send("CreateDistributionConfiguration")); err != nil {
		return err
	}
	return run("imagePipelines", "CreateImagePipeline", ib.ImagePipelines, send("CreateImagePipeline"))
}

// resourcePolicy puts an Image Builder resource policy, the operation
// chosen by the ARN's resource type.
func (a *seeder) resourcePolicy(ctx context.Context, c *seedCaller, p SeedImageBuilderPolicy) error {
	parts := strings.SplitN(p.ResourceArn, ":", 6)
	if len(parts) != 6 {
		return errors.New("resourceArn is not an Image Builder ARN")
	}
	var op, member string
	switch typ, _, _ := strings.Cut(parts[5], "/"); typ {
	case "component":
		op, member = "PutComponentPolicy", "componentArn"
	case "image-recipe":
		op, member = "PutImageRecipePolicy", "imageRecipeArn"
	case "container-recipe":
		op, member = "PutContainerRecipePolicy", "containerRecipeArn"
	case "image":
		op, member = "PutImagePolicy", "imageArn"
	default:
		return fmt.Errorf("resource type %q takes no resource policy: a component, image-recipe, container-recipe or image ARN", typ)
	}
	return c.imageBuilder(ctx, op, map[string]any{member: p.ResourceArn, "policy": p.Policy.String()}, nil)
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
