// Package proto holds the emulator's API schema, generated from the official
// AWS Smithy models in models/ (a committed copy; see models/README.md).
//
// Regenerate with `go generate ./proto`.
package proto

//go:generate go run ../internal/codegen -root .
