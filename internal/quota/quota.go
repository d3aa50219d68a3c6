// Package quota holds the per-account resource quotas the services enforce:
// AWS's default values, adjustable the way AWS Service Quotas adjusts them
// (here: `serve --quota NAME=N`, or emulator.Config.Quotas).
//
// A quota counts the resources an account holds when one more is created;
// reaching it answers the service's own error (IAM's LimitExceeded "Cannot
// exceed quota for UsersPerAccount: 5000", S3's TooManyBuckets, KMS's
// LimitExceededException) and changes nothing. Sources: IAM and AWS STS
// quotas (IAM User Guide, "IAM object quotas"), S3's general purpose bucket
// quota (10,000 per account since November 2024), AWS KMS resource quotas
// (100,000 KMS keys per account and Region).
package quota

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Name identifies a quota: the service's prefix, a colon and the name AWS's
// error messages use ("iam:UsersPerAccount").
type Name string

// The quotas enforced.
const (
	IAMUsers            Name = "iam:UsersPerAccount"
	IAMGroups           Name = "iam:GroupsPerAccount"
	IAMRoles            Name = "iam:RolesPerAccount"
	IAMPolicies         Name = "iam:PoliciesPerAccount"
	IAMInstanceProfiles Name = "iam:InstanceProfilesPerAccount"
	S3Buckets           Name = "s3:BucketsPerAccount"
	KMSKeys             Name = "kms:KeysPerRegion"
)

// defaults are AWS's default values.
var defaults = map[Name]int{
	IAMUsers:            5000,
	IAMGroups:           300,
	IAMRoles:            1000,
	IAMPolicies:         1500,
	IAMInstanceProfiles: 1000,
	S3Buckets:           10000,
	KMSKeys:             100000,
}

// Short is the name without the service prefix ("UsersPerAccount"), as
// IAM's LimitExceeded message spells it.
func (n Name) Short() string {
	_, s, _ := strings.Cut(string(n), ":")
	return s
}

// Names lists every quota, sorted.
func Names() []Name {
	out := make([]Name, 0, len(defaults))
	for n := range defaults {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Default is AWS's default value of n; 0 for a name that is not a quota.
func Default(n Name) int { return defaults[n] }

// Set is the quotas in force: the defaults, with some values adjusted. The
// zero value and nil are the defaults. A Set is not changed after it is
// built, so it is safe for concurrent use.
type Set struct {
	adjusted map[Name]int
}

// Limit is the value of quota n.
func (s *Set) Limit(n Name) int {
	if s != nil {
		if v, ok := s.adjusted[n]; ok {
			return v
		}
	}
	return defaults[n]
}

// New builds a Set from adjusted values. It fails on a name that is not a
// quota (the error lists the names) or a value below 1.
func New(adjusted map[Name]int) (*Set, error) {
	s := &Set{adjusted: make(map[Name]int, len(adjusted))}
	for n, v := range adjusted {
		if _, ok := defaults[n]; !ok {
			return nil, fmt.Errorf("no quota %q: the quotas are %s", n, list())
		}
		if v < 1 {
			return nil, fmt.Errorf("quota %s must be at least 1, not %d", n, v)
		}
		s.adjusted[n] = v
	}
	return s, nil
}

// Parse reads "NAME=N" settings (serve --quota), such as
// "iam:UsersPerAccount=20", into a Set.
func Parse(settings []string) (*Set, error) {
	adjusted := make(map[Name]int, len(settings))
	for _, st := range settings {
		name, value, ok := strings.Cut(st, "=")
		if !ok {
			return nil, fmt.Errorf("quota %q: want NAME=N, such as iam:UsersPerAccount=20", st)
		}
		v, err := strconv.Atoi(strings.TrimSpace(value))
		if errors.Is(err, strconv.ErrRange) {
			return nil, fmt.Errorf("quota %q: %s is too large", st, strings.TrimSpace(value))
		}
		if err != nil {
			return nil, fmt.Errorf("quota %q: %q is not a whole number", st, value)
		}
		adjusted[Name(strings.TrimSpace(name))] = v
	}
	return New(adjusted)
}

func list() string {
	names := Names()
	s := make([]string, len(names))
	for i, n := range names {
		s[i] = string(n)
	}
	return strings.Join(s, ", ")
}
