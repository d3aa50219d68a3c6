package imagebuilder

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ibemu/ibemu/internal/awserr"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// maxVersionNode is the largest value of an assignable version node (2^30-1).
const maxVersionNode = 1<<30 - 1

// Version is a semantic version <major>.<minor>.<patch>.
type Version struct{ Major, Minor, Patch uint32 }

func (v Version) String() string { return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch) }

// ParseVersion parses an assignable semantic version such as "1.0.0". The
// model's pattern has already checked the syntax; this checks the bounds.
func ParseVersion(s string) (Version, *awserr.Error) {
	var nodes [3]uint32
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return Version{}, invalidVersion(s)
	}
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 10, 64)
		if err != nil || n > maxVersionNode {
			return Version{}, invalidVersion(s)
		}
		nodes[i] = uint32(n)
	}
	return Version{nodes[0], nodes[1], nodes[2]}, nil
}

func invalidVersion(s string) *awserr.Error {
	return ibv1.ErrInvalidVersionNumber("The version %s is not valid. A semantic version has three nodes, <major>.<minor>.<patch>, each an integer from 0 to %d.", s, maxVersionNode)
}

// Selector is a version that may end in wildcards: x.x.x, 1.x.x, 1.2.x or
// an exact 1.2.3. Once a node is a wildcard every node to its right is too.
type Selector struct {
	Version
	Fixed int // how many leading nodes are fixed: 0..3
}

// ParseSelector parses a version selector such as "1.x.x".
func ParseSelector(s string) (Selector, *awserr.Error) {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return Selector{}, invalidVersion(s)
	}
	var sel Selector
	nodes := []*uint32{&sel.Major, &sel.Minor, &sel.Patch}
	for i, p := range parts {
		if p == "x" {
			continue
		}
		if sel.Fixed != i {
			return Selector{}, ibv1.ErrInvalidVersionNumber("The version %s is not valid. When a version node is a wildcard (x), every node to its right must be a wildcard too.", s)
		}
		n, err := strconv.ParseUint(p, 10, 64)
		if err != nil || n > maxVersionNode {
			return Selector{}, invalidVersion(s)
		}
		*nodes[i] = uint32(n)
		sel.Fixed++
	}
	return sel, nil
}

// Matches reports whether v is selected.
func (s Selector) Matches(v Version) bool {
	switch s.Fixed {
	case 3:
		return v == s.Version
	case 2:
		return v.Major == s.Major && v.Minor == s.Minor
	case 1:
		return v.Major == s.Major
	}
	return true
}

// latestReferences are the wildcard ARNs that select v at each level, as
// Image Builder returns them in latestVersionReferences.
func latestReferences(base string, v Version) *ibv1.LatestVersionReferences {
	return &ibv1.LatestVersionReferences{
		LatestVersionArn:      ptr(base + "/x.x.x"),
		LatestMajorVersionArn: ptr(fmt.Sprintf("%s/%d.x.x", base, v.Major)),
		LatestMinorVersionArn: ptr(fmt.Sprintf("%s/%d.%d.x", base, v.Major, v.Minor)),
		LatestPatchVersionArn: ptr(fmt.Sprintf("%s/%d.%d.%d", base, v.Major, v.Minor, v.Patch)),
	}
}

func ptr[T any](v T) *T { return &v }
