package imagebuilder

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/ibemu/ibemu/internal/authz"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/imagebuilder/cron"
	"github.com/ibemu/ibemu/internal/storage"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// imagePipelines are the image pipelines: a recipe, an infrastructure
// configuration and optionally a distribution configuration, tests,
// scanning, workflows and a schedule, run on demand
// (StartImagePipelineExecution) or on the schedule (RunDueSchedules).
var imagePipelines = &named[*ibv1.ImagePipeline]{
	kind:  imagePipelineKind,
	table: storage.NewTable[*ibv1.ImagePipeline]("imagebuilder.image-pipelines"),
}

// pipelineDependencies remembers, per pipeline, what its dependencies
// resolved to when it last started a build (pipeline name → fingerprint,
// see dependencyFingerprint): the start condition
// EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE compares against it.
var pipelineDependencies = storage.NewTable[*wrapperspb.StringValue]("imagebuilder.pipeline-dependencies")

// pipelineRuns serializes the starts of pipeline executions (on demand and
// scheduled): a due schedule is decided and recorded by one runner at a
// time, and a client token is not answered twice concurrently.
var pipelineRuns sync.Mutex

// Start conditions of a schedule (API reference, Schedule).
const (
	startOnMatch   = "EXPRESSION_MATCH_ONLY"
	startOnUpdates = "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE"
	// defaultTestTimeout is imageTestsConfiguration.timeoutMinutes when a
	// request leaves it out (API reference, ImageTestsConfiguration: 720).
	defaultTestTimeout = 720
	// imageBuilderPrincipal is the service principal PassRole names.
	imageBuilderPrincipal = "imagebuilder.amazonaws.com"
)

// The families a pipeline references cannot delete what a pipeline uses
// (ResourceDependencyException, in AWS's words "Resource dependency error:
// The resource ARN 'ARN' has other resources depended on it."). A hook
// another family set before is kept.
func init() {
	imagePipelineKind.store = namedStore[*ibv1.ImagePipeline]{imagePipelines.table}
	imageRecipes.dependOn(pipelinesUsing(func(p *ibv1.ImagePipeline) string { return p.GetImageRecipeArn() }))
	containerRecipes.dependOn(pipelinesUsing(func(p *ibv1.ImagePipeline) string { return p.GetContainerRecipeArn() }))
	infraConfigs.inUse = chainInUse(infraConfigs.inUse, pipelinesUsing(func(p *ibv1.ImagePipeline) string { return p.GetInfrastructureConfigurationArn() }))
	distConfigs.inUse = chainInUse(distConfigs.inUse, pipelinesUsing(func(p *ibv1.ImagePipeline) string { return p.GetDistributionConfigurationArn() }))
}

type inUseHook = func(tx *storage.Tx, sc storage.Scope, arn string) error

func chainInUse(prev, next inUseHook) inUseHook {
	if prev == nil {
		return next
	}
	return func(tx *storage.Tx, sc storage.Scope, arn string) error {
		if err := prev(tx, sc, arn); err != nil {
			return err
		}
		return next(tx, sc, arn)
	}
}

// pipelinesUsing returns a dependency hook refusing the delete of the
// resource at arn while a pipeline of its owner names it (by that exact
// ARN) through ref.
func pipelinesUsing(ref func(*ibv1.ImagePipeline) string) inUseHook {
	return func(tx *storage.Tx, sc storage.Scope, arn string) error {
		used := false
		err := imagePipelines.table.Scan(tx, sc, storage.ScanOptions{}, func(_ []byte, p *ibv1.ImagePipeline) (bool, error) {
			used = ref(p) == arn
			return !used, nil
		})
		if err == nil && used {
			err = ibv1.ErrResourceDependency("Resource dependency error: The resource ARN '%s' has other resources depended on it.", arn)
		}
		return err
	}
}

// CreateImagePipeline creates an image pipeline. Exactly one of
// imageRecipeArn and containerRecipeArn; the recipe, the infrastructure
// configuration, the distribution configuration and the workflows must
// exist and be readable by the caller (imagebuilder:GetImageRecipe,
// GetContainerRecipe, GetInfrastructureConfiguration,
// GetDistributionConfiguration and GetWorkflow are dependent actions of
// CreateImagePipeline in the Service Authorization Reference); an
// executionRole must exist and the caller needs iam:PassRole on it with
// iam:PassedToService imagebuilder.amazonaws.com. Defaults (API
// reference): enhancedImageMetadataEnabled true, status ENABLED, image tests
// enabled with a 720-minute timeout, a schedule's start condition
// EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE. dateNextRun is when an
// enabled pipeline's schedule next matches. Errors:
// InvalidParameterValueException, InvalidParameterCombinationException,
// ResourceAlreadyExistsException, IdempotentParameterMismatchException,
// AccessDeniedException.
func (s *Service) CreateImagePipeline(ctx context.Context, req *ibv1.CreateImagePipelineRequest) (*ibv1.CreateImagePipelineResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	rec := &ibv1.ImagePipeline{}
	copyFields(rec, req)
	if err := s.checkPipeline(ctx, c, rec); err != nil {
		return nil, err
	}
	resp, err := createNamed(s, ctx, imagePipelines, "CreateImagePipeline", req, rec, func(arn string) *ibv1.CreateImagePipelineResponse {
		return &ibv1.CreateImagePipelineResponse{ClientToken: req.ClientToken, ImagePipelineArn: ptr(arn)}
	})
	if err != nil {
		return nil, err
	}
	// A new pipeline has no build to compare dependencies with, even when
	// one of the same name existed before.
	at, _ := parseARN("arn", resp.GetImagePipelineArn())
	err = s.db.Update(ctx, func(tx *storage.Tx) error {
		_, err := pipelineDependencies.Delete(tx, scope(c), nameKey(at.Name).Key())
		return err
	})
	return resp, storageError(err)
}

// UpdateImagePipeline replaces a pipeline's settings with the request's
// (what the request leaves out is cleared or takes its default, as on
// create); name, tags, dateCreated, dateLastRun, lastRunStatus and
// consecutiveFailures stay, and dateNextRun follows the new schedule and
// status. Errors: ResourceNotFoundException and those of
// CreateImagePipeline.
func (s *Service) UpdateImagePipeline(ctx context.Context, req *ibv1.UpdateImagePipelineRequest) (*ibv1.UpdateImagePipelineResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	const member = "imagePipelineArn"
	arn := req.GetImagePipelineArn()
	if _, err := imagePipelines.get(s, ctx, "imagebuilder:UpdateImagePipeline", member, arn); err != nil {
		return nil, err
	}
	next := &ibv1.ImagePipeline{}
	copyFields(next, req)
	if err := s.checkPipeline(ctx, c, next); err != nil {
		return nil, err
	}
	return updateNamed(s, ctx, imagePipelines, "UpdateImagePipeline", member, arn, req, func(rec *ibv1.ImagePipeline) error {
		copyFields(rec, next, "arn", "name", "date_created", "date_updated", "tags", "date_last_run", "last_run_status", "consecutive_failures")
		return nil
	}, func() *ibv1.UpdateImagePipelineResponse {
		return &ibv1.UpdateImagePipelineResponse{ClientToken: req.ClientToken, ImagePipelineArn: req.ImagePipelineArn}
	})
}

// GetImagePipeline returns a pipeline; lastRunStatus is the state of its
// latest image. Errors: ResourceNotFoundException,
// InvalidParameterValueException.
func (s *Service) GetImagePipeline(ctx context.Context, req *ibv1.GetImagePipelineRequest) (*ibv1.GetImagePipelineResponse, error) {
	rec, l, err := imagePipelines.find(s, ctx, "imagebuilder:GetImagePipeline", "imagePipelineArn", req.GetImagePipelineArn())
	if err != nil {
		return nil, err
	}
	rec = proto.Clone(rec).(*ibv1.ImagePipeline)
	if err := s.withRunStatus(ctx, l.scope(), []*ibv1.ImagePipeline{rec}); err != nil {
		return nil, err
	}
	return &ibv1.GetImagePipelineResponse{ImagePipeline: rec}, nil
}

// DeleteImagePipeline deletes a pipeline; the images it built stay.
// Errors: ResourceNotFoundException, InvalidParameterValueException.
func (s *Service) DeleteImagePipeline(ctx context.Context, req *ibv1.DeleteImagePipelineRequest) (*ibv1.DeleteImagePipelineResponse, error) {
	if err := imagePipelines.delete(s, ctx, "imagebuilder:DeleteImagePipeline", "imagePipelineArn", req.GetImagePipelineArn()); err != nil {
		return nil, err
	}
	return &ibv1.DeleteImagePipelineResponse{ImagePipelineArn: req.ImagePipelineArn}, nil
}

// pipelineFilters are ListImagePipelines' filters (API reference):
// each selects by the member of the same name, exactly.
var pipelineFilters = map[string]func(*ibv1.ImagePipeline) string{
	"description":                    (*ibv1.ImagePipeline).GetDescription,
	"distributionConfigurationArn":   (*ibv1.ImagePipeline).GetDistributionConfigurationArn,
	"imageRecipeArn":                 (*ibv1.ImagePipeline).GetImageRecipeArn,
	"infrastructureConfigurationArn": (*ibv1.ImagePipeline).GetInfrastructureConfigurationArn,
	"name":                           (*ibv1.ImagePipeline).GetName,
	"status":                         (*ibv1.ImagePipeline).GetStatus,
}

// ListImagePipelines lists the caller's pipelines in name order, filtered
// by description, distributionConfigurationArn, imageRecipeArn,
// infrastructureConfigurationArn, name and status.
func (s *Service) ListImagePipelines(ctx context.Context, req *ibv1.ListImagePipelinesRequest) (*ibv1.ListImagePipelinesResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	names := make([]string, 0, len(pipelineFilters))
	for n := range pipelineFilters {
		names = append(names, n)
	}
	slices.Sort(names)
	fs, aerr := parseFilters(req.GetFilters(), names...)
	if aerr != nil {
		return nil, aerr
	}
	list, next, err := listNamed(s, ctx, imagePipelines, "ListImagePipelines", req.MaxResults, req.NextToken,
		func(r *ibv1.ImagePipeline) bool {
			for name, get := range pipelineFilters {
				if !fs.match(name, get(r)) {
					return false
				}
			}
			return true
		},
		func(r *ibv1.ImagePipeline) *ibv1.ImagePipeline { return proto.Clone(r).(*ibv1.ImagePipeline) })
	if err != nil {
		return nil, err
	}
	if err := s.withRunStatus(ctx, scope(c), list); err != nil {
		return nil, err
	}
	return &ibv1.ListImagePipelinesResponse{ImagePipelineList: list, NextToken: next}, nil
}

// withRunStatus sets each pipeline's lastRunStatus to the state of its
// latest image (by dateCreated), when it has built one.
func (s *Service) withRunStatus(ctx context.Context, sc storage.Scope, ps []*ibv1.ImagePipeline) error {
	if len(ps) == 0 {
		return nil
	}
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		for _, p := range ps {
			images, err := s.imagesOfPipeline(tx, sc, p.GetArn())
			if err != nil {
				return err
			}
			if latest := latestImage(images); latest != nil && latest.GetState().GetStatus() != "" {
				p.LastRunStatus = ptr(latest.GetState().GetStatus())
			}
		}
		return nil
	})
	return storageError(err)
}

// latestImage is the image created last; nil for none.
func latestImage(images []*ibv1.ImageSummary) *ibv1.ImageSummary {
	var latest *ibv1.ImageSummary
	for _, img := range images {
		if latest == nil || img.GetDateCreated() > latest.GetDateCreated() {
			latest = img
		}
	}
	return latest
}

// StartImagePipelineExecution starts a build of the pipeline's image now,
// whatever its schedule and status, as the caller; tags are the image's
// (over the pipeline's imageTags). A retry with the same clientToken
// answers the first answer and starts nothing. Errors:
// ResourceNotFoundException, IdempotentParameterMismatchException, and
// what starting the build answers.
func (s *Service) StartImagePipelineExecution(ctx context.Context, req *ibv1.StartImagePipelineExecutionRequest) (*ibv1.StartImagePipelineExecutionResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	const op = "StartImagePipelineExecution"
	_, l, err := imagePipelines.find(s, ctx, "imagebuilder:"+op, "imagePipelineArn", req.GetImagePipelineArn())
	if err != nil {
		return nil, err
	}
	sc := l.scope()
	pipelineRuns.Lock()
	defer pipelineRuns.Unlock()
	var replay *ibv1.StartImagePipelineExecutionResponse
	var rec *ibv1.ImagePipeline
	err = s.db.View(ctx, func(tx *storage.Tx) error {
		var found bool
		var err error
		if replay, found, err = replayed[*ibv1.StartImagePipelineExecutionResponse](tx, sc, op, req, c.Time); err != nil || found {
			return err
		}
		rec, found, err = imagePipelines.table.Get(tx, sc, nameKey(l.at.Name).Key())
		if err == nil && !found {
			err = imagePipelines.notFound(req.GetImagePipelineArn())
		}
		return err
	})
	if err != nil {
		return nil, storageError(err)
	}
	if replay != nil {
		return replay, nil
	}
	fingerprint := s.dependencyFingerprint(ctx, sc, rec)
	imageARN, err := s.startBuild(ctx, pipelineBuild(rec, req.GetTags()))
	if err != nil {
		return nil, err
	}
	resp := &ibv1.StartImagePipelineExecutionResponse{ClientToken: req.ClientToken, ImageBuildVersionArn: ptr(imageARN)}
	err = s.db.Update(ctx, func(tx *storage.Tx) error {
		if err := s.recordRun(tx, sc, l.at.Name, c.Time, fingerprint, ""); err != nil {
			return err
		}
		return remember(tx, sc, op, req, c.Time, resp)
	})
	if err != nil {
		return nil, storageError(err)
	}
	return resp, nil
}

// pipelineBuild is the build a pipeline starts.
func pipelineBuild(p *ibv1.ImagePipeline, tags map[string]string) *buildRequest {
	all := map[string]string{}
	for k, v := range p.GetImageTags() {
		all[k] = v
	}
	for k, v := range tags {
		all[k] = v
	}
	return &buildRequest{
		ImageRecipeArn:                 p.GetImageRecipeArn(),
		ContainerRecipeArn:             p.GetContainerRecipeArn(),
		InfrastructureConfigurationArn: p.GetInfrastructureConfigurationArn(),
		DistributionConfigurationArn:   p.GetDistributionConfigurationArn(),
		ImageTestsConfiguration:        p.GetImageTestsConfiguration(),
		ImageScanningConfiguration:     p.GetImageScanningConfiguration(),
		EnhancedImageMetadataEnabled:   p.EnhancedImageMetadataEnabled,
		Workflows:                      p.GetWorkflows(),
		ExecutionRole:                  p.GetExecutionRole(),
		Tags:                           all,
		SourcePipelineArn:              p.GetArn(),
	}
}

// recordRun records that the pipeline name started a build at now:
// dateLastRun, lastRunStatus PENDING (the image's state once it exists),
// the dependencies it built from and, when the next scheduled run is due
// by now, the one after it.
func (s *Service) recordRun(tx *storage.Tx, sc storage.Scope, name string, now time.Time, fingerprint, failed string) error {
	key := nameKey(name).Key()
	rec, found, err := imagePipelines.table.Get(tx, sc, key)
	if err != nil || !found {
		return err
	}
	rec.DateLastRun = ptr(timestamp(now))
	rec.LastRunStatus = ptr("PENDING")
	if failed != "" {
		rec.LastRunStatus = ptr(failed)
	}
	if due, ok := parseTimestamp(rec.GetDateNextRun()); ok && !due.After(now) {
		setNextRun(rec, now)
	}
	if err := imagePipelines.table.Put(tx, sc, key, rec); err != nil {
		return err
	}
	if fingerprint == "" || failed != "" {
		return nil
	}
	return pipelineDependencies.Put(tx, sc, key, wrapperspb.String(fingerprint))
}

// imageFilters are ListImagePipelineImages' filters (API reference).
var imageFilters = map[string]func(*ibv1.ImageSummary) string{
	"name":    (*ibv1.ImageSummary).GetName,
	"version": (*ibv1.ImageSummary).GetVersion,
}

// ListImagePipelineImages lists the images a pipeline built, in ARN order,
// filtered by name and version. Errors: ResourceNotFoundException,
// InvalidParameterValueException, InvalidPaginationTokenException.
func (s *Service) ListImagePipelineImages(ctx context.Context, req *ibv1.ListImagePipelineImagesRequest) (*ibv1.ListImagePipelineImagesResponse, error) {
	fs, aerr := parseFilters(req.GetFilters(), "name", "version")
	if aerr != nil {
		return nil, aerr
	}
	arn := req.GetImagePipelineArn()
	_, l, err := imagePipelines.find(s, ctx, "imagebuilder:ListImagePipelineImages", "imagePipelineArn", arn)
	if err != nil {
		return nil, err
	}
	pg, aerr := newPage("ListImagePipelineImages/"+l.at.String(), nil, req.MaxResults, req.NextToken)
	if aerr != nil {
		return nil, aerr
	}
	var images []*ibv1.ImageSummary
	err = s.db.View(ctx, func(tx *storage.Tx) error {
		var err error
		images, err = s.imagesOfPipeline(tx, l.scope(), l.at.String())
		return err
	})
	if err != nil {
		return nil, storageError(err)
	}
	images = slices.DeleteFunc(slices.Clone(images), func(img *ibv1.ImageSummary) bool {
		for name, get := range imageFilters {
			if !fs.match(name, get(img)) {
				return true
			}
		}
		return false
	})
	list, next := pageSlice(pg, images, (*ibv1.ImageSummary).GetArn)
	return &ibv1.ListImagePipelineImagesResponse{ImageSummaryList: list, NextToken: next}, nil
}

// pageSlice pages over items held in memory, ordered by key: the page
// after pg's token, and the next token when more follow.
func pageSlice[T any](pg *page, items []T, key func(T) string) ([]T, *string) {
	slices.SortFunc(items, func(a, b T) int { return strings.Compare(key(a), key(b)) })
	out := []T{}
	for _, it := range items {
		k := key(it)
		if pg.after != nil && k <= string(pg.after) {
			continue
		}
		if len(out) == pg.limit {
			return out, pageToken(pg.listing, []byte(key(out[len(out)-1])))
		}
		out = append(out, it)
	}
	return out, nil
}

// checkPipeline validates a pipeline as create and update take it, fills
// in the defaults and sets platform and dateNextRun.
func (s *Service) checkPipeline(ctx context.Context, c *callctx.Call, rec *ibv1.ImagePipeline) error {
	bad := func(member, format string, args ...any) error {
		return ibv1.ErrInvalidParameterValue("The value supplied for parameter '%s' is not valid. "+format, append([]any{member}, args...)...)
	}
	image, container := rec.GetImageRecipeArn(), rec.GetContainerRecipeArn()
	var recipe proto.Message
	var err error
	switch {
	case image != "" && container != "":
		return ibv1.ErrInvalidParameterCombination("The value supplied for parameter 'imageRecipeArn' is not valid. A pipeline builds from an image recipe or a container recipe, not both.")
	case image == "" && container == "":
		return ibv1.ErrInvalidParameterCombination("The value supplied for parameter 'imageRecipeArn' is not valid. A pipeline needs an imageRecipeArn or a containerRecipeArn.")
	case image != "":
		recipe, err = s.pipelineDependency(ctx, c, "imagebuilder:GetImageRecipe", "imageRecipeArn", image, imageRecipeKind)
	default:
		recipe, err = s.pipelineDependency(ctx, c, "imagebuilder:GetContainerRecipe", "containerRecipeArn", container, containerRecipeKind)
	}
	if err != nil {
		return err
	}
	rec.Platform = ptr(stringField(recipe, "platform"))
	if _, err := s.pipelineDependency(ctx, c, "imagebuilder:GetInfrastructureConfiguration", "infrastructureConfigurationArn", rec.GetInfrastructureConfigurationArn(), infraConfigs.kind); err != nil {
		return err
	}
	if rec.DistributionConfigurationArn != nil {
		if _, err := s.pipelineDependency(ctx, c, "imagebuilder:GetDistributionConfiguration", "distributionConfigurationArn", rec.GetDistributionConfigurationArn(), distConfigs.kind); err != nil {
			return err
		}
	}
	if rec.EnhancedImageMetadataEnabled == nil {
		rec.EnhancedImageMetadataEnabled = ptr(true)
	}
	if rec.Status == nil {
		rec.Status = ptr("ENABLED")
	}
	if rec.ImageTestsConfiguration == nil {
		rec.ImageTestsConfiguration = &ibv1.ImageTestsConfiguration{ImageTestsEnabled: ptr(true)}
	}
	if t := rec.ImageTestsConfiguration; t.TimeoutMinutes == nil {
		t.TimeoutMinutes = ptr(int32(defaultTestTimeout))
	}
	if t := rec.ImageTestsConfiguration; t.ImageTestsEnabled == nil {
		t.ImageTestsEnabled = ptr(true)
	}
	if rec.GetImageScanningConfiguration().GetEcrConfiguration() != nil && container == "" {
		return ibv1.ErrInvalidParameterCombination("The value supplied for parameter 'imageScanningConfiguration.ecrConfiguration' is not valid. An ECR configuration applies to container recipes.")
	}
	if sch := rec.Schedule; sch != nil {
		if sch.PipelineExecutionStartCondition == nil {
			sch.PipelineExecutionStartCondition = ptr(startOnUpdates)
		}
		if sch.ScheduleExpression != nil {
			if _, _, err := parseSchedule(sch); err != nil {
				return err
			}
		} else if sch.Timezone != nil {
			if _, err := loadTimezone(sch.GetTimezone()); err != nil {
				return err
			}
		}
	}
	if err := s.checkWorkflows(ctx, c, rec.GetWorkflows()); err != nil {
		return err
	}
	if role := rec.GetExecutionRole(); role != "" {
		if err := s.checkExecutionRole(ctx, c, role); err != nil {
			return err
		}
	} else if rec.ExecutionRole != nil {
		return bad("executionRole", "The execution role cannot be empty.")
	}
	setNextRun(rec, c.Time)
	return nil
}

// pipelineDependency reads a resource a pipeline names, as the caller may
// read it (a dependent action): nil record, or another type's, is
// InvalidParameterValueException.
func (s *Service) pipelineDependency(ctx context.Context, c *callctx.Call, action, member, arn string, k *kind) (proto.Message, error) {
	r, aerr := parseARN(member, arn)
	if aerr != nil {
		return nil, aerr
	}
	if r.Type != k.typ {
		return nil, ibv1.ErrInvalidParameterValue("The value supplied for parameter '%s' is not valid. The ARN %s does not name %s.", member, arn, article(k.noun))
	}
	rec, err := s.readDependency(ctx, c, action, member, arn)
	if err != nil {
		return nil, err
	}
	if rec == nil {
		return nil, ibv1.ErrInvalidParameterValue("The value supplied for parameter '%s' is not valid. The %s %s does not exist or you do not have access to it.", member, k.noun, arn)
	}
	return rec, nil
}

// checkWorkflows checks a pipeline's workflows: each exists and is
// readable by the caller (imagebuilder:GetWorkflow), its ARN resolved
// through the kinds table (the caller's workflows, Amazon's managed ones),
// and takes the parameters given: each declared by the workflow
// (InvalidParameterCombinationException), once, with one value unless
// declared a stringList.
func (s *Service) checkWorkflows(ctx context.Context, c *callctx.Call, wfs []*ibv1.WorkflowConfiguration) error {
	for i, wf := range wfs {
		member := fmt.Sprintf("workflows[%d].workflowArn", i)
		r, aerr := parseARN(member, wf.GetWorkflowArn())
		if aerr != nil {
			return aerr
		}
		k := kinds[r.Type]
		if k == nil || !strings.HasPrefix(r.Type, "workflow/") || r.Version == "" {
			return ibv1.ErrInvalidParameterValue("The value supplied for parameter '%s' is not valid. The ARN %s does not name a workflow version: expected %s/NAME/VERSION[/BUILD].", member, wf.GetWorkflowArn(), typeARN(r.Region, r.Account, "workflow/TYPE"))
		}
		rec, err := s.pipelineDependency(ctx, c, "imagebuilder:GetWorkflow", member, wf.GetWorkflowArn(), k)
		if err != nil {
			return err
		}
		declared := map[string]*ibv1.WorkflowParameterDetail{}
		if w, ok := rec.(*ibv1.Workflow); ok {
			for _, d := range w.GetParameters() {
				declared[d.GetName()] = d
			}
		}
		pm := fmt.Sprintf("workflows[%d].parameters", i)
		seen := map[string]bool{}
		var unknown []string
		for _, p := range wf.GetParameters() {
			if seen[p.GetName()] {
				return ibv1.ErrInvalidParameterValue("The value supplied for parameter '%s' is not valid. The parameter %s is given more than once.", pm, p.GetName())
			}
			seen[p.GetName()] = true
			d := declared[p.GetName()]
			if d == nil {
				unknown = append(unknown, p.GetName())
				continue
			}
			if d.GetType() != "stringList" && len(p.GetValue()) != 1 {
				return ibv1.ErrInvalidParameterValue("The value supplied for parameter '%s' is not valid. The parameter %s is of type %s and takes exactly one value; %d were given.", pm, p.GetName(), d.GetType(), len(p.GetValue()))
			}
		}
		if len(unknown) > 0 {
			return ibv1.ErrInvalidParameterCombination("The value supplied for parameter '%s' is not valid. The following parameters are not defined in the provided workflow: %s", pm, strings.Join(unknown, ", "))
		}
	}
	return nil
}

// checkExecutionRole requires the execution role (a name, or an ARN of the
// caller's account) to exist when IAM is wired (Roles) and, through the
// enforcement layer, the caller to be allowed iam:PassRole on it to
// imagebuilder.amazonaws.com (a dependent action of CreateImagePipeline and
// UpdateImagePipeline).
func (s *Service) checkExecutionRole(ctx context.Context, c *callctx.Call, role string) error {
	bad := func(format string, args ...any) error {
		return ibv1.ErrInvalidParameterValue("The value supplied for parameter 'executionRole' is not valid. "+format, args...)
	}
	name, roleARN := role, fmt.Sprintf("arn:aws:iam::%s:role/%s", c.Account, role)
	if strings.HasPrefix(role, "arn:") {
		a, ok := authz.ParseARN(role)
		if !ok || a.Account != c.Account || !strings.HasPrefix(a.Resource, "role/") {
			return bad("The role %s is not a role of account %s.", role, c.Account)
		}
		name, roleARN = a.Resource[strings.LastIndex(a.Resource, "/")+1:], role
	}
	if roles, ok := s.profiles.(Roles); ok {
		found := false
		var err error
		if roleARN, found, err = roles.RoleARN(ctx, c.Account, name); err != nil {
			return storageError(err)
		}
		if !found {
			return bad("The role %s does not exist.", role)
		}
	}
	if authz.TargetFrom(ctx) == nil {
		return nil
	}
	return authz.Check(ctx, authz.CheckRequest{
		Action: "iam:PassRole",
		ARN:    roleARN,
		Keys:   []authz.Key{{Name: "iam:PassedToService", Values: []string{imageBuilderPrincipal}}},
	})
}

// executionRoleARN is the ARN of the execution role role (a name, or an ARN)
// of account: a name is looked up when IAM is wired (its path), otherwise
// taken as a role at the root path.
func (s *Service) executionRoleARN(ctx context.Context, account, role string) (string, error) {
	if strings.HasPrefix(role, "arn:") {
		return role, nil
	}
	if roles, ok := s.profiles.(Roles); ok {
		arn, found, err := roles.RoleARN(ctx, account, role)
		if err != nil {
			return "", storageError(err)
		}
		if found {
			return arn, nil
		}
	}
	return fmt.Sprintf("arn:aws:iam::%s:role/%s", account, role), nil
}

// parseSchedule parses a schedule's expression and time zone (UTC when it
// names none). Errors are InvalidParameterValueException naming the member.
func parseSchedule(sch *ibv1.Schedule) (*cron.Expression, *time.Location, error) {
	expr, err := cron.Parse(sch.GetScheduleExpression())
	if err != nil {
		return nil, nil, ibv1.ErrInvalidParameterValue("The value supplied for parameter 'schedule.scheduleExpression' is not valid. %s", err.Error())
	}
	loc, err := loadTimezone(sch.GetTimezone())
	if err != nil {
		return nil, nil, err
	}
	return expr, loc, nil
}

// loadTimezone loads an IANA time zone; "" is UTC.
func loadTimezone(name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "Local" {
		return nil, ibv1.ErrInvalidParameterValue("The value supplied for parameter 'schedule.timezone' is not valid. %s is not an IANA time zone such as Etc/UTC or America/Los_Angeles.", name)
	}
	return loc, nil
}

// setNextRun sets dateNextRun: the first time after now the schedule of an
// enabled pipeline matches; cleared when it is disabled, has no schedule
// expression, or the expression never matches again.
func setNextRun(rec *ibv1.ImagePipeline, now time.Time) {
	rec.DateNextRun = nil
	if rec.GetStatus() != "ENABLED" || rec.GetSchedule().GetScheduleExpression() == "" {
		return
	}
	expr, loc, err := parseSchedule(rec.GetSchedule())
	if err != nil {
		return
	}
	if next, ok := expr.Next(now, loc); ok {
		rec.DateNextRun = ptr(timestamp(next))
	}
}

func parseTimestamp(s string) (time.Time, bool) {
	t, err := time.Parse("2006-01-02T15:04:05.000Z", s)
	return t, err == nil
}
