package imagebuilder

import (
	"google.golang.org/protobuf/types/known/wrapperspb"

	"fmt"
	"github.com/ibemu/ibemu/internal/storage"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
)

// Tables of the Image Builder service, each declared once. Keys are built by
// the functions below so that every reader and writer agrees on them.
var (
	// componentBuilds holds every component build version:
	// name / major / minor / patch / build → Component.
	componentBuilds = storage.NewTable[*ibv1.Component]("imagebuilder.component-builds")
	// componentVersions indexes the latest build of each semantic version:
	// name / major / minor / patch → ComponentVersion. ListComponents pages
	// over it directly.
	componentVersions = storage.NewTable[*ibv1.ComponentVersion]("imagebuilder.component-versions")
	// componentBuildCounters holds the last build number handed out for each
	// component version: name / major / minor / patch → number. Builds are
	// numbered from it, so a deleted build's ARN never names another build.
	componentBuildCounters = storage.NewTable[*wrapperspb.UInt32Value]("imagebuilder.component-build-counters")
	// clientTokens remembers answers to requests carrying a client token:
	// operation / token → IdempotencyRecord.
	clientTokens = storage.NewTable[*recordsv1.IdempotencyRecord]("imagebuilder.client-tokens")
	// resourcePolicies holds the resource-based policies put on resources, in
	// their owner's scope, as the documents were given (byte for byte):
	// resource type / resource path → document. The path is the ARN's
	// resource part after the type: "name/1.0.0/1" for a component build.
	resourcePolicies = storage.NewTable[*wrapperspb.StringValue]("imagebuilder.resource-policies")
	// sharedComponents indexes, in the scope of each account a component
	// policy names, the component builds shared with it:
	// owner / name / major / minor / patch / build → the ListComponents entry
	// the build describes. PutComponentPolicy and DeleteComponent keep it
	// current, so ListComponents with owner Shared reads only the caller's
	// own scope.
	sharedComponents = storage.NewTable[*ibv1.ComponentVersion]("imagebuilder.shared-components")
)

func nameKey(name string) *storage.KeyBuilder { return storage.NewKey().String(name) }

func versionKey(name string, v Version) *storage.KeyBuilder {
	return nameKey(name).Uint32(v.Major).Uint32(v.Minor).Uint32(v.Patch)
}

func buildKey(name string, v Version, build uint32) []byte {
	return versionKey(name, v).Uint32(build).Key()
}

// policyKey locates a resource's policy in its owner's scope.
func policyKey(r resourceARN) []byte {
	return storage.NewKey().String(r.Type).String(r.path()).Key()
}

// sharedKey locates a shared component build in a grantee's scope.
func sharedKey(owner, name string, v Version, build uint32) []byte {
	return storage.NewKey().String(owner).String(name).Uint32(v.Major).Uint32(v.Minor).Uint32(v.Patch).Uint32(build).Key()
}

// sharedVersionPrefix selects the shared builds of one component version.
func sharedVersionPrefix(owner, name string, v Version) []byte {
	return storage.NewKey().String(owner).String(name).Uint32(v.Major).Uint32(v.Minor).Uint32(v.Patch).Key()
}

// readSharedKey splits a sharedKey.
func readSharedKey(key []byte) (owner, name string, v Version, build uint32, err error) {
	r := storage.ReadKey(key)
	if owner, err = r.String(); err != nil {
		return
	}
	if name, err = r.String(); err != nil {
		return
	}
	for _, n := range []*uint32{&v.Major, &v.Minor, &v.Patch, &build} {
		if *n, err = r.Uint32(); err != nil {
			return
		}
	}
	if !r.Done() {
		err = fmt.Errorf("imagebuilder: shared key %q has trailing bytes", key)
	}
	return
}
