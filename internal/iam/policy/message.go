package policy

import (
	"strings"
)

// AccessDeniedMessage renders AWS's enhanced AccessDenied message for a
// denied request ("Troubleshooting access denied error messages"):
//
//	User: ARN is not authorized to perform: ACTION on resource: ARN because no identity-based policy allows the ACTION action
//
// An explicit deny reads "with an explicit deny in a TYPE"; a denial by a
// service control policy always reads as an explicit deny, as AWS documents
// (for SCPs only: an implicit RCP denial follows the general "because no ...
// allows" form).
// The principal is the caller's own ARN (the assumed-role session ARN for role
// sessions). " on resource: ..." is left out when the resource is "*".
// It returns "" for an allowed request.
func AccessDeniedMessage(req *Request, d Decision) string {
	if d.Outcome == Allowed {
		return ""
	}
	p := req.Principal
	if p == nil {
		p = &anonymous
	}
	who, reason := p.DisplayARN(), denialReason(d, req.Action)
	var b strings.Builder
	b.Grow(64 + len(who) + len(req.Action) + len(req.Resource) + len(reason))
	b.WriteString("User: ")
	b.WriteString(who)
	b.WriteString(" is not authorized to perform: ")
	b.WriteString(req.Action)
	if req.Resource != "" && req.Resource != "*" {
		b.WriteString(" on resource: ")
		b.WriteString(req.Resource)
	}
	b.WriteByte(' ')
	b.WriteString(reason)
	return b.String()
}

func denialReason(d Decision, action string) string {
	k := d.Source
	if k == 0 {
		k = KindIdentity
	}
	// Only SCP denials are documented to read as explicit even when implicit.
	explicit := d.Outcome == ExplicitDeny || k == KindServiceControl
	if explicit {
		if k == KindTrust {
			return "with an explicit deny in the role trust policy"
		}
		return "with an explicit deny in " + k.article() + " " + k.String()
	}
	return "because no " + k.String() + " allows the " + action + " action"
}
