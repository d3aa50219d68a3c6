// Package awsjson is the generic codec of the awsJson1_1 protocol (AWS KMS),
// driven by the apimodel tables: every request is POST / with the operation
// named by the X-Amz-Target header ("TrentService.Encrypt", the service's
// TargetPrefix, a dot and the operation name) and the whole input structure
// as the JSON body; the output structure is the JSON response body. Errors
// are {"__type":"NotFoundException","message":"…"} with the code repeated in
// the X-Amzn-ErrorType header.
//
// Member values are encoded as in restJson1 (Smithy "AWS JSON 1.1 protocol":
// blobs base64, timestamps epoch seconds as JSON numbers, maps as objects,
// lists as arrays), so the member codec is restjson's; awsJson1_1 only has
// no HTTP bindings, so every member travels in the body.
package awsjson

import (
	"bytes"
	"net/http"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/ibemu/ibemu/internal/apimodel"
	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/wire/restjson"
)

// ContentType is the media type of awsJson1_1 requests and responses.
const ContentType = "application/x-amz-json-1.1"

// TargetHeader names the operation of a request.
const TargetHeader = "X-Amz-Target"

// Operation finds the operation an X-Amz-Target value names. A target of
// another service, or of no operation of this one, is
// UnknownOperationException (HTTP 400), as the AWS JSON services answer it.
func Operation(svc *apimodel.Service, target string) (*apimodel.Operation, *awserr.Error) {
	prefix, name, ok := strings.Cut(target, ".")
	if !ok || prefix != svc.TargetPrefix || name == "" {
		return nil, unknownOperation(target)
	}
	op, found := svc.Operation(name)
	if !found {
		return nil, unknownOperation(target)
	}
	return op, nil
}

func unknownOperation(target string) *awserr.Error {
	if target == "" {
		return awserr.New("UnknownOperationException", http.StatusBadRequest, "The request has no X-Amz-Target header naming the operation.")
	}
	return awserr.Newf("UnknownOperationException", http.StatusBadRequest, "%q is not an operation of this service.", target)
}

// DecodeInput fills msg, the operation's generated input message, from the
// JSON request body. An empty body is an empty input ({}); a body that is not
// a JSON object, or whose members do not have their modeled JSON types, is
// SerializationException (HTTP 400). Unknown members are ignored, as AWS
// services ignore them.
func DecodeInput(op *apimodel.Operation, body []byte, msg proto.Message) *awserr.Error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	return restjson.DecodeInput(op, restjson.Request{Body: body}, msg)
}

// AppendOutput appends the JSON body of the operation's output message.
func AppendOutput(buf []byte, op *apimodel.Operation, msg proto.Message) []byte {
	return restjson.AppendOutput(buf, op, msg)
}

// AppendError appends an error's JSON body: {"__type":CODE,"message":MSG}.
func AppendError(buf []byte, e *awserr.Error) []byte {
	buf = append(buf, `{"__type":`...)
	buf = restjson.AppendString(buf, e.Code)
	buf = append(buf, `,"message":`...)
	buf = restjson.AppendString(buf, e.Message)
	return append(buf, '}')
}

// SetErrorHeaders sets the headers of an error response: the content type and
// X-Amzn-ErrorType, which the SDKs read the code from first.
func SetErrorHeaders(h http.Header, e *awserr.Error) {
	h.Set("Content-Type", ContentType)
	h.Set("X-Amzn-ErrorType", e.Code)
}
