package authz

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/ibemu/ibemu/internal/iam/policy"
	adminv1 "github.com/ibemu/ibemu/proto/admin/v1"
)

// DefaultWildcardThreshold is how many distinct ARNs under one parent (the
// objects of one bucket, the versions and builds of one Image Builder
// resource) a suggested statement names before they are replaced by the
// parent's wildcard (parent/*): more than this many collapse.
const DefaultWildcardThreshold = 5

// suggestConditionKeys are the condition keys a suggestion keeps, when
// every decision of an action had the key with one and the same value: the
// keys that say which route a request took (through which service, for
// which service a role is passed). Other keys — times, addresses, user
// ids, tags — describe one run rather than what the workload needs, and
// are left out.
var suggestConditionKeys = []string{"kms:ViaService", "iam:PassedToService", "aws:CalledViaFirst"}

// SuggestOptions tune Suggest.
type SuggestOptions struct {
	// WildcardThreshold: see DefaultWildcardThreshold; 0 means the
	// default, a negative value never collapses ARNs.
	WildcardThreshold int
}

// Suggestion is a least-privilege identity policy learned from decisions.
type Suggestion struct {
	// Policies are identity policy documents (indented JSON), each valid
	// by policy.Validate as a managed policy, so each within IAM's managed
	// policy size quota (policy.ManagedPolicyMaxSize characters other than
	// white space). Empty when no decision was usable.
	Policies []string
	// Decisions is how many decisions contributed; Actions how many
	// distinct actions the policies allow.
	Decisions, Actions int
	// Notes say what was collapsed into wildcards and what was skipped.
	Notes []string
}

// Suggest turns recorded decisions into the smallest identity policy that
// allows them. It uses the decisions that were allowed and those soft
// enforcement allowed (softDeny): what the workload did. Enforced denials
// (the workload did not get to do them; a test may expect them to fail)
// and the decisions of root users (who need no identity policy) are
// skipped.
//
// Each action is allowed on exactly the resources it was decided on
// ("*" for actions without a resource), except that more than
// WildcardThreshold ARNs sharing a parent become parent/*; actions of one
// service with identical resource sets (and conditions) share a statement.
// A condition key of suggestConditionKeys is kept as a StringEquals
// condition when every decision of the action had it with one value.
//
// The result is deterministic (sorted). It fails only if a document it
// produced does not validate, which would be a defect.
func Suggest(records []*adminv1.Decision, opts SuggestOptions) (*Suggestion, error) {
	threshold := opts.WildcardThreshold
	if threshold == 0 {
		threshold = DefaultWildcardThreshold
	}
	type actionUse struct {
		name      string
		resources map[string]bool
		conds     map[string]string // key → the one value seen; "" once it varied or was missing
	}
	out := &Suggestion{}
	uses := map[string]*actionUse{} // lower-cased action → use
	skippedDenied, skippedRoot := 0, 0
	for _, r := range records {
		switch o := r.GetOutcome(); {
		case o == SoftDeny || o == policy.Allowed.String():
		default:
			skippedDenied++
			continue
		}
		if r.GetPrincipalType() == "Root" || strings.HasSuffix(r.GetPrincipal(), ":root") {
			skippedRoot++
			continue
		}
		if r.GetAction() == "" {
			continue
		}
		out.Decisions++
		key := strings.ToLower(r.GetAction())
		u := uses[key]
		ctx := contextValues(r)
		if u == nil {
			u = &actionUse{name: r.GetAction(), resources: map[string]bool{}, conds: map[string]string{}}
			for _, k := range suggestConditionKeys {
				if v, ok := ctx[strings.ToLower(k)]; ok {
					u.conds[k] = v
				}
			}
			uses[key] = u
		} else {
			for k, v := range u.conds {
				if ctx[strings.ToLower(k)] != v {
					delete(u.conds, k)
				}
			}
		}
		res := r.GetResource()
		if res == "" {
			res = "*"
		}
		u.resources[res] = true
	}
	if skippedDenied > 0 {
		out.Notes = append(out.Notes, fmt.Sprintf("%d enforced denials left out: the workload did not perform them (run it with --enforce=soft to learn them)", skippedDenied))
	}
	if skippedRoot > 0 {
		out.Notes = append(out.Notes, fmt.Sprintf("%d decisions of root users left out: a root user needs no identity policy", skippedRoot))
	}
	// Group actions with the same service, resources and conditions.
	type group struct {
		service   string
		actions   []string
		resources []string
		conds     map[string]string
	}
	groups := map[string]*group{}
	for _, u := range uses {
		res := collapse(u.resources, threshold, u.name, &out.Notes)
		svc := serviceOfAction(u.name)
		ck := make([]string, 0, len(u.conds))
		for k, v := range u.conds {
			ck = append(ck, k+"="+v)
		}
		sort.Strings(ck)
		gk := svc + "\x00" + strings.Join(res, "\x01") + "\x00" + strings.Join(ck, "\x01")
		g := groups[gk]
		if g == nil {
			g = &group{service: svc, resources: res, conds: u.conds}
			groups[gk] = g
		}
		g.actions = append(g.actions, u.name)
		out.Actions++
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var stmts []suggestedStatement
	perService := map[string]int{}
	for _, k := range keys {
		g := groups[k]
		sort.Strings(g.actions)
		perService[g.service]++
		st := suggestedStatement{
			Sid:      sidFor(g.service, perService[g.service]),
			Effect:   "Allow",
			Action:   stringOrList(g.actions),
			Resource: g.resources,
		}
		if len(g.conds) > 0 {
			eq := map[string]string{}
			for k, v := range g.conds {
				eq[k] = v
			}
			st.Condition = map[string]map[string]string{"StringEquals": eq}
		}
		stmts = append(stmts, st)
	}
	if len(stmts) == 0 {
		return out, nil
	}
	docs, err := packStatements(stmts)
	if err != nil {
		return nil, err
	}
	if len(docs) > 1 {
		out.Notes = append(out.Notes, fmt.Sprintf("the statements exceed one managed policy's %d characters: split into %d policies, attach them all", policy.ManagedPolicyMaxSize, len(docs)))
	}
	out.Policies = docs
	return out, nil
}

// contextValues maps lower-cased single-valued context keys to their value.
func contextValues(r *adminv1.Decision) map[string]string {
	m := map[string]string{}
	for _, e := range r.GetContext() {
		if len(e.GetValues()) == 1 {
			m[strings.ToLower(e.GetKey())] = e.GetValues()[0]
		}
	}
	return m
}

// parentOf is the wildcard that covers arn with its siblings, or "" when
// arn has no parent worth collapsing into: an S3 object's bucket
// (arn:aws:s3:::bucket/*), and for other services a resource path of more
// than two segments cut after the second (component/name/1.0.0/1 →
// component/name/*).
func parentOf(arn string) string {
	a, ok := ParseARN(arn)
	if !ok || strings.Contains(arn, "*") {
		return ""
	}
	segs := strings.Split(a.Resource, "/")
	keep := 2
	if a.Service == "s3" {
		keep = 1
	}
	if len(segs) <= keep {
		return ""
	}
	return strings.TrimSuffix(arn, a.Resource) + strings.Join(segs[:keep], "/") + "/*"
}

// collapse returns the sorted resource list of an action, ARNs under a
// parent with more than threshold of them replaced by the parent's
// wildcard, and notes each collapse.
func collapse(set map[string]bool, threshold int, action string, notes *[]string) []string {
	if set["*"] {
		return []string{"*"}
	}
	byParent := map[string][]string{}
	if threshold > 0 {
		for arn := range set {
			if p := parentOf(arn); p != "" {
				byParent[p] = append(byParent[p], arn)
			}
		}
	}
	out := map[string]bool{}
	for arn := range set {
		out[arn] = true
	}
	parents := make([]string, 0, len(byParent))
	for p := range byParent {
		parents = append(parents, p)
	}
	sort.Strings(parents)
	for _, p := range parents {
		kids := byParent[p]
		if len(kids) <= threshold {
			continue
		}
		for _, k := range kids {
			delete(out, k)
		}
		out[p] = true
		*notes = append(*notes, fmt.Sprintf("%s: %d resources under %s collapsed into that wildcard (more than %d)", action, len(kids), p, threshold))
	}
	list := make([]string, 0, len(out))
	for arn := range out {
		list = append(list, arn)
	}
	sort.Strings(list)
	return list
}

// suggestedStatement is a statement as Suggest writes it, fields in the
// conventional order.
type suggestedStatement struct {
	Sid       string                       `json:"Sid"`
	Effect    string                       `json:"Effect"`
	Action    any                          `json:"Action"`
	Resource  any                          `json:"Resource"`
	Condition map[string]map[string]string `json:"Condition,omitempty"`
}

func (s suggestedStatement) resources() []string {
	switch r := s.Resource.(type) {
	case []string:
		return r
	case string:
		return []string{r}
	}
	return nil
}

type suggestedPolicy struct {
	Version   string               `json:"Version"`
	Statement []suggestedStatement `json:"Statement"`
}

func stringOrList(v []string) any {
	if len(v) == 1 {
		return v[0]
	}
	return v
}

// sidFor names the n-th statement of a service: Imagebuilder1, S32, ….
func sidFor(service string, n int) string {
	var b strings.Builder
	up := true
	for _, r := range service {
		switch {
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
			if up && r >= 'a' && r <= 'z' {
				r -= 'a' - 'A'
			}
			b.WriteRune(r)
			up = false
		default:
			up = true
		}
	}
	if b.Len() == 0 {
		b.WriteString("Statement")
	}
	return b.String() + strconv.Itoa(n)
}

func renderPolicy(stmts []suggestedStatement) (string, error) {
	for i := range stmts {
		stmts[i].Resource = stringOrList(stmts[i].resources())
	}
	raw, err := json.MarshalIndent(suggestedPolicy{Version: "2012-10-17", Statement: stmts}, "", "  ")
	return string(raw), err
}

// packStatements puts statements into as few documents as fit IAM's
// managed policy quota, splitting a statement's resources when it alone
// does not fit; each document is checked by policy.Validate.
func packStatements(stmts []suggestedStatement) ([]string, error) {
	fits := func(s []suggestedStatement) (string, bool, error) {
		doc, err := renderPolicy(append([]suggestedStatement(nil), s...))
		if err != nil {
			return "", false, err
		}
		return doc, policy.PolicySize(doc) <= policy.ManagedPolicyMaxSize, nil
	}
	// Split statements too large on their own.
	var queue []suggestedStatement
	for len(stmts) > 0 {
		s := stmts[0]
		stmts = stmts[1:]
		_, ok, err := fits([]suggestedStatement{s})
		if err != nil {
			return nil, err
		}
		res := s.resources()
		if ok || len(res) < 2 {
			queue = append(queue, s)
			continue
		}
		a, b := s, s
		a.Resource, b.Resource = res[:len(res)/2], res[len(res)/2:]
		b.Sid = s.Sid + "b"
		stmts = append([]suggestedStatement{a, b}, stmts...)
	}
	var docs []string
	var cur []suggestedStatement
	flush := func() error {
		if len(cur) == 0 {
			return nil
		}
		doc, _, err := fits(cur)
		if err != nil {
			return err
		}
		if _, verr := policy.Validate(doc, policy.ForManagedPolicy()); verr != nil {
			return fmt.Errorf("authz: suggested policy does not validate: %s", verr.Error())
		}
		docs = append(docs, doc)
		cur = nil
		return nil
	}
	for _, s := range queue {
		_, ok, err := fits(append(append([]suggestedStatement(nil), cur...), s))
		if err != nil {
			return nil, err
		}
		if !ok {
			if err := flush(); err != nil {
				return nil, err
			}
		}
		cur = append(cur, s)
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return docs, nil
}
