package simulate

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ibemu/ibemu/internal/apimodel"
	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/iam/policy"
	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
	stsv1 "github.com/ibemu/ibemu/proto/sts/v1"
)

// defaultMaxItems is IAM's page size when MaxItems is not given.
const defaultMaxItems = 100

// Identifiers of the policies a request passes, as IAM reports them.
const (
	idPolicyInput   = "PolicyInputList."
	idBoundaryInput = "PermissionsBoundaryPolicyInputList."
	idResource      = "ResourcePolicy"
)

// SimulateCustomPolicy evaluates the request's policies for every action
// on every resource (or "*") with the engine the server enforces with.
func SimulateCustomPolicy(req *iamv1.SimulateCustomPolicyRequest) (*iamv1.SimulatePolicyResponse, error) {
	return simulate(req, nil)
}

// SimulatePrincipalPolicy is SimulateCustomPolicy over the policies of p
// (the entity PolicySourceArn names) and the request's PolicyInputList. The
// request's permissions boundary, when given, replaces the entity's own;
// CallerArn defaults to the entity when it is a user.
func SimulatePrincipalPolicy(req *iamv1.SimulatePrincipalPolicyRequest, p *Principal) (*iamv1.SimulatePolicyResponse, error) {
	if p == nil {
		return nil, awserr.Internal(fmt.Errorf("simulate: SimulatePrincipalPolicy without a principal"))
	}
	return simulate(req, p)
}

func simulate(in Params, p *Principal) (out *iamv1.SimulatePolicyResponse, err error) {
	c, err := compile(in, p)
	if err != nil {
		return nil, err
	}
	// The engine reports no errors; a failure inside it is a defect, which
	// IAM's PolicyEvaluation error ("a provided policy could not be
	// successfully evaluated") describes for the caller.
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, iamv1.ErrPolicyEvaluation("The policies could not be evaluated: %v", r)
		}
	}()
	all := make([]*iamv1.EvaluationResult, 0, len(in.GetActionNames()))
	for _, action := range in.GetActionNames() {
		all = append(all, c.evaluateAction(action))
	}
	return paginate(all, in.GetMaxItems(), in.GetMarker())
}

// source names a policy in MatchedStatements.
type source struct{ id, typ string }

// compiled is a simulation with its policies parsed.
type compiled struct {
	resources []string
	pols      policy.Policies
	sources   map[*policy.Attached]source
	caller    *policy.Principal
	owner     string
	ctx       *policy.Context
	boundary  *policy.Attached
	cross     bool
	// keyPols are pols with the resource policy read as a KMS key policy,
	// used for the resources that are KMS keys (nil when there are none).
	keyPols *policy.Policies
}

func compile(in Params, p *Principal) (*compiled, error) {
	actions := in.GetActionNames()
	if len(actions) == 0 {
		return nil, iamv1.ErrInvalidInput("ActionNames must contain at least one action.")
	}
	for _, a := range actions {
		if strings.ContainsAny(a, "*?") {
			return nil, iamv1.ErrInvalidInput("Action names cannot contain wildcards: %s", a)
		}
		if i := strings.IndexByte(a, ':'); i <= 0 || i == len(a)-1 {
			return nil, iamv1.ErrInvalidInput("Action name %s must be in the form service:action.", a)
		}
	}
	boundaryDocs := in.GetPermissionsBoundaryPolicyInputList()
	if len(boundaryDocs) > 1 {
		return nil, iamv1.ErrInvalidInput("You can input only one permissions boundary policy.")
	}
	// AWS: CallerArn "is required if you include a ResourcePolicy and the
	// PolicySourceArn is not the ARN for an IAM user".
	if in.GetResourcePolicy() != "" && in.GetCallerArn() == "" && (p == nil || p.Kind != "user") {
		return nil, iamv1.ErrInvalidInput("CallerArn is required when a ResourcePolicy is included, so that the policy's Principal element has a value to use in evaluating the policy.")
	}
	if h := in.GetResourceHandlingOption(); h != "" && !validHandlingOption(h) {
		return nil, iamv1.ErrInvalidInput("Invalid ResourceHandlingOption %s.", h)
	}
	c := &compiled{resources: in.GetResourceArns(), sources: map[*policy.Attached]source{}}
	var err error
	if c.caller, err = callerPrincipal(in.GetCallerArn(), p); err != nil {
		return nil, err
	}
	c.owner = c.caller.Account
	if owner := in.GetResourceOwner(); owner != "" {
		// AWS's wording (as botocore issue 1346 quotes it).
		if c.owner = policy.AccountOfARN(owner); c.owner == "" {
			return nil, iamv1.ErrInvalidInput("'%s' is not a valid as a Resource Owner.", owner)
		}
	}
	c.cross = c.caller.Account != "" && c.owner != "" && c.caller.Account != c.owner

	// Identity-based policies: the principal's, then the request's.
	var named []Policy
	if p != nil {
		named = append(named, p.Policies...)
	}
	for i, doc := range in.GetPolicyInputList() {
		pol, err := parsePolicy(doc, policy.KindIdentity)
		if err != nil {
			return nil, err
		}
		named = append(named, Policy{ID: idPolicyInput + strconv.Itoa(i+1), Type: TypeIAMPolicy, Attached: policy.Attached{Policy: pol, Name: idPolicyInput + strconv.Itoa(i+1)}})
	}
	c.pols.Identity = make([]policy.Attached, len(named))
	for i := range named {
		c.pols.Identity[i] = named[i].Attached
		c.sources[&c.pols.Identity[i]] = source{named[i].ID, named[i].Type}
	}
	// The boundary given replaces the entity's own: "if a permissions
	// boundary is attached to an entity and you pass in a different
	// permissions boundary policy using this parameter, then the new
	// permissions boundary policy is used for the simulation."
	switch {
	case len(boundaryDocs) == 1:
		pol, err := parsePolicy(boundaryDocs[0], policy.KindPermissionsBoundary)
		if err != nil {
			return nil, err
		}
		c.boundary = &policy.Attached{Policy: pol, Name: idBoundaryInput + "1"}
		c.sources[c.boundary] = source{idBoundaryInput + "1", TypeIAMPolicy}
	case p != nil && p.Boundary != nil:
		b := p.Boundary.Attached
		c.boundary = &b
		c.sources[c.boundary] = source{p.Boundary.ID, p.Boundary.Type}
	}
	c.pols.Boundary = c.boundary
	if doc := in.GetResourcePolicy(); doc != "" {
		pol, err := parsePolicy(doc, policy.KindResource)
		if err != nil {
			return nil, err
		}
		c.pols.Resource = &policy.Attached{Policy: pol, Name: idResource}
		c.sources[c.pols.Resource] = source{idResource, TypeResourcePolicy}
		if err := c.compileKeyPolicy(doc); err != nil {
			return nil, err
		}
	}
	if c.ctx, err = buildContext(in.GetContextEntries()); err != nil {
		return nil, err
	}
	return c, nil
}

// compileKeyPolicy prepares the policies for KMS keys: when a simulated
// resource is a KMS key, the resource policy given is that key's key policy,
// which AWS KMS evaluates as the primary control of the key (see
// policy.KindKeyPolicy): identity-based policies count only where it allows
// the account.
func (c *compiled) compileKeyPolicy(doc string) error {
	for _, arn := range c.resources {
		if !isKMSKeyARN(arn) {
			continue
		}
		pol, err := parsePolicy(doc, policy.KindKeyPolicy)
		if err != nil {
			return err
		}
		kp := c.pols
		kp.Resource = &policy.Attached{Policy: pol, Name: idResource}
		c.sources[kp.Resource] = source{idResource, TypeResourcePolicy}
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

// parsePolicy validates a policy document of the request as IAM does for
// the simulation operations (no size quota of its own; MalformedPolicyDocument
// for a document that breaks the grammar of its kind).
func parsePolicy(doc string, kind policy.PolicyKind) (*policy.Policy, error) {
	p, perr := policy.Validate(doc, policy.ForDocument(kind))
	if perr != nil {
		return nil, awserr.New(perr.Code(), perr.HTTPStatus(), perr.Message())
	}
	return p, nil
}

// callerPrincipal is the simulated principal: CallerArn when given, else
// the entity of a SimulatePrincipalPolicy (a user is its own caller; a role
// is simulated as a session of itself; a group as an unnamed user of its
// account), else an IAM user of unknown name and account.
func callerPrincipal(arn string, p *Principal) (*policy.Principal, error) {
	if arn == "" {
		switch {
		case p == nil:
			return &policy.Principal{Kind: policy.PrincipalUser}, nil
		case p.Kind == "user":
			return &policy.Principal{Kind: policy.PrincipalUser, ARN: p.ARN, Account: p.Account, Username: p.Name}, nil
		case p.Kind == "role":
			return &policy.Principal{Kind: policy.PrincipalAssumedRole, ARN: p.ARN, RoleARN: p.ARN, Account: p.Account}, nil
		}
		return &policy.Principal{Kind: policy.PrincipalUser, Account: p.Account}, nil
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
	return nil, iamv1.ErrInvalidInput("Invalid CallerArn %s: specify the ARN of an IAM user or role; assumed roles, federated users and service principals are not supported.", arn)
}

var contextTypes = map[string]policy.ValueType{
	"string": policy.TypeString, "numeric": policy.TypeNumeric, "boolean": policy.TypeBoolean,
	"ip": policy.TypeIP, "binary": policy.TypeBinary, "date": policy.TypeDate,
}

func buildContext(entries []*iamv1.ContextEntry) (*policy.Context, error) {
	ctx := policy.NewContext()
	for _, e := range entries {
		name, typ, values := e.GetContextKeyName(), e.GetContextKeyType(), e.GetContextKeyValues()
		if name == "" {
			return nil, iamv1.ErrInvalidInput("ContextKeyName must be specified for every context entry.")
		}
		list := strings.HasSuffix(typ, "List")
		base, ok := contextTypes[strings.TrimSuffix(typ, "List")]
		if typ == "" {
			base, ok = policy.TypeString, true
		}
		if !ok {
			return nil, iamv1.ErrInvalidInput("Invalid ContextKeyType %s for context key %s.", typ, name)
		}
		if !list && len(values) > 1 {
			return nil, iamv1.ErrInvalidInput("Context key %s of type %s accepts a single value; use %sList for several.", name, typ, typ)
		}
		set := ctx.Set
		if list {
			set = ctx.SetList
		}
		if err := set(name, base, values...); err != nil {
			return nil, iamv1.ErrInvalidInput("Invalid value for context key %s of type %s.", name, typ)
		}
	}
	return ctx, nil
}

// stmt is a matched statement: its policy and position.
type stmt struct {
	src        source
	start, end policy.Position
}

// perResource is one action evaluated on one resource.
type perResource struct {
	resource string
	decision policy.Outcome
	matched  []stmt
	missing  []string
	// boundaryAllowed is set when there is a permissions boundary.
	boundaryAllowed *bool
	details         map[string]string
}

func (c *compiled) evaluateAction(action string) *iamv1.EvaluationResult {
	resources := c.resources
	specific := len(resources) > 0
	if !specific {
		resources = []string{"*"}
	}
	parts := make([]perResource, 0, len(resources))
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
	var matched []stmt
	var missing []string
	for _, p := range parts {
		if p.decision == agg {
			matched = appendStatements(matched, p.matched)
		}
		missing = appendKeys(missing, p.missing)
	}
	res := &iamv1.EvaluationResult{
		EvalActionName:       ptr(action),
		EvalResourceName:     ptr("*"),
		EvalDecision:         ptr(agg.String()),
		MatchedStatements:    statements(matched),
		MissingContextValues: missing,
	}
	if c.boundary != nil {
		allowed := true
		for _, p := range parts {
			allowed = allowed && *p.boundaryAllowed
		}
		res.PermissionsBoundaryDecisionDetail = boundaryDetail(&allowed)
	}
	if c.cross {
		res.EvalDecisionDetails = map[string]string{}
		for _, p := range parts {
			for k, v := range p.details {
				if old, ok := res.EvalDecisionDetails[k]; !ok || restrictiveness(outcomeOf(v)) > restrictiveness(outcomeOf(old)) {
					res.EvalDecisionDetails[k] = v
				}
			}
		}
	}
	if specific {
		// One resource is named as itself; several by the ARN format of
		// the action's resource type, the results per resource following.
		res.EvalResourceName = ptr(resources[0])
		if len(resources) > 1 {
			res.EvalResourceName = ptr(ImagebuilderResourceTemplate(action, resources))
		}
		for _, p := range parts {
			rs := &iamv1.ResourceSpecificResult{
				EvalResourceName:                  ptr(p.resource),
				EvalResourceDecision:              ptr(p.decision.String()),
				MatchedStatements:                 statements(p.matched),
				MissingContextValues:              p.missing,
				PermissionsBoundaryDecisionDetail: boundaryDetail(p.boundaryAllowed),
			}
			if c.cross {
				rs.EvalDecisionDetails = p.details
			}
			res.ResourceSpecificResults = append(res.ResourceSpecificResults, rs)
		}
	}
	return res
}

func boundaryDetail(allowed *bool) *iamv1.PermissionsBoundaryDecisionDetail {
	if allowed == nil {
		return nil
	}
	return &iamv1.PermissionsBoundaryDecisionDetail{AllowedByPermissionsBoundary: ptr(*allowed)}
}

func statements(sts []stmt) []*iamv1.Statement {
	out := make([]*iamv1.Statement, len(sts))
	for i, s := range sts {
		out[i] = &iamv1.Statement{
			SourcePolicyId:   ptr(s.src.id),
			SourcePolicyType: ptr(s.src.typ),
			StartPosition:    &iamv1.Position{Line: ptr(int32(s.start.Line)), Column: ptr(int32(s.start.Column))},
			EndPosition:      &iamv1.Position{Line: ptr(int32(s.end.Line)), Column: ptr(int32(s.end.Column))},
		}
	}
	return out
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
	p := perResource{resource: resource, decision: x.Decision.Outcome}
	p.matched = c.matchedStatements(x, pols)
	p.missing = c.missingKeys(req, pols)
	if c.boundary != nil {
		allowed := policy.PolicyDecision(req, policy.KindPermissionsBoundary, c.boundary) == policy.Allowed
		p.boundaryAllowed = &allowed
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

// evaluated lists the policies of a simulation in the order IAM reports
// them: identity policies, the boundary, the resource policy.
func (c *compiled) evaluated(pols *policy.Policies, withBoundary bool) []*policy.Attached {
	out := make([]*policy.Attached, 0, len(pols.Identity)+2)
	for i := range pols.Identity {
		out = append(out, &pols.Identity[i])
	}
	if c.boundary != nil && withBoundary {
		out = append(out, c.boundary)
	}
	if pols.Resource != nil {
		out = append(out, pols.Resource)
	}
	return out
}

// matchedStatements lists the statements that determine the result: the
// applicable Deny statements for an explicit deny, the applicable Allow
// statements of the identity-based and resource-based policies for an allow,
// none for an implicit deny.
func (c *compiled) matchedStatements(x *policy.Explanation, pols *policy.Policies) []stmt {
	var eff policy.Effect
	switch x.Decision.Outcome {
	case policy.ExplicitDeny:
		eff = policy.Deny
	case policy.Allowed:
		eff = policy.Allow
	default:
		return nil
	}
	var out []stmt
	for _, a := range c.evaluated(pols, eff == policy.Deny) {
		t := x.Trace(a)
		if t == nil {
			continue
		}
		for _, st := range t.Matched(eff) {
			out = append(out, stmt{src: c.sources[a], start: st.Start, end: st.End})
		}
	}
	return out
}

// missingKeys lists the context keys that statements in scope of the
// request (principal, action and resource) refer to and the simulation did
// not supply.
func (c *compiled) missingKeys(req *policy.Request, pols *policy.Policies) []string {
	var out []string
	for _, a := range c.evaluated(pols, true) {
		for _, st := range a.Policy.Statements {
			// Simulating "*" means all resources: every statement for the
			// action may need its keys.
			inScope := st.InScope(req)
			if req.Resource == "*" || (!inScope && c.lacksAny(st.ResourceVariables()) && st.CoversAction(req)) {
				// A Resource built from a policy variable the simulation
				// does not supply (user/${aws:username}) cannot match, yet
				// the statement is about this request: its keys are missing.
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

// lacksAny reports whether the simulation supplies none of some keys.
func (c *compiled) lacksAny(keys []string) bool {
	for _, k := range keys {
		if !c.ctx.Has(k) {
			return true
		}
	}
	return false
}

// appendKeys adds the keys dst does not hold yet (context keys compare
// case-insensitively).
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

func appendStatements(dst, sts []stmt) []stmt {
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

// ImagebuilderResourceTemplate returns the ARN format of the resource type an
// action applies to, from the authorization specs internal/codegen generates
// from the Service Authorization Reference for every service the emulator
// serves (Image Builder, and IAM and STS since; the name stayed), so
// permission-only actions such as iam:PassRole are known too: for actions
// with several resource types, the first whose format matches all
// resources. Other services, and actions without resource types, give "*".
func ImagebuilderResourceTemplate(action string, resources []string) string {
	var types []*apimodel.AuthzResource
	for _, svc := range []*apimodel.Service{ibv1.ModelIndex(), iamv1.ModelIndex(), stsv1.ModelIndex()} {
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

// paginate applies MaxItems and Marker to the results. The marker is the
// index of the next result; IsTruncated is always present, as IAM sends it.
func paginate(all []*iamv1.EvaluationResult, maxItems int32, marker string) (*iamv1.SimulatePolicyResponse, error) {
	start := 0
	if marker != "" {
		n, err := strconv.Atoi(marker)
		if err != nil || n < 0 || n > len(all) {
			return nil, iamv1.ErrInvalidInput("Invalid Marker %s.", marker)
		}
		start = n
	}
	size := int(maxItems)
	if size <= 0 {
		size = defaultMaxItems
	}
	out := &iamv1.SimulatePolicyResponse{IsTruncated: ptr(false)}
	end := start + size
	if end < len(all) {
		out.IsTruncated, out.Marker = ptr(true), ptr(strconv.Itoa(end))
	} else {
		end = len(all)
	}
	out.EvaluationResults = all[start:end]
	return out, nil
}

func ptr[T any](v T) *T { return &v }
