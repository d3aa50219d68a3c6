package sigv4

import (
	"fmt"
	"strings"
	"time"
)

// Kind classifies why a request failed authentication. Each kind maps to one
// AWS error code per protocol (see AWSError).
type Kind int

const (
	// KindMissingAuthentication: neither an Authorization header nor
	// presigned query parameters were sent.
	KindMissingAuthentication Kind = iota + 1
	// KindIncompleteSignature: the signature is malformed or incomplete
	// (missing parts, bad algorithm, bad date, bad credential scope, …).
	KindIncompleteSignature
	// KindUnknownAccessKey: the access key id is not known.
	KindUnknownAccessKey
	// KindInvalidSecurityToken: the session token is missing, wrong, or sent
	// with long-term credentials.
	KindInvalidSecurityToken
	// KindSignatureMismatch: the signature (or its credential scope's
	// region or service) does not match.
	KindSignatureMismatch
	// KindRequestTimeTooSkewed: the request time is outside the allowed
	// clock skew, in the past ("Signature expired") or in the future
	// ("Signature not yet current").
	KindRequestTimeTooSkewed
	// KindPresignExpired: a presigned request is past its X-Amz-Expires.
	KindPresignExpired
	// KindExpiredToken: the temporary credentials have expired.
	KindExpiredToken
	// KindInternal: the credential store failed; nothing the client did.
	KindInternal
	// KindBadRequest: the request breaks a rule of the called service's
	// signing profile (S3: x-amz-content-sha256 missing or not a mode S3
	// knows). Failure.Code is the service's error code, sent with 400 in
	// every protocol.
	KindBadRequest
)

var kindNames = map[Kind]string{
	KindMissingAuthentication: "MissingAuthentication",
	KindIncompleteSignature:   "IncompleteSignature",
	KindUnknownAccessKey:      "UnknownAccessKey",
	KindInvalidSecurityToken:  "InvalidSecurityToken",
	KindSignatureMismatch:     "SignatureMismatch",
	KindRequestTimeTooSkewed:  "RequestTimeTooSkewed",
	KindPresignExpired:        "PresignExpired",
	KindExpiredToken:          "ExpiredToken",
	KindInternal:              "Internal",
	KindBadRequest:            "BadRequest",
}

func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Failure is a typed authentication failure. Message is the AWS wording for
// the REST-JSON protocol; AWSError adapts it to the protocol of the service
// called, and GRPCError does the same for a gRPC call to that service.
type Failure struct {
	Kind    Kind
	Message string
	// Code is the AWS error code of a KindBadRequest failure.
	Code string
	// Presigned reports that the signature was in the query string, which
	// S3 reports malformed as AuthorizationQueryParametersError rather than
	// AuthorizationHeaderMalformed.
	Presigned bool

	// CanonicalRequest and StringToSign are what the server computed, kept
	// for a signature mismatch so operators can explain it (they never
	// contain secrets). AWS does not send them; transports must not either.
	CanonicalRequest string
	StringToSign     string

	cause error
}

func (f *Failure) Error() string { return "sigv4: " + f.Kind.String() + ": " + f.Message }

// Unwrap exposes the internal cause of a KindInternal failure.
func (f *Failure) Unwrap() error { return f.cause }

// Fixed AWS messages.
const (
	msgMissingAuthenticationREST  = "Missing Authentication Token"
	msgMissingAuthenticationQuery = "Request is missing Authentication Token"
	msgInvalidToken               = "The security token included in the request is invalid."
	msgExpiredToken               = "The security token included in the request is expired"
	msgSignatureMismatch          = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgPresignExpired             = "Request has expired."
	msgHostNotSigned              = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
)

func failure(k Kind, msg string) *Failure { return &Failure{Kind: k, Message: msg} }

func incomplete(format string, args ...any) *Failure {
	return failure(KindIncompleteSignature, fmt.Sprintf(format, args...))
}

// MissingAuthentication is the failure for a request with no signature.
func MissingAuthentication() *Failure {
	return failure(KindMissingAuthentication, msgMissingAuthenticationREST)
}

// UnknownAccessKey is the failure for an access key id nobody issued.
func UnknownAccessKey() *Failure { return failure(KindUnknownAccessKey, msgInvalidToken) }

// InvalidSecurityToken is the failure for a missing or wrong session token.
func InvalidSecurityToken() *Failure { return failure(KindInvalidSecurityToken, msgInvalidToken) }

// ExpiredToken is the failure for temporary credentials past expiry.
func ExpiredToken() *Failure { return failure(KindExpiredToken, msgExpiredToken) }

// SignatureMismatch is the failure for a signature that does not verify.
func SignatureMismatch() *Failure { return failure(KindSignatureMismatch, msgSignatureMismatch) }

// WrongService is the failure for a credential scope naming another service.
// The trailing space is AWS's.
func WrongService(expected string) *Failure {
	return failure(KindSignatureMismatch, fmt.Sprintf("Credential should be scoped to correct service: '%s'. ", expected))
}

// WrongRegion is the failure for a credential scope without a valid region.
func WrongRegion() *Failure {
	return failure(KindSignatureMismatch, "Credential should be scoped to a valid region. ")
}

// UnsupportedSignatureVersion is the failure for a request signed with
// Signature Version 2: S3's InvalidRequest (400) naming the one mechanism
// accepted ("Authenticating Requests (AWS Signature Version 4)", Amazon
// S3 API Reference: S3 takes SigV4 only in every region opened since
// 2014, and SigV2 nowhere for new buckets).
func UnsupportedSignatureVersion() *Failure {
	return BadRequest("InvalidRequest", "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.")
}

// BadRequest is a KindBadRequest failure with the service's code.
func BadRequest(code, message string) *Failure {
	return &Failure{Kind: KindBadRequest, Code: code, Message: message}
}

// Internal wraps a credential-store error; the cause never reaches clients.
func Internal(cause error) *Failure {
	return &Failure{Kind: KindInternal, Message: "The request processing has failed because of an unknown error, exception or failure.", cause: cause}
}

const isoBasic = "20060102T150405Z"

func formatBasic(t time.Time) string { return t.UTC().Format(isoBasic) }

func skewMinutes(skew time.Duration) int64 { return int64(skew / time.Minute) }

// signatureExpired: the request time is older than now minus the skew.
func signatureExpired(reqTime, now time.Time, skew time.Duration) *Failure {
	return failure(KindRequestTimeTooSkewed, fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - %d min.)",
		formatBasic(reqTime), formatBasic(now.Add(-skew)), formatBasic(now), skewMinutes(skew)))
}

// signatureNotYetCurrent: the request time is later than now plus the skew.
func signatureNotYetCurrent(reqTime, now time.Time, skew time.Duration) *Failure {
	return failure(KindRequestTimeTooSkewed, fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + %d min.)",
		formatBasic(reqTime), formatBasic(now.Add(skew)), formatBasic(now), skewMinutes(skew)))
}

func presignExpired() *Failure { return failure(KindPresignExpired, msgPresignExpired) }

// missingHeaderParts lists every missing Authorization part the way AWS
// does, then echoes the header.
func missingHeaderParts(credential, signature, signedHeaders, date bool, header string) *Failure {
	var b strings.Builder
	add := func(s string) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s)
	}
	if credential {
		add("Authorization header requires 'Credential' parameter.")
	}
	if signature {
		add("Authorization header requires 'Signature' parameter.")
	}
	if signedHeaders {
		add("Authorization header requires 'SignedHeaders' parameter.")
	}
	if date {
		add("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	add("Authorization=" + header)
	return failure(KindIncompleteSignature, b.String())
}

// missingQueryParts lists every missing presigned query parameter.
func missingQueryParts(names []string) *Failure {
	var b strings.Builder
	for _, n := range names {
		b.WriteString("AWS query-string parameters must include '")
		b.WriteString(n)
		b.WriteString("'. ")
	}
	b.WriteString("Re-examine the query-string parameters.")
	return failure(KindIncompleteSignature, b.String())
}

// CheckWindow is the skew check with a window of its own: the failure
// (RequestTimeTooSkewed) when reqTime is more than window away from now,
// else nil.
func CheckWindow(reqTime, now time.Time, window time.Duration) *Failure {
	return checkSkew(reqTime, now, window)
}

// Replayed is the failure for a signature already used within its window
// (a signature mismatch to the client: the call must be signed anew).
func Replayed() *Failure {
	return failure(KindSignatureMismatch, "This signature has already been used. Sign every call anew, with a signed header that differs between calls (grpcsigv4 signs a random x-ibemu-nonce).")
}
