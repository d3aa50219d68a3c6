package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/format"
	"go/token"
	"os"
	"strings"
	"unicode"
)

// Authorization specs: every operation gets the apimodel.Authz of its
// action from the committed Service Authorization Reference data
// (proto/authz/<service>-authz.json), with the bindings the enforcement
// layer needs to build the request context: which input member holds a
// resource's ARN, or supplies the variables of its ARN format, and which
// members supply condition keys. The bindings are inferred by the rules
// below; the tables after them correct what the rules get wrong, and fail
// generation when they name anything that does not exist, so they cannot go
// stale silently.

// authzRef is a reference data file.
type authzRef struct {
	Source        json.RawMessage                `json:"_source"`
	ServicePrefix string                         `json:"servicePrefix"`
	Actions       map[string]*refAction          `json:"actions"`
	ResourceTypes map[string]*refResourceType    `json:"resourceTypes"`
	ConditionKeys map[string]*refConditionKeyDef `json:"conditionKeys"`
}

type refAction struct {
	AccessLevel      string           `json:"accessLevel"`
	ResourceTypes    []*refActionType `json:"resourceTypes"`
	ConditionKeys    []string         `json:"conditionKeys"`
	DependentActions []string         `json:"dependentActions"`
	HTTP             *struct {
		Method string `json:"method"`
		URI    string `json:"uri"`
	} `json:"http"`
}

type refActionType struct {
	Name             string   `json:"name"`
	Required         bool     `json:"required"`
	ConditionKeys    []string `json:"conditionKeys"`
	DependentActions []string `json:"dependentActions"`
}

type refResourceType struct {
	ARN           string   `json:"arn"`
	ConditionKeys []string `json:"conditionKeys"`
}

type refConditionKeyDef struct {
	Type        string `json:"type"`
	Description string `json:"description"`
}

// authzSpec is the generator's form of apimodel.Authz.
type authzSpec struct {
	Name             string     // action name without the prefix
	Var              string     // Go variable in authz.gen.go
	Op               *operation // nil for an action no operation calls
	Action           string
	AccessLevel      string
	Resources        []*authzResource
	ConditionKeys    []string
	DependentActions []string
	RequestKeys      []*requestKey
	Itemized         bool
}

type authzResource struct {
	Type          string
	Required      bool
	ARNFormat     string
	ConditionKeys []string
	ARNMember     string
	Variables     []*arnVariable
}

type arnVariable struct{ Name, Member, PathMember, Default string }

type requestKey struct{ Key, Member, Type string }

// noAuthzEntry lists, per service prefix, the operations of the Smithy
// model the reference has no action for. Their Authz stays nil and the
// enforcement layer refuses them (fails closed). Generation fails when the
// data and this list disagree either way.
var noAuthzEntry = map[string][]string{
	"iam": {"UpdateDelegationRequest"},
	// S3 Express One Zone (s3express:CreateSession, ListAllMyDirectoryBuckets,
	// RenameObject) and S3 Object Lambda (s3-object-lambda:WriteGetObjectResponse)
	// are authorized under prefixes of their own, which the emulator does not
	// serve.
	"s3": {"CreateSession", "ListDirectoryBuckets", "RenameObject", "WriteGetObjectResponse"},
}

// operationActions maps, per service prefix, the operations whose IAM action
// is not named after them to that action. S3 is the service where they
// differ: the table is the S3 User Guide's "Required permissions for Amazon
// S3 API operations" (ListObjectsV2 and HeadBucket are s3:ListBucket,
// HeadObject is s3:GetObject, the Delete*Configuration operations need the
// Put* action, …). Several operations may share an action; each still gets
// its own spec, as their inputs bind resources differently.
var operationActions = map[string]map[string]string{
	"s3": {
		"CompleteMultipartUpload":                     "PutObject",
		"CopyObject":                                  "PutObject",
		"CreateMultipartUpload":                       "PutObject",
		"UploadPart":                                  "PutObject",
		"UploadPartCopy":                              "PutObject",
		"DeleteObjects":                               "DeleteObject",
		"HeadBucket":                                  "ListBucket",
		"HeadObject":                                  "GetObject",
		"SelectObjectContent":                         "GetObject",
		"ListObjects":                                 "ListBucket",
		"ListObjectsV2":                               "ListBucket",
		"ListObjectVersions":                          "ListBucketVersions",
		"ListBuckets":                                 "ListAllMyBuckets",
		"ListMultipartUploads":                        "ListBucketMultipartUploads",
		"ListParts":                                   "ListMultipartUploadParts",
		"DeleteBucketAnalyticsConfiguration":          "PutAnalyticsConfiguration",
		"GetBucketAnalyticsConfiguration":             "GetAnalyticsConfiguration",
		"ListBucketAnalyticsConfigurations":           "GetAnalyticsConfiguration",
		"PutBucketAnalyticsConfiguration":             "PutAnalyticsConfiguration",
		"DeleteBucketCors":                            "PutBucketCORS",
		"GetBucketCors":                               "GetBucketCORS",
		"PutBucketCors":                               "PutBucketCORS",
		"DeleteBucketEncryption":                      "PutEncryptionConfiguration",
		"GetBucketEncryption":                         "GetEncryptionConfiguration",
		"PutBucketEncryption":                         "PutEncryptionConfiguration",
		"DeleteBucketIntelligentTieringConfiguration": "PutIntelligentTieringConfiguration",
		"GetBucketIntelligentTieringConfiguration":    "GetIntelligentTieringConfiguration",
		"ListBucketIntelligentTieringConfigurations":  "GetIntelligentTieringConfiguration",
		"PutBucketIntelligentTieringConfiguration":    "PutIntelligentTieringConfiguration",
		"DeleteBucketInventoryConfiguration":          "PutInventoryConfiguration",
		"GetBucketInventoryConfiguration":             "GetInventoryConfiguration",
		"ListBucketInventoryConfigurations":           "GetInventoryConfiguration",
		"PutBucketInventoryConfiguration":             "PutInventoryConfiguration",
		"DeleteBucketLifecycle":                       "PutLifecycleConfiguration",
		"GetBucketLifecycleConfiguration":             "GetLifecycleConfiguration",
		"PutBucketLifecycleConfiguration":             "PutLifecycleConfiguration",
		"DeleteBucketMetricsConfiguration":            "PutMetricsConfiguration",
		"GetBucketMetricsConfiguration":               "GetMetricsConfiguration",
		"ListBucketMetricsConfigurations":             "GetMetricsConfiguration",
		"PutBucketMetricsConfiguration":               "PutMetricsConfiguration",
		"DeleteBucketOwnershipControls":               "PutBucketOwnershipControls",
		"DeleteBucketReplication":                     "PutReplicationConfiguration",
		"GetBucketReplication":                        "GetReplicationConfiguration",
		"PutBucketReplication":                        "PutReplicationConfiguration",
		"DeleteBucketTagging":                         "PutBucketTagging",
		"DeletePublicAccessBlock":                     "PutBucketPublicAccessBlock",
		"GetPublicAccessBlock":                        "GetBucketPublicAccessBlock",
		"PutPublicAccessBlock":                        "PutBucketPublicAccessBlock",
		"GetBucketAccelerateConfiguration":            "GetAccelerateConfiguration",
		"PutBucketAccelerateConfiguration":            "PutAccelerateConfiguration",
		"GetBucketNotificationConfiguration":          "GetBucketNotification",
		"PutBucketNotificationConfiguration":          "PutBucketNotification",
		"GetObjectLockConfiguration":                  "GetBucketObjectLockConfiguration",
		"CreateBucketMetadataConfiguration":           "CreateBucketMetadataTableConfiguration",
		"DeleteBucketMetadataConfiguration":           "DeleteBucketMetadataTableConfiguration",
		"GetBucketMetadataConfiguration":              "GetBucketMetadataTableConfiguration",
		"PutObjectLockConfiguration":                  "PutBucketObjectLockConfiguration",
	},
	// ReEncrypt is kms:ReEncryptFrom on the source key; the handler checks
	// kms:ReEncryptTo on the destination key as a dependent action.
	"kms": {"ReEncrypt": "ReEncryptFrom"},
}

// itemizedOperations lists, per service prefix, the operations whose
// handler decides the action on each item of the request
// (apimodel.Authz.Itemized) rather than the enforcement layer deciding it
// once: DeleteObjects is s3:DeleteObject on every key it names, and S3
// deletes the keys the caller may delete and reports AccessDenied for the
// others, key by key (S3 API Reference, DeleteObjects).
var itemizedOperations = map[string][]string{
	"s3": {"DeleteObjects"},
}

// pathListings are the IAM listings the reference gives no resource type
// that IAM nevertheless decides on a resource: the path prefix of the
// entities listed, arn:aws:iam::ACCOUNT:user/ (or user/PATH/) for ListUsers.
// AWS's own denials show it ("…is not authorized to perform: iam:ListUsers
// on resource: arn:aws:iam::123456789012:user/", likewise role/, group/ and
// instance-profile/ — the IAM API reference's sample error for ListRoles
// among them), and it decides what a policy naming user/* allows.
var pathListings = map[string]map[string]string{
	"iam": {
		"ListUsers":            "user",
		"ListRoles":            "role",
		"ListGroups":           "group",
		"ListInstanceProfiles": "instance-profile",
	},
}

// pathListingResource is the resource of a path listing of entities of
// type typ: the type's ARN up to the path prefix the request gives ("/" when
// it gives none).
func pathListingResource(typ string) *authzResource {
	return &authzResource{
		Type:      typ,
		Required:  true,
		ARNFormat: "arn:${Partition}:iam::${Account}:" + typ + "${PathPrefix}",
		Variables: []*arnVariable{{Name: "PathPrefix", Member: "PathPrefix", Default: "/"}},
	}
}

// arnMemberOverrides names, per service prefix and "Operation/resourceType",
// the input member holding the resource's full ARN where the rules of
// bindResource find none or the wrong one.
var arnMemberOverrides = map[string]map[string]string{
	"imagebuilder": {
		// The image to distribute is named by its ARN, "sourceImage".
		"DistributeImage/image": "sourceImage",
		// The all*BuildVersions types are a version ARN followed by "/*":
		// the request names the version, the enforcement layer appends the
		// wildcard the format ends in.
		"ListComponentBuildVersions/allComponentBuildVersions": "componentVersionArn",
		"ListImageBuildVersions/allImageBuildVersions":         "imageVersionArn",
		"ListWorkflowBuildVersions/allWorkflowBuildVersions":   "workflowVersionArn",
	},
	"iam": {
		// The principal whose policies are read or simulated.
		"GetContextKeysForPrincipalPolicy/group": "PolicySourceArn",
		"GetContextKeysForPrincipalPolicy/role":  "PolicySourceArn",
		"GetContextKeysForPrincipalPolicy/user":  "PolicySourceArn",
		"SimulatePrincipalPolicy/group":          "PolicySourceArn",
		"SimulatePrincipalPolicy/role":           "PolicySourceArn",
		"SimulatePrincipalPolicy/user":           "PolicySourceArn",
		// "The ARN of the entity to be summarized": a delegation request.
		"GetHumanReadableSummary/delegation-request": "EntityArn",
		// A virtual MFA device's serial number is its ARN.
		"DeleteVirtualMFADevice/mfa":     "SerialNumber",
		"DeleteVirtualMFADevice/sms-mfa": "SerialNumber",
		"ListMFADeviceTags/mfa":          "SerialNumber",
		"TagMFADevice/mfa":               "SerialNumber",
		"UntagMFADevice/mfa":             "SerialNumber",
	},
}

// arnTypeAliases spells, per service prefix, a resource type the way its
// ARN members are named when that differs from the type name without
// dashes: oidc-provider → OpenIDConnectProviderArn.
var arnTypeAliases = map[string]map[string]string{
	"iam": {"oidc-provider": "OpenIDConnectProvider"},
}

// variableOverrides names, per service prefix and "resourceType/Variable",
// the input member supplying an ARN variable the rules of arnVariables do
// not match. Used wherever the input has that member; each must be used at
// least once.
var variableOverrides = map[string]map[string]string{
	"imagebuilder": {
		// infrastructure-configuration/${ResourceId} is the name.
		"infrastructureConfiguration/ResourceId":        "name",
		"workflowStepExecution/WorkflowStepExecutionId": "stepExecutionId",
	},
	"s3": {
		// Buckets and objects are named by the Bucket and Key members.
		"bucket/BucketName": "Bucket",
		"object/BucketName": "Bucket",
		"object/ObjectName": "Key",
	},
	"kms": {
		// Aliases are named by AliasName ("alias/…"; the KMS resolver drops
		// the doubled "alias/"), the key an alias points at by TargetKeyId.
		"alias/Alias": "AliasName",
		"key/KeyId":   "TargetKeyId",
	},
	"iam": {
		"server-certificate/CertificateNameWithPath": "ServerCertificateName",
		"mfa/MfaTokenIdWithPath":                     "VirtualMFADeviceName",
	},
}

// requestKeyOverrides binds, per service prefix, condition keys no member
// is named after to the member path supplying them, in every action that
// lists the key. The member must exist in each such input.
var requestKeyOverrides = map[string]map[string]string{
	"imagebuilder": {
		"imagebuilder:CreatedResourceTagKeys":       "resourceTags",
		"imagebuilder:CreatedResourceTag/${TagKey}": "resourceTags",
		"imagebuilder:Ec2MetadataHttpTokens":        "instanceMetadataOptions.httpTokens",
		"imagebuilder:StatusTopicArn":               "snsTopicArn",
		"imagebuilder:LifecyclePolicyResourceType":  "resourceType",
	},
}

// requestKeyMembers binds, per service prefix, condition keys to the member
// path supplying them in the inputs that have that member; inputs without it
// do not carry the key. Each entry must bind at least once. S3's keys are
// named after the headers (s3:x-amz-server-side-encryption is the
// x-amz-server-side-encryption header, member ServerSideEncryption); KMS's
// encryption context keys come from the EncryptionContext map.
var requestKeyMembers = map[string]map[string]string{
	"s3": {
		"s3:x-amz-server-side-encryption":                    "ServerSideEncryption",
		"s3:x-amz-server-side-encryption-aws-kms-key-id":     "SSEKMSKeyId",
		"s3:x-amz-server-side-encryption-customer-algorithm": "SSECustomerAlgorithm",
		"s3:x-amz-acl":                       "ACL",
		"s3:x-amz-copy-source":               "CopySource",
		"s3:x-amz-metadata-directive":        "MetadataDirective",
		"s3:x-amz-storage-class":             "StorageClass",
		"s3:x-amz-website-redirect-location": "WebsiteRedirectLocation",
		"s3:x-amz-grant-full-control":        "GrantFullControl",
		"s3:x-amz-grant-read":                "GrantRead",
		"s3:x-amz-grant-read-acp":            "GrantReadACP",
		"s3:x-amz-grant-write":               "GrantWrite",
		"s3:x-amz-grant-write-acp":           "GrantWriteACP",
		"s3:x-amz-object-ownership":          "ObjectOwnership",
		"s3:locationconstraint":              "CreateBucketConfiguration.LocationConstraint",
		"s3:max-keys":                        "MaxKeys",
		"s3:if-match":                        "IfMatch",
		"s3:if-none-match":                   "IfNoneMatch",
		"s3:object-lock-mode":                "ObjectLockMode",
		"s3:object-lock-retain-until-date":   "ObjectLockRetainUntilDate",
		"s3:object-lock-legal-hold":          "ObjectLockLegalHoldStatus",
	},
	"kms": {
		"kms:EncryptionContext:${EncryptionContextKey}": "EncryptionContext",
		"kms:EncryptionContextKeys":                     "EncryptionContext",
		"kms:GrantOperations":                           "Operations",
		"kms:KeyOrigin":                                 "Origin",
		"kms:ScheduleKeyDeletionPendingWindowInDays":    "PendingWindowInDays",
		"kms:DataKeyPairSpec":                           "KeyPairSpec",
	},
}

// nameSuffixMembers are the generic members of create-style inputs that
// supply the <Resource><Suffix> variables of the resource they create:
// component/${ComponentName}/${ComponentVersion} ← name, semanticVersion;
// workflow/${WorkflowType}/… ← type; federated-user/${FederatedUserName} ←
// Name.
var nameSuffixMembers = []struct{ Suffix, Member string }{
	{"Name", "name"},
	{"Version", "semanticVersion"},
	{"Type", "type"},
}

// callVariables come from the call (or from an ARN), never from a member.
var callVariables = map[string]bool{"Partition": true, "Region": true, "Account": true}

func loadAuthzRef(path string) (*authzRef, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var ref authzRef
	if err := dec.Decode(&ref); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if ref.ServicePrefix == "" || len(ref.Actions) == 0 {
		return nil, fmt.Errorf("%s: no servicePrefix or actions", path)
	}
	return &ref, nil
}

// authzBuilder resolves one service's specs and tracks which override
// entries were used.
type authzBuilder struct {
	s    *service
	ref  *authzRef
	used map[string]bool
}

// buildAuthz fills s.Actions and every operation's Authz from ref.
func (s *service) buildAuthz(ref *authzRef) error {
	b := &authzBuilder{s: s, ref: ref, used: map[string]bool{}}
	prefix := ref.ServicePrefix
	if prefix != s.SigningName {
		return fmt.Errorf("authz: service prefix %q, signing name %q", prefix, s.SigningName)
	}
	missing := map[string]bool{}
	for _, name := range noAuthzEntry[prefix] {
		missing[name] = true
		if !s.hasOperation(name) {
			return fmt.Errorf("authz: noAuthzEntry lists %s, which the model does not have", name)
		}
	}
	opsByAction := map[string][]*operation{}
	for _, op := range s.Operations {
		action := op.Name
		if a, ok := operationActions[prefix][op.Name]; ok {
			b.used["op:"+op.Name] = true
			action = a
		}
		_, has := ref.Actions[action]
		if !has && !missing[op.Name] {
			return fmt.Errorf("authz: operation %s has no action %s in the reference (map it in operationActions, or list it in noAuthzEntry if that is right)", op.Name, action)
		}
		if has && missing[op.Name] {
			return fmt.Errorf("authz: operation %s has an action in the reference now: remove it from noAuthzEntry", op.Name)
		}
		if has {
			opsByAction[action] = append(opsByAction[action], op)
		}
	}
	for _, name := range sortedKeys(ref.Actions) {
		// The action's own entry binds to the operation named after it; an
		// action only other operations map to keeps no bindings there.
		var own *operation
		for _, op := range opsByAction[name] {
			if op.Name == name {
				own = op
			}
		}
		spec, err := b.action(name, ref.Actions[name], own)
		if err != nil {
			return fmt.Errorf("authz: %s:%s: %w", prefix, name, err)
		}
		spec.Var = name
		s.Actions = append(s.Actions, spec)
		for _, op := range opsByAction[name] {
			if op == own {
				op.Authz = spec
				continue
			}
			os, err := b.action(name, ref.Actions[name], op)
			if err != nil {
				return fmt.Errorf("authz: %s:%s (operation %s): %w", prefix, name, op.Name, err)
			}
			os.Var = "Op" + op.Name
			op.Authz = os
		}
	}
	for _, name := range itemizedOperations[prefix] {
		var op *operation
		for _, o := range s.Operations {
			if o.Name == name {
				op = o
			}
		}
		if op == nil || op.Authz == nil {
			return fmt.Errorf("authz: itemizedOperations lists %s, which the model does not have or the reference does not authorize", name)
		}
		// The spec must be the operation's own: the action's entry also
		// describes the action for checks, which are never itemized.
		if op.Authz.Op != op || op.Authz.Var == op.Authz.Name {
			return fmt.Errorf("authz: itemizedOperations lists %s, which is named after its action (only an operation mapped to another action has a spec of its own)", name)
		}
		op.Authz.Itemized = true
	}
	for _, k := range sortedKeys(operationActions[prefix]) {
		if !b.used["op:"+k] {
			return fmt.Errorf("authz: operationActions maps %s, which the model does not have", k)
		}
	}
	for _, k := range sortedKeys(requestKeyMembers[prefix]) {
		if !b.used["key:"+k] {
			return fmt.Errorf("authz: requestKeyMembers binds %s, which no input carries", k)
		}
	}
	for _, table := range []map[string]string{arnMemberOverrides[prefix], arnTypeAliases[prefix], variableOverrides[prefix], requestKeyOverrides[prefix]} {
		for _, k := range sortedKeys(table) {
			if !b.used[k] {
				return fmt.Errorf("authz: override %q of %s matches nothing: remove it", k, prefix)
			}
		}
	}
	return nil
}

func (b *authzBuilder) action(name string, ra *refAction, op *operation) (*authzSpec, error) {
	if !token.IsIdentifier(name) {
		return nil, fmt.Errorf("action name is not an identifier")
	}
	prefix := b.ref.ServicePrefix
	spec := &authzSpec{
		Name:             name,
		Op:               op,
		Action:           prefix + ":" + name,
		AccessLevel:      ra.AccessLevel,
		ConditionKeys:    ra.ConditionKeys,
		DependentActions: appendNew(nil, ra.DependentActions...),
	}
	if ra.AccessLevel == "" {
		return nil, fmt.Errorf("no access level")
	}
	// The reference names actions, the model operations: where the data
	// carries the operation's HTTP binding (imagebuilder), it must be the
	// model's, so an action is never attached to the wrong operation.
	if op != nil && ra.HTTP == nil && b.s.Protocol == "restJson1" {
		return nil, fmt.Errorf("no http binding in the reference to check against the model's %s %s", op.Method, op.URI)
	}
	if op != nil && ra.HTTP != nil && (ra.HTTP.Method != op.Method || ra.HTTP.URI != op.URI) {
		return nil, fmt.Errorf("the reference says %s %s, the model %s %s", ra.HTTP.Method, ra.HTTP.URI, op.Method, op.URI)
	}
	for _, k := range ra.ConditionKeys {
		if b.ref.ConditionKeys[k] == nil {
			return nil, fmt.Errorf("condition key %s is not defined in the reference", k)
		}
	}
	for _, rt := range ra.ResourceTypes {
		def := b.ref.ResourceTypes[rt.Name]
		if def == nil {
			return nil, fmt.Errorf("resource type %s is not defined in the reference", rt.Name)
		}
		r := &authzResource{
			Type:          rt.Name,
			Required:      rt.Required,
			ARNFormat:     def.ARN,
			ConditionKeys: appendNew(appendNew(nil, def.ConditionKeys...), rt.ConditionKeys...),
		}
		spec.DependentActions = appendNew(spec.DependentActions, rt.DependentActions...)
		if op != nil {
			if err := b.bindResource(op, r); err != nil {
				return nil, fmt.Errorf("resource %s: %w", rt.Name, err)
			}
		}
		spec.Resources = append(spec.Resources, r)
	}
	if typ, ok := pathListings[prefix][name]; ok && op != nil {
		if len(spec.Resources) > 0 {
			return nil, fmt.Errorf("pathListings lists %s, which the reference now gives resources: remove it", name)
		}
		r := pathListingResource(typ)
		if _, err := memberPath(op.Input, r.Variables[0].Member); err != nil {
			return nil, fmt.Errorf("pathListings: %w", err)
		}
		spec.Resources = append(spec.Resources, r)
	}
	if op != nil {
		for _, k := range ra.ConditionKeys {
			member, err := b.requestKeyMember(op, k)
			if err != nil {
				return nil, fmt.Errorf("condition key %s: %w", k, err)
			}
			if member != "" {
				spec.RequestKeys = append(spec.RequestKeys, &requestKey{Key: k, Member: member, Type: b.ref.ConditionKeys[k].Type})
			}
		}
	}
	return spec, nil
}

// bindResource finds the ARN member of r, or else binds its ARN variables.
//
// The ARN member is, in order: the override for the operation and type; a
// member named <type>Arn or <type>BuildVersionArn (ignoring case and the
// type's dashes: componentArn, imageBuildVersionArn, RoleArn, PolicyArn,
// SAMLProviderArn); a generic resourceArn or Arn member (tagging
// operations, GenerateServiceLastAccessedDetails).
func (b *authzBuilder) bindResource(op *operation, r *authzResource) error {
	prefix := b.ref.ServicePrefix
	key := op.Name + "/" + r.Type
	if m, ok := arnMemberOverrides[prefix][key]; ok {
		b.used[key] = true
		if _, err := memberPath(op.Input, m); err != nil {
			return fmt.Errorf("arnMemberOverrides: %w", err)
		}
		r.ARNMember = m
		return nil
	}
	typeKey := strings.ReplaceAll(r.Type, "-", "")
	alias, aliased := arnTypeAliases[prefix][r.Type]
	if aliased {
		typeKey = alias
	}
	for i, name := range []string{typeKey + "Arn", typeKey + "BuildVersionArn", "resourceArn", "Arn"} {
		if m := memberFold(op.Input, name); m != nil {
			if aliased && i < 2 {
				b.used[r.Type] = true
			}
			r.ARNMember = m.Name
			return nil
		}
	}
	vars, err := b.arnVariables(op, r)
	if err != nil {
		return err
	}
	r.Variables = vars
	return nil
}

// arnVariables binds the variables of r's ARN format to input members. A
// variable is supplied by, in order: the override for the type and
// variable; a member of the same name ignoring case
// (${LifecycleExecutionId} ← lifecycleExecutionId); for <X>WithPath, a
// member <X> (${UserNameWithPath} ← UserName); for <Resource><Suffix>, with
// <Resource> the ARN's resource segment in PascalCase (component,
// container-recipe → ContainerRecipe), the generic member of nameSuffixMembers
// (${ComponentName} ← name). A *WithPath variable takes the Path member as
// its path when the input has one. Anything else stays unbound.
func (b *authzBuilder) arnVariables(op *operation, r *authzResource) ([]*arnVariable, error) {
	prefix := b.ref.ServicePrefix
	resource := pascalCase(arnResourceSegment(r.ARNFormat))
	var vars []*arnVariable
	for _, v := range formatVariables(r.ARNFormat) {
		if callVariables[v] {
			continue
		}
		var m *member
		key := r.Type + "/" + v
		if name, ok := variableOverrides[prefix][key]; ok {
			if m = memberFold(op.Input, name); m != nil {
				b.used[key] = true
			}
		}
		if m == nil {
			m = memberFold(op.Input, v)
		}
		if base, ok := strings.CutSuffix(v, "WithPath"); m == nil && ok {
			m = memberFold(op.Input, base)
		}
		if rest, ok := strings.CutPrefix(v, resource); m == nil && ok && resource != "" {
			for _, ns := range nameSuffixMembers {
				if rest == ns.Suffix {
					m = memberFold(op.Input, ns.Member)
				}
			}
		}
		if m == nil {
			continue
		}
		av := &arnVariable{Name: v, Member: m.Name}
		if strings.HasSuffix(v, "WithPath") {
			if p := memberFold(op.Input, "Path"); p != nil {
				av.PathMember = p.Name
			}
		}
		vars = append(vars, av)
	}
	return vars, nil
}

// requestKeyMember returns the input member path supplying condition key k
// of op, or "" when the request carries none. In order: the overrides;
// aws:RequestTag/${TagKey} and aws:TagKeys from the tags member (a map, or
// a list of Key/Value structures), aws:TagKeys else from the tag keys list
// (untagging); a key of the service's own prefix whose name, without
// templates, equals a member name ignoring case (iam:PolicyARN ←
// PolicyArn, sts:ExternalId ← ExternalId).
func (b *authzBuilder) requestKeyMember(op *operation, k string) (string, error) {
	prefix := b.ref.ServicePrefix
	if path, ok := requestKeyOverrides[prefix][k]; ok {
		b.used[k] = true
		if _, err := memberPath(op.Input, path); err != nil {
			return "", fmt.Errorf("requestKeyOverrides: %w", err)
		}
		return path, nil
	}
	if path, ok := requestKeyMembers[prefix][k]; ok {
		if _, err := memberPath(op.Input, path); err != nil {
			return "", nil // this input does not carry the key
		}
		b.used["key:"+k] = true
		return path, nil
	}
	switch k {
	case "aws:RequestTag/${TagKey}", "aws:TagKeys":
		if m := memberFold(op.Input, "tags"); m != nil {
			if !isTags(m.Target) {
				return "", fmt.Errorf("member %s is not a tags map or list of Key/Value", m.Name)
			}
			return m.Name, nil
		}
		if m := memberFold(op.Input, "tagKeys"); m != nil && k == "aws:TagKeys" {
			if m.Target.Kind != "List" || m.Target.Elem.Kind != "String" {
				return "", fmt.Errorf("member %s is not a list of strings", m.Name)
			}
			return m.Name, nil
		}
		return "", nil
	}
	local, ok := strings.CutPrefix(k, prefix+":")
	if !ok || strings.Contains(local, "${") {
		return "", nil
	}
	if m := memberFold(op.Input, local); m != nil {
		return m.Name, nil
	}
	return "", nil
}

// isTags reports whether a member target holds tags: a map of strings or a
// list of structures with Key and Value.
func isTags(t *shape) bool {
	switch t.Kind {
	case "Map":
		return t.Elem.Kind == "String"
	case "List":
		if t.Elem.Kind != "Structure" {
			return false
		}
		return (memberFold(t.Elem, "Key") != nil && memberFold(t.Elem, "Value") != nil) ||
			(memberFold(t.Elem, "TagKey") != nil && memberFold(t.Elem, "TagValue") != nil) // KMS
	}
	return false
}

// memberFold returns the member of a structure whose name equals name
// ignoring case.
func memberFold(sh *shape, name string) *member {
	for _, m := range sh.Members {
		if strings.EqualFold(m.Name, name) {
			return m
		}
	}
	return nil
}

// memberPath resolves a dot-separated member path from a structure, member
// names matched exactly.
func memberPath(sh *shape, path string) (*member, error) {
	var m *member
	for _, part := range strings.Split(path, ".") {
		if sh == nil || sh.Kind != "Structure" {
			return nil, fmt.Errorf("member path %s: %s is not a structure", path, part)
		}
		m = nil
		for _, x := range sh.Members {
			if x.Name == part {
				m = x
			}
		}
		if m == nil {
			return nil, fmt.Errorf("member path %s: %s has no member %s", path, sh.Name, part)
		}
		sh = m.Target
	}
	return m, nil
}

// formatVariables returns the ${...} variables of an ARN format in order.
func formatVariables(format string) []string {
	var vars []string
	for {
		i := strings.Index(format, "${")
		if i < 0 {
			return vars
		}
		j := strings.IndexByte(format[i:], '}')
		if j < 0 {
			return vars
		}
		vars = append(vars, format[i+2:i+j])
		format = format[i+j+1:]
	}
}

// arnResourceSegment is the resource type part of an ARN format: the text
// after the fifth colon up to the first slash ("component",
// "container-recipe", "user").
func arnResourceSegment(format string) string {
	parts := strings.SplitN(format, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	seg, _, _ := strings.Cut(parts[5], "/")
	if strings.Contains(seg, "${") {
		return ""
	}
	return seg
}

// pascalCase turns "container-recipe" into "ContainerRecipe".
func pascalCase(s string) string {
	var b strings.Builder
	up := true
	for _, c := range s {
		if c == '-' || c == '_' {
			up = true
			continue
		}
		if up {
			c = unicode.ToUpper(c)
			up = false
		}
		b.WriteRune(c)
	}
	return b.String()
}

// appendNew appends the values dst does not hold yet.
func appendNew(dst []string, values ...string) []string {
	for _, v := range values {
		dup := false
		for _, d := range dst {
			dup = dup || d == v
		}
		if !dup {
			dst = append(dst, v)
		}
	}
	return dst
}

// authzFile renders authz.gen.go: one variable per action, and the list of
// them the model's Actions holds.
func (s *service) authzFile(source string) ([]byte, error) {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("// Code generated by internal/codegen from %s. DO NOT EDIT.\n\n", source)
	p("package %s\n\nimport %q\n\n", s.cfg.GoPackage, modulePath+"/internal/apimodel")
	p("// authzActions is every %s action of the Service Authorization\n", s.SigningName)
	p("// Reference, sorted by name: the operations' Authz, and the actions IAM\n// evaluates that no operation of the model is named after.\n")
	p("var authzActions = []*apimodel.Authz{\n")
	for _, a := range s.Actions {
		p("\tauthz%s,\n", a.Var)
	}
	p("}\n")
	specs := append([]*authzSpec(nil), s.Actions...)
	for _, op := range s.Operations {
		if op.Authz != nil && op.Authz.Op == op && op.Authz.Var != op.Authz.Name {
			specs = append(specs, op.Authz)
		}
	}
	for _, a := range specs {
		p("\n")
		switch {
		case a.Op == nil:
			p("// %s: no operation of the model; IAM evaluates it on its own.\n", a.Action)
		case a.Op.Method != "":
			p("// %s: %s %s\n", a.Op.Name, a.Op.Method, a.Op.URI)
		default:
			p("// %s: Action=%s\n", a.Op.Name, a.Op.Name)
		}
		p("var authz%s = &apimodel.Authz{\n", a.Var)
		p("Action: %q,\nAccessLevel: %q,\n", a.Action, a.AccessLevel)
		if len(a.Resources) > 0 {
			p("Resources: []*apimodel.AuthzResource{\n")
			for _, r := range a.Resources {
				p("{\nType: %q,\n", r.Type)
				if r.Required {
					p("Required: true,\n")
				}
				p("ARNFormat: %q,\n", r.ARNFormat)
				if len(r.ConditionKeys) > 0 {
					p("ConditionKeys: %s,\n", stringSlice(r.ConditionKeys))
				}
				if r.ARNMember != "" {
					p("ARNMember: %q,\n", r.ARNMember)
				}
				if len(r.Variables) > 0 {
					p("Variables: []*apimodel.ARNVariable{\n")
					for _, v := range r.Variables {
						p("{Name: %q, Member: %q", v.Name, v.Member)
						if v.PathMember != "" {
							p(", PathMember: %q", v.PathMember)
						}
						if v.Default != "" {
							p(", Default: %q", v.Default)
						}
						p("},\n")
					}
					p("},\n")
				}
				p("},\n")
			}
			p("},\n")
		}
		if len(a.ConditionKeys) > 0 {
			p("ConditionKeys: %s,\n", stringSlice(a.ConditionKeys))
		}
		if len(a.DependentActions) > 0 {
			p("DependentActions: %s,\n", stringSlice(a.DependentActions))
		}
		if a.Itemized {
			p("Itemized: true,\n")
		}
		if len(a.RequestKeys) > 0 {
			p("RequestKeys: []*apimodel.RequestKey{\n")
			for _, k := range a.RequestKeys {
				p("{Key: %q, Member: %q, Type: %q},\n", k.Key, k.Member, k.Type)
			}
			p("},\n")
		}
		p("}\n")
	}
	return formatGo(b.String(), "authz file")
}

// stringSlice renders a []string literal, one element a line when long.
func stringSlice(v []string) string {
	q := make([]string, len(v))
	for i, s := range v {
		q[i] = fmt.Sprintf("%q", s)
	}
	one := "[]string{" + strings.Join(q, ", ") + "}"
	if len(one) <= 100 {
		return one
	}
	return "[]string{\n" + strings.Join(q, ",\n") + ",\n}"
}

// formatGo gofmts generated Go source.
func formatGo(src, what string) ([]byte, error) {
	out, err := format.Source([]byte(src))
	if err != nil {
		return nil, fmt.Errorf("format %s: %w", what, err)
	}
	return out, nil
}

// hasOperation reports whether the model has an operation of that name.
func (s *service) hasOperation(name string) bool {
	for _, op := range s.Operations {
		if op.Name == name {
			return true
		}
	}
	return false
}
