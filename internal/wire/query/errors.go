package query

import (
	"fmt"
	"net/http"

	"github.com/ibemu/ibemu/internal/awserr"
)

// Error codes this codec answers with. They are AWS's common Query API error
// codes; the SDKs surface them as generic API errors.
const (
	// CodeMissingAction: the request names no Action.
	CodeMissingAction = "MissingAction"
	// CodeInvalidAction: the Action is not an operation of the service at the
	// requested Version.
	CodeInvalidAction = "InvalidAction"
	// CodeMalformedInput: a parameter cannot be read as its member's type
	// (number, boolean, timestamp, base64, list index) or is ambiguous.
	CodeMalformedInput = "MalformedInput"
	// CodeMalformedQueryString: the form or query string is not valid
	// percent-encoding. AWS documents it with HTTP status 404.
	CodeMalformedQueryString = "MalformedQueryString"
	// CodeRequestEntityTooLarge: the body is over the limit ReadParams was
	// given (HTTP 413).
	CodeRequestEntityTooLarge = "RequestEntityTooLarge"
)

// maxEcho bounds how much of an untrusted name or value an error message
// quotes back.
const maxEcho = 128

func echo(s string) string {
	if len(s) <= maxEcho {
		return s
	}
	// Cut on a rune boundary so the message stays valid UTF-8.
	cut := maxEcho
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "..."
}

func missingAction() *awserr.Error {
	return awserr.New(CodeMissingAction, http.StatusBadRequest, "Missing Action")
}

func invalidAction(action, version string) *awserr.Error {
	return awserr.Newf(CodeInvalidAction, http.StatusBadRequest,
		"Could not find operation %s for version %s", echo(action), echo(version))
}

func malformed(format string, args ...any) *awserr.Error {
	return awserr.Newf(CodeMalformedInput, http.StatusBadRequest, format, args...)
}

func duplicateParam(name string) *awserr.Error {
	return malformed("Parameter %s is given more than once.", echo(name))
}

func badIndex(name, index string) *awserr.Error {
	return malformed("Parameter %s: %s is not a valid index; indexes run from 1 to %d.",
		echo(name), echo(index), MaxListIndex)
}

func tooManyParams(n int) *awserr.Error {
	return awserr.Newf(CodeMalformedInput, http.StatusBadRequest,
		"The request has %d parameters; at most %d are accepted.", n, MaxParams)
}

// badValue reports a value that does not parse as its member's type. Values
// of sensitive shapes are never quoted.
func badValue(name, value string, sensitive bool, what string) *awserr.Error {
	if sensitive {
		return malformed("The value of parameter %s is not %s.", echo(name), what)
	}
	return malformed("Value '%s' for parameter %s is not %s.", echo(value), echo(name), what)
}

func internalf(format string, args ...any) *awserr.Error {
	return awserr.Internal(fmt.Errorf("query codec: "+format, args...))
}
