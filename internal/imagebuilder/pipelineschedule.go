package imagebuilder

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/storage"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// Scheduled pipeline executions.
//
// An enabled pipeline with a schedule expression has a dateNextRun. The
// emulator's background loop (and tests, which move the injected clock)
// call RunDueSchedules(now); each pipeline whose dateNextRun is at or
// before now is evaluated once:
//
//   - EXPRESSION_MATCH_ONLY starts a build;
//     EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE starts one only when
//     the pipeline's dependencies resolve to something else than when it
//     last started a build (a newer recipe version matching the pipeline's
//     selector, a newer component build matching a recipe's selector, a
//     newer parent image matching its selector), or it never built;
//   - an autoDisablePolicy disables the pipeline instead once its latest
//     images are failureCount consecutive failures;
//   - dateNextRun moves to the first match after now: runs missed while
//     the emulator was down are not caught up one by one, the pipeline runs
//     once, as AWS's scheduler evaluates a schedule when it is due.
//
// Who runs it: Image Builder itself. The build is started in the
// pipeline's owner account as the pipeline's executionRole when it has one,
// otherwise as the service-linked role AWSServiceRoleForImageBuilder, the
// principals AWS uses for a pipeline's own actions (user guide, "Use the
// IAM service-linked role for Image Builder" and the executionRole member);
// the build then acts as its instance profile's role as on demand.
//
// Restarts: the decision and the new dateNextRun are written after the
// build started, and before a due pipeline is run the images it already
// has are consulted: an image created at or after the due time means the
// run happened (the emulator stopped before recording it), so the schedule
// only moves on. A due execution is thus neither lost nor run twice.

// serviceLinkedRole is the role Image Builder acts as for a pipeline
// without an execution role.
const serviceLinkedRole = "AWSServiceRoleForImageBuilder"

// RunDueSchedules evaluates every enabled pipeline, in every account and
// region, whose schedule is due at now, and returns how many builds it
// started. Errors of one pipeline's build are recorded on the pipeline
// (lastRunStatus FAILED) and do not stop the others.
func (s *Service) RunDueSchedules(ctx context.Context, now time.Time) (int, error) {
	type due struct {
		sc   storage.Scope
		name string
	}
	var dues []due
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		return storage.Accounts(tx, func(account string) (bool, error) {
			err := storage.Regions(tx, account, func(region string) (bool, error) {
				sc := storage.Scope{Account: account, Region: region}
				err := imagePipelines.table.Scan(tx, sc, storage.ScanOptions{}, func(key []byte, p *ibv1.ImagePipeline) (bool, error) {
					if at, ok := parseTimestamp(p.GetDateNextRun()); ok && p.GetStatus() == "ENABLED" && !at.After(now) {
						dues = append(dues, due{sc, arnName(p.GetName())})
					}
					return true, nil
				})
				return true, err
			})
			return true, err
		})
	})
	if err != nil {
		return 0, storageError(err)
	}
	started := 0
	for _, d := range dues {
		ran, err := s.runScheduled(ctx, d.sc, d.name, now)
		if err != nil {
			return started, err
		}
		if ran {
			started++
		}
	}
	return started, nil
}

// runScheduled evaluates one due pipeline (see RunDueSchedules); ran
// reports that a build was started.
func (s *Service) runScheduled(ctx context.Context, sc storage.Scope, name string, now time.Time) (bool, error) {
	pipelineRuns.Lock()
	defer pipelineRuns.Unlock()
	key := nameKey(name).Key()
	var rec *ibv1.ImagePipeline
	var dueAt time.Time
	var alreadyRan bool
	var failures int
	var lastFingerprint string
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		var found bool
		var err error
		rec, found, err = imagePipelines.table.Get(tx, sc, key)
		if err != nil || !found {
			rec = nil
			return err
		}
		var ok bool
		if dueAt, ok = parseTimestamp(rec.GetDateNextRun()); !ok || dueAt.After(now) || rec.GetStatus() != "ENABLED" {
			rec = nil
			return nil
		}
		images, err := s.imagesOfPipeline(tx, sc, rec.GetArn())
		if err != nil {
			return err
		}
		sort.Slice(images, func(i, j int) bool { return images[i].GetDateCreated() > images[j].GetDateCreated() })
		for _, img := range images {
			if created, ok := parseTimestamp(img.GetDateCreated()); ok && !created.Before(dueAt) {
				alreadyRan = true
			}
		}
		for _, img := range images {
			if img.GetState().GetStatus() != "FAILED" {
				break
			}
			failures++
		}
		fp, _, err := pipelineDependencies.Get(tx, sc, key)
		lastFingerprint = fp.GetValue()
		return err
	})
	if err != nil || rec == nil {
		return false, storageError(err)
	}
	update := func(apply func(p *ibv1.ImagePipeline)) error {
		return storageError(s.db.Update(ctx, func(tx *storage.Tx) error {
			p, found, err := imagePipelines.table.Get(tx, sc, key)
			if err != nil || !found {
				return err
			}
			apply(p)
			return imagePipelines.table.Put(tx, sc, key, p)
		}))
	}
	limit := rec.GetSchedule().GetAutoDisablePolicy().GetFailureCount()
	switch {
	case alreadyRan:
		return false, update(func(p *ibv1.ImagePipeline) { setNextRun(p, now) })
	case limit > 0 && failures >= int(limit):
		return false, update(func(p *ibv1.ImagePipeline) {
			p.ConsecutiveFailures = ptr(int32(failures))
			p.Status = ptr("DISABLED")
			setNextRun(p, now)
		})
	}
	fingerprint := s.dependencyFingerprint(ctx, sc, rec)
	if rec.GetSchedule().GetPipelineExecutionStartCondition() != startOnMatch && lastFingerprint != "" && fingerprint == lastFingerprint {
		return false, update(func(p *ibv1.ImagePipeline) { setNextRun(p, now) })
	}
	_, buildErr := s.startBuild(scheduledCall(ctx, sc, rec, now), pipelineBuild(rec, nil))
	failed := ""
	if buildErr != nil {
		failed = "FAILED"
	}
	err = storageError(s.db.Update(ctx, func(tx *storage.Tx) error {
		if err := s.recordRun(tx, sc, name, now, fingerprint, failed); err != nil {
			return err
		}
		p, found, err := imagePipelines.table.Get(tx, sc, key)
		if err != nil || !found {
			return err
		}
		p.ConsecutiveFailures = ptr(int32(failures))
		if buildErr != nil {
			p.ConsecutiveFailures = ptr(int32(failures + 1))
		}
		setNextRun(p, now)
		return imagePipelines.table.Put(tx, sc, key, p)
	}))
	return buildErr == nil, err
}

// scheduledCall is the call a scheduled build is started in: Image Builder
// acting in the pipeline's owner account as the execution role, or its
// service-linked role (see the package comment above).
func scheduledCall(ctx context.Context, sc storage.Scope, p *ibv1.ImagePipeline, now time.Time) context.Context {
	roleARN := fmt.Sprintf("arn:aws:iam::%s:role/aws-service-role/imagebuilder.amazonaws.com/%s", sc.Account, serviceLinkedRole)
	if role := p.GetExecutionRole(); strings.HasPrefix(role, "arn:") {
		roleARN = role
	} else if role != "" {
		roleARN = fmt.Sprintf("arn:aws:iam::%s:role/%s", sc.Account, role)
	}
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	h := hex.EncodeToString(id)
	return callctx.With(ctx, &callctx.Call{
		RequestID: fmt.Sprintf("%s-%s-%s-%s-%s", h[0:8], h[8:12], h[12:16], h[16:20], h[20:32]),
		Service:   "imagebuilder",
		Operation: "StartImagePipelineExecution",
		Region:    sc.Region,
		Account:   sc.Account,
		Principal: rolePrincipal(roleARN, "ImageBuilder", now),
		Time:      now,
		Transport: "scheduler",
	})
}

// dependencyFingerprint names what a pipeline's build would use now: the
// recipe version its ARN resolves to, and the component builds and parent
// image that recipe's selectors resolve to, in the owner's view (its own
// resources and Amazon's). "" when the recipe cannot be read.
func (s *Service) dependencyFingerprint(ctx context.Context, sc storage.Scope, p *ibv1.ImagePipeline) string {
	c := &callctx.Call{Account: sc.Account, Region: sc.Region}
	resolve := func(arn string) (proto.Message, string) {
		res, err := s.resolveARN(ctx, c, "arn", arn)
		if err != nil || !res.Exists {
			return nil, arn + "?"
		}
		l := res.Record.(*located)
		return l.record, l.at.String()
	}
	recipeARN := p.GetImageRecipeArn()
	if recipeARN == "" {
		recipeARN = p.GetContainerRecipeArn()
	}
	recipe, at := resolve(recipeARN)
	if recipe == nil {
		return ""
	}
	parts := []string{at}
	if parent := stringField(recipe, "parent_image"); strings.HasPrefix(parent, "arn:") {
		_, at := resolve(parent)
		parts = append(parts, at)
	}
	var comps []*ibv1.ComponentConfiguration
	switch r := recipe.(type) {
	case *ibv1.ImageRecipe:
		comps = r.GetComponents()
	case *ibv1.ContainerRecipe:
		comps = r.GetComponents()
	}
	for _, cc := range comps {
		_, at := resolve(cc.GetComponentArn())
		parts = append(parts, at)
	}
	return strings.Join(parts, "\n")
}
