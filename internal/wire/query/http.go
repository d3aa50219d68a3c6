package query

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"

	"google.golang.org/protobuf/proto"

	"github.com/ibemu/ibemu/internal/apimodel"
	"github.com/ibemu/ibemu/internal/awserr"
)

// ContentType is the media type of every Query protocol response, success
// or error, as IAM and STS send it.
const ContentType = "text/xml"

// RequestIDHeader carries the request id. The SDKs read the id they report
// from this header, not from the body.
const RequestIDHeader = "X-Amzn-Requestid"

// Status returns the HTTP status of an error response: the error's own, or
// 500 when it has none.
func Status(e *awserr.Error) int {
	if e.HTTPStatus < 400 || e.HTTPStatus > 599 {
		return http.StatusInternalServerError
	}
	return e.HTTPStatus
}

// bufPool recycles response buffers; oversized ones are dropped so that one
// huge response does not pin its memory.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

const maxPooledBuf = 1 << 20

// WriteOutput writes a 200 response with op's encoded output. A message of
// another type than op's output is a defect of the caller: it is answered
// with InternalFailure rather than sent as an empty result.
func WriteOutput(w http.ResponseWriter, svc *apimodel.Service, op *apimodel.Operation, msg proto.Message, requestID string) error {
	if msg != nil && (op.Output == nil || msg.ProtoReflect().Descriptor() != op.Output.Message) {
		return WriteError(w, svc, awserr.Internal(fmt.Errorf("query codec: %s answered with %s", op.Name, msg.ProtoReflect().Descriptor().FullName())), requestID)
	}
	bp := bufPool.Get().(*[]byte)
	*bp = AppendOutput((*bp)[:0], svc, op, msg, requestID)
	err := write(w, http.StatusOK, requestID, *bp)
	putBuf(bp)
	return err
}

// WriteError writes an error response for e.
func WriteError(w http.ResponseWriter, svc *apimodel.Service, e *awserr.Error, requestID string) error {
	bp := bufPool.Get().(*[]byte)
	*bp = AppendError((*bp)[:0], svc, e, requestID)
	err := write(w, Status(e), requestID, *bp)
	putBuf(bp)
	return err
}

func write(w http.ResponseWriter, status int, requestID string, body []byte) error {
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set(RequestIDHeader, requestID)
	w.WriteHeader(status)
	_, err := w.Write(body)
	return err
}

func putBuf(bp *[]byte) {
	if cap(*bp) > maxPooledBuf {
		return
	}
	*bp = (*bp)[:0]
	bufPool.Put(bp)
}
