package imagebuilder

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ibemu/ibemu/internal/awserr"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// awsOwner is the account field of ARNs of resources Amazon manages.
const awsOwner = "aws"

// resourceARN is a parsed Image Builder ARN:
// arn:PARTITION:imagebuilder:REGION:ACCOUNT:TYPE/NAME[/VERSION[/BUILD]].
type resourceARN struct {
	Partition, Region, Account string
	Type                       string // "component", "image", "workflow/build", …
	Name                       string // the ARN name segment (lower case)
	Version                    string // "", "1.0.0" or a selector "1.x.x"
	Build                      uint32 // 0 when absent
}

// parseARN splits an Image Builder ARN. The model's pattern has already
// validated the request member; parseARN still checks what it relies on so
// that no input can make it misbehave.
func parseARN(member, arn string) (resourceARN, *awserr.Error) {
	bad := func() (resourceARN, *awserr.Error) {
		return resourceARN{}, ibv1.ErrInvalidParameterValue("The value supplied for parameter '%s' is not valid. The ARN %s is not a valid Image Builder ARN.", member, arn)
	}
	// strings.SplitN(arn, ":", 6) and strings.Split(resource, "/"), into
	// arrays: this runs for every request naming a resource.
	var parts [6]string
	rest := arn
	for i := range 5 {
		p, after, ok := strings.Cut(rest, ":")
		if !ok {
			return bad()
		}
		parts[i], rest = p, after
	}
	parts[5] = rest
	if parts[0] != "arn" || parts[2] != "imagebuilder" {
		return bad()
	}
	r := resourceARN{Partition: parts[1], Region: parts[3], Account: parts[4]}
	// At most 4 segments are valid, 5 for a workflow type (two joined).
	var raw [5]string
	n := 0
	for rest = parts[5]; ; n++ {
		if n == len(raw) {
			return bad()
		}
		seg, after, ok := strings.Cut(rest, "/")
		raw[n] = seg
		if !ok {
			n++
			break
		}
		rest = after
	}
	segs := raw[:n]
	if segs[0] == "workflow" && len(segs) > 1 {
		// "workflow/TYPE", a prefix of the resource part.
		segs[1] = parts[5][:len(segs[0])+1+len(segs[1])]
		segs = segs[1:]
	}
	if len(segs) < 2 || len(segs) > 4 || segs[0] == "" || segs[1] == "" {
		return bad()
	}
	r.Type, r.Name = segs[0], segs[1]
	if len(segs) >= 3 {
		r.Version = segs[2]
	}
	if len(segs) == 4 {
		b, err := strconv.ParseUint(segs[3], 10, 32)
		if err != nil || b == 0 {
			return bad()
		}
		r.Build = uint32(b)
	}
	return r, nil
}

// path is the ARN's resource part after the type: NAME[/VERSION[/BUILD]].
func (r resourceARN) path() string {
	p := r.Name
	if r.Version != "" {
		p += "/" + r.Version
	}
	return p + buildSuffix(r.Build)
}

// String is the ARN.
func (r resourceARN) String() string {
	return "arn:" + r.Partition + ":imagebuilder:" + r.Region + ":" + r.Account + ":" + r.Type + "/" + r.path()
}

// arnName turns a resource name into its ARN segment: Image Builder ARNs
// carry names in lower case with spaces as hyphens.
func arnName(name string) string {
	return strings.ReplaceAll(strings.ToLower(name), " ", "-")
}

// typeARN is the ARN prefix of a resource type in an account and region:
// arn:aws:imagebuilder:us-east-1:123456789012:component.
func typeARN(region, account, typ string) string {
	return fmt.Sprintf("arn:aws:imagebuilder:%s:%s:%s", region, account, typ)
}
