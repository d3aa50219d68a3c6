// Package authz is the enforcement layer: it decides every API call with the
// IAM policy engine before the call reaches its service.
//
// For each operation the generated authorization spec (apimodel.Authz, from
// the Service Authorization Reference) names the IAM action, the resource
// types and how the request names them, and the condition keys the request
// contributes. The Enforcer walks that spec — no operation has authorization
// code of its own:
//
//  1. who: the caller as IAM sees it, with its identity-based policies,
//     permissions boundary and session policies (Identities, implemented by
//     the IAM service over its store);
//  2. what: the target resources, built from the request and loaded once by
//     the owning service's Resolver — which may be in another account — with
//     their tags and resource-based policy;
//  3. the request context: AWS's global condition keys, the keys the request
//     contributes (aws:RequestTag/*, aws:TagKeys, service keys) and the
//     resource's (aws:ResourceTag/*, aws:ResourceAccount);
//  4. the decision, by policy.Evaluate, recorded under the request id with
//     enough to explain it later (Log), and AWS's AccessDenied error when it
//     denies.
//
// An allowed call continues with a Target in its context: the resolved
// resources (the handler then works in their owner's scope) and the means to
// ask for further checks — dependent actions such as iam:PassRole and
// forward-access checks such as kms:Decrypt on the caller's behalf — that go
// through the same evaluation and the same log (Check).
package authz
