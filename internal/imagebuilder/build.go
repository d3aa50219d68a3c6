package imagebuilder

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/authz"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/storage"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// Builds. CreateImage and StartImagePipelineExecution start a build: an
// image build version (image/NAME/VERSION/BUILD, NAME and VERSION the
// recipe's) in state PENDING with its workflow executions and step
// executions, all PENDING. The build then advances on the service's clock
// (build_run.go) through AWS's states — CREATING, BUILDING, TESTING,
// DISTRIBUTING, INTEGRATING, AVAILABLE, or FAILED / CANCELLED — one step at
// a time, at a pace that makes a whole build take Options.BuildTime. Each
// step makes the calls the real build makes, through the enforcement layer,
// as the principal AWS makes them as: the instance profile's role, the
// service-linked role AWSServiceRoleForImageBuilder, the caller's forward
// access session, or the distribution role of a target account.

// buildRequest is what starts a build: CreateImage and
// StartImagePipelineExecution both make one.
type buildRequest struct {
	ImageRecipeArn, ContainerRecipeArn, InfrastructureConfigurationArn, DistributionConfigurationArn string
	ImageTestsConfiguration                                                                          *ibv1.ImageTestsConfiguration
	ImageScanningConfiguration                                                                       *ibv1.ImageScanningConfiguration
	EnhancedImageMetadataEnabled                                                                     *bool
	Workflows                                                                                        []*ibv1.WorkflowConfiguration
	ExecutionRole                                                                                    string
	Tags                                                                                             map[string]string
	SourcePipelineArn                                                                                string // "" for CreateImage
}

// DefaultBuildTime is the wall time of a whole build when Options.BuildTime
// is zero.
const DefaultBuildTime = 10 * time.Second

// Tables of builds.
var (
	// images holds every image build version, in its owner's scope:
	// name / major / minor / patch / build → Image.
	images = storage.NewTable[*ibv1.Image]("imagebuilder.images")
	// imageBuildCounters holds the last build number handed out for each
	// image version, so a deleted build's ARN never names another build.
	imageBuildCounters = storage.NewTable[*wrapperspb.UInt32Value]("imagebuilder.image-build-counters")
	// sharedImages indexes, in the scope of each account an image policy
	// grants, the image builds shared with it: owner / name / major / minor /
	// patch / build → ImageVersion.
	sharedImages = storage.NewTable[*ibv1.ImageVersion]("imagebuilder.shared-images")
	// pipelineImages indexes the builds a pipeline started, in the
	// pipeline's scope: pipeline ARN / creation time (ns) / image ARN → the
	// image's key in images.
	pipelineImages = storage.NewTable[*wrapperspb.BytesValue]("imagebuilder.pipeline-images")
	// workflowExecutions holds the workflow executions builds produce, in
	// the image owner's scope: execution id → execution.
	workflowExecutions = storage.NewTable[*ibv1.GetWorkflowExecutionResponse]("imagebuilder.workflow-executions")
	// imageWorkflows lists an image build's workflow executions in order:
	// image key / ordinal → execution id.
	imageWorkflows = storage.NewTable[*wrapperspb.StringValue]("imagebuilder.image-workflows")
	// stepExecutions holds the step executions of each workflow execution
	// in order: execution id / ordinal → step.
	stepExecutions = storage.NewTable[*ibv1.GetWorkflowStepExecutionResponse]("imagebuilder.step-executions")
	// stepIndex finds a step execution by id: step id → its stepExecutions
	// key.
	stepIndex = storage.NewTable[*wrapperspb.BytesValue]("imagebuilder.step-index")
	// inFlight holds the state of every build in progress, in one scope of
	// its own (small: only builds not yet finished), so the runner finds
	// them without scanning accounts: image ARN → buildState (JSON).
	inFlight = storage.NewTable[*wrapperspb.BytesValue]("imagebuilder.builds-in-flight")
	// retryable holds the state of failed builds, in inFlightScope, for
	// RetryImage: image ARN → buildState (JSON) at the step that failed.
	retryable = storage.NewTable[*wrapperspb.BytesValue]("imagebuilder.builds-retryable")
)

// inFlightScope is where inFlight lives.
var inFlightScope = storage.Scope{Account: "imagebuilder-builds", Region: storage.GlobalRegion}

// buildState is what the runner needs to continue a build: stored with the
// image, updated in the transaction of each step's effects.
type buildState struct {
	ImageARN  string `json:"imageArn"`
	Account   string `json:"account"`
	Region    string `json:"region"`
	RequestID string `json:"requestId"`
	// Operation is the call that started the build (CreateImage,
	// StartImagePipelineExecution, …): the build's decisions are recorded
	// under it.
	Operation string `json:"operation,omitempty"`
	// Caller is who started the build: forward access checks are decided
	// as this principal.
	Caller auth.Principal `json:"caller"`
	// RoleARN is the instance profile's role; "" when the profile is gone.
	RoleARN    string `json:"roleArn"`
	InstanceID string `json:"instanceId"`
	// Steps are the build's ticks in order; Next is the one to run.
	Steps []plannedStep `json:"steps"`
	Next  int           `json:"next"`
	// Due is when Steps[Next] runs; Tick the time between steps.
	Due  time.Time     `json:"due"`
	Tick time.Duration `json:"tick"`
	// Waiting is set while a WaitForAction step waits for
	// SendWorkflowStepAction.
	Waiting bool `json:"waiting,omitempty"`
	// ExecRole is the execution role the image workflows run as (its ARN),
	// "" for the service-linked role AWSServiceRoleForImageBuilder.
	ExecRole string `json:"execRole,omitempty"`
	// Recipe, Pipeline are what the build uses (dependency hooks).
	Recipe   string `json:"recipe"`
	Pipeline string `json:"pipeline,omitempty"`
}

// plannedStep is one tick of a build: a workflow step (Workflow, Ordinal,
// StepID) or a transition of the image's own (Workflow "").
type plannedStep struct {
	Action     string `json:"action"`
	Workflow   string `json:"workflow,omitempty"`
	WorkflowTy string `json:"workflowType,omitempty"`
	Ordinal    uint32 `json:"ordinal,omitempty"`
	StepID     string `json:"stepId,omitempty"`
}

func (b *buildState) encode() *wrapperspb.BytesValue {
	raw, _ := json.Marshal(b)
	return wrapperspb.Bytes(raw)
}

func decodeBuild(v *wrapperspb.BytesValue) (*buildState, error) {
	b := &buildState{}
	return b, json.Unmarshal(v.GetValue(), b)
}

// imageKey locates an image build in images.
func imageKey(at resourceARN) ([]byte, error) {
	v, aerr := ParseVersion(at.Version)
	if aerr != nil {
		return nil, aerr
	}
	return buildKey(at.Name, v, at.Build), nil
}

// clientTokenKey carries a request's client token to startBuild.
type clientTokenKey struct{}

type clientToken struct {
	op  string
	req proto.Message
}

// withClientToken makes startBuild idempotent under req's clientToken: a
// retry of op with the same request answers the same image, a different
// request with the token is IdempotentParameterMismatchException.
func withClientToken(ctx context.Context, op string, req proto.Message) context.Context {
	return context.WithValue(ctx, clientTokenKey{}, clientToken{op: op, req: req})
}

// hexID derives a stable identifier from parts: execution ids, instance
// ids and AMI ids are functions of what they belong to.
func hexID(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:])
}

// uuidID is an id of AWS's form PREFIX-8-4-4-4-12 hex digits.
func uuidID(prefix string, parts ...string) string {
	h := hexID(parts...)
	return fmt.Sprintf("%s-%s-%s-%s-%s-%s", prefix, h[0:8], h[8:12], h[12:16], h[16:20], h[20:32])
}

// planned is a build's resolved inputs.
type planned struct {
	image      *ibv1.Image
	recipeName string
	recipeVer  string
	roleARN    string
	execRole   string
	workflows  []plannedWorkflow
}

type plannedWorkflow struct {
	arn, typ string
	cfg      *ibv1.WorkflowConfiguration
	actions  []workflowStep
}

type workflowStep struct{ name, action, onFailure string }

// startBuild validates br as the caller in ctx (the referenced resources
// exist and are readable, dependent checks) and creates the image build
// version record in PENDING; it returns the image build version ARN.
//
// The dependent actions are those the Service Authorization Reference lists
// for CreateImage: imagebuilder:GetImageRecipe (or GetContainerRecipe),
// GetInfrastructureConfiguration, GetDistributionConfiguration and
// GetWorkflow on what the request names, and iam:CreateServiceLinkedRole
// when the account has no AWSServiceRoleForImageBuilder yet (it is created).
// Errors: InvalidParameterValueException (a missing or unreadable
// resource), InvalidParameterCombinationException (both or neither recipe),
// AccessDeniedException, IdempotentParameterMismatchException (with a
// client token, see withClientToken).
func (s *Service) startBuild(ctx context.Context, br *buildRequest) (string, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return "", aerr
	}
	p, err := s.planBuild(ctx, c, br)
	if err != nil {
		return "", err
	}
	return s.startPlanned(ctx, c, p, br)
}

// startPlanned creates the image build version record of a planned build
// (p.image, named p.recipeName / p.recipeVer) in PENDING with its workflow
// executions, idempotent under the client token withClientToken put in
// ctx: CreateImage and StartImagePipelineExecution plan from a recipe,
// DistributeImage, ImportVmImage and ImportDiskImage plan their own
// (imports.go).
func (s *Service) startPlanned(ctx context.Context, c *callctx.Call, p *planned, br *buildRequest) (string, error) {
	if err := s.ensureServiceLinkedRole(ctx, c); err != nil {
		return "", err
	}
	sc := scope(c)
	seg := arnName(p.recipeName)
	v, aerr := ParseVersion(p.recipeVer)
	if aerr != nil {
		return "", aerr
	}
	var arn string
	err := s.db.Update(ctx, func(tx *storage.Tx) error {
		create := func() (*wrapperspb.StringValue, error) {
			a, err := s.insertBuild(tx, c, sc, seg, v, p, br)
			return wrapperspb.String(a), err
		}
		var out *wrapperspb.StringValue
		var err error
		if tok, ok := ctx.Value(clientTokenKey{}).(clientToken); ok {
			out, err = idempotent(tx, sc, tok.op, tok.req, c.Time, create)
		} else {
			out, err = create()
		}
		arn = out.GetValue()
		return err
	})
	if err != nil {
		return "", storageError(err)
	}
	return arn, nil
}

// insertBuild numbers the build and writes the image, its workflow and
// step executions and its in-flight state.
func (s *Service) insertBuild(tx *storage.Tx, c *callctx.Call, sc storage.Scope, seg string, v Version, p *planned, br *buildRequest) (string, error) {
	vkey := versionKey(seg, v).Key()
	counter, _, err := imageBuildCounters.Get(tx, sc, vkey)
	if err != nil {
		return "", err
	}
	build := counter.GetValue() + 1
	if err := imageBuildCounters.Put(tx, sc, vkey, wrapperspb.UInt32(build)); err != nil {
		return "", err
	}
	at := resourceARN{Partition: "aws", Region: c.Region, Account: c.Account, Type: "image", Name: seg, Version: v.String(), Build: build}
	arn := at.String()
	img := p.image
	img.Arn = ptr(arn)
	img.DateCreated = ptr(timestamp(c.Time))
	st := &buildState{
		ImageARN: arn, Account: c.Account, Region: c.Region, RequestID: c.RequestID, Operation: c.Operation, Caller: c.Principal,
		RoleARN: p.roleARN, ExecRole: p.execRole, InstanceID: "i-" + hexID(arn, "instance")[:17],
		Recipe: img.GetImageRecipe().GetArn() + img.GetContainerRecipe().GetArn(), Pipeline: br.SourcePipelineArn,
	}
	st.Caller.SessionToken = "" // the principal is kept, not its credentials
	st.Steps = append(st.Steps, plannedStep{Action: "Start"})
	for wi, w := range p.workflows {
		id := uuidID("wf", arn, fmt.Sprint(wi))
		exec := &ibv1.GetWorkflowExecutionResponse{
			WorkflowBuildVersionArn: ptr(w.arn), WorkflowExecutionId: ptr(id), ImageBuildVersionArn: ptr(arn),
			Type: ptr(w.typ), Status: ptr("PENDING"), TotalStepCount: ptr(int32(len(w.actions))),
			TotalStepsSucceeded: ptr(int32(0)), TotalStepsFailed: ptr(int32(0)), TotalStepsSkipped: ptr(int32(0)),
			ParallelGroup: w.cfg.ParallelGroup,
		}
		if err := workflowExecutions.Put(tx, sc, nameKey(id).Key(), exec); err != nil {
			return "", err
		}
		if err := imageWorkflows.Put(tx, sc, storage.NewKey().String(arn).Uint32(uint32(wi)).Key(), wrapperspb.String(id)); err != nil {
			return "", err
		}
		for i, a := range w.actions {
			stepID := uuidID("step", id, fmt.Sprint(i))
			key := storage.NewKey().String(id).Uint32(uint32(i)).Key()
			step := &ibv1.GetWorkflowStepExecutionResponse{
				StepExecutionId: ptr(stepID), WorkflowBuildVersionArn: ptr(w.arn), WorkflowExecutionId: ptr(id),
				ImageBuildVersionArn: ptr(arn), Name: ptr(a.name), Action: ptr(a.action), Status: ptr("PENDING"),
				OnFailure: ptr(a.onFailure), Inputs: ptr("{}"), Outputs: ptr("{}"),
			}
			if err := stepExecutions.Put(tx, sc, key, step); err != nil {
				return "", err
			}
			if err := stepIndex.Put(tx, sc, nameKey(stepID).Key(), wrapperspb.Bytes(key)); err != nil {
				return "", err
			}
			st.Steps = append(st.Steps, plannedStep{Action: a.action, Workflow: id, WorkflowTy: w.typ, Ordinal: uint32(i), StepID: stepID})
		}
	}
	st.Steps = append(st.Steps, plannedStep{Action: "Integrate"}, plannedStep{Action: "Finish"})
	st.Tick = s.buildTime / time.Duration(len(st.Steps))
	st.Due = c.Time.Add(st.Tick)
	key, _ := imageKey(at)
	if err := images.Insert(tx, sc, key, img); err != nil {
		return "", err
	}
	if br.SourcePipelineArn != "" {
		pk := storage.NewKey().String(br.SourcePipelineArn).Uint64(uint64(c.Time.UnixNano())).String(arn).Key()
		if err := pipelineImages.Put(tx, sc, pk, wrapperspb.Bytes(key)); err != nil {
			return "", err
		}
	}
	if err := inFlight.Put(tx, inFlightScope, []byte(arn), st.encode()); err != nil {
		return "", err
	}
	if err := appendBuildState(tx, sc, c.RequestID, arn, br.SourcePipelineArn, BuildStateChange{Status: "PENDING", Time: c.Time}); err != nil {
		return "", err
	}
	s.wakeRunner()
	return arn, nil
}

// planBuild resolves and checks what br names, as the caller.
func (s *Service) planBuild(ctx context.Context, c *callctx.Call, br *buildRequest) (*planned, error) {
	p := &planned{}
	img := &ibv1.Image{
		State: &ibv1.ImageState{Status: ptr("PENDING")}, EnhancedImageMetadataEnabled: ptr(true),
		BuildType: ptr("USER_INITIATED"), ImageSource: ptr("CUSTOM"),
		ImageTestsConfiguration:    &ibv1.ImageTestsConfiguration{ImageTestsEnabled: ptr(true), TimeoutMinutes: ptr(int32(720))},
		ImageScanningConfiguration: br.ImageScanningConfiguration,
	}
	if br.EnhancedImageMetadataEnabled != nil {
		img.EnhancedImageMetadataEnabled = br.EnhancedImageMetadataEnabled
	}
	if t := br.ImageTestsConfiguration; t != nil {
		if t.ImageTestsEnabled != nil {
			img.ImageTestsConfiguration.ImageTestsEnabled = t.ImageTestsEnabled
		}
		if t.TimeoutMinutes != nil {
			img.ImageTestsConfiguration.TimeoutMinutes = t.TimeoutMinutes
		}
	}
	if len(br.Tags) > 0 {
		if err := checkTagKeys("tags", br.Tags); err != nil {
			return nil, err
		}
		img.Tags = br.Tags
	}
	if br.ExecutionRole != "" {
		if br.SourcePipelineArn == "" {
			// CreateImage passes the role (the pipeline's was checked
			// when the pipeline was made or updated).
			if err := s.checkExecutionRole(ctx, c, br.ExecutionRole); err != nil {
				return nil, err
			}
		}
		img.ExecutionRole = ptr(br.ExecutionRole)
		role, err := s.executionRoleARN(ctx, c.Account, br.ExecutionRole)
		if err != nil {
			return nil, err
		}
		p.execRole = role
	}
	if br.SourcePipelineArn != "" {
		img.SourcePipelineArn = ptr(br.SourcePipelineArn)
		if r, aerr := parseARN("sourcePipelineArn", br.SourcePipelineArn); aerr == nil {
			img.SourcePipelineName = ptr(r.Name)
		}
		if c.Transport == "scheduler" {
			// Only the pipeline's schedule makes SCHEDULED builds; a
			// StartImagePipelineExecution call is USER_INITIATED.
			img.BuildType = ptr("SCHEDULED")
		}
	}
	switch {
	case (br.ImageRecipeArn == "") == (br.ContainerRecipeArn == ""):
		return nil, ibv1.ErrInvalidParameterCombination("The value supplied for parameter 'imageRecipeArn' is not valid. Specify exactly one of imageRecipeArn and containerRecipeArn.")
	case br.ImageRecipeArn != "":
		rec, err := s.dependency(ctx, c, "imagebuilder:GetImageRecipe", "imageRecipeArn", br.ImageRecipeArn, imageRecipeKind)
		if err != nil {
			return nil, err
		}
		r := rec.(*ibv1.ImageRecipe)
		img.ImageRecipe, img.Type, img.Platform = r, ptr("AMI"), r.Platform
		p.recipeName, p.recipeVer = r.GetName(), r.GetVersion()
	default:
		rec, err := s.dependency(ctx, c, "imagebuilder:GetContainerRecipe", "containerRecipeArn", br.ContainerRecipeArn, containerRecipeKind)
		if err != nil {
			return nil, err
		}
		r := rec.(*ibv1.ContainerRecipe)
		img.ContainerRecipe, img.Type, img.Platform = r, ptr("DOCKER"), r.Platform
		p.recipeName, p.recipeVer = r.GetName(), r.GetVersion()
	}
	rec, err := s.dependency(ctx, c, "imagebuilder:GetInfrastructureConfiguration", "infrastructureConfigurationArn", br.InfrastructureConfigurationArn, infraConfigs.kind)
	if err != nil {
		return nil, err
	}
	img.InfrastructureConfiguration = rec.(*ibv1.InfrastructureConfiguration)
	if s.profiles != nil {
		// A profile deleted since the configuration was made fails the
		// build, as on AWS, rather than the request.
		p.roleARN, _, err = s.profiles.InstanceProfileRole(ctx, c.Account, img.InfrastructureConfiguration.GetInstanceProfileName())
		if err != nil {
			return nil, storageError(err)
		}
	}
	if br.DistributionConfigurationArn != "" {
		rec, err := s.dependency(ctx, c, "imagebuilder:GetDistributionConfiguration", "distributionConfigurationArn", br.DistributionConfigurationArn, distConfigs.kind)
		if err != nil {
			return nil, err
		}
		img.DistributionConfiguration = rec.(*ibv1.DistributionConfiguration)
	}
	img.Name, img.Version = ptr(p.recipeName), ptr(p.recipeVer)
	if p.workflows, err = s.planWorkflows(ctx, c, br, img); err != nil {
		return nil, err
	}
	img.Workflows = br.Workflows
	p.image = img
	return p, nil
}

// dependency reads a resource a build request names, deciding the
// dependent action as the caller; a missing or unreadable resource is the
// request's fault.
func (s *Service) dependency(ctx context.Context, c *callctx.Call, action, member, arn string, k *kind) (proto.Message, error) {
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
	return proto.Clone(rec), nil
}

// The AWS-managed workflows a build runs when its request names none of a
// type.
const (
	defaultBuildImage     = "build-image"
	defaultBuildContainer = "build-container"
	defaultTestImage      = "test-image"
	defaultTestContainer  = "test-container"
	defaultDistImage      = "distribute-image"
	defaultDistContainer  = "distribute-container"
)

// planWorkflows resolves the workflows a build runs, in order build, test,
// distribution: those the request names (through the kinds table, read as
// the caller: imagebuilder:GetWorkflow), and AWS's managed ones for the
// types it does not name. Tests run only when enabled.
func (s *Service) planWorkflows(ctx context.Context, c *callctx.Call, br *buildRequest, img *ibv1.Image) ([]plannedWorkflow, error) {
	given := map[string][]plannedWorkflow{}
	for i, cfg := range br.Workflows {
		member := fmt.Sprintf("workflows[%d].workflowArn", i)
		r, aerr := parseARN(member, cfg.GetWorkflowArn())
		if aerr != nil {
			return nil, aerr
		}
		k := kinds[r.Type]
		if k == nil || !strings.HasPrefix(r.Type, "workflow/") {
			return nil, ibv1.ErrInvalidParameterValue("The value supplied for parameter '%s' is not valid. The ARN %s does not name a workflow.", member, cfg.GetWorkflowArn())
		}
		rec, err := s.dependency(ctx, c, "imagebuilder:GetWorkflow", member, cfg.GetWorkflowArn(), k)
		if err != nil {
			return nil, err
		}
		w := workflowPlan(rec, cfg)
		given[w.typ] = append(given[w.typ], w)
	}
	container := img.GetType() == "DOCKER"
	defaults := map[string]string{"BUILD": defaultBuildImage, "TEST": defaultTestImage, "DISTRIBUTION": defaultDistImage}
	if container {
		defaults = map[string]string{"BUILD": defaultBuildContainer, "TEST": defaultTestContainer, "DISTRIBUTION": defaultDistContainer}
	}
	var out []plannedWorkflow
	for _, typ := range []string{"BUILD", "TEST", "DISTRIBUTION"} {
		if typ == "TEST" && !img.GetImageTestsConfiguration().GetImageTestsEnabled() {
			continue
		}
		if ws := given[typ]; len(ws) > 0 {
			out = append(out, ws...)
			continue
		}
		w, err := managedWorkflow(c.Region, typ, defaults[typ])
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, nil
}

// managedWorkflow plans the AWS-managed workflow name of type typ (BUILD,
// TEST, DISTRIBUTION) from the catalogue.
func managedWorkflow(region, typ, name string) (plannedWorkflow, error) {
	r := resourceARN{Partition: "aws", Region: region, Account: awsOwner, Type: "workflow/" + strings.ToLower(typ), Name: name, Version: "x.x.x"}
	rec, found, aerr := amazonWorkflow(region, r)
	if aerr != nil || !found {
		return plannedWorkflow{}, fmt.Errorf("imagebuilder: the managed workflow %s is missing from the catalogue", r)
	}
	return workflowPlan(rec, &ibv1.WorkflowConfiguration{}), nil
}

// workflowPlan reads a workflow record's steps.
func workflowPlan(rec proto.Message, cfg *ibv1.WorkflowConfiguration) plannedWorkflow {
	w := plannedWorkflow{arn: stringField(rec, "arn"), typ: stringField(rec, "type"), cfg: cfg}
	if w.typ == "" {
		if r, aerr := parseARN("arn", w.arn); aerr == nil {
			w.typ = strings.ToUpper(strings.TrimPrefix(r.Type, "workflow/"))
		}
	}
	w.actions = workflowSteps(stringField(rec, "data"))
	return w
}

// workflowSteps reads the steps of a workflow document: the name, action
// and onFailure of each entry of its steps list. The document was validated
// when the workflow was created; this reads only what a build needs.
func workflowSteps(doc string) []workflowStep {
	var out []workflowStep
	in := false
	for _, line := range strings.Split(doc, "\n") {
		trimmed := strings.TrimSpace(line)
		if !strings.HasPrefix(line, " ") && !strings.HasPrefix(line, "-") {
			in = strings.HasPrefix(trimmed, "steps:")
			continue
		}
		if !in {
			continue
		}
		item := strings.HasPrefix(trimmed, "- ")
		trimmed = strings.TrimPrefix(trimmed, "- ")
		k, v, ok := strings.Cut(trimmed, ":")
		if !ok {
			continue
		}
		v = strings.Trim(strings.TrimSpace(v), `"'`)
		if item && k == "name" {
			out = append(out, workflowStep{name: v, onFailure: "Abort"})
			continue
		}
		if len(out) == 0 {
			continue
		}
		switch k {
		case "name":
			out[len(out)-1].name = v
		case "action":
			out[len(out)-1].action = v
		case "onFailure":
			out[len(out)-1].onFailure = v
		}
	}
	return out
}

// serviceLinkedRoles is IAM as a build uses it: the account's
// AWSServiceRoleForImageBuilder. internal/iam implements it (with
// Profiles).
type serviceLinkedRoles interface {
	ServiceLinkedRoleFor(ctx context.Context, account, service string, create bool) (roleARN string, found bool, err error)
}

const imageBuilderService = "imagebuilder.amazonaws.com"

// ensureServiceLinkedRole creates the account's service-linked role on its
// first build, which needs iam:CreateServiceLinkedRole (a dependent action
// of CreateImage) as the caller.
func (s *Service) ensureServiceLinkedRole(ctx context.Context, c *callctx.Call) error {
	slr, ok := s.profiles.(serviceLinkedRoles)
	if !ok {
		return nil
	}
	arn, found, err := slr.ServiceLinkedRoleFor(ctx, c.Account, imageBuilderService, false)
	if err != nil || found || arn == "" {
		return storageError(err)
	}
	if authz.TargetFrom(ctx) != nil {
		if err := authz.Check(ctx, authz.CheckRequest{Action: "iam:CreateServiceLinkedRole", ARN: arn,
			Keys: []authz.Key{{Name: "iam:AWSServiceName", Values: []string{imageBuilderService}}}}); err != nil {
			return err
		}
	}
	_, _, err = slr.ServiceLinkedRoleFor(ctx, c.Account, imageBuilderService, true)
	return storageError(err)
}

// CreateImage starts a build of an image recipe or a container recipe on
// an infrastructure configuration, distributed by a distribution
// configuration, and answers its image build version ARN at once; the build
// runs on (see startBuild for the checks made now, and build_run.go for
// those the build makes). Errors: those of startBuild.
func (s *Service) CreateImage(ctx context.Context, req *ibv1.CreateImageRequest) (*ibv1.CreateImageResponse, error) {
	arn, err := s.startBuild(withClientToken(ctx, "CreateImage", req), &buildRequest{
		ImageRecipeArn: req.GetImageRecipeArn(), ContainerRecipeArn: req.GetContainerRecipeArn(),
		InfrastructureConfigurationArn: req.GetInfrastructureConfigurationArn(), DistributionConfigurationArn: req.GetDistributionConfigurationArn(),
		ImageTestsConfiguration: req.ImageTestsConfiguration, ImageScanningConfiguration: req.ImageScanningConfiguration,
		EnhancedImageMetadataEnabled: req.EnhancedImageMetadataEnabled, Workflows: req.Workflows,
		ExecutionRole: req.GetExecutionRole(), Tags: req.Tags,
	})
	if err != nil {
		return nil, err
	}
	at, _ := parseARN("arn", arn)
	return &ibv1.CreateImageResponse{ClientToken: req.ClientToken, ImageBuildVersionArn: ptr(arn), LatestVersionReferences: references(at)}, nil
}
