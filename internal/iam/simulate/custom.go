package simulate

import "strconv"

// CustomPolicyInput is the SimulateCustomPolicy request as the API takes it.
type CustomPolicyInput struct {
	PolicyInputList                    []string
	PermissionsBoundaryPolicyInputList []string
	ActionNames                        []string
	ResourceArns                       []string
	ResourcePolicy                     *string
	ResourceOwner                      *string
	CallerArn                          *string
	ContextEntries                     []ContextEntry
	ResourceHandlingOption             *string
	MaxItems                           *int
	Marker                             *string
}

// FromCustomPolicyInput names the policies the way SimulateCustomPolicy
// reports them: PolicyInputList.N, PermissionsBoundaryPolicyInputList.N and
// ResourcePolicy.
func FromCustomPolicyInput(in *CustomPolicyInput) *Request {
	r := &Request{
		ActionNames:    in.ActionNames,
		ResourceArns:   in.ResourceArns,
		ContextEntries: in.ContextEntries,
	}
	for i, d := range in.PolicyInputList {
		r.Identity = append(r.Identity, PolicyInput{ID: "PolicyInputList." + strconv.Itoa(i+1), Type: TypeIAMPolicy, Document: d})
	}
	for i, d := range in.PermissionsBoundaryPolicyInputList {
		r.Boundary = append(r.Boundary, PolicyInput{ID: "PermissionsBoundaryPolicyInputList." + strconv.Itoa(i+1), Type: TypeIAMPolicy, Document: d})
	}
	if in.ResourcePolicy != nil {
		r.ResourcePolicy = &PolicyInput{ID: "ResourcePolicy", Type: TypeResourcePolicy, Document: *in.ResourcePolicy}
	}
	if in.ResourceOwner != nil {
		r.ResourceOwner = *in.ResourceOwner
	}
	if in.CallerArn != nil {
		r.CallerArn = *in.CallerArn
	}
	if in.ResourceHandlingOption != nil {
		r.ResourceHandlingOption = *in.ResourceHandlingOption
	}
	if in.MaxItems != nil {
		r.MaxItems = *in.MaxItems
	}
	if in.Marker != nil {
		r.Marker = *in.Marker
	}
	return r
}
