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
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "imagebuilder" {
		return bad()
	}
	r := resourceARN{Partition: parts[1], Region: parts[3], Account: parts[4]}
	segs := strings.Split(parts[5], "/")
	if len(segs) > 0 && segs[0] == "workflow" && len(segs) > 1 {
		segs = append([]string{segs[0] + "/" + segs[1]}, segs[2:]...)
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
