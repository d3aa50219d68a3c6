package imagebuilder

import (
	"context"

	"github.com/ibemu/ibemu/internal/authz"
	"github.com/ibemu/ibemu/internal/callctx"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// Profiles is IAM as Image Builder reads it: the instance profile an
// infrastructure configuration names. internal/iam implements it.
type Profiles interface {
	// InstanceProfileRole returns the ARN of the role in account's instance
	// profile name ("" when it holds none); found is false when the account
	// has no such profile.
	InstanceProfileRole(ctx context.Context, account, name string) (roleARN string, found bool, err error)
}

// Buckets is S3 as Image Builder reads it: the bucket an infrastructure
// configuration's build logs go to. internal/s3 implements it.
type Buckets interface {
	// BucketFor reports whether the bucket exists, with its owner and
	// region.
	BucketFor(ctx context.Context, bucket string) (owner, region string, ok bool, err error)
}

var infraConfigs = newNamed[*ibv1.InfrastructureConfiguration]("infrastructure-configuration", "infrastructure configuration", "InfrastructureConfiguration", "infrastructure-configurations")

// CreateInfrastructureConfiguration creates the configuration of the
// instances that build and test images. The instance profile must exist in
// the caller's account and the caller needs iam:PassRole on its role for
// ec2.amazonaws.com (the dependent action the Service Authorization Reference
// lists); a logging bucket must exist. terminateInstanceOnFailure defaults
// to true (Image Builder API reference, CreateInfrastructureConfiguration).
// The request's condition keys (imagebuilder:Ec2MetadataHttpTokens,
// imagebuilder:StatusTopicArn, imagebuilder:CreatedResourceTagKeys,
// imagebuilder:CreatedResourceTag/*, aws:RequestTag/*, aws:TagKeys) were
// bound by the enforcement layer. Errors: InvalidParameterValueException,
// InvalidParameterCombinationException, ResourceAlreadyExistsException,
// IdempotentParameterMismatchException, AccessDeniedException.
func (s *Service) CreateInfrastructureConfiguration(ctx context.Context, req *ibv1.CreateInfrastructureConfigurationRequest) (*ibv1.CreateInfrastructureConfigurationResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	rec := &ibv1.InfrastructureConfiguration{}
	copyFields(rec, req)
	if err := s.checkInfrastructure(ctx, c, rec); err != nil {
		return nil, err
	}
	return createNamed(s, ctx, infraConfigs, "CreateInfrastructureConfiguration", req, rec, func(arn string) *ibv1.CreateInfrastructureConfigurationResponse {
		return &ibv1.CreateInfrastructureConfigurationResponse{ClientToken: req.ClientToken, InfrastructureConfigurationArn: ptr(arn)}
	})
}

// UpdateInfrastructureConfiguration replaces a configuration's settings
// with the request's (what the request leaves out is cleared, as the API
// describes the configuration as a whole); name, tags and dateCreated stay.
// The same checks as on create apply. Errors: ResourceNotFoundException and
// those of CreateInfrastructureConfiguration.
func (s *Service) UpdateInfrastructureConfiguration(ctx context.Context, req *ibv1.UpdateInfrastructureConfigurationRequest) (*ibv1.UpdateInfrastructureConfigurationResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	const member = "infrastructureConfigurationArn"
	arn := req.GetInfrastructureConfigurationArn()
	if _, err := infraConfigs.get(s, ctx, "imagebuilder:UpdateInfrastructureConfiguration", member, arn); err != nil {
		return nil, err
	}
	next := &ibv1.InfrastructureConfiguration{}
	copyFields(next, req)
	if err := s.checkInfrastructure(ctx, c, next); err != nil {
		return nil, err
	}
	return updateNamed(s, ctx, infraConfigs, "UpdateInfrastructureConfiguration", member, arn, req, func(rec *ibv1.InfrastructureConfiguration) error {
		copyFields(rec, next, "arn", "name", "date_created", "date_updated", "tags")
		return nil
	}, func() *ibv1.UpdateInfrastructureConfigurationResponse {
		return &ibv1.UpdateInfrastructureConfigurationResponse{ClientToken: req.ClientToken, InfrastructureConfigurationArn: req.InfrastructureConfigurationArn}
	})
}

// GetInfrastructureConfiguration returns a configuration. Errors:
// ResourceNotFoundException, InvalidParameterValueException.
func (s *Service) GetInfrastructureConfiguration(ctx context.Context, req *ibv1.GetInfrastructureConfigurationRequest) (*ibv1.GetInfrastructureConfigurationResponse, error) {
	rec, err := infraConfigs.get(s, ctx, "imagebuilder:GetInfrastructureConfiguration", "infrastructureConfigurationArn", req.GetInfrastructureConfigurationArn())
	if err != nil {
		return nil, err
	}
	return &ibv1.GetInfrastructureConfigurationResponse{InfrastructureConfiguration: rec}, nil
}

// DeleteInfrastructureConfiguration deletes a configuration. Errors:
// ResourceNotFoundException, ResourceDependencyException (a pipeline uses
// it, once pipelines exist).
func (s *Service) DeleteInfrastructureConfiguration(ctx context.Context, req *ibv1.DeleteInfrastructureConfigurationRequest) (*ibv1.DeleteInfrastructureConfigurationResponse, error) {
	if err := infraConfigs.delete(s, ctx, "imagebuilder:DeleteInfrastructureConfiguration", "infrastructureConfigurationArn", req.GetInfrastructureConfigurationArn()); err != nil {
		return nil, err
	}
	return &ibv1.DeleteInfrastructureConfigurationResponse{InfrastructureConfigurationArn: req.InfrastructureConfigurationArn}, nil
}

// ListInfrastructureConfigurations lists the caller's configurations in
// name order; the filter "name" selects by exact name.
func (s *Service) ListInfrastructureConfigurations(ctx context.Context, req *ibv1.ListInfrastructureConfigurationsRequest) (*ibv1.ListInfrastructureConfigurationsResponse, error) {
	fs, aerr := parseFilters(req.GetFilters(), "name")
	if aerr != nil {
		return nil, aerr
	}
	list, next, err := listNamed(s, ctx, infraConfigs, "ListInfrastructureConfigurations", req.MaxResults, req.NextToken,
		func(r *ibv1.InfrastructureConfiguration) bool { return fs.match("name", r.GetName()) },
		func(r *ibv1.InfrastructureConfiguration) *ibv1.InfrastructureConfigurationSummary {
			sum := &ibv1.InfrastructureConfigurationSummary{}
			copyFields(sum, r)
			return sum
		})
	if err != nil {
		return nil, err
	}
	return &ibv1.ListInfrastructureConfigurationsResponse{InfrastructureConfigurationSummaryList: list, NextToken: next}, nil
}

// checkInfrastructure validates a configuration as create and update take
// it, and fills in terminateInstanceOnFailure's default.
func (s *Service) checkInfrastructure(ctx context.Context, c *callctx.Call, rec *ibv1.InfrastructureConfiguration) error {
	if rec.TerminateInstanceOnFailure == nil {
		rec.TerminateInstanceOnFailure = ptr(true)
	}
	if rec.SubnetId != nil && len(rec.SecurityGroupIds) == 0 {
		return ibv1.ErrInvalidParameterCombination("The value supplied for parameter 'securityGroupIds' is not valid. A subnetId requires securityGroupIds in the subnet's VPC.")
	}
	if p := rec.GetPlacement(); p != nil {
		switch {
		case p.HostId != nil && p.HostResourceGroupArn != nil:
			return ibv1.ErrInvalidParameterCombination("The value supplied for parameter 'placement' is not valid. Specify either hostId or hostResourceGroupArn, not both.")
		case (p.HostId != nil || p.HostResourceGroupArn != nil) && p.GetTenancy() != "host":
			return ibv1.ErrInvalidParameterCombination("The value supplied for parameter 'placement.tenancy' is not valid. A hostId or hostResourceGroupArn requires tenancy host.")
		}
	}
	if err := s.checkInstanceProfile(ctx, c, rec.GetInstanceProfileName()); err != nil {
		return err
	}
	if logs := rec.GetLogging().GetS3Logs(); logs != nil {
		if logs.S3BucketName == nil {
			return ibv1.ErrInvalidParameterValue("The value supplied for parameter 'logging.s3Logs.s3BucketName' is not valid. S3 logging needs a bucket name.")
		}
		if s.buckets != nil {
			_, _, ok, err := s.buckets.BucketFor(ctx, logs.GetS3BucketName())
			if err != nil {
				return err
			}
			if !ok {
				return ibv1.ErrInvalidParameterValue("The value supplied for parameter 'logging.s3Logs.s3BucketName' is not valid. The S3 bucket %s does not exist.", logs.GetS3BucketName())
			}
		}
	}
	return nil
}

// checkInstanceProfile requires the instance profile to exist in the
// caller's account with a role, and the caller to be allowed iam:PassRole on
// that role to EC2 (condition key iam:PassedToService), a dependent check
// the caller must hold itself. Without an IAM service wired nothing is
// checked; without the enforcement layer in the call, PassRole is not.
func (s *Service) checkInstanceProfile(ctx context.Context, c *callctx.Call, name string) error {
	if s.profiles == nil {
		return nil
	}
	roleARN, found, err := s.profiles.InstanceProfileRole(ctx, c.Account, name)
	if err != nil {
		return storageError(err)
	}
	if !found {
		return ibv1.ErrInvalidParameterValue("The value supplied for parameter 'instanceProfileName' is not valid. The instance profile %s does not exist.", name)
	}
	if roleARN == "" {
		return ibv1.ErrInvalidParameterValue("The value supplied for parameter 'instanceProfileName' is not valid. The instance profile %s has no role.", name)
	}
	if authz.TargetFrom(ctx) == nil {
		return nil
	}
	return authz.Check(ctx, authz.CheckRequest{
		Action: "iam:PassRole",
		ARN:    roleARN,
		Keys:   []authz.Key{{Name: "iam:PassedToService", Values: []string{"ec2.amazonaws.com"}}},
	})
}
