package imagebuilder

import (
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/ibemu/ibemu/internal/storage"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// builds is the storage of a versioned family whose versions have build
// numbers (components, workflows): every build by name / major / minor /
// patch / build, an index of each version's latest build (what the family's
// list operation pages over) and the last build number handed out for each
// version. B is the build record, with members arn and name; V is the
// version index entry.
//
// The name a family stores under is the ARN name segment, qualified by
// anything else that tells two resources apart in the ARN (a workflow's
// type: "build/name").
type builds[B, V proto.Message] struct {
	noun string
	// base is the ARN of name without a version, for messages.
	base     func(region, account, name string) string
	records  *storage.Table[B]
	latest   *storage.Table[V]
	counters *storage.Table[*wrapperspb.UInt32Value]
	// index makes a build the version index entry of its version.
	index func(b B, region string) V
}

// next returns the build number the next build of version v of name gets in
// sc, and the version's latest build (found false when it has none).
//
// Build numbers only grow: the next build follows the highest number ever
// handed out for the version, so deleting the latest build does not free
// its number (and its ARN) for a different build.
func (f *builds[B, V]) next(tx *storage.Tx, sc storage.Scope, name string, v Version) (uint32, B, bool, error) {
	var zero B
	vkey := versionKey(name, v).Key()
	var build uint32
	_, last, found, err := f.records.Last(tx, sc, vkey)
	if err != nil {
		return 0, zero, false, err
	}
	if found {
		if build, err = buildOf(stringField(last, "arn")); err != nil {
			return 0, zero, false, err
		}
	} else {
		last = zero
	}
	counter, cfound, err := f.counters.Get(tx, sc, vkey)
	if err != nil {
		return 0, zero, false, err
	}
	if cfound && counter.GetValue() > build {
		build = counter.GetValue()
	}
	if build >= maxBuild {
		return 0, zero, false, ibv1.ErrServiceQuotaExceeded("The %s version %s/%s has reached the maximum number of builds.", f.noun, f.base(sc.Region, sc.Account, name), v)
	}
	return build + 1, last, found, nil
}

// insert stores rec (its arn set) as build number build of version v and
// makes it the version's latest build.
func (f *builds[B, V]) insert(tx *storage.Tx, sc storage.Scope, name string, v Version, build uint32, rec B) error {
	vkey := versionKey(name, v).Key()
	if err := f.counters.Put(tx, sc, vkey, wrapperspb.UInt32(build)); err != nil {
		return err
	}
	if err := f.records.Insert(tx, sc, buildKey(name, v, build), rec); err != nil {
		return err
	}
	return f.latest.Put(tx, sc, vkey, f.index(rec, sc.Region))
}

// find resolves a build (build > 0) or a version or selector (build 0: the
// latest matching version's latest build).
func (f *builds[B, V]) find(tx *storage.Tx, sc storage.Scope, name, version string, build uint32) (B, bool, error) {
	var zero B
	if build != 0 {
		v, aerr := ParseVersion(version)
		if aerr != nil {
			return zero, false, aerr
		}
		return f.records.Get(tx, sc, buildKey(name, v, build))
	}
	sel, aerr := ParseSelector(version)
	if aerr != nil {
		return zero, false, aerr
	}
	// The latest matching version: scan that name's versions from the top.
	var latest *Version
	err := f.latest.Scan(tx, sc, storage.ScanOptions{Prefix: nameKey(name).Key(), Reverse: true}, func(_ []byte, e V) (bool, error) {
		v, aerr := ParseVersion(stringField(e, "version"))
		if aerr != nil {
			return false, aerr
		}
		if sel.Matches(v) {
			latest = &v
			return false, nil
		}
		return true, nil
	})
	if err != nil || latest == nil {
		return zero, false, err
	}
	_, rec, found, err := f.records.Last(tx, sc, versionKey(name, *latest).Key())
	return rec, found, err
}

// remove deletes one build and keeps the version index pointing at the
// latest remaining build. deleted is false when the build did not exist.
func (f *builds[B, V]) remove(tx *storage.Tx, sc storage.Scope, name string, v Version, build uint32) (bool, error) {
	deleted, err := f.records.Delete(tx, sc, buildKey(name, v, build))
	if err != nil || !deleted {
		return deleted, err
	}
	vkey := versionKey(name, v).Key()
	_, last, found, err := f.records.Last(tx, sc, vkey)
	if err != nil {
		return true, err
	}
	if !found {
		_, err = f.latest.Delete(tx, sc, vkey)
		return true, err
	}
	return true, f.latest.Put(tx, sc, vkey, f.index(last, sc.Region))
}
