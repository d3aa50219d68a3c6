package storage_test

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	// The durability test re-executes this binary as a writer that it kills;
	// in that role the process writes until killed and never runs tests.
	if path := os.Getenv(crashChildEnv); path != "" {
		os.Exit(runCrashChild(path))
	}
	// The creation test re-executes it as a process that dies at one step
	// of creating a file.
	if spec := os.Getenv(createCrashEnv); spec != "" {
		os.Exit(runCreateCrashChild(spec))
	}
	os.Exit(m.Run())
}
