package awsmanaged

import "testing"

// TestCatalog: every shipped policy parses (init would panic otherwise), has
// AWS's ARN shape and an IAM policy id, and the ones the brief names exist.
func TestCatalog(t *testing.T) {
	want := []string{
		"arn:aws:iam::aws:policy/AdministratorAccess",
		"arn:aws:iam::aws:policy/ReadOnlyAccess",
		"arn:aws:iam::aws:policy/IAMReadOnlyAccess",
		"arn:aws:iam::aws:policy/EC2InstanceProfileForImageBuilder",
		"arn:aws:iam::aws:policy/EC2InstanceProfileForImageBuilderECRContainerBuilds",
		"arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
		"arn:aws:iam::aws:policy/AWSImageBuilderFullAccess",
		"arn:aws:iam::aws:policy/AWSImageBuilderReadOnlyAccess",
		"arn:aws:iam::aws:policy/aws-service-role/AWSServiceRoleForImageBuilder",
		"arn:aws:iam::aws:policy/service-role/EC2ImageBuilderLifecycleExecutionPolicy",
		"arn:aws:iam::aws:policy/Ec2ImageBuilderCrossAccountDistributionAccess",
	}
	for _, arn := range want {
		p, ok := Lookup(arn)
		if !ok {
			t.Errorf("%s is not in the catalog", arn)
			continue
		}
		if len(p.ID) != 21 || p.ID[:4] != "ANPA" {
			t.Errorf("%s: policy id %q", arn, p.ID)
		}
		if p.Parsed == nil || p.Document == "" || p.DefaultVersion == "" || p.Created.IsZero() {
			t.Errorf("%s: incomplete entry %+v", arn, p)
		}
	}
	if len(All()) != len(want) {
		t.Errorf("catalog has %d policies, want %d", len(All()), len(want))
	}
	if IsAWSManagedARN("arn:aws:iam::111122223333:policy/x") || !IsAWSManagedARN("arn:aws:iam::aws:policy/x") {
		t.Error("IsAWSManagedARN")
	}
}
