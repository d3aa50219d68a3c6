package imagebuilder

import (
	"fmt"
	"sort"

	"github.com/ibemu/ibemu/internal/awserr"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// amazonCatalog is a small catalog of Amazon-managed components, so that
// ListComponents with owner Amazon and recipes that reference well-known
// components such as update-linux work locally. Their ARNs carry the
// account field "aws". The documents are short stand-ins for AWS's own.
var amazonCatalog = []struct {
	name, version, platform, typ, description, action, command string
}{
	{"amazon-cloudwatch-agent-linux", "1.0.1", "Linux", "BUILD", "Installs the latest version of the Amazon CloudWatch agent.", "ExecuteBash", "echo installing the CloudWatch agent"},
	{"aws-cli-version-2-linux", "1.0.4", "Linux", "BUILD", "Installs the latest version of the AWS CLI version 2.", "ExecuteBash", "echo installing the AWS CLI"},
	{"aws-cli-version-2-windows", "1.0.0", "Windows", "BUILD", "Installs the latest version of the AWS CLI version 2.", "ExecutePowerShell", "Write-Host installing the AWS CLI"},
	{"reboot-linux", "1.0.1", "Linux", "BUILD", "Reboots the instance.", "Reboot", ""},
	{"reboot-windows", "1.0.1", "Windows", "BUILD", "Reboots the instance.", "Reboot", ""},
	{"simple-boot-test-linux", "1.0.0", "Linux", "TEST", "Checks that the instance boots.", "ExecuteBash", "echo the instance booted"},
	{"update-linux", "1.0.2", "Linux", "BUILD", "Updates Linux by installing all available updates.", "UpdateOS", ""},
	{"update-windows", "1.0.1", "Windows", "BUILD", "Updates Windows by installing all available updates.", "UpdateOS", ""},
}

const amazonCreated = "2020-12-01T00:00:00.000Z"

// amazonComponents returns the catalog for a region, ordered like the
// caller's own components (by name, then version).
func amazonComponents(region string) []*ibv1.Component {
	out := make([]*ibv1.Component, 0, len(amazonCatalog))
	for _, e := range amazonCatalog {
		phase := "build"
		if e.typ == "TEST" {
			phase = "test"
		}
		step := fmt.Sprintf("      - name: Run\n        action: %s\n", e.action)
		if e.command != "" {
			step += fmt.Sprintf("        inputs:\n          commands:\n            - %s\n", e.command)
		}
		data := fmt.Sprintf("name: %s\ndescription: %s\nschemaVersion: 1.0\nphases:\n  - name: %s\n    steps:\n%s", e.name, e.description, phase, step)
		out = append(out, &ibv1.Component{
			Arn:         ptr(fmt.Sprintf("%s/%s/%s/1", typeARN(region, awsOwner, "component"), e.name, e.version)),
			Name:        ptr(e.name),
			Version:     ptr(e.version),
			Description: ptr(e.description),
			Type:        ptr(e.typ),
			Platform:    ptr(e.platform),
			State:       &ibv1.ComponentState{Status: ptr("ACTIVE")},
			Owner:       ptr(ownerAmazon),
			Data:        ptr(data),
			Encrypted:   ptr(true),
			DateCreated: ptr(amazonCreated),
			Obfuscate:   ptr(false),
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].GetArn() < out[j].GetArn() })
	return out
}

// amazonComponent resolves a build ARN, version ARN or selector against the
// catalog.
func amazonComponent(region string, r resourceARN) (*ibv1.Component, bool, *awserr.Error) {
	var sel Selector
	if r.Build == 0 {
		var aerr *awserr.Error
		if sel, aerr = ParseSelector(r.Version); aerr != nil {
			return nil, false, aerr
		}
	}
	for _, comp := range amazonComponents(region) {
		cr, _ := parseARN("arn", comp.GetArn())
		if cr.Name != r.Name || cr.Region != r.Region {
			continue
		}
		if r.Build != 0 {
			if cr.Version == r.Version && cr.Build == r.Build {
				return comp, true, nil
			}
			continue
		}
		v, _ := ParseVersion(cr.Version)
		if sel.Matches(v) {
			return comp, true, nil
		}
	}
	return nil, false, nil
}

// amazonBuilds lists the builds of one catalog version.
func amazonBuilds(region, name string, v Version) []*ibv1.Component {
	var out []*ibv1.Component
	for _, comp := range amazonComponents(region) {
		cr, _ := parseARN("arn", comp.GetArn())
		if cr.Name == name && cr.Version == v.String() {
			out = append(out, comp)
		}
	}
	return out
}

// listAmazonComponents pages over the catalog's versions. The page token
// holds the last ARN listed.
func listAmazonComponents(region, listing string, after []byte, limit int, _ bool, keep func(*ibv1.ComponentVersion) bool) ([]*ibv1.ComponentVersion, *string) {
	// The catalog has one version per name, so byName lists the same items.
	var out []*ibv1.ComponentVersion
	var lastARN string
	for _, comp := range amazonComponents(region) {
		if after != nil && comp.GetArn() <= string(after) {
			continue
		}
		cv := versionOf(comp, region)
		if !keep(cv) {
			continue
		}
		if len(out) == limit {
			return out, pageToken(listing, []byte(lastARN))
		}
		out = append(out, cv)
		lastARN = comp.GetArn()
	}
	return out, nil
}
