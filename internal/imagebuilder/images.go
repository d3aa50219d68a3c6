package imagebuilder

import (
	"context"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/ibemu/ibemu/internal/authz"
	"github.com/ibemu/ibemu/internal/storage"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// Images: the image build versions builds produce (build.go), read,
// listed, shared (PutImagePolicy), cancelled, retried and deleted here.

func init() {
	imageKind.store = imageStore{}
	imageSharing.present = func(tx *storage.Tx, l *located) (bool, error) {
		key, err := imageKey(l.at)
		if err != nil {
			return false, err
		}
		_, found, err := images.Get(tx, l.scope(), key)
		return found, err
	}
	imageSharing.reshare = reshareImage
	imageRecipes.dependOn(buildsUsing("image recipe"))
	containerRecipes.dependOn(buildsUsing("container recipe"))
}

// imageStore reads image builds: a build ARN, or a version ARN or selector
// (the latest build of the latest matching version).
type imageStore struct{}

func (imageStore) load(tx *storage.Tx, sc storage.Scope, r resourceARN) (proto.Message, resourceARN, bool, error) {
	var img *ibv1.Image
	var found bool
	if r.Build != 0 {
		key, err := imageKey(r)
		if err != nil {
			return nil, r, false, err
		}
		if img, found, err = images.Get(tx, sc, key); err != nil || !found {
			return nil, r, false, err
		}
	} else {
		sel, aerr := ParseSelector(r.Version)
		if aerr != nil {
			return nil, r, false, aerr
		}
		err := images.Scan(tx, sc, storage.ScanOptions{Prefix: nameKey(r.Name).Key(), Reverse: true}, func(_ []byte, rec *ibv1.Image) (bool, error) {
			v, aerr := ParseVersion(rec.GetVersion())
			if aerr != nil {
				return false, aerr
			}
			if sel.Matches(v) {
				img, found = rec, true
				return false, nil
			}
			return true, nil
		})
		if err != nil || !found {
			return nil, r, false, err
		}
	}
	at, _ := parseARN("arn", img.GetArn())
	return img, at, true, nil
}

func (imageStore) save(tx *storage.Tx, sc storage.Scope, at resourceARN, rec proto.Message) error {
	key, err := imageKey(at)
	if err != nil {
		return err
	}
	return images.Put(tx, sc, key, rec.(*ibv1.Image))
}

// buildsUsing is the recipe dependency hook: a recipe that a build in
// progress uses cannot be deleted (ResourceDependencyException).
func buildsUsing(noun string) func(tx *storage.Tx, _ storage.Scope, arn string) error {
	return func(tx *storage.Tx, _ storage.Scope, arn string) error {
		var user string
		err := inFlight.Scan(tx, inFlightScope, storage.ScanOptions{}, func(k []byte, v *wrapperspb.BytesValue) (bool, error) {
			st, err := decodeBuild(v)
			if err != nil {
				return false, err
			}
			if st.Recipe == arn {
				user = st.ImageARN
				return false, nil
			}
			return true, nil
		})
		if err != nil || user == "" {
			return err
		}
		return ibv1.ErrResourceDependency("Resource dependency error: The %s %s is used by the image %s, which is being built.", noun, arn, user)
	}
}

// reshareImage moves an image build's entry in the Shared listings.
func reshareImage(tx *storage.Tx, l *located, before, after []string) error {
	v, aerr := ParseVersion(l.at.Version)
	if aerr != nil {
		return aerr
	}
	key := sharedKey(l.at.Account, l.at.Name, v, l.at.Build)
	for _, a := range before {
		if _, err := sharedImages.Delete(tx, storage.Scope{Account: a, Region: l.at.Region}, key); err != nil {
			return err
		}
	}
	img, ok := l.record.(*ibv1.Image)
	if !ok {
		return nil
	}
	for _, a := range after {
		if err := sharedImages.Put(tx, storage.Scope{Account: a, Region: l.at.Region}, key, imageVersion(img, l.at.Account)); err != nil {
			return err
		}
	}
	return nil
}

// imageVersion is an image's ListImages entry (its version ARN).
func imageVersion(img *ibv1.Image, owner string) *ibv1.ImageVersion {
	r, _ := parseARN("arn", img.GetArn())
	r.Build = 0
	return &ibv1.ImageVersion{Arn: ptr(r.String()), Name: img.Name, Type: img.Type, Version: img.Version, Platform: img.Platform,
		OsVersion: img.OsVersion, Owner: ptr(owner), DateCreated: img.DateCreated, BuildType: img.BuildType, ImageSource: img.ImageSource}
}

// imageSummary is an image's ListImageBuildVersions entry.
func imageSummary(img *ibv1.Image) *ibv1.ImageSummary {
	r, _ := parseARN("arn", img.GetArn())
	return &ibv1.ImageSummary{Arn: img.Arn, Name: img.Name, Type: img.Type, Version: img.Version, Platform: img.Platform,
		OsVersion: img.OsVersion, State: img.State, Owner: ptr(r.Account), DateCreated: img.DateCreated, OutputResources: img.OutputResources,
		Tags: img.Tags, BuildType: img.BuildType, ImageSource: img.ImageSource, DeprecationTime: img.DeprecationTime,
		LifecycleExecutionId: img.LifecycleExecutionId, LoggingConfiguration: img.LoggingConfiguration}
}

// findImage returns the image build arn names, as the call was authorized
// on it.
func (s *Service) findImage(ctx context.Context, action, member, arn string) (*ibv1.Image, *located, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, nil, aerr
	}
	r, aerr := parseARN(member, arn)
	if aerr != nil {
		return nil, nil, aerr
	}
	if r.Type != "image" || r.Version == "" {
		return nil, nil, ibv1.ErrInvalidParameterValue("The value supplied for parameter '%s' is not valid. The ARN %s does not name an image: expected %s/NAME/VERSION/BUILD.", member, arn, typeARN(r.Region, r.Account, "image"))
	}
	res, l, err := s.locate(ctx, c, action, member, arn)
	if err != nil {
		return nil, nil, err
	}
	img, ok := l.record.(*ibv1.Image)
	if !res.Exists || !ok {
		return nil, nil, imageSharing.notFound(arn)
	}
	return img, l, nil
}

// GetImage returns an image build version (a version ARN or selector: the
// latest matching build), the caller's, one shared with it or Amazon's,
// with its state, output AMIs once distributed, and what it was built from.
// Errors: ResourceNotFoundException, InvalidParameterValueException.
func (s *Service) GetImage(ctx context.Context, req *ibv1.GetImageRequest) (*ibv1.GetImageResponse, error) {
	img, l, err := s.findImage(ctx, "imagebuilder:GetImage", "imageBuildVersionArn", req.GetImageBuildVersionArn())
	if err != nil {
		return nil, err
	}
	return &ibv1.GetImageResponse{Image: img, LatestVersionReferences: references(resourceARN{Partition: "aws", Region: l.at.Region, Account: l.at.Account, Type: "image", Name: l.at.Name, Version: l.at.Version})}, nil
}

// DeleteImage deletes an image build version, with its policy and what it
// shared; the AMIs it distributed are EC2's (not emulated). A build in
// progress cannot be deleted: ResourceInUseException (cancel it first).
// Errors: ResourceNotFoundException, ResourceInUseException.
func (s *Service) DeleteImage(ctx context.Context, req *ibv1.DeleteImageRequest) (*ibv1.DeleteImageResponse, error) {
	arn := req.GetImageBuildVersionArn()
	_, l, err := s.findImage(ctx, "imagebuilder:DeleteImage", "imageBuildVersionArn", arn)
	if err != nil {
		return nil, err
	}
	key, err := imageKey(l.at)
	if err != nil {
		return nil, err
	}
	err = s.db.Update(ctx, func(tx *storage.Tx) error {
		if _, busy, err := inFlight.Get(tx, inFlightScope, []byte(l.at.String())); err != nil || busy {
			if err == nil {
				err = ibv1.ErrResourceInUse("The image %s is being built; cancel its creation (CancelImageCreation) before deleting it.", l.at)
			}
			return err
		}
		deleted, err := images.Delete(tx, l.scope(), key)
		if err != nil || !deleted {
			if err == nil {
				err = imageSharing.notFound(arn)
			}
			return err
		}
		if _, err := retryable.Delete(tx, inFlightScope, []byte(l.at.String())); err != nil {
			return err
		}
		if err := dropFindings(tx, l.scope(), l.at.String()); err != nil {
			return err
		}
		return dropPolicy(tx, imageSharing, l)
	})
	if err != nil {
		return nil, storageError(err)
	}
	return &ibv1.DeleteImageResponse{ImageBuildVersionArn: ptr(l.at.String())}, nil
}

// CancelImageCreation cancels a build in progress: the image ends
// CANCELLED and its remaining steps are cancelled. A build that has ended
// (AVAILABLE, FAILED, CANCELLED) cannot be: InvalidRequestException. Errors:
// ResourceNotFoundException, InvalidRequestException,
// IdempotentParameterMismatchException.
func (s *Service) CancelImageCreation(ctx context.Context, req *ibv1.CancelImageCreationRequest) (*ibv1.CancelImageCreationResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	arn := req.GetImageBuildVersionArn()
	_, l, err := s.findImage(ctx, "imagebuilder:CancelImageCreation", "imageBuildVersionArn", arn)
	if err != nil {
		return nil, err
	}
	key, err := imageKey(l.at)
	if err != nil {
		return nil, err
	}
	var resp *ibv1.CancelImageCreationResponse
	err = s.db.Update(ctx, func(tx *storage.Tx) error {
		var err error
		resp, err = idempotent(tx, l.scope(), "CancelImageCreation", req, c.Time, func() (*ibv1.CancelImageCreationResponse, error) {
			raw, busy, err := inFlight.Get(tx, inFlightScope, []byte(l.at.String()))
			if err != nil {
				return nil, err
			}
			img, found, err := images.Get(tx, l.scope(), key)
			if err != nil || !found {
				if err == nil {
					err = imageSharing.notFound(arn)
				}
				return nil, err
			}
			if !busy {
				return nil, ibv1.ErrInvalidRequest("The image %s cannot be cancelled: its creation has ended (%s).", l.at, img.GetState().GetStatus())
			}
			st, err := decodeBuild(raw)
			if err != nil {
				return nil, err
			}
			if err := endRest(tx, l.scope(), st, st.Next, "CANCELLED", timestamp(c.Time)); err != nil {
				return nil, err
			}
			if err := dropWaiting(tx, l.scope(), st); err != nil {
				return nil, err
			}
			img.State = &ibv1.ImageState{Status: ptr("CANCELLED"), Reason: ptr("Image creation was cancelled (CancelImageCreation).")}
			if err := images.Put(tx, l.scope(), key, img); err != nil {
				return nil, err
			}
			if _, err := inFlight.Delete(tx, inFlightScope, []byte(l.at.String())); err != nil {
				return nil, err
			}
			return &ibv1.CancelImageCreationResponse{ClientToken: req.ClientToken, ImageBuildVersionArn: ptr(l.at.String())}, nil
		})
		return err
	})
	if err != nil {
		return nil, storageError(err)
	}
	return resp, nil
}

// RetryImage resumes a FAILED build from the step that failed, with the
// permissions and resources as they are now (the fix of a failed build
// is usually a policy change). A build that did not fail cannot be
// retried: InvalidRequestException. Errors: ResourceNotFoundException,
// InvalidRequestException, IdempotentParameterMismatchException.
func (s *Service) RetryImage(ctx context.Context, req *ibv1.RetryImageRequest) (*ibv1.RetryImageResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	arn := req.GetImageBuildVersionArn()
	_, l, err := s.findImage(ctx, "imagebuilder:RetryImage", "imageBuildVersionArn", arn)
	if err != nil {
		return nil, err
	}
	key, err := imageKey(l.at)
	if err != nil {
		return nil, err
	}
	var resp *ibv1.RetryImageResponse
	err = s.db.Update(ctx, func(tx *storage.Tx) error {
		var err error
		resp, err = idempotent(tx, l.scope(), "RetryImage", req, c.Time, func() (*ibv1.RetryImageResponse, error) {
			raw, failed, err := retryable.Get(tx, inFlightScope, []byte(l.at.String()))
			if err != nil {
				return nil, err
			}
			img, found, err := images.Get(tx, l.scope(), key)
			if err != nil || !found {
				if err == nil {
					err = imageSharing.notFound(arn)
				}
				return nil, err
			}
			if !failed || img.GetState().GetStatus() != "FAILED" {
				return nil, ibv1.ErrInvalidRequest("The image %s cannot be retried: only a FAILED image can be, and it is %s.", l.at, img.GetState().GetStatus())
			}
			st, err := decodeBuild(raw)
			if err != nil {
				return nil, err
			}
			if err := reopenSteps(tx, l.scope(), st); err != nil {
				return nil, err
			}
			st.Due, st.Waiting = c.Time.Add(st.Tick), false
			img.State = &ibv1.ImageState{Status: ptr("PENDING")}
			if err := images.Put(tx, l.scope(), key, img); err != nil {
				return nil, err
			}
			if _, err := retryable.Delete(tx, inFlightScope, []byte(l.at.String())); err != nil {
				return nil, err
			}
			if err := inFlight.Put(tx, inFlightScope, []byte(l.at.String()), st.encode()); err != nil {
				return nil, err
			}
			return &ibv1.RetryImageResponse{ClientToken: req.ClientToken, ImageBuildVersionArn: ptr(l.at.String())}, nil
		})
		return err
	})
	if err != nil {
		return nil, storageError(err)
	}
	s.wakeRunner()
	return resp, nil
}

// reopenSteps sets the failed step and those skipped after it back to
// PENDING, and their workflows' counts with them.
func reopenSteps(tx *storage.Tx, sc storage.Scope, st *buildState) error {
	seen := map[string]bool{}
	for _, ps := range st.Steps[st.Next:] {
		if ps.Workflow == "" {
			continue
		}
		skey := storage.NewKey().String(ps.Workflow).Uint32(ps.Ordinal).Key()
		step, found, err := stepExecutions.Get(tx, sc, skey)
		if err != nil || !found {
			return err
		}
		step.Status, step.Message, step.EndTime = ptr("PENDING"), nil, nil
		if err := stepExecutions.Put(tx, sc, skey, step); err != nil {
			return err
		}
		if seen[ps.Workflow] {
			continue
		}
		seen[ps.Workflow] = true
		wf, found, err := workflowExecutions.Get(tx, sc, nameKey(ps.Workflow).Key())
		if err != nil || !found {
			return err
		}
		wf.TotalStepsFailed, wf.TotalStepsSkipped, wf.Message, wf.EndTime = ptr(int32(0)), ptr(int32(0)), nil, nil
		wf.Status = ptr("PENDING")
		if wf.GetTotalStepsSucceeded() > 0 {
			wf.Status = ptr("RUNNING")
		}
		if err := workflowExecutions.Put(tx, sc, nameKey(ps.Workflow).Key(), wf); err != nil {
			return err
		}
	}
	return nil
}

// ListImages lists image versions by owner: Self (the default), Shared
// (shared with the caller through image policies), Amazon (the managed
// catalogue); ThirdParty and AWSMarketplace publish none here. byName
// lists the latest version of each name. Filters: name, osVersion,
// platform, type, version. Images are never deprecated here, so
// includeDeprecated changes nothing.
func (s *Service) ListImages(ctx context.Context, req *ibv1.ListImagesRequest) (*ibv1.ListImagesResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	fs, aerr := parseFilters(req.GetFilters(), "name", "osVersion", "platform", "type", "version")
	if aerr != nil {
		return nil, aerr
	}
	keep := func(v *ibv1.ImageVersion) bool {
		return fs.match("name", v.GetName()) && fs.match("osVersion", v.GetOsVersion()) && fs.match("platform", v.GetPlatform()) &&
			fs.match("type", v.GetType()) && fs.match("version", v.GetVersion())
	}
	owner := req.GetOwner()
	if owner == "" {
		owner = ownerSelf
	}
	listing := "ListImages/" + owner
	// Keys end in four fixed-width numbers: major, minor, patch, build.
	tail := 4
	if req.GetByName() {
		listing, tail = listing+"/byName", 16
	}
	pg, aerr := newPage(listing, nil, req.MaxResults, req.NextToken)
	if aerr != nil {
		return nil, aerr
	}
	pg.tail = tail
	out := []*ibv1.ImageVersion{}
	var next *string
	t := authz.TargetFrom(ctx)
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		var err error
		switch owner {
		case ownerSelf:
			out, next, err = collect(tx, images, scope(c), pg, func(_ []byte, img *ibv1.Image) (bool, error) {
				return keep(imageVersion(img, c.Account)), nil
			}, func(img *ibv1.Image) *ibv1.ImageVersion { return imageVersion(img, c.Account) })
		case ownerShared:
			out, next, err = collect(tx, sharedImages, scope(c), pg, func(_ []byte, entry *ibv1.ImageVersion) (bool, error) {
				return keep(entry), nil
			}, same[*ibv1.ImageVersion])
			out = visibleShared(tx, t, out)
		case ownerAmazon:
			items := amazonImages(c.Region)
			if req.GetByName() {
				items = latestByName(items)
			}
			out, next = amazonPage(items, listing, pg.after, pg.limit, keep, amazonImageVersion)
		}
		return err
	})
	if err != nil {
		return nil, storageError(err)
	}
	return &ibv1.ListImagesResponse{ImageVersionList: out, NextToken: next}, nil
}

// visibleShared keeps the shared versions the caller itself may list: a
// version is listed (once) when a build of it is shared with the caller —
// the image policy is on the builds, so the latest build the caller may list
// describes the version, whether or not it is the version's latest build.
func visibleShared(tx *storage.Tx, t *authz.Target, in []*ibv1.ImageVersion) []*ibv1.ImageVersion {
	out := in[:0]
	seen := map[string]bool{}
	for _, v := range in {
		r, aerr := parseARN("arn", v.GetArn())
		if aerr != nil || seen[v.GetArn()] {
			continue
		}
		ver, aerr := ParseVersion(r.Version)
		if aerr != nil {
			continue
		}
		sc := storage.Scope{Account: r.Account, Region: r.Region}
		var shared *ibv1.Image
		err := images.Scan(tx, sc, storage.ScanOptions{Prefix: versionKey(r.Name, ver).Key(), Reverse: true}, func(_ []byte, img *ibv1.Image) (bool, error) {
			at, aerr := parseARN("arn", img.GetArn())
			if aerr != nil {
				return true, nil
			}
			if ok, err := sharedVisible(tx, t, "imagebuilder:ListImages", at); err == nil && ok {
				shared = img
				return false, nil
			}
			return true, nil
		})
		if err != nil || shared == nil {
			continue
		}
		seen[v.GetArn()] = true
		out = append(out, imageVersion(shared, r.Account))
	}
	return out
}

// latestByName keeps the last (latest) catalogue image of each name.
func latestByName(items []*ibv1.Image) []*ibv1.Image {
	var out []*ibv1.Image
	for i, img := range items {
		if i+1 < len(items) && items[i+1].GetName() == img.GetName() {
			continue
		}
		out = append(out, img)
	}
	return out
}

// ListImageBuildVersions lists the builds of an image version (the
// caller's, one shared with it, or Amazon's), oldest first. Filters: name,
// osVersion, platform, type. Errors: InvalidParameterValueException,
// InvalidPaginationTokenException.
func (s *Service) ListImageBuildVersions(ctx context.Context, req *ibv1.ListImageBuildVersionsRequest) (*ibv1.ListImageBuildVersionsResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	const member = "imageVersionArn"
	arn := req.GetImageVersionArn()
	r, aerr := parseARN(member, arn)
	if aerr != nil {
		return nil, aerr
	}
	v, aerr := ParseVersion(r.Version)
	if r.Type != "image" || r.Build != 0 || aerr != nil {
		return nil, ibv1.ErrInvalidParameterValue("The value supplied for parameter '%s' is not valid. The ARN %s does not name an image version: expected %s/NAME/VERSION.", member, arn, typeARN(r.Region, r.Account, "image"))
	}
	fs, aerr := parseFilters(req.GetFilters(), "name", "osVersion", "platform", "type")
	if aerr != nil {
		return nil, aerr
	}
	keep := func(sum *ibv1.ImageSummary) bool {
		return fs.match("name", sum.GetName()) && fs.match("osVersion", sum.GetOsVersion()) && fs.match("platform", sum.GetPlatform()) && fs.match("type", sum.GetType())
	}
	res, l, err := s.locate(ctx, c, "imagebuilder:ListImageBuildVersions", member, arn)
	if err != nil {
		return nil, err
	}
	pg, aerr := newPage("ListImageBuildVersions/"+arn, versionKey(r.Name, v).Key(), req.MaxResults, req.NextToken)
	if aerr != nil {
		return nil, aerr
	}
	out := []*ibv1.ImageSummary{}
	var next *string
	if !res.Exists {
		return &ibv1.ListImageBuildVersionsResponse{ImageSummaryList: out}, nil
	}
	if r.Account == awsOwner {
		var items []*ibv1.Image
		for _, img := range amazonImages(c.Region) {
			if ir, _ := parseARN("arn", img.GetArn()); ir.Name == r.Name && ir.Version == v.String() {
				items = append(items, img)
			}
		}
		out, next = amazonPage(items, pg.listing, pg.after, pg.limit, keep, imageSummary)
		return &ibv1.ListImageBuildVersionsResponse{ImageSummaryList: out, NextToken: next}, nil
	}
	err = s.db.View(ctx, func(tx *storage.Tx) error {
		var err error
		out, next, err = collect(tx, images, l.scope(), pg, func(_ []byte, img *ibv1.Image) (bool, error) { return keep(imageSummary(img)), nil }, imageSummary)
		return err
	})
	if err != nil {
		return nil, storageError(err)
	}
	return &ibv1.ListImageBuildVersionsResponse{ImageSummaryList: out, NextToken: next}, nil
}

// imagesOfPipeline lists, newest first, the image build versions a
// pipeline produced (for ListImagePipelineImages), from the pipeline's
// scope sc. Builds deleted since are left out.
func (s *Service) imagesOfPipeline(tx *storage.Tx, sc storage.Scope, pipelineArn string) ([]*ibv1.ImageSummary, error) {
	out := []*ibv1.ImageSummary{}
	err := pipelineImages.Scan(tx, sc, storage.ScanOptions{Prefix: nameKey(pipelineArn).Key(), Reverse: true}, func(_ []byte, key *wrapperspb.BytesValue) (bool, error) {
		img, found, err := images.Get(tx, sc, key.GetValue())
		if err != nil || !found {
			return err == nil, err
		}
		out = append(out, imageSummary(img))
		return true, nil
	})
	return out, err
}
