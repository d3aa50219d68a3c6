package simulate

import (
	"strconv"
	"testing"

	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
)

// FuzzSimulateMarker: the simulation's pages cover every result once, in
// order, whatever MaxItems; a marker it did not issue is refused with
// InvalidInput or starts a page inside the results, never a panic.
func FuzzSimulateMarker(f *testing.F) {
	f.Add(uint8(5), int32(2), "")
	f.Add(uint8(0), int32(0), "0")
	f.Add(uint8(3), int32(-1), "-1")
	f.Add(uint8(3), int32(1), "4")
	f.Add(uint8(200), int32(1000), "99999999999999999999")
	f.Add(uint8(1), int32(1), "1e2")
	f.Fuzz(func(t *testing.T, count uint8, maxItems int32, marker string) {
		all := make([]*iamv1.EvaluationResult, count)
		for i := range all {
			name := strconv.Itoa(i)
			all[i] = &iamv1.EvaluationResult{EvalActionName: &name}
		}
		if out, err := paginate(all, maxItems, marker); err == nil {
			if len(out.EvaluationResults) > len(all) || out.IsTruncated == nil {
				t.Fatalf("marker %q: %d results of %d, truncated %v", marker, len(out.EvaluationResults), len(all), out.IsTruncated)
			}
		}
		seen, next := 0, ""
		for pages := 0; ; pages++ {
			if pages > len(all)+1 {
				t.Fatalf("%d results with MaxItems %d: no end", len(all), maxItems)
			}
			out, err := paginate(all, maxItems, next)
			if err != nil {
				t.Fatalf("issued marker %q: %v", next, err)
			}
			for _, r := range out.EvaluationResults {
				if r.GetEvalActionName() != strconv.Itoa(seen) {
					t.Fatalf("result %s where %d was due", r.GetEvalActionName(), seen)
				}
				seen++
			}
			if !out.GetIsTruncated() {
				break
			}
			next = out.GetMarker()
		}
		if seen != len(all) {
			t.Fatalf("%d of %d results seen", seen, len(all))
		}
	})
}
