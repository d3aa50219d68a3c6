// Package sigv4 verifies AWS Signature Version 4 on the server side.
//
// It mirrors the structure of aws-sdk-go-v2's v4 signer, step by step, but
// runs it on a request as it arrived: canonical URI (canonical_uri.go),
// canonical query (canonical_query.go), canonical headers
// (canonical_headers.go), canonical request and string to sign
// (canonical_request.go), signing key (signing_key.go). Time is always passed
// in. Both signature forms are read: the Authorization header
// (authorization.go) and presigned query strings (presign.go).
//
// Canonicalization follows AWS's rules. For every service except S3 the raw
// request path is normalized (dot segments removed, repeated slashes
// collapsed, trailing slash kept) and URI-encoded once; query parameters are
// decoded, re-encoded and sorted by encoded key then value; header values are
// trimmed, runs of spaces collapsed, repeated headers joined with ',' in
// received order. It is checked against AWS's SigV4 test suite
// (testdata/sigv4-test-suite). For S3 (credential scope service "s3") the
// path is not normalized, only escaped canonically once. Signed streaming
// payloads (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]) get a ChunkChain in
// the Result to verify chunk and trailer signatures with the derived key.
//
// Failures are *Failure values of a Kind, with AWS's messages; AWSError maps
// one to the code and HTTP status AWS sends for a protocol (Query for IAM and
// STS, REST-JSON for Image Builder, REST-XML with S3's own codes, AWS-JSON
// for KMS, gRPC).
package sigv4
