// Package grpcsigv4 signs gRPC calls with AWS Signature Version 4, so a gRPC
// client of the emulator authenticates exactly like an AWS SDK client:
//
//	cfg, _ := config.LoadDefaultConfig(ctx)
//	conn, _ := grpc.NewClient(addr,
//		grpc.WithTransportCredentials(insecure.NewCredentials()),
//		grpc.WithPerRPCCredentials(grpcsigv4.New(cfg.Credentials, cfg.Region)))
//
// # Convention
//
// Each RPC is signed as a virtual HTTP request:
//
//   - method POST, path the gRPC full method
//     ("/ibemu.imagebuilder.v1.Imagebuilder/CreateComponent"), no query;
//   - host the call's :authority (a default ":443" is dropped, as gRPC drops
//     it from the per-RPC credentials audience);
//   - payload hash UNSIGNED-PAYLOAD, because per-RPC credentials run before
//     the message is serialized and cannot see it;
//   - signed headers host, x-amz-content-sha256, x-amz-date, for
//     temporary credentials x-amz-security-token, and x-ibemu-nonce, 16
//     random bytes in hex that make every call's signature unique;
//   - signing name: the second dot-separated segment of the proto package
//     ("ibemu.imagebuilder.v1" → "imagebuilder", "ibemu.iam.v1" → "iam").
//
// The signature travels in the metadata keys authorization, x-amz-date,
// x-amz-content-sha256 and x-amz-security-token. The server rebuilds the same
// virtual request with RequestFromMetadata and verifies it with the same
// SigV4 verifier as the AWS wire endpoints.
//
// Because the message is not signed, the emulator closes the replay window
// instead: a call's x-amz-date must be within five minutes of the server's
// clock (not SigV4's fifteen), and a signature already accepted within that
// window is refused (InvalidSignatureException). A client that signs by
// this convention without a nonce can make the same call at most once per
// second.
package grpcsigv4
