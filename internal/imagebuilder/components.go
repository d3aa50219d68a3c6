package imagebuilder

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/ibemu/ibemu/internal/authz"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/imagebuilder/componentdoc"
	"github.com/ibemu/ibemu/internal/storage"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

const (
	ownerSelf   = "Self"
	ownerShared = "Shared"
	ownerAmazon = "Amazon"
)

// componentFilters are the filters ListComponents accepts.
var componentFilters = []string{"description", "name", "platform", "supportedOsVersion", "type", "version"}

// CreateComponent creates a new build version of a component from an
// inline document (data) or a document in S3 (uri). Creating a version that
// exists adds a build: .../name/1.0.0/2.
func (s *Service) CreateComponent(ctx context.Context, req *ibv1.CreateComponentRequest) (*ibv1.CreateComponentResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	v, aerr := ParseVersion(req.GetSemanticVersion())
	if aerr != nil {
		return nil, aerr
	}
	data, typ, params, err := s.componentDocument(ctx, req.Data, req.Uri, req.GetPlatform())
	if err != nil {
		return nil, err
	}
	if req.GetDryRun() {
		return nil, ibv1.ErrDryRunOperation("The dry run operation of the resource was successful, and no resources or mutations were actually performed due to the dry run flag in the request.")
	}
	comp := &ibv1.Component{
		Name:                req.Name,
		Version:             ptr(v.String()),
		Description:         req.Description,
		ChangeDescription:   req.ChangeDescription,
		Type:                ptr(typ),
		Platform:            req.Platform,
		SupportedOsVersions: req.SupportedOsVersions,
		State:               &ibv1.ComponentState{Status: ptr("ACTIVE")},
		Parameters:          params,
		Owner:               ptr(c.Account),
		Data:                data,
		KmsKeyId:            req.KmsKeyId,
		Encrypted:           ptr(true),
		Tags:                req.Tags,
		Obfuscate:           ptr(false),
	}
	dataKey, err := s.componentDataKey(ctx, c, req.KmsKeyId, arnName(req.GetName()), v)
	if err != nil {
		return nil, err
	}
	return createBuild(s, ctx, c, "CreateComponent", req, comp, v, dataKey, func(arn string) *ibv1.CreateComponentResponse {
		return &ibv1.CreateComponentResponse{
			ClientToken:              req.ClientToken,
			ComponentBuildVersionArn: ptr(arn),
			LatestVersionReferences:  latestReferences(componentBase(c.Region, c.Account, arnName(comp.GetName())), v),
		}
	})
}

// ImportComponent creates a component from a shell script: Image Builder
// wraps it in a one-step document for the platform.
func (s *Service) ImportComponent(ctx context.Context, req *ibv1.ImportComponentRequest) (*ibv1.ImportComponentResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	v, aerr := ParseVersion(req.GetSemanticVersion())
	if aerr != nil {
		return nil, aerr
	}
	data, err := s.importedDocument(ctx, req)
	if err != nil {
		return nil, err
	}
	comp := &ibv1.Component{
		Name:              req.Name,
		Version:           ptr(v.String()),
		Description:       req.Description,
		ChangeDescription: req.ChangeDescription,
		Type:              req.Type,
		Platform:          req.Platform,
		State:             &ibv1.ComponentState{Status: ptr("ACTIVE")},
		Owner:             ptr(c.Account),
		Data:              data,
		KmsKeyId:          req.KmsKeyId,
		Encrypted:         ptr(true),
		Tags:              req.Tags,
		Obfuscate:         ptr(false),
	}
	dataKey, err := s.componentDataKey(ctx, c, req.KmsKeyId, arnName(req.GetName()), v)
	if err != nil {
		return nil, err
	}
	return createBuild(s, ctx, c, "ImportComponent", req, comp, v, dataKey, func(arn string) *ibv1.ImportComponentResponse {
		return &ibv1.ImportComponentResponse{
			ClientToken:              req.ClientToken,
			ComponentBuildVersionArn: ptr(arn),
		}
	})
}

// createBuild stores comp as a new build of version v in one transaction,
// with the data key KMS generated for it (nil for none), and answers a
// retry carrying the same client token with the first answer.
func createBuild[T proto.Message](s *Service, ctx context.Context, c *callctx.Call, op string, req proto.Message, comp *ibv1.Component, v Version, dataKey []byte, answer func(arn string) T) (T, error) {
	var resp T
	err := s.db.Update(ctx, func(tx *storage.Tx) error {
		var err error
		resp, err = idempotent(tx, scope(c), op, req, c.Time, func() (T, error) {
			arn, err := s.putComponentBuild(tx, c, comp, v, dataKey)
			if err != nil {
				var zero T
				return zero, err
			}
			return answer(arn), nil
		})
		return err
	})
	if err != nil {
		var zero T
		return zero, storageError(err)
	}
	return resp, nil
}

// componentFamily is the storage of component builds.
var componentFamily = &builds[*ibv1.Component, *ibv1.ComponentVersion]{
	noun: "component", base: componentBase,
	records: componentBuilds, latest: componentVersions, counters: componentBuildCounters,
	index: versionOf,
}

// putComponentBuild stores comp as the next build of its version and
// updates the version index. It returns the build version ARN.
func (s *Service) putComponentBuild(tx *storage.Tx, c *callctx.Call, tmpl *ibv1.Component, v Version, dataKey []byte) (string, error) {
	sc := scope(c)
	name := arnName(tmpl.GetName())
	build, last, err := nextBuild(tx, sc, name, v)
	if err != nil {
		return "", err
	}
	// Builds of one version share its name segment; a different display
	// name for the same segment would make two components one.
	if last != nil && last.GetName() != tmpl.GetName() {
		return "", ibv1.ErrResourceAlreadyExists("The component %s already exists with the name %q; names that differ only in case or in spaces and hyphens map to the same ARN.", componentBase(c.Region, c.Account, name), last.GetName())
	}
	comp := proto.Clone(tmpl).(*ibv1.Component)
	arn := fmt.Sprintf("%s/%s/%d", componentBase(c.Region, c.Account, name), v, build)
	comp.Arn = &arn
	comp.DateCreated = ptr(timestamp(c.Time))
	if err := componentFamily.insert(tx, sc, name, v, build, comp); err != nil {
		return "", err
	}
	if dataKey != nil {
		if err := componentDataKeys.Put(tx, sc, buildKey(name, v, build), wrapperspb.Bytes(dataKey)); err != nil {
			return "", err
		}
	}
	return arn, nil
}

// nextBuild returns the build number the next build of version v of the
// component with ARN name segment name gets in sc, and the version's latest
// build (nil when it has none).
func nextBuild(tx *storage.Tx, sc storage.Scope, name string, v Version) (uint32, *ibv1.Component, error) {
	build, last, _, err := componentFamily.next(tx, sc, name, v)
	return build, last, err
}

// maxBuild bounds build numbers so that they stay within uint32.
const maxBuild = 1<<32 - 1

// buildOf reads the build number from a stored build version ARN.
func buildOf(arn string) (uint32, error) {
	r, aerr := parseARN("arn", arn)
	if aerr != nil || r.Build == 0 {
		return 0, fmt.Errorf("imagebuilder: stored component has a malformed ARN %q", arn)
	}
	return r.Build, nil
}

// versionOf is the ListComponents entry of a component version, described by
// its latest build.
func versionOf(comp *ibv1.Component, region string) *ibv1.ComponentVersion {
	r, _ := parseARN("arn", comp.GetArn())
	return &ibv1.ComponentVersion{
		Arn:                 ptr(componentBase(region, r.Account, r.Name) + "/" + r.Version),
		Name:                comp.Name,
		Version:             comp.Version,
		Description:         comp.Description,
		Platform:            comp.Platform,
		SupportedOsVersions: comp.SupportedOsVersions,
		Type:                comp.Type,
		Owner:               comp.Owner,
		DateCreated:         comp.DateCreated,
		Status:              comp.GetState().Status,
		ProductCodes:        comp.ProductCodes,
	}
}

func componentBase(region, account, name string) string {
	return typeARN(region, account, "component") + "/" + name
}

// componentDocument returns the document of CreateComponent, inline (data)
// or read from S3 as the caller (uri), validated for the platform, with the
// component type and its parameters.
func (s *Service) componentDocument(ctx context.Context, data, uri *string, platform string) (*string, string, []*ibv1.ComponentParameterDetail, error) {
	text, err := s.documentText(ctx, data, uri)
	if err != nil {
		return nil, "", nil, err
	}
	data = &text
	doc, err := componentdoc.ParseFrom(*data, platform, sourceOf(uri))
	if err != nil {
		var verr *componentdoc.ValidationError
		if errors.As(err, &verr) {
			return nil, "", nil, verr.AWSError()
		}
		return nil, "", nil, ibv1.ErrInvalidParameterValue("The value supplied for parameter 'platform' is not valid. %v", err)
	}
	typ := "BUILD"
	if doc.Phase(componentdoc.PhaseBuild) == nil && (doc.Phase(componentdoc.PhaseTest) != nil || doc.Phase(componentdoc.PhaseValidate) != nil) {
		typ = "TEST"
	}
	var params []*ibv1.ComponentParameterDetail
	for _, p := range doc.Parameters {
		d := &ibv1.ComponentParameterDetail{Name: ptr(p.Name), Type: ptr(p.Type), DefaultValue: p.DefaultValue}
		if p.Description != "" {
			d.Description = ptr(p.Description)
		}
		params = append(params, d)
	}
	return data, typ, params, nil
}

// GetComponent returns a component build version. The ARN may name a build
// (.../1.0.0/2), a version (.../1.0.0, its latest build) or a version
// selector (.../1.x.x, the latest matching version), in the caller's
// account, another account that shares it, or Amazon's.
func (s *Service) GetComponent(ctx context.Context, req *ibv1.GetComponentRequest) (*ibv1.GetComponentResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	arn := req.GetComponentBuildVersionArn()
	res, l, err := s.locate(ctx, c, "imagebuilder:GetComponent", "componentBuildVersionArn", arn)
	if err != nil {
		return nil, err
	}
	if !res.Exists {
		return nil, componentSharing.notFound(arn)
	}
	if err := s.checkComponentDecrypt(ctx, l.component, l); err != nil {
		return nil, err
	}
	refs := l.refs
	if refs == nil {
		v, _ := ParseVersion(l.at.Version)
		refs = latestReferences(componentBase(l.at.Region, l.at.Account, l.at.Name), v)
	}
	return &ibv1.GetComponentResponse{Component: l.component, LatestVersionReferences: refs}, nil
}

// componentType is the ARN resource type of components.
const componentType = "component"

// findComponent resolves a build ARN, version ARN or selector in sc.
func findComponent(tx *storage.Tx, sc storage.Scope, r resourceARN) (*ibv1.Component, bool, error) {
	return componentFamily.find(tx, sc, r.Name, r.Version, r.Build)
}

func buildSuffix(b uint32) string {
	if b == 0 {
		return ""
	}
	return fmt.Sprintf("/%d", b)
}

// DeleteComponent deletes one build version, with its policy and what the
// policy shared. A build an image or container recipe references (by its
// ARN, or a version ARN or selector resolving to it) or a build in progress
// uses cannot be deleted: ResourceDependencyException (dependents.go).
func (s *Service) DeleteComponent(ctx context.Context, req *ibv1.DeleteComponentRequest) (*ibv1.DeleteComponentResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	const member = "componentBuildVersionArn"
	arn := req.GetComponentBuildVersionArn()
	r, aerr := parseARN(member, arn)
	if aerr != nil {
		return nil, aerr
	}
	if r.Account == awsOwner {
		return nil, ibv1.ErrForbidden("You cannot delete the Amazon-managed component %s.", arn)
	}
	if _, aerr := ParseVersion(r.Version); aerr != nil {
		return nil, aerr
	}
	res, l, err := s.locate(ctx, c, "imagebuilder:DeleteComponent", member, arn)
	if err != nil {
		return nil, err
	}
	if !res.Exists {
		return nil, componentSharing.notFound(arn)
	}
	sc := l.scope()
	v, _ := ParseVersion(l.at.Version)
	err = s.db.Update(ctx, func(tx *storage.Tx) error {
		if componentInUse != nil {
			if err := componentInUse(tx, sc, l.at.String()); err != nil {
				return err
			}
		}
		deleted, err := componentFamily.remove(tx, sc, l.at.Name, v, l.at.Build)
		if err != nil {
			return err
		}
		if !deleted {
			return componentSharing.notFound(arn)
		}
		if _, err := componentDataKeys.Delete(tx, sc, buildKey(l.at.Name, v, l.at.Build)); err != nil {
			return err
		}
		return dropPolicy(tx, componentSharing, l)
	})
	if err != nil {
		return nil, storageError(err)
	}
	return &ibv1.DeleteComponentResponse{ComponentBuildVersionArn: &arn}, nil
}

// ListComponents lists component versions (or, byName, the latest version of
// each component) owned by the caller, shared with it, or managed by Amazon.
func (s *Service) ListComponents(ctx context.Context, req *ibv1.ListComponentsRequest) (*ibv1.ListComponentsResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	fs, aerr := parseFilters(req.GetFilters(), componentFilters...)
	if aerr != nil {
		return nil, aerr
	}
	if req.GetByName() {
		if _, ok := fs["version"]; ok {
			return nil, ibv1.ErrInvalidParameterCombination("The value supplied for parameter 'filters' is not valid. You cannot list Components by name and filter by version in the same request.")
		}
	}
	owner := req.GetOwner()
	if owner == "" {
		owner = ownerSelf
	}
	listing := "ListComponents/" + owner
	if req.GetByName() {
		listing += "/byName"
	}
	pg, aerr := newPage(listing, nil, req.MaxResults, req.NextToken)
	if aerr != nil {
		return nil, aerr
	}
	resp := &ibv1.ListComponentsResponse{}
	keep := func(cv *ibv1.ComponentVersion) bool {
		return fs.match("name", cv.GetName()) && fs.match("platform", cv.GetPlatform()) &&
			fs.match("type", cv.GetType()) && fs.match("version", cv.GetVersion()) &&
			fs.match("description", cv.GetDescription()) && fs.match("supportedOsVersion", cv.GetSupportedOsVersions()...)
	}
	switch owner {
	case ownerSelf, ownerShared:
		// Own versions are indexed by name / version; versions shared with
		// the caller's account by owner / name / version / build, the latest
		// shared build of a version describing it. byName lists the latest
		// version of each name: the version numbers (12 bytes) are the tail.
		table := componentVersions
		if owner == ownerShared {
			table, pg.tail = sharedComponents, 4
		}
		if req.GetByName() {
			pg.tail += 12
		}
		t := authz.TargetFrom(ctx)
		err := s.db.View(ctx, func(tx *storage.Tx) error {
			keepKey := func(k []byte, cv *ibv1.ComponentVersion) (bool, error) {
				if !keep(cv) {
					return false, nil
				}
				if owner != ownerShared {
					return true, nil
				}
				return sharedBuildVisible(tx, t, c, k)
			}
			var err error
			resp.ComponentVersionList, resp.NextToken, err = collect(tx, table, scope(c), pg, keepKey, same[*ibv1.ComponentVersion])
			return err
		})
		if err != nil {
			return nil, storageError(err)
		}
	case ownerAmazon:
		resp.ComponentVersionList, resp.NextToken = listAmazonComponents(c.Region, listing, pg.after, pg.limit, req.GetByName(), keep)
	default:
		// ThirdParty and AWSMarketplace: none are published here.
	}
	return resp, nil
}

// same is the identity mapping, for listings whose stored entries are the
// output items.
func same[T any](v T) T { return v }

// ListComponentBuildVersions lists the builds of one component version, or
// every build the caller owns when no version is given. The builds of a
// version another account shares with the caller are the ones shared with
// it.
func (s *Service) ListComponentBuildVersions(ctx context.Context, req *ibv1.ListComponentBuildVersionsRequest) (*ibv1.ListComponentBuildVersionsResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	var prefix []byte
	sc := scope(c)
	listing := "ListComponentBuildVersions"
	resp := &ibv1.ListComponentBuildVersionsResponse{}
	var keep func(tx *storage.Tx, comp *ibv1.Component) (bool, error)
	if req.ComponentVersionArn != nil {
		const member = "componentVersionArn"
		arn := req.GetComponentVersionArn()
		r, aerr := parseARN(member, arn)
		if aerr != nil {
			return nil, aerr
		}
		v, aerr := ParseVersion(r.Version)
		if aerr != nil {
			return nil, aerr
		}
		if r.Account == awsOwner {
			for _, comp := range amazonBuilds(c.Region, r.Name, v) {
				resp.ComponentSummaryList = append(resp.ComponentSummaryList, summaryOf(comp))
			}
			return resp, nil
		}
		res, l, err := s.locate(ctx, c, "imagebuilder:ListComponentBuildVersions", member, arn)
		if err != nil {
			return nil, err
		}
		if !res.Exists {
			return resp, nil
		}
		sc = l.scope()
		prefix = versionKey(r.Name, v).Key()
		listing += "/" + arn
		if sc.Account != c.Account {
			t := authz.TargetFrom(ctx)
			keep = func(tx *storage.Tx, comp *ibv1.Component) (bool, error) {
				b, err := buildOf(comp.GetArn())
				if err != nil {
					return false, err
				}
				key := sharedKey(sc.Account, r.Name, v, b)
				if _, found, err := sharedComponents.Get(tx, scope(c), key); err != nil || !found {
					return false, err
				}
				return sharedBuildVisible(tx, t, c, key)
			}
		}
	}
	pg, aerr := newPage(listing, prefix, req.MaxResults, req.NextToken)
	if aerr != nil {
		return nil, aerr
	}
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		var keepKey func([]byte, *ibv1.Component) (bool, error)
		if keep != nil {
			keepKey = func(_ []byte, comp *ibv1.Component) (bool, error) { return keep(tx, comp) }
		}
		var err error
		resp.ComponentSummaryList, resp.NextToken, err = collect(tx, componentBuilds, sc, pg, keepKey, summaryOf)
		return err
	})
	if err != nil {
		return nil, storageError(err)
	}
	return resp, nil
}

func summaryOf(comp *ibv1.Component) *ibv1.ComponentSummary {
	return &ibv1.ComponentSummary{
		Arn:                 comp.Arn,
		Name:                comp.Name,
		Version:             comp.Version,
		Platform:            comp.Platform,
		SupportedOsVersions: comp.SupportedOsVersions,
		State:               comp.State,
		Type:                comp.Type,
		Owner:               comp.Owner,
		Description:         comp.Description,
		ChangeDescription:   comp.ChangeDescription,
		DateCreated:         comp.DateCreated,
		Tags:                comp.Tags,
		Publisher:           comp.Publisher,
		Obfuscate:           comp.Obfuscate,
	}
}
