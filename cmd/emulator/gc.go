package main

import (
	"runtime/debug"
)

// defaultGCPercent is the garbage collector's target the emulator runs with
// unless GOGC is set: the heap may grow to four times what is live before a
// collection, instead of Go's twice. Under load (GetComponent by an IAM
// user at 8 clients, docs/bench-reqpath.md) this halves the CPU the
// collector's mark workers take (about 10% of the server's CPU to about
// 5%). The emulator's live heap is small, so the price is a few MiB; idle
// memory (mostly the mapped binary) does not change. No memory limit is
// set with it: a limit below a large live heap would make the collector
// run far more often than Go's default, the opposite of the aim. GOGC and
// GOMEMLIMIT set by the user are left as the runtime applied them.
const defaultGCPercent = 300

// tuneGC applies defaultGCPercent unless the user's environment (lookup,
// os.LookupEnv in the program) sets GOGC. It reports whether it did.
func tuneGC(lookup func(string) (string, bool)) bool {
	if _, set := lookup("GOGC"); set {
		return false
	}
	debug.SetGCPercent(defaultGCPercent)
	return true
}
