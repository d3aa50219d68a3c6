package main

import (
	"fmt"
	"io"
)

// simulateCustomPolicy evaluates policies offline, taking and printing what
// `aws iam simulate-custom-policy --cli-input-json` takes and prints.
func simulateCustomPolicy(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "emulator simulate-custom-policy: the policy engine is not wired in yet")
	return 1
}
