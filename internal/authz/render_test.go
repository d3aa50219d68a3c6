package authz_test

import (
	"strings"
	"testing"

	"github.com/ibemu/ibemu/internal/authz"
	adminv1 "github.com/ibemu/ibemu/proto/admin/v1"
)

// A request with several checks is headed by how many were denied and
// which came first; one with a single check has no summary.
func TestExplainTextSummarisesChecks(t *testing.T) {
	user, role := "arn:aws:iam::111122223333:user/u", "arn:aws:sts::111122223333:assumed-role/r/i-1"
	rec := func(principal, action, outcome, check, would string) *adminv1.Decision {
		return &adminv1.Decision{RequestId: "R", Principal: principal, Action: action, Resource: "*", Outcome: outcome, Check: check, WouldDeny: would}
	}
	for _, c := range []struct {
		name string
		rs   []*adminv1.Decision
		want string // the first line; "" for none
	}{
		{"one check", []*adminv1.Decision{rec(user, "a:A", "implicitDeny", "", "")}, ""},
		{"all allowed", []*adminv1.Decision{rec(user, "a:A", "allowed", "", ""), rec(user, "iam:PassRole", "allowed", "dependent", "")},
			"Request R: 2 checks, all allowed"},
		{"one denial", []*adminv1.Decision{rec(user, "a:A", "allowed", "", ""), rec(user, "iam:PassRole", "implicitDeny", "dependent", "")},
			"Request R: 2 checks, 1 denied: check 2, iam:PassRole on * (dependent): implicitDeny"},
		{"two denials, another principal", []*adminv1.Decision{rec(user, "a:A", "allowed", "", ""), rec(role, "ssm:X", "explicitDeny", "dependent", ""), rec(user, "kms:Decrypt", "implicitDeny", "forward access", "")},
			"Request R: 3 checks, 2 denied; the first: check 2, " + role + " ssm:X on * (dependent): explicitDeny"},
		{"soft", []*adminv1.Decision{rec(user, "a:A", authz.SoftDeny, "", "implicitDeny"), rec(user, "b:B", "allowed", "", "")},
			"Request R: 2 checks, 1 allowed only by soft enforcement: check 1, a:A on *: softDeny, would be implicitDeny"},
	} {
		first, _, _ := strings.Cut(authz.ExplainText(c.rs), "\n")
		if c.want == "" {
			if !strings.HasPrefix(first, "Request R: implicitDeny:") {
				t.Errorf("%s: %q, want the record's own line", c.name, first)
			}
			continue
		}
		if first != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, first, c.want)
		}
	}
}
