//go:build !linux

package storage

// newImage is the in-memory build of a new file, which needs a memfd: on
// this system create builds the file on disk.
func newImage(Options) ([]byte, error) { return nil, nil }
