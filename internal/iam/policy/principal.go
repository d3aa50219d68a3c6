package policy

import "strings"

// PrincipalKind is the kind of caller making a request.
type PrincipalKind uint8

const (
	// PrincipalAnonymous is an unauthenticated caller.
	PrincipalAnonymous PrincipalKind = iota
	// PrincipalRoot is the AWS account root user.
	PrincipalRoot
	// PrincipalUser is an IAM user.
	PrincipalUser
	// PrincipalAssumedRole is a role session (AssumeRole and friends).
	PrincipalAssumedRole
	// PrincipalFederatedUser is a GetFederationToken session.
	PrincipalFederatedUser
	// PrincipalService is an AWS service principal such as imagebuilder.amazonaws.com.
	PrincipalService
	// PrincipalWebIdentity is an external identity (OIDC or SAML provider)
	// calling AssumeRoleWithWebIdentity or AssumeRoleWithSAML.
	PrincipalWebIdentity
)

func (k PrincipalKind) String() string {
	switch k {
	case PrincipalRoot:
		return "root user"
	case PrincipalUser:
		return "IAM user"
	case PrincipalAssumedRole:
		return "role session"
	case PrincipalFederatedUser:
		return "federated user session"
	case PrincipalService:
		return "AWS service"
	case PrincipalWebIdentity:
		return "web identity"
	}
	return "anonymous"
}

// Principal describes the caller. The enforcement layer fills it from the
// authenticated credentials.
type Principal struct {
	Kind PrincipalKind
	// ARN is the caller's own ARN: arn:aws:iam::A:root, arn:aws:iam::A:user/path/name,
	// arn:aws:sts::A:assumed-role/role/session or arn:aws:sts::A:federated-user/name.
	ARN string
	// Account is the caller's 12-digit account ID.
	Account string
	// UserID is the value of aws:userid (AIDA..., ROLEID:session, ...).
	UserID string
	// Username is the friendly name of an IAM user.
	Username string
	// Tags are the principal's tags: user or role tags plus session tags.
	Tags map[string]string
	// RoleARN is the role of a role session (with its path).
	RoleARN string
	// SessionName is a role session's name.
	SessionName string
	// SourceUserARN is the IAM user that called GetFederationToken, for a
	// federated user session.
	SourceUserARN string
	// ServiceName is a service principal, e.g. imagebuilder.amazonaws.com.
	ServiceName string
	// FederatedProvider is the identity provider of a web identity caller:
	// accounts.google.com, or a SAML/OIDC provider ARN.
	FederatedProvider string
	// CanonicalUserID is the account's canonical user ID when known.
	CanonicalUserID string
}

// DisplayARN is the identity AccessDenied messages name: the session ARN for
// role sessions, the user or root ARN, the service name for services.
func (p *Principal) DisplayARN() string {
	switch p.Kind {
	case PrincipalAnonymous:
		return "anonymous"
	case PrincipalService:
		return p.ServiceName
	case PrincipalWebIdentity:
		if p.ARN != "" {
			return p.ARN
		}
		return p.FederatedProvider
	case PrincipalRoot:
		return p.arnOrRoot()
	}
	return p.ARN
}

func (p *Principal) arnOrRoot() string {
	if p.ARN != "" {
		return p.ARN
	}
	return "arn:aws:iam::" + p.Account + ":root"
}

// isSession reports whether the principal is a session principal, which
// session policies apply to.
func (p *Principal) isSession() bool {
	return p.Kind == PrincipalAssumedRole || p.Kind == PrincipalFederatedUser
}

// hasIdentityPolicies reports whether identity-based policies can apply.
func (p *Principal) hasIdentityPolicies() bool {
	return p.Kind == PrincipalUser || p.Kind == PrincipalAssumedRole || p.Kind == PrincipalFederatedUser
}

// hasAccount reports whether the principal belongs to an account (and so has
// an identity side in cross-account evaluation).
func (p *Principal) hasAccount() bool {
	return p.Account != "" && (p.Kind == PrincipalRoot || p.hasIdentityPolicies())
}

// grant is how a resource-based policy statement names the caller, which
// decides which implicit denies elsewhere still limit it ("Policy evaluation
// logic": resource-based policies and implicit denies in other policy types).
type grant uint8

const (
	grantNone grant = iota
	// grantAccount names the caller's account: it delegates to the account,
	// whose identity-based policies must then allow.
	grantAccount
	// grantLimited names the caller's role (or the IAM user that federated):
	// not limited by identity-based policies, limited by an implicit deny in a
	// permissions boundary or session policy.
	grantLimited
	// grantDirect names the caller itself (user, role session, federated user
	// session, service), or everyone: not limited by implicit denies.
	grantDirect
)

func (g grant) String() string {
	switch g {
	case grantAccount:
		return "the caller's account"
	case grantLimited:
		return "the caller's role or federating user"
	case grantDirect:
		return "the caller directly"
	}
	return "nobody"
}

// principalSpec is a compiled Principal or NotPrincipal element.
type principalSpec struct {
	wildcard  bool
	accounts  []string
	users     []string
	roles     []string
	sessions  []string
	fedUsers  []string
	services  []string
	federated []string
	canonical []string
	// others are unique principal IDs (what IAM shows for deleted entities);
	// they match the caller's aws:userid.
	others []string
	text   string
}

// parsePrincipal compiles the element's value.
func parsePrincipal(elem string, v *jsonValue) (*principalSpec, *Error) {
	ps := &principalSpec{text: elementText(v)}
	if v.kind == jsonString {
		if v.text != "*" {
			return nil, malformed("Invalid principal in policy: " + quoteJSON(v.text))
		}
		ps.wildcard = true
		return ps, nil
	}
	if v.kind != jsonObject {
		return nil, syntaxError(elem + " must be \"*\" or an object.")
	}
	if len(v.members) == 0 {
		return nil, malformed("Invalid principal in policy: " + elem + " must name at least one principal.")
	}
	seen := map[string]bool{}
	for _, m := range v.members {
		if seen[m.key] {
			return nil, syntaxError("Duplicate field " + m.key + " in " + elem + ".")
		}
		seen[m.key] = true
		values, err := stringList(elem+"."+m.key, m.value)
		if err != nil {
			return nil, err
		}
		if len(values) == 0 {
			return nil, malformed("Invalid principal in policy: " + quoteJSON(m.key) + " must name at least one principal.")
		}
		for _, s := range values {
			if err := ps.add(m.key, s); err != nil {
				return nil, err
			}
		}
	}
	return ps, nil
}

func (ps *principalSpec) add(typ, s string) *Error {
	bad := func() *Error {
		return malformed("Invalid principal in policy: " + quoteJSON(typ) + ":" + quoteJSON(s))
	}
	if s == "" {
		return bad()
	}
	switch typ {
	case "AWS":
		if s == "*" {
			ps.wildcard = true
			return nil
		}
		// A wildcard cannot name part of a principal ("AWS JSON policy elements: Principal").
		if strings.ContainsAny(s, "*?") {
			return bad()
		}
		if isAccountID(s) {
			ps.accounts = append(ps.accounts, s)
			return nil
		}
		a, ok := splitARN(s)
		if !ok {
			if isUniqueID(s) {
				ps.others = append(ps.others, s)
				return nil
			}
			return bad()
		}
		if !isAccountID(a.account) || a.region != "" || !validPartition(a.partition) {
			return bad()
		}
		switch {
		case a.service == "iam" && a.resource == "root":
			ps.accounts = append(ps.accounts, a.account)
		case a.service == "iam" && strings.HasPrefix(a.resource, "user/") && len(a.resource) > 5:
			ps.users = append(ps.users, s)
		case a.service == "iam" && strings.HasPrefix(a.resource, "role/") && len(a.resource) > 5:
			ps.roles = append(ps.roles, s)
		case a.service == "sts" && strings.HasPrefix(a.resource, "assumed-role/") && strings.Count(a.resource, "/") == 2 && !strings.HasSuffix(a.resource, "/"):
			ps.sessions = append(ps.sessions, s)
		case a.service == "sts" && strings.HasPrefix(a.resource, "federated-user/") && len(a.resource) > 15:
			ps.fedUsers = append(ps.fedUsers, s)
		default:
			return bad()
		}
	case "Service":
		if strings.ContainsAny(s, "*? ") {
			return bad()
		}
		ps.services = append(ps.services, s)
	case "Federated":
		if strings.ContainsAny(s, "*? ") {
			return bad()
		}
		ps.federated = append(ps.federated, s)
	case "CanonicalUser":
		if strings.ContainsAny(s, "*? ") {
			return bad()
		}
		ps.canonical = append(ps.canonical, s)
	default:
		return malformed("Invalid principal in policy: " + quoteJSON(typ) + " is not a principal type; use AWS, Service, Federated or CanonicalUser.")
	}
	return nil
}

// isUniqueID recognises IAM unique IDs (AIDA..., AROA..., ...).
func isUniqueID(s string) bool {
	if len(s) < 16 || len(s) > 128 || !strings.HasPrefix(s, "A") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < 12; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// grantFor returns how a Principal element names the caller.
func (ps *principalSpec) grantFor(p *Principal) grant {
	if ps.wildcard {
		return grantDirect
	}
	best := grantNone
	up := func(g grant) {
		if g > best {
			best = g
		}
	}
	switch p.Kind {
	case PrincipalRoot:
		// The root user is the account itself.
		if contains(ps.accounts, p.Account) {
			up(grantDirect)
		}
	case PrincipalUser:
		if contains(ps.users, p.ARN) {
			up(grantDirect)
		}
		if contains(ps.accounts, p.Account) {
			up(grantAccount)
		}
	case PrincipalAssumedRole:
		if contains(ps.sessions, p.ARN) {
			up(grantDirect)
		}
		if p.RoleARN != "" && contains(ps.roles, p.RoleARN) {
			up(grantLimited)
		}
		if contains(ps.accounts, p.Account) {
			up(grantAccount)
		}
	case PrincipalFederatedUser:
		if contains(ps.fedUsers, p.ARN) {
			up(grantDirect)
		}
		if p.SourceUserARN != "" && contains(ps.users, p.SourceUserARN) {
			up(grantLimited)
		}
		if contains(ps.accounts, p.Account) {
			up(grantAccount)
		}
	case PrincipalService:
		if contains(ps.services, p.ServiceName) {
			up(grantDirect)
		}
	case PrincipalWebIdentity:
		if contains(ps.federated, p.FederatedProvider) {
			up(grantDirect)
		}
	}
	if p.CanonicalUserID != "" && contains(ps.canonical, p.CanonicalUserID) {
		up(grantDirect)
	}
	if p.UserID != "" && contains(ps.others, p.UserID) {
		up(grantDirect)
	}
	return best
}

// covers reports whether a NotPrincipal element takes the caller out of the
// statement. The two effects read the element in opposite directions, each
// the way that cannot widen access:
//
//   - Deny: AWS may check the account, then the role, then the session
//     ("NotPrincipal with Deny"), and the statement denies as soon as one of
//     them is not listed. The caller is exempt only when every identity in
//     that chain is listed, which is why the documentation says to list the
//     account ARN too.
//   - Allow: the statement grants "everyone except" the listed principals.
//     The caller is left out when the list names it by any of the ways a
//     Principal element would name it: the account (root ARN or account ID),
//     the user, the role of a session, the session itself, the IAM user that
//     federated, a service, a unique ID. A NotPrincipal naming alice must not
//     grant alice just because her account is not listed too.
func (ps *principalSpec) exempts(p *Principal, eff Effect) bool {
	if eff == Allow {
		return ps.grantFor(p) != grantNone
	}
	return ps.excludes(p)
}

// excludes is the Deny reading of NotPrincipal (see exempts).
func (ps *principalSpec) excludes(p *Principal) bool {
	if ps.wildcard {
		return true
	}
	switch p.Kind {
	case PrincipalRoot:
		return contains(ps.accounts, p.Account)
	case PrincipalUser:
		return contains(ps.accounts, p.Account) && contains(ps.users, p.ARN)
	case PrincipalAssumedRole:
		return contains(ps.accounts, p.Account) && contains(ps.roles, p.RoleARN) && contains(ps.sessions, p.ARN)
	case PrincipalFederatedUser:
		if p.SourceUserARN != "" && !contains(ps.users, p.SourceUserARN) {
			return false
		}
		return contains(ps.accounts, p.Account) && contains(ps.fedUsers, p.ARN)
	case PrincipalService:
		return contains(ps.services, p.ServiceName)
	case PrincipalWebIdentity:
		return contains(ps.federated, p.FederatedProvider)
	}
	return false
}
