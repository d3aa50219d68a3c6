package emulator_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
)

// Pipeline tests that run image builds: executions started on demand and
// by schedules.

func TestImagePipelineExecution(t *testing.T) {
	p := startPipelines(t)
	ctx := testContext(t)
	arn := p.create(t, p.ib, p.input("on-demand"))
	start := &imagebuilder.StartImagePipelineExecutionInput{ImagePipelineArn: aws.String(arn), ClientToken: aws.String("run-1"), Tags: map[string]string{"run": "1"}}
	out, err := p.ib.StartImagePipelineExecution(ctx, start)
	if err != nil {
		t.Fatalf("StartImagePipelineExecution: %v", err)
	}
	image := aws.ToString(out.ImageBuildVersionArn)
	if image == "" || aws.ToString(out.ClientToken) != "run-1" {
		t.Fatalf("answer %+v", out)
	}
	// A retry answers the same image and starts nothing; another request
	// with the token is refused.
	again, err := p.ib.StartImagePipelineExecution(ctx, start)
	if err != nil || aws.ToString(again.ImageBuildVersionArn) != image {
		t.Fatalf("retry: %v %+v", err, again)
	}
	other := *start
	other.Tags = map[string]string{"run": "2"}
	_, err = p.ib.StartImagePipelineExecution(ctx, &other)
	requireAPIError(t, err, "IdempotentParameterMismatchException", 400)
	got := getPipeline(t, p.ib, arn)
	if aws.ToString(got.DateLastRun) != ts(p.clock.Now()) || got.LastRunStatus == "" {
		t.Errorf("after a run: dateLastRun %s, lastRunStatus %s", aws.ToString(got.DateLastRun), got.LastRunStatus)
	}

	// A second run; the images list pages, and filters by name and version.
	if _, err := p.ib.StartImagePipelineExecution(ctx, &imagebuilder.StartImagePipelineExecutionInput{ImagePipelineArn: aws.String(arn), ClientToken: aws.String("run-2")}); err != nil {
		t.Fatalf("second run: %v", err)
	}
	var arns []string
	pg := imagebuilder.NewListImagePipelineImagesPaginator(p.ib, &imagebuilder.ListImagePipelineImagesInput{ImagePipelineArn: aws.String(arn), MaxResults: aws.Int32(1)})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListImagePipelineImages: %v", err)
		}
		for _, img := range page.ImageSummaryList {
			arns = append(arns, aws.ToString(img.Arn))
		}
	}
	if len(arns) != 2 || arns[0] != image {
		t.Errorf("images = %v, want 2 starting with %s", arns, image)
	}
	byName, err := p.ib.ListImagePipelineImages(ctx, &imagebuilder.ListImagePipelineImagesInput{ImagePipelineArn: aws.String(arn), Filters: []types.Filter{filter("name", "nope")}})
	if err != nil || len(byName.ImageSummaryList) != 0 {
		t.Errorf("filter name=nope: %v %+v", err, byName)
	}
	// Another account sees none of them.
	_, err = client(t, p.emu, accountB).ListImagePipelineImages(ctx, &imagebuilder.ListImagePipelineImagesInput{ImagePipelineArn: aws.String(arn)})
	if err == nil {
		t.Error("account B listed account A's pipeline images")
	}
}

func TestImagePipelineScheduledRuns(t *testing.T) {
	p := startPipelines(t)
	ctx := testContext(t)
	in := p.input("every-five")
	in.Schedule = &types.Schedule{ScheduleExpression: aws.String("cron(0/5 * * * ? *)"), PipelineExecutionStartCondition: types.PipelineExecutionStartConditionExpressionMatchOnly}
	arn := p.create(t, p.ib, in)
	upd := p.input("on-updates")
	upd.Schedule = &types.Schedule{ScheduleExpression: aws.String("cron(0/5 * * * ? *)")}
	updARN := p.create(t, p.ib, upd)

	due := nextFive(p.clock.Now())
	p.clock.Advance(due.Sub(p.clock.Now()))
	n, err := p.emu.RunDueSchedules(ctx)
	if err != nil {
		t.Fatalf("RunDueSchedules: %v", err)
	}
	got := getPipeline(t, p.ib, arn)
	if got.LastRunStatus == types.ImageStatusFailed {
		t.Fatalf("the scheduled builds failed to start: %+v", got)
	}
	// Both ran: the second had never built.
	if n != 2 || aws.ToString(got.DateLastRun) != ts(due) || aws.ToString(got.DateNextRun) != ts(due.Add(5*time.Minute)) {
		t.Fatalf("first due: %d started; pipeline %+v", n, got)
	}
	// Schedule-driven builds are SCHEDULED.
	if imgs, err := p.ib.ListImagePipelineImages(ctx, &imagebuilder.ListImagePipelineImagesInput{ImagePipelineArn: aws.String(arn)}); err != nil || len(imgs.ImageSummaryList) != 1 ||
		imgs.ImageSummaryList[0].BuildType != types.BuildTypeScheduled {
		t.Errorf("scheduled images: %v %+v", err, imgs)
	}
	// Running again at the same time starts nothing: the schedule moved on.
	if n, err := p.emu.RunDueSchedules(ctx); err != nil || n != 0 {
		t.Fatalf("again: %d, %v", n, err)
	}
	// Five minutes later the match-only pipeline runs again; the other has
	// no dependency update and only moves its next run.
	p.clock.Advance(5 * time.Minute)
	if n, err := p.emu.RunDueSchedules(ctx); err != nil || n != 1 {
		t.Fatalf("second due: %d, %v", n, err)
	}
	if got := getPipeline(t, p.ib, updARN); aws.ToString(got.DateLastRun) != ts(due) || aws.ToString(got.DateNextRun) != ts(due.Add(10*time.Minute)) {
		t.Errorf("pipeline without updates: %+v", got)
	}
	// A selector that resolves to the same version is no update; a new
	// version it matches is.
	if _, err := p.ib.UpdateImagePipeline(ctx, &imagebuilder.UpdateImagePipelineInput{
		ImagePipelineArn: aws.String(updARN), ImageRecipeArn: aws.String(recipeARN(accountA, "base", "1.x.x")), InfrastructureConfigurationArn: aws.String(p.infra),
		Schedule: upd.Schedule, ClientToken: aws.String("u"),
	}); err != nil {
		t.Fatal(err)
	}
	p.clock.Advance(5 * time.Minute)
	if n, err := p.emu.RunDueSchedules(ctx); err != nil || n != 1 {
		t.Fatalf("after the selector change: %d, %v", n, err)
	}
	mustRecipe(t, p.ib, recipeInput("base", "1.1.0", amazonComponent("update-linux", "x.x.x")))
	p.clock.Advance(5 * time.Minute)
	if n, err := p.emu.RunDueSchedules(ctx); err != nil || n != 2 {
		t.Fatalf("after a new recipe version: %d, %v", n, err)
	}
	// Disabled, it does not run.
	if _, err := p.ib.UpdateImagePipeline(ctx, &imagebuilder.UpdateImagePipelineInput{
		ImagePipelineArn: aws.String(arn), ImageRecipeArn: aws.String(p.recipe), InfrastructureConfigurationArn: aws.String(p.infra),
		Schedule: in.Schedule, Status: types.PipelineStatusDisabled, ClientToken: aws.String("off"),
	}); err != nil {
		t.Fatal(err)
	}
	p.clock.Advance(5 * time.Minute)
	if n, err := p.emu.RunDueSchedules(ctx); err != nil || n != 0 {
		t.Fatalf("disabled: %d, %v", n, err)
	}
}
