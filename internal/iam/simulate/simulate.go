package simulate

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/ibemu/ibemu/internal/apimodel"
	"github.com/ibemu/ibemu/internal/iam/policy"
	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
	stsv1 "github.com/ibemu/ibemu/proto/sts/v1"
)

// defaultMaxItems is IAM's page size when MaxItems is not given.
const defaultMaxItems = 100

// compiled is a simulation with its policies parsed.
type compiled struct {
	req      *Request
	pols     policy.Policies
	sources  map[*policy.Attached]PolicyInput
	caller   *policy.Principal
	owner    string
	ctx      *policy.Context
	boundary *policy.Attached
	cross    bool
	// keyPols are pols with the resource policy read as a KMS key policy,
	// used for the resources that are KMS keys (nil when there are none).
	keyPols *policy.Policies
}

// Simulate runs a simulation: every action is evaluated against every
// resource (or "*") with the engine the server enforces with.
func Simulate(r *Request) (*Output, error) {
	c, err := compile(r)
	if err != nil {
		return nil, err
	}
	all := make([]EvaluationResult, 0, len(r.ActionNames))
	for _, action := range r.ActionNames {
		all = append(all, c.evaluateAction(action))
	}
	return paginate(all, r.MaxItems, r.Marker)
}

func compile(r *Request) (*compiled, error) {
	if len(r.ActionNames) == 0 {
		return nil, invalidInput("ActionNames must contain at least one action.")
	}
	for _, a := range r.ActionNames {
		if strings.ContainsAny(a, "*?") {
			return nil, invalidInput("Action names cannot contain wildcards: " + a)
		}
		if i := strings.IndexByte(a, ':'); i <= 0 || i == len(a)-1 {
			return nil, invalidInput("Action name " + a + " must be in the form service:action.")
		}
	}
	if len(r.Boundary) > 1 {
		return nil, invalidInput("You can input only one permissions boundary policy.")
	}
	if r.ResourcePolicy != nil && r.CallerArn == "" {
		return nil, invalidInput("CallerArn is required when a ResourcePolicy is included, so that the policy's Principal element has a value to use in evaluating the policy.")
	}
	if r.ResourceHandlingOption != "" && !validHandlingOption(r.ResourceHandlingOption) {
		return nil, invalidInput("Invalid ResourceHandlingOption " + r.ResourceHandlingOption + ".")
	}
	c := &compiled{req: r, sources: map[*policy.Attached]PolicyInput{}}
	var err error
	if c.caller, err = callerPrincipal(r.CallerArn); err != nil {
		return nil, err
	}
	c.owner = c.caller.Account
	if r.ResourceOwner != "" {
		acct := policy.AccountOfARN(r.ResourceOwner)
		if acct == "" {
			return nil, invalidInput("ResourceOwner must be an account ARN such as arn:aws:iam::123456789012:root.")
		}
		c.owner = acct
	}
	c.cross = c.caller.Account != "" && c.owner != "" && c.caller.Account != c.owner

	identity := make([]policy.Attached, len(r.Identity))
	for i, in := range r.Identity {
		p, err := parsePolicy(in.Document, policy.KindIdentity)
		if err != nil {
			return nil, err
		}
		identity[i] = policy.Attached{Policy: p, Name: in.ID}
	}
	c.pols.Identity = identity
	for i := range identity {
		c.sources[&identity[i]] = r.Identity[i]
	}
	if len(r.Boundary) == 1 {
		p, err := parsePolicy(r.Boundary[0].Document, policy.KindPermissionsBoundary)
		if err != nil {
			return nil, err
		}
		c.boundary = &policy.Attached{Policy: p, Name: r.Boundary[0].ID}
		c.pols.Boundary = c.boundary
		c.sources[c.boundary] = r.Boundary[0]
	}
	if r.ResourcePolicy != nil {
		p, err := parsePolicy(r.ResourcePolicy.Document, policy.KindResource)
		if err != nil {
			return nil, err
		}
		c.pols.Resource = &policy.Attached{Policy: p, Name: r.ResourcePolicy.ID}
		c.sources[c.pols.Resource] = *r.ResourcePolicy
		if err := c.compileKeyPolicy(r); err != nil {
			return nil, err
		}
	}
	if c.ctx, err = buildContext(r.ContextEntries); err != nil {
		return nil, err
	}
	return c, nil
}

// compileKeyPolicy prepares the policies for KMS keys: when a simulated
// resource is a KMS key, the resource policy given is that key's key policy,
// which AWS KMS evaluates as the primary control of the key (see
// policy.KindKeyPolicy): identity-based policies count only where it allows
// the account.
func (c *compiled) compileKeyPolicy(r *Request) error {
	for _, arn := range r.ResourceArns {
		if !isKMSKeyARN(arn) {
			continue
		}
		p, err := parsePolicy(r.ResourcePolicy.Document, policy.KindKeyPolicy)
		if err != nil {
			return err
		}
		kp := c.pols
		kp.Resource = &policy.Attached{Policy: p, Name: r.ResourcePolicy.ID}
		c.sources[kp.Resource] = *r.ResourcePolicy
		c.keyPols = &kp
		return nil
	}
	return nil
}

// isKMSKeyARN recognises arn:PARTITION:kms:REGION:ACCOUNT:key/KEY-ID.
func isKMSKeyARN(arn string) bool {
	parts := strings.SplitN(arn, ":", 6)
	return len(parts) == 6 && parts[0] == "arn" && parts[2] == "kms" && strings.HasPrefix(parts[5], "key/") && len(parts[5]) > len("key/")
}

func validHandlingOption(s string) bool {
	switch s {
	case "EC2-VPC-InstanceStore", "EC2-VPC-InstanceStore-Subnet", "EC2-VPC-EBS", "EC2-VPC-EBS-Subnet",
		"EC2-Classic-InstanceStore", "EC2-Classic-EBS":
		return true
	}
	return false
}

func parsePolicy(doc string, kind policy.PolicyKind) (*policy.Policy, error) {
	p, err := policy.Parse(doc, kind)
	if err != nil {
		if pe, ok := err.(*policy.Error); ok {
			return nil, &Error{Code: pe.Code(), Message: pe.Message(), Status: pe.HTTPStatus()}
		}
		return nil, &Error{Code: "MalformedPolicyDocument", Message: err.Error(), Status: http.StatusBadRequest}
	}
	return p, nil
}

// callerPrincipal turns CallerArn into the simulated principal. Without a
// CallerArn the caller is an IAM user of unknown name and account.
func callerPrincipal(arn string) (*policy.Principal, error) {
	if arn == "" {
		return &policy.Principal{Kind: policy.PrincipalUser}, nil
	}
	acct := policy.AccountOfARN(arn)
	rest := ""
	if i := strings.Index(arn, ":"+acct+":"); acct != "" && i >= 0 {
		rest = arn[i+len(acct)+2:]
	}
	switch {
	case strings.HasPrefix(arn, "arn:") && strings.Contains(arn, ":iam::") && strings.HasPrefix(rest, "user/"):
		name := rest[strings.LastIndexByte(rest, '/')+1:]
		return &policy.Principal{Kind: policy.PrincipalUser, ARN: arn, Account: acct, Username: name}, nil
	case strings.HasPrefix(arn, "arn:") && strings.Contains(arn, ":iam::") && strings.HasPrefix(rest, "role/"):
		return &policy.Principal{Kind: policy.PrincipalAssumedRole, ARN: arn, RoleARN: arn, Account: acct}, nil
	}
	return nil, invalidInput("Invalid CallerArn " + arn + ": specify the ARN of an IAM user or role; assumed roles, federated users and service principals are not supported.")
}

var contextTypes = map[string]policy.ValueType{
	"string": policy.TypeString, "numeric": policy.TypeNumeric, "boolean": policy.TypeBoolean,
	"ip": policy.TypeIP, "binary": policy.TypeBinary, "date": policy.TypeDate,
}

func buildContext(entries []ContextEntry) (*policy.Context, error) {
	ctx := policy.NewContext()
	for _, e := range entries {
		if e.ContextKeyName == "" {
			return nil, invalidInput("ContextKeyName must be specified for every context entry.")
		}
		typ := e.ContextKeyType
		list := strings.HasSuffix(typ, "List")
		base, ok := contextTypes[strings.TrimSuffix(typ, "List")]
		if typ == "" {
			base, ok = policy.TypeString, true
		}
		if !ok {
			return nil, invalidInput("Invalid ContextKeyType " + typ + " for context key " + e.ContextKeyName + ".")
		}
		if !list && len(e.ContextKeyValues) > 1 {
			return nil, invalidInput("Context key " + e.ContextKeyName + " of type " + typ + " accepts a single value; use " + typ + "List for several.")
		}
		set := ctx.Set
		if list {
			set = ctx.SetList
		}
		if err := set(e.ContextKeyName, base, e.ContextKeyValues...); err != nil {
			return nil, invalidInput("Invalid value for context key " + e.ContextKeyName + " of type " + typ + ".")
		}
	}
	return ctx, nil
}

// perResource is one action evaluated on one resource.
type perResource struct {
	resource  string
	decision  policy.Outcome
	matched   []Statement
	missing   []string
	boundary  *PermissionsBoundaryDecisionDetail
	details   map[string]string
	explained *policy.Explanation
}

func (c *compiled) evaluateAction(action string) EvaluationResult {
	resources := c.req.ResourceArns
	specific := len(resources) > 0
	if !specific {
		resources = []string{"*"}
	}
	res := EvaluationResult{EvalActionName: action, EvalResourceName: "*"}
	var parts []perResource
	for _, arn := range resources {
		parts = append(parts, c.evaluate(action, arn))
	}
	// The top level aggregates all resources: the most restrictive decision,
	// the statements behind it and every missing context key.
	agg := policy.Allowed
	for _, p := range parts {
		if restrictiveness(p.decision) > restrictiveness(agg) {
			agg = p.decision
		}
	}
	res.EvalDecision = agg.String()
	res.MatchedStatements = []Statement{}
	res.MissingContextValues = []string{}
	for _, p := range parts {
		if p.decision == agg {
			res.MatchedStatements = appendStatements(res.MatchedStatements, p.matched)
		}
		res.MissingContextValues = appendKeys(res.MissingContextValues, p.missing)
	}
	if c.boundary != nil {
		allowed := true
		for _, p := range parts {
			allowed = allowed && p.boundary.AllowedByPermissionsBoundary
		}
		res.PermissionsBoundaryDecisionDetail = &PermissionsBoundaryDecisionDetail{AllowedByPermissionsBoundary: allowed}
	}
	switch {
	case c.cross:
		res.EvalDecisionDetails = map[string]string{}
		for _, p := range parts {
			for k, v := range p.details {
				if old, ok := res.EvalDecisionDetails[k]; !ok || restrictiveness(outcomeOf(v)) > restrictiveness(outcomeOf(old)) {
					res.EvalDecisionDetails[k] = v
				}
			}
		}
	case specific:
		res.EvalDecisionDetails = map[string]string{}
	}
	if specific {
		res.EvalResourceName = c.resourceTemplate(action, resources)
		for _, p := range parts {
			rs := ResourceSpecificResult{
				EvalResourceName:                  p.resource,
				EvalResourceDecision:              p.decision.String(),
				MatchedStatements:                 p.matched,
				MissingContextValues:              p.missing,
				PermissionsBoundaryDecisionDetail: p.boundary,
			}
			if c.cross {
				rs.EvalDecisionDetails = p.details
			}
			res.ResourceSpecificResults = append(res.ResourceSpecificResults, rs)
		}
	}
	return res
}

func restrictiveness(o policy.Outcome) int {
	switch o {
	case policy.ExplicitDeny:
		return 2
	case policy.ImplicitDeny:
		return 1
	}
	return 0
}

func outcomeOf(s string) policy.Outcome {
	switch s {
	case "allowed":
		return policy.Allowed
	case "explicitDeny":
		return policy.ExplicitDeny
	}
	return policy.ImplicitDeny
}

func (c *compiled) evaluate(action, resource string) perResource {
	req := &policy.Request{Principal: c.caller, Action: action, Resource: resource, ResourceAccount: c.owner, Context: c.ctx}
	pols := &c.pols
	if c.keyPols != nil && isKMSKeyARN(resource) {
		pols = c.keyPols
	}
	x := policy.Explain(req, pols)
	p := perResource{resource: resource, decision: x.Decision.Outcome, explained: x}
	p.matched = c.matchedStatements(x, pols)
	p.missing = c.missingKeys(req, pols)
	if c.boundary != nil {
		p.boundary = &PermissionsBoundaryDecisionDetail{
			AllowedByPermissionsBoundary: policy.PolicyDecision(req, policy.KindPermissionsBoundary, c.boundary) == policy.Allowed,
		}
	}
	if c.cross {
		p.details = map[string]string{
			TypeIAMPolicy:      c.identitySide(req).String(),
			TypeResourcePolicy: c.resourceSide(req, pols).String(),
		}
	}
	return p
}

// resourceSide is the resource policy's own decision.
func (c *compiled) resourceSide(req *policy.Request, pols *policy.Policies) policy.Outcome {
	if pols.Resource == nil {
		return policy.PolicyDecision(req, policy.KindResource, nil)
	}
	return policy.PolicyDecision(req, pols.Resource.Policy.Kind, pols.Resource)
}

// identitySide is the caller account's decision: its identity-based
// policies limited by the permissions boundary.
func (c *compiled) identitySide(req *policy.Request) policy.Outcome {
	allowed := false
	for i := range c.pols.Identity {
		switch policy.PolicyDecision(req, policy.KindIdentity, &c.pols.Identity[i]) {
		case policy.ExplicitDeny:
			return policy.ExplicitDeny
		case policy.Allowed:
			allowed = true
		}
	}
	if c.boundary != nil {
		switch policy.PolicyDecision(req, policy.KindPermissionsBoundary, c.boundary) {
		case policy.ExplicitDeny:
			return policy.ExplicitDeny
		case policy.ImplicitDeny:
			allowed = false
		}
	}
	if allowed {
		return policy.Allowed
	}
	return policy.ImplicitDeny
}

// matchedStatements lists the statements that determine the result: the
// applicable Deny statements for an explicit deny, the applicable Allow
// statements of the identity-based and resource-based policies for an allow,
// none for an implicit deny.
func (c *compiled) matchedStatements(x *policy.Explanation, pols *policy.Policies) []Statement {
	out := []Statement{}
	var eff policy.Effect
	switch x.Decision.Outcome {
	case policy.ExplicitDeny:
		eff = policy.Deny
	case policy.Allowed:
		eff = policy.Allow
	default:
		return out
	}
	// Report in input order: identity policies, the boundary, the resource policy.
	order := make([]*policy.Attached, 0, len(pols.Identity)+2)
	for i := range pols.Identity {
		order = append(order, &pols.Identity[i])
	}
	if c.boundary != nil && eff == policy.Deny {
		order = append(order, c.boundary)
	}
	if pols.Resource != nil {
		order = append(order, pols.Resource)
	}
	for _, a := range order {
		t := x.Trace(a)
		if t == nil {
			continue
		}
		src := c.sources[a]
		for _, st := range t.Matched(eff) {
			out = append(out, Statement{
				SourcePolicyId:   src.ID,
				SourcePolicyType: src.Type,
				StartPosition:    Position(st.Start),
				EndPosition:      Position(st.End),
			})
		}
	}
	return out
}

// missingKeys lists the context keys that statements in scope of the
// request (principal, action and resource) refer to and the simulation did
// not supply.
func (c *compiled) missingKeys(req *policy.Request, pols *policy.Policies) []string {
	out := []string{}
	var all []*policy.Attached
	for i := range pols.Identity {
		all = append(all, &pols.Identity[i])
	}
	if c.boundary != nil {
		all = append(all, c.boundary)
	}
	if pols.Resource != nil {
		all = append(all, pols.Resource)
	}
	for _, a := range all {
		for _, st := range a.Policy.Statements {
			// Simulating "*" means all resources: every statement for the
			// action may need its keys.
			inScope := st.InScope(req)
			if req.Resource == "*" {
				inScope = st.CoversAction(req)
			}
			if !inScope {
				continue
			}
			var keys []string
			for _, k := range st.ContextKeys() {
				if !c.ctx.Has(k) {
					keys = append(keys, k)
				}
			}
			out = appendKeys(out, keys)
		}
	}
	return out
}

func appendKeys(dst, keys []string) []string {
	for _, k := range keys {
		dup := false
		for _, d := range dst {
			if strings.EqualFold(d, k) {
				dup = true
				break
			}
		}
		if !dup {
			dst = append(dst, k)
		}
	}
	return dst
}

func appendStatements(dst, sts []Statement) []Statement {
	for _, s := range sts {
		dup := false
		for _, d := range dst {
			if d == s {
				dup = true
				break
			}
		}
		if !dup {
			dst = append(dst, s)
		}
	}
	return dst
}

// resourceTemplate is the top-level EvalResourceName when resources were
// given: the ARN format of the action's resource type, or "*" when none is
// known.
func (c *compiled) resourceTemplate(action string, resources []string) string {
	if c.req.ResourceTemplate != nil {
		return c.req.ResourceTemplate(action, resources)
	}
	return ImagebuilderResourceTemplate(action, resources)
}

// ImagebuilderResourceTemplate returns the ARN format of the resource type an
// action applies to, from the authorization specs internal/codegen generates
// from the Service Authorization Reference for every service the emulator
// serves (Image Builder, and IAM and STS since; the name stayed), so
// permission-only actions such as iam:PassRole are known too: for actions
// with several resource types, the first whose format matches all
// resources. Other services, and actions without resource types, give "*".
func ImagebuilderResourceTemplate(action string, resources []string) string {
	var types []*apimodel.AuthzResource
	for _, svc := range []*apimodel.Service{ibv1.Model(), iamv1.Model(), stsv1.Model()} {
		if a, ok := svc.Action(action); ok {
			types = a.Resources
			break
		}
	}
	if len(types) == 0 {
		return "*"
	}
	for _, t := range types {
		all := true
		for _, r := range resources {
			if !formatMatches(t.ARNFormat, r) {
				all = false
				break
			}
		}
		if all {
			return t.ARNFormat
		}
	}
	return types[0].ARNFormat
}

// formatMatches tests an ARN against a format like
// arn:${Partition}:imagebuilder:${Region}:${Account}:component/${Name}/..."
// where each ${...} stands for one non-empty path segment without '/'.
func formatMatches(format, arn string) bool {
	for format != "" {
		i := strings.Index(format, "${")
		if i < 0 {
			return format == arn || (strings.HasSuffix(format, "*") && strings.HasPrefix(arn, strings.TrimSuffix(format, "*")))
		}
		if !strings.HasPrefix(arn, format[:i]) {
			return false
		}
		arn = arn[i:]
		j := strings.IndexByte(format[i:], '}')
		if j < 0 {
			return false
		}
		format = format[i+j+1:]
		// A placeholder ends at the next literal character of the format.
		stop := len(arn)
		if format != "" {
			if k := strings.IndexByte(arn, format[0]); k >= 0 {
				stop = k
			} else {
				return false
			}
		}
		if stop == 0 || strings.ContainsRune(arn[:stop], '/') {
			return false
		}
		arn = arn[stop:]
	}
	return arn == ""
}

// paginate applies MaxItems and Marker to the results.
func paginate(all []EvaluationResult, maxItems int, marker string) (*Output, error) {
	start := 0
	if marker != "" {
		n, err := strconv.Atoi(marker)
		if err != nil || n < 0 || n > len(all) {
			return nil, invalidInput("Invalid Marker " + marker + ".")
		}
		start = n
	}
	if maxItems <= 0 {
		maxItems = defaultMaxItems
	}
	end := start + maxItems
	out := &Output{}
	if end < len(all) {
		out.IsTruncated = true
		out.Marker = strconv.Itoa(end)
	} else {
		end = len(all)
	}
	out.EvaluationResults = all[start:end]
	return out, nil
}
