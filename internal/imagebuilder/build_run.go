package imagebuilder

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/authz"
	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/iam/policy"
	"github.com/ibemu/ibemu/internal/storage"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// Enforcement lets a build make its checks through the enforcement layer
// after the call that started it has answered: Detached returns a context
// in which authz.Check decides as c.Principal and records under
// c.RequestID. The emulator wires authz.Enforcer.Detached; without it builds
// make no checks.
type Enforcement interface {
	Detached(ctx context.Context, c *callctx.Call) (context.Context, error)
}

// SetEnforcement wires the enforcement layer builds check through. The
// enforcer is made after the service (it needs the service's resolver), so
// it is set afterwards, before serving.
func (s *Service) SetEnforcement(e Enforcement) { s.enf = e }

// objectWriter is S3 as a build writes its logs: internal/s3 implements it
// (with Objects).
type objectWriter interface {
	PutObjectFor(ctx context.Context, bucket, key string, body []byte) error
}

// AdvanceBuilds runs every build step that is due on the service's clock:
// each build in progress whose next step's time has come takes it, then
// the next, until none is due. Tests move an injected clock and call it;
// StartBuildRunner calls it in the background. A step's checks fail the
// build (FAILED, with the denial as the reason); an internal error stops
// the pass and is returned, and the step is tried again next time.
func (s *Service) AdvanceBuilds(ctx context.Context) (err error) {
	s.advance.Lock()
	defer s.advance.Unlock()
	defer func() {
		// A defect in a step must not take the server down with it.
		if p := recover(); p != nil {
			err = awserr.Internal(fmt.Errorf("imagebuilder: build step panicked: %v", p))
		}
	}()
	for {
		now := s.now()
		var due []*buildState
		err := s.db.View(ctx, func(tx *storage.Tx) error {
			return inFlight.Scan(tx, inFlightScope, storage.ScanOptions{}, func(_ []byte, v *wrapperspb.BytesValue) (bool, error) {
				st, err := decodeBuild(v)
				if err != nil {
					return false, err
				}
				if !st.Waiting && !st.Due.After(now) {
					due = append(due, st)
				}
				return true, nil
			})
		})
		if err != nil || len(due) == 0 {
			return storageError(err)
		}
		for _, st := range due {
			if err := s.runStep(ctx, st); err != nil {
				return err
			}
		}
	}
}

// StartBuildRunner advances builds in the background every interval (a
// real-time ticker; whether a step is due is decided on the service's
// clock) and whenever a build starts. stop ends it and waits for it.
func (s *Service) StartBuildRunner(interval time.Duration) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			case <-s.wake:
			}
			_ = s.AdvanceBuilds(context.Background())
		}
	}()
	return func() { close(done); <-finished }
}

// wakeRunner nudges the background runner (a new or resumed build may be
// due at once with a zero build time).
func (s *Service) wakeRunner() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// stepOutcome is what a step did: a failure reason, or its effects on the
// image.
type stepOutcome struct {
	fail    string
	outputs *ibv1.OutputResources
	wait    bool
}

// runStep runs st's next step: its checks first (each in its own
// transactions, as the services checked run them), then, in one
// transaction, its effects on the image, its workflow and step executions
// and the build's state — unless the build was cancelled, deleted or
// advanced meanwhile.
func (s *Service) runStep(ctx context.Context, st *buildState) error {
	ps := st.Steps[st.Next]
	at, aerr := parseARN("arn", st.ImageARN)
	if aerr != nil {
		return aerr
	}
	sc := storage.Scope{Account: st.Account, Region: st.Region}
	key, err := imageKey(at)
	if err != nil {
		return err
	}
	var img *ibv1.Image
	err = s.db.View(ctx, func(tx *storage.Tx) error {
		img, _, err = images.Get(tx, sc, key)
		return err
	})
	if err != nil {
		return storageError(err)
	}
	if img == nil {
		return s.db.Update(ctx, func(tx *storage.Tx) error {
			_, err := inFlight.Delete(tx, inFlightScope, []byte(st.ImageARN))
			return err
		})
	}
	out, err := s.stepChecks(ctx, st, ps, img)
	if err != nil {
		return err
	}
	return storageError(s.db.Update(ctx, func(tx *storage.Tx) error {
		raw, found, err := inFlight.Get(tx, inFlightScope, []byte(st.ImageARN))
		if err != nil || !found {
			return err
		}
		cur, err := decodeBuild(raw)
		if err != nil || cur.Next != st.Next || cur.Waiting {
			return err
		}
		return s.applyStep(tx, sc, key, cur, ps, out)
	}))
}

// applyStep writes a step's effects.
func (s *Service) applyStep(tx *storage.Tx, sc storage.Scope, key []byte, st *buildState, ps plannedStep, out stepOutcome) error {
	img, found, err := images.Get(tx, sc, key)
	if err != nil || !found {
		return err
	}
	when := timestamp(st.Due)
	status := map[string]string{"BUILD": "BUILDING", "TEST": "TESTING", "DISTRIBUTION": "DISTRIBUTING"}[ps.WorkflowTy]
	switch ps.Action {
	case "Start":
		status = "CREATING"
	case "Integrate":
		status = "INTEGRATING"
	case "Finish":
		status = "AVAILABLE"
	}
	if out.outputs != nil {
		img.OutputResources = out.outputs
	}
	if ps.Workflow != "" {
		if err := s.applyWorkflowStep(tx, sc, ps, out, when); err != nil {
			return err
		}
	}
	if out.fail != "" {
		status = "FAILED"
		if err := skipRest(tx, sc, st, when); err != nil {
			return err
		}
	}
	img.State = &ibv1.ImageState{Status: ptr(status)}
	if out.fail != "" {
		img.State.Reason = ptr(truncate(out.fail, 1024))
	} else if status == "AVAILABLE" {
		if err := recordFindings(tx, sc, img, st.Due); err != nil {
			return err
		}
	}
	if err := images.Put(tx, sc, key, img); err != nil {
		return err
	}
	change := BuildStateChange{Status: status, Time: st.Due, Reason: img.GetState().GetReason()}
	if ps.Workflow != "" {
		change.Step = ps.Action
	}
	if err := appendBuildState(tx, sc, st.RequestID, st.ImageARN, st.Pipeline, change); err != nil {
		return err
	}
	switch {
	case out.wait:
		st.Waiting = true
	case out.fail != "" || ps.Action == "Finish":
		if _, err := inFlight.Delete(tx, inFlightScope, []byte(st.ImageARN)); err != nil {
			return err
		}
		if out.fail != "" {
			// RetryImage resumes a failed build from the step that failed.
			return retryable.Put(tx, inFlightScope, []byte(st.ImageARN), st.encode())
		}
		return nil
	default:
		st.Next++
		st.Due = st.Due.Add(st.Tick)
	}
	return inFlight.Put(tx, inFlightScope, []byte(st.ImageARN), st.encode())
}

// applyWorkflowStep records a workflow step's outcome on its step execution
// and workflow execution.
func (s *Service) applyWorkflowStep(tx *storage.Tx, sc storage.Scope, ps plannedStep, out stepOutcome, when string) error {
	skey := storage.NewKey().String(ps.Workflow).Uint32(ps.Ordinal).Key()
	step, found, err := stepExecutions.Get(tx, sc, skey)
	if err != nil || !found {
		return err
	}
	wf, found, err := workflowExecutions.Get(tx, sc, nameKey(ps.Workflow).Key())
	if err != nil || !found {
		return err
	}
	if step.StartTime == nil {
		step.StartTime = ptr(when)
	}
	if wf.StartTime == nil {
		wf.StartTime = ptr(when)
	}
	wf.Status = ptr("RUNNING")
	switch {
	case out.wait:
		step.Status = ptr("RUNNING")
		step.Message = ptr("Waiting for an action: SendWorkflowStepAction with RESUME or STOP.")
		waiting := &ibv1.WorkflowStepExecution{StepExecutionId: step.StepExecutionId, ImageBuildVersionArn: step.ImageBuildVersionArn,
			WorkflowExecutionId: step.WorkflowExecutionId, WorkflowBuildVersionArn: step.WorkflowBuildVersionArn, Name: step.Name, Action: step.Action, StartTime: step.StartTime}
		if err := waitingSteps.Put(tx, sc, nameKey(ps.StepID).Key(), waiting); err != nil {
			return err
		}
	case out.fail != "":
		step.Status, step.Message, step.EndTime = ptr("FAILED"), ptr(truncate(out.fail, 500)), ptr(when)
		wf.Status, wf.Message, wf.EndTime = ptr("FAILED"), ptr(truncate(out.fail, 500)), ptr(when)
		wf.TotalStepsFailed = ptr(wf.GetTotalStepsFailed() + 1)
	default:
		step.Status, step.EndTime = ptr("COMPLETED"), ptr(when)
		step.Message = ptr("Step completed.")
		wf.TotalStepsSucceeded = ptr(wf.GetTotalStepsSucceeded() + 1)
		if wf.GetTotalStepsSucceeded()+wf.GetTotalStepsSkipped() == wf.GetTotalStepCount() {
			wf.Status, wf.EndTime = ptr("COMPLETED"), ptr(when)
		}
	}
	if err := stepExecutions.Put(tx, sc, skey, step); err != nil {
		return err
	}
	return workflowExecutions.Put(tx, sc, nameKey(ps.Workflow).Key(), wf)
}

// skipRest marks the steps after st.Next (and their workflows, when none
// of their steps ran) as skipped: a failed or cancelled build runs no more.
func skipRest(tx *storage.Tx, sc storage.Scope, st *buildState, when string) error {
	return endRest(tx, sc, st, st.Next+1, "SKIPPED", when)
}

// endRest ends the steps from index from on with status.
func endRest(tx *storage.Tx, sc storage.Scope, st *buildState, from int, status, when string) error {
	for _, ps := range st.Steps[from:] {
		if ps.Workflow == "" {
			continue
		}
		skey := storage.NewKey().String(ps.Workflow).Uint32(ps.Ordinal).Key()
		step, found, err := stepExecutions.Get(tx, sc, skey)
		if err != nil || !found {
			return err
		}
		if step.GetStatus() != "PENDING" && step.GetStatus() != "RUNNING" {
			continue
		}
		step.Status = ptr(status)
		if err := stepExecutions.Put(tx, sc, skey, step); err != nil {
			return err
		}
		wf, found, err := workflowExecutions.Get(tx, sc, nameKey(ps.Workflow).Key())
		if err != nil || !found {
			return err
		}
		if status == "SKIPPED" {
			wf.TotalStepsSkipped = ptr(wf.GetTotalStepsSkipped() + 1)
		}
		switch wf.GetStatus() {
		case "PENDING":
			wf.Status = ptr(status)
		case "RUNNING":
			if status == "CANCELLED" {
				wf.Status, wf.EndTime = ptr(status), ptr(when)
			}
		}
		if err := workflowExecutions.Put(tx, sc, nameKey(ps.Workflow).Key(), wf); err != nil {
			return err
		}
	}
	return nil
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}

// stepChecks makes the calls a step makes on AWS, as whom AWS makes them.
// A denial or a missing resource fails the build (the outcome's reason);
// an internal error is returned.
func (s *Service) stepChecks(ctx context.Context, st *buildState, ps plannedStep, img *ibv1.Image) (stepOutcome, error) {
	var out stepOutcome
	b := &builder{s: s, ctx: ctx, st: st, img: img}
	var err error
	switch ps.Action {
	case "LaunchInstance":
		err = b.launch()
	case "ExecuteComponents":
		if ps.WorkflowTy == "TEST" {
			err = b.writeLog("test")
		} else {
			err = b.components()
		}
	case "DistributeImage":
		out.outputs, err = b.distribute()
	case "WaitForAction":
		out.wait = true
	case "Finish":
		if img.OutputResources == nil {
			out.outputs = b.outputs(nil)
		}
	}
	var f *buildFailure
	if errors.As(err, &f) {
		out.fail = f.reason
		return out, nil
	}
	return out, err
}

// buildFailure fails a build with reason.
type buildFailure struct{ reason string }

func (f *buildFailure) Error() string { return f.reason }

// builder makes one step's checks.
type builder struct {
	s   *Service
	ctx context.Context
	st  *buildState
	img *ibv1.Image
}

// as is a context whose checks are decided as p in account and region,
// recorded under the build's request id.
func (b *builder) as(p auth.Principal, account, region string) (context.Context, error) {
	op := b.st.Operation
	if op == "" {
		op = "CreateImage" // a build started before operations were recorded
	}
	c := &callctx.Call{RequestID: b.st.RequestID, Service: "imagebuilder", Operation: op, Region: region, Account: account, Principal: p, Time: b.st.Due, Transport: "build"}
	return b.s.enf.Detached(b.ctx, c)
}

// rolePrincipal is a session of roleARN (arn:aws:iam::ACCOUNT:role/PATH/NAME)
// named session, as the build's calls are signed with it.
func rolePrincipal(roleARN, session string, at time.Time) auth.Principal {
	a, _ := authz.ParseARN(roleARN)
	name := roleARN[strings.LastIndex(roleARN, "/")+1:]
	return auth.Principal{
		Kind: auth.PrincipalAssumedRole, AccountID: a.Account,
		ARN:    fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", a.Account, name, session),
		UserID: "AROA" + strings.ToUpper(hexID(roleARN)[:17]) + ":" + session, Name: name, SessionName: session,
		Session: &auth.Session{Kind: auth.SessionAssumeRole, Issued: at, Expires: at.Add(6 * time.Hour), RoleARN: roleARN},
	}
}

// check decides one call in ctx; a denial fails the build with what,
// naming the principal, the action and the resource.
func check(ctx context.Context, what string, r authz.CheckRequest) error {
	err := authz.Check(ctx, r)
	if err == nil {
		return nil
	}
	var e *awserr.Error
	if errors.As(err, &e) && e.HTTPStatus < 500 {
		return &buildFailure{reason: what + ": " + e.Message}
	}
	return err
}

func (b *builder) instanceRole() (context.Context, error) {
	if b.st.RoleARN == "" {
		return nil, &buildFailure{reason: fmt.Sprintf("The instance profile %s of the infrastructure configuration %s does not exist or holds no role; the build instance cannot start.",
			b.img.GetInfrastructureConfiguration().GetInstanceProfileName(), b.img.GetInfrastructureConfiguration().GetArn())}
	}
	return b.as(rolePrincipal(b.st.RoleARN, b.st.InstanceID, b.st.Due), b.st.Account, b.st.Region)
}

// ServiceTrust is IAM as a build reads an execution role: whether the
// role's trust policy lets the AWS service principal service call
// sts:AssumeRole (found false when there is no such role). internal/iam
// implements it.
type ServiceTrust interface {
	RoleTrustsService(ctx context.Context, roleARN, service string) (trusted, found bool, err error)
}

// serviceRole is the principal the image workflows' service-side calls are
// made as: the build's execution role when it has one, which Image Builder
// (imagebuilder.amazonaws.com) must be able to assume — its trust policy
// decides sts:AssumeRole, and a role that does not trust Image Builder
// fails the build — otherwise the service-linked role
// AWSServiceRoleForImageBuilder (AWS User Guide, "Configure IAM roles for
// image workflows": the execution role replaces the service-linked role
// for workflow actions).
func (b *builder) serviceRole() (context.Context, error) {
	if role := b.st.ExecRole; role != "" {
		if trust, ok := b.s.profiles.(ServiceTrust); ok {
			trusted, found, err := trust.RoleTrustsService(b.ctx, role, imageBuilderPrincipal)
			if err != nil {
				return nil, err
			}
			switch {
			case !found:
				return nil, &buildFailure{reason: fmt.Sprintf("Image Builder could not assume the execution role %s: the role does not exist.", role)}
			case !trusted:
				return nil, &buildFailure{reason: fmt.Sprintf("Image Builder (%s) is not allowed to perform sts:AssumeRole on the execution role %s: the role's trust policy does not trust %s.", imageBuilderPrincipal, role, imageBuilderPrincipal)}
			}
		}
		return b.as(rolePrincipal(role, "ImageBuilderWorkflow", b.st.Due), b.st.Account, b.st.Region)
	}
	arn := fmt.Sprintf("arn:aws:iam::%s:role/aws-service-role/%s/AWSServiceRoleForImageBuilder", b.st.Account, imageBuilderService)
	return b.as(rolePrincipal(arn, "ImageBuilder", b.st.Due), b.st.Account, b.st.Region)
}

// launch starts the build instance as the service-linked role and checks
// that the SSM agent on it can reach Systems Manager as the instance role
// (the calls AmazonSSMManagedInstanceCore allows): without them Image
// Builder never sees the instance and the build fails.
func (b *builder) launch() error {
	if b.s.enf == nil {
		return nil
	}
	slr, err := b.serviceRole()
	if err != nil {
		return err
	}
	ami := "arn:aws:ec2:" + b.st.Region + "::image/" + b.parentAMI()
	if err := check(slr, "Image Builder could not launch the build instance", authz.CheckRequest{Action: "ec2:RunInstances", ARN: ami}); err != nil {
		return err
	}
	role, err := b.instanceRole()
	if err != nil {
		return err
	}
	what := fmt.Sprintf("The SSM agent on the build instance %s could not reach Systems Manager as its instance profile role %s (the role needs AmazonSSMManagedInstanceCore)", b.st.InstanceID, b.st.RoleARN)
	for _, action := range []string{"ssm:UpdateInstanceInformation", "ssmmessages:CreateControlChannel", "ec2messages:GetMessages"} {
		if err := check(role, what, authz.CheckRequest{Action: action}); err != nil {
			return err
		}
	}
	return nil
}

// parentAMI is the id of the AMI the build instance starts from.
func (b *builder) parentAMI() string {
	parent := b.img.GetImageRecipe().GetParentImage()
	if amiID.MatchString(parent) {
		return parent
	}
	return "ami-" + hexID(parent)[:17]
}

// components runs the build components as the instance role: each is read
// (imagebuilder:GetComponent, and kms:Decrypt through Image Builder for one
// encrypted under a customer managed key), a container image is pushed
// (the ECR calls of EC2InstanceProfileForImageBuilderECRContainerBuilds),
// and the log is written to the logging bucket (s3:PutObject).
func (b *builder) components() error {
	if b.s.enf == nil {
		return nil
	}
	role, err := b.instanceRole()
	if err != nil {
		return err
	}
	var cfgs []*ibv1.ComponentConfiguration
	if r := b.img.GetImageRecipe(); r != nil {
		cfgs = r.GetComponents()
	} else {
		cfgs = b.img.GetContainerRecipe().GetComponents()
	}
	what := fmt.Sprintf("The build instance %s could not run its components as its instance profile role %s", b.st.InstanceID, b.st.RoleARN)
	for _, cfg := range cfgs {
		arn := cfg.GetComponentArn()
		if err := check(role, what, authz.CheckRequest{Action: "imagebuilder:GetComponent", ARN: arn}); err != nil {
			return err
		}
		if err := b.decryptComponent(role, what, arn); err != nil {
			return err
		}
	}
	if r := b.img.GetContainerRecipe(); r != nil {
		repo := fmt.Sprintf("arn:aws:ecr:%s:%s:repository/%s", b.st.Region, b.st.Account, r.GetTargetRepository().GetRepositoryName())
		if err := check(role, what, authz.CheckRequest{Action: "ecr:GetAuthorizationToken"}); err != nil {
			return err
		}
		for _, action := range []string{"ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage"} {
			if err := check(role, what, authz.CheckRequest{Action: action, ARN: repo}); err != nil {
				return err
			}
		}
	}
	return b.writeLog("build")
}

// decryptComponent decides kms:Decrypt as the role for a component
// encrypted under a customer managed key.
func (b *builder) decryptComponent(role context.Context, what, arn string) error {
	c := callctx.From(role)
	res, err := b.s.resolveARN(role, c, "componentArn", arn)
	if err != nil {
		return &buildFailure{reason: what + ": " + err.Error()}
	}
	l, _ := res.Record.(*located)
	if l == nil || l.component.GetKmsKeyId() == "" || b.s.keys == nil {
		return nil
	}
	keyARN, _, err := b.s.keys.DescribeKeyFor(role, l.component.GetKmsKeyId())
	if err != nil {
		return &buildFailure{reason: fmt.Sprintf("%s: the KMS key %s of the component %s cannot be used: %v", what, l.component.GetKmsKeyId(), arn, err)}
	}
	return check(role, what, authz.CheckRequest{Action: "kms:Decrypt", ARN: keyARN, Via: []string{imageBuilderService}, Keys: []authz.Key{
		{Name: "kms:EncryptionContextKeys", Values: []string{"aws:imagebuilder:arn"}},
		{Name: "kms:ViaService", Values: []string{"imagebuilder." + b.st.Region + ".amazonaws.com"}},
		{Name: "kms:CallerAccount", Values: []string{b.st.Account}},
	}})
}

// writeLog writes a phase's log to the infrastructure configuration's S3
// logging bucket as the instance role, as the build instance does.
func (b *builder) writeLog(phase string) error {
	logs := b.img.GetInfrastructureConfiguration().GetLogging().GetS3Logs()
	w, ok := b.s.objects.(objectWriter)
	if logs == nil || !ok || b.s.enf == nil {
		return nil
	}
	role, err := b.instanceRole()
	if err != nil {
		return err
	}
	at, _ := parseARN("arn", b.st.ImageARN)
	key := fmt.Sprintf("%s/%s/%d/%s/application.log", at.Name, at.Version, at.Build, phase)
	if p := strings.Trim(logs.GetS3KeyPrefix(), "/"); p != "" {
		key = p + "/" + key
	}
	body := fmt.Sprintf("%s %s phase of %s on %s completed.\n", timestamp(b.st.Due), phase, b.st.ImageARN, b.st.InstanceID)
	err = w.PutObjectFor(role, logs.GetS3BucketName(), key, []byte(body))
	var e *awserr.Error
	if errors.As(err, &e) && e.HTTPStatus < 500 {
		return &buildFailure{reason: fmt.Sprintf("The build instance %s could not write its log to s3://%s/%s as its instance profile role %s: %s", b.st.InstanceID, logs.GetS3BucketName(), key, b.st.RoleARN, e.Message)}
	}
	return err
}

// crossAccountRole is the role Image Builder assumes in each target account
// of a distribution (EC2ImageBuilderDistributionCrossAccountRole, with
// Ec2ImageBuilderCrossAccountDistributionAccess attached, trusting the
// source account).
const crossAccountRole = "EC2ImageBuilderDistributionCrossAccountRole"

// distribute copies the image to each region and account of the
// distribution configuration: an AMI encrypted under a customer managed
// key needs the caller's KMS permissions through EC2 (forward access:
// kms:CreateGrant, kms:GenerateDataKeyWithoutPlaintext, kms:DescribeKey
// with kms:ViaService ec2.REGION.amazonaws.com); each other target account
// needs its distribution role, which the service-linked role assumes
// (sts:AssumeRole, against the role's trust policy) and which must be
// allowed ec2:CopyImage there.
func (b *builder) distribute() (*ibv1.OutputResources, error) {
	dists := b.img.GetDistributionConfiguration().GetDistributions()
	if b.s.enf != nil {
		for _, d := range dists {
			if err := b.distributeTo(d); err != nil {
				return nil, err
			}
		}
	}
	return b.outputs(dists), nil
}

func (b *builder) distributeTo(d *ibv1.Distribution) error {
	region := d.GetRegion()
	ami := d.GetAmiDistributionConfiguration()
	if id := ami.GetKmsKeyId(); id != "" && b.s.keys != nil {
		caller, err := b.as(b.st.Caller, b.st.Account, region)
		if err != nil {
			return err
		}
		what := fmt.Sprintf("Image Builder could not encrypt the AMI in %s with the KMS key %s on behalf of %s", region, id, b.st.Caller.ARN)
		keyARN, _, err := b.s.keys.DescribeKeyFor(caller, id)
		if err != nil {
			var e *awserr.Error
			if errors.As(err, &e) && e.HTTPStatus < 500 {
				return &buildFailure{reason: what + ": " + e.Code + ": " + e.Message}
			}
			return err
		}
		via := []authz.Key{
			{Name: "kms:ViaService", Values: []string{"ec2." + region + ".amazonaws.com"}},
			{Name: "kms:CallerAccount", Values: []string{b.st.Account}},
		}
		for _, r := range []authz.CheckRequest{
			{Action: "kms:DescribeKey"},
			{Action: "kms:GenerateDataKeyWithoutPlaintext", Keys: []authz.Key{{Name: "kms:EncryptionContextKeys", Values: []string{"aws:ebs:id"}}}},
			{Action: "kms:CreateGrant", Keys: []authz.Key{{Name: "kms:GrantIsForAWSResource", Type: policy.TypeBoolean, Values: []string{"true"}}}},
		} {
			r.ARN, r.Via, r.Keys = keyARN, []string{imageBuilderService, "ec2.amazonaws.com"}, append(r.Keys, via...)
			if err := check(caller, what, r); err != nil {
				return err
			}
		}
	}
	for _, target := range ami.GetTargetAccountIds() {
		if target == b.st.Account {
			continue
		}
		slr, err := b.serviceRole()
		if err != nil {
			return err
		}
		roleARN := fmt.Sprintf("arn:aws:iam::%s:role/%s", target, crossAccountRole)
		what := fmt.Sprintf("Image Builder could not distribute the AMI to account %s: the role %s must exist there and trust account %s", target, roleARN, b.st.Account)
		if err := check(slr, what, authz.CheckRequest{Action: "sts:AssumeRole", ARN: roleARN}); err != nil {
			return err
		}
		dist, err := b.as(rolePrincipal(roleARN, "ImageBuilderDistribution", b.st.Due), target, region)
		if err != nil {
			return err
		}
		what = fmt.Sprintf("Image Builder could not copy the AMI into account %s as %s", target, roleARN)
		if err := check(dist, what, authz.CheckRequest{Action: "ec2:CopyImage", ARN: "arn:aws:ec2:" + region + "::image/*"}); err != nil {
			return err
		}
	}
	return nil
}

// outputs are the AMIs (or container images) a build produced: one per
// distribution region and target account, or one in the build's region.
func (b *builder) outputs(dists []*ibv1.Distribution) *ibv1.OutputResources {
	if len(dists) == 0 {
		dists = []*ibv1.Distribution{{Region: ptr(b.st.Region)}}
	}
	at, _ := parseARN("arn", b.st.ImageARN)
	out := &ibv1.OutputResources{}
	if r := b.img.GetContainerRecipe(); r != nil {
		for _, d := range dists {
			repo := r.GetTargetRepository().GetRepositoryName()
			if cd := d.GetContainerDistributionConfiguration(); cd != nil && cd.GetTargetRepository() != nil {
				repo = cd.GetTargetRepository().GetRepositoryName()
			}
			out.Containers = append(out.Containers, &ibv1.Container{Region: d.Region,
				ImageUris: []string{fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com/%s:%s-%d", b.st.Account, d.GetRegion(), repo, at.Version, at.Build)}})
		}
		return out
	}
	for _, d := range dists {
		ami := d.GetAmiDistributionConfiguration()
		built, err := time.Parse("2006-01-02T15:04:05.000Z", b.img.GetDateCreated())
		if err != nil {
			built = b.st.Due
		}
		name := expandAMIName(ami.GetName(), built, at.Build)
		if name == "" {
			name = fmt.Sprintf("%s %s-%d", b.img.GetName(), at.Version, at.Build)
		}
		accounts := []string{b.st.Account}
		for _, t := range ami.GetTargetAccountIds() {
			if t != b.st.Account {
				accounts = append(accounts, t)
			}
		}
		for _, acct := range accounts {
			out.Amis = append(out.Amis, &ibv1.Ami{
				Region: d.Region, Image: ptr("ami-" + hexID(b.st.ImageARN, d.GetRegion(), acct)[:17]), Name: ptr(name),
				Description: optional(ami.GetDescription()), State: &ibv1.ImageState{Status: ptr("AVAILABLE")}, AccountId: ptr(acct),
			})
		}
	}
	return out
}

// cloneImage copies an image record for an answer.
func cloneImage(img *ibv1.Image) *ibv1.Image { return proto.Clone(img).(*ibv1.Image) }
