package main

import (
	"fmt"
	"os/exec"
	"syscall"
	"time"
)

// initFloor is the resident memory of the emulator's binary once Go has
// initialised its packages and before the emulator has done any work of its
// own: the binary runs simulate-custom-policy, which parses its flags and
// then waits to read its input from a pipe that the tool holds open. This is
// the floor under scenario e's idle figure: what linking gRPC, protobuf, the
// generated models and the SDK's signer costs before a listener exists. The
// kernel maps a binary's pages 64 KiB around each one first touched (fault
// around), so the figure follows how many 64 KiB windows of the binary the
// package initialisers reach, not how much they allocate.
//
// The reading is taken once VmRSS has stayed the same for five polls 20 ms
// apart (at most 3 s): the process is then blocked on its input.
func (t *tool) initFloor() (int64, error) {
	cmd := exec.Command(t.emuBin, "simulate-custom-policy", "--cli-input-json", "-")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	in, err := cmd.StdinPipe()
	if err != nil {
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() {
		// An empty input ends it with a usage error; the status is not
		// what is measured.
		in.Close()
		_ = cmd.Wait()
	}()
	var last int64
	same := 0
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); {
		rss, _, err := memory(cmd.Process.Pid)
		if err != nil {
			return 0, fmt.Errorf("reading the floor process's memory: %w", err)
		}
		if rss == last {
			if same++; same == 5 {
				return rss, nil
			}
		} else {
			last, same = rss, 0
		}
		time.Sleep(20 * time.Millisecond)
	}
	return 0, fmt.Errorf("the floor process's memory did not settle within 3s (last %s)", mib(last))
}
