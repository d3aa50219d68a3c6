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
	// SignatureDoesNotMatch, RequestTimeTooSkewed, …) in <Error> documents.
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
	if f.Kind == KindInternal {
		return awserr.Internal(f)
	}
	row, ok := wireErrors[f.Kind]
	if !ok {
		return awserr.Internal(f)
	}
	msg := f.Message
	if p == Query || p == RESTXML { // TODO(issue 7): S3's own codes
		if f.Kind == KindMissingAuthentication {
			msg = msgMissingAuthenticationQuery
		}
		return awserr.New(row.queryCode, row.queryStatus, msg)
	}
	return awserr.New(row.restCode, row.restStatus, msg)
}
