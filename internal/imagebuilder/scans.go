package imagebuilder

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ibemu/ibemu/internal/storage"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// What a finished build reports about its image: the packages installed
// on it (what Systems Manager Inventory collects on AWS), the
// vulnerabilities Amazon Inspector finds when image scanning is enabled,
// and AWS Marketplace resources (none are published here).
//
// The emulator runs no instance, so both are samples: a small fixed
// package list per platform (imagePackages), and, for a build with
// imageScanningConfiguration.imageScanningEnabled, three findings on those
// packages (one CRITICAL, one HIGH, one MEDIUM: sampleFindings), recorded
// when the build becomes AVAILABLE and dropped with the image.

// scanFindings holds the findings of scanned builds, in the image owner's
// scope: image ARN / vulnerability id → finding.
var scanFindings = storage.NewTable[*ibv1.ImageScanFinding]("imagebuilder.scan-findings")

// imagePackages is the package list a build of platform reports, sorted by
// name.
func imagePackages(platform string) []*ibv1.ImagePackage {
	var pkgs [][2]string
	switch platform {
	case "Windows":
		pkgs = [][2]string{{"Amazon SSM Agent", "3.3.40.0"}, {"AWS Tools for Windows PowerShell", "4.1.532"}, {"EC2Launch", "2.0.1924"}, {"Microsoft Edge", "120.0.2210.91"}, {"PowerShell 7-x64", "7.4.1.0"}}
	case "macOS":
		pkgs = [][2]string{{"amazon-ssm-agent", "3.3.40.0"}, {"curl", "8.4.0"}, {"ec2-macos-init", "1.5.11"}, {"openssl", "3.0.12"}, {"python3", "3.9.6"}}
	default:
		pkgs = [][2]string{{"amazon-ssm-agent", "3.3.40.0-1"}, {"bash", "5.2.15-1"}, {"curl", "8.5.0-1"}, {"glibc", "2.34-52"}, {"openssl-libs", "3.0.8-1"}, {"systemd", "252.16-1"}}
	}
	out := make([]*ibv1.ImagePackage, len(pkgs))
	for i, p := range pkgs {
		out[i] = &ibv1.ImagePackage{PackageName: ptr(p[0]), PackageVersion: ptr(p[1])}
	}
	return out
}

// finished reports whether an image's build has ended with an image.
func finished(img *ibv1.Image) bool {
	switch img.GetState().GetStatus() {
	case "AVAILABLE", "DEPRECATED", "DISABLED":
		return true
	}
	return false
}

// ListImagePackages lists the packages installed on an image build
// version (imagePackages), by name — an Amazon-managed image's too; []
// while the build has not finished, for a container image and for one
// built without enhanced image metadata (the inventory is collected only
// with it). Errors:
// ResourceNotFoundException, InvalidParameterValueException,
// InvalidPaginationTokenException.
func (s *Service) ListImagePackages(ctx context.Context, req *ibv1.ListImagePackagesRequest) (*ibv1.ListImagePackagesResponse, error) {
	img, l, err := s.findImage(ctx, "imagebuilder:ListImagePackages", "imageBuildVersionArn", req.GetImageBuildVersionArn())
	if err != nil {
		return nil, err
	}
	pg, aerr := newPage("ListImagePackages/"+l.at.String(), nil, req.MaxResults, req.NextToken)
	if aerr != nil {
		return nil, aerr
	}
	var pkgs []*ibv1.ImagePackage
	if finished(img) && img.GetType() == "AMI" && (img.GetEnhancedImageMetadataEnabled() || l.at.Account == awsOwner) {
		pkgs = imagePackages(img.GetPlatform())
	}
	out, next := slicePage(pkgs, pg, (*ibv1.ImagePackage).GetPackageName)
	return &ibv1.ListImagePackagesResponse{ImagePackageList: out, NextToken: next}, nil
}

// slicePage lists one page of items, sorted by key, after the page's
// token.
func slicePage[T any](items []T, pg *page, key func(T) string) ([]T, *string) {
	out := []T{}
	for _, it := range items {
		k := key(it)
		if pg.after != nil && k <= string(pg.after) {
			continue
		}
		if len(out) == pg.limit {
			return out, pageToken(pg.listing, []byte(key(out[len(out)-1])))
		}
		out = append(out, it)
	}
	return out, nil
}

// sampleFindings are the findings a scanned build of img reports.
func sampleFindings(img *ibv1.Image, account string, at time.Time) []*ibv1.ImageScanFinding {
	pkgs := imagePackages(img.GetPlatform())
	samples := []struct {
		id, severity string
		score        float64
		pkg          *ibv1.ImagePackage
	}{
		{"CVE-SAMPLE-0001", "CRITICAL", 9.8, pkgs[len(pkgs)-2]},
		{"CVE-SAMPLE-0002", "HIGH", 7.5, pkgs[2]},
		{"CVE-SAMPLE-0003", "MEDIUM", 5.3, pkgs[1]},
	}
	var out []*ibv1.ImageScanFinding
	for _, f := range samples {
		fix := f.pkg.GetPackageVersion() + ".1"
		out = append(out, &ibv1.ImageScanFinding{
			AwsAccountId: ptr(account), ImageBuildVersionArn: img.Arn, ImagePipelineArn: img.SourcePipelineArn,
			Type: ptr("PACKAGE_VULNERABILITY"), Severity: ptr(f.severity), InspectorScore: ptr(f.score),
			Title:           ptr(fmt.Sprintf("%s - %s", f.id, f.pkg.GetPackageName())),
			Description:     ptr(fmt.Sprintf("A sample vulnerability the emulator reports in %s %s.", f.pkg.GetPackageName(), f.pkg.GetPackageVersion())),
			Remediation:     &ibv1.Remediation{Recommendation: &ibv1.RemediationRecommendation{Text: ptr("Update " + f.pkg.GetPackageName() + " to " + fix + " or later.")}},
			FirstObservedAt: timestamppb.New(at), UpdatedAt: timestamppb.New(at), FixAvailable: ptr("YES"),
			PackageVulnerabilityDetails: &ibv1.PackageVulnerabilityDetails{
				VulnerabilityId: ptr(f.id), Source: ptr("IBEMU"), VendorSeverity: ptr(f.severity),
				VulnerablePackages: []*ibv1.VulnerablePackage{{Name: f.pkg.PackageName, Version: f.pkg.PackageVersion, FixedInVersion: ptr(fix)}},
			},
		})
	}
	return out
}

// recordFindings stores the findings of a scanned build that has just
// become AVAILABLE.
func recordFindings(tx *storage.Tx, sc storage.Scope, img *ibv1.Image, at time.Time) error {
	if !img.GetImageScanningConfiguration().GetImageScanningEnabled() || img.GetType() != "AMI" {
		return nil
	}
	for _, f := range sampleFindings(img, sc.Account, at) {
		key := storage.NewKey().String(img.GetArn()).String(f.GetPackageVulnerabilityDetails().GetVulnerabilityId()).Key()
		if err := scanFindings.Put(tx, sc, key, f); err != nil {
			return err
		}
	}
	return nil
}

// dropFindings deletes an image's findings.
func dropFindings(tx *storage.Tx, sc storage.Scope, arn string) error {
	var keys [][]byte
	err := scanFindings.Scan(tx, sc, storage.ScanOptions{Prefix: nameKey(arn).Key()}, func(k []byte, _ *ibv1.ImageScanFinding) (bool, error) {
		keys = append(keys, append([]byte(nil), k...))
		return true, nil
	})
	for _, k := range keys {
		if err == nil {
			_, err = scanFindings.Delete(tx, sc, k)
		}
	}
	return err
}

// findingField reads the field a findings filter or aggregation names.
var findingField = map[string]func(f *ibv1.ImageScanFinding) string{
	"accountId":            (*ibv1.ImageScanFinding).GetAwsAccountId,
	"imageBuildVersionArn": (*ibv1.ImageScanFinding).GetImageBuildVersionArn,
	"imagePipelineArn":     (*ibv1.ImageScanFinding).GetImagePipelineArn,
	"vulnerabilityId": func(f *ibv1.ImageScanFinding) string {
		return f.GetPackageVulnerabilityDetails().GetVulnerabilityId()
	},
	"severity": (*ibv1.ImageScanFinding).GetSeverity,
}

// ListImageScanFindings lists the caller's scan findings (see
// sampleFindings), by image, then vulnerability id; [] when no build was
// scanned. One filter at most (the model's limit), named
// imageBuildVersionArn, imagePipelineArn, vulnerabilityId or severity,
// with one value. Errors: InvalidParameterValueException,
// InvalidPaginationTokenException.
func (s *Service) ListImageScanFindings(ctx context.Context, req *ibv1.ListImageScanFindingsRequest) (*ibv1.ListImageScanFindingsResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	listing := "ListImageScanFindings"
	var match func(*ibv1.ImageScanFinding) bool
	for i, f := range req.GetFilters() {
		get := findingField[f.GetName()]
		if get == nil || f.GetName() == "accountId" {
			return nil, ibv1.ErrInvalidParameterValue("The value supplied for parameter 'filters[%d].name' is not valid. Filter names: [imageBuildVersionArn, imagePipelineArn, vulnerabilityId, severity].", i)
		}
		values := f.GetValues()
		listing += "/" + f.GetName() + "=" + strings.Join(values, ",")
		match = func(fd *ibv1.ImageScanFinding) bool {
			for _, v := range values {
				if get(fd) == v {
					return true
				}
			}
			return false
		}
	}
	pg, aerr := newPage(listing, nil, req.MaxResults, req.NextToken)
	if aerr != nil {
		return nil, aerr
	}
	var out []*ibv1.ImageScanFinding
	var next *string
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		var err error
		out, next, err = collect(tx, scanFindings, scope(c), pg, func(_ []byte, f *ibv1.ImageScanFinding) (bool, error) {
			return match == nil || match(f), nil
		}, same[*ibv1.ImageScanFinding])
		return err
	})
	if err != nil {
		return nil, storageError(err)
	}
	return &ibv1.ListImageScanFindingsResponse{Findings: out, NextToken: next}, nil
}

// ListImageScanFindingAggregations counts the caller's scan findings by
// severity: without a filter, one aggregation for the account
// (aggregationType accountId); with a filter named accountId,
// imageBuildVersionArn, imagePipelineArn or vulnerabilityId, one
// aggregation for each of its values that has findings, of that type. All
// aggregations fit one page, so no nextToken is ever answered (and any
// given is refused). Errors: InvalidParameterValueException,
// InvalidPaginationTokenException.
func (s *Service) ListImageScanFindingAggregations(ctx context.Context, req *ibv1.ListImageScanFindingAggregationsRequest) (*ibv1.ListImageScanFindingAggregationsResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	typ, values := "accountId", []string{c.Account}
	if f := req.GetFilter(); f != nil {
		typ, values = f.GetName(), f.GetValues()
		if findingField[typ] == nil || typ == "severity" {
			return nil, ibv1.ErrInvalidParameterValue("The value supplied for parameter 'filter.name' is not valid. Filter names: [accountId, imageBuildVersionArn, imagePipelineArn, vulnerabilityId].")
		}
		if len(values) == 0 {
			return nil, ibv1.ErrInvalidParameterValue("The value supplied for parameter 'filter.values' is not valid. filter.values is required.")
		}
	}
	if _, aerr := parsePageToken("ListImageScanFindingAggregations", req.NextToken); aerr != nil {
		return nil, aerr
	}
	get := findingField[typ]
	counts := map[string]*ibv1.SeverityCounts{}
	wanted := map[string]bool{}
	for _, v := range values {
		wanted[v] = true
	}
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		return scanFindings.Scan(tx, scope(c), storage.ScanOptions{}, func(_ []byte, f *ibv1.ImageScanFinding) (bool, error) {
			k := get(f)
			if !wanted[k] {
				return true, nil
			}
			n := counts[k]
			if n == nil {
				n = &ibv1.SeverityCounts{All: ptr(int64(0)), Critical: ptr(int64(0)), High: ptr(int64(0)), Medium: ptr(int64(0))}
				counts[k] = n
			}
			*n.All++
			switch f.GetSeverity() {
			case "CRITICAL":
				*n.Critical++
			case "HIGH":
				*n.High++
			case "MEDIUM":
				*n.Medium++
			}
			return true, nil
		})
	})
	if err != nil {
		return nil, storageError(err)
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := []*ibv1.ImageScanFindingAggregation{}
	for _, k := range keys {
		a := &ibv1.ImageScanFindingAggregation{}
		switch typ {
		case "accountId":
			a.AccountAggregation = &ibv1.AccountAggregation{AccountId: ptr(k), SeverityCounts: counts[k]}
		case "imageBuildVersionArn":
			a.ImageAggregation = &ibv1.ImageAggregation{ImageBuildVersionArn: ptr(k), SeverityCounts: counts[k]}
		case "imagePipelineArn":
			a.ImagePipelineAggregation = &ibv1.ImagePipelineAggregation{ImagePipelineArn: ptr(k), SeverityCounts: counts[k]}
		default:
			a.VulnerabilityIdAggregation = &ibv1.VulnerabilityIdAggregation{VulnerabilityId: ptr(k), SeverityCounts: counts[k]}
		}
		out = append(out, a)
	}
	return &ibv1.ListImageScanFindingAggregationsResponse{AggregationType: ptr(typ), Responses: out}, nil
}

// marketplaceOwner is the owner segment of AWS Marketplace resource ARNs.
const marketplaceOwner = "aws-marketplace"

// marketplaceRead is the resource side of AWS Marketplace components: every
// account may ask for them, its identity-based policies permitting.
var marketplaceRead = publicRead("AWS Marketplace components", "GetComponent", "GetMarketplaceResource")

// GetMarketplaceResource reads the data or an artifact of an AWS
// Marketplace component. The emulator publishes no Marketplace component
// (ListComponents with owner AWSMarketplace lists none), so every valid
// request is refused with InvalidRequestException: the model lists no
// ResourceNotFoundException for this operation (its errors are
// CallRateLimitExceeded, Client, Forbidden, InvalidRequest, Service and
// ServiceUnavailable), so the not-found answer takes the 400 it does list.
// resourceArn must name a component. Errors: InvalidRequestException.
func (s *Service) GetMarketplaceResource(ctx context.Context, req *ibv1.GetMarketplaceResourceRequest) (*ibv1.GetMarketplaceResourceResponse, error) {
	if _, aerr := call(ctx); aerr != nil {
		return nil, aerr
	}
	arn := req.GetResourceArn()
	r, aerr := parseARN("resourceArn", arn)
	if aerr != nil {
		return nil, aerr
	}
	if r.Type != "component" {
		return nil, ibv1.ErrInvalidRequest("The value supplied for parameter 'resourceArn' is not valid. The ARN %s does not name a component.", arn)
	}
	return nil, ibv1.ErrInvalidRequest("The resource %s was not found: it is not an AWS Marketplace component you are subscribed to.", arn)
}
