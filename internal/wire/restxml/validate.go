package restxml

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/ibemu/ibemu/internal/apimodel"
	"github.com/ibemu/ibemu/internal/awserr"
)

// ValidationError renders the model constraint violations of an input of
// shape in as S3 answers them, or returns nil when S3 would not refuse the
// request for them. S3 has no ValidationException; it answers:
//
//   - a missing payload document (PutBucketPolicy with no body):
//     MissingRequestBodyError, "Request Body is empty";
//   - a missing element of an XML document (Delete without Object):
//     MalformedXML;
//   - a missing header or query parameter, or a value out of its length,
//     pattern or range: InvalidArgument (400), or InvalidRequest for a
//     missing one, naming it.
//
// Enum values are refused here only in the headers of refusedEnums, each
// with S3's code for it; S3 ignores the other enum headers' unknown values
// (x-amz-request-payer other than "requester", x-amz-checksum-mode other
// than ENABLED) and the S3 service checks the enums of documents it uses.
func ValidationError(in *apimodel.Shape, vs []apimodel.Violation) *awserr.Error {
	for _, v := range vs {
		if len(v.Path) == 0 {
			continue
		}
		top, ok := in.Member(v.Path[0].Member)
		if !ok {
			continue
		}
		name := top.LocationName
		if name == "" {
			name = top.ElementName()
		}
		if v.Kind == apimodel.NotInEnum {
			if r, ok := refusedEnums[v.Shape.Name]; ok && len(v.Path) == 1 && top.Location == apimodel.Header {
				return awserr.New(r.code, http.StatusBadRequest, strings.ReplaceAll(r.message, "{header}", name))
			}
			continue
		}
		if v.Kind == apimodel.Missing {
			switch {
			case top.Location == apimodel.Payload && len(v.Path) == 1:
				return awserr.New("MissingRequestBodyError", http.StatusBadRequest, "Request Body is empty")
			case top.Location == apimodel.Payload || top.Location == apimodel.Body:
				return MalformedXML()
			case top.Location == apimodel.Header:
				return awserr.Newf("InvalidRequest", http.StatusBadRequest, "Missing required header for this request: %s", name)
			default:
				return awserr.Newf("InvalidRequest", http.StatusBadRequest, "Missing required parameter for this request: %s", name)
			}
		}
		if top.Location == apimodel.Payload || top.Location == apimodel.Body {
			return MalformedXML()
		}
		return awserr.Newf("InvalidArgument", http.StatusBadRequest, "%s", argumentMessage(name, v))
	}
	return nil
}

// refusedEnums are the enum shapes whose headers S3 refuses an unknown
// value of, with its code and message ({header} is the header's name).
var refusedEnums = map[string]struct{ code, message string }{
	"StorageClass":              {"InvalidStorageClass", "The storage class you specified is not valid"},
	"ObjectCannedACL":           {"InvalidArgument", "Invalid {header} header value."},
	"BucketCannedACL":           {"InvalidArgument", "Invalid {header} header value."},
	"ObjectOwnership":           {"InvalidArgument", "Invalid {header} header value."},
	"BucketNamespace":           {"InvalidArgument", "Invalid {header} header value."},
	"ObjectLockMode":            {"InvalidArgument", "Unknown wormMode directive."},
	"ObjectLockLegalHoldStatus": {"InvalidArgument", "Legal Hold must be either of 'ON' or 'OFF'"},
	"ChecksumAlgorithm":         {"InvalidRequest", "Value for {header} header is invalid."},
	"ChecksumType":              {"InvalidRequest", "Value for {header} header is invalid."},
}

func argumentMessage(name string, v apimodel.Violation) string {
	sh := v.Shape
	switch v.Kind {
	case apimodel.TooShort:
		return fmt.Sprintf("%s must be at least %d characters long.", name, *sh.MinLength)
	case apimodel.TooLong:
		return fmt.Sprintf("%s must be at most %d characters long.", name, *sh.MaxLength)
	case apimodel.TooSmall:
		return fmt.Sprintf("%s must be greater than or equal to %g.", name, *sh.MinValue)
	case apimodel.TooLarge:
		return fmt.Sprintf("%s must be less than or equal to %g.", name, *sh.MaxValue)
	}
	return fmt.Sprintf("The value of %s is not valid.", name)
}
