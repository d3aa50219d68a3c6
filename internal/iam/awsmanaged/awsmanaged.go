// Package awsmanaged is the catalog of AWS managed policies the emulator
// ships: arn:aws:iam::aws:policy/… documents every account can read, attach
// and use as a permissions boundary. The data lives in catalog.json and
// documents/ beside this file (embedded), so adding a policy is a data
// change.
package awsmanaged

import (
	"crypto/sha256"
	"embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ibemu/ibemu/internal/iam/policy"
)

//go:embed catalog.json documents/*.json
var files embed.FS

// ARNPrefix starts the ARN of every AWS managed policy.
const ARNPrefix = "arn:aws:iam::aws:policy"

// Policy is one AWS managed policy: its default version only (the emulator
// does not ship older versions).
type Policy struct {
	Name           string
	Path           string
	ARN            string
	ID             string
	DefaultVersion string
	Description    string
	Created        time.Time
	Updated        time.Time
	// Document is the default version's document, as AWS formats it.
	Document string
	// Parsed is Document compiled as an identity-based policy.
	Parsed *policy.Policy
}

type catalogFile struct {
	Policies []struct {
		PolicyName, Path, PolicyID, DefaultVersionID, Description string
		CreateDate, UpdateDate                                    time.Time
	} `json:"policies"`
}

// catalog parses the embedded catalog on first use, not at start: a server
// that never reads an AWS managed policy does not pay for parsing them.
// The catalog is part of the build (a test loads it), so a failure is a
// build defect.
var catalog = sync.OnceValues(func() (map[string]*Policy, []*Policy) {
	m, all, err := load()
	if err != nil {
		panic("awsmanaged: " + err.Error())
	}
	return m, all
})

func load() (map[string]*Policy, []*Policy, error) {
	raw, err := files.ReadFile("catalog.json")
	if err != nil {
		return nil, nil, err
	}
	var cat catalogFile
	if err := json.Unmarshal(raw, &cat); err != nil {
		return nil, nil, fmt.Errorf("catalog.json: %w", err)
	}
	m := map[string]*Policy{}
	var all []*Policy
	for _, e := range cat.Policies {
		doc, err := files.ReadFile("documents/" + e.PolicyName + ".json")
		if err != nil {
			return nil, nil, err
		}
		parsed, err := policy.Parse(string(doc), policy.KindIdentity)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", e.PolicyName, err)
		}
		p := &Policy{
			Name:           e.PolicyName,
			Path:           e.Path,
			ARN:            ARNPrefix + e.Path + e.PolicyName,
			ID:             e.PolicyID,
			DefaultVersion: e.DefaultVersionID,
			Description:    e.Description,
			Created:        e.CreateDate,
			Updated:        e.UpdateDate,
			Document:       string(doc),
			Parsed:         parsed,
		}
		if p.ID == "" {
			p.ID = derivedID(p.ARN)
		}
		if _, dup := m[p.ARN]; dup {
			return nil, nil, fmt.Errorf("%s listed twice", p.ARN)
		}
		m[p.ARN] = p
		all = append(all, p)
	}
	sort.Slice(all, func(i, j int) bool { return strings.ToLower(all[i].Name) < strings.ToLower(all[j].Name) })
	return m, all, nil
}

// derivedID is a stable policy id for a policy whose real id the catalog
// does not record: ANPA and 17 characters of the ARN's SHA-256 in IAM's
// id alphabet.
func derivedID(arn string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	sum := sha256.Sum256([]byte(arn))
	b := []byte("ANPA")
	for i := 0; i < 17; i++ {
		b = append(b, alphabet[sum[i]%32])
	}
	return string(b)
}

// Lookup returns the AWS managed policy with this ARN.
func Lookup(arn string) (*Policy, bool) {
	byARN, _ := catalog()
	p, ok := byARN[arn]
	return p, ok
}

// IsAWSManagedARN reports whether arn is in the AWS managed policy
// namespace (arn:aws:iam::aws:policy/…), shipped here or not.
func IsAWSManagedARN(arn string) bool { return strings.HasPrefix(arn, ARNPrefix+"/") }

// All lists the catalog sorted by name (case-insensitively). The slice is
// shared: do not modify it.
func All() []*Policy {
	_, sorted := catalog()
	return sorted
}
