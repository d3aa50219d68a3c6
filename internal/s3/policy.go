package s3

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"

	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/iam/policy"
	s3v1 "github.com/ibemu/ibemu/proto/s3/v1"
)

// MaxPolicySize is the largest bucket policy S3 accepts: 20 KB.
const MaxPolicySize = 20 * 1024

func errMalformedPolicy(msg string) error {
	return awserr.New("MalformedPolicy", http.StatusBadRequest, msg)
}

// ValidateBucketPolicy checks doc as a bucket policy of bucket, the way
// PutBucketPolicy does, and answers MalformedPolicy (400) with S3's wording:
// the IAM resource-policy grammar (a Principal in every statement, …);
// actions that are S3 actions ("Policy has invalid action"); resources that
// are the bucket or objects in it ("Policy has invalid resource"); and in
// each statement at least one action that applies to one of its resources
// ("Action does not apply to any resource(s) in statement": s3:GetObject on
// arn:aws:s3:::bucket, say).
func ValidateBucketPolicy(bucket, doc string) (*policy.Policy, error) {
	if len(doc) > MaxPolicySize {
		return nil, errMalformedPolicy("Policies must be less than 20 KB")
	}
	if !json.Valid([]byte(doc)) {
		return nil, errMalformedPolicy("This policy contains invalid Json")
	}
	p, perr := policy.Validate(doc, policy.ForDocument(policy.KindResource))
	if perr != nil {
		return nil, errMalformedPolicy(strings.TrimSuffix(perr.Message(), "."))
	}
	for _, st := range p.Statements {
		if err := checkStatement(bucket, st); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func checkStatement(bucket string, st *policy.Statement) error {
	var acts []string
	if !st.NotAction {
		for _, a := range st.Actions {
			m := matchingActions(a)
			if m == nil {
				return errMalformedPolicy("Policy has invalid action")
			}
			acts = append(acts, m...)
		}
	}
	if st.NotResource {
		return nil
	}
	var bucketRes, objectRes bool
	for _, r := range st.Resources {
		rest, ok := strings.CutPrefix(r, "arn:aws:s3:::")
		if !ok {
			return errMalformedPolicy("Policy has invalid resource")
		}
		name, _, hasSlash := strings.Cut(rest, "/")
		if !glob(name, bucket) && !(strings.HasSuffix(name, "*") && glob(name, bucket+"/")) {
			return errMalformedPolicy("Policy has invalid resource")
		}
		if hasSlash || strings.Contains(name, "*") {
			objectRes = true
		}
		if !hasSlash {
			bucketRes = true
		}
	}
	if st.NotAction || len(st.Resources) == 0 {
		return nil
	}
	for _, a := range acts {
		t := actionTypes()[a]
		if t.bucket && bucketRes || t.object && objectRes || !t.bucket && !t.object {
			return nil
		}
	}
	return errMalformedPolicy("Action does not apply to any resource(s) in statement")
}

// resourceTypes records whether an S3 action applies to buckets, to
// objects, or (neither) to no particular resource.
type resourceTypes struct{ bucket, object bool }

var actionTypes = sync.OnceValue(func() map[string]resourceTypes {
	m := map[string]resourceTypes{}
	for _, a := range s3v1.ModelIndex().Actions {
		var t resourceTypes
		for _, r := range a.Resources {
			switch r.Type {
			case "bucket":
				t.bucket = true
			case "object":
				t.object = true
			}
		}
		m[strings.ToLower(a.Action)] = t
	}
	return m
})

// matchingActions lists the S3 actions (lower case) an Action element
// entry matches; nil when it matches none (not an S3 action). "*" matches
// them all.
func matchingActions(pat string) []string {
	pat = strings.ToLower(pat)
	if pat != "*" && !strings.HasPrefix(pat, "s3:") {
		return nil
	}
	var out []string
	for a := range actionTypes() {
		if glob(pat, a) || pat == "*" {
			out = append(out, a)
		}
	}
	return out
}

// glob matches s against an IAM pattern: * is any run of characters, ?
// any one character.
func glob(pat, s string) bool {
	px, sx := 0, 0
	nextP, nextS := -1, -1
	for px < len(pat) || sx < len(s) {
		if px < len(pat) {
			switch c := pat[px]; c {
			case '*':
				nextP, nextS = px, sx+1
				px++
				continue
			case '?':
				if sx < len(s) {
					px++
					sx++
					continue
				}
			default:
				if sx < len(s) && s[sx] == c {
					px++
					sx++
					continue
				}
			}
		}
		if nextS > 0 && nextS <= len(s) {
			px, sx = nextP, nextS
			continue
		}
		return false
	}
	return true
}
