package policy

import "strings"

// The grammar IAM enforces on Resource and NotResource values. The IAM User
// Guide only gives the ARN format ("IAM identifiers", "IAM JSON policy
// elements: Resource"); the rules and messages below are those IAM answers
// CreatePolicy and Put*Policy with, as recorded in public reports of its
// MalformedPolicyDocument errors (the exact texts are quoted in the corpus,
// testdata/policy/grammar-and-validation.json):
//
//   - "*" alone is the only value that is not an ARN; a value without a colon
//     is "Resource X must be in ARN format or "*"."
//   - IAM reads the value on its colons and fills the segments that are
//     missing with "*": "arn:aws:sqs:*" is arn:aws:sqs:*:*:*, every SQS
//     resource. Its messages render a value that way, and they render the
//     text before the first colon as "arn" whatever it is
//     ("a:bsdfdsafsad" is reported as "arn:bsdfdsafsad:*:*:*:*"), so that
//     text is not checked.
//   - The partition must be "*" or an AWS partition.
//   - The service ("vendor") must be present and literal: "arn:aws" and
//     "arn:aws:*:..." are "Resource vendor must be fully qualified and
//     cannot contain regexes."
//   - IAM resources cannot carry a region, nor can S3 buckets and objects
//     (ARNs without an account). Other S3 resources (access points, Batch
//     Operations jobs, Storage Lens dashboards) are regional and carry an
//     account, and IAM accepts them.
//   - The resource part of an IAM ARN must be "*", "root" or start with a
//     resource type IAM knows.
//   - An empty service, or an empty segment in a value that has fewer than
//     six, fails "legacy parsing" ("arn:aws::::b", "arn:aws:s3::b").
//
// IAM reports the legacy-parsing failures of a document before the format
// errors of its resources (a statement with a bad partition and a bad date
// value fails legacy parsing), so parse keeps the first format error aside
// (parseState.deferred) and returns it only when nothing else is wrong.

// iamResourceTypes are the starts IAM accepts for the resource part of an
// IAM ARN, in the order IAM lists them in its error message.
var iamResourceTypes = [...]string{
	"user/", "federated-user/", "role/", "group/", "instance-profile/", "mfa/", "server-certificate/",
	"policy/", "sms-mfa/", "saml-provider/", "oidc-provider/", "report/", "access-report/",
}

// errLegacyParsing is IAM's message for documents its older parser rejects.
const errLegacyParsing = "The policy failed legacy parsing"

// resourceARN is a Resource value read the way IAM reads it: up to six
// colon-separated segments, the missing ones standing for "*".
type resourceARN struct {
	segs [6]string
	// given is the number of segments the value has (2 to 6).
	given int
}

func readResourceARN(s string) (resourceARN, bool) {
	var r resourceARN
	rest := s
	for r.given < 5 {
		i := strings.IndexByte(rest, ':')
		if i < 0 {
			break
		}
		r.segs[r.given] = rest[:i]
		r.given++
		rest = rest[i+1:]
	}
	if r.given == 0 {
		return r, false
	}
	r.segs[r.given] = rest
	r.given++
	return r, true
}

// seg returns segment i, or "*" when the value does not have it.
func (r *resourceARN) seg(i int) string {
	if i < r.given {
		return r.segs[i]
	}
	return "*"
}

// canonical is the full six-segment ARN the value stands for.
func (r *resourceARN) canonical() string {
	return "arn:" + r.seg(1) + ":" + r.seg(2) + ":" + r.seg(3) + ":" + r.seg(4) + ":" + r.seg(5)
}

// compileResource validates and compiles one Resource or NotResource value.
// A format error comes back with deferred set (see above); legacy-parsing
// errors are returned at once.
func compileResource(s, version string) (p pattern, err *Error, deferred bool) {
	if s == "*" {
		return compilePattern(s, patternOptions{wildcards: true}), nil, false
	}
	r, ok := readResourceARN(s)
	if !ok {
		return pattern{}, malformed("Resource " + s + " must be in ARN format or \"*\"."), true
	}
	partition, service, region, account, res := r.seg(1), r.seg(2), r.seg(3), r.seg(4), r.seg(5)
	if partition != "*" && !validPartition(partition) {
		return pattern{}, malformed("Partition \"" + partition + "\" is not valid for resource \"" + r.canonical() + "\"."), true
	}
	if r.given < 3 || strings.ContainsAny(service, "*?") {
		return pattern{}, malformed("Resource vendor must be fully qualified and cannot contain regexes."), true
	}
	// A wildcard region is not region information; IAM's handling of it is
	// not on record, so it is accepted.
	hasRegion := region != "" && !strings.ContainsAny(region, "*?")
	switch {
	case service == "iam" && hasRegion:
		return pattern{}, malformed("IAM resource " + s + " cannot contain region information."), true
	case service == "s3" && hasRegion && account == "":
		return pattern{}, malformed("Resource " + s + " can not contain region information."), true
	case service == "iam" && !iamResourcePath(res):
		return pattern{}, malformed("IAM resource path must either be \"*\", root, or start with " + strings.Join(iamResourceTypes[:], ", ") + "."), true
	}
	if service == "" {
		return pattern{}, malformed(errLegacyParsing), false
	}
	if r.given < 6 {
		for i := 1; i < r.given; i++ {
			if r.segs[i] == "" {
				return pattern{}, malformed(errLegacyParsing), false
			}
		}
	}
	text := s
	if r.given < 6 || r.segs[0] != "arn" {
		text = r.canonical()
	}
	// Variables are substituted only in the resource part (after the fifth colon).
	return compilePattern(text, patternOptions{
		wildcards: true,
		variables: version == Version2012,
		varsFrom:  len(text) - len(res),
	}), nil, false
}

func iamResourcePath(res string) bool {
	if res == "*" || res == "root" {
		return true
	}
	for _, t := range iamResourceTypes {
		if strings.HasPrefix(res, t) {
			return true
		}
	}
	return false
}
