package componentdoc

import (
	"net/http"

	"github.com/ibemu/ibemu/internal/awserr"
)

// ErrorCode is the code Image Builder answers an invalid document with.
// Reported CreateComponent failures read, for example:
// "InvalidParameterValueException: The value supplied for parameter 'data' is
// not valid. Invalid step name 'Install PowerShell' in phase 'build'. ..."
const ErrorCode = "InvalidParameterValueException"

// MessagePrefix starts every message about an invalid inline document (one
// read from S3 names 'uri' instead).
const MessagePrefix = "The value supplied for parameter 'data' is not valid. "

// ValidationError describes why a document was rejected.
type ValidationError struct {
	// Detail is the part of the message after MessagePrefix.
	Detail string
	// Phase and Step name where the problem is, when it is inside one.
	Phase string
	Step  string
	// Line is the 1-based YAML line of the offending node, 0 when unknown.
	Line int
	// Member is the request member the document came in: "" for data,
	// "uri" for a document read from S3.
	Member string
}

func (e *ValidationError) Error() string {
	if e.Member != "" && e.Member != "data" {
		return "The value supplied for parameter '" + e.Member + "' is not valid. " + e.Detail
	}
	return MessagePrefix + e.Detail
}

// FromSource marks err, when it is a *ValidationError, as about a document
// from src (its message then names src's member), and returns it.
func FromSource(err error, src Source) error {
	if ve, ok := err.(*ValidationError); ok && src != Inline {
		ve.Member = src.member()
	}
	return err
}

// AWSError converts the error to the wire error Image Builder returns.
func (e *ValidationError) AWSError() *awserr.Error {
	return awserr.New(ErrorCode, http.StatusBadRequest, e.Error())
}
