package imagebuilder

import (
	"context"
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/ibemu/ibemu/internal/authz"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/iam/policy"
	"github.com/ibemu/ibemu/internal/lazyre"
	"github.com/ibemu/ibemu/internal/storage"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// recipes is a family of versioned recipes: image recipes and container
// recipes. A recipe version is created once and never changes
// (ARN TYPE/NAME/VERSION, no build number: creating an existing version is
// ResourceAlreadyExistsException); a version selector (1.x.x, x.x.x) names
// the latest matching version. Recipes are shared through their resource
// policy (Put<T>Policy); the accounts a policy grants find the recipe in
// their owner Shared listing.
//
// Records (T) have the members arn, name, version, owner, date_created and
// tags; summaries (S) are what the listings show.
type recipes[T, S proto.Message] struct {
	kind *kind
	// member is the ARN member of the family's requests: "imageRecipeArn".
	member string
	// listAction is the action a shared listing entry must allow the caller.
	listAction string
	// table holds the versions: name / major / minor / patch → T, in the
	// owner's scope.
	table *storage.Table[T]
	// shared indexes, in the scope of each account a recipe policy grants,
	// the recipe versions shared with it: owner / name / major / minor /
	// patch → S.
	shared  *storage.Table[S]
	summary func(T) S
	// dependents are the families that may use a recipe (image pipelines,
	// images): each returns ResourceDependencyException when something uses
	// the recipe at arn, and the delete is refused. Families register
	// through dependOn.
	dependents []func(tx *storage.Tx, sc storage.Scope, arn string) error
}

// dependOn registers a dependency hook: the family of a resource that
// references recipes (a pipeline naming an image recipe) calls it at
// initialization, e.g.
//
//	func init() { imageRecipes.dependOn(pipelinesUsingRecipe) }
//
// where the hook returns ibv1.ErrResourceDependency(…) when the recipe at arn
// (in scope sc, its owner's) is in use.
func (f *recipes[T, S]) dependOn(hook func(tx *storage.Tx, sc storage.Scope, arn string) error) {
	f.dependents = append(f.dependents, hook)
}

var (
	imageRecipes = &recipes[*ibv1.ImageRecipe, *ibv1.ImageRecipeSummary]{
		kind: imageRecipeKind, member: "imageRecipeArn", listAction: "imagebuilder:ListImageRecipes",
		table:   storage.NewTable[*ibv1.ImageRecipe]("imagebuilder.image-recipes"),
		shared:  storage.NewTable[*ibv1.ImageRecipeSummary]("imagebuilder.shared-image-recipes"),
		summary: imageRecipeSummary,
	}
	containerRecipes = &recipes[*ibv1.ContainerRecipe, *ibv1.ContainerRecipeSummary]{
		kind: containerRecipeKind, member: "containerRecipeArn", listAction: "imagebuilder:ListContainerRecipes",
		table:   storage.NewTable[*ibv1.ContainerRecipe]("imagebuilder.container-recipes"),
		shared:  storage.NewTable[*ibv1.ContainerRecipeSummary]("imagebuilder.shared-container-recipes"),
		summary: containerRecipeSummary,
	}
)

// The kinds and sharings of kinds.go and policy.go get their stores here, so
// the recipe families stay in their own files.
func init() {
	imageRecipes.wire()
	containerRecipes.wire()
}

func (f *recipes[T, S]) wire() {
	f.kind.store = versionedStore[T]{f.table}
	f.kind.sharing.present = f.present
	f.kind.sharing.reshare = f.reshare
}

// versionedStore stores a versioned type without builds by name and
// version; load resolves selectors to the latest matching version.
type versionedStore[T proto.Message] struct{ table *storage.Table[T] }

func (v versionedStore[T]) load(tx *storage.Tx, sc storage.Scope, r resourceARN) (proto.Message, resourceARN, bool, error) {
	rec, found, err := findVersion(tx, v.table, sc, r)
	if err != nil || !found {
		return nil, r, false, err
	}
	at, _ := parseARN("arn", stringField(rec, "arn"))
	return rec, at, true, nil
}

func (v versionedStore[T]) save(tx *storage.Tx, sc storage.Scope, at resourceARN, rec proto.Message) error {
	ver, aerr := ParseVersion(at.Version)
	if aerr != nil {
		return aerr
	}
	return v.table.Put(tx, sc, versionKey(at.Name, ver).Key(), rec.(T))
}

// findVersion resolves a version ARN or selector in sc.
func findVersion[T proto.Message](tx *storage.Tx, table *storage.Table[T], sc storage.Scope, r resourceARN) (T, bool, error) {
	var zero T
	if r.Build != 0 {
		return zero, false, nil
	}
	sel, aerr := ParseSelector(r.Version)
	if aerr != nil {
		return zero, false, aerr
	}
	if sel.Fixed == 3 {
		return table.Get(tx, sc, versionKey(r.Name, sel.Version).Key())
	}
	var latest T
	found := false
	err := table.Scan(tx, sc, storage.ScanOptions{Prefix: nameKey(r.Name).Key(), Reverse: true}, func(_ []byte, rec T) (bool, error) {
		v, aerr := ParseVersion(stringField(rec, "version"))
		if aerr != nil {
			return false, aerr
		}
		if sel.Matches(v) {
			latest, found = rec, true
			return false, nil
		}
		return true, nil
	})
	return latest, found, err
}

func (f *recipes[T, S]) present(tx *storage.Tx, l *located) (bool, error) {
	v, aerr := ParseVersion(l.at.Version)
	if aerr != nil {
		return false, aerr
	}
	_, found, err := f.table.Get(tx, l.scope(), versionKey(l.at.Name, v).Key())
	return found, err
}

// sharedRecipeKey locates a shared recipe version in a grantee's scope.
func sharedRecipeKey(at resourceARN) ([]byte, error) {
	v, aerr := ParseVersion(at.Version)
	if aerr != nil {
		return nil, aerr
	}
	return storage.NewKey().String(at.Account).String(at.Name).Uint32(v.Major).Uint32(v.Minor).Uint32(v.Patch).Key(), nil
}

// reshare moves a recipe version's entry in the Shared listings from the
// accounts a policy granted before to those it grants after.
func (f *recipes[T, S]) reshare(tx *storage.Tx, l *located, before, after []string) error {
	key, err := sharedRecipeKey(l.at)
	if err != nil {
		return err
	}
	for _, a := range before {
		if _, err := f.shared.Delete(tx, storage.Scope{Account: a, Region: l.at.Region}, key); err != nil {
			return err
		}
	}
	rec, ok := l.record.(T)
	if !ok {
		return nil
	}
	for _, a := range after {
		if err := f.shared.Put(tx, storage.Scope{Account: a, Region: l.at.Region}, key, f.summary(rec)); err != nil {
			return err
		}
	}
	return nil
}

func (f *recipes[T, S]) notFound(arn string) error { return f.kind.sharing.notFound(arn) }

// parse checks that arn names a version (or selector) of the family.
func (f *recipes[T, S]) parse(arn string) (resourceARN, error) {
	r, aerr := parseARN(f.member, arn)
	if aerr != nil {
		return r, aerr
	}
	if r.Type != f.kind.typ || r.Version == "" || r.Build != 0 {
		return r, ibv1.ErrInvalidParameterValue("The value supplied for parameter '%s' is not valid. The ARN %s does not name %s version: expected %s/NAME/VERSION.", f.member, arn, article(f.kind.noun), typeARN(r.Region, r.Account, f.kind.typ))
	}
	if _, aerr := ParseSelector(r.Version); aerr != nil {
		return r, aerr
	}
	return r, nil
}

func article(noun string) string {
	if noun != "" && (noun[0] == 'a' || noun[0] == 'e' || noun[0] == 'i' || noun[0] == 'o' || noun[0] == 'u') {
		return "an " + noun
	}
	return "a " + noun
}

// find returns the recipe arn names, as the call was authorized on it, with
// where it was found.
func (f *recipes[T, S]) find(s *Service, ctx context.Context, action, arn string) (T, *located, error) {
	var zero T
	c, aerr := call(ctx)
	if aerr != nil {
		return zero, nil, aerr
	}
	if _, err := f.parse(arn); err != nil {
		return zero, nil, err
	}
	res, l, err := s.locate(ctx, c, action, f.member, arn)
	if err != nil {
		return zero, nil, err
	}
	rec, ok := l.record.(T)
	if !res.Exists || !ok {
		return zero, nil, f.notFound(arn)
	}
	return rec, l, nil
}

// references are the wildcard ARNs selecting the version at.
func references(at resourceARN) *ibv1.LatestVersionReferences {
	v, _ := ParseVersion(at.Version)
	return latestReferences(typeARN(at.Region, at.Account, at.Type)+"/"+at.Name, v)
}

// createRecipe stores rec (built by the handler from req) as version v of
// the recipe req names, in one transaction with the idempotency record, and
// answers answer(arn). Errors: ResourceAlreadyExistsException for an
// existing version, or a name that differs from the recipe's other
// versions' only in case or spaces; IdempotentParameterMismatchException.
func createRecipe[T, S, R proto.Message](s *Service, ctx context.Context, c *callctx.Call, f *recipes[T, S], op string, req proto.Message, rec T, v Version, answer func(arn string) R) (R, error) {
	var zero R
	name := stringField(req, "name")
	seg := arnName(name)
	base := typeARN(c.Region, c.Account, f.kind.typ) + "/" + seg
	arn := base + "/" + v.String()
	setStringField(rec, "arn", arn)
	setStringField(rec, "name", name)
	setStringField(rec, "version", v.String())
	setStringField(rec, "owner", c.Account)
	setStringField(rec, "date_created", timestamp(c.Time))
	setRecordTags(rec, recordTags(req))
	var resp R
	err := s.db.Update(ctx, func(tx *storage.Tx) error {
		var err error
		resp, err = idempotent(tx, scope(c), op, req, c.Time, func() (R, error) {
			key := versionKey(seg, v).Key()
			if _, found, err := f.table.Get(tx, scope(c), key); err != nil || found {
				if err == nil {
					err = ibv1.ErrResourceAlreadyExists("The following resource '%s' already exists: '%s'.", f.kind.title, arn)
				}
				return zero, err
			}
			if _, other, found, err := f.table.Last(tx, scope(c), nameKey(seg).Key()); err != nil {
				return zero, err
			} else if found && stringField(other, "name") != name {
				return zero, ibv1.ErrResourceAlreadyExists("The %s %s already exists with the name %q; names that differ only in case or in spaces and hyphens map to the same ARN.", f.kind.noun, base, stringField(other, "name"))
			}
			if err := f.table.Insert(tx, scope(c), key, rec); err != nil {
				return zero, err
			}
			return answer(arn), nil
		})
		return err
	})
	if err != nil {
		return zero, storageError(err)
	}
	return resp, nil
}

// delete removes the recipe version arn names, with its policy and what it
// shared, unless a dependent family uses it.
func (f *recipes[T, S]) delete(s *Service, ctx context.Context, action, arn string) error {
	r, err := f.parse(arn)
	if err != nil {
		return err
	}
	if _, aerr := ParseVersion(r.Version); aerr != nil {
		return aerr
	}
	_, l, err := f.find(s, ctx, action, arn)
	if err != nil {
		return err
	}
	sc := l.scope()
	v, _ := ParseVersion(l.at.Version)
	err = s.db.Update(ctx, func(tx *storage.Tx) error {
		for _, inUse := range f.dependents {
			if err := inUse(tx, sc, l.at.String()); err != nil {
				return err
			}
		}
		deleted, err := f.table.Delete(tx, sc, versionKey(l.at.Name, v).Key())
		if err != nil {
			return err
		}
		if !deleted {
			return f.notFound(arn)
		}
		return dropPolicy(tx, f.kind.sharing, l)
	})
	return storageError(err)
}

// list lists one page of the recipes owned by the caller (Self), shared
// with it (Shared), in name and version order, that keep accepts. Amazon,
// ThirdParty and AWSMarketplace publish no recipes: their listings are
// empty.
func (f *recipes[T, S]) list(s *Service, ctx context.Context, listing, owner string, maxResults *int32, token *string, keep func(S) bool) ([]S, *string, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, nil, aerr
	}
	if owner == "" {
		owner = ownerSelf
	}
	pg, aerr := newPage(listing+"/"+owner, nil, maxResults, token)
	if aerr != nil {
		return nil, nil, aerr
	}
	out := []S{}
	var next *string
	t := authz.TargetFrom(ctx)
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		var err error
		switch owner {
		case ownerSelf:
			out, next, err = collect(tx, f.table, scope(c), pg, func(_ []byte, rec T) (bool, error) { return keep(f.summary(rec)), nil }, f.summary)
		case ownerShared:
			// Entries show the owner's current record; a version deleted
			// since it was shared is gone with it.
			out, next, err = collect(tx, f.shared, scope(c), pg, func(_ []byte, entry S) (bool, error) {
				at, aerr := parseARN("arn", stringField(entry, "arn"))
				if aerr != nil {
					return false, nil
				}
				rec, found, err := findVersion(tx, f.table, storage.Scope{Account: at.Account, Region: at.Region}, at)
				if err != nil || !found {
					return false, err
				}
				proto.Reset(entry)
				proto.Merge(entry, f.summary(rec))
				if !keep(entry) {
					return false, nil
				}
				return sharedVisible(tx, t, f.listAction, at)
			}, same[S])
		}
		return err
	})
	if err != nil {
		return nil, nil, storageError(err)
	}
	return out, next, nil
}

// sharedVisible decides whether a resource another account shares with the
// caller's account is one the caller itself may list: the share index is
// per account, but a policy may name only some of its principals. Without
// an enforcement layer in the call, every shared resource is visible.
func sharedVisible(tx *storage.Tx, t *authz.Target, action string, at resourceARN) (bool, error) {
	if t == nil {
		return true, nil
	}
	doc, found, err := resourcePolicies.Get(tx, storage.Scope{Account: at.Account, Region: at.Region}, policyKey(at))
	if err != nil || !found {
		return false, err
	}
	p, err := evaluationPolicy(doc.GetValue(), at)
	if err != nil {
		return false, nil
	}
	return t.Allows(action, at.String(), at.Account, &policy.Attached{Policy: p, Name: at.String() + " policy"}), nil
}

// CreateImageRecipe creates a version of an image recipe: a parent image
// (an AMI id, an SSM parameter "ssm:NAME" holding one, or an Image Builder
// image ARN, Amazon's or one the caller may read), the components to apply
// (each one the caller may read, of the recipe's platform, with parameters
// the component declares), block device mappings, a working directory,
// additional instance configuration and tags for the output AMI. The
// recipe's platform is the parent image's (see parentPlatform). Errors:
// InvalidParameterValueException, InvalidParameterCombinationException,
// InvalidVersionNumberException, ResourceAlreadyExistsException,
// IdempotentParameterMismatchException, AccessDeniedException (the caller
// may not read a component or the parent image: imagebuilder:GetComponent
// and imagebuilder:GetImage are dependent actions of CreateImageRecipe in the
// Service Authorization Reference).
func (s *Service) CreateImageRecipe(ctx context.Context, req *ibv1.CreateImageRecipeRequest) (*ibv1.CreateImageRecipeResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	v, aerr := ParseVersion(req.GetSemanticVersion())
	if aerr != nil {
		return nil, aerr
	}
	parent, err := s.parentImage(ctx, c, req.GetParentImage(), "AMI")
	if err != nil {
		return nil, err
	}
	platform, err := s.recipeComponents(ctx, c, req.GetComponents(), parent)
	if err != nil {
		return nil, err
	}
	if err := checkBlockDevices("blockDeviceMappings", req.GetBlockDeviceMappings()); err != nil {
		return nil, err
	}
	if err := checkTagKeys("amiTags", req.GetAmiTags()); err != nil {
		return nil, err
	}
	rec := &ibv1.ImageRecipe{}
	copyFields(rec, req)
	rec.Type, rec.Platform = ptr("AMI"), ptr(platform)
	return createRecipe(s, ctx, c, imageRecipes, "CreateImageRecipe", req, rec, v, func(arn string) *ibv1.CreateImageRecipeResponse {
		at, _ := parseARN("arn", arn)
		return &ibv1.CreateImageRecipeResponse{ClientToken: req.ClientToken, ImageRecipeArn: ptr(arn), LatestVersionReferences: references(at)}
	})
}

// GetImageRecipe returns an image recipe version (a selector ARN: the
// latest matching version), the caller's or one shared with it. Errors:
// ResourceNotFoundException, InvalidParameterValueException.
func (s *Service) GetImageRecipe(ctx context.Context, req *ibv1.GetImageRecipeRequest) (*ibv1.GetImageRecipeResponse, error) {
	rec, l, err := imageRecipes.find(s, ctx, "imagebuilder:GetImageRecipe", req.GetImageRecipeArn())
	if err != nil {
		return nil, err
	}
	return &ibv1.GetImageRecipeResponse{ImageRecipe: rec, LatestVersionReferences: references(l.at)}, nil
}

// DeleteImageRecipe deletes an image recipe version and its policy.
// Errors: ResourceNotFoundException, InvalidVersionNumberException (a
// selector), ResourceDependencyException (a pipeline or image uses it).
func (s *Service) DeleteImageRecipe(ctx context.Context, req *ibv1.DeleteImageRecipeRequest) (*ibv1.DeleteImageRecipeResponse, error) {
	if err := imageRecipes.delete(s, ctx, "imagebuilder:DeleteImageRecipe", req.GetImageRecipeArn()); err != nil {
		return nil, err
	}
	return &ibv1.DeleteImageRecipeResponse{ImageRecipeArn: req.ImageRecipeArn}, nil
}

// ListImageRecipes lists image recipe versions by owner (Self, the
// default; Shared; Amazon, ThirdParty and AWSMarketplace publish none),
// filtered by name, parentImage and platform.
func (s *Service) ListImageRecipes(ctx context.Context, req *ibv1.ListImageRecipesRequest) (*ibv1.ListImageRecipesResponse, error) {
	fs, aerr := parseFilters(req.GetFilters(), "name", "parentImage", "platform")
	if aerr != nil {
		return nil, aerr
	}
	list, next, err := imageRecipes.list(s, ctx, "ListImageRecipes", req.GetOwner(), req.MaxResults, req.NextToken, func(r *ibv1.ImageRecipeSummary) bool {
		return fs.match("name", r.GetName()) && fs.match("parentImage", r.GetParentImage()) && fs.match("platform", r.GetPlatform())
	})
	if err != nil {
		return nil, err
	}
	return &ibv1.ListImageRecipesResponse{ImageRecipeSummaryList: list, NextToken: next}, nil
}

func imageRecipeSummary(r *ibv1.ImageRecipe) *ibv1.ImageRecipeSummary {
	sum := &ibv1.ImageRecipeSummary{}
	copyFields(sum, r)
	return sum
}

// parent is what a recipe's parent image resolved to.
type parent struct {
	// platform is the parent's platform; "" when the emulator cannot tell
	// (an AMI id: there is no EC2 to describe it).
	platform string
	// what names the parent in messages.
	what string
}

// imageBuilderParent checks a parent image given as an Image Builder image ARN:
// it must exist, be readable by the caller (its own, shared with it through
// an image policy, or Amazon's) and be of imageType (AMI for image recipes,
// DOCKER for container recipes); its platform is the recipe's. Other forms
// are checked by the family. ok is false when parentImage is not an Image
// Builder ARN.
func (s *Service) imageBuilderParent(ctx context.Context, c *callctx.Call, member, parentImage, imageType string) (parent, bool, error) {
	if !strings.HasPrefix(parentImage, "arn:") {
		return parent{}, false, nil
	}
	r, aerr := parseARN(member, parentImage)
	if aerr != nil {
		return parent{}, true, aerr
	}
	if r.Type != "image" || r.Version == "" {
		return parent{}, true, ibv1.ErrInvalidParameterValue("The value supplied for parameter '%s' is not valid. The ARN %s does not name an image version: expected %s/NAME/VERSION.", member, parentImage, typeARN(r.Region, r.Account, "image"))
	}
	rec, err := s.readDependency(ctx, c, "imagebuilder:GetImage", member, parentImage)
	if err != nil {
		return parent{}, true, err
	}
	img, _ := rec.(*ibv1.Image)
	if img == nil {
		return parent{}, true, ibv1.ErrInvalidParameterValue("The value supplied for parameter '%s' is not valid. The image %s does not exist or you do not have access to it.", member, parentImage)
	}
	if img.Type != nil && img.GetType() != imageType {
		return parent{}, true, ibv1.ErrInvalidParameterValue("The value supplied for parameter '%s' is not valid. The image %s is of type %s; a %s recipe builds on an image of type %s.", member, parentImage, img.GetType(), map[string]string{"AMI": "image", "DOCKER": "container"}[imageType], imageType)
	}
	return parent{platform: img.GetPlatform(), what: "the parent image " + parentImage}, true, nil
}

// readDependency resolves an ARN the request references and returns its
// record, or nil when it does not exist or the caller may not read it.
// Through the enforcement layer the caller's action on it is decided (and
// recorded) as a dependent action: a denial is AccessDeniedException naming
// the action and the ARN. Without it, another account's resource is as if
// it did not exist unless its resource policy allows the caller's account.
func (s *Service) readDependency(ctx context.Context, c *callctx.Call, action, member, arn string) (proto.Message, error) {
	if authz.TargetFrom(ctx) != nil {
		if err := authz.Check(ctx, authz.CheckRequest{Action: action, ARN: arn}); err != nil {
			return nil, err
		}
	}
	res, l, err := s.locate(ctx, c, action, member, arn)
	if err != nil {
		return nil, err
	}
	if !res.Exists {
		return nil, nil
	}
	return l.record, nil
}

var (
	amiID      = lazyre.New(`^ami-[0-9a-f]{8}([0-9a-f]{9})?$`)
	ssmName    = lazyre.New(`^[a-zA-Z0-9_.\-/]+$`)
	ssmARN     = lazyre.New(`^arn:aws[a-z-]*:ssm:[a-z0-9-]+:[0-9]{12}:parameter/[a-zA-Z0-9_.\-/]+$`)
	windowsSSM = lazyre.New(`(?i)windows`)
)

// parentImage checks an image recipe's parent image. The forms (Image
// Builder API reference, CreateImageRecipe parentImage): an AMI id; an SSM
// parameter, "ssm:" followed by the parameter's name or ARN; an Image
// Builder image ARN (including Amazon's managed images, by version or
// selector). The emulator has no EC2 or SSM: an AMI id or parameter is
// checked for its form only, and its platform is unknown unless a parameter
// name says Windows (AWS's public parameters do: /aws/service/ami-windows-latest/…);
// recipeComponents then takes the platform from the components, Linux when
// they say nothing.
func (s *Service) parentImage(ctx context.Context, c *callctx.Call, parentImage, imageType string) (parent, error) {
	const member = "parentImage"
	if p, ok, err := s.imageBuilderParent(ctx, c, member, parentImage, imageType); ok {
		return p, err
	}
	if amiID.MatchString(parentImage) {
		return parent{what: "the parent AMI " + parentImage}, nil
	}
	if name, ok := strings.CutPrefix(parentImage, "ssm:"); ok {
		if !(ssmARN.MatchString(name) || ssmName.MatchString(name)) {
			return parent{}, ibv1.ErrInvalidParameterValue("The value supplied for parameter '%s' is not valid. %s is not an SSM parameter name or ARN.", member, name)
		}
		p := parent{what: "the parent image parameter " + name}
		if windowsSSM.MatchString(name) {
			p.platform = "Windows"
		}
		return p, nil
	}
	return parent{}, ibv1.ErrInvalidParameterValue("The value supplied for parameter '%s' is not valid. Specify the parent image as an AMI ID, an SSM parameter (ssm:NAME or ssm:ARN) or an Image Builder image ARN; %s is none of these.", member, parentImage)
}

// recipeComponents checks a recipe's component references and returns the
// recipe's platform: the parent's, or when the parent's is unknown the
// components' (Linux when there are none). Each component must exist and
// be readable by the caller (its own, shared with it, Amazon's); be of the
// recipe's platform (InvalidParameterCombinationException); and take the
// parameters given: each declared by the component
// (InvalidParameterCombinationException, in AWS's words "The following
// parameters are not defined in the provided component: NAME"), once, with
// one value for a string parameter (AWSTOE's only parameter type). A
// required parameter left out is not refused here: on AWS the build fails.
func (s *Service) recipeComponents(ctx context.Context, c *callctx.Call, cfgs []*ibv1.ComponentConfiguration, p parent) (string, error) {
	comps := make([]*ibv1.Component, len(cfgs))
	for i, cfg := range cfgs {
		member := fmt.Sprintf("components[%d].componentArn", i)
		arn := cfg.GetComponentArn()
		r, aerr := parseARN(member, arn)
		if aerr != nil {
			return "", aerr
		}
		if r.Type != componentType || r.Version == "" {
			return "", ibv1.ErrInvalidParameterValue("The value supplied for parameter '%s' is not valid. The ARN %s does not name a component version: expected %s/NAME/VERSION[/BUILD].", member, arn, typeARN(r.Region, r.Account, componentType))
		}
		rec, err := s.readDependency(ctx, c, "imagebuilder:GetComponent", member, arn)
		if err != nil {
			return "", err
		}
		comp, _ := rec.(*ibv1.Component)
		if comp == nil {
			return "", ibv1.ErrInvalidParameterValue("The value supplied for parameter '%s' is not valid. The component %s does not exist or you do not have access to it.", member, arn)
		}
		if err := checkComponentParameters(i, comp, cfg.GetParameters()); err != nil {
			return "", err
		}
		comps[i] = comp
	}
	platform := p.platform
	what := p.what
	for i, comp := range comps {
		if platform == "" {
			platform, what = comp.GetPlatform(), "the component "+cfgs[i].GetComponentArn()
			continue
		}
		if comp.GetPlatform() != platform {
			return "", ibv1.ErrInvalidParameterCombination("The value supplied for parameter 'components[%d].componentArn' is not valid. The component %s is for the %s platform, but %s is for %s; every component of a recipe must match its platform.", i, cfgs[i].GetComponentArn(), comp.GetPlatform(), what, platform)
		}
	}
	if platform == "" {
		platform = "Linux"
	}
	return platform, nil
}

// checkComponentParameters checks the parameters a recipe gives component
// number i against those it declares.
func checkComponentParameters(i int, comp *ibv1.Component, given []*ibv1.ComponentParameter) error {
	declared := map[string]*ibv1.ComponentParameterDetail{}
	for _, d := range comp.GetParameters() {
		declared[d.GetName()] = d
	}
	member := fmt.Sprintf("components[%d].parameters", i)
	var unknown []string
	seen := map[string]bool{}
	for _, p := range given {
		name := p.GetName()
		if seen[name] {
			return ibv1.ErrInvalidParameterValue("The value supplied for parameter '%s' is not valid. The parameter %s is given more than once.", member, name)
		}
		seen[name] = true
		d := declared[name]
		if d == nil {
			unknown = append(unknown, name)
			continue
		}
		if n := len(p.GetValue()); n != 1 {
			return ibv1.ErrInvalidParameterValue("The value supplied for parameter '%s' is not valid. The parameter %s is of type %s and takes exactly one value; %d were given.", member, name, d.GetType(), n)
		}
	}
	if len(unknown) > 0 {
		return ibv1.ErrInvalidParameterCombination("The value supplied for parameter '%s' is not valid. The following parameters are not defined in the provided component: %s", member, strings.Join(unknown, ", "))
	}
	return nil
}

// checkBlockDevices checks block device mappings beyond the model's
// constraints, as EC2 would at launch: each device named once; a mapping
// is an EBS volume, an instance store volume (virtualName) or a suppressed
// device (noDevice), one of them; iops only for io1, io2 (which need it)
// and gp3; throughput only for gp3; a KMS key only for an encrypted volume.
func checkBlockDevices(member string, ms []*ibv1.InstanceBlockDeviceMapping) error {
	seen := map[string]bool{}
	for i, m := range ms {
		at := fmt.Sprintf("%s[%d]", member, i)
		if name := m.GetDeviceName(); name != "" {
			if seen[name] {
				return ibv1.ErrInvalidParameterValue("The value supplied for parameter '%s.deviceName' is not valid. The device %s is mapped more than once.", at, name)
			}
			seen[name] = true
		}
		kinds := 0
		for _, set := range []bool{m.Ebs != nil, m.VirtualName != nil, m.NoDevice != nil} {
			if set {
				kinds++
			}
		}
		if kinds > 1 {
			return ibv1.ErrInvalidParameterCombination("The value supplied for parameter '%s' is not valid. A block device mapping is one of ebs, virtualName or noDevice.", at)
		}
		ebs := m.GetEbs()
		if ebs == nil {
			continue
		}
		vt := ebs.GetVolumeType()
		switch {
		case ebs.Iops != nil && vt != "io1" && vt != "io2" && vt != "gp3":
			return ibv1.ErrInvalidParameterCombination("The value supplied for parameter '%s.ebs.iops' is not valid. iops applies to io1, io2 and gp3 volumes, not %s.", at, volumeType(vt))
		case ebs.Iops == nil && (vt == "io1" || vt == "io2"):
			return ibv1.ErrInvalidParameterCombination("The value supplied for parameter '%s.ebs.iops' is not valid. An %s volume needs iops.", at, vt)
		case ebs.Throughput != nil && vt != "gp3":
			return ibv1.ErrInvalidParameterCombination("The value supplied for parameter '%s.ebs.throughput' is not valid. throughput applies to gp3 volumes, not %s.", at, volumeType(vt))
		case ebs.KmsKeyId != nil && !ebs.GetEncrypted():
			return ibv1.ErrInvalidParameterCombination("The value supplied for parameter '%s.ebs.kmsKeyId' is not valid. A KMS key applies to encrypted volumes; set encrypted to true.", at)
		}
	}
	return nil
}

func volumeType(vt string) string {
	if vt == "" {
		return "volumes of the default type"
	}
	return vt + " volumes"
}

// checkTagKeys refuses tag keys in AWS's reserved aws: prefix.
func checkTagKeys(member string, tags map[string]string) error {
	for k := range tags {
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return ibv1.ErrInvalidParameterValue("The value supplied for parameter '%s' is not valid. The tag key %s is reserved: keys cannot begin with aws:.", member, k)
		}
	}
	return nil
}
