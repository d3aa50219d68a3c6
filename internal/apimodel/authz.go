package apimodel

// Authz is how IAM authorizes one operation, from the Service Authorization
// Reference ("Actions, resources, and condition keys for <service>"): the
// action evaluated, the resource types it applies to and how the request
// names them, and the condition keys the request contributes.
//
// Tables of Authz values are generated (internal/codegen) from the committed
// reference data under proto/authz/, next to the wire model they extend; the
// enforcement layer (internal/authz) walks them, so no operation carries
// hand-written authorization code. An operation whose Authz is nil has no
// entry in the reference and is refused (fails closed).
type Authz struct {
	// Action is the IAM action evaluated, "service:Action", e.g.
	// "imagebuilder:GetComponent" or "s3:ListBucket" (for ListObjectsV2).
	Action string
	// AccessLevel is the reference's access level: "Read", "Write", "List",
	// "Tagging", "Permissions management" (several joined by ", ").
	AccessLevel string
	// Resources are the resource types the action applies to, in the
	// reference's order. None means the action is evaluated against "*".
	Resources []*AuthzResource
	// ConditionKeys are the action-level condition keys of the reference,
	// templates included: "aws:RequestTag/${TagKey}", "aws:TagKeys",
	// "imagebuilder:StatusTopicArn".
	ConditionKeys []string
	// DependentActions are the reference's dependent actions: what the
	// service may check on the caller's behalf besides Action.
	DependentActions []string
	// RequestKeys bind condition keys to the input members that supply their
	// values (aws:RequestTag/* and aws:TagKeys from a tags member,
	// iam:PolicyARN from PolicyArn, sts:ExternalId from ExternalId, …).
	RequestKeys []*RequestKey
	// Itemized marks an operation that acts on many resources of one
	// request, each decided on its own: S3's DeleteObjects is s3:DeleteObject
	// on every key it names, and AWS deletes the keys the caller may delete
	// and reports the others (S3 API Reference, DeleteObjects: each key's
	// result is an <Error> or a <Deleted> element). The enforcement layer
	// still resolves the resources from the request (the handler gets them
	// in the Target) and still applies session restrictions, but makes no
	// decision on the request as a whole; the handler decides each item with
	// authz.Check.
	Itemized bool
}

// AuthzResource is one resource type of an action and how the request names
// it.
type AuthzResource struct {
	// Type is the reference's resource type name, e.g. "component", "role".
	Type string
	// Required marks the resource types the reference flags as required.
	Required bool
	// ARNFormat is the reference's ARN template, e.g.
	// "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}".
	ARNFormat string
	// ConditionKeys are the resource type's condition keys, e.g.
	// "aws:ResourceTag/${TagKey}".
	ConditionKeys []string
	// ARNMember is the input member (a dot-separated path from the input
	// structure) whose value is the resource's full ARN, e.g.
	// "componentBuildVersionArn", "RoleArn", "PolicyArn". Empty when the
	// request names the resource by its parts (Variables).
	ARNMember string
	// Variables bind ARNFormat's variables to input members. Partition,
	// Region and Account are never listed: they come from the call (and, for
	// an ARN member, from the ARN). A variable the request does not supply
	// (a build number the service assigns, a user name IAM takes from the
	// caller) is absent here; the service's resolver completes it.
	Variables []*ARNVariable
}

// ARNVariable binds one variable of an ARN template to an input member.
type ARNVariable struct {
	// Name is the template variable without ${}, e.g. "RoleNameWithPath".
	Name string
	// Member is the input member path supplying it, e.g. "RoleName".
	Member string
	// PathMember, for a *WithPath variable, is the input member holding the
	// entity's path when the request sets it (CreateUser's Path); empty
	// otherwise, and the resolver supplies the stored path.
	PathMember string
	// Default is the value when the request leaves Member out ("" for
	// none: the resolver completes it).
	Default string
}

// RequestKey binds a condition key to the input member supplying its value.
type RequestKey struct {
	// Key is the condition key as the reference spells it, templates
	// included: "aws:RequestTag/${TagKey}", "aws:TagKeys", "iam:PolicyARN".
	Key string
	// Member is the input member path: "tags", "Tags", "PolicyArn",
	// "instanceMetadataOptions.httpTokens". For the tag keys it is the tags
	// member (a map, or a list of Key/Value structures).
	Member string
	// Type is the reference's condition key type: "String",
	// "ArrayOfString", "ARN", "ArrayOfARN", "Bool", "Numeric", "Date", …
	Type string
}
