package emulatortest

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Endpoint is what S3Client needs of an emulator: *emulator.Emulator and
// *Server have it.
type Endpoint interface {
	// HTTPURL is the AWS wire endpoint, http://127.0.0.1:PORT.
	HTTPURL() string
}

// S3Client returns an S3 client for cfg (from AWSConfig or
// AWSConfigWithCredentials, whose HTTP client reaches the emulator whatever
// the host name) that sends to emu in path style
// (http://localhost:PORT/BUCKET/KEY) or, as the SDK does by default, in
// virtual-hosted style (http://BUCKET.localhost:PORT/KEY). The emulator
// takes the bucket from a Host under "localhost" (see server.Options
// S3BaseHosts). Checksums are the SDK's defaults: CRC32 computed for
// uploads, response checksums validated when S3 returns them.
//
// It lives here, not on *emulator.Emulator, so that the emulator command
// does not link the SDK's S3 client.
func S3Client(emu Endpoint, cfg aws.Config, pathStyle bool, optFns ...func(*s3.Options)) *s3.Client {
	endpoint := strings.Replace(emu.HTTPURL(), "://127.0.0.1:", "://localhost:", 1)
	return s3.NewFromConfig(cfg, append([]func(*s3.Options){func(o *s3.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		o.UsePathStyle = pathStyle
	}}, optFns...)...)
}

// S3Client is the package's S3Client for this server.
func (s *Server) S3Client(cfg aws.Config, pathStyle bool, optFns ...func(*s3.Options)) *s3.Client {
	return S3Client(s, cfg, pathStyle, optFns...)
}
