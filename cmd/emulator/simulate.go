package main

import (
	"io"

	"github.com/ibemu/ibemu/internal/iam/simulate"
)

// simulateCustomPolicy evaluates policies offline, taking and printing what
// `aws iam simulate-custom-policy --cli-input-json` takes and prints. It
// runs the same engine the server enforces with.
func simulateCustomPolicy(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return simulate.Main(args, stdin, stdout, stderr)
}
