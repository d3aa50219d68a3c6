// Package query is the AWS Query protocol (aws.protocols#awsQuery) codec that
// IAM and STS speak: form-encoded requests in, XML responses out.
//
// It is generic and table-driven. Requests are decoded into the generated
// protobuf input message of an operation by walking the operation's shapes in
// the apimodel description and setting fields with protoreflect; responses are
// encoded the same way from the output message. No operation has code of its
// own here.
//
// Wire forms handled (member names are the model's wire names):
//
//	Name=value                              scalar member
//	Name.Member=value                       member of a nested structure
//	Name.member.N=value, Name.member.N.X=v  list element N (1-based, any order)
//	Name=                                   empty list
//	Name.entry.N.key=k, Name.entry.N.value  map entry N
//
// The input is untrusted: the number of parameters, list indexes and nesting
// depth are bounded, nothing is allocated in proportion to an index, and no
// malformed input panics.
package query
