package authz

import (
	"strings"

	"github.com/ibemu/ibemu/internal/apimodel"
	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/iam/policy"
)

// STS operations temporary credentials may call, by the operation that
// issued them ("Compare AWS STS credentials" in the IAM User Guide, and the
// GetSessionToken and GetFederationToken API references):
//
//   - GetSessionToken credentials cannot call any STS operation except
//     AssumeRole and GetCallerIdentity;
//   - GetFederationToken credentials cannot call any STS operation except
//     GetCallerIdentity;
//   - role sessions cannot call GetSessionToken or GetFederationToken, which
//     need long-term credentials.
//
// No policy can lift these rules, so they are checked before any policy
// and even for the actions no policy can deny. The denial is AWS's
// AccessDenied "Cannot call OPERATION with session credentials" (the wording
// AWS answers role sessions calling GetSessionToken or GetFederationToken,
// which the emulator uses for every refused operation). The IAM side of the
// same rules is the authenticator's (auth.checkSessionService).
var sessionSTSAllowed = map[auth.SessionKind]map[string]bool{
	auth.SessionToken:      {"sts:AssumeRole": true, "sts:GetCallerIdentity": true},
	auth.SessionFederation: {"sts:GetCallerIdentity": true},
}

// sessionSTSDenied are the STS actions role sessions may not call.
var sessionSTSDenied = map[string]bool{"sts:GetSessionToken": true, "sts:GetFederationToken": true}

// rootAssumeRole is STS's answer to a root user calling AssumeRole: roles
// cannot be assumed with root credentials ("Roles may not be assumed by root
// accounts", whatever the trust policy says; the IAM User Guide's role
// chapter says to use an IAM user or role instead).
const rootAssumeRole = "Roles may not be assumed by root accounts."

// restrictSession refuses an STS action the caller's credentials may not
// make whatever the policies say — temporary credentials limited by the
// operation that issued them, root users assuming roles — and records the
// refusal.
func (e *Enforcer) restrictSession(c *callctx.Call, proto apimodel.Protocol, action string) error {
	if serviceOfAction(action) != "sts" {
		return nil
	}
	message := ""
	if s := c.Principal.Session; s != nil {
		refused := sessionSTSDenied[action]
		if allowed, limited := sessionSTSAllowed[s.Kind]; limited {
			refused = !allowed[action]
		}
		if refused {
			message = "Cannot call " + strings.TrimPrefix(action, "sts:") + " with session credentials"
		}
	}
	if message == "" && action == "sts:AssumeRole" && c.Principal.Kind == auth.PrincipalRoot {
		message = rootAssumeRole
	}
	if message == "" {
		return nil
	}
	d := &Decision{
		Principal: c.Principal.ARN,
		Action:    action,
		Resource:  "*",
		Outcome:   policy.ExplicitDeny,
		Message:   message,
	}
	e.record(c, d)
	return AccessDenied(proto, d.Message)
}
