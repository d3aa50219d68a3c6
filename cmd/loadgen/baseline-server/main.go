// Command baseline-server is the do-nothing HTTP server loadgen measures
// the emulator against: 200 and a small JSON body for every request, no
// authentication. loadgen builds and starts it; "loadgen baseline-server"
// runs the same server from the loadgen binary.
package main

import (
	"os"

	"github.com/ibemu/ibemu/cmd/loadgen/internal/baseline"
)

func main() { os.Exit(baseline.Main(os.Args[1:])) }
