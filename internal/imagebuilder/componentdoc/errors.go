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

// MessagePrefix starts every message about an invalid document.
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
}

func (e *ValidationError) Error() string { return MessagePrefix + e.Detail }

// AWSError converts the error to the wire error Image Builder returns.
func (e *ValidationError) AWSError() *awserr.Error {
	return awserr.New(ErrorCode, http.StatusBadRequest, e.Error())
}
