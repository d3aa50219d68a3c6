package server

import (
	"google.golang.org/protobuf/proto"

	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/wire/query"
)

// serveQuery serves an IAM or STS request in the AWS Query protocol.
func (rc *httpCall) serveQuery(c *callctx.Call, body []byte) {
	params, aerr := query.ParseParams(rc.r, body)
	if aerr != nil {
		rc.fail(aerr)
		return
	}
	svc := rc.api.Model()
	op, aerr := query.Operation(svc, params)
	if aerr != nil {
		rc.fail(aerr)
		return
	}
	out, err := rc.invoke(c, op, func(msg proto.Message) error {
		return decoded(query.DecodeInput(op, params, msg))
	})
	if err != nil {
		rc.fail(awserr.From(err))
		return
	}
	bp := outputBuffers.Get().(*[]byte)
	buf := query.AppendOutput((*bp)[:0], svc, op, out, rc.requestID)
	rc.write(op.HTTPCode, query.ContentType, buf)
	putOutputBuffer(bp, buf)
}

func (rc *httpCall) writeQueryError(e *awserr.Error) {
	rc.write(e.HTTPStatus, query.ContentType, query.AppendError(nil, rc.api.Model(), e, rc.requestID))
}
