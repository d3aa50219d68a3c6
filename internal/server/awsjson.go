package server

import (
	"net/http"

	"google.golang.org/protobuf/proto"

	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/wire/awsjson"
)

// serveAWSJSON serves a request of an awsJson1_1 API (KMS): POST / with the
// operation in X-Amz-Target and the input as the JSON body.
func (rc *httpCall) serveAWSJSON(c *callctx.Call, body []byte) {
	r := rc.r
	if r.Method != http.MethodPost || r.URL.Path != "/" {
		rc.fail(awserr.Newf("UnknownOperationException", http.StatusBadRequest, "%s requests are POST / with the operation in the X-Amz-Target header, not %s %s.", rc.api.Info.SDKID, r.Method, r.URL.Path))
		return
	}
	op, aerr := awsjson.Operation(rc.api.Model(), r.Header.Get(awsjson.TargetHeader))
	if aerr != nil {
		rc.fail(aerr)
		return
	}
	out, err := rc.invoke(c, op, func(msg proto.Message) error {
		return decoded(awsjson.DecodeInput(op, body, msg))
	})
	if err != nil {
		rc.fail(awserr.From(err))
		return
	}
	bp := outputBuffers.Get().(*[]byte)
	buf := awsjson.AppendOutput((*bp)[:0], op, out)
	rc.write(http.StatusOK, awsjson.ContentType, buf)
	putOutputBuffer(bp, buf)
}

// writeAWSJSONError writes an error of an awsJson1_1 API.
func (rc *httpCall) writeAWSJSONError(e *awserr.Error) {
	awsjson.SetErrorHeaders(rc.w.Header(), e)
	rc.write(e.HTTPStatus, awsjson.ContentType, awsjson.AppendError(nil, e))
}
