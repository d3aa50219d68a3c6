package emulator_test

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
)

func distARN(account, name string) string {
	return fmt.Sprintf("arn:aws:imagebuilder:%s:%s:distribution-configuration/%s", region, account, name)
}

// fullDistribution uses every member of a distribution.
func fullDistribution(r string) types.Distribution {
	return types.Distribution{
		Region: aws.String(r),
		AmiDistributionConfiguration: &types.AmiDistributionConfiguration{
			Name:             aws.String("golden-{{ imagebuilder:buildDate }}"),
			Description:      aws.String("golden image"),
			TargetAccountIds: []string{accountB},
			AmiTags:          map[string]string{"os": "al2023"},
			KmsKeyId:         aws.String("arn:aws:kms:" + r + ":111122223333:alias/ami"),
			LaunchPermission: &types.LaunchPermissionConfiguration{
				UserIds:                []string{accountB},
				UserGroups:             []string{"all"},
				OrganizationArns:       []string{"arn:aws:organizations::111122223333:organization/o-abcdefghij"},
				OrganizationalUnitArns: []string{"arn:aws:organizations::111122223333:ou/o-abcdefghij/ou-ab12-abcdefgh"},
			},
		},
		LicenseConfigurationArns: []string{"arn:aws:license-manager:" + r + ":111122223333:license-configuration:lic-0123456789abcdef0123456789abcdef"},
		LaunchTemplateConfigurations: []types.LaunchTemplateConfiguration{
			{LaunchTemplateId: aws.String("lt-0123456789abcdef0"), SetDefaultVersion: aws.Bool(true)},
			{LaunchTemplateId: aws.String("lt-0123456789abcdef1"), AccountId: aws.String(accountB)},
		},
		S3ExportConfiguration: &types.S3ExportConfiguration{RoleName: aws.String("vmimport"), DiskImageFormat: types.DiskImageFormatVmdk, S3Bucket: aws.String("exports"), S3Prefix: aws.String("ami/")},
		FastLaunchConfigurations: []types.FastLaunchConfiguration{{
			Enabled: true, MaxParallelLaunches: aws.Int32(6),
			SnapshotConfiguration: &types.FastLaunchSnapshotConfiguration{TargetResourceCount: aws.Int32(5)},
			LaunchTemplate:        &types.FastLaunchLaunchTemplateSpecification{LaunchTemplateName: aws.String("fast"), LaunchTemplateVersion: aws.String("1")},
		}},
		SsmParameterConfigurations: []types.SsmParameterConfiguration{{ParameterName: aws.String("/golden/latest"), DataType: types.SsmParameterDataTypeAwsEc2Image}},
	}
}

func TestDistributionConfigurationLifecycle(t *testing.T) {
	_, ib := startClient(t)
	ctx := testContext(t)
	in := &imagebuilder.CreateDistributionConfigurationInput{
		Name:          aws.String("Golden"),
		Description:   aws.String("everywhere"),
		Distributions: []types.Distribution{fullDistribution("us-east-1"), {Region: aws.String("eu-west-1"), ContainerDistributionConfiguration: &types.ContainerDistributionConfiguration{ContainerTags: []string{"latest"}, TargetRepository: &types.TargetContainerRepository{Service: types.ContainerRepositoryServiceEcr, RepositoryName: aws.String("golden")}}}},
		Tags:          map[string]string{"env": "test"},
		ClientToken:   aws.String("c1"),
	}
	out, err := ib.CreateDistributionConfiguration(ctx, in)
	arn := distARN(accountA, "golden")
	if err != nil || aws.ToString(out.DistributionConfigurationArn) != arn || aws.ToString(out.RequestId) == "" {
		t.Fatalf("CreateDistributionConfiguration: %v %+v", err, out)
	}
	if again, err := ib.CreateDistributionConfiguration(ctx, in); err != nil || aws.ToString(again.DistributionConfigurationArn) != arn {
		t.Fatalf("retry: %v", err)
	}
	in.ClientToken = aws.String("c2")
	_, err = ib.CreateDistributionConfiguration(ctx, in)
	requireAPIError(t, err, "ResourceAlreadyExistsException", 400)

	got, err := ib.GetDistributionConfiguration(ctx, &imagebuilder.GetDistributionConfigurationInput{DistributionConfigurationArn: aws.String(arn)})
	if err != nil {
		t.Fatalf("GetDistributionConfiguration: %v", err)
	}
	dc := got.DistributionConfiguration
	if aws.ToString(dc.Name) != "Golden" || aws.ToInt32(dc.TimeoutMinutes) != 720 || len(dc.Distributions) != 2 || dc.Tags["env"] != "test" {
		t.Fatalf("got %+v", dc)
	}
	d := dc.Distributions[0]
	if aws.ToString(d.AmiDistributionConfiguration.Name) != "golden-{{ imagebuilder:buildDate }}" ||
		d.AmiDistributionConfiguration.LaunchPermission.UserGroups[0] != "all" ||
		len(d.LaunchTemplateConfigurations) != 2 || d.S3ExportConfiguration.DiskImageFormat != types.DiskImageFormatVmdk ||
		aws.ToInt32(d.FastLaunchConfigurations[0].MaxParallelLaunches) != 6 ||
		d.SsmParameterConfigurations[0].DataType != types.SsmParameterDataTypeAwsEc2Image ||
		dc.Distributions[1].ContainerDistributionConfiguration.TargetRepository.Service != types.ContainerRepositoryServiceEcr {
		t.Fatalf("distribution not returned as given: %+v", d)
	}

	list, err := ib.ListDistributionConfigurations(ctx, &imagebuilder.ListDistributionConfigurationsInput{})
	if err != nil || len(list.DistributionConfigurationSummaryList) != 1 {
		t.Fatalf("List: %v %+v", err, list)
	}
	requireSameStrings(t, "regions", list.DistributionConfigurationSummaryList[0].Regions, []string{"us-east-1", "eu-west-1"})
	list, err = ib.ListDistributionConfigurations(ctx, &imagebuilder.ListDistributionConfigurationsInput{Filters: []types.Filter{{Name: aws.String("name"), Values: []string{"Other"}}}})
	if err != nil || len(list.DistributionConfigurationSummaryList) != 0 {
		t.Fatalf("filtered List: %v %+v", err, list)
	}

	if _, err := ib.UpdateDistributionConfiguration(ctx, &imagebuilder.UpdateDistributionConfigurationInput{
		DistributionConfigurationArn: aws.String(arn), Description: aws.String("one region"),
		Distributions: []types.Distribution{{Region: aws.String("us-west-2")}}, ClientToken: aws.String("u1"),
	}); err != nil {
		t.Fatalf("Update: %v", err)
	}
	got, _ = ib.GetDistributionConfiguration(ctx, &imagebuilder.GetDistributionConfigurationInput{DistributionConfigurationArn: aws.String(arn)})
	dc = got.DistributionConfiguration
	if aws.ToString(dc.Description) != "one region" || len(dc.Distributions) != 1 || dc.Tags["env"] != "test" || aws.ToString(dc.DateUpdated) == "" || aws.ToInt32(dc.TimeoutMinutes) != 720 {
		t.Fatalf("after update %+v", dc)
	}

	if _, err := ib.DeleteDistributionConfiguration(ctx, &imagebuilder.DeleteDistributionConfigurationInput{DistributionConfigurationArn: aws.String(arn)}); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	_, err = ib.GetDistributionConfiguration(ctx, &imagebuilder.GetDistributionConfigurationInput{DistributionConfigurationArn: aws.String(arn)})
	requireMessage(t, requireAPIError(t, err, "ResourceNotFoundException", 404), "The distribution configuration "+arn+" does not exist.")
}

func TestDistributionConfigurationValidation(t *testing.T) {
	emu, ib := startClient(t)
	ctx := testContext(t)
	withAMI := func(name string) types.Distribution {
		return types.Distribution{Region: aws.String("us-east-1"), AmiDistributionConfiguration: &types.AmiDistributionConfiguration{Name: aws.String(name)}}
	}
	cases := []struct {
		name, code string
		ds         []types.Distribution
		msg        string
	}{
		{"duplicate region", "InvalidParameterValueException", []types.Distribution{{Region: aws.String("us-east-1")}, {Region: aws.String("us-east-1")}},
			"The value supplied for parameter 'distributions[1].region' is not valid. The region us-east-1 has more than one distribution; each region can be distributed to once."},
		{"not a region", "InvalidParameterValueException", []types.Distribution{{Region: aws.String("mars")}}, ""},
		{"unknown variable", "InvalidParameterValueException", []types.Distribution{withAMI("x-{{ imagebuilder:nope }}-y")},
			"The value supplied for parameter 'distributions[0].amiDistributionConfiguration.name' is not valid. The variable {{ imagebuilder:nope }} is not supported in an AMI name; use {{ imagebuilder:buildDate }} or {{ imagebuilder:buildVersion }}."},
		{"unbalanced", "InvalidParameterValueException", []types.Distribution{withAMI("x-{{ imagebuilder:buildDate }")}, ""},
		{"user group", "InvalidParameterValueException", []types.Distribution{{Region: aws.String("us-east-1"), AmiDistributionConfiguration: &types.AmiDistributionConfiguration{LaunchPermission: &types.LaunchPermissionConfiguration{UserGroups: []string{"friends"}}}}}, ""},
		{"bad account", "InvalidParameterValueException", []types.Distribution{{Region: aws.String("us-east-1"), AmiDistributionConfiguration: &types.AmiDistributionConfiguration{TargetAccountIds: []string{"123"}}}}, ""},
		{"kms key", "InvalidParameterValueException", []types.Distribution{{Region: aws.String("us-east-1"), AmiDistributionConfiguration: &types.AmiDistributionConfiguration{KmsKeyId: aws.String("my key")}}}, ""},
		{"two templates one account", "InvalidParameterValueException", []types.Distribution{{Region: aws.String("us-east-1"), LaunchTemplateConfigurations: []types.LaunchTemplateConfiguration{{LaunchTemplateId: aws.String("lt-0123456789abcdef0")}, {LaunchTemplateId: aws.String("lt-0123456789abcdef1")}}}}, ""},
		{"fast launch id and name", "InvalidParameterCombinationException", []types.Distribution{{Region: aws.String("us-east-1"), FastLaunchConfigurations: []types.FastLaunchConfiguration{{Enabled: true, LaunchTemplate: &types.FastLaunchLaunchTemplateSpecification{LaunchTemplateId: aws.String("lt-0123456789abcdef0"), LaunchTemplateName: aws.String("x")}}}}}, ""},
		{"fast launch parallel", "InvalidParameterValueException", []types.Distribution{{Region: aws.String("us-east-1"), FastLaunchConfigurations: []types.FastLaunchConfiguration{{Enabled: true, MaxParallelLaunches: aws.Int32(2)}}}}, ""},
		{"s3 export format", "InvalidParameterValueException", []types.Distribution{{Region: aws.String("us-east-1"), S3ExportConfiguration: &types.S3ExportConfiguration{RoleName: aws.String("r"), DiskImageFormat: "ISO", S3Bucket: aws.String("b")}}}, ""},
		{"no distributions", "InvalidParameterValueException", []types.Distribution{}, ""},
	}
	for _, tc := range cases {
		_, err := ib.CreateDistributionConfiguration(ctx, &imagebuilder.CreateDistributionConfigurationInput{Name: aws.String("bad"), Distributions: tc.ds, ClientToken: aws.String(tc.name)})
		if err == nil {
			t.Fatalf("%s: accepted", tc.name)
		}
		apiErr := requireAPIError(t, err, tc.code, 400)
		if tc.msg != "" {
			requireMessage(t, apiErr, tc.msg)
		}
	}
	list, err := ib.ListDistributionConfigurations(ctx, &imagebuilder.ListDistributionConfigurationsInput{})
	if err != nil || len(list.DistributionConfigurationSummaryList) != 0 {
		t.Fatalf("stored after errors: %v %+v", err, list)
	}

	// Another account sees nothing and cannot read it.
	if _, err := ib.CreateDistributionConfiguration(ctx, &imagebuilder.CreateDistributionConfigurationInput{Name: aws.String("mine"), Distributions: []types.Distribution{{Region: aws.String("us-east-1")}}, ClientToken: aws.String("m")}); err != nil {
		t.Fatal(err)
	}
	b := client(t, emu, accountB)
	if l, err := b.ListDistributionConfigurations(ctx, &imagebuilder.ListDistributionConfigurationsInput{}); err != nil || len(l.DistributionConfigurationSummaryList) != 0 {
		t.Fatalf("B lists %v %+v", err, l)
	}
	if _, err := b.GetDistributionConfiguration(ctx, &imagebuilder.GetDistributionConfigurationInput{DistributionConfigurationArn: aws.String(distARN(accountA, "mine"))}); err == nil {
		t.Fatal("B read A's configuration")
	}
	_, err = ib.UpdateDistributionConfiguration(ctx, &imagebuilder.UpdateDistributionConfigurationInput{
		DistributionConfigurationArn: aws.String(distARN(accountA, "mine")), Distributions: []types.Distribution{{Region: aws.String("us-east-1")}, {Region: aws.String("us-east-1")}}, ClientToken: aws.String("u"),
	})
	requireAPIError(t, err, "InvalidParameterValueException", 400)
}

func TestDistributionConfigurationTags(t *testing.T) {
	e := startIB(t)
	ctx := testContext(t)
	u := e.user(t, "tagger", policyOf(
		`{"Effect":"Allow","Action":"imagebuilder:CreateDistributionConfiguration","Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/team":"images"}}}`,
		`{"Effect":"Allow","Action":["imagebuilder:GetDistributionConfiguration","imagebuilder:DeleteDistributionConfiguration"],"Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"images"}}}`))
	in := &imagebuilder.CreateDistributionConfigurationInput{Name: aws.String("tagged"), Distributions: []types.Distribution{{Region: aws.String("us-east-1")}}, ClientToken: aws.String("t1"), Tags: map[string]string{"team": "other"}}
	_, err := u.CreateDistributionConfiguration(ctx, in)
	requireAPIError(t, err, "AccessDeniedException", 403)
	in.Tags = map[string]string{"team": "images"}
	in.ClientToken = aws.String("t2")
	if _, err := u.CreateDistributionConfiguration(ctx, in); err != nil {
		t.Fatalf("tagged create: %v", err)
	}
	arn := distARN(accountA, "tagged")
	if _, err := u.GetDistributionConfiguration(ctx, &imagebuilder.GetDistributionConfigurationInput{DistributionConfigurationArn: aws.String(arn)}); err != nil {
		t.Fatalf("get: %v", err)
	}
	// Retagging it away takes the user's access.
	if _, err := e.ib.TagResource(ctx, &imagebuilder.TagResourceInput{ResourceArn: aws.String(arn), Tags: map[string]string{"team": "gone"}}); err != nil {
		t.Fatal(err)
	}
	_, err = u.GetDistributionConfiguration(ctx, &imagebuilder.GetDistributionConfigurationInput{DistributionConfigurationArn: aws.String(arn)})
	requireAPIError(t, err, "AccessDeniedException", 403)
	if _, err := e.ib.UntagResource(ctx, &imagebuilder.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	requireTags(t, "after untag", tagsOf(t, e.ib, arn), map[string]string{})
}
