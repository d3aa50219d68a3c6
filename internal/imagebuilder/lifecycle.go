package imagebuilder

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ibemu/ibemu/internal/authz"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/storage"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// Lifecycle policies are named resources (lifecycle-policy/NAME). What they
// select and do is validated here; running them on a schedule and the
// resources an execution acts on wait for images: until images exist, an
// execution finds nothing to act on and succeeds.
var lifecyclePolicies = newNamed[*ibv1.LifecyclePolicy]("lifecycle-policy", "lifecycle policy", "LifecyclePolicy", "lifecycle-policies")

// Lifecycle executions: by id (lce-UUID) in the caller's scope, and indexed
// by the resource they act for (an image build ARN, or the policy that
// started them): resourceArn / id → the same record.
var (
	lifecycleExecutions           = storage.NewTable[*ibv1.LifecycleExecution]("imagebuilder.lifecycle-executions")
	lifecycleExecutionsByResource = storage.NewTable[*ibv1.LifecycleExecution]("imagebuilder.lifecycle-executions-by-resource")
)

// lifecycleExecutionTime is how long an execution that finds nothing to act
// on stays IN_PROGRESS, on the service's clock.
const lifecycleExecutionTime = time.Second

// Roles is IAM as lifecycle policies read it: the execution role. The IAM
// service implements it next to Profiles; without it the role is not
// checked.
type Roles interface {
	RoleARN(ctx context.Context, account, name string) (roleARN string, found bool, err error)
}

// CreateLifecyclePolicy creates a lifecycle policy. The execution role (a
// name or an ARN of the caller's account) must exist and the caller needs
// iam:PassRole on it for imagebuilder.amazonaws.com; the enforcement layer
// bound imagebuilder:LifecyclePolicyResourceType and the tag keys. Errors:
// InvalidRequestException (the model's only validation error for this
// operation), ResourceAlreadyExistsException,
// IdempotentParameterMismatchException, AccessDeniedException.
func (s *Service) CreateLifecyclePolicy(ctx context.Context, req *ibv1.CreateLifecyclePolicyRequest) (*ibv1.CreateLifecyclePolicyResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	rec := &ibv1.LifecyclePolicy{}
	copyFields(rec, req)
	if err := s.checkLifecyclePolicy(ctx, c, rec); err != nil {
		return nil, err
	}
	return createNamed(s, ctx, lifecyclePolicies, "CreateLifecyclePolicy", req, rec, func(arn string) *ibv1.CreateLifecyclePolicyResponse {
		return &ibv1.CreateLifecyclePolicyResponse{ClientToken: req.ClientToken, LifecyclePolicyArn: ptr(arn)}
	})
}

// UpdateLifecyclePolicy replaces a policy's settings with the request's;
// name, tags and dateCreated stay. The checks of create apply.
func (s *Service) UpdateLifecyclePolicy(ctx context.Context, req *ibv1.UpdateLifecyclePolicyRequest) (*ibv1.UpdateLifecyclePolicyResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	const member = "lifecyclePolicyArn"
	arn := req.GetLifecyclePolicyArn()
	if _, err := lifecyclePolicies.get(s, ctx, "imagebuilder:UpdateLifecyclePolicy", member, arn); err != nil {
		return nil, err
	}
	next := &ibv1.LifecyclePolicy{}
	copyFields(next, req)
	if err := s.checkLifecyclePolicy(ctx, c, next); err != nil {
		return nil, err
	}
	return updateNamed(s, ctx, lifecyclePolicies, "UpdateLifecyclePolicy", member, arn, req, func(rec *ibv1.LifecyclePolicy) error {
		copyFields(rec, next, "arn", "name", "date_created", "date_updated", "date_last_run", "tags")
		return nil
	}, func() *ibv1.UpdateLifecyclePolicyResponse {
		return &ibv1.UpdateLifecyclePolicyResponse{LifecyclePolicyArn: req.LifecyclePolicyArn}
	})
}

// GetLifecyclePolicy returns a policy. Errors: ResourceNotFoundException.
func (s *Service) GetLifecyclePolicy(ctx context.Context, req *ibv1.GetLifecyclePolicyRequest) (*ibv1.GetLifecyclePolicyResponse, error) {
	rec, err := lifecyclePolicies.get(s, ctx, "imagebuilder:GetLifecyclePolicy", "lifecyclePolicyArn", req.GetLifecyclePolicyArn())
	if err != nil {
		return nil, err
	}
	return &ibv1.GetLifecyclePolicyResponse{LifecyclePolicy: rec}, nil
}

// DeleteLifecyclePolicy deletes a policy. Errors: ResourceNotFoundException.
func (s *Service) DeleteLifecyclePolicy(ctx context.Context, req *ibv1.DeleteLifecyclePolicyRequest) (*ibv1.DeleteLifecyclePolicyResponse, error) {
	if err := lifecyclePolicies.delete(s, ctx, "imagebuilder:DeleteLifecyclePolicy", "lifecyclePolicyArn", req.GetLifecyclePolicyArn()); err != nil {
		return nil, err
	}
	return &ibv1.DeleteLifecyclePolicyResponse{LifecyclePolicyArn: req.LifecyclePolicyArn}, nil
}

// ListLifecyclePolicies lists the caller's policies in name order. Filters:
// name, resourceType, status.
func (s *Service) ListLifecyclePolicies(ctx context.Context, req *ibv1.ListLifecyclePoliciesRequest) (*ibv1.ListLifecyclePoliciesResponse, error) {
	fs, aerr := parseFilters(req.GetFilters(), "name", "resourceType", "status")
	if aerr != nil {
		return nil, aerr
	}
	list, next, err := listNamed(s, ctx, lifecyclePolicies, "ListLifecyclePolicies", req.MaxResults, req.NextToken,
		func(r *ibv1.LifecyclePolicy) bool {
			return fs.match("name", r.GetName()) && fs.match("resourceType", r.GetResourceType()) && fs.match("status", r.GetStatus())
		},
		func(r *ibv1.LifecyclePolicy) *ibv1.LifecyclePolicySummary {
			sum := &ibv1.LifecyclePolicySummary{}
			copyFields(sum, r)
			return sum
		})
	if err != nil {
		return nil, err
	}
	return &ibv1.ListLifecyclePoliciesResponse{LifecyclePolicySummaryList: list, NextToken: next}, nil
}

func invalidLifecycle(member, format string, args ...any) error {
	return ibv1.ErrInvalidRequest("The value supplied for parameter '%s' is not valid. %s", member, fmt.Sprintf(format, args...))
}

// checkLifecyclePolicy validates a policy as create and update take it
// (Image Builder User Guide, "Manage Image Builder lifecycle policies"): an
// action type appears once; AGE filters take a unit and may retain at
// least some images, COUNT filters neither; container images can only be
// deleted, and AMI options apply to AMI images only; the resource
// selection names recipes or tags. status defaults to ENABLED. Then the
// execution role.
func (s *Service) checkLifecyclePolicy(ctx context.Context, c *callctx.Call, rec *ibv1.LifecyclePolicy) error {
	if rec.Status == nil {
		rec.Status = ptr("ENABLED")
	}
	ami := rec.GetResourceType() == "AMI_IMAGE"
	seen := map[string]bool{}
	for i, d := range rec.GetPolicyDetails() {
		m := fmt.Sprintf("policyDetails[%d]", i)
		typ := d.GetAction().GetType()
		if seen[typ] {
			return invalidLifecycle(m+".action.type", "The action %s appears more than once; each action type can be used once per policy.", typ)
		}
		seen[typ] = true
		if !ami && typ != "DELETE" {
			return invalidLifecycle(m+".action.type", "Container images can only be deleted; %s applies to AMI images.", typ)
		}
		if inc := d.GetAction().GetIncludeResources(); inc != nil {
			if !ami && (inc.GetAmis() || inc.GetSnapshots()) {
				return invalidLifecycle(m+".action.includeResources", "amis and snapshots apply to AMI images, not container images.")
			}
			if ami && inc.GetContainers() {
				return invalidLifecycle(m+".action.includeResources", "containers applies to container images, not AMI images.")
			}
			if inc.GetSnapshots() && typ != "DELETE" {
				return invalidLifecycle(m+".action.includeResources", "Snapshots can only be included when the action is DELETE.")
			}
		}
		f := d.GetFilter()
		switch f.GetType() {
		case "AGE":
			if f.Unit == nil {
				return invalidLifecycle(m+".filter.unit", "An AGE filter needs a unit: DAYS, WEEKS, MONTHS or YEARS.")
			}
		case "COUNT":
			if f.Unit != nil || f.RetainAtLeast != nil {
				return invalidLifecycle(m+".filter", "A COUNT filter keeps the newest value images; unit and retainAtLeast apply to AGE filters only.")
			}
		}
		if d.GetExclusionRules().GetAmis() != nil && !ami {
			return invalidLifecycle(m+".exclusionRules.amis", "AMI exclusion rules apply to AMI images, not container images.")
		}
	}
	sel := rec.GetResourceSelection()
	if len(sel.GetRecipes()) == 0 && len(sel.GetTagMap()) == 0 {
		return invalidLifecycle("resourceSelection", "Select the resources by recipes or by tagMap.")
	}
	if len(sel.GetRecipes()) > 0 && len(sel.GetTagMap()) > 0 {
		return invalidLifecycle("resourceSelection", "Select the resources by recipes or by tagMap, not both.")
	}
	for i, r := range sel.GetRecipes() {
		if _, aerr := ParseSelector(r.GetSemanticVersion()); aerr != nil {
			return invalidLifecycle(fmt.Sprintf("resourceSelection.recipes[%d].semanticVersion", i), "%s", aerr.Message)
		}
	}
	roleARN, err := s.executionRole(ctx, c, "executionRole", rec.GetExecutionRole())
	if err != nil {
		return err
	}
	rec.ExecutionRole = ptr(roleARN)
	return nil
}

// executionRole resolves a lifecycle execution role named by name or ARN in
// the caller's account: it must exist, and the caller needs iam:PassRole on
// it for imagebuilder.amazonaws.com. It returns the role's ARN as given
// (AWS stores what the request said).
func (s *Service) executionRole(ctx context.Context, c *callctx.Call, member, role string) (string, error) {
	name := role
	if strings.HasPrefix(role, "arn:") {
		a, ok := authz.ParseARN(role)
		if !ok || a.Account != c.Account || !strings.HasPrefix(a.Resource, "role/") {
			return "", invalidLifecycle(member, "The role %s is not a role of account %s.", role, c.Account)
		}
		name = a.Resource[strings.LastIndex(a.Resource, "/")+1:]
	}
	roles, ok := s.profiles.(Roles)
	if !ok {
		return role, nil
	}
	roleARN, found, err := roles.RoleARN(ctx, c.Account, name)
	if err != nil {
		return "", storageError(err)
	}
	if !found {
		return "", invalidLifecycle(member, "The role %s does not exist.", role)
	}
	if authz.TargetFrom(ctx) == nil {
		return role, nil
	}
	err = authz.Check(ctx, authz.CheckRequest{
		Action: "iam:PassRole",
		ARN:    roleARN,
		Keys:   []authz.Key{{Name: "iam:PassedToService", Values: []string{"imagebuilder.amazonaws.com"}}},
	})
	if err != nil {
		return "", err
	}
	return roleARN, nil
}

// lifecycleStates maps the resource states StartResourceStateUpdate asks
// for to the Image Builder actions the execution role performs on the
// image: those AWS's EC2ImageBuilderLifecycleExecutionPolicy grants
// (imagebuilder:DeleteImage; the policy grants no imagebuilder:GetImage,
// so none is asked). The EC2 actions on the image's AMIs and snapshots
// (ec2:EnableImageDeprecation, ec2:DisableImage, ec2:DeregisterImage,
// ec2:DeleteSnapshot …) are not checked: the managed policy grants them on
// resources tagged CreatedBy EC2 Image Builder, a tag the emulated AMIs do
// not carry.
var lifecycleStates = map[string][]string{"AVAILABLE": nil, "DELETED": {"imagebuilder:DeleteImage"}, "DEPRECATED": nil, "DISABLED": nil}

// StartResourceStateUpdate starts a lifecycle execution that changes an
// image's state (AVAILABLE, DEPRECATED, DISABLED or DELETED), now or at
// updateAt. With an execution role the caller needs iam:PassRole on it for
// imagebuilder.amazonaws.com, and the role itself must be allowed to change
// the image (imagebuilder:DeleteImage for DELETED), decided as the role: a
// role with EC2ImageBuilderLifecycleExecutionPolicy attached suffices. The
// execution does not change the image yet: PENDING until updateAt, IN_PROGRESS for a
// moment of the service's clock, then SUCCESS with no resources impacted.
// Errors: InvalidRequestException, IdempotentParameterMismatchException,
// AccessDeniedException.
func (s *Service) StartResourceStateUpdate(ctx context.Context, req *ibv1.StartResourceStateUpdateRequest) (*ibv1.StartResourceStateUpdateResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	const member = "resourceArn"
	arn := req.GetResourceArn()
	r, aerr := parseARN(member, arn)
	if aerr != nil {
		return nil, aerr
	}
	if r.Type != "image" || r.Build == 0 {
		return nil, invalidLifecycle(member, "The ARN %s does not name an image build version.", arn)
	}
	state := req.GetState().GetStatus()
	actions, ok := lifecycleStates[state]
	if !ok {
		return nil, invalidLifecycle("state.status", "Use one of AVAILABLE, DELETED, DEPRECATED, DISABLED.")
	}
	if req.GetIncludeResources().GetContainers() {
		return nil, invalidLifecycle("includeResources.containers", "The resource %s is an AMI image; containers apply to container images.", arn)
	}
	if req.GetIncludeResources().GetSnapshots() && state != "DELETED" {
		return nil, invalidLifecycle("includeResources.snapshots", "Snapshots can only be included when the state is DELETED.")
	}
	start := c.Time
	if req.UpdateAt != nil {
		if at := req.GetUpdateAt().AsTime(); at.After(start) {
			start = at
		}
	}
	if req.ExecutionRole != nil {
		roleARN, err := s.executionRole(ctx, c, "executionRole", req.GetExecutionRole())
		if err != nil {
			return nil, err
		}
		if authz.TargetFrom(ctx) != nil && strings.HasPrefix(roleARN, "arn:") {
			as := rolePrincipal(roleARN, "EC2ImageBuilderLifecycleExecution", c.Time)
			for _, a := range actions {
				if err := authz.Check(ctx, authz.CheckRequest{Action: a, ARN: arn, As: &as}); err != nil {
					return nil, err
				}
			}
		}
	}
	id := "lce-" + newUUID()
	exec := &ibv1.LifecycleExecution{
		LifecycleExecutionId:     ptr(id),
		ResourcesImpactedSummary: &ibv1.LifecycleExecutionResourcesImpactedSummary{HasImpactedResources: ptr(false)},
		StartTime:                timestamppb.New(start),
	}
	var resp *ibv1.StartResourceStateUpdateResponse
	err := s.db.Update(ctx, func(tx *storage.Tx) error {
		var err error
		resp, err = idempotent(tx, scope(c), "StartResourceStateUpdate", req, c.Time, func() (*ibv1.StartResourceStateUpdateResponse, error) {
			if err := lifecycleExecutions.Insert(tx, scope(c), nameKey(id).Key(), exec); err != nil {
				return nil, err
			}
			if err := lifecycleExecutionsByResource.Put(tx, scope(c), storage.NewKey().String(arn).String(id).Key(), exec); err != nil {
				return nil, err
			}
			return &ibv1.StartResourceStateUpdateResponse{LifecycleExecutionId: ptr(id), ResourceArn: ptr(arn)}, nil
		})
		return err
	})
	if err != nil {
		return nil, storageError(err)
	}
	return resp, nil
}

// newUUID is a random version 4 UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// executionNow is an execution as of now: a stored record holds its start
// (and its end once cancelled); the states in between follow the clock.
func executionNow(e *ibv1.LifecycleExecution, now time.Time) *ibv1.LifecycleExecution {
	out := proto.Clone(e).(*ibv1.LifecycleExecution)
	if out.State != nil {
		return out // CANCELLED
	}
	start := e.GetStartTime().AsTime()
	switch {
	case now.Before(start):
		out.State = &ibv1.LifecycleExecutionState{Status: ptr("PENDING")}
	case now.Before(start.Add(lifecycleExecutionTime)):
		out.State = &ibv1.LifecycleExecutionState{Status: ptr("IN_PROGRESS")}
	default:
		out.State = &ibv1.LifecycleExecutionState{Status: ptr("SUCCESS"), Reason: ptr("No resources matched the lifecycle execution.")}
		out.EndTime = timestamppb.New(start.Add(lifecycleExecutionTime))
	}
	return out
}

func lifecycleExecutionNotFound(id string) error {
	return ibv1.ErrResourceNotFound("The lifecycle execution %s does not exist.", id)
}

// execution reads one of the caller's executions.
func (s *Service) execution(ctx context.Context, c *callctx.Call, id string) (*ibv1.LifecycleExecution, error) {
	var rec *ibv1.LifecycleExecution
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		var found bool
		var err error
		rec, found, err = lifecycleExecutions.Get(tx, scope(c), nameKey(id).Key())
		if err == nil && !found {
			err = lifecycleExecutionNotFound(id)
		}
		return err
	})
	if err != nil {
		return nil, storageError(err)
	}
	return executionNow(rec, c.Time), nil
}

// GetLifecycleExecution returns one of the caller's lifecycle executions.
// Errors: ResourceNotFoundException.
func (s *Service) GetLifecycleExecution(ctx context.Context, req *ibv1.GetLifecycleExecutionRequest) (*ibv1.GetLifecycleExecutionResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	e, err := s.execution(ctx, c, req.GetLifecycleExecutionId())
	if err != nil {
		return nil, err
	}
	return &ibv1.GetLifecycleExecutionResponse{LifecycleExecution: e}, nil
}

// ListLifecycleExecutionResources lists the resources an execution acts
// on: none until images exist. Errors: ResourceNotFoundException.
func (s *Service) ListLifecycleExecutionResources(ctx context.Context, req *ibv1.ListLifecycleExecutionResourcesRequest) (*ibv1.ListLifecycleExecutionResourcesResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	if _, aerr := parsePageToken("ListLifecycleExecutionResources/"+req.GetLifecycleExecutionId(), req.NextToken); aerr != nil {
		return nil, aerr
	}
	e, err := s.execution(ctx, c, req.GetLifecycleExecutionId())
	if err != nil {
		return nil, err
	}
	return &ibv1.ListLifecycleExecutionResourcesResponse{
		LifecycleExecutionId: e.LifecycleExecutionId, LifecycleExecutionState: e.State,
		Resources: []*ibv1.LifecycleExecutionResource{},
	}, nil
}

// ListLifecycleExecutions lists the caller's executions for an image or a
// lifecycle policy, by execution id. Errors: InvalidRequestException.
func (s *Service) ListLifecycleExecutions(ctx context.Context, req *ibv1.ListLifecycleExecutionsRequest) (*ibv1.ListLifecycleExecutionsResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	arn := req.GetResourceArn()
	r, aerr := parseARN("resourceArn", arn)
	if aerr != nil {
		return nil, aerr
	}
	if !slices.Contains([]string{"image", "lifecycle-policy"}, r.Type) {
		return nil, invalidLifecycle("resourceArn", "The ARN %s names neither an image nor a lifecycle policy.", arn)
	}
	prefix := storage.NewKey().String(arn).Key()
	pg, aerr := newPage("ListLifecycleExecutions/"+arn, prefix, req.MaxResults, req.NextToken)
	if aerr != nil {
		return nil, aerr
	}
	resp := &ibv1.ListLifecycleExecutionsResponse{}
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		var err error
		resp.LifecycleExecutions, resp.NextToken, err = collect(tx, lifecycleExecutionsByResource, scope(c), pg, nil,
			func(e *ibv1.LifecycleExecution) *ibv1.LifecycleExecution { return executionNow(e, c.Time) })
		return err
	})
	if err != nil {
		return nil, storageError(err)
	}
	return resp, nil
}

// CancelLifecycleExecution cancels a PENDING or IN_PROGRESS execution.
// Errors: ResourceNotFoundException, InvalidRequestException (it has
// already ended), IdempotentParameterMismatchException.
func (s *Service) CancelLifecycleExecution(ctx context.Context, req *ibv1.CancelLifecycleExecutionRequest) (*ibv1.CancelLifecycleExecutionResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	id := req.GetLifecycleExecutionId()
	var resp *ibv1.CancelLifecycleExecutionResponse
	err := s.db.Update(ctx, func(tx *storage.Tx) error {
		var err error
		resp, err = idempotent(tx, scope(c), "CancelLifecycleExecution", req, c.Time, func() (*ibv1.CancelLifecycleExecutionResponse, error) {
			rec, found, err := lifecycleExecutions.Get(tx, scope(c), nameKey(id).Key())
			if err != nil {
				return nil, err
			}
			if !found {
				return nil, lifecycleExecutionNotFound(id)
			}
			now := executionNow(rec, c.Time)
			if st := now.GetState().GetStatus(); st != "PENDING" && st != "IN_PROGRESS" {
				return nil, ibv1.ErrInvalidRequest("The lifecycle execution %s is %s; only a PENDING or IN_PROGRESS execution can be cancelled.", id, st)
			}
			rec.State = &ibv1.LifecycleExecutionState{Status: ptr("CANCELLED"), Reason: ptr("Cancelled by CancelLifecycleExecution.")}
			rec.EndTime = timestamppb.New(c.Time)
			if err := lifecycleExecutions.Put(tx, scope(c), nameKey(id).Key(), rec); err != nil {
				return nil, err
			}
			// The index entry, found by its id.
			var key []byte
			err = lifecycleExecutionsByResource.Scan(tx, scope(c), storage.ScanOptions{}, func(k []byte, e *ibv1.LifecycleExecution) (bool, error) {
				if e.GetLifecycleExecutionId() == id {
					key = append([]byte(nil), k...)
					return false, nil
				}
				return true, nil
			})
			if err != nil {
				return nil, err
			}
			if key != nil {
				if err := lifecycleExecutionsByResource.Put(tx, scope(c), key, rec); err != nil {
					return nil, err
				}
			}
			return &ibv1.CancelLifecycleExecutionResponse{LifecycleExecutionId: ptr(id)}, nil
		})
		return err
	})
	if err != nil {
		return nil, storageError(err)
	}
	return resp, nil
}
