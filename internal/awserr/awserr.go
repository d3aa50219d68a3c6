// Package awserr holds the one error type every layer of the emulator returns.
//
// An *Error carries what AWS puts on the wire (code, message, HTTP status,
// sender or receiver fault) and what gRPC needs (a status code). Each
// transport converts it exactly once: REST-JSON writes X-Amzn-ErrorType and a
// JSON body, the Query protocol writes an <ErrorResponse>, gRPC writes a
// status with an ErrorInfo detail. Handlers never pick statuses by hand.
package awserr

import (
	"errors"
	"fmt"
	"net/http"

	"google.golang.org/grpc/codes"
)

// Error is an AWS-style API error.
type Error struct {
	// Code is the AWS error code, e.g. "ResourceNotFoundException" or
	// "AccessDenied". It is what SDK clients match on.
	Code string
	// Message is the human-readable text. It must never contain secrets.
	Message string
	// HTTPStatus is the status the AWS wire transports answer with.
	HTTPStatus int
	// GRPCCode overrides the gRPC status derived from HTTPStatus when set.
	GRPCCode codes.Code
	// Fields are further facts some protocols write with the error, as
	// name/value pairs in order: S3 writes each as an element of its
	// <Error> document (<Region> of AuthorizationHeaderMalformed). Other
	// protocols leave them out.
	Fields []Field
	// Headers are response headers the HTTP transport sets on the error
	// answer (S3's x-amz-bucket-region on a HeadBucket redirect).
	Headers []Field
	// cause is an internal error kept for logs; it never reaches the wire.
	cause error
}

// New returns an error with the given code, HTTP status and message.
func New(code string, status int, message string) *Error {
	return &Error{Code: code, Message: message, HTTPStatus: status}
}

// Newf is New with a formatted message.
func Newf(code string, status int, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), HTTPStatus: status}
}

func (e *Error) Error() string {
	if e.Message == "" {
		return e.Code
	}
	return e.Code + ": " + e.Message
}

// Unwrap exposes the internal cause (if any) to errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.cause }

// Field is one name/value pair of Error.Fields or Error.Headers.
type Field struct{ Name, Value string }

// WithField returns a copy of e with the field name=value appended.
func (e *Error) WithField(name, value string) *Error {
	cp := *e
	cp.Fields = append(append([]Field(nil), e.Fields...), Field{name, value})
	return &cp
}

// WithHeader returns a copy of e with the response header name: value.
func (e *Error) WithHeader(name, value string) *Error {
	cp := *e
	cp.Headers = append(append([]Field(nil), e.Headers...), Field{name, value})
	return &cp
}

// WithGRPCCode returns a copy of e whose gRPC status is c.
func (e *Error) WithGRPCCode(c codes.Code) *Error {
	cp := *e
	cp.GRPCCode = c
	return &cp
}

// Fault is "Sender" for 4xx errors and "Receiver" for 5xx, as the Query
// protocol's <Type> element spells it.
func (e *Error) Fault() string {
	if e.HTTPStatus >= 500 {
		return "Receiver"
	}
	return "Sender"
}

// GRPCStatusCode maps the error to a gRPC status code: the explicit override
// when set, otherwise a mapping from the HTTP status.
func (e *Error) GRPCStatusCode() codes.Code {
	if e.GRPCCode != codes.OK {
		return e.GRPCCode
	}
	switch e.HTTPStatus {
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		return codes.InvalidArgument
	case http.StatusUnauthorized:
		return codes.Unauthenticated
	case http.StatusForbidden:
		return codes.PermissionDenied
	case http.StatusNotFound:
		return codes.NotFound
	case http.StatusConflict:
		return codes.AlreadyExists
	case http.StatusTooManyRequests:
		return codes.ResourceExhausted
	case http.StatusNotImplemented:
		return codes.Unimplemented
	case http.StatusServiceUnavailable:
		return codes.Unavailable
	}
	if e.HTTPStatus >= 500 {
		return codes.Internal
	}
	return codes.FailedPrecondition
}

// As returns err as an *Error when it is (or wraps) one.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// Internal wraps an unexpected error as a 500 InternalFailure. The cause is
// kept for logging and never sent to the client.
func Internal(cause error) *Error {
	return &Error{
		Code:       "InternalFailure",
		Message:    "The request processing has failed because of an unknown error, exception or failure.",
		HTTPStatus: http.StatusInternalServerError,
		cause:      cause,
	}
}

// From converts any error to an *Error: an *Error passes through, anything
// else becomes Internal.
func From(err error) *Error {
	if err == nil {
		return nil
	}
	if e, ok := As(err); ok {
		return e
	}
	return Internal(err)
}

// Unsupported is the answer of an operation the emulator does not implement
// yet: an explicit error that names it, never a silent success.
func Unsupported(service, operation string) *Error {
	return &Error{
		Code:       "UnsupportedOperation",
		Message:    fmt.Sprintf("%s:%s is not implemented by this emulator yet", service, operation),
		HTTPStatus: http.StatusNotImplemented,
		GRPCCode:   codes.Unimplemented,
	}
}
