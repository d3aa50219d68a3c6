package emulator_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"

	"github.com/ibemu/ibemu/emulator/emulatortest"
)

// TestClientsReachTheEmulatorByAnyHostName: AWSConfig's HTTP client dials
// the emulator whatever host a request names, which virtual-hosted S3
// names (BUCKET.localhost:PORT) rely on; S3Client aims at localhost in the
// style asked for.
func TestClientsReachTheEmulatorByAnyHostName(t *testing.T) {
	t.Parallel()
	emu := emulatortest.Start(t)
	cfg := emu.AWSConfig("")
	_, port := splitPort(emu.HTTPURL())
	ib := newIB(cfg, func(o *imagebuilder.Options) {
		o.BaseEndpoint = aws.String("http://some-bucket.localhost:" + port)
	})
	if _, err := ib.ListComponents(testContext(t), &imagebuilder.ListComponentsInput{}); err != nil {
		t.Fatalf("by a name under localhost: %v", err)
	}
	for _, pathStyle := range []bool{true, false} {
		o := emulatortest.S3Client(emu, cfg, pathStyle).Options()
		if aws.ToString(o.BaseEndpoint) != "http://localhost:"+port || o.UsePathStyle != pathStyle {
			t.Errorf("S3Client(%v): endpoint %q path style %v", pathStyle, aws.ToString(o.BaseEndpoint), o.UsePathStyle)
		}
	}
}

func splitPort(url string) (string, string) {
	for i := len(url) - 1; i >= 0; i-- {
		if url[i] == ':' {
			return url[:i], url[i+1:]
		}
	}
	return url, ""
}
