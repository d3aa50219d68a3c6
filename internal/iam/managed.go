package iam

import (
	"github.com/ibemu/ibemu/internal/iam/awsmanaged"
	"github.com/ibemu/ibemu/internal/storage"
	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
)

// managed is a managed policy found by ARN: an AWS managed policy from the
// catalog or a customer managed policy of the account.
type managed struct {
	arn   string
	aws   *awsmanaged.Policy
	local *recordsv1.IAMManagedPolicy
}

// document is the default version's document.
func (m *managed) document() string {
	if m.aws != nil {
		return m.aws.Document
	}
	return defaultVersion(m.local).GetDocument()
}

// versionKey names the default version for the parse cache.
func (m *managed) versionKey() string {
	if m.aws != nil {
		return m.arn + "@" + m.aws.DefaultVersion
	}
	return m.arn + "@" + m.local.GetId() + "@" + m.local.GetDefaultVersion()
}

// splitPolicyARN splits arn:aws:iam::ACCOUNT:policy/PATH/NAME.
func splitPolicyARN(policyARN string) (account, path, name string, ok bool) {
	return splitEntityARN(policyARN, "policy")
}

// findManaged finds the managed policy an ARN names, in the account of sc
// or in AWS's catalog. A policy of another account is not found: IAM only
// attaches the account's own and AWS's.
func findManaged(tx *storage.Tx, sc storage.Scope, policyARN string) (*managed, bool, error) {
	if p, ok := awsmanaged.Lookup(policyARN); ok {
		return &managed{arn: policyARN, aws: p}, true, nil
	}
	account, path, name, ok := splitPolicyARN(policyARN)
	if !ok || account != sc.Account {
		return nil, false, nil
	}
	p, found, err := policies.Get(tx, sc, nameKey(name))
	if err != nil || !found || p.GetPath() != path || p.GetName() != name {
		return nil, false, err
	}
	return &managed{arn: policyARN, local: p}, true, nil
}

// attachable finds a policy to attach or to set as a boundary, or answers
// IAM's NoSuchEntity.
func attachable(tx *storage.Tx, sc storage.Scope, policyARN string) (*managed, error) {
	return mustFindManaged(tx, sc, policyARN, func() error {
		return iamv1.ErrNoSuchEntity("Policy %s does not exist or is not attachable.", policyARN)
	})
}

// mustFindManaged finds a managed policy by ARN or answers notFound's error.
func mustFindManaged(tx *storage.Tx, sc storage.Scope, policyARN string, notFound func() error) (*managed, error) {
	if err := checkPolicyARN(policyARN); err != nil {
		return nil, err
	}
	m, found, err := findManaged(tx, sc, policyARN)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, notFound()
	}
	return m, nil
}

// checkPolicyARN refuses what is not an IAM policy ARN at all.
func checkPolicyARN(policyARN string) error {
	if _, _, _, ok := splitPolicyARN(policyARN); !ok {
		return iamv1.ErrInvalidInput("ARN %s is not valid.", policyARN)
	}
	return nil
}

func defaultVersion(p *recordsv1.IAMManagedPolicy) *recordsv1.IAMPolicyVersion {
	for _, v := range p.GetVersions() {
		if v.GetVersionId() == p.GetDefaultVersion() {
			return v
		}
	}
	return nil
}

// usageCounts counts the entities using a policy as a permissions policy
// and as a boundary.
func usageCounts(tx *storage.Tx, sc storage.Scope, policyARN string) (attached, boundary int32, err error) {
	count := func(usage string) (int32, error) {
		var n int32
		err := policyEntities.Scan(tx, sc, storage.ScanOptions{Prefix: policyEntityPrefix(policyARN, usage)}, func([]byte, *recordsv1.IAMPolicyEntity) (bool, error) {
			n++
			return true, nil
		})
		return n, err
	}
	if attached, err = count(usagePermissions); err != nil {
		return 0, 0, err
	}
	boundary, err = count(usageBoundary)
	return attached, boundary, err
}
