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
)

const imagebuilderTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"imagebuilder.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

func lifecycleARN(account, name string) string {
	return fmt.Sprintf("arn:aws:imagebuilder:%s:%s:lifecycle-policy/%s", region, account, name)
}

func mustIBRole(t *testing.T, c *iam.Client, name, inline string) string {
	t.Helper()
	ctx := testContext(t)
	out, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(imagebuilderTrust)})
	if err != nil {
		t.Fatalf("CreateRole: %v", err)
	}
	if inline != "" {
		if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(inline)}); err != nil {
			t.Fatalf("PutRolePolicy: %v", err)
		}
	}
	return aws.ToString(out.Role.Arn)
}

func lifecycleInput(name, role string) *imagebuilder.CreateLifecyclePolicyInput {
	return &imagebuilder.CreateLifecyclePolicyInput{
		Name: aws.String(name), ExecutionRole: aws.String(role), ResourceType: types.LifecyclePolicyResourceTypeAmiImage,
		PolicyDetails: []types.LifecyclePolicyDetail{{
			Action: &types.LifecyclePolicyDetailAction{Type: types.LifecyclePolicyDetailActionTypeDelete,
				IncludeResources: &types.LifecyclePolicyDetailActionIncludeResources{Amis: true, Snapshots: true}},
			Filter:         &types.LifecyclePolicyDetailFilter{Type: types.LifecyclePolicyDetailFilterTypeAge, Value: aws.Int32(6), Unit: types.LifecyclePolicyTimeUnitMonths, RetainAtLeast: aws.Int32(2)},
			ExclusionRules: &types.LifecyclePolicyDetailExclusionRules{TagMap: map[string]string{"keep": "true"}},
		}},
		ResourceSelection: &types.LifecyclePolicyResourceSelection{Recipes: []types.LifecyclePolicyResourceSelectionRecipe{{Name: aws.String("my-recipe"), SemanticVersion: aws.String("1.x.x")}}},
		ClientToken:       aws.String("t-" + name),
	}
}

func TestLifecyclePolicyLifecycle(t *testing.T) {
	e := startIB(t)
	ctx := testContext(t)
	role := mustIBRole(t, e.iam, "lifecycle", "")
	in := lifecycleInput("Old AMIs", "lifecycle")
	in.Tags = map[string]string{"env": "test"}
	out, err := e.ib.CreateLifecyclePolicy(ctx, in)
	if err != nil {
		t.Fatalf("CreateLifecyclePolicy: %v", err)
	}
	arn := lifecycleARN(accountA, "old-amis")
	if aws.ToString(out.LifecyclePolicyArn) != arn || aws.ToString(out.ClientToken) != "t-Old AMIs" {
		t.Fatalf("create: %+v", out)
	}
	if again, err := e.ib.CreateLifecyclePolicy(ctx, in); err != nil || aws.ToString(again.LifecyclePolicyArn) != arn {
		t.Fatalf("retry: %v", err)
	}
	in.ClientToken = aws.String("other")
	_, err = e.ib.CreateLifecyclePolicy(ctx, in)
	requireMessage(t, requireAPIError(t, err, "ResourceAlreadyExistsException", 400), "The following resource 'LifecyclePolicy' already exists: '"+arn+"'.")

	got, err := e.ib.GetLifecyclePolicy(ctx, &imagebuilder.GetLifecyclePolicyInput{LifecyclePolicyArn: aws.String(arn)})
	if err != nil {
		t.Fatalf("GetLifecyclePolicy: %v", err)
	}
	p := got.LifecyclePolicy
	if aws.ToString(p.Name) != "Old AMIs" || p.Status != types.LifecyclePolicyStatusEnabled || aws.ToString(p.ExecutionRole) != role ||
		p.DateCreated == nil || p.Tags["env"] != "test" || len(p.PolicyDetails) != 1 || aws.ToInt32(p.PolicyDetails[0].Filter.RetainAtLeast) != 2 {
		t.Errorf("policy = %+v", p)
	}

	up := &imagebuilder.UpdateLifecyclePolicyInput{
		LifecyclePolicyArn: aws.String(arn), ExecutionRole: aws.String(role), ResourceType: types.LifecyclePolicyResourceTypeAmiImage,
		Status:            types.LifecyclePolicyStatusDisabled,
		PolicyDetails:     []types.LifecyclePolicyDetail{{Action: &types.LifecyclePolicyDetailAction{Type: types.LifecyclePolicyDetailActionTypeDeprecate}, Filter: &types.LifecyclePolicyDetailFilter{Type: types.LifecyclePolicyDetailFilterTypeCount, Value: aws.Int32(5)}}},
		ResourceSelection: &types.LifecyclePolicyResourceSelection{TagMap: map[string]string{"lifecycle": "yes"}},
		ClientToken:       aws.String("u1"),
	}
	if _, err := e.ib.UpdateLifecyclePolicy(ctx, up); err != nil {
		t.Fatalf("UpdateLifecyclePolicy: %v", err)
	}
	got, _ = e.ib.GetLifecyclePolicy(ctx, &imagebuilder.GetLifecyclePolicyInput{LifecyclePolicyArn: aws.String(arn)})
	if p := got.LifecyclePolicy; p.Status != types.LifecyclePolicyStatusDisabled || p.DateUpdated == nil || p.Tags["env"] != "test" || len(p.ResourceSelection.Recipes) != 0 {
		t.Errorf("updated = %+v", p)
	}

	// Listing: filters and paging.
	for _, n := range []string{"b-policy", "c-policy"} {
		if _, err := e.ib.CreateLifecyclePolicy(ctx, lifecycleInput(n, role)); err != nil {
			t.Fatalf("create %s: %v", n, err)
		}
	}
	var names []string
	pg := imagebuilder.NewListLifecyclePoliciesPaginator(e.ib, &imagebuilder.ListLifecyclePoliciesInput{MaxResults: aws.Int32(2)})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListLifecyclePolicies: %v", err)
		}
		for _, s := range page.LifecyclePolicySummaryList {
			names = append(names, aws.ToString(s.Name))
		}
	}
	requireSameStrings(t, "policies", names, []string{"b-policy", "c-policy", "Old AMIs"})
	l, err := e.ib.ListLifecyclePolicies(ctx, &imagebuilder.ListLifecyclePoliciesInput{Filters: []types.Filter{{Name: aws.String("status"), Values: []string{"DISABLED"}}}})
	if err != nil || len(l.LifecyclePolicySummaryList) != 1 {
		t.Errorf("status filter: %v %+v", err, l)
	}
	if l, err := client(t, e.emu, accountB).ListLifecyclePolicies(ctx, &imagebuilder.ListLifecyclePoliciesInput{}); err != nil || len(l.LifecyclePolicySummaryList) != 0 {
		t.Errorf("account B lists %v %+v", err, l)
	}

	if _, err := e.ib.DeleteLifecyclePolicy(ctx, &imagebuilder.DeleteLifecyclePolicyInput{LifecyclePolicyArn: aws.String(arn)}); err != nil {
		t.Fatalf("DeleteLifecyclePolicy: %v", err)
	}
	_, err = e.ib.GetLifecyclePolicy(ctx, &imagebuilder.GetLifecyclePolicyInput{LifecyclePolicyArn: aws.String(arn)})
	requireAPIError(t, err, "ResourceNotFoundException", 404)
}

func TestLifecyclePolicyValidation(t *testing.T) {
	e := startIB(t)
	ctx := testContext(t)
	mustIBRole(t, e.iam, "lifecycle", "")
	cases := []struct {
		name   string
		change func(*imagebuilder.CreateLifecyclePolicyInput)
		want   string
	}{
		{"missing role", func(in *imagebuilder.CreateLifecyclePolicyInput) { in.ExecutionRole = aws.String("nope") }, "The role nope does not exist."},
		{"other account role", func(in *imagebuilder.CreateLifecyclePolicyInput) {
			in.ExecutionRole = aws.String("arn:aws:iam::" + accountB + ":role/lifecycle")
		}, "not a role of account"},
		{"no selection", func(in *imagebuilder.CreateLifecyclePolicyInput) {
			in.ResourceSelection = &types.LifecyclePolicyResourceSelection{}
		}, "recipes or by tagMap"},
		{"age without unit", func(in *imagebuilder.CreateLifecyclePolicyInput) { in.PolicyDetails[0].Filter.Unit = "" }, "needs a unit"},
		{"count with retain", func(in *imagebuilder.CreateLifecyclePolicyInput) {
			in.PolicyDetails[0].Filter = &types.LifecyclePolicyDetailFilter{Type: types.LifecyclePolicyDetailFilterTypeCount, Value: aws.Int32(3), RetainAtLeast: aws.Int32(1)}
		}, "AGE filters only"},
		{"container deprecate", func(in *imagebuilder.CreateLifecyclePolicyInput) {
			in.ResourceType = types.LifecyclePolicyResourceTypeContainerImage
			in.PolicyDetails[0].Action = &types.LifecyclePolicyDetailAction{Type: types.LifecyclePolicyDetailActionTypeDeprecate}
		}, "Container images can only be deleted"},
		{"duplicate action", func(in *imagebuilder.CreateLifecyclePolicyInput) {
			in.PolicyDetails = append(in.PolicyDetails, in.PolicyDetails[0])
		}, "appears more than once"},
		{"selector", func(in *imagebuilder.CreateLifecyclePolicyInput) {
			in.ResourceSelection.Recipes[0].SemanticVersion = aws.String("x.1.x")
		}, "semanticVersion"},
	}
	for _, tc := range cases {
		in := lifecycleInput("bad", "lifecycle")
		in.ClientToken = aws.String(tc.name)
		tc.change(in)
		_, err := e.ib.CreateLifecyclePolicy(ctx, in)
		if err == nil {
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		if apiErr := requireAPIError(t, err, "InvalidRequestException", 400); !strings.Contains(apiErr.ErrorMessage(), tc.want) {
			t.Errorf("%s: message %q does not contain %q", tc.name, apiErr.ErrorMessage(), tc.want)
		}
	}
	if l, _ := e.ib.ListLifecyclePolicies(ctx, &imagebuilder.ListLifecyclePoliciesInput{}); len(l.LifecyclePolicySummaryList) != 0 {
		t.Errorf("something was stored: %+v", l.LifecyclePolicySummaryList)
	}
}

// TestLifecyclePolicyAccess: iam:PassRole for imagebuilder.amazonaws.com on
// the execution role, the imagebuilder:LifecyclePolicyResourceType
// condition key and aws:ResourceTag.
func TestLifecyclePolicyAccess(t *testing.T) {
	e := startIB(t)
	ctx := testContext(t)
	role := mustIBRole(t, e.iam, "lifecycle", "")
	noPass := e.user(t, "nopass", policyOf(allowIB))
	_, err := noPass.CreateLifecyclePolicy(ctx, lifecycleInput("pol-1", role))
	requireMessage(t, requireAPIError(t, err, "AccessDeniedException", 403),
		"User: arn:aws:iam::"+accountA+":user/nopass is not authorized to perform: iam:PassRole on resource: "+role+" because no identity-based policy allows the iam:PassRole action")
	toEC2 := e.user(t, "toec2", policyOf(allowIB, `{"Effect":"Allow","Action":"iam:PassRole","Resource":"*","Condition":{"StringEquals":{"iam:PassedToService":"ec2.amazonaws.com"}}}`))
	_, err = toEC2.CreateLifecyclePolicy(ctx, lifecycleInput("pol-1", role))
	requireAPIError(t, err, "AccessDeniedException", 403)

	// Only AMI policies, and only tagged ones readable.
	amiOnly := e.user(t, "amionly", policyOf(
		`{"Effect":"Allow","Action":"iam:PassRole","Resource":"`+role+`","Condition":{"StringEquals":{"iam:PassedToService":"imagebuilder.amazonaws.com"}}}`,
		`{"Effect":"Allow","Action":["imagebuilder:CreateLifecyclePolicy","imagebuilder:UpdateLifecyclePolicy"],"Resource":"*","Condition":{"StringEquals":{"imagebuilder:LifecyclePolicyResourceType":"AMI_IMAGE"}}}`,
		`{"Effect":"Allow","Action":"imagebuilder:GetLifecyclePolicy","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/env":"test"}}}`))
	in := lifecycleInput("ami", role)
	in.Tags = map[string]string{"env": "test"}
	if _, err := amiOnly.CreateLifecyclePolicy(ctx, in); err != nil {
		t.Fatalf("AMI policy with PassRole: %v", err)
	}
	ctr := lifecycleInput("containers", role)
	ctr.ResourceType = types.LifecyclePolicyResourceTypeContainerImage
	ctr.PolicyDetails[0].Action.IncludeResources = &types.LifecyclePolicyDetailActionIncludeResources{Containers: true}
	_, err = amiOnly.CreateLifecyclePolicy(ctx, ctr)
	requireAPIError(t, err, "AccessDeniedException", 403)
	if _, err := e.ib.CreateLifecyclePolicy(ctx, ctr); err != nil {
		t.Fatalf("root container policy: %v", err)
	}
	if _, err := amiOnly.GetLifecyclePolicy(ctx, &imagebuilder.GetLifecyclePolicyInput{LifecyclePolicyArn: aws.String(lifecycleARN(accountA, "ami"))}); err != nil {
		t.Errorf("tagged get: %v", err)
	}
	_, err = amiOnly.GetLifecyclePolicy(ctx, &imagebuilder.GetLifecyclePolicyInput{LifecyclePolicyArn: aws.String(lifecycleARN(accountA, "containers"))})
	requireAPIError(t, err, "AccessDeniedException", 403)
	// Another account cannot read it.
	_, err = client(t, e.emu, accountB).GetLifecyclePolicy(ctx, &imagebuilder.GetLifecyclePolicyInput{LifecyclePolicyArn: aws.String(lifecycleARN(accountA, "ami"))})
	if err == nil {
		t.Errorf("account B read account A's policy")
	}
}

// TestLifecycleExecutions: StartResourceStateUpdate on the injected clock,
// with its execution role checked as the role.
func TestLifecycleExecutions(t *testing.T) {
	clock := &manualClock{t: time.Now().UTC().Truncate(time.Second)}
	e := startSTS(t, func(c *emulator.Config) { c.Clock = clock.Now })
	ctx := testContext(t)
	ib := ibClient(t, e.root)
	image := fmt.Sprintf("arn:aws:imagebuilder:%s:%s:image/my-image/1.0.0/1", region, accountA)
	weak := mustIBRole(t, e.iam, "weak", "")
	strong := mustIBRole(t, e.iam, "strong", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["imagebuilder:DeleteImage"],"Resource":"*"}]}`)

	start := func(role, token string, at *time.Time) (string, error) {
		in := &imagebuilder.StartResourceStateUpdateInput{ResourceArn: aws.String(image), State: &types.ResourceState{Status: types.ResourceStatusDeleted},
			ExecutionRole: aws.String(role), ClientToken: aws.String(token), UpdateAt: at,
			IncludeResources: &types.ResourceStateUpdateIncludeResources{Amis: true, Snapshots: true}}
		out, err := ib.StartResourceStateUpdate(ctx, in)
		if err != nil {
			return "", err
		}
		return aws.ToString(out.LifecycleExecutionId), nil
	}
	_, err := start(weak, "w", nil)
	if apiErr := requireAPIError(t, err, "AccessDeniedException", 403); !strings.Contains(apiErr.ErrorMessage(), "assumed-role/weak") || !strings.Contains(apiErr.ErrorMessage(), "imagebuilder:DeleteImage") {
		t.Errorf("denial %q does not name the role and the action", apiErr.ErrorMessage())
	}
	id, err := start(strong, "s", nil)
	if err != nil || !strings.HasPrefix(id, "lce-") {
		t.Fatalf("StartResourceStateUpdate: %v %q", err, id)
	}
	status := func(id string) types.LifecycleExecutionStatus {
		out, err := ib.GetLifecycleExecution(ctx, &imagebuilder.GetLifecycleExecutionInput{LifecycleExecutionId: aws.String(id)})
		if err != nil {
			t.Fatalf("GetLifecycleExecution: %v", err)
		}
		return out.LifecycleExecution.State.Status
	}
	if st := status(id); st != types.LifecycleExecutionStatusInProgress {
		t.Errorf("status = %s, want IN_PROGRESS", st)
	}
	clock.Advance(2 * time.Second)
	if st := status(id); st != types.LifecycleExecutionStatusSuccess {
		t.Errorf("status = %s, want SUCCESS", st)
	}
	res, err := ib.ListLifecycleExecutionResources(ctx, &imagebuilder.ListLifecycleExecutionResourcesInput{LifecycleExecutionId: aws.String(id)})
	if err != nil || res.Resources == nil || len(res.Resources) != 0 || res.LifecycleExecutionState.Status != types.LifecycleExecutionStatusSuccess {
		t.Errorf("ListLifecycleExecutionResources: %v %+v", err, res)
	}
	_, err = ib.CancelLifecycleExecution(ctx, &imagebuilder.CancelLifecycleExecutionInput{LifecycleExecutionId: aws.String(id), ClientToken: aws.String("c1")})
	requireAPIError(t, err, "InvalidRequestException", 400)

	// A scheduled update is PENDING until its time and can be cancelled.
	later := clock.Now().Add(5 * time.Minute)
	id2, err := start(strong, "s2", &later)
	if err != nil {
		t.Fatalf("scheduled: %v", err)
	}
	if st := status(id2); st != types.LifecycleExecutionStatusPending {
		t.Errorf("scheduled status = %s, want PENDING", st)
	}
	if _, err := ib.CancelLifecycleExecution(ctx, &imagebuilder.CancelLifecycleExecutionInput{LifecycleExecutionId: aws.String(id2), ClientToken: aws.String("c2")}); err != nil {
		t.Fatalf("CancelLifecycleExecution: %v", err)
	}
	clock.Advance(10 * time.Minute) // past updateAt, within the signature window
	if st := status(id2); st != types.LifecycleExecutionStatusCancelled {
		t.Errorf("cancelled status = %s", st)
	}
	list, err := ib.ListLifecycleExecutions(ctx, &imagebuilder.ListLifecycleExecutionsInput{ResourceArn: aws.String(image), MaxResults: aws.Int32(1)})
	if err != nil || len(list.LifecycleExecutions) != 1 || list.NextToken == nil {
		t.Fatalf("ListLifecycleExecutions: %v %+v", err, list)
	}
	list2, err := ib.ListLifecycleExecutions(ctx, &imagebuilder.ListLifecycleExecutionsInput{ResourceArn: aws.String(image), NextToken: list.NextToken})
	if err != nil || len(list2.LifecycleExecutions) != 1 || list2.NextToken != nil {
		t.Fatalf("page 2: %v %+v", err, list2)
	}
	// Another account sees none of it.
	other := ibClient(t, e.emu.AWSConfig(accountB))
	_, err = other.GetLifecycleExecution(ctx, &imagebuilder.GetLifecycleExecutionInput{LifecycleExecutionId: aws.String(id)})
	requireAPIError(t, err, "ResourceNotFoundException", 404)

	// The caller must be able to pass the role to Image Builder.
	user := ibClient(t, e.user(t, "op", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"imagebuilder:*","Resource":"*"}]}`))
	_, err = user.StartResourceStateUpdate(ctx, &imagebuilder.StartResourceStateUpdateInput{ResourceArn: aws.String(image),
		State: &types.ResourceState{Status: types.ResourceStatusDeprecated}, ExecutionRole: aws.String(strong), ClientToken: aws.String("u")})
	if apiErr := requireAPIError(t, err, "AccessDeniedException", 403); !strings.Contains(apiErr.ErrorMessage(), "iam:PassRole") {
		t.Errorf("denial %q does not name iam:PassRole", apiErr.ErrorMessage())
	}
}

// TestLifecycleExecutionManagedPolicy: the documented setup, a role trusting
// Image Builder with AWS's EC2ImageBuilderLifecycleExecutionPolicy (which
// grants imagebuilder:DeleteImage, not imagebuilder:GetImage), may run
// StartResourceStateUpdate.
func TestLifecycleExecutionManagedPolicy(t *testing.T) {
	e := startSTS(t)
	ctx := testContext(t)
	ib := ibClient(t, e.root)
	image := fmt.Sprintf("arn:aws:imagebuilder:%s:%s:image/my-image/1.0.0/1", region, accountA)
	managed := mustIBRole(t, e.iam, "managed", "")
	if _, err := e.iam.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("managed"),
		PolicyArn: aws.String("arn:aws:iam::aws:policy/service-role/EC2ImageBuilderLifecycleExecutionPolicy")}); err != nil {
		t.Fatal(err)
	}
	for _, st := range []types.ResourceStatus{types.ResourceStatusDeleted, types.ResourceStatusDeprecated} {
		if _, err := ib.StartResourceStateUpdate(ctx, &imagebuilder.StartResourceStateUpdateInput{ResourceArn: aws.String(image),
			State: &types.ResourceState{Status: st}, ExecutionRole: aws.String(managed), ClientToken: aws.String("m" + string(st))}); err != nil {
			t.Fatalf("StartResourceStateUpdate %s with EC2ImageBuilderLifecycleExecutionPolicy: %v", st, err)
		}
	}
}
