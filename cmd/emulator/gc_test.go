package main

import (
	"runtime/debug"
	"testing"
)

// TestTuneGCLeavesTheUsersSetting: the emulator's GC target applies only
// where the environment does not set GOGC.
func TestTuneGCLeavesTheUsersSetting(t *testing.T) {
	percent := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(percent) })

	env := func(vars map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	}
	if !tuneGC(env(nil)) {
		t.Fatal("GOGC unset: the GC percent was not changed")
	}
	if got := debug.SetGCPercent(100); got != defaultGCPercent {
		t.Errorf("GOGC unset: GC percent %d, want %d", got, defaultGCPercent)
	}
	if tuneGC(env(map[string]string{"GOGC": "50"})) {
		t.Fatal("GOGC set: the GC percent was changed")
	}
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC set: GC percent %d, want it left at 100", got)
	}
}
