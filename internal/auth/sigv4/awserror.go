package sigv4

import (
	"net/http"

	"google.golang.org/grpc/codes"

	"github.com/ibemu/ibemu/internal/awserr"
)

// Protocol selects the AWS error vocabulary a failure is reported in: the
// wire protocol of the service that was called. The transport the call came
// over does not change the vocabulary: a gRPC call to STS fails with the
// same code as an HTTP call to STS (see GRPCError).
type Protocol int

const (
	// RESTJSON is Image Builder's protocol: "…Exception" codes.
	RESTJSON Protocol = iota + 1
	// Query is IAM's and STS's protocol: short codes, <ErrorResponse>.
	Query
	// GRPC is RESTJSON's vocabulary with the gRPC status Unauthenticated.
	//
	// Deprecated: it answers Image Builder's codes whatever service was
	// called. Use GRPCError with the called service's protocol.
	GRPC
	// RESTXML is S3's protocol: S3's own codes (InvalidAccessKeyId,
	// SignatureDoesNotMatch, RequestTimeTooSkewed, AccessDenied for an
	// unsigned request, …) in <Error> documents; see s3Errors.
	RESTXML
	// AWSJSON is KMS's protocol (awsJson1_1): the same "…Exception" codes
	// as REST-JSON.
	AWSJSON
)

func (p Protocol) String() string {
	switch p {
	case RESTJSON:
		return "REST-JSON"
	case Query:
		return "Query"
	case GRPC:
		return "gRPC"
	case RESTXML:
		return "REST-XML"
	case AWSJSON:
		return "AWS-JSON"
	}
	return "Protocol(?)"
}

// wireError is one row of the mapping: code and HTTP status per protocol.
type wireError struct {
	queryCode   string
	queryStatus int
	restCode    string
	restStatus  int
}

// wireErrors is the table of AWS codes and statuses per failure kind.
// Query codes and statuses follow what IAM/STS send (skew is reported as
// SignatureDoesNotMatch by STS, ExpiredToken is a 403); REST-JSON follows
// Image Builder's documented common errors and what REST-JSON services send.
var wireErrors = map[Kind]wireError{
	KindMissingAuthentication: {"MissingAuthenticationToken", http.StatusForbidden, "MissingAuthenticationTokenException", http.StatusForbidden},
	KindIncompleteSignature:   {"IncompleteSignature", http.StatusBadRequest, "IncompleteSignatureException", http.StatusForbidden},
	KindUnknownAccessKey:      {"InvalidClientTokenId", http.StatusForbidden, "UnrecognizedClientException", http.StatusForbidden},
	KindInvalidSecurityToken:  {"InvalidClientTokenId", http.StatusForbidden, "UnrecognizedClientException", http.StatusForbidden},
	KindSignatureMismatch:     {"SignatureDoesNotMatch", http.StatusForbidden, "InvalidSignatureException", http.StatusForbidden},
	KindRequestTimeTooSkewed:  {"SignatureDoesNotMatch", http.StatusForbidden, "InvalidSignatureException", http.StatusForbidden},
	KindPresignExpired:        {"RequestExpired", http.StatusBadRequest, "RequestExpired", http.StatusBadRequest},
	KindExpiredToken:          {"ExpiredToken", http.StatusForbidden, "ExpiredTokenException", http.StatusForbidden},
}

// s3Error is S3's answer to a failure kind ("Error Responses", Amazon S3
// API Reference): its code, status and fixed message ("" keeps the
// failure's own message).
type s3Error struct {
	code    string
	status  int
	message string
}

// s3Errors: S3 has its own vocabulary. An unsigned request is anonymous and
// denied; an expired presigned URL is AccessDenied "Request has expired";
// token errors are 400s.
var s3Errors = map[Kind]s3Error{
	KindMissingAuthentication: {"AccessDenied", http.StatusForbidden, "Access Denied"},
	KindIncompleteSignature:   {"AuthorizationHeaderMalformed", http.StatusBadRequest, ""},
	KindUnknownAccessKey:      {"InvalidAccessKeyId", http.StatusForbidden, "The AWS Access Key Id you provided does not exist in our records."},
	KindInvalidSecurityToken:  {"InvalidToken", http.StatusBadRequest, "The provided token is malformed or otherwise invalid."},
	KindSignatureMismatch:     {"SignatureDoesNotMatch", http.StatusForbidden, ""},
	KindRequestTimeTooSkewed:  {"RequestTimeTooSkewed", http.StatusForbidden, "The difference between the request time and the current time is too large."},
	KindPresignExpired:        {"AccessDenied", http.StatusForbidden, "Request has expired"},
	KindExpiredToken:          {"ExpiredToken", http.StatusBadRequest, "The provided token has expired."},
}

// msgSignatureMismatchS3 is S3's wording of a signature mismatch.
const msgSignatureMismatchS3 = "The request signature we calculated does not match the signature you provided. Check your key and signing method."

// s3AWSError maps a failure to S3's code, status and message.
func (f *Failure) s3AWSError() *awserr.Error {
	row, ok := s3Errors[f.Kind]
	if !ok {
		return awserr.Internal(f)
	}
	code, msg := row.code, row.message
	switch {
	case f.Kind == KindIncompleteSignature && f.Presigned:
		code = "AuthorizationQueryParametersError"
	case f.Kind == KindSignatureMismatch && f.Message == msgSignatureMismatch:
		msg = msgSignatureMismatchS3
	}
	if msg == "" {
		msg = f.Message
	}
	return awserr.New(code, row.status, msg)
}

// GRPCError converts the failure to the error a gRPC call to a service of
// protocol p answers: the code, message and HTTP status that service sends
// over HTTP, with the gRPC status Unauthenticated (InternalFailure keeps
// Internal: the credential store failed, not the caller).
func (f *Failure) GRPCError(p Protocol) *awserr.Error {
	e := f.AWSError(p)
	if e.HTTPStatus >= http.StatusInternalServerError {
		return e
	}
	return e.WithGRPCCode(codes.Unauthenticated)
}

// AWSError converts the failure to the error AWS sends for protocol p.
func (f *Failure) AWSError(p Protocol) *awserr.Error {
	if p == GRPC {
		return f.GRPCError(RESTJSON)
	}
	switch f.Kind {
	case KindInternal:
		return awserr.Internal(f)
	case KindBadRequest:
		return awserr.New(f.Code, http.StatusBadRequest, f.Message)
	}
	if p == RESTXML {
		return f.s3AWSError()
	}
	row, ok := wireErrors[f.Kind]
	if !ok {
		return awserr.Internal(f)
	}
	msg := f.Message
	if p == Query {
		if f.Kind == KindMissingAuthentication {
			msg = msgMissingAuthenticationQuery
		}
		return awserr.New(row.queryCode, row.queryStatus, msg)
	}
	return awserr.New(row.restCode, row.restStatus, msg)
}
