package imagebuilder

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"

	"google.golang.org/protobuf/proto"

	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/iam/policy"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// The Amazon-managed catalogue: the public components, images and workflows
// AWS publishes in every region under the account field "aws"
// (arn:aws:imagebuilder:REGION:aws:TYPE/NAME/VERSION/BUILD), so that
// listings with owner Amazon, recipes naming a parent image such as
// arn:aws:imagebuilder:REGION:aws:image/amazon-linux-2023-x86/x.x.x and
// pipelines naming arn:aws:imagebuilder:REGION:aws:workflow/build/build-image/1.0.0/1
// work locally. All of it is data in the three tables below; the functions
// after them build records from it. Documents are short stand-ins for AWS's
// own.
//
// Every family reaches the catalogue through its kind's amazon source (see
// amazonSources): the resolver serves aws-owned ARNs from it, with a public
// read policy, so GetComponent, GetImage and GetWorkflow on an Amazon ARN
// need no family code. Listings page over amazonComponents, amazonImages and
// amazonWorkflows with amazonPage.

// amazonComponentCatalog are the Amazon-managed components.
var amazonComponentCatalog = []struct {
	name, version, platform, typ, description, action, command string
}{
	{"amazon-cloudwatch-agent-linux", "1.0.1", "Linux", "BUILD", "Installs the latest version of the Amazon CloudWatch agent.", "ExecuteBash", "echo installing the CloudWatch agent"},
	{"aws-cli-version-2-linux", "1.0.4", "Linux", "BUILD", "Installs the latest version of the AWS CLI version 2.", "ExecuteBash", "echo installing the AWS CLI"},
	{"aws-cli-version-2-windows", "1.0.0", "Windows", "BUILD", "Installs the latest version of the AWS CLI version 2.", "ExecutePowerShell", "Write-Host installing the AWS CLI"},
	{"reboot-linux", "1.0.1", "Linux", "BUILD", "Reboots the instance.", "Reboot", ""},
	{"reboot-windows", "1.0.1", "Windows", "BUILD", "Reboots the instance.", "Reboot", ""},
	{"simple-boot-test-linux", "1.0.0", "Linux", "TEST", "Checks that the instance boots.", "ExecuteBash", "echo the instance booted"},
	{"simple-boot-test-windows", "1.0.0", "Windows", "TEST", "Checks that the instance boots.", "ExecutePowerShell", "Write-Host the instance booted"},
	{"update-linux", "1.0.2", "Linux", "BUILD", "Updates Linux by installing all available updates.", "UpdateOS", ""},
	{"update-windows", "1.0.1", "Windows", "BUILD", "Updates Windows by installing all available updates.", "UpdateOS", ""},
}

// amazonImageCatalog are the Amazon-managed base images, each with the
// versions published (dated, as AWS versions them: 2025.1.8 is the image of
// 8 January 2025). A selector resolves to the latest.
var amazonImageCatalog = []struct {
	name, platform, osVersion string
	versions                  []string
}{
	{"Amazon Linux 2 x86", "Linux", "Amazon Linux 2", []string{"2024.12.3", "2025.1.8"}},
	{"Amazon Linux 2023 ARM64", "Linux", "Amazon Linux 2023", []string{"2025.1.8"}},
	{"Amazon Linux 2023 x86", "Linux", "Amazon Linux 2023", []string{"2024.12.3", "2025.1.8"}},
	{"Ubuntu Server 22 LTS x86", "Linux", "Ubuntu 22", []string{"2024.12.10", "2025.1.14"}},
	{"Windows Server 2019 English Full Base x86", "Windows", "Microsoft Windows Server 2019", []string{"2025.1.15"}},
	{"Windows Server 2022 English Full Base x86", "Windows", "Microsoft Windows Server 2022", []string{"2024.12.11", "2025.1.15"}},
}

// amazonWorkflowCatalog are the AWS-managed workflows a pipeline or
// CreateImage uses when it names none of its own.
var amazonWorkflowCatalog = []struct {
	typ, name, version, description string
	steps                           []string // step actions, in order
}{
	{"BUILD", "build-container", "1.0.0", "Builds a container image and pushes it to its repository.", []string{"LaunchInstance", "ExecuteComponents", "TerminateInstance"}},
	{"BUILD", "build-image", "1.0.0", "Builds an image: launches a build instance, runs the build components, creates the output image.", []string{"LaunchInstance", "ExecuteComponents", "CreateImage", "TerminateInstance"}},
	{"DISTRIBUTION", "distribute-container", "1.0.0", "Distributes a container image to its repositories.", []string{"DistributeImage"}},
	{"DISTRIBUTION", "distribute-image", "1.0.0", "Distributes an image to the regions and accounts of its distribution configuration.", []string{"DistributeImage"}},
	{"TEST", "test-container", "1.0.0", "Tests a container image with its test components.", []string{"LaunchInstance", "ExecuteComponents", "TerminateInstance"}},
	{"TEST", "test-image", "1.0.0", "Tests an image: launches a test instance from it and runs the test components.", []string{"LaunchInstance", "ExecuteComponents", "TerminateInstance"}},
}

const amazonCreated = "2020-12-01T00:00:00.000Z"

// amazonComponents returns the catalogue's components for a region, in ARN
// order.
func amazonComponents(region string) []*ibv1.Component {
	out := make([]*ibv1.Component, 0, len(amazonComponentCatalog))
	for _, e := range amazonComponentCatalog {
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
	sortByARN(out)
	return out
}

// amazonImages returns the catalogue's image build versions for a region,
// in ARN order: AVAILABLE AMIs of Amazon's, each with one output AMI in the
// region whose id is derived from the image (stable across runs).
func amazonImages(region string) []*ibv1.Image {
	var out []*ibv1.Image
	for _, e := range amazonImageCatalog {
		for _, ver := range e.versions {
			v, _ := ParseVersion(ver)
			arn := fmt.Sprintf("%s/%s/%s/1", typeARN(region, awsOwner, "image"), arnName(e.name), v)
			sum := sha256.Sum256([]byte(arn))
			out = append(out, &ibv1.Image{
				Arn:                          ptr(arn),
				Type:                         ptr("AMI"),
				Name:                         ptr(e.name),
				Version:                      ptr(v.String()),
				Platform:                     ptr(e.platform),
				OsVersion:                    ptr(e.osVersion),
				EnhancedImageMetadataEnabled: ptr(true),
				State:                        &ibv1.ImageState{Status: ptr("AVAILABLE")},
				DateCreated:                  ptr(fmt.Sprintf("%04d-%02d-%02dT00:00:00.000Z", v.Major, v.Minor, v.Patch)),
				BuildType:                    ptr("USER_INITIATED"),
				ImageSource:                  ptr("AMAZON_MANAGED"),
				OutputResources: &ibv1.OutputResources{Amis: []*ibv1.Ami{{
					Region: ptr(region),
					Image:  ptr("ami-" + hex.EncodeToString(sum[:])[:17]),
					Name:   ptr(fmt.Sprintf("%s %s", e.name, v)),
					State:  &ibv1.ImageState{Status: ptr("AVAILABLE")},
				}}},
			})
		}
	}
	sortByARN(out)
	return out
}

// amazonImageVersion is the ListImages entry of a catalogue image.
func amazonImageVersion(img *ibv1.Image) *ibv1.ImageVersion {
	r, _ := parseARN("arn", img.GetArn())
	r.Build = 0
	return &ibv1.ImageVersion{
		Arn: ptr(r.String()), Name: img.Name, Type: img.Type, Version: img.Version, Platform: img.Platform,
		OsVersion: img.OsVersion, Owner: ptr(ownerAmazon), DateCreated: img.DateCreated, BuildType: img.BuildType, ImageSource: img.ImageSource,
	}
}

// amazonWorkflows returns the AWS-managed workflows for a region, in ARN
// order.
func amazonWorkflows(region string) []*ibv1.Workflow {
	var out []*ibv1.Workflow
	for _, e := range amazonWorkflowCatalog {
		sub := map[string]string{"BUILD": "build", "TEST": "test", "DISTRIBUTION": "distribution"}[e.typ]
		data := fmt.Sprintf("name: %s\ndescription: %s\nschemaVersion: 1.0\nsteps:\n", e.name, e.description)
		for i, a := range e.steps {
			data += fmt.Sprintf("  - name: Step%d%s\n    action: %s\n    onFailure: Abort\n", i+1, a, a)
		}
		out = append(out, &ibv1.Workflow{
			Arn:         ptr(fmt.Sprintf("%s/%s/%s/1", typeARN(region, awsOwner, "workflow/"+sub), e.name, e.version)),
			Name:        ptr(e.name),
			Version:     ptr(e.version),
			Description: ptr(e.description),
			Type:        ptr(e.typ),
			Owner:       ptr(ownerAmazon),
			Data:        ptr(data),
			DateCreated: ptr(amazonCreated),
		})
	}
	sortByARN(out)
	return out
}

func sortByARN[T proto.Message](items []T) {
	sort.Slice(items, func(i, j int) bool { return stringField(items[i], "arn") < stringField(items[j], "arn") })
}

// amazonLookup resolves r against catalogue records of one type: a build
// ARN names that build; a version ARN or a selector (1.x.x, x.x.x) the
// latest build of the latest matching version.
func amazonLookup[T proto.Message](items []T, r resourceARN) (T, bool, *awserr.Error) {
	var zero T
	var sel Selector
	if r.Build == 0 {
		var aerr *awserr.Error
		if sel, aerr = ParseSelector(r.Version); aerr != nil {
			return zero, false, aerr
		}
	}
	var best T
	var bestV Version
	var bestB uint32
	found := false
	for _, item := range items {
		ir, aerr := parseARN("arn", stringField(item, "arn"))
		if aerr != nil || ir.Type != r.Type || ir.Name != r.Name || ir.Region != r.Region {
			continue
		}
		if r.Build != 0 {
			if ir.Version == r.Version && ir.Build == r.Build {
				return item, true, nil
			}
			continue
		}
		v, _ := ParseVersion(ir.Version)
		if !sel.Matches(v) {
			continue
		}
		if !found || versionLess(bestV, v) || (bestV == v && ir.Build > bestB) {
			best, bestV, bestB, found = item, v, ir.Build, true
		}
	}
	return best, found, nil
}

func versionLess(a, b Version) bool {
	if a.Major != b.Major {
		return a.Major < b.Major
	}
	if a.Minor != b.Minor {
		return a.Minor < b.Minor
	}
	return a.Patch < b.Patch
}

// amazonComponent resolves a build ARN, version ARN or selector against the
// catalogue.
func amazonComponent(region string, r resourceARN) (*ibv1.Component, bool, *awserr.Error) {
	return amazonLookup(amazonComponents(region), r)
}

// amazonImage resolves an image build ARN, version ARN or selector against
// the catalogue (arn:aws:imagebuilder:REGION:aws:image/amazon-linux-2023-x86/x.x.x).
func amazonImage(region string, r resourceARN) (*ibv1.Image, bool, *awserr.Error) {
	return amazonLookup(amazonImages(region), r)
}

// amazonWorkflow resolves a workflow build ARN, version ARN or selector
// against the catalogue (r.Type says build, test or distribution).
func amazonWorkflow(region string, r resourceARN) (*ibv1.Workflow, bool, *awserr.Error) {
	return amazonLookup(amazonWorkflows(region), r)
}

// amazonBuilds lists the builds of one catalogue component version.
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

// amazonPage lists one page of catalogue records (in ARN order) that keep
// accepts, as item maps them. after is the last ARN of the previous page
// (from its token); the token of the next page holds this page's last ARN.
func amazonPage[T proto.Message, O any](items []T, listing string, after []byte, limit int, keep func(O) bool, item func(T) O) ([]O, *string) {
	out := []O{}
	var lastARN string
	for _, rec := range items {
		arn := stringField(rec, "arn")
		if after != nil && arn <= string(after) {
			continue
		}
		o := item(rec)
		if keep != nil && !keep(o) {
			continue
		}
		if len(out) == limit {
			return out, pageToken(listing, []byte(lastARN))
		}
		out = append(out, o)
		lastARN = arn
	}
	return out, nil
}

// listAmazonComponents pages over the catalogue's component versions.
func listAmazonComponents(region, listing string, after []byte, limit int, _ bool, keep func(*ibv1.ComponentVersion) bool) ([]*ibv1.ComponentVersion, *string) {
	// The catalogue has one version per name, so byName lists the same items.
	return amazonPage(amazonComponents(region), listing, after, limit, keep, func(c *ibv1.Component) *ibv1.ComponentVersion { return versionOf(c, region) })
}

// amazonSource serves a kind's Amazon-managed resources to the resolver.
type amazonSource struct {
	// find resolves an aws-owned ARN of the kind in a region.
	find func(region string, r resourceARN) (proto.Message, bool, *awserr.Error)
	// readable is the resources' resource-based policy: every account may
	// read them (its own identity-based policies permitting), as on AWS,
	// where they are public.
	readable *policy.Attached
}

// amazonSources are the kinds the catalogue serves, by ARN type.
var amazonSources = map[string]*amazonSource{
	componentType: {
		find:     finder(amazonComponent),
		readable: publicRead("Amazon-managed components", "GetComponent", "ListComponents", "ListComponentBuildVersions"),
	},
	"image": {
		find:     finder(amazonImage),
		readable: publicRead("Amazon-managed images", "GetImage", "ListImages", "ListImageBuildVersions", "ListImagePackages"),
	},
	"workflow/build":        workflowSource,
	"workflow/test":         workflowSource,
	"workflow/distribution": workflowSource,
}

var workflowSource = &amazonSource{
	find:     finder(amazonWorkflow),
	readable: publicRead("AWS-managed workflows", "GetWorkflow", "ListWorkflows", "ListWorkflowBuildVersions"),
}

func finder[T proto.Message](f func(string, resourceARN) (T, bool, *awserr.Error)) func(string, resourceARN) (proto.Message, bool, *awserr.Error) {
	return func(region string, r resourceARN) (proto.Message, bool, *awserr.Error) {
		rec, found, aerr := f(region, r)
		if !found || aerr != nil {
			return nil, false, aerr
		}
		return rec, true, nil
	}
}

// publicRead is a resource-based policy letting every principal perform the
// Image Builder read actions on any resource.
func publicRead(name string, actions ...string) *policy.Attached {
	doc := `{"Version":"2012-10-17","Statement":[{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Resource":"*","Action":[`
	for i, a := range actions {
		if i > 0 {
			doc += ","
		}
		doc += `"imagebuilder:` + a + `"`
	}
	return &policy.Attached{Name: name, Policy: policy.MustParse(doc+`]}]}`, policy.KindResource)}
}
