package policy

import "strings"

// Statement is one compiled policy statement.
type Statement struct {
	// Index is the statement's 0-based position in the policy.
	Index int
	// Sid is the statement ID, "" when absent.
	Sid    string
	Effect Effect
	// Start and End are the statement's position in the document, with the
	// convention SimulateCustomPolicy reports: Start is just after the '{' of
	// a lone statement object (or just after the '[' or ',' before a statement
	// in an array) and End is just after the statement's closing '}'.
	Start, End Position

	// Actions (or NotActions when NotAction is set) as written.
	Actions   []string
	NotAction bool
	// Resources (or NotResources) as written; empty when the statement has
	// neither element (trust policies).
	Resources   []string
	NotResource bool
	// Principal is the Principal or NotPrincipal element as written, "" when absent.
	Principal    string
	NotPrincipal bool
	Conditions   []Condition

	principal *principalSpec
	actions   []actionPattern
	resources []pattern
	// anyResource is set when the statement has no Resource element.
	anyResource bool
	// label is Label() made when the statement was parsed (every allowed
	// decision's record names its statement), valid while Sid and Index
	// are labelSid and labelIndex.
	label      string
	labelSid   string
	labelIndex int
}

// Label names the statement in explanations: its Sid, or its 1-based index.
func (st *Statement) Label() string {
	if st.label != "" && st.labelSid == st.Sid && st.labelIndex == st.Index {
		return st.label
	}
	return st.makeLabel()
}

func (st *Statement) makeLabel() string {
	if st.Sid != "" {
		return "statement " + st.Sid
	}
	return "statement #" + itoa(st.Index+1)
}

type actionPattern struct {
	pat pattern
	// svc is the lower-cased service prefix when it has no wildcard; it lets
	// most statements be rejected with one comparison. name is then the
	// lower-cased pattern for the action name alone.
	svc  string
	name pattern
}

// statementFields are the elements a statement may contain.
var statementFields = [...]string{"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"}

// statementElements holds a statement's elements by name.
type statementElements [len(statementFields)]*jsonValue

func (f *statementElements) get(name string) *jsonValue {
	for i, n := range statementFields {
		if n == name {
			return f[i]
		}
	}
	return nil
}

func parseStatement(v *jsonValue, idx int, ps *parseState, inArray bool) (*Statement, *Error) {
	kind, version, li := ps.kind, ps.version, ps.li
	if v.kind != jsonObject {
		return nil, syntaxError("Each statement must be an object.")
	}
	st := &Statement{Index: idx}
	if inArray {
		st.Start = li.position(v.lead + 1)
	} else {
		st.Start = li.position(v.start + 1)
	}
	st.End = li.position(v.end)

	var fields statementElements
	for _, m := range v.members {
		idx := -1
		for i, n := range statementFields {
			if n == m.key {
				idx = i
				break
			}
		}
		if idx < 0 {
			return nil, syntaxError("Unknown field " + m.key + " in statement.")
		}
		if fields[idx] != nil {
			return nil, syntaxError("Duplicate field " + m.key + " in statement.")
		}
		fields[idx] = m.value
	}

	if f := fields.get("Sid"); f != nil {
		if f.kind != jsonString {
			return nil, syntaxError("Sid must be a string.")
		}
		st.Sid = f.text
		if !kind.resourceLike() && !alphanumeric(st.Sid) {
			return nil, malformed("Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*")
		}
	}

	f := fields.get("Effect")
	if f == nil {
		return nil, malformed("Missing required field Effect.")
	}
	if f.kind != jsonString {
		return nil, syntaxError("Effect must be a string.")
	}
	switch f.text {
	case "Allow":
		st.Effect = Allow
	case "Deny":
		st.Effect = Deny
	default:
		// IAM tells "allow" or "DENY" (the right word in the wrong case),
		// which its older parser rejects, from other words.
		if equalFoldASCII(f.text, "Allow") || equalFoldASCII(f.text, "Deny") {
			return nil, malformed(errLegacyParsing)
		}
		return nil, syntaxError("Invalid effect: " + f.text + ". Effect must be \"Allow\" or \"Deny\".")
	}

	if err := st.parsePrincipal(&fields, kind); err != nil {
		return nil, err
	}
	if err := st.parseActions(&fields, kind); err != nil {
		return nil, err
	}
	if err := st.parseResources(&fields, ps); err != nil {
		return nil, err
	}
	if f := fields.get("Condition"); f != nil {
		conds, err := parseConditions(f, version)
		if err != nil {
			return nil, err
		}
		st.Conditions = conds
	}
	st.label, st.labelSid, st.labelIndex = st.makeLabel(), st.Sid, st.Index
	return st, nil
}

func (st *Statement) parsePrincipal(fields *statementElements, kind PolicyKind) *Error {
	p, np := fields.get("Principal"), fields.get("NotPrincipal")
	if !kind.usesPrincipal() {
		if p != nil || np != nil {
			return malformed("Policy document should not specify a principal.")
		}
		return nil
	}
	switch {
	case p != nil && np != nil:
		return syntaxError("A statement cannot contain both Principal and NotPrincipal.")
	case p == nil && np == nil:
		return malformed("Missing required field Principal.")
	}
	elem, val := "Principal", p
	if np != nil {
		elem, val = "NotPrincipal", np
		st.NotPrincipal = true
		switch kind {
		case KindResourceControl:
			return malformed("Resource control policies must use \"Principal\": \"*\"; NotPrincipal is not supported.")
		case KindTrust:
			// "You cannot use the NotPrincipal element in an IAM identity-based
			// policy nor in an IAM role trust policy" (NotPrincipal page).
			return malformed("NotPrincipal is not supported in a role trust policy; use Principal with conditions.")
		}
	}
	spec, err := parsePrincipal(elem, val)
	if err != nil {
		return err
	}
	if kind == KindResourceControl && !spec.wildcard {
		return malformed("Resource control policies must use \"Principal\": \"*\".")
	}
	st.principal = spec
	st.Principal = spec.text
	return nil
}

func (st *Statement) parseActions(fields *statementElements, kind PolicyKind) *Error {
	a, na := fields.get("Action"), fields.get("NotAction")
	switch {
	case a != nil && na != nil:
		return syntaxError("A statement cannot contain both Action and NotAction.")
	case a == nil && na == nil:
		return malformed("Policy statement must contain actions.")
	}
	elem, val := "Action", a
	if na != nil {
		elem, val = "NotAction", na
		st.NotAction = true
	}
	list, err := stringList(elem, val)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		return malformed("Policy statement must contain actions.")
	}
	for _, s := range list {
		ap, err := compileAction(s)
		if err != nil {
			return err
		}
		if kind == KindTrust && !st.NotAction && !trustAction(s) {
			return malformed("AssumeRole policy may only specify STS AssumeRole actions.")
		}
		st.actions = append(st.actions, ap)
	}
	st.Actions = list
	return nil
}

// trustAction reports whether a trust policy may name the action: the
// sts:AssumeRole family and the other STS actions evaluated against a role
// trust policy (TagSession, SetSourceIdentity, SetContext).
func trustAction(s string) bool {
	colon := strings.IndexByte(s, ':')
	return s == "*" || (colon > 0 && strings.EqualFold(s[:colon], "sts"))
}

func compileAction(s string) (actionPattern, *Error) {
	if s == "*" {
		return actionPattern{pat: compilePattern(s, patternOptions{wildcards: true})}, nil
	}
	colon := strings.IndexByte(s, ':')
	if colon <= 0 || colon == len(s)-1 || strings.IndexByte(s[colon+1:], ':') >= 0 || strings.ContainsAny(s, " \t\r\n") {
		return actionPattern{}, malformed("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")
	}
	ap := actionPattern{pat: compilePattern(s, patternOptions{wildcards: true})}
	if svc := s[:colon]; !strings.ContainsAny(svc, "*?") {
		ap.svc = strings.ToLower(svc)
		ap.name = compilePattern(strings.ToLower(s[colon+1:]), patternOptions{wildcards: true})
	}
	return ap, nil
}

func (st *Statement) parseResources(fields *statementElements, ps *parseState) *Error {
	kind := ps.kind
	r, nr := fields.get("Resource"), fields.get("NotResource")
	if kind == KindTrust {
		switch {
		case r != nil:
			return malformed("Has prohibited field Resource.")
		case nr != nil:
			return malformed("Has prohibited field NotResource.")
		}
		st.anyResource = true
		return nil
	}
	switch {
	case r != nil && nr != nil:
		return syntaxError("A statement cannot contain both Resource and NotResource.")
	case r == nil && nr == nil:
		if kind.resourceLike() {
			// Resource-based policies of some services leave Resource out; the
			// statement then applies to the resource the policy is attached to.
			st.anyResource = true
			return nil
		}
		return malformed("Policy statement must contain resources.")
	}
	elem, val := "Resource", r
	if nr != nil {
		elem, val = "NotResource", nr
		st.NotResource = true
	}
	list, err := stringList(elem, val)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		return malformed("Policy statement must contain resources.")
	}
	for _, s := range list {
		pat, err, deferred := compileResource(s, ps.version)
		switch {
		case err == nil:
			st.resources = append(st.resources, pat)
		case !deferred:
			return err
		case ps.deferred == nil:
			ps.deferred = err
		}
	}
	st.Resources = list
	return nil
}

func alphanumeric(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// matchesAction reports whether the statement's Action/NotAction covers the
// request action.
func (st *Statement) matchesAction(e *evaluation) bool {
	hit := false
	for i := range st.actions {
		ap := &st.actions[i]
		if ap.svc == "" {
			if ap.pat.match(e.action, matchOptions{fold: true}, nil) {
				hit = true
				break
			}
			continue
		}
		if len(ap.svc) != len(e.svc) || !lowerPrefix(e.svc, ap.svc) {
			continue
		}
		if ap.name.match(e.name, matchOptions{lowered: true}, nil) {
			hit = true
			break
		}
	}
	return hit != st.NotAction
}

// matchesResource reports whether the statement's Resource/NotResource covers
// the request resource; limit is fifthColon(res).
func (st *Statement) matchesResource(res string, limit int, ctx *Context) bool {
	if st.anyResource {
		return true
	}
	hit := false
	o := matchOptions{arn: true, limit: limit}
	for i := range st.resources {
		if st.resources[i].match(res, o, ctx) {
			hit = true
			break
		}
	}
	return hit != st.NotResource
}
