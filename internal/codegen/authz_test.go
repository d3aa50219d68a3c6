package main

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/ibemu/ibemu/internal/apimodel"
	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
	kmsv1 "github.com/ibemu/ibemu/proto/kms/v1"
	s3v1 "github.com/ibemu/ibemu/proto/s3/v1"
	stsv1 "github.com/ibemu/ibemu/proto/sts/v1"
)

// generatedModels are the generated tables the enforcement layer walks, by
// model file.
func generatedModels() map[string]*apimodel.Service {
	return map[string]*apimodel.Service{"imagebuilder.json": ibv1.Model(), "iam.json": iamv1.Model(), "sts.json": stsv1.Model(), "s3.json": s3v1.Model(), "kms.json": kmsv1.Model()}
}

func loadRef(t *testing.T, cfg serviceConfig) *authzRef {
	t.Helper()
	ref, err := loadAuthzRef(filepath.Join("..", "..", "proto", "authz", cfg.Authz))
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

// Every operation of the three models has an Authz naming its action,
// except those the reference data has no action for, which are exactly the
// documented noAuthzEntry list; every member a binding names exists in the
// operation's input.
func TestEveryOperationHasAuthz(t *testing.T) {
	models := generatedModels()
	var withoutEntry []string
	for _, cfg := range services {
		svc := models[cfg.Model]
		ref := loadRef(t, cfg)
		var nilAuthz, documented []string
		for _, name := range noAuthzEntry[ref.ServicePrefix] {
			documented = append(documented, ref.ServicePrefix+":"+name)
		}
		for _, op := range svc.Operations {
			action := op.Name
			if mapped, ok := operationActions[ref.ServicePrefix][op.Name]; ok {
				action = mapped
			}
			_, inData := ref.Actions[action]
			if !inData {
				withoutEntry = append(withoutEntry, ref.ServicePrefix+":"+op.Name)
			}
			a := op.Authz
			if a == nil {
				nilAuthz = append(nilAuthz, ref.ServicePrefix+":"+op.Name)
				if inData {
					t.Errorf("%s: no Authz, but the reference has the action", op.Name)
				}
				continue
			}
			if want := ref.ServicePrefix + ":" + action; a.Action != want {
				t.Errorf("%s: Action %q, want %q", op.Name, a.Action, want)
			}
			if got, ok := svc.Action(strings.ToUpper(a.Action)); !ok || (action == op.Name && got != a) {
				t.Errorf("%s: Service.Action does not find the operation's Authz", a.Action)
			}
			if a.AccessLevel == "" {
				t.Errorf("%s: no access level", a.Action)
			}
			checkBindings(t, op, a)
		}
		sort.Strings(documented)
		if !slices.Equal(nilAuthz, documented) {
			t.Errorf("%s: operations without Authz %v, noAuthzEntry documents %v", cfg.Model, nilAuthz, documented)
		}
		// Actions holds every action of the data, operations or not.
		var actions []string
		for _, a := range svc.Actions {
			actions = append(actions, strings.TrimPrefix(a.Action, ref.ServicePrefix+":"))
		}
		if want := sortedKeys(ref.Actions); !slices.Equal(actions, want) {
			t.Errorf("%s: Actions %v, want the reference's %v", cfg.Model, actions, want)
		}
	}
	if want := []string{"iam:UpdateDelegationRequest", "s3:CreateSession", "s3:ListDirectoryBuckets", "s3:RenameObject", "s3:WriteGetObjectResponse"}; !slices.Equal(withoutEntry, want) {
		t.Errorf("operations the data has no action for: %v, want %v", withoutEntry, want)
	}
}

// checkBindings checks that every member path an Authz names resolves in
// the operation's input, and that template variables and condition keys it
// binds are the reference's.
func checkBindings(t *testing.T, op *apimodel.Operation, a *apimodel.Authz) {
	t.Helper()
	resolve := func(what, path string) {
		sh := op.Input
		for _, part := range strings.Split(path, ".") {
			if sh == nil || sh.Kind != apimodel.Structure {
				t.Errorf("%s: %s %q: %s is not in a structure", a.Action, what, path, part)
				return
			}
			m, ok := sh.Member(part)
			if !ok {
				t.Errorf("%s: %s %q: %s has no member %s", a.Action, what, path, sh.Name, part)
				return
			}
			sh = m.Target
		}
	}
	for _, r := range a.Resources {
		if r.ARNFormat == "" || !strings.HasPrefix(r.ARNFormat, "arn:${Partition}:") {
			t.Errorf("%s: resource %s has ARN format %q", a.Action, r.Type, r.ARNFormat)
		}
		if r.ARNMember != "" {
			resolve("ARN member", r.ARNMember)
			if len(r.Variables) > 0 {
				t.Errorf("%s: resource %s has an ARN member and variables", a.Action, r.Type)
			}
		}
		for _, v := range r.Variables {
			if callVariables[v.Name] || !strings.Contains(r.ARNFormat, "${"+v.Name+"}") {
				t.Errorf("%s: resource %s binds variable %s", a.Action, r.Type, v.Name)
			}
			resolve("variable "+v.Name, v.Member)
			if v.PathMember != "" {
				resolve("path of "+v.Name, v.PathMember)
			}
		}
	}
	for _, k := range a.RequestKeys {
		resolve("condition key "+k.Key, k.Member)
		if !slices.Contains(a.ConditionKeys, k.Key) {
			t.Errorf("%s: binds %s, which is not one of its condition keys", a.Action, k.Key)
		}
		if k.Type == "" {
			t.Errorf("%s: %s has no type", a.Action, k.Key)
		}
	}
}

func TestAuthzSpotChecks(t *testing.T) {
	const (
		ibComponent = "arn:${Partition}:imagebuilder:${Region}:${Account}:component/${ComponentName}/${ComponentVersion}/${ComponentBuildVersion}"
		iamUser     = "arn:${Partition}:iam::${Account}:user/${UserNameWithPath}"
		iamRole     = "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}"
	)
	resourceTag := []string{"aws:ResourceTag/${TagKey}"}
	iamTags := []string{"aws:ResourceTag/${TagKey}", "iam:ResourceTag/${TagKey}"}
	ibTaggable := func(member string) []*apimodel.AuthzResource {
		var rs []*apimodel.AuthzResource
		for _, x := range [][2]string{
			{"component", ibComponent},
			{"containerRecipe", "arn:${Partition}:imagebuilder:${Region}:${Account}:container-recipe/${ContainerRecipeName}/${ContainerRecipeVersion}"},
			{"distributionConfiguration", "arn:${Partition}:imagebuilder:${Region}:${Account}:distribution-configuration/${DistributionConfigurationName}"},
			{"image", "arn:${Partition}:imagebuilder:${Region}:${Account}:image/${ImageName}/${ImageVersion}/${ImageBuildVersion}"},
			{"imagePipeline", "arn:${Partition}:imagebuilder:${Region}:${Account}:image-pipeline/${ImagePipelineName}"},
			{"imageRecipe", "arn:${Partition}:imagebuilder:${Region}:${Account}:image-recipe/${ImageRecipeName}/${ImageRecipeVersion}"},
			{"infrastructureConfiguration", "arn:${Partition}:imagebuilder:${Region}:${Account}:infrastructure-configuration/${ResourceId}"},
			{"lifecyclePolicy", "arn:${Partition}:imagebuilder:${Region}:${Account}:lifecycle-policy/${LifecyclePolicyName}"},
			{"workflow", "arn:${Partition}:imagebuilder:${Region}:${Account}:workflow/${WorkflowType}/${WorkflowName}/${WorkflowVersion}/${WorkflowBuildVersion}"},
		} {
			rs = append(rs, &apimodel.AuthzResource{Type: x[0], ARNFormat: x[1], ConditionKeys: resourceTag, ARNMember: member})
		}
		return rs
	}
	tagKeys := []string{"aws:RequestTag/${TagKey}", "aws:TagKeys"}
	cases := []struct {
		svc  *apimodel.Service
		op   string
		want *apimodel.Authz
	}{
		{ibv1.Model(), "GetComponent", &apimodel.Authz{
			Action: "imagebuilder:GetComponent", AccessLevel: "Read",
			Resources: []*apimodel.AuthzResource{{
				Type: "component", Required: true, ARNFormat: ibComponent, ConditionKeys: resourceTag,
				ARNMember: "componentBuildVersionArn",
			}},
			DependentActions: []string{"kms:Decrypt"},
		}},
		{ibv1.Model(), "CreateComponent", &apimodel.Authz{
			Action: "imagebuilder:CreateComponent", AccessLevel: "Write",
			Resources: []*apimodel.AuthzResource{{
				Type: "component", Required: true, ARNFormat: ibComponent, ConditionKeys: resourceTag,
				Variables: []*apimodel.ARNVariable{{Name: "ComponentName", Member: "name"}, {Name: "ComponentVersion", Member: "semanticVersion"}},
			}},
			ConditionKeys:    tagKeys,
			DependentActions: []string{"imagebuilder:TagResource", "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "s3:GetObject", "s3:ListBucket"},
			RequestKeys: []*apimodel.RequestKey{
				{Key: "aws:RequestTag/${TagKey}", Member: "tags", Type: "String"},
				{Key: "aws:TagKeys", Member: "tags", Type: "ArrayOfString"},
			},
		}},
		{ibv1.Model(), "TagResource", &apimodel.Authz{
			Action: "imagebuilder:TagResource", AccessLevel: "Tagging, Write",
			Resources:     ibTaggable("resourceArn"),
			ConditionKeys: tagKeys,
			RequestKeys: []*apimodel.RequestKey{
				{Key: "aws:RequestTag/${TagKey}", Member: "tags", Type: "String"},
				{Key: "aws:TagKeys", Member: "tags", Type: "ArrayOfString"},
			},
		}},
		{ibv1.Model(), "UntagResource", &apimodel.Authz{
			Action: "imagebuilder:UntagResource", AccessLevel: "Tagging, Write",
			Resources:     ibTaggable("resourceArn"),
			ConditionKeys: []string{"aws:TagKeys"},
			RequestKeys:   []*apimodel.RequestKey{{Key: "aws:TagKeys", Member: "tagKeys", Type: "ArrayOfString"}},
		}},
		{ibv1.Model(), "CreateInfrastructureConfiguration", &apimodel.Authz{
			Action: "imagebuilder:CreateInfrastructureConfiguration", AccessLevel: "Write",
			Resources: []*apimodel.AuthzResource{{
				Type: "infrastructureConfiguration", Required: true,
				ARNFormat:     "arn:${Partition}:imagebuilder:${Region}:${Account}:infrastructure-configuration/${ResourceId}",
				ConditionKeys: resourceTag,
				Variables:     []*apimodel.ARNVariable{{Name: "ResourceId", Member: "name"}},
			}},
			ConditionKeys: []string{"aws:RequestTag/${TagKey}", "aws:TagKeys", "imagebuilder:CreatedResourceTag/${TagKey}",
				"imagebuilder:CreatedResourceTagKeys", "imagebuilder:Ec2MetadataHttpTokens", "imagebuilder:StatusTopicArn"},
			DependentActions: []string{"ec2:DescribeAvailabilityZones", "ec2:DescribeHosts", "iam:PassRole", "imagebuilder:TagResource", "resource-groups:GetGroup", "sns:Publish"},
			RequestKeys: []*apimodel.RequestKey{
				{Key: "aws:RequestTag/${TagKey}", Member: "tags", Type: "String"},
				{Key: "aws:TagKeys", Member: "tags", Type: "ArrayOfString"},
				{Key: "imagebuilder:CreatedResourceTag/${TagKey}", Member: "resourceTags", Type: "String"},
				{Key: "imagebuilder:CreatedResourceTagKeys", Member: "resourceTags", Type: "ArrayOfString"},
				{Key: "imagebuilder:Ec2MetadataHttpTokens", Member: "instanceMetadataOptions.httpTokens", Type: "String"},
				{Key: "imagebuilder:StatusTopicArn", Member: "snsTopicArn", Type: "ARN"},
			},
		}},
		{iamv1.Model(), "CreateUser", &apimodel.Authz{
			Action: "iam:CreateUser", AccessLevel: "Write",
			Resources: []*apimodel.AuthzResource{{
				Type: "user", Required: true, ARNFormat: iamUser, ConditionKeys: iamTags,
				Variables: []*apimodel.ARNVariable{{Name: "UserNameWithPath", Member: "UserName", PathMember: "Path"}},
			}},
			ConditionKeys: []string{"aws:RequestTag/${TagKey}", "aws:TagKeys", "iam:PermissionsBoundary"},
			RequestKeys: []*apimodel.RequestKey{
				{Key: "aws:RequestTag/${TagKey}", Member: "Tags", Type: "String"},
				{Key: "aws:TagKeys", Member: "Tags", Type: "ArrayOfString"},
				{Key: "iam:PermissionsBoundary", Member: "PermissionsBoundary", Type: "ARN"},
			},
		}},
		// GetUser's UserName is optional (the caller otherwise): bound, and
		// the resolver completes the path, which the request never carries.
		{iamv1.Model(), "GetUser", &apimodel.Authz{
			Action: "iam:GetUser", AccessLevel: "Read",
			Resources: []*apimodel.AuthzResource{{
				Type: "user", Required: true, ARNFormat: iamUser, ConditionKeys: iamTags,
				Variables: []*apimodel.ARNVariable{{Name: "UserNameWithPath", Member: "UserName"}},
			}},
		}},
		{iamv1.Model(), "AttachRolePolicy", &apimodel.Authz{
			Action: "iam:AttachRolePolicy", AccessLevel: "Permissions management, Write",
			Resources: []*apimodel.AuthzResource{{
				Type: "role", Required: true, ARNFormat: iamRole, ConditionKeys: iamTags,
				Variables: []*apimodel.ARNVariable{{Name: "RoleNameWithPath", Member: "RoleName"}},
			}},
			ConditionKeys: []string{"iam:PermissionsBoundary", "iam:PolicyARN", "iam:RoleTemplateARN"},
			RequestKeys:   []*apimodel.RequestKey{{Key: "iam:PolicyARN", Member: "PolicyArn", Type: "ARN"}},
		}},
		{stsv1.Model(), "GetCallerIdentity", &apimodel.Authz{Action: "sts:GetCallerIdentity", AccessLevel: "Read"}},
	}
	for _, c := range cases {
		op, ok := c.svc.Operation(c.op)
		if !ok {
			t.Fatalf("no operation %s", c.op)
		}
		if !reflect.DeepEqual(op.Authz, c.want) {
			got, _ := json.MarshalIndent(op.Authz, "", "  ")
			want, _ := json.MarshalIndent(c.want, "", "  ")
			t.Errorf("%s:\n%s\nwant\n%s", c.op, got, want)
		}
	}

	// AssumeRole: the role by RoleArn, and the keys the request carries;
	// the identity providers' keys stay unbound.
	op, _ := stsv1.Model().Operation("AssumeRole")
	a := op.Authz
	wantRes := []*apimodel.AuthzResource{{Type: "role", Required: true, ARNFormat: iamRole, ConditionKeys: iamTags, ARNMember: "RoleArn"}}
	wantKeys := []*apimodel.RequestKey{
		{Key: "aws:RequestTag/${TagKey}", Member: "Tags", Type: "String"},
		{Key: "aws:TagKeys", Member: "Tags", Type: "ArrayOfString"},
		{Key: "sts:ExternalId", Member: "ExternalId", Type: "String"},
		{Key: "sts:RoleSessionName", Member: "RoleSessionName", Type: "String"},
		{Key: "sts:SourceIdentity", Member: "SourceIdentity", Type: "String"},
		{Key: "sts:TransitiveTagKeys", Member: "TransitiveTagKeys", Type: "ArrayOfString"},
	}
	if a.Action != "sts:AssumeRole" || a.AccessLevel != "Write" || !reflect.DeepEqual(a.Resources, wantRes) || !reflect.DeepEqual(a.RequestKeys, wantKeys) ||
		len(a.ConditionKeys) != 19 || !slices.Contains(a.ConditionKeys, "saml:sub") {
		got, _ := json.MarshalIndent(a, "", "  ")
		t.Errorf("AssumeRole:\n%s", got)
	}

	// A permission-only action is in Actions, without bindings.
	pass, ok := iamv1.Model().Action("iam:PassRole")
	if !ok || len(pass.Resources) != 1 || pass.Resources[0].ARNFormat != iamRole || pass.Resources[0].ARNMember != "" || len(pass.RequestKeys) != 0 {
		t.Errorf("iam:PassRole = %+v", pass)
	}
}

// buildWith generates one service's Authz from its committed model and a
// reference the test may change first.
func buildWith(t *testing.T, model string, change func(*authzRef)) error {
	t.Helper()
	var cfg serviceConfig
	for _, c := range services {
		if c.Model == model {
			cfg = c
		}
	}
	m, err := loadModel(filepath.Join("..", "..", "proto", "models", cfg.Model))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := buildService(cfg, m)
	if err != nil {
		t.Fatal(err)
	}
	ref := loadRef(t, cfg)
	if change != nil {
		change(ref)
	}
	return svc.buildAuthz(ref)
}

// setOverride changes an entry of an override table for the test.
func setOverride(t *testing.T, table map[string]map[string]string, prefix, key, value string) {
	inner, hadPrefix := table[prefix]
	if !hadPrefix {
		inner = map[string]string{}
		table[prefix] = inner
	}
	old, had := inner[key]
	inner[key] = value
	t.Cleanup(func() {
		switch {
		case !hadPrefix:
			delete(table, prefix)
		case had:
			inner[key] = old
		default:
			delete(inner, key)
		}
	})
}

// Generation refuses data and tables that disagree with the model.
func TestAuthzGenerationFails(t *testing.T) {
	if err := buildWith(t, "imagebuilder.json", nil); err != nil {
		t.Fatalf("the committed data: %v", err)
	}
	cases := []struct {
		name, model, want string
		change            func(*authzRef)
		setup             func(*testing.T)
	}{
		{name: "http binding differs", model: "imagebuilder.json", want: "the reference says GET /GetComponents",
			change: func(r *authzRef) { r.Actions["GetComponent"].HTTP.URI = "/GetComponents" }},
		{name: "http binding missing", model: "imagebuilder.json", want: "no http binding",
			change: func(r *authzRef) { r.Actions["GetComponent"].HTTP = nil }},
		{name: "operation without action", model: "imagebuilder.json", want: "operation GetComponent has no action",
			change: func(r *authzRef) { delete(r.Actions, "GetComponent") }},
		{name: "unknown resource type", model: "sts.json", want: "resource type nope is not defined",
			change: func(r *authzRef) { r.Actions["AssumeRole"].ResourceTypes[0].Name = "nope" }},
		{name: "undefined condition key", model: "sts.json", want: "condition key sts:Nope is not defined",
			change: func(r *authzRef) {
				r.Actions["AssumeRole"].ConditionKeys = append(r.Actions["AssumeRole"].ConditionKeys, "sts:Nope")
			}},
		{name: "ARN member override names no member", model: "imagebuilder.json", want: "has no member nope",
			setup: func(t *testing.T) {
				setOverride(t, arnMemberOverrides, "imagebuilder", "GetComponent/component", "nope")
			}},
		{name: "request key override names no member", model: "imagebuilder.json", want: "has no member nope",
			setup: func(t *testing.T) {
				setOverride(t, requestKeyOverrides, "imagebuilder", "imagebuilder:StatusTopicArn", "instanceMetadataOptions.nope")
			}},
		{name: "stale override", model: "sts.json", want: "matches nothing",
			setup: func(t *testing.T) { setOverride(t, arnMemberOverrides, "sts", "NoSuchOperation/role", "RoleArn") }},
		{name: "documented entry appears", model: "iam.json", want: "remove it from noAuthzEntry",
			change: func(r *authzRef) {
				r.Actions["UpdateDelegationRequest"] = &refAction{AccessLevel: "Write"}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.setup != nil {
				c.setup(t)
			}
			err := buildWith(t, c.model, c.change)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestARNFormatHelpers(t *testing.T) {
	f := "arn:${Partition}:imagebuilder:${Region}:${Account}:container-recipe/${ContainerRecipeName}/${ContainerRecipeVersion}"
	if got := formatVariables(f); !slices.Equal(got, []string{"Partition", "Region", "Account", "ContainerRecipeName", "ContainerRecipeVersion"}) {
		t.Errorf("formatVariables = %v", got)
	}
	if got := pascalCase(arnResourceSegment(f)); got != "ContainerRecipe" {
		t.Errorf("resource segment = %q", got)
	}
	if got := arnResourceSegment("arn:${Partition}:iam::${Account}:root"); got != "root" {
		t.Errorf("resource segment of root = %q", got)
	}
}
