package imagebuilder

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/ibemu/ibemu/internal/authz"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/iam/policy"
	"github.com/ibemu/ibemu/internal/lazyre"
	"github.com/ibemu/ibemu/internal/storage"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// Resource-based policies share components, images, image recipes and
// container recipes with other accounts ("Share Image Builder resources with
// AWS RAM", option 2: put-component-policy, put-image-policy,
// put-image-recipe-policy, put-container-recipe-policy). One generic store
// and one validation serve the four types; each operation only names its
// type.
//
// What a policy may say follows from how AWS turns it into a RAM resource
// share of feature set CREATED_FROM_POLICY "with a managed permission that
// has the same IAM permissions as the original resource-based policy"
// (RAM API reference, PromoteResourceShareCreatedFromPolicy):
//
//   - Effect Allow only: a RAM permission's Effect "must be set to ALLOW"
//     (RAM API reference, CreatePermission policyTemplate).
//   - Actions: the read actions of the type, as the Image Builder user
//     guide's examples grant them (imagebuilder:GetComponent and
//     imagebuilder:ListComponents; GetImage and ListImages; GetImageRecipe and
//     ListImageRecipes; GetContainerRecipe and ListContainerRecipes). No
//     wildcards and no NotAction: a share grants exactly these.
//   - Principals: the consumers a RAM share can have — AWS account IDs
//     (or their root ARNs), IAM users and roles, AWS Organizations
//     organizations and organizational units. Not "*": Image Builder
//     resources are shared with named consumers, never made public (only
//     Amazon's own components are public, and they are listed under owner
//     Amazon, not Shared). No NotPrincipal.
//   - Resource: the ARN of the resource the policy is put on ("The Resource
//     comes from the ARN of the specific resource that you are sharing",
//     CreatePermission); it may be left out. No NotResource.
//
// Everything else (Sid, Condition, Version, Id) is the IAM policy grammar,
// checked by the policy engine.

// sharing is a resource type that takes a resource-based policy.
type sharing struct {
	// typ is the ARN resource type, e.g. "component".
	typ string
	// op names the type in its operations: Put<op>Policy, Get<op>Policy,
	// and the actions its policy may grant, Get<op> and List<op>s.
	op string
	// noun names the type in messages.
	noun string
	// present reports whether the resource still exists, inside a write
	// transaction; nil for types this emulator does not store yet.
	present func(tx *storage.Tx, l *located) (bool, error)
	// reshare updates what the accounts a policy grants see of the resource
	// when the set of them changes from one policy to the next; nil for
	// types without a shared listing yet.
	reshare func(tx *storage.Tx, l *located, before, after []string) error
}

var (
	componentSharing       = &sharing{typ: componentType, op: "Component", noun: "component", present: componentPresent, reshare: reshareComponent}
	imageSharing           = &sharing{typ: "image", op: "Image", noun: "image"}
	imageRecipeSharing     = &sharing{typ: "image-recipe", op: "ImageRecipe", noun: "image recipe"}
	containerRecipeSharing = &sharing{typ: "container-recipe", op: "ContainerRecipe", noun: "container recipe"}
)

// actions are what a policy of the type may grant.
func (k *sharing) actions() []string {
	return []string{"imagebuilder:Get" + k.op, "imagebuilder:List" + k.op + "s"}
}

// PutComponentPolicy applies a policy to a component build version.
func (s *Service) PutComponentPolicy(ctx context.Context, req *ibv1.PutComponentPolicyRequest) (*ibv1.PutComponentPolicyResponse, error) {
	err := s.putPolicy(ctx, componentSharing, "componentArn", req.GetComponentArn(), req.GetPolicy())
	if err != nil {
		return nil, err
	}
	return &ibv1.PutComponentPolicyResponse{ComponentArn: req.ComponentArn}, nil
}

// GetComponentPolicy returns a component build version's policy.
func (s *Service) GetComponentPolicy(ctx context.Context, req *ibv1.GetComponentPolicyRequest) (*ibv1.GetComponentPolicyResponse, error) {
	doc, err := s.getPolicy(ctx, componentSharing, "componentArn", req.GetComponentArn())
	if err != nil {
		return nil, err
	}
	return &ibv1.GetComponentPolicyResponse{Policy: doc}, nil
}

// PutImagePolicy applies a policy to an image build version.
func (s *Service) PutImagePolicy(ctx context.Context, req *ibv1.PutImagePolicyRequest) (*ibv1.PutImagePolicyResponse, error) {
	err := s.putPolicy(ctx, imageSharing, "imageArn", req.GetImageArn(), req.GetPolicy())
	if err != nil {
		return nil, err
	}
	return &ibv1.PutImagePolicyResponse{ImageArn: req.ImageArn}, nil
}

// GetImagePolicy returns an image build version's policy.
func (s *Service) GetImagePolicy(ctx context.Context, req *ibv1.GetImagePolicyRequest) (*ibv1.GetImagePolicyResponse, error) {
	doc, err := s.getPolicy(ctx, imageSharing, "imageArn", req.GetImageArn())
	if err != nil {
		return nil, err
	}
	return &ibv1.GetImagePolicyResponse{Policy: doc}, nil
}

// PutImageRecipePolicy applies a policy to an image recipe.
func (s *Service) PutImageRecipePolicy(ctx context.Context, req *ibv1.PutImageRecipePolicyRequest) (*ibv1.PutImageRecipePolicyResponse, error) {
	err := s.putPolicy(ctx, imageRecipeSharing, "imageRecipeArn", req.GetImageRecipeArn(), req.GetPolicy())
	if err != nil {
		return nil, err
	}
	return &ibv1.PutImageRecipePolicyResponse{ImageRecipeArn: req.ImageRecipeArn}, nil
}

// GetImageRecipePolicy returns an image recipe's policy.
func (s *Service) GetImageRecipePolicy(ctx context.Context, req *ibv1.GetImageRecipePolicyRequest) (*ibv1.GetImageRecipePolicyResponse, error) {
	doc, err := s.getPolicy(ctx, imageRecipeSharing, "imageRecipeArn", req.GetImageRecipeArn())
	if err != nil {
		return nil, err
	}
	return &ibv1.GetImageRecipePolicyResponse{Policy: doc}, nil
}

// PutContainerRecipePolicy applies a policy to a container recipe.
func (s *Service) PutContainerRecipePolicy(ctx context.Context, req *ibv1.PutContainerRecipePolicyRequest) (*ibv1.PutContainerRecipePolicyResponse, error) {
	err := s.putPolicy(ctx, containerRecipeSharing, "containerRecipeArn", req.GetContainerRecipeArn(), req.GetPolicy())
	if err != nil {
		return nil, err
	}
	return &ibv1.PutContainerRecipePolicyResponse{ContainerRecipeArn: req.ContainerRecipeArn}, nil
}

// GetContainerRecipePolicy returns a container recipe's policy.
func (s *Service) GetContainerRecipePolicy(ctx context.Context, req *ibv1.GetContainerRecipePolicyRequest) (*ibv1.GetContainerRecipePolicyResponse, error) {
	doc, err := s.getPolicy(ctx, containerRecipeSharing, "containerRecipeArn", req.GetContainerRecipeArn())
	if err != nil {
		return nil, err
	}
	return &ibv1.GetContainerRecipePolicyResponse{Policy: doc}, nil
}

// putPolicy validates doc as a policy of type k for arn and stores it on the
// resource, replacing any previous one, and updates what the accounts it
// grants (before and after) see, in one transaction. It returns the request
// id.
func (s *Service) putPolicy(ctx context.Context, k *sharing, member, arn, doc string) error {
	c, aerr := call(ctx)
	if aerr != nil {
		return aerr
	}
	if _, aerr := parseARN(member, arn); aerr != nil {
		return aerr
	}
	grantees, err := k.validate(doc, arn)
	if err != nil {
		return err
	}
	res, l, err := s.locate(ctx, c, "imagebuilder:Put"+k.op+"Policy", member, arn)
	if err != nil {
		return err
	}
	if !res.Exists || k.present == nil {
		return k.notFound(arn)
	}
	sc := l.scope()
	err = s.db.Update(ctx, func(tx *storage.Tx) error {
		// The resource may have been deleted since it was resolved.
		if ok, err := k.present(tx, l); err != nil || !ok {
			if err == nil {
				err = k.notFound(arn)
			}
			return err
		}
		before, err := storedGrantees(tx, l)
		if err != nil {
			return err
		}
		if err := resourcePolicies.Put(tx, sc, policyKey(l.at), wrapperspb.String(doc)); err != nil {
			return err
		}
		return k.reshare(tx, l, before, grantees)
	})
	if err != nil {
		return storageError(err)
	}
	return nil
}

// getPolicy returns the policy document stored on arn's resource, as it was
// put.
func (s *Service) getPolicy(ctx context.Context, k *sharing, member, arn string) (*string, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	res, l, err := s.locate(ctx, c, "imagebuilder:Get"+k.op+"Policy", member, arn)
	if err != nil {
		return nil, err
	}
	if !res.Exists {
		return nil, k.notFound(arn)
	}
	if l.policy == "" {
		return nil, ibv1.ErrResourceNotFound("The %s %s has no policy.", k.noun, arn)
	}
	return ptr(l.policy), nil
}

func (k *sharing) notFound(arn string) error {
	return ibv1.ErrResourceNotFound("The %s %s does not exist.", k.noun, arn)
}

// dropPolicy removes a resource's policy and what it shared, as part of
// deleting the resource.
func dropPolicy(tx *storage.Tx, k *sharing, l *located) error {
	before, err := storedGrantees(tx, l)
	if err != nil {
		return err
	}
	if _, err := resourcePolicies.Delete(tx, l.scope(), policyKey(l.at)); err != nil {
		return err
	}
	return k.reshare(tx, l, before, nil)
}

// storedGrantees lists the accounts the resource's current policy grants.
func storedGrantees(tx *storage.Tx, l *located) ([]string, error) {
	doc, found, err := resourcePolicies.Get(tx, l.scope(), policyKey(l.at))
	if err != nil || !found {
		return nil, err
	}
	return grantees(policyTree(doc.GetValue()), l.at.Account), nil
}

// Principals a share may name besides accounts and IAM users and roles.
var (
	organizationARN = lazyre.New(`^arn:aws[a-z-]*:organizations::[0-9]{12}:organization/o-[a-z0-9]{10,32}$`)
	ouARN           = lazyre.New(`^arn:aws[a-z-]*:organizations::[0-9]{12}:ou/o-[a-z0-9]{10,32}/ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$`)
	iamPrincipalARN = lazyre.New(`^arn:aws[a-z-]*:iam::([0-9]{12}):(?:root|user/.+|role/.+)$`)
	accountID       = lazyre.New(`^[0-9]{12}$`)
)

func isOrganizationPrincipal(s string) bool {
	return organizationARN.MatchString(s) || ouARN.MatchString(s)
}

// principalAccount is the account a principal value names: itself for an
// account ID, the account of an IAM ARN; "" for organizations.
func principalAccount(s string) string {
	if accountID.MatchString(s) {
		return s
	}
	if m := iamPrincipalARN.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return ""
}

// validate checks doc as a policy of type k put on arn. It returns the
// accounts it shares the resource with, or InvalidParameterValueException
// saying what is wrong.
func (k *sharing) validate(doc, arn string) ([]string, error) {
	bad := func(format string, args ...any) ([]string, error) {
		return nil, ibv1.ErrInvalidParameterValue("The value supplied for parameter 'policy' is not valid. "+format, args...)
	}
	r, _ := parseARN("arn", arn)
	tree := policyTree(doc)
	text := doc
	if tree != nil && hasOrganizationPrincipal(tree) {
		text = engineText(tree, r.Account)
	}
	p, err := policy.Parse(text, policy.KindResource)
	if err != nil {
		var perr *policy.Error
		if errors.As(err, &perr) {
			return bad("%s", perr.Message())
		}
		return bad("%v", err)
	}
	if tree == nil {
		// The engine accepts URL-encoded documents, as IAM does; Image
		// Builder takes JSON.
		return bad("The policy document must be JSON.")
	}
	allowed := k.actions()
	article := "A"
	if strings.ContainsRune("aeiou", rune(k.noun[0])) {
		article = "An"
	}
	kind := article + " " + k.noun + " policy"
	for _, st := range p.Statements {
		switch {
		case st.Effect != policy.Allow:
			return bad("%s can only allow access; %s has Effect Deny.", kind, st.Label())
		case st.NotAction:
			return bad("%s must list its actions in Action; NotAction is not supported.", kind)
		case st.NotPrincipal:
			return bad("%s must name its principals in Principal; NotPrincipal is not supported.", kind)
		case st.NotResource:
			return bad("%s must name its resource in Resource; NotResource is not supported.", kind)
		}
		for _, a := range st.Actions {
			if !slices.ContainsFunc(allowed, func(x string) bool { return strings.EqualFold(x, a) }) {
				return bad("The action %s is not supported in %s; it can only grant %s.", a, strings.ToLower(kind[:1])+kind[1:], strings.Join(allowed, " and "))
			}
		}
		for _, res := range st.Resources {
			if res != arn {
				return bad("The resource %s is not valid in this policy; the Resource of %s must be the ARN of the %s it is applied to, %s.", res, strings.ToLower(kind[:1])+kind[1:], k.noun, arn)
			}
		}
	}
	if msg := checkPrincipals(tree); msg != "" {
		return bad("%s", msg)
	}
	return grantees(tree, r.Account), nil
}

// policyTree decodes a policy document; nil when it is not JSON.
func policyTree(doc string) map[string]any {
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	var tree map[string]any
	if err := dec.Decode(&tree); err != nil || dec.More() {
		return nil
	}
	return tree
}

// statements lists the statement objects of a decoded policy.
func statements(tree map[string]any) []map[string]any {
	var out []map[string]any
	switch st := tree["Statement"].(type) {
	case map[string]any:
		out = append(out, st)
	case []any:
		for _, v := range st {
			if m, ok := v.(map[string]any); ok {
				out = append(out, m)
			}
		}
	}
	return out
}

// awsPrincipals returns a statement's Principal "AWS" values.
func awsPrincipals(st map[string]any) []string {
	p, _ := st["Principal"].(map[string]any)
	return stringList(p["AWS"])
}

// checkPrincipals enforces the consumers a share may have (the engine has
// already checked the grammar). It returns what is wrong, or "".
func checkPrincipals(tree map[string]any) string {
	const allowed = "principals must be AWS account IDs, IAM user or role ARNs, or AWS Organizations organization or organizational unit ARNs"
	for _, st := range statements(tree) {
		p, ok := st["Principal"].(map[string]any)
		if !ok {
			return "The principal \"*\" is not supported; " + allowed + "."
		}
		for typ := range p {
			if typ != "AWS" {
				return "The principal type " + typ + " is not supported; " + allowed + "."
			}
		}
		for _, v := range awsPrincipals(st) {
			if principalAccount(v) == "" && !isOrganizationPrincipal(v) {
				return "The principal " + v + " is not supported; " + allowed + "."
			}
		}
	}
	return ""
}

// grantees lists the accounts other than owner that a valid policy shares
// the resource with, sorted. Organizations and OUs name no account here:
// the emulator has no AWS Organizations, so no account belongs to one.
func grantees(tree map[string]any, owner string) []string {
	var out []string
	for _, st := range statements(tree) {
		for _, v := range awsPrincipals(st) {
			if a := principalAccount(v); a != "" && a != owner && !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	slices.Sort(out)
	return out
}

func hasOrganizationPrincipal(tree map[string]any) bool {
	for _, st := range statements(tree) {
		if slices.ContainsFunc(awsPrincipals(st), isOrganizationPrincipal) {
			return true
		}
	}
	return false
}

// engineText is the document as the policy engine reads it. The engine's
// Principal grammar is IAM's, which has no organization principals; a share
// with an organization or OU names, in this emulator without AWS
// Organizations, no caller outside the owner's account. Each such principal
// is read as the owner's account, which grants nothing the owner's
// principals do not already have through their own identity-based policies.
func engineText(tree map[string]any, owner string) string {
	for _, st := range statements(tree) {
		p, _ := st["Principal"].(map[string]any)
		if v, ok := p["AWS"]; ok {
			list := anyList(v)
			for i, x := range list {
				if s, ok := x.(string); ok && isOrganizationPrincipal(s) {
					list[i] = owner
				}
			}
			p["AWS"] = list
		}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(tree)
	return b.String()
}

// evaluationPolicy is the policy that takes part in decisions for the
// component policy document stored on build at.
//
// A component policy can only grant imagebuilder:GetComponent and
// imagebuilder:ListComponents on the build, yet a consumer lists a shared
// version's builds with imagebuilder:ListComponentBuildVersions, authorized
// on the version's builds (VERSION-ARN/*). A statement granting
// ListComponents grants that listing too, on the build's version: the
// share's "list" covers both listings of the component.
func evaluationPolicy(doc string, at resourceARN) (*policy.Policy, error) {
	tree := policyTree(doc)
	if tree == nil {
		return policy.Parse(doc, policy.KindResource)
	}
	builds := resourceARN{Partition: at.Partition, Region: at.Region, Account: at.Account, Type: at.Type, Name: at.Name, Version: at.Version}.String() + "/*"
	for _, st := range statements(tree) {
		if !slices.ContainsFunc(stringList(st["Action"]), func(a string) bool { return strings.EqualFold(a, "imagebuilder:ListComponents") }) {
			continue
		}
		st["Action"] = append(anyList(st["Action"]), "imagebuilder:ListComponentBuildVersions")
		if _, ok := st["Resource"]; ok {
			st["Resource"] = append(anyList(st["Resource"]), builds)
		}
	}
	return policy.Parse(engineText(tree, at.Account), policy.KindResource)
}

// stringList reads a policy element that is a string or a list of strings.
func stringList(v any) []string {
	var out []string
	for _, x := range anyList(v) {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// anyList is a decoded element as a list.
func anyList(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return v
	default:
		return []any{v}
	}
}

// componentPresent reports whether the located component build still exists.
func componentPresent(tx *storage.Tx, l *located) (bool, error) {
	v, aerr := ParseVersion(l.at.Version)
	if aerr != nil {
		return false, aerr
	}
	_, found, err := componentBuilds.Get(tx, l.scope(), buildKey(l.at.Name, v, l.at.Build))
	return found, err
}

// reshareComponent moves a component build's entry in the shared listings
// from the accounts a policy granted before to those it grants after.
func reshareComponent(tx *storage.Tx, l *located, before, after []string) error {
	v, aerr := ParseVersion(l.at.Version)
	if aerr != nil {
		return aerr
	}
	key := sharedKey(l.at.Account, l.at.Name, v, l.at.Build)
	for _, a := range before {
		if _, err := sharedComponents.Delete(tx, storage.Scope{Account: a, Region: l.at.Region}, key); err != nil {
			return err
		}
	}
	if len(after) == 0 {
		return nil
	}
	entry := versionOf(l.component, l.at.Region)
	for _, a := range after {
		if err := sharedComponents.Put(tx, storage.Scope{Account: a, Region: l.at.Region}, key, entry); err != nil {
			return err
		}
	}
	return nil
}

// sharedBuildVisible decides whether a component build another account
// shares with the caller's account (key: its entry in the caller's shared
// index) is one the caller itself may see: the share index is per account,
// but a component policy may name only some of the account's principals (a
// role, a user), and a listing shows what the caller could read — the
// decision imagebuilder:ListComponents gets on the build, with the owner's
// policy. Without an enforcement layer in the call, every shared build is
// visible.
func sharedBuildVisible(tx *storage.Tx, t *authz.Target, c *callctx.Call, key []byte) (bool, error) {
	if t == nil {
		return true, nil
	}
	owner, name, v, build, err := readSharedKey(key)
	if err != nil {
		return false, err
	}
	at := resourceARN{Partition: "aws", Region: c.Region, Account: owner, Type: componentType, Name: name, Version: v.String(), Build: build}
	doc, found, err := resourcePolicies.Get(tx, storage.Scope{Account: owner, Region: c.Region}, policyKey(at))
	if err != nil || !found {
		return false, err
	}
	p, err := evaluationPolicy(doc.GetValue(), at)
	if err != nil {
		return false, nil
	}
	return t.Allows("imagebuilder:ListComponents", at.String(), owner, &policy.Attached{Policy: p, Name: at.String() + " component policy"}), nil
}
