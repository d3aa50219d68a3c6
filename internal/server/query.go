package server

import (
	"mime"
	"net/http"
	"net/url"

	"google.golang.org/protobuf/proto"

	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/wire/query"
)

// serveQuery serves an IAM or STS request in the AWS Query protocol.
func (rc *httpCall) serveQuery(c *callctx.Call, body []byte) {
	params, aerr := queryParams(rc.r, body)
	if aerr != nil {
		rc.fail(aerr)
		return
	}
	svc := rc.api.Model
	op, aerr := query.Operation(svc, params)
	if aerr != nil {
		rc.fail(aerr)
		return
	}
	out, err := rc.invoke(c, op, func(msg proto.Message) *awserr.Error {
		return query.DecodeInput(op, params, msg)
	})
	if err != nil {
		rc.fail(awserr.From(err))
		return
	}
	rc.write(op.HTTPCode, query.ContentType, query.AppendOutput(make([]byte, 0, 512), svc, op, out, rc.requestID))
}

func (rc *httpCall) writeQueryError(e *awserr.Error) {
	rc.write(e.HTTPStatus, query.ContentType, query.AppendError(nil, rc.api.Model, e, rc.requestID))
}

// queryParams merges the URL query with a form-encoded body.
func queryParams(r *http.Request, body []byte) (url.Values, *awserr.Error) {
	params, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, awserr.Newf("MalformedQueryString", http.StatusBadRequest, "The query string is malformed: %v", err)
	}
	if len(body) == 0 {
		return params, nil
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, awserr.Newf("MalformedQueryString", http.StatusBadRequest, "The request body must be application/x-www-form-urlencoded.")
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, awserr.Newf("MalformedQueryString", http.StatusBadRequest, "The request body is not a valid form: %v", err)
	}
	for k, vs := range form {
		params[k] = append(params[k], vs...)
	}
	return params, nil
}
