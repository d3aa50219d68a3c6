package imagebuilder

import (
	"google.golang.org/protobuf/types/known/wrapperspb"

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
)

func nameKey(name string) *storage.KeyBuilder { return storage.NewKey().String(name) }

func versionKey(name string, v Version) *storage.KeyBuilder {
	return nameKey(name).Uint32(v.Major).Uint32(v.Minor).Uint32(v.Patch)
}

func buildKey(name string, v Version, build uint32) []byte {
	return versionKey(name, v).Uint32(build).Key()
}

// afterName is a key greater than every version key of name, to resume a
// by-name listing after it.
func afterName(name string) []byte {
	return nameKey(name).Uint32(^uint32(0)).Uint32(^uint32(0)).Uint32(^uint32(0)).Uint32(^uint32(0)).Key()
}
