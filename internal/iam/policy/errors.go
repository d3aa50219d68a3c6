package policy

import "net/http"

// Error is a policy validation error with the AWS error code the API layer
// returns for it (MalformedPolicyDocument, LimitExceeded, ValidationError).
type Error struct {
	code    string
	message string
	status  int
}

// Code is the AWS error code, e.g. "MalformedPolicyDocument".
func (e *Error) Code() string { return e.code }

// Message is the human-readable text AWS puts in the error.
func (e *Error) Message() string { return e.message }

// HTTPStatus is the status IAM answers with for this error.
func (e *Error) HTTPStatus() int { return e.status }

func (e *Error) Error() string { return e.code + ": " + e.message }

// malformed builds a MalformedPolicyDocument error.
func malformed(msg string) *Error {
	return &Error{code: "MalformedPolicyDocument", message: msg, status: http.StatusBadRequest}
}

// syntaxError is AWS's generic "Syntax errors in policy." followed by what is wrong.
func syntaxError(detail string) *Error {
	if detail == "" {
		return malformed("Syntax errors in policy.")
	}
	return malformed("Syntax errors in policy. " + detail)
}

func limitExceeded(msg string) *Error {
	return &Error{code: "LimitExceeded", message: msg, status: http.StatusConflict}
}

func validationError(msg string) *Error {
	return &Error{code: "ValidationError", message: msg, status: http.StatusBadRequest}
}
