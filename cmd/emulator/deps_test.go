package main

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestServerLinksNoSDKServiceClient: the emulator command does not link
// any aws-sdk-go-v2 service client (service/iam, s3, kms, sts,
// imagebuilder…). Their packages build schema and endpoint tables when the
// process starts, which costs the server start-up time and resident memory
// for nothing (docs/bench-startmem.md). Seeds are applied through the
// emulator's own handler and simulate-principal-policy speaks the Query
// protocol itself; tests reach S3 through emulatortest.S3Client. The core
// packages (aws, credentials, the SigV4 signer) may stay.
func TestServerLinksNoSDKServiceClient(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").Output()
	if err != nil {
		if _, missing := err.(*exec.Error); missing {
			t.Skipf("no go tool to list the dependencies: %v", err)
		}
		t.Fatalf("go list -deps: %v", err)
	}
	var linked []string
	for _, p := range strings.Fields(string(out)) {
		if strings.HasPrefix(p, "github.com/aws/aws-sdk-go-v2/service/") {
			linked = append(linked, p)
		}
	}
	if len(linked) > 0 {
		t.Errorf("cmd/emulator links SDK service packages (move the code that imports them into tests or emulatortest):\n  %s", strings.Join(linked, "\n  "))
	}
}
