package emulator_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/emulator/emulatortest"
)

// mustInstanceProfile creates a role and an instance profile of the same
// name holding it, with the IAM client c, and returns the role's ARN.
func mustInstanceProfile(t *testing.T, c *iam.Client, name string) string {
	t.Helper()
	ctx := testContext(t)
	role, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(ec2Trust)})
	if err != nil {
		t.Fatalf("CreateRole %s: %v", name, err)
	}
	if _, err := c.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String(name)}); err != nil {
		t.Fatalf("CreateInstanceProfile %s: %v", name, err)
	}
	if _, err := c.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String(name), RoleName: aws.String(name)}); err != nil {
		t.Fatalf("AddRoleToInstanceProfile %s: %v", name, err)
	}
	return aws.ToString(role.Role.Arn)
}

// ibEnv is an emulator with accountA's root clients and an instance profile
// "builder".
type ibEnv struct {
	emu  *emulator.Emulator
	ib   *imagebuilder.Client
	iam  *iam.Client
	role string
}

func startIB(t *testing.T) *ibEnv {
	t.Helper()
	emu := emulatortest.Start(t)
	e := &ibEnv{emu: emu, ib: client(t, emu, accountA), iam: iamClient(t, emu.AWSConfig(accountA))}
	e.role = mustInstanceProfile(t, e.iam, "builder")
	return e
}

// user creates an IAM user of accountA with the inline policy and returns
// an Image Builder client signing as it.
func (e *ibEnv) user(t *testing.T, name, doc string) *imagebuilder.Client {
	t.Helper()
	ctx := testContext(t)
	if _, err := e.iam.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if _, err := e.iam.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(doc)}); err != nil {
		t.Fatalf("PutUserPolicy: %v", err)
	}
	key, err := e.iam.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatalf("CreateAccessKey: %v", err)
	}
	cfg := e.emu.AWSConfigWithCredentials(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "")
	return newIB(cfg, func(o *imagebuilder.Options) {
		o.RetryMaxAttempts = 1
		o.HTTPClient = &http.Client{Transport: emulator.ReaderOnlyBodies{Next: http.DefaultTransport}}
	})
}

func infraARN(account, name string) string {
	return fmt.Sprintf("arn:aws:imagebuilder:%s:%s:infrastructure-configuration/%s", region, account, name)
}

func infraInput(name string) *imagebuilder.CreateInfrastructureConfigurationInput {
	return &imagebuilder.CreateInfrastructureConfigurationInput{
		Name:                aws.String(name),
		InstanceProfileName: aws.String("builder"),
		ClientToken:         aws.String("token-" + name),
	}
}

func TestInfrastructureConfigurationLifecycle(t *testing.T) {
	e := startIB(t)
	ctx := testContext(t)
	in := infraInput("My Config")
	in.Description = aws.String("builds")
	in.InstanceTypes = []string{"t3.micro", "m5.large"}
	in.SecurityGroupIds = []string{"sg-0123456789abcdef0"}
	in.SubnetId = aws.String("subnet-0123456789abcdef0")
	in.KeyPair = aws.String("kp")
	in.SnsTopicArn = aws.String("arn:aws:sns:us-east-1:111122223333:builds")
	in.ResourceTags = map[string]string{"team": "images"}
	in.Tags = map[string]string{"env": "test"}
	in.InstanceMetadataOptions = &types.InstanceMetadataOptions{HttpTokens: aws.String("required"), HttpPutResponseHopLimit: aws.Int32(2)}
	in.Placement = &types.Placement{AvailabilityZone: aws.String("us-east-1a"), Tenancy: types.TenancyTypeDefault}
	// The logging bucket must exist.
	in.Logging = &types.Logging{S3Logs: &types.S3Logs{S3BucketName: aws.String("logs"), S3KeyPrefix: aws.String("ib/")}}
	_, err := e.ib.CreateInfrastructureConfiguration(ctx, in)
	if apiErr := requireAPIError(t, err, "InvalidParameterValueException", 400); !strings.Contains(apiErr.ErrorMessage(), "logs") {
		t.Errorf("message %q does not name the bucket", apiErr.ErrorMessage())
	}
	mustBucket(t, e.emu, accountA, "logs")
	out, err := e.ib.CreateInfrastructureConfiguration(ctx, in)
	if err != nil {
		t.Fatalf("CreateInfrastructureConfiguration: %v", err)
	}
	arn := infraARN(accountA, "my-config")
	if got := aws.ToString(out.InfrastructureConfigurationArn); got != arn {
		t.Fatalf("arn = %s, want %s", got, arn)
	}
	if aws.ToString(out.RequestId) == "" || aws.ToString(out.ClientToken) != "token-My Config" {
		t.Errorf("requestId %q clientToken %q", aws.ToString(out.RequestId), aws.ToString(out.ClientToken))
	}
	// A retry with the same token answers the same; another request with it
	// is refused; the same name with another token already exists.
	again, err := e.ib.CreateInfrastructureConfiguration(ctx, in)
	if err != nil || aws.ToString(again.InfrastructureConfigurationArn) != arn || aws.ToString(again.RequestId) == aws.ToString(out.RequestId) {
		t.Fatalf("retry: %v %+v", err, again)
	}
	other := *in
	other.Description = aws.String("other")
	_, err = e.ib.CreateInfrastructureConfiguration(ctx, &other)
	requireAPIError(t, err, "IdempotentParameterMismatchException", 400)
	other.ClientToken = aws.String("fresh")
	_, err = e.ib.CreateInfrastructureConfiguration(ctx, &other)
	requireMessage(t, requireAPIError(t, err, "ResourceAlreadyExistsException", 400),
		"The following resource 'InfrastructureConfiguration' already exists: '"+arn+"'.")

	got, err := e.ib.GetInfrastructureConfiguration(ctx, &imagebuilder.GetInfrastructureConfigurationInput{InfrastructureConfigurationArn: aws.String(arn)})
	if err != nil {
		t.Fatalf("GetInfrastructureConfiguration: %v", err)
	}
	ic := got.InfrastructureConfiguration
	if aws.ToString(ic.Name) != "My Config" || aws.ToString(ic.Arn) != arn || aws.ToString(ic.Description) != "builds" ||
		!aws.ToBool(ic.TerminateInstanceOnFailure) || aws.ToString(ic.InstanceProfileName) != "builder" ||
		len(ic.InstanceTypes) != 2 || aws.ToString(ic.SnsTopicArn) != aws.ToString(in.SnsTopicArn) ||
		aws.ToString(ic.InstanceMetadataOptions.HttpTokens) != "required" || aws.ToInt32(ic.InstanceMetadataOptions.HttpPutResponseHopLimit) != 2 ||
		ic.Placement.Tenancy != types.TenancyTypeDefault || aws.ToString(ic.Logging.S3Logs.S3KeyPrefix) != "ib/" ||
		ic.ResourceTags["team"] != "images" || ic.Tags["env"] != "test" || aws.ToString(ic.DateCreated) == "" || ic.DateUpdated != nil {
		t.Fatalf("GetInfrastructureConfiguration = %+v", ic)
	}
	if aws.ToString(got.RequestId) == "" {
		t.Error("no requestId")
	}

	// Update replaces the settings, keeps name, tags and dateCreated.
	up, err := e.ib.UpdateInfrastructureConfiguration(ctx, &imagebuilder.UpdateInfrastructureConfigurationInput{
		InfrastructureConfigurationArn: aws.String(arn),
		InstanceProfileName:            aws.String("builder"),
		Description:                    aws.String("updated"),
		TerminateInstanceOnFailure:     aws.Bool(false),
		ClientToken:                    aws.String("u1"),
	})
	if err != nil || aws.ToString(up.InfrastructureConfigurationArn) != arn {
		t.Fatalf("UpdateInfrastructureConfiguration: %v", err)
	}
	got, _ = e.ib.GetInfrastructureConfiguration(ctx, &imagebuilder.GetInfrastructureConfigurationInput{InfrastructureConfigurationArn: aws.String(arn)})
	ic = got.InfrastructureConfiguration
	if aws.ToString(ic.Description) != "updated" || aws.ToBool(ic.TerminateInstanceOnFailure) || len(ic.InstanceTypes) != 0 ||
		ic.Tags["env"] != "test" || aws.ToString(ic.Name) != "My Config" || aws.ToString(ic.DateUpdated) == "" {
		t.Fatalf("after update = %+v", ic)
	}

	// Tags through the tagging operations.
	if _, err := e.ib.TagResource(ctx, &imagebuilder.TagResourceInput{ResourceArn: aws.String(arn), Tags: map[string]string{"k": "v"}}); err != nil {
		t.Fatalf("TagResource: %v", err)
	}
	requireTags(t, "tags", tagsOf(t, e.ib, arn), map[string]string{"env": "test", "k": "v"})

	if _, err := e.ib.DeleteInfrastructureConfiguration(ctx, &imagebuilder.DeleteInfrastructureConfigurationInput{InfrastructureConfigurationArn: aws.String(arn)}); err != nil {
		t.Fatalf("DeleteInfrastructureConfiguration: %v", err)
	}
	_, err = e.ib.GetInfrastructureConfiguration(ctx, &imagebuilder.GetInfrastructureConfigurationInput{InfrastructureConfigurationArn: aws.String(arn)})
	requireMessage(t, requireAPIError(t, err, "ResourceNotFoundException", 404), "The infrastructure configuration "+arn+" does not exist.")
	_, err = e.ib.DeleteInfrastructureConfiguration(ctx, &imagebuilder.DeleteInfrastructureConfigurationInput{InfrastructureConfigurationArn: aws.String(arn)})
	requireAPIError(t, err, "ResourceNotFoundException", 404)
}

func TestInfrastructureConfigurationList(t *testing.T) {
	e := startIB(t)
	ctx := testContext(t)
	var want []string
	for i := range 7 {
		name := fmt.Sprintf("cfg-%02d", i)
		if _, err := e.ib.CreateInfrastructureConfiguration(ctx, infraInput(name)); err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
		want = append(want, infraARN(accountA, name))
	}
	var got []string
	var token *string
	pages := 0
	for {
		out, err := e.ib.ListInfrastructureConfigurations(ctx, &imagebuilder.ListInfrastructureConfigurationsInput{MaxResults: aws.Int32(3), NextToken: token})
		if err != nil {
			t.Fatalf("ListInfrastructureConfigurations: %v", err)
		}
		pages++
		for _, s := range out.InfrastructureConfigurationSummaryList {
			got = append(got, aws.ToString(s.Arn))
			if aws.ToString(s.InstanceProfileName) != "builder" || aws.ToString(s.DateCreated) == "" {
				t.Errorf("summary %+v", s)
			}
		}
		if token = out.NextToken; token == nil {
			break
		}
	}
	requireSameStrings(t, "listed", got, want)
	if pages != 3 {
		t.Errorf("pages = %d, want 3", pages)
	}
	out, err := e.ib.ListInfrastructureConfigurations(ctx, &imagebuilder.ListInfrastructureConfigurationsInput{
		Filters: []types.Filter{{Name: aws.String("name"), Values: []string{"cfg-03", "cfg-05"}}},
	})
	if err != nil || len(out.InfrastructureConfigurationSummaryList) != 2 || out.NextToken != nil {
		t.Fatalf("filtered: %v %+v", err, out)
	}
	_, err = e.ib.ListInfrastructureConfigurations(ctx, &imagebuilder.ListInfrastructureConfigurationsInput{
		Filters: []types.Filter{{Name: aws.String("platform"), Values: []string{"Linux"}}},
	})
	requireAPIError(t, err, "InvalidParameterValueException", 400)
	_, err = e.ib.ListInfrastructureConfigurations(ctx, &imagebuilder.ListInfrastructureConfigurationsInput{NextToken: aws.String("bogus")})
	requireAPIError(t, err, "InvalidPaginationTokenException", 400)

	// Another account sees none of them, and cannot read one.
	b := client(t, e.emu, accountB)
	outB, err := b.ListInfrastructureConfigurations(ctx, &imagebuilder.ListInfrastructureConfigurationsInput{})
	if err != nil || len(outB.InfrastructureConfigurationSummaryList) != 0 {
		t.Fatalf("account B lists %v %+v", err, outB)
	}
	_, err = b.GetInfrastructureConfiguration(ctx, &imagebuilder.GetInfrastructureConfigurationInput{InfrastructureConfigurationArn: aws.String(want[0])})
	if err == nil {
		t.Fatal("account B read account A's configuration")
	}
}

func TestInfrastructureConfigurationValidation(t *testing.T) {
	e := startIB(t)
	ctx := testContext(t)
	cases := []struct {
		name, code string
		edit       func(*imagebuilder.CreateInfrastructureConfigurationInput)
		msg        string
	}{
		{"no such profile", "InvalidParameterValueException", func(in *imagebuilder.CreateInfrastructureConfigurationInput) {
			in.InstanceProfileName = aws.String("missing")
		}, "The value supplied for parameter 'instanceProfileName' is not valid. The instance profile missing does not exist."},
		{"subnet without groups", "InvalidParameterCombinationException", func(in *imagebuilder.CreateInfrastructureConfigurationInput) {
			in.SubnetId = aws.String("subnet-1")
		}, ""},
		{"host id without host tenancy", "InvalidParameterCombinationException", func(in *imagebuilder.CreateInfrastructureConfigurationInput) {
			in.Placement = &types.Placement{HostId: aws.String("h-1"), Tenancy: types.TenancyTypeDedicated}
		}, ""},
		{"host id and group", "InvalidParameterCombinationException", func(in *imagebuilder.CreateInfrastructureConfigurationInput) {
			in.Placement = &types.Placement{HostId: aws.String("h-1"), HostResourceGroupArn: aws.String("arn:aws:resource-groups:us-east-1:111122223333:group/g"), Tenancy: types.TenancyTypeHost}
		}, ""},
		{"hop limit", "InvalidParameterValueException", func(in *imagebuilder.CreateInfrastructureConfigurationInput) {
			in.InstanceMetadataOptions = &types.InstanceMetadataOptions{HttpPutResponseHopLimit: aws.Int32(65)}
		}, ""},
		{"tokens", "InvalidParameterValueException", func(in *imagebuilder.CreateInfrastructureConfigurationInput) {
			in.InstanceMetadataOptions = &types.InstanceMetadataOptions{HttpTokens: aws.String("sometimes")}
		}, ""},
		{"sns topic", "InvalidParameterValueException", func(in *imagebuilder.CreateInfrastructureConfigurationInput) {
			in.SnsTopicArn = aws.String("arn:aws:sqs:us-east-1:111122223333:q")
		}, ""},
	}
	for _, tc := range cases {
		in := infraInput("bad")
		tc.edit(in)
		_, err := e.ib.CreateInfrastructureConfiguration(ctx, in)
		apiErr := requireAPIError(t, err, tc.code, 400)
		if tc.msg != "" {
			requireMessage(t, apiErr, tc.msg)
		}
	}
	out, err := e.ib.ListInfrastructureConfigurations(ctx, &imagebuilder.ListInfrastructureConfigurationsInput{})
	if err != nil || len(out.InfrastructureConfigurationSummaryList) != 0 {
		t.Fatalf("something was stored: %v %+v", err, out)
	}
	// A profile without a role.
	if _, err := e.iam.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("empty")}); err != nil {
		t.Fatal(err)
	}
	in := infraInput("x")
	in.InstanceProfileName = aws.String("empty")
	_, err = e.ib.CreateInfrastructureConfiguration(ctx, in)
	requireAPIError(t, err, "InvalidParameterValueException", 400)
	// Wrong resource types and missing resources.
	_, err = e.ib.GetInfrastructureConfiguration(ctx, &imagebuilder.GetInfrastructureConfigurationInput{InfrastructureConfigurationArn: aws.String(componentARN(accountA, "x", "1.0.0", 1))})
	requireAPIError(t, err, "InvalidParameterValueException", 400)
	_, err = e.ib.UpdateInfrastructureConfiguration(ctx, &imagebuilder.UpdateInfrastructureConfigurationInput{
		InfrastructureConfigurationArn: aws.String(infraARN(accountA, "nope")), InstanceProfileName: aws.String("builder"), ClientToken: aws.String("t"),
	})
	requireAPIError(t, err, "ResourceNotFoundException", 404)
}

// allowIB allows every Image Builder action.
const allowIB = `{"Effect":"Allow","Action":"imagebuilder:*","Resource":"*"}`

func policyOf(statements ...string) string {
	doc := `{"Version":"2012-10-17","Statement":[`
	for i, s := range statements {
		if i > 0 {
			doc += ","
		}
		doc += s
	}
	return doc + "]}"
}

func TestInfrastructureConfigurationPassRole(t *testing.T) {
	e := startIB(t)
	ctx := testContext(t)
	noPass := e.user(t, "nopass", policyOf(allowIB))
	_, err := noPass.CreateInfrastructureConfiguration(ctx, infraInput("cfg-a"))
	apiErr := requireAPIError(t, err, "AccessDeniedException", 403)
	requireMessage(t, apiErr, "User: arn:aws:iam::"+accountA+":user/nopass is not authorized to perform: iam:PassRole on resource: "+e.role+" because no identity-based policy allows the iam:PassRole action")

	// PassRole to another service does not count.
	wrong := e.user(t, "wrongsvc", policyOf(allowIB, `{"Effect":"Allow","Action":"iam:PassRole","Resource":"*","Condition":{"StringEquals":{"iam:PassedToService":"lambda.amazonaws.com"}}}`))
	_, err = wrong.CreateInfrastructureConfiguration(ctx, infraInput("cfg-a"))
	requireAPIError(t, err, "AccessDeniedException", 403)

	pass := e.user(t, "pass", policyOf(allowIB, `{"Effect":"Allow","Action":"iam:PassRole","Resource":"`+e.role+`","Condition":{"StringEquals":{"iam:PassedToService":"ec2.amazonaws.com"}}}`))
	if _, err := pass.CreateInfrastructureConfiguration(ctx, infraInput("cfg-a")); err != nil {
		t.Fatalf("with PassRole: %v", err)
	}
	// Updating needs it too.
	_, err = noPass.UpdateInfrastructureConfiguration(ctx, &imagebuilder.UpdateInfrastructureConfigurationInput{
		InfrastructureConfigurationArn: aws.String(infraARN(accountA, "cfg-a")), InstanceProfileName: aws.String("builder"), ClientToken: aws.String("u"),
	})
	requireAPIError(t, err, "AccessDeniedException", 403)
}

func TestInfrastructureConfigurationConditionKeys(t *testing.T) {
	e := startIB(t)
	ctx := testContext(t)
	passRole := `{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}`
	// A Deny on metadata tokens other than required.
	tokens := e.user(t, "tokens", policyOf(allowIB, passRole,
		`{"Effect":"Deny","Action":"imagebuilder:CreateInfrastructureConfiguration","Resource":"*","Condition":{"StringNotEquals":{"imagebuilder:Ec2MetadataHttpTokens":"required"}}}`))
	in := infraInput("optional")
	in.InstanceMetadataOptions = &types.InstanceMetadataOptions{HttpTokens: aws.String("optional")}
	_, err := tokens.CreateInfrastructureConfiguration(ctx, in)
	requireAPIError(t, err, "AccessDeniedException", 403)
	in = infraInput("required")
	in.InstanceMetadataOptions = &types.InstanceMetadataOptions{HttpTokens: aws.String("required")}
	if _, err := tokens.CreateInfrastructureConfiguration(ctx, in); err != nil {
		t.Fatalf("required tokens: %v", err)
	}

	// The SNS topic.
	topic := e.user(t, "topic", policyOf(allowIB, passRole,
		`{"Effect":"Deny","Action":"imagebuilder:CreateInfrastructureConfiguration","Resource":"*","Condition":{"ArnNotLike":{"imagebuilder:StatusTopicArn":"arn:aws:sns:*:111122223333:ok-*"}}}`))
	in = infraInput("topic-bad")
	in.SnsTopicArn = aws.String("arn:aws:sns:us-east-1:111122223333:other")
	_, err = topic.CreateInfrastructureConfiguration(ctx, in)
	requireAPIError(t, err, "AccessDeniedException", 403)
	in = infraInput("topic-ok")
	in.SnsTopicArn = aws.String("arn:aws:sns:us-east-1:111122223333:ok-builds")
	if _, err := topic.CreateInfrastructureConfiguration(ctx, in); err != nil {
		t.Fatalf("allowed topic: %v", err)
	}

	// Tags of the created instances (resourceTags) and of the configuration.
	tagged := e.user(t, "tagged", policyOf(passRole,
		`{"Effect":"Allow","Action":"imagebuilder:CreateInfrastructureConfiguration","Resource":"*","Condition":{"StringEquals":{"imagebuilder:CreatedResourceTag/team":"images","aws:RequestTag/env":"test"},"ForAllValues:StringEquals":{"imagebuilder:CreatedResourceTagKeys":["team"]}}}`,
		`{"Effect":"Allow","Action":"imagebuilder:GetInfrastructureConfiguration","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/env":"test"}}}`))
	in = infraInput("tags-ok")
	in.ResourceTags = map[string]string{"team": "images"}
	in.Tags = map[string]string{"env": "test"}
	if _, err := tagged.CreateInfrastructureConfiguration(ctx, in); err != nil {
		t.Fatalf("tagged create: %v", err)
	}
	in = infraInput("tags-bad")
	in.ResourceTags = map[string]string{"team": "images", "extra": "x"}
	in.Tags = map[string]string{"env": "test"}
	_, err = tagged.CreateInfrastructureConfiguration(ctx, in)
	requireAPIError(t, err, "AccessDeniedException", 403)
	in = infraInput("tags-bad2")
	in.ResourceTags = map[string]string{"team": "images"}
	in.Tags = map[string]string{"env": "prod"}
	_, err = tagged.CreateInfrastructureConfiguration(ctx, in)
	requireAPIError(t, err, "AccessDeniedException", 403)
	// aws:ResourceTag from the stored configuration.
	if _, err := tagged.GetInfrastructureConfiguration(ctx, &imagebuilder.GetInfrastructureConfigurationInput{InfrastructureConfigurationArn: aws.String(infraARN(accountA, "tags-ok"))}); err != nil {
		t.Fatalf("get tagged: %v", err)
	}
	_, err = tagged.GetInfrastructureConfiguration(ctx, &imagebuilder.GetInfrastructureConfigurationInput{InfrastructureConfigurationArn: aws.String(infraARN(accountA, "required"))})
	requireAPIError(t, err, "AccessDeniedException", 403)
}
