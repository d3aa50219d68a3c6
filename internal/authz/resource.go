package authz

import (
	"context"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/ibemu/ibemu/internal/apimodel"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/iam/policy"
)

// Resource is a resource an action applies to, as the enforcement layer
// evaluates it and hands it to the handler.
type Resource struct {
	// Type is the reference's resource type, e.g. "component" or "role";
	// empty for "*".
	Type string
	// ARN is the resource ARN evaluated, or "*".
	ARN string
	// Account owns the resource and its resource-based policy. It is the
	// ARN's account field unless the resolver knows better (AWS managed IAM
	// policies, which every account may read, resolve to the caller's).
	Account string
	// Region is the ARN's region field ("" for global services).
	Region string
	// Exists reports that the resolver found the resource.
	Exists bool
	// Tags supply aws:ResourceTag/* (and iam:ResourceTag/* for IAM users and
	// roles).
	Tags map[string]string
	// Policy is the resource-based policy that takes part in the decision:
	// a component policy, a role's trust policy for sts:AssumeRole, a key
	// policy, a bucket policy. Nil when the resource has none.
	Policy *policy.Attached
	// Keys are resource-derived condition keys the resolver adds, e.g.
	// iam:PermissionsBoundary for an existing role.
	Keys []Key
	// Record is what the resolver loaded, for the handler: it saves the
	// handler a second read and tells it the owner's scope.
	Record any
	// Kept marks a resource the resolver keeps and hands to every request
	// that names it, and never changes (Image Builder's answer for a
	// cached record): the enforcer may then reuse a decision made on it
	// for the same caller, action and global keys. A resolver that may
	// change a resource it returned leaves it false.
	Kept bool
}

// Key is one condition key and its values.
type Key struct {
	Name   string
	Type   policy.ValueType
	Values []string
	// List marks multivalued keys (aws:TagKeys, aws:CalledVia).
	List bool
}

// ResourceRef is what the request says about a resource, for a Resolver to
// complete.
type ResourceRef struct {
	// Spec is the resource type of the operation's spec; nil when the ARN
	// matched none of them (the resolver may still know it).
	Spec *apimodel.AuthzResource
	// ARN is the ARN the request names (an ARN member), or the spec's ARN
	// format filled in from the request (variables the request does not
	// supply are "*"). Resolvers may replace it with the canonical ARN.
	ARN string
	// Vars are the ARN variables the request supplied, by template name, and
	// Path the IAM path it supplied for a *WithPath variable ("" if none).
	Vars map[string]string
	Path string
	// FromMember reports that ARN came whole from a request member.
	FromMember bool
	// Input is the request's input message, for resolvers that find the
	// resource in more than the members the spec binds (KMS's Decrypt names
	// its key inside the ciphertext blob). Nil for checks a service asks for.
	Input protoreflect.Message
}

// Resolver loads the resources of one service for the enforcement layer.
type Resolver interface {
	// Resolve completes ref into the resource action applies to: its
	// canonical ARN, owner, tags, resource-based policy (for this action) and
	// record. A resource that does not exist is not an error: return it with
	// Exists false (the caller may still be allowed to learn that, or to
	// create it). An *awserr.Error (a malformed name, say) is answered as is.
	Resolve(ctx context.Context, c *callctx.Call, action string, ref *ResourceRef) (*Resource, error)
}

// ARN is an Amazon Resource Name split at its first five colons.
type ARN struct {
	Partition, Service, Region, Account, Resource string
}

// ParseARN splits s; ok is false when s is not an ARN.
func ParseARN(s string) (ARN, bool) {
	// strings.SplitN(s, ":", 6) without its allocation (every authorized
	// request parses a few ARNs).
	var parts [6]string
	rest := s
	for i := range 5 {
		var ok bool
		if parts[i], rest, ok = strings.Cut(rest, ":"); !ok {
			return ARN{}, false
		}
	}
	parts[5] = rest
	if parts[0] != "arn" || parts[1] == "" || parts[2] == "" {
		return ARN{}, false
	}
	return ARN{Partition: parts[1], Service: parts[2], Region: parts[3], Account: parts[4], Resource: parts[5]}, true
}

// arnService is ParseARN(s)'s Service and ok, without splitting the rest
// (the enforcer only needs the service to pick a resolver).
func arnService(s string) (string, bool) {
	rest, ok := strings.CutPrefix(s, "arn:")
	if !ok {
		return "", false
	}
	i := strings.IndexByte(rest, ':') // the partition's end
	if i <= 0 {
		return "", false
	}
	rest = rest[i+1:]
	j := strings.IndexByte(rest, ':') // the service's end
	if j <= 0 {
		return "", false
	}
	svc := rest[:j]
	rest = rest[j+1:]
	k := strings.IndexByte(rest, ':')                    // the region's end
	if k < 0 || strings.IndexByte(rest[k+1:], ':') < 0 { // the account's
		return "", false
	}
	return svc, true
}

// String joins the ARN.
func (a ARN) String() string {
	return "arn:" + a.Partition + ":" + a.Service + ":" + a.Region + ":" + a.Account + ":" + a.Resource
}

// FillARN renders an ARN format of the reference: ${Partition}, ${Region}
// and ${Account} from the arguments, other variables from vars, and any
// variable vars lacks as missing.
func FillARN(format, region, account string, vars map[string]string, missing string) string {
	var b strings.Builder
	b.Grow(len(format) + 32)
	for {
		i := strings.Index(format, "${")
		if i < 0 {
			b.WriteString(format)
			return b.String()
		}
		j := strings.IndexByte(format[i:], '}')
		if j < 0 {
			b.WriteString(format)
			return b.String()
		}
		b.WriteString(format[:i])
		name := format[i+2 : i+j]
		switch name {
		case "Partition":
			b.WriteString("aws")
		case "Region":
			b.WriteString(region)
		case "Account":
			b.WriteString(account)
		default:
			if v, ok := vars[name]; ok {
				b.WriteString(v)
			} else {
				b.WriteString(missing)
			}
		}
		format = format[i+j+1:]
	}
}

// MatchesFormat reports whether arn has the shape of an ARN format of the
// reference: same service, and a resource part whose literal segments match
// and whose variable segments are non-empty. A trailing *WithPath variable
// takes the rest of the resource (IAM paths have slashes).
func MatchesFormat(arn, format string) bool {
	a, ok := ParseARN(arn)
	if !ok {
		return false
	}
	f, ok := ParseARN(format)
	if !ok || a.Service != f.Service {
		return false
	}
	got := strings.Split(a.Resource, "/")
	want := strings.Split(f.Resource, "/")
	for i, w := range want {
		if i >= len(got) {
			return false
		}
		if strings.HasPrefix(w, "${") && strings.HasSuffix(w, "}") {
			if got[i] == "" {
				return false
			}
			if strings.HasSuffix(w, "WithPath}") && i == len(want)-1 {
				return true
			}
			continue
		}
		if w != got[i] {
			return false
		}
	}
	return len(got) == len(want)
}
