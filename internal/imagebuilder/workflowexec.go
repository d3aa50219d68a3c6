package imagebuilder

import (
	"context"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/ibemu/ibemu/internal/storage"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// Workflow executions and step executions: the records builds produce
// (build.go, build_run.go), in the image owner's scope, found by their ids.

// waitingSteps indexes the WaitForAction steps waiting for
// SendWorkflowStepAction, in the image owner's scope: step id → step.
var waitingSteps = storage.NewTable[*ibv1.WorkflowStepExecution]("imagebuilder.waiting-steps")

func executionNotFound(id string) error {
	return ibv1.ErrResourceNotFound("The workflow execution %s does not exist.", id)
}

func stepNotFound(id string) error {
	return ibv1.ErrResourceNotFound("The workflow step execution %s does not exist.", id)
}

// GetWorkflowExecution returns a workflow execution of one of the caller's
// builds. Errors: ResourceNotFoundException.
func (s *Service) GetWorkflowExecution(ctx context.Context, req *ibv1.GetWorkflowExecutionRequest) (*ibv1.GetWorkflowExecutionResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	var out *ibv1.GetWorkflowExecutionResponse
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		var found bool
		var err error
		out, found, err = workflowExecutions.Get(tx, scope(c), nameKey(req.GetWorkflowExecutionId()).Key())
		if err == nil && !found {
			err = executionNotFound(req.GetWorkflowExecutionId())
		}
		return err
	})
	if err != nil {
		return nil, storageError(err)
	}
	return out, nil
}

// ListWorkflowExecutions lists an image build's workflow executions in the
// order they run. Errors: ResourceNotFoundException,
// InvalidPaginationTokenException.
func (s *Service) ListWorkflowExecutions(ctx context.Context, req *ibv1.ListWorkflowExecutionsRequest) (*ibv1.ListWorkflowExecutionsResponse, error) {
	_, l, err := s.findImage(ctx, "imagebuilder:ListWorkflowExecutions", "imageBuildVersionArn", req.GetImageBuildVersionArn())
	if err != nil {
		return nil, err
	}
	arn := l.at.String()
	pg, aerr := newPage("ListWorkflowExecutions/"+arn, nameKey(arn).Key(), req.MaxResults, req.NextToken)
	if aerr != nil {
		return nil, aerr
	}
	var out []*ibv1.WorkflowExecutionMetadata
	var next *string
	err = s.db.View(ctx, func(tx *storage.Tx) error {
		var err error
		out, next, err = collect(tx, imageWorkflows, l.scope(), pg, nil, func(id *wrapperspb.StringValue) *ibv1.WorkflowExecutionMetadata {
			wf, _, gerr := workflowExecutions.Get(tx, l.scope(), nameKey(id.GetValue()).Key())
			if gerr != nil {
				err = gerr
			}
			m := &ibv1.WorkflowExecutionMetadata{}
			copyFields(m, wf)
			return m
		})
		return err
	})
	if err != nil {
		return nil, storageError(err)
	}
	return &ibv1.ListWorkflowExecutionsResponse{WorkflowExecutions: out, ImageBuildVersionArn: ptr(arn), NextToken: next}, nil
}

// ListWorkflowStepExecutions lists a workflow execution's steps in order.
// Errors: ResourceNotFoundException, InvalidPaginationTokenException.
func (s *Service) ListWorkflowStepExecutions(ctx context.Context, req *ibv1.ListWorkflowStepExecutionsRequest) (*ibv1.ListWorkflowStepExecutionsResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	id := req.GetWorkflowExecutionId()
	pg, aerr := newPage("ListWorkflowStepExecutions/"+id, nameKey(id).Key(), req.MaxResults, req.NextToken)
	if aerr != nil {
		return nil, aerr
	}
	resp := &ibv1.ListWorkflowStepExecutionsResponse{}
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		wf, found, err := workflowExecutions.Get(tx, scope(c), nameKey(id).Key())
		if err != nil || !found {
			if err == nil {
				err = executionNotFound(id)
			}
			return err
		}
		resp.WorkflowBuildVersionArn, resp.WorkflowExecutionId, resp.ImageBuildVersionArn, resp.Message = wf.WorkflowBuildVersionArn, wf.WorkflowExecutionId, wf.ImageBuildVersionArn, wf.Message
		resp.Steps, resp.NextToken, err = collect(tx, stepExecutions, scope(c), pg, nil, func(step *ibv1.GetWorkflowStepExecutionResponse) *ibv1.WorkflowStepMetadata {
			m := &ibv1.WorkflowStepMetadata{}
			copyFields(m, step)
			return m
		})
		return err
	})
	if err != nil {
		return nil, storageError(err)
	}
	return resp, nil
}

// GetWorkflowStepExecution returns a step execution of one of the caller's
// builds. Errors: ResourceNotFoundException.
func (s *Service) GetWorkflowStepExecution(ctx context.Context, req *ibv1.GetWorkflowStepExecutionRequest) (*ibv1.GetWorkflowStepExecutionResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	var out *ibv1.GetWorkflowStepExecutionResponse
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		key, found, err := stepIndex.Get(tx, scope(c), nameKey(req.GetStepExecutionId()).Key())
		if err == nil && found {
			out, found, err = stepExecutions.Get(tx, scope(c), key.GetValue())
		}
		if err == nil && !found {
			err = stepNotFound(req.GetStepExecutionId())
		}
		return err
	})
	if err != nil {
		return nil, storageError(err)
	}
	return out, nil
}

// ListWaitingWorkflowSteps lists the caller's WaitForAction steps waiting
// for SendWorkflowStepAction; [] when none waits.
func (s *Service) ListWaitingWorkflowSteps(ctx context.Context, req *ibv1.ListWaitingWorkflowStepsRequest) (*ibv1.ListWaitingWorkflowStepsResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	pg, aerr := newPage("ListWaitingWorkflowSteps", nil, req.MaxResults, req.NextToken)
	if aerr != nil {
		return nil, aerr
	}
	resp := &ibv1.ListWaitingWorkflowStepsResponse{}
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		var err error
		resp.Steps, resp.NextToken, err = collect(tx, waitingSteps, scope(c), pg, nil, same[*ibv1.WorkflowStepExecution])
		return err
	})
	if err != nil {
		return nil, storageError(err)
	}
	return resp, nil
}

// SendWorkflowStepAction answers a waiting WaitForAction step: RESUME
// completes it and the build continues; STOP fails it, and the build, with
// the reason given. Errors: ResourceNotFoundException (no such step of
// that image), InvalidRequestException (the step is not waiting),
// IdempotentParameterMismatchException.
func (s *Service) SendWorkflowStepAction(ctx context.Context, req *ibv1.SendWorkflowStepActionRequest) (*ibv1.SendWorkflowStepActionResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	_, l, err := s.findImage(ctx, "imagebuilder:SendWorkflowStepAction", "imageBuildVersionArn", req.GetImageBuildVersionArn())
	if err != nil {
		return nil, err
	}
	sc, arn, stepID := l.scope(), l.at.String(), req.GetStepExecutionId()
	key, err := imageKey(l.at)
	if err != nil {
		return nil, err
	}
	var resp *ibv1.SendWorkflowStepActionResponse
	err = s.db.Update(ctx, func(tx *storage.Tx) error {
		var err error
		resp, err = idempotent(tx, sc, "SendWorkflowStepAction", req, c.Time, func() (*ibv1.SendWorkflowStepActionResponse, error) {
			step, found, err := waitingSteps.Get(tx, sc, nameKey(stepID).Key())
			if err != nil {
				return nil, err
			}
			raw, busy, err := inFlight.Get(tx, inFlightScope, []byte(arn))
			if err != nil {
				return nil, err
			}
			if !found || step.GetImageBuildVersionArn() != arn || !busy {
				if _, known, err := stepIndex.Get(tx, sc, nameKey(stepID).Key()); err != nil || !known {
					if err == nil {
						err = stepNotFound(stepID)
					}
					return nil, err
				}
				return nil, ibv1.ErrInvalidRequest("The workflow step execution %s of %s is not waiting for an action.", stepID, arn)
			}
			st, err := decodeBuild(raw)
			if err != nil {
				return nil, err
			}
			var out stepOutcome
			if req.GetAction() == "STOP" {
				out.fail = "The step " + step.GetName() + " was stopped (SendWorkflowStepAction STOP)"
				if r := req.GetReason(); r != "" {
					out.fail += ": " + r
				}
			}
			if _, err := waitingSteps.Delete(tx, sc, nameKey(stepID).Key()); err != nil {
				return nil, err
			}
			st.Waiting, st.Due = false, c.Time
			if err := s.applyStep(tx, sc, key, st, st.Steps[st.Next], out); err != nil {
				return nil, err
			}
			return &ibv1.SendWorkflowStepActionResponse{StepExecutionId: ptr(stepID), ImageBuildVersionArn: ptr(arn), ClientToken: req.ClientToken}, nil
		})
		return err
	})
	if err != nil {
		return nil, storageError(err)
	}
	s.wakeRunner()
	return resp, nil
}

// dropWaiting removes a build's waiting step, if any, from the index.
func dropWaiting(tx *storage.Tx, sc storage.Scope, st *buildState) error {
	if st.Next >= len(st.Steps) || st.Steps[st.Next].StepID == "" {
		return nil
	}
	_, err := waitingSteps.Delete(tx, sc, nameKey(st.Steps[st.Next].StepID).Key())
	return err
}
