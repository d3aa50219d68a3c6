package imagebuilder

import (
	"strconv"
	"strings"
	"testing"
)

// parseARNSplit is parseARN as it was written with strings.Split, the
// reference the allocation-free version must agree with.
func parseARNSplit(arn string) (resourceARN, bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "imagebuilder" {
		return resourceARN{}, false
	}
	r := resourceARN{Partition: parts[1], Region: parts[3], Account: parts[4]}
	segs := strings.Split(parts[5], "/")
	if len(segs) > 0 && segs[0] == "workflow" && len(segs) > 1 {
		segs = append([]string{segs[0] + "/" + segs[1]}, segs[2:]...)
	}
	if len(segs) < 2 || len(segs) > 4 || segs[0] == "" || segs[1] == "" {
		return resourceARN{}, false
	}
	r.Type, r.Name = segs[0], segs[1]
	if len(segs) >= 3 {
		r.Version = segs[2]
	}
	if len(segs) == 4 {
		b, err := strconv.ParseUint(segs[3], 10, 32)
		if err != nil || b == 0 {
			return resourceARN{}, false
		}
		r.Build = uint32(b)
	}
	return r, true
}

var arnSamples = []string{
	"", "arn", "arn:aws", "arn:aws:imagebuilder:us-east-1:111122223333", "arn:aws:imagebuilder:us-east-1:111122223333:",
	"arn:aws:imagebuilder:us-east-1:111122223333:component", "arn:aws:imagebuilder:us-east-1:111122223333:component/",
	"arn:aws:imagebuilder:us-east-1:111122223333:component/c", "arn:aws:imagebuilder:us-east-1:111122223333:component/c/1.0.0",
	"arn:aws:imagebuilder:us-east-1:111122223333:component/c/1.0.0/1", "arn:aws:imagebuilder:us-east-1:111122223333:component/c/1.0.0/0",
	"arn:aws:imagebuilder:us-east-1:111122223333:component/c/1.0.0/1/x", "arn:aws:imagebuilder:us-east-1:111122223333:component/c/1.0.0/1/x/y",
	"arn:aws:imagebuilder:us-east-1:111122223333:component//1.0.0", "arn:aws:imagebuilder:us-east-1:111122223333:/c",
	"arn:aws:imagebuilder:us-east-1:aws:workflow/build/build-image/1.0.0/1", "arn:aws:imagebuilder:us-east-1:aws:workflow/build/build-image/1.0.0/1/2",
	"arn:aws:imagebuilder:us-east-1:aws:workflow/build/build-image", "arn:aws:imagebuilder:us-east-1:aws:workflow/build", "arn:aws:imagebuilder:us-east-1:aws:workflow",
	"arn:aws:imagebuilder:us-east-1:aws:workflow//x", "arn:aws:imagebuilder:us-east-1:aws:workflow/test/x/1.x.x",
	"arn:aws:imagebuilder:us-east-1:111122223333:component/c:with:colons/1.0.0", "arn:aws:s3:::bucket/key", "nra:aws:imagebuilder:r:a:component/c",
	"arn:aws:imagebuilder:us-east-1:111122223333:component/c/1.0.0/4294967296", "arn:aws:imagebuilder:us-east-1:111122223333:component/c/1.0.0/-1",
}

func TestParseARNMatchesSplit(t *testing.T) {
	for _, a := range arnSamples {
		want, wok := parseARNSplit(a)
		got, aerr := parseARN("arn", a)
		if (aerr == nil) != wok || got != want {
			t.Errorf("parseARN(%q) = %+v, %v; want %+v, ok %v", a, got, aerr, want, wok)
		}
	}
}

func FuzzParseARNMatchesSplit(f *testing.F) {
	for _, a := range arnSamples {
		f.Add(a)
	}
	f.Fuzz(func(t *testing.T, a string) {
		want, wok := parseARNSplit(a)
		got, aerr := parseARN("arn", a)
		if (aerr == nil) != wok || got != want {
			t.Errorf("parseARN(%q) = %+v, %v; want %+v, ok %v", a, got, aerr, want, wok)
		}
	})
}

func TestParseARNAllocs(t *testing.T) {
	a := "arn:aws:imagebuilder:us-east-1:111122223333:component/c/1.0.0/1"
	if n := testing.AllocsPerRun(100, func() { _, _ = parseARN("arn", a) }); n != 0 {
		t.Errorf("parseARN allocates %v times", n)
	}
}
