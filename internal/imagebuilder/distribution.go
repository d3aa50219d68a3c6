package imagebuilder

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ibemu/ibemu/internal/lazyre"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

var distConfigs = newNamed[*ibv1.DistributionConfiguration]("distribution-configuration", "distribution configuration", "DistributionConfiguration", "distribution-configurations")

// defaultDistributionTimeout is the timeoutMinutes every distribution
// configuration reports: the API reference says Image Builder does not use
// it and it cannot be set, yet the member is required in the output; AWS
// answers its maximum.
const defaultDistributionTimeout = 720

// CreateDistributionConfiguration creates a distribution configuration:
// per region, how the output AMI or container image is named, shared,
// copied and exported. The distributions are validated (see
// checkDistributions) and stored as given. Errors:
// InvalidParameterValueException, InvalidParameterCombinationException,
// ResourceAlreadyExistsException, IdempotentParameterMismatchException.
func (s *Service) CreateDistributionConfiguration(ctx context.Context, req *ibv1.CreateDistributionConfigurationRequest) (*ibv1.CreateDistributionConfigurationResponse, error) {
	if err := checkDistributions(req.GetDistributions()); err != nil {
		return nil, err
	}
	rec := &ibv1.DistributionConfiguration{}
	copyFields(rec, req)
	rec.TimeoutMinutes = ptr(int32(defaultDistributionTimeout))
	return createNamed(s, ctx, distConfigs, "CreateDistributionConfiguration", req, rec, func(arn string) *ibv1.CreateDistributionConfigurationResponse {
		return &ibv1.CreateDistributionConfigurationResponse{ClientToken: req.ClientToken, DistributionConfigurationArn: ptr(arn)}
	})
}

// UpdateDistributionConfiguration replaces a configuration's description
// and distributions. Errors: ResourceNotFoundException and those of
// CreateDistributionConfiguration.
func (s *Service) UpdateDistributionConfiguration(ctx context.Context, req *ibv1.UpdateDistributionConfigurationRequest) (*ibv1.UpdateDistributionConfigurationResponse, error) {
	const member = "distributionConfigurationArn"
	arn := req.GetDistributionConfigurationArn()
	if _, err := distConfigs.get(s, ctx, "imagebuilder:UpdateDistributionConfiguration", member, arn); err != nil {
		return nil, err
	}
	if err := checkDistributions(req.GetDistributions()); err != nil {
		return nil, err
	}
	return updateNamed(s, ctx, distConfigs, "UpdateDistributionConfiguration", member, arn, req, func(rec *ibv1.DistributionConfiguration) error {
		copyFields(rec, req, "arn", "name", "date_created", "date_updated", "tags", "timeout_minutes")
		return nil
	}, func() *ibv1.UpdateDistributionConfigurationResponse {
		return &ibv1.UpdateDistributionConfigurationResponse{ClientToken: req.ClientToken, DistributionConfigurationArn: req.DistributionConfigurationArn}
	})
}

// GetDistributionConfiguration returns a configuration. Errors:
// ResourceNotFoundException, InvalidParameterValueException.
func (s *Service) GetDistributionConfiguration(ctx context.Context, req *ibv1.GetDistributionConfigurationRequest) (*ibv1.GetDistributionConfigurationResponse, error) {
	rec, err := distConfigs.get(s, ctx, "imagebuilder:GetDistributionConfiguration", "distributionConfigurationArn", req.GetDistributionConfigurationArn())
	if err != nil {
		return nil, err
	}
	return &ibv1.GetDistributionConfigurationResponse{DistributionConfiguration: rec}, nil
}

// DeleteDistributionConfiguration deletes a configuration. Errors:
// ResourceNotFoundException, ResourceDependencyException (a pipeline uses
// it, once pipelines exist).
func (s *Service) DeleteDistributionConfiguration(ctx context.Context, req *ibv1.DeleteDistributionConfigurationRequest) (*ibv1.DeleteDistributionConfigurationResponse, error) {
	if err := distConfigs.delete(s, ctx, "imagebuilder:DeleteDistributionConfiguration", "distributionConfigurationArn", req.GetDistributionConfigurationArn()); err != nil {
		return nil, err
	}
	return &ibv1.DeleteDistributionConfigurationResponse{DistributionConfigurationArn: req.DistributionConfigurationArn}, nil
}

// ListDistributionConfigurations lists the caller's configurations in name
// order, each with the regions it distributes to; the filter "name" selects
// by exact name.
func (s *Service) ListDistributionConfigurations(ctx context.Context, req *ibv1.ListDistributionConfigurationsRequest) (*ibv1.ListDistributionConfigurationsResponse, error) {
	fs, aerr := parseFilters(req.GetFilters(), "name")
	if aerr != nil {
		return nil, aerr
	}
	list, next, err := listNamed(s, ctx, distConfigs, "ListDistributionConfigurations", req.MaxResults, req.NextToken,
		func(r *ibv1.DistributionConfiguration) bool { return fs.match("name", r.GetName()) },
		func(r *ibv1.DistributionConfiguration) *ibv1.DistributionConfigurationSummary {
			sum := &ibv1.DistributionConfigurationSummary{}
			copyFields(sum, r)
			for _, d := range r.GetDistributions() {
				sum.Regions = append(sum.Regions, d.GetRegion())
			}
			return sum
		})
	if err != nil {
		return nil, err
	}
	return &ibv1.ListDistributionConfigurationsResponse{DistributionConfigurationSummaryList: list, NextToken: next}, nil
}

var (
	regionName = lazyre.New(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`)
	// amiNameVariable is one {{ … }} of an output AMI name.
	amiNameVariable = lazyre.New(`\{\{\s*([^{}]*?)\s*\}\}`)
	kmsKeyRef       = lazyre.New(`^(arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key/[0-9a-f-]{36}|key/mrk-[0-9a-f]{32}|alias/[a-zA-Z0-9/_-]+)|[0-9a-f-]{36}|mrk-[0-9a-f]{32}|alias/[a-zA-Z0-9/_-]+)$`)
)

// amiNameVariables are the variables an output AMI name may use (Image
// Builder user guide, "Create distribution settings": the name may include
// {{ imagebuilder:buildDate }} and {{ imagebuilder:buildVersion }}).
var amiNameVariables = []string{"imagebuilder:buildDate", "imagebuilder:buildVersion"}

// amiDateLayout renders {{ imagebuilder:buildDate }}: the build's time in
// UTC, to the millisecond, with the colons an AMI name may not hold written
// as hyphens (2024-05-01T12-30-45.123Z).
const amiDateLayout = "2006-01-02T15-04-05.000Z"

// expandAMIName replaces the variables of an output AMI name (checked by
// checkAMIName) with the build's values: {{ imagebuilder:buildDate }} the
// time the image was created (amiDateLayout), {{ imagebuilder:buildVersion }}
// its build number.
func expandAMIName(name string, built time.Time, build uint32) string {
	return amiNameVariable.ReplaceAllStringFunc(name, func(m string) string {
		switch amiNameVariable.FindStringSubmatch(m)[1] {
		case "imagebuilder:buildDate":
			return built.UTC().Format(amiDateLayout)
		case "imagebuilder:buildVersion":
			return strconv.FormatUint(uint64(build), 10)
		}
		return m
	})
}

// checkDistributions validates what the model's constraints cannot: at
// least one distribution, each region once and in a region's form, AMI
// names whose {{ }} variables Image Builder knows, launch permissions whose
// user groups are "all", KMS keys named by id, alias or ARN, at most one
// launch template configuration per account, fast launch templates named by
// id or name (not both) with at least 6 parallel launches (EC2's minimum for
// Windows fast launch), and SSM parameters named once per account.
func checkDistributions(ds []*ibv1.Distribution) error {
	bad := func(member, format string, args ...any) error {
		return ibv1.ErrInvalidParameterValue("The value supplied for parameter '%s' is not valid. "+format, append([]any{member}, args...)...)
	}
	if len(ds) == 0 {
		return bad("distributions", "A distribution configuration needs at least one distribution.")
	}
	seen := map[string]bool{}
	for i, d := range ds {
		at := func(m string) string { return fmt.Sprintf("distributions[%d].%s", i, m) }
		r := d.GetRegion()
		if !regionName.MatchString(r) {
			return bad(at("region"), "%s is not a region.", r)
		}
		if seen[r] {
			return bad(at("region"), "The region %s has more than one distribution; each region can be distributed to once.", r)
		}
		seen[r] = true
		if ami := d.GetAmiDistributionConfiguration(); ami != nil {
			if err := checkAMIName(at("amiDistributionConfiguration.name"), ami.GetName()); err != nil {
				return err
			}
			if k := ami.KmsKeyId; k != nil && !kmsKeyRef.MatchString(*k) {
				return bad(at("amiDistributionConfiguration.kmsKeyId"), "%s is not a KMS key id, alias or ARN.", *k)
			}
			for _, g := range ami.GetLaunchPermission().GetUserGroups() {
				if g != "all" {
					return bad(at("amiDistributionConfiguration.launchPermission.userGroups"), "The user group %s is not supported; the only user group is all.", g)
				}
			}
			for k := range ami.GetAmiTags() {
				if strings.HasPrefix(strings.ToLower(k), "aws:") {
					return bad(at("amiDistributionConfiguration.amiTags"), "The tag key %s is reserved: keys cannot begin with aws:.", k)
				}
			}
		}
		accounts := map[string]bool{}
		for j, lt := range d.GetLaunchTemplateConfigurations() {
			if accounts[lt.GetAccountId()] {
				return bad(fmt.Sprintf("%s[%d].accountId", at("launchTemplateConfigurations"), j), "Each account can have one launch template configuration per region.")
			}
			accounts[lt.GetAccountId()] = true
		}
		for j, fl := range d.GetFastLaunchConfigurations() {
			m := fmt.Sprintf("%s[%d]", at("fastLaunchConfigurations"), j)
			if lt := fl.GetLaunchTemplate(); lt != nil && lt.LaunchTemplateId != nil && lt.LaunchTemplateName != nil {
				return ibv1.ErrInvalidParameterCombination("The value supplied for parameter '%s.launchTemplate' is not valid. Specify the launch template by id or by name, not both.", m)
			}
			if n := fl.MaxParallelLaunches; n != nil && *n < 6 {
				return bad(m+".maxParallelLaunches", "Fast launch needs at least 6 parallel launches; %d is too few.", *n)
			}
		}
		params := map[string]bool{}
		for j, p := range d.GetSsmParameterConfigurations() {
			key := p.GetAmiAccountId() + "/" + p.GetParameterName()
			if params[key] {
				return bad(fmt.Sprintf("%s[%d].parameterName", at("ssmParameterConfigurations"), j), "The parameter %s is named more than once for the same account.", p.GetParameterName())
			}
			params[key] = true
		}
	}
	return nil
}

// checkAMIName checks the {{ }} variables of an output AMI name; the
// model's pattern has checked its characters.
func checkAMIName(member, name string) error {
	if name == "" {
		return nil
	}
	rest := amiNameVariable.ReplaceAllStringFunc(name, func(v string) string {
		inner := amiNameVariable.FindStringSubmatch(v)[1]
		for _, known := range amiNameVariables {
			if inner == known {
				return ""
			}
		}
		return "\x00" + inner + "\x01"
	})
	if i := strings.IndexByte(rest, 0); i >= 0 {
		unknown := rest[i+1:]
		if j := strings.IndexByte(unknown, 1); j >= 0 {
			unknown = unknown[:j]
		}
		return ibv1.ErrInvalidParameterValue("The value supplied for parameter '%s' is not valid. The variable {{ %s }} is not supported in an AMI name; use {{ %s }}.", member, unknown, strings.Join(amiNameVariables, " }} or {{ "))
	}
	if strings.ContainsAny(rest, "{}") {
		return ibv1.ErrInvalidParameterValue("The value supplied for parameter '%s' is not valid. The AMI name %s has unbalanced braces; variables are written {{ imagebuilder:buildDate }}.", member, name)
	}
	return nil
}
