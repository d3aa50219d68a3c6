//go:build race

package sigv4

// raceEnabled: the race detector makes sync.Pool drop items at random, so
// allocation counts are not asserted.
const raceEnabled = true
