package quota

import (
	"strings"
	"testing"
)

func TestDefaultsAndAdjusted(t *testing.T) {
	var none *Set
	if got := none.Limit(IAMUsers); got != 5000 {
		t.Fatalf("nil Set: UsersPerAccount = %d, want AWS's default 5000", got)
	}
	s, err := Parse([]string{"iam:UsersPerAccount=3", " kms:KeysPerRegion = 7"})
	if err != nil {
		t.Fatal(err)
	}
	for n, want := range map[Name]int{IAMUsers: 3, KMSKeys: 7, IAMRoles: 1000, S3Buckets: 10000} {
		if got := s.Limit(n); got != want {
			t.Errorf("%s = %d, want %d", n, got, want)
		}
	}
	if IAMUsers.Short() != "UsersPerAccount" {
		t.Errorf("Short = %q", IAMUsers.Short())
	}
}

func TestParseRefusesBadSettings(t *testing.T) {
	if _, err := Parse([]string{"iam:UsersPerAccount=99999999999999999999"}); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("a value past int: %v", err)
	}
	for _, bad := range []string{"iam:UsersPerAccount", "iam:UsersPerAccount=x", "iam:UsersPerAccount=0", "iam:Nope=3"} {
		_, err := Parse([]string{bad})
		if err == nil {
			t.Errorf("Parse(%q) accepted", bad)
			continue
		}
		if strings.Contains(bad, "Nope") && !strings.Contains(err.Error(), "iam:UsersPerAccount") {
			t.Errorf("Parse(%q) = %v, want the list of quota names", bad, err)
		}
	}
}
