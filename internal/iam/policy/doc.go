// Package policy is the IAM policy language and evaluation engine.
//
// It parses and validates policy documents the way IAM does (Parse), compiles
// them once into a form that is cheap to evaluate (patterns split and
// pre-lowered, CIDRs, dates and numbers parsed), and decides requests with
// AWS's documented evaluation logic (Evaluate). Explain re-runs the same code
// with a tracer attached and reports why each policy did or did not apply;
// AccessDeniedMessage and Explanation.String render the results for clients
// and humans.
//
// The IAM and STS operations validate documents with Validate, which applies
// the size quota of the operation (a Use) before the grammar, with IAM's error
// codes and messages. A KMS key's policy is parsed as KindKeyPolicy, which
// makes it the primary control of the key.
//
// The package is pure: no I/O, no storage, no mutable globals. Callers build a
// Request (principal, action, resource, context keys) and a Policies value
// (identity-based policies, an optional resource-based policy, an optional
// permissions boundary, session policies and an optional OrganizationsPolicies
// source) and get a Decision back.
//
// Ground truth is the IAM User Guide: "Policy evaluation logic" and its
// sub-pages, the "IAM JSON policy element reference", "IAM and AWS STS
// quotas", "Permissions boundaries for IAM entities" and "Troubleshooting
// access denied error messages". Where the documentation is silent or
// ambiguous the choice made is written next to the code that makes it.
package policy
