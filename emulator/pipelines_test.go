package emulator_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/emulator/emulatortest"
)

func pipelineARN(account, name string) string {
	return fmt.Sprintf("arn:aws:imagebuilder:%s:%s:image-pipeline/%s", region, account, name)
}

// pipelineEnv is accountA with an instance profile, an infrastructure
// configuration "infra", a distribution configuration "dist" and an image
// recipe "base" 1.0.0, on a clock the test moves (the schedule loop is off:
// tests run due schedules themselves).
type pipelineEnv struct {
	*ibEnv
	clock               *manualClock
	infra, dist, recipe string
}

// ts renders a time as Image Builder's dates read.
func ts(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// nextHour is the first top of an hour after t.
func nextHour(t time.Time) time.Time { return t.Truncate(time.Hour).Add(time.Hour) }

// nextFive is the first five-minute mark after t.
func nextFive(t time.Time) time.Time { return t.Truncate(5 * time.Minute).Add(5 * time.Minute) }

// startPipelines starts the emulator on a clock the test moves, from twelve
// minutes ago to the minute: SigV4 refuses signatures more than 15 minutes
// from the server's clock, so tests may move it up to 26 minutes.
func startPipelines(t *testing.T) *pipelineEnv {
	t.Helper()
	clock := &manualClock{t: time.Now().UTC().Add(-12 * time.Minute).Truncate(time.Minute)}
	emu := emulatortest.Start(t, func(c *emulator.Config) {
		c.Clock = clock.Now
		c.ScheduleInterval = -1
	})
	e := &ibEnv{emu: emu, ib: client(t, emu, accountA), iam: iamClient(t, emu.AWSConfig(accountA))}
	e.role = mustInstanceProfile(t, e.iam, "builder")
	ctx := testContext(t)
	p := &pipelineEnv{ibEnv: e, clock: clock}
	infra, err := e.ib.CreateInfrastructureConfiguration(ctx, infraInput("infra"))
	if err != nil {
		t.Fatalf("CreateInfrastructureConfiguration: %v", err)
	}
	p.infra = aws.ToString(infra.InfrastructureConfigurationArn)
	dist, err := e.ib.CreateDistributionConfiguration(ctx, &imagebuilder.CreateDistributionConfigurationInput{
		Name: aws.String("dist"), ClientToken: aws.String("dist"),
		Distributions: []types.Distribution{{Region: aws.String(region), AmiDistributionConfiguration: &types.AmiDistributionConfiguration{Name: aws.String("out-{{ imagebuilder:buildDate }}")}}},
	})
	if err != nil {
		t.Fatalf("CreateDistributionConfiguration: %v", err)
	}
	p.dist = aws.ToString(dist.DistributionConfigurationArn)
	p.recipe = mustRecipe(t, e.ib, recipeInput("base", "1.0.0", amazonComponent("update-linux", "x.x.x")))
	return p
}

// input is a valid CreateImagePipeline request over the fixtures.
func (p *pipelineEnv) input(name string) *imagebuilder.CreateImagePipelineInput {
	return &imagebuilder.CreateImagePipelineInput{
		Name:                           aws.String(name),
		ImageRecipeArn:                 aws.String(p.recipe),
		InfrastructureConfigurationArn: aws.String(p.infra),
		ClientToken:                    aws.String("token-" + name),
	}
}

func (p *pipelineEnv) create(t *testing.T, c *imagebuilder.Client, in *imagebuilder.CreateImagePipelineInput) string {
	t.Helper()
	out, err := c.CreateImagePipeline(testContext(t), in)
	if err != nil {
		t.Fatalf("CreateImagePipeline %s: %v", aws.ToString(in.Name), err)
	}
	return aws.ToString(out.ImagePipelineArn)
}

func getPipeline(t *testing.T, c *imagebuilder.Client, arn string) *types.ImagePipeline {
	t.Helper()
	out, err := c.GetImagePipeline(testContext(t), &imagebuilder.GetImagePipelineInput{ImagePipelineArn: aws.String(arn)})
	if err != nil {
		t.Fatalf("GetImagePipeline %s: %v", arn, err)
	}
	return out.ImagePipeline
}

// pipelineNames lists pipeline names with the paginator, a page of one at
// a time.
func pipelineNames(t *testing.T, c *imagebuilder.Client, filters ...types.Filter) []string {
	t.Helper()
	names := []string{}
	pg := imagebuilder.NewListImagePipelinesPaginator(c, &imagebuilder.ListImagePipelinesInput{Filters: filters, MaxResults: aws.Int32(1)})
	for pg.HasMorePages() {
		page, err := pg.NextPage(testContext(t))
		if err != nil {
			t.Fatalf("ListImagePipelines: %v", err)
		}
		for _, p := range page.ImagePipelineList {
			names = append(names, aws.ToString(p.Name))
		}
	}
	return names
}

func filter(name string, values ...string) types.Filter {
	return types.Filter{Name: aws.String(name), Values: values}
}

func TestImagePipelineLifecycle(t *testing.T) {
	p := startPipelines(t)
	ctx := testContext(t)
	epoch := p.clock.Now()
	in := p.input("Nightly Build")
	in.Description = aws.String("nightly")
	in.DistributionConfigurationArn = aws.String(p.dist)
	in.Tags = map[string]string{"env": "test"}
	in.ImageTags = map[string]string{"built-by": "pipeline"}
	out, err := p.ib.CreateImagePipeline(ctx, in)
	if err != nil {
		t.Fatalf("CreateImagePipeline: %v", err)
	}
	arn := pipelineARN(accountA, "nightly-build")
	if aws.ToString(out.ImagePipelineArn) != arn || aws.ToString(out.ClientToken) != "token-Nightly Build" || aws.ToString(out.RequestId) == "" {
		t.Fatalf("create answered %+v", out)
	}
	// Idempotency: the same request answers the same; another with the
	// token is refused; the name with a fresh token already exists.
	again, err := p.ib.CreateImagePipeline(ctx, in)
	if err != nil || aws.ToString(again.ImagePipelineArn) != arn {
		t.Fatalf("retry: %v %+v", err, again)
	}
	other := *in
	other.Description = aws.String("other")
	_, err = p.ib.CreateImagePipeline(ctx, &other)
	requireAPIError(t, err, "IdempotentParameterMismatchException", 400)
	other.ClientToken = aws.String("fresh")
	_, err = p.ib.CreateImagePipeline(ctx, &other)
	requireMessage(t, requireAPIError(t, err, "ResourceAlreadyExistsException", 400),
		"The following resource 'ImagePipeline' already exists: '"+arn+"'.")

	got := getPipeline(t, p.ib, arn)
	if aws.ToString(got.Name) != "Nightly Build" || aws.ToString(got.Arn) != arn || aws.ToString(got.Description) != "nightly" ||
		got.Platform != types.PlatformLinux || !aws.ToBool(got.EnhancedImageMetadataEnabled) || got.Status != types.PipelineStatusEnabled ||
		aws.ToString(got.ImageRecipeArn) != p.recipe || aws.ToString(got.InfrastructureConfigurationArn) != p.infra ||
		aws.ToString(got.DistributionConfigurationArn) != p.dist || got.Tags["env"] != "test" || got.ImageTags["built-by"] != "pipeline" ||
		aws.ToString(got.DateCreated) != ts(epoch) || got.DateNextRun != nil || got.DateLastRun != nil || got.Schedule != nil {
		t.Errorf("pipeline = %+v", got)
	}
	if tc := got.ImageTestsConfiguration; tc == nil || !aws.ToBool(tc.ImageTestsEnabled) || aws.ToInt32(tc.TimeoutMinutes) != 720 {
		t.Errorf("imageTestsConfiguration = %+v, want enabled, 720 minutes", tc)
	}

	// Update replaces the settings: a schedule gives a next run (the next
	// top of the hour), the start condition its default.
	p.clock.Advance(time.Minute)
	upd, err := p.ib.UpdateImagePipeline(ctx, &imagebuilder.UpdateImagePipelineInput{
		ImagePipelineArn:               aws.String(arn),
		ImageRecipeArn:                 aws.String(p.recipe),
		InfrastructureConfigurationArn: aws.String(p.infra),
		Description:                    aws.String("hourly"),
		Schedule:                       &types.Schedule{ScheduleExpression: aws.String("cron(0 * * * ? *)")},
		ImageTestsConfiguration:        &types.ImageTestsConfiguration{ImageTestsEnabled: aws.Bool(false), TimeoutMinutes: aws.Int32(90)},
		ClientToken:                    aws.String("update-1"),
	})
	if err != nil || aws.ToString(upd.ImagePipelineArn) != arn || aws.ToString(upd.ClientToken) != "update-1" {
		t.Fatalf("UpdateImagePipeline: %v %+v", err, upd)
	}
	got = getPipeline(t, p.ib, arn)
	if aws.ToString(got.Description) != "hourly" || got.DistributionConfigurationArn != nil || got.Tags["env"] != "test" ||
		aws.ToString(got.DateCreated) != ts(epoch) || aws.ToString(got.DateUpdated) != ts(epoch.Add(time.Minute)) ||
		aws.ToString(got.DateNextRun) != ts(nextHour(epoch.Add(time.Minute))) ||
		got.Schedule.PipelineExecutionStartCondition != types.PipelineExecutionStartConditionExpressionMatchAndDependencyUpdatesAvailable ||
		aws.ToBool(got.ImageTestsConfiguration.ImageTestsEnabled) || aws.ToInt32(got.ImageTestsConfiguration.TimeoutMinutes) != 90 {
		t.Errorf("updated pipeline = %+v", got)
	}
	// Disabling clears the next run; enabling with a time zone computes it
	// there: the next weekday 09:00 in New York.
	disable := &imagebuilder.UpdateImagePipelineInput{
		ImagePipelineArn: aws.String(arn), ImageRecipeArn: aws.String(p.recipe), InfrastructureConfigurationArn: aws.String(p.infra),
		Schedule: &types.Schedule{ScheduleExpression: aws.String("cron(0 9 ? * MON-FRI *)"), Timezone: aws.String("America/New_York")},
		Status:   types.PipelineStatusDisabled, ClientToken: aws.String("update-2"),
	}
	if _, err := p.ib.UpdateImagePipeline(ctx, disable); err != nil {
		t.Fatal(err)
	}
	if got := getPipeline(t, p.ib, arn); got.DateNextRun != nil || got.Status != types.PipelineStatusDisabled {
		t.Errorf("disabled pipeline: status %s, next run %v", got.Status, aws.ToString(got.DateNextRun))
	}
	disable.Status, disable.ClientToken = types.PipelineStatusEnabled, aws.String("update-3")
	if _, err := p.ib.UpdateImagePipeline(ctx, disable); err != nil {
		t.Fatal(err)
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	now := p.clock.Now().In(ny)
	var want time.Time
	for d := 0; want.IsZero(); d++ {
		at := time.Date(now.Year(), now.Month(), now.Day()+d, 9, 0, 0, 0, ny)
		if wd := at.Weekday(); wd != time.Saturday && wd != time.Sunday && at.After(now) {
			want = at
		}
	}
	if got := getPipeline(t, p.ib, arn); aws.ToString(got.DateNextRun) != ts(want) {
		t.Errorf("next run = %s, want %s (the next weekday 09:00 in New York)", aws.ToString(got.DateNextRun), ts(want))
	}

	// Delete; then it is gone.
	del, err := p.ib.DeleteImagePipeline(ctx, &imagebuilder.DeleteImagePipelineInput{ImagePipelineArn: aws.String(arn)})
	if err != nil || aws.ToString(del.ImagePipelineArn) != arn {
		t.Fatalf("DeleteImagePipeline: %v %+v", err, del)
	}
	_, err = p.ib.GetImagePipeline(ctx, &imagebuilder.GetImagePipelineInput{ImagePipelineArn: aws.String(arn)})
	requireAPIError(t, err, "ResourceNotFoundException", 404)
	_, err = p.ib.DeleteImagePipeline(ctx, &imagebuilder.DeleteImagePipelineInput{ImagePipelineArn: aws.String(arn)})
	requireAPIError(t, err, "ResourceNotFoundException", 404)
	_, err = p.ib.UpdateImagePipeline(ctx, &imagebuilder.UpdateImagePipelineInput{
		ImagePipelineArn: aws.String(arn), ImageRecipeArn: aws.String(p.recipe), InfrastructureConfigurationArn: aws.String(p.infra), ClientToken: aws.String("u"),
	})
	requireAPIError(t, err, "ResourceNotFoundException", 404)
}

func TestImagePipelineList(t *testing.T) {
	p := startPipelines(t)
	ctx := testContext(t)
	if got := pipelineNames(t, p.ib); len(got) != 0 {
		t.Fatalf("empty account lists %v", got)
	}
	out, err := p.ib.ListImagePipelines(ctx, &imagebuilder.ListImagePipelinesInput{})
	if err != nil || out.ImagePipelineList == nil || len(out.ImagePipelineList) != 0 {
		t.Fatalf("empty list: %v %+v", err, out)
	}
	a := p.input("alpha")
	a.DistributionConfigurationArn = aws.String(p.dist)
	p.create(t, p.ib, a)
	b := p.input("beta")
	b.Status = types.PipelineStatusDisabled
	b.Description = aws.String("second")
	p.create(t, p.ib, b)
	p.create(t, p.ib, p.input("gamma"))

	if got := strings.Join(pipelineNames(t, p.ib), ","); got != "alpha,beta,gamma" {
		t.Errorf("all = %s", got)
	}
	for _, c := range []struct {
		f    types.Filter
		want string
	}{
		{filter("name", "beta", "gamma"), "beta,gamma"},
		{filter("status", "DISABLED"), "beta"},
		{filter("description", "second"), "beta"},
		{filter("distributionConfigurationArn", p.dist), "alpha"},
		{filter("imageRecipeArn", p.recipe), "alpha,beta,gamma"},
		{filter("infrastructureConfigurationArn", p.infra), "alpha,beta,gamma"},
		{filter("name", "nope"), ""},
	} {
		if got := strings.Join(pipelineNames(t, p.ib, c.f), ","); got != c.want {
			t.Errorf("filter %s=%v: %s, want %s", aws.ToString(c.f.Name), c.f.Values, got, c.want)
		}
	}
	_, err = p.ib.ListImagePipelines(ctx, &imagebuilder.ListImagePipelinesInput{Filters: []types.Filter{filter("platform", "Linux")}})
	requireAPIError(t, err, "InvalidParameterValueException", 400)
	_, err = p.ib.ListImagePipelines(ctx, &imagebuilder.ListImagePipelinesInput{NextToken: aws.String("bogus")})
	requireAPIError(t, err, "InvalidPaginationTokenException", 400)
	// A token of another listing is refused.
	comps, err := p.ib.ListInfrastructureConfigurations(ctx, &imagebuilder.ListInfrastructureConfigurationsInput{MaxResults: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.ib.CreateInfrastructureConfiguration(ctx, infraInput("infra2")); err != nil {
		t.Fatal(err)
	}
	comps, err = p.ib.ListInfrastructureConfigurations(ctx, &imagebuilder.ListInfrastructureConfigurationsInput{MaxResults: aws.Int32(1)})
	if err != nil || comps.NextToken == nil {
		t.Fatalf("infrastructure page: %v %+v", err, comps)
	}
	_, err = p.ib.ListImagePipelines(ctx, &imagebuilder.ListImagePipelinesInput{NextToken: comps.NextToken})
	requireAPIError(t, err, "InvalidPaginationTokenException", 400)

	// Another account sees none of them and cannot read, update, run or
	// delete one.
	other := client(t, p.emu, accountB)
	if got := pipelineNames(t, other); len(got) != 0 {
		t.Errorf("account B lists %v", got)
	}
	arn := pipelineARN(accountA, "alpha")
	_, err = other.GetImagePipeline(ctx, &imagebuilder.GetImagePipelineInput{ImagePipelineArn: aws.String(arn)})
	if err == nil {
		t.Error("account B read account A's pipeline")
	}
	_, err = other.DeleteImagePipeline(ctx, &imagebuilder.DeleteImagePipelineInput{ImagePipelineArn: aws.String(arn)})
	if err == nil {
		t.Error("account B deleted account A's pipeline")
	}
	_, err = other.StartImagePipelineExecution(ctx, &imagebuilder.StartImagePipelineExecutionInput{ImagePipelineArn: aws.String(arn), ClientToken: aws.String("t")})
	if err == nil {
		t.Error("account B ran account A's pipeline")
	}
	getPipeline(t, p.ib, arn)
}

func TestImagePipelineValidation(t *testing.T) {
	p := startPipelines(t)
	ctx := testContext(t)
	container := containerRecipeARN(accountA, "nope", "1.0.0")
	cases := []struct {
		name, code string
		edit       func(*imagebuilder.CreateImagePipelineInput)
		msg        string
	}{
		{"both recipes", "InvalidParameterCombinationException", func(in *imagebuilder.CreateImagePipelineInput) {
			in.ContainerRecipeArn = aws.String(container)
		}, "The value supplied for parameter 'imageRecipeArn' is not valid. A pipeline builds from an image recipe or a container recipe, not both."},
		{"no recipe", "InvalidParameterCombinationException", func(in *imagebuilder.CreateImagePipelineInput) {
			in.ImageRecipeArn = nil
		}, ""},
		{"missing recipe", "InvalidParameterValueException", func(in *imagebuilder.CreateImagePipelineInput) {
			in.ImageRecipeArn = aws.String(recipeARN(accountA, "base", "2.0.0"))
		}, "The value supplied for parameter 'imageRecipeArn' is not valid. The image recipe " + recipeARN(accountA, "base", "2.0.0") + " does not exist or you do not have access to it."},
		{"missing container recipe", "InvalidParameterValueException", func(in *imagebuilder.CreateImagePipelineInput) {
			in.ImageRecipeArn, in.ContainerRecipeArn = nil, aws.String(container)
		}, ""},
		{"missing infrastructure", "InvalidParameterValueException", func(in *imagebuilder.CreateImagePipelineInput) {
			in.InfrastructureConfigurationArn = aws.String(infraARN(accountA, "nope"))
		}, ""},
		{"another account's infrastructure", "AccessDeniedException", func(in *imagebuilder.CreateImagePipelineInput) {
			in.InfrastructureConfigurationArn = aws.String(infraARN(accountB, "infra"))
		}, ""},
		{"missing distribution", "InvalidParameterValueException", func(in *imagebuilder.CreateImagePipelineInput) {
			in.DistributionConfigurationArn = aws.String(distARN(accountA, "nope"))
		}, ""},
		{"test timeout", "InvalidParameterValueException", func(in *imagebuilder.CreateImagePipelineInput) {
			in.ImageTestsConfiguration = &types.ImageTestsConfiguration{TimeoutMinutes: aws.Int32(59)}
		}, ""},
		{"ecr scanning on an image recipe", "InvalidParameterCombinationException", func(in *imagebuilder.CreateImagePipelineInput) {
			in.ImageScanningConfiguration = &types.ImageScanningConfiguration{ImageScanningEnabled: aws.Bool(true), EcrConfiguration: &types.EcrConfiguration{RepositoryName: aws.String("r")}}
		}, ""},
		{"rate expression", "InvalidParameterValueException", func(in *imagebuilder.CreateImagePipelineInput) {
			in.Schedule = &types.Schedule{ScheduleExpression: aws.String("rate(1 day)")}
		}, "The value supplied for parameter 'schedule.scheduleExpression' is not valid. Rate expressions are not supported; Image Builder schedules are cron expressions: cron(minutes hours day-of-month month day-of-week year)."},
		{"five fields", "InvalidParameterValueException", func(in *imagebuilder.CreateImagePipelineInput) {
			in.Schedule = &types.Schedule{ScheduleExpression: aws.String("cron(0 0 * * ?)")}
		}, ""},
		{"both day fields", "InvalidParameterValueException", func(in *imagebuilder.CreateImagePipelineInput) {
			in.Schedule = &types.Schedule{ScheduleExpression: aws.String("cron(0 0 1 * MON *)")}
		}, "The value supplied for parameter 'schedule.scheduleExpression' is not valid. Day-of-month and day-of-week cannot both be specified; use ? in one of them."},
		{"minute out of range", "InvalidParameterValueException", func(in *imagebuilder.CreateImagePipelineInput) {
			in.Schedule = &types.Schedule{ScheduleExpression: aws.String("cron(60 0 * * ? *)")}
		}, ""},
		{"unknown time zone", "InvalidParameterValueException", func(in *imagebuilder.CreateImagePipelineInput) {
			in.Schedule = &types.Schedule{ScheduleExpression: aws.String("cron(0 0 * * ? *)"), Timezone: aws.String("Mars/Olympus")}
		}, "The value supplied for parameter 'schedule.timezone' is not valid. Mars/Olympus is not an IANA time zone such as Etc/UTC or America/Los_Angeles."},
		{"start condition", "InvalidParameterValueException", func(in *imagebuilder.CreateImagePipelineInput) {
			in.Schedule = &types.Schedule{ScheduleExpression: aws.String("cron(0 0 * * ? *)"), PipelineExecutionStartCondition: "SOMETIMES"}
		}, ""},
		{"missing workflow", "InvalidParameterValueException", func(in *imagebuilder.CreateImagePipelineInput) {
			in.Workflows = []types.WorkflowConfiguration{{WorkflowArn: aws.String(fmt.Sprintf("arn:aws:imagebuilder:%s:%s:workflow/build/nope/1.0.0", region, accountA))}}
		}, ""},
		{"undeclared workflow parameter", "InvalidParameterCombinationException", func(in *imagebuilder.CreateImagePipelineInput) {
			in.Workflows = []types.WorkflowConfiguration{{
				WorkflowArn: aws.String(fmt.Sprintf("arn:aws:imagebuilder:%s:aws:workflow/build/build-image/x.x.x", region)),
				Parameters:  []types.WorkflowParameter{{Name: aws.String("colour"), Value: []string{"blue"}}},
			}}
		}, "The value supplied for parameter 'workflows[0].parameters' is not valid. The following parameters are not defined in the provided workflow: colour"},
		{"missing execution role", "InvalidParameterValueException", func(in *imagebuilder.CreateImagePipelineInput) {
			in.ExecutionRole = aws.String("nope")
		}, "The value supplied for parameter 'executionRole' is not valid. The role nope does not exist."},
		{"another account's execution role", "InvalidParameterValueException", func(in *imagebuilder.CreateImagePipelineInput) {
			in.ExecutionRole = aws.String("arn:aws:iam::444455556666:role/exec")
		}, "The value supplied for parameter 'executionRole' is not valid. The role arn:aws:iam::444455556666:role/exec is not a role of account 111122223333."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := p.input("bad")
			tc.edit(in)
			_, err := p.ib.CreateImagePipeline(ctx, in)
			status := 400
			if tc.code == "AccessDeniedException" {
				status = 403
			}
			apiErr := requireAPIError(t, err, tc.code, status)
			if tc.msg != "" {
				requireMessage(t, apiErr, tc.msg)
			}
		})
	}
	if got := pipelineNames(t, p.ib); len(got) != 0 {
		t.Fatalf("something was stored: %v", got)
	}
	// Wrong resource types and missing pipelines.
	_, err := p.ib.GetImagePipeline(ctx, &imagebuilder.GetImagePipelineInput{ImagePipelineArn: aws.String(infraARN(accountA, "infra"))})
	requireAPIError(t, err, "InvalidParameterValueException", 400)
	_, err = p.ib.GetImagePipeline(ctx, &imagebuilder.GetImagePipelineInput{ImagePipelineArn: aws.String(pipelineARN(accountA, "nope"))})
	requireMessage(t, requireAPIError(t, err, "ResourceNotFoundException", 404), "The image pipeline "+pipelineARN(accountA, "nope")+" does not exist.")
	_, err = p.ib.StartImagePipelineExecution(ctx, &imagebuilder.StartImagePipelineExecutionInput{ImagePipelineArn: aws.String(pipelineARN(accountA, "nope")), ClientToken: aws.String("t")})
	requireAPIError(t, err, "ResourceNotFoundException", 404)
	_, err = p.ib.ListImagePipelineImages(ctx, &imagebuilder.ListImagePipelineImagesInput{ImagePipelineArn: aws.String(pipelineARN(accountA, "nope"))})
	requireAPIError(t, err, "ResourceNotFoundException", 404)

	// An update is checked as a create is, and changes nothing when refused.
	arn := p.create(t, p.ib, p.input("good"))
	_, err = p.ib.UpdateImagePipeline(ctx, &imagebuilder.UpdateImagePipelineInput{
		ImagePipelineArn: aws.String(arn), ImageRecipeArn: aws.String(p.recipe), InfrastructureConfigurationArn: aws.String(p.infra),
		Schedule: &types.Schedule{ScheduleExpression: aws.String("cron(0 0 ? * FRI#6 *)")}, Description: aws.String("changed"), ClientToken: aws.String("u"),
	})
	requireAPIError(t, err, "InvalidParameterValueException", 400)
	if got := getPipeline(t, p.ib, arn); got.Description != nil || got.Schedule != nil {
		t.Errorf("refused update changed the pipeline: %+v", got)
	}
}

func TestImagePipelineDependencies(t *testing.T) {
	p := startPipelines(t)
	ctx := testContext(t)
	in := p.input("uses")
	in.DistributionConfigurationArn = aws.String(p.dist)
	arn := p.create(t, p.ib, in)
	depended := func(res string) string {
		return "Resource dependency error: The resource ARN '" + res + "' has other resources depended on it."
	}
	_, err := p.ib.DeleteImageRecipe(ctx, &imagebuilder.DeleteImageRecipeInput{ImageRecipeArn: aws.String(p.recipe)})
	requireMessage(t, requireAPIError(t, err, "ResourceDependencyException", 400), depended(p.recipe))
	_, err = p.ib.DeleteInfrastructureConfiguration(ctx, &imagebuilder.DeleteInfrastructureConfigurationInput{InfrastructureConfigurationArn: aws.String(p.infra)})
	requireMessage(t, requireAPIError(t, err, "ResourceDependencyException", 400), depended(p.infra))
	_, err = p.ib.DeleteDistributionConfiguration(ctx, &imagebuilder.DeleteDistributionConfigurationInput{DistributionConfigurationArn: aws.String(p.dist)})
	requireMessage(t, requireAPIError(t, err, "ResourceDependencyException", 400), depended(p.dist))

	// An update that stops using the distribution configuration frees it.
	if _, err := p.ib.UpdateImagePipeline(ctx, &imagebuilder.UpdateImagePipelineInput{
		ImagePipelineArn: aws.String(arn), ImageRecipeArn: aws.String(p.recipe), InfrastructureConfigurationArn: aws.String(p.infra), ClientToken: aws.String("u"),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.ib.DeleteDistributionConfiguration(ctx, &imagebuilder.DeleteDistributionConfigurationInput{DistributionConfigurationArn: aws.String(p.dist)}); err != nil {
		t.Fatalf("DeleteDistributionConfiguration once unused: %v", err)
	}
	// Deleting the pipeline frees the rest.
	if _, err := p.ib.DeleteImagePipeline(ctx, &imagebuilder.DeleteImagePipelineInput{ImagePipelineArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.ib.DeleteImageRecipe(ctx, &imagebuilder.DeleteImageRecipeInput{ImageRecipeArn: aws.String(p.recipe)}); err != nil {
		t.Fatalf("DeleteImageRecipe once unused: %v", err)
	}
	if _, err := p.ib.DeleteInfrastructureConfiguration(ctx, &imagebuilder.DeleteInfrastructureConfigurationInput{InfrastructureConfigurationArn: aws.String(p.infra)}); err != nil {
		t.Fatalf("DeleteInfrastructureConfiguration once unused: %v", err)
	}

	// A container recipe pipeline holds its recipe.
	cr, err := p.ib.CreateContainerRecipe(ctx, containerInput("web", "1.0.0"))
	if err != nil {
		t.Fatalf("CreateContainerRecipe: %v", err)
	}
	infra, err := p.ib.CreateInfrastructureConfiguration(ctx, infraInput("infra-2"))
	if err != nil {
		t.Fatal(err)
	}
	carn := p.create(t, p.ib, &imagebuilder.CreateImagePipelineInput{
		Name: aws.String("containers"), ContainerRecipeArn: cr.ContainerRecipeArn, InfrastructureConfigurationArn: infra.InfrastructureConfigurationArn, ClientToken: aws.String("c"),
		ImageScanningConfiguration: &types.ImageScanningConfiguration{ImageScanningEnabled: aws.Bool(true), EcrConfiguration: &types.EcrConfiguration{RepositoryName: aws.String("scans")}},
	})
	if got := getPipeline(t, p.ib, carn); aws.ToString(got.ContainerRecipeArn) != aws.ToString(cr.ContainerRecipeArn) || got.ImageScanningConfiguration == nil {
		t.Errorf("container pipeline = %+v", got)
	}
	_, err = p.ib.DeleteContainerRecipe(ctx, &imagebuilder.DeleteContainerRecipeInput{ContainerRecipeArn: cr.ContainerRecipeArn})
	requireMessage(t, requireAPIError(t, err, "ResourceDependencyException", 400), depended(aws.ToString(cr.ContainerRecipeArn)))
}

func TestImagePipelineWorkflowsAndExecutionRole(t *testing.T) {
	p := startPipelines(t)
	ctx := testContext(t)
	role, err := p.iam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("pipeline-exec"), AssumeRolePolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"imagebuilder.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
	if err != nil {
		t.Fatalf("CreateRole: %v", err)
	}
	roleARN := aws.ToString(role.Role.Arn)
	wf := fmt.Sprintf("arn:aws:imagebuilder:%s:aws:workflow/build/build-image/1.0.0/1", region)
	in := p.input("with-workflows")
	in.Workflows = []types.WorkflowConfiguration{{WorkflowArn: aws.String(wf), OnFailure: types.OnWorkflowFailureAbort, ParallelGroup: aws.String("g1")}}
	in.ExecutionRole = aws.String(roleARN)

	// The caller needs iam:PassRole on the role, for Image Builder.
	base := `{"Effect":"Allow","Action":["imagebuilder:*"],"Resource":"*"}`
	noPass := p.user(t, "nopass", policyOf(base))
	_, err = noPass.CreateImagePipeline(ctx, in)
	if apiErr := requireAPIError(t, err, "AccessDeniedException", 403); !strings.Contains(apiErr.ErrorMessage(), "iam:PassRole") || !strings.Contains(apiErr.ErrorMessage(), roleARN) {
		t.Errorf("denial %q does not name iam:PassRole on %s", apiErr.ErrorMessage(), roleARN)
	}
	toEC2 := p.user(t, "toec2", policyOf(base, `{"Effect":"Allow","Action":"iam:PassRole","Resource":"*","Condition":{"StringEquals":{"iam:PassedToService":"ec2.amazonaws.com"}}}`))
	_, err = toEC2.CreateImagePipeline(ctx, in)
	requireAPIError(t, err, "AccessDeniedException", 403)
	pass := p.user(t, "pass", policyOf(base, `{"Effect":"Allow","Action":"iam:PassRole","Resource":"`+roleARN+`","Condition":{"StringEquals":{"iam:PassedToService":"imagebuilder.amazonaws.com"}}}`))
	arn := p.create(t, pass, in)
	got := getPipeline(t, p.ib, arn)
	if aws.ToString(got.ExecutionRole) != roleARN || len(got.Workflows) != 1 || aws.ToString(got.Workflows[0].WorkflowArn) != wf ||
		got.Workflows[0].OnFailure != types.OnWorkflowFailureAbort || aws.ToString(got.Workflows[0].ParallelGroup) != "g1" {
		t.Errorf("pipeline = %+v", got)
	}
	// A role given by name is the caller's account's role of that name.
	in2 := p.input("by-name")
	in2.ExecutionRole = aws.String("pipeline-exec")
	p.create(t, p.ib, in2)

	// Without imagebuilder:GetWorkflow the workflow cannot be used.
	noWorkflow := p.user(t, "nowf", policyOf(
		`{"Effect":"Allow","Action":"imagebuilder:*","Resource":"*"}`,
		`{"Effect":"Deny","Action":"imagebuilder:GetWorkflow","Resource":"*"}`))
	in3 := p.input("denied-workflow")
	in3.Workflows = in.Workflows
	_, err = noWorkflow.CreateImagePipeline(ctx, in3)
	if apiErr := requireAPIError(t, err, "AccessDeniedException", 403); !strings.Contains(apiErr.ErrorMessage(), "imagebuilder:GetWorkflow") {
		t.Errorf("denial %q does not name imagebuilder:GetWorkflow", apiErr.ErrorMessage())
	}
	// Nor the recipe without imagebuilder:GetImageRecipe.
	noRecipe := p.user(t, "norecipe", policyOf(
		`{"Effect":"Allow","Action":"imagebuilder:*","Resource":"*"}`,
		`{"Effect":"Deny","Action":"imagebuilder:GetImageRecipe","Resource":"*"}`))
	_, err = noRecipe.CreateImagePipeline(ctx, p.input("denied-recipe"))
	if apiErr := requireAPIError(t, err, "AccessDeniedException", 403); !strings.Contains(apiErr.ErrorMessage(), "imagebuilder:GetImageRecipe") {
		t.Errorf("denial %q does not name imagebuilder:GetImageRecipe", apiErr.ErrorMessage())
	}
}

func TestImagePipelineTags(t *testing.T) {
	p := startPipelines(t)
	ctx := testContext(t)
	reads := `{"Effect":"Allow","Action":["imagebuilder:GetImageRecipe","imagebuilder:GetInfrastructureConfiguration","imagebuilder:GetDistributionConfiguration","imagebuilder:GetWorkflow"],"Resource":"*"}`
	tagged := p.user(t, "tagged", policyOf(reads,
		`{"Effect":"Allow","Action":"imagebuilder:CreateImagePipeline","Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/team":"images"}}}`,
		`{"Effect":"Allow","Action":["imagebuilder:GetImagePipeline","imagebuilder:UpdateImagePipeline","imagebuilder:DeleteImagePipeline"],"Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"images"}}}`))
	in := p.input("tagged")
	_, err := tagged.CreateImagePipeline(ctx, in)
	requireAPIError(t, err, "AccessDeniedException", 403)
	in.Tags = map[string]string{"team": "images"}
	in.ClientToken = aws.String("tagged-2")
	arn := p.create(t, tagged, in)
	getPipeline(t, tagged, arn)

	untagged := p.create(t, p.ib, p.input("untagged"))
	_, err = tagged.GetImagePipeline(ctx, &imagebuilder.GetImagePipelineInput{ImagePipelineArn: aws.String(untagged)})
	requireAPIError(t, err, "AccessDeniedException", 403)
	if _, err := p.ib.TagResource(ctx, &imagebuilder.TagResourceInput{ResourceArn: aws.String(untagged), Tags: map[string]string{"team": "images", "x": "y"}}); err != nil {
		t.Fatalf("TagResource: %v", err)
	}
	getPipeline(t, tagged, untagged)
	tags, err := p.ib.ListTagsForResource(ctx, &imagebuilder.ListTagsForResourceInput{ResourceArn: aws.String(untagged)})
	if err != nil || tags.Tags["team"] != "images" || tags.Tags["x"] != "y" {
		t.Fatalf("ListTagsForResource: %v %+v", err, tags)
	}
	if _, err := p.ib.UntagResource(ctx, &imagebuilder.UntagResourceInput{ResourceArn: aws.String(untagged), TagKeys: []string{"team"}}); err != nil {
		t.Fatalf("UntagResource: %v", err)
	}
	_, err = tagged.DeleteImagePipeline(ctx, &imagebuilder.DeleteImagePipelineInput{ImagePipelineArn: aws.String(untagged)})
	requireAPIError(t, err, "AccessDeniedException", 403)
	if got := getPipeline(t, p.ib, untagged); len(got.Tags) != 1 || got.Tags["x"] != "y" {
		t.Errorf("tags after untag = %v", got.Tags)
	}
	// An update keeps the tags.
	if _, err := tagged.UpdateImagePipeline(ctx, &imagebuilder.UpdateImagePipelineInput{
		ImagePipelineArn: aws.String(arn), ImageRecipeArn: aws.String(p.recipe), InfrastructureConfigurationArn: aws.String(p.infra), ClientToken: aws.String("u"),
	}); err != nil {
		t.Fatalf("UpdateImagePipeline: %v", err)
	}
	if got := getPipeline(t, tagged, arn); got.Tags["team"] != "images" {
		t.Errorf("tags after update = %v", got.Tags)
	}
}

// TestImagePipelineScheduleWithoutBuilds: what the scheduler does before any
// build starts: nothing before a pipeline is due, nothing for a disabled
// or unscheduled pipeline.
func TestImagePipelineScheduleWithoutBuilds(t *testing.T) {
	p := startPipelines(t)
	ctx := testContext(t)
	in := p.input("every-five")
	in.Schedule = &types.Schedule{ScheduleExpression: aws.String("cron(0/5 * * * ? *)"), PipelineExecutionStartCondition: types.PipelineExecutionStartConditionExpressionMatchOnly}
	arn := p.create(t, p.ib, in)
	off := p.input("off")
	off.Schedule = in.Schedule
	off.Status = types.PipelineStatusDisabled
	offARN := p.create(t, p.ib, off)
	p.create(t, p.ib, p.input("manual"))
	due := nextFive(p.clock.Now())
	if got := aws.ToString(getPipeline(t, p.ib, arn).DateNextRun); got != ts(due) {
		t.Fatalf("dateNextRun = %s, want %s", got, ts(due))
	}
	p.clock.Advance(due.Sub(p.clock.Now()) - time.Minute) // a minute before
	n, err := p.emu.RunDueSchedules(ctx)
	if err != nil || n != 0 {
		t.Fatalf("RunDueSchedules before due = %d, %v", n, err)
	}
	got := getPipeline(t, p.ib, arn)
	if aws.ToString(got.DateNextRun) != ts(due) || got.DateLastRun != nil {
		t.Errorf("pipeline before due: %+v", got)
	}
	if got := getPipeline(t, p.ib, offARN); got.DateNextRun != nil || got.DateLastRun != nil {
		t.Errorf("disabled pipeline: %+v", got)
	}
	// ListImagePipelineImages of a pipeline that built nothing is empty.
	imgs, err := p.ib.ListImagePipelineImages(ctx, &imagebuilder.ListImagePipelineImagesInput{ImagePipelineArn: aws.String(arn)})
	if err != nil || imgs.ImageSummaryList == nil || len(imgs.ImageSummaryList) != 0 || imgs.NextToken != nil {
		t.Fatalf("ListImagePipelineImages: %v %+v", err, imgs)
	}
	_, err = p.ib.ListImagePipelineImages(ctx, &imagebuilder.ListImagePipelineImagesInput{ImagePipelineArn: aws.String(arn), Filters: []types.Filter{filter("platform", "Linux")}})
	requireAPIError(t, err, "InvalidParameterValueException", 400)
	_, err = p.ib.ListImagePipelineImages(ctx, &imagebuilder.ListImagePipelineImagesInput{ImagePipelineArn: aws.String(arn), NextToken: aws.String("bogus")})
	requireAPIError(t, err, "InvalidPaginationTokenException", 400)
}
