package server

import (
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ibemu/ibemu/internal/wire/awsjson"
	"github.com/ibemu/ibemu/internal/wire/query"
	"github.com/ibemu/ibemu/internal/wire/restjson"
	"github.com/ibemu/ibemu/internal/wire/restxml"
)

// Response headers without per-request allocations where the value repeats.
// A value slice set here may be shared by concurrent responses: net/http
// copies the handler's header map when the header is written and never
// changes the values in place, and nothing in this package does either.

// amznRequestIDKey is X-Amzn-RequestId in net/http's canonical form.
var amznRequestIDKey = http.CanonicalHeaderKey("X-Amzn-RequestId")

// contentTypes holds the value slices of the media types the codecs answer.
var contentTypes = map[string][]string{}

func init() {
	for _, ct := range []string{restjson.ContentType, awsjson.ContentType, query.ContentType, restxml.ContentType} {
		contentTypes[ct] = []string{ct}
	}
}

// headerValue is a header value slice for ct: a shared one for the codecs'
// media types, a new one otherwise.
func headerValue(ct string) []string {
	if v, ok := contentTypes[ct]; ok {
		return v
	}
	return []string{ct}
}

// lengthValue is a Content-Length value slice, for a body of n bytes.
type lengthValue struct {
	n     int
	value []string
}

// contentLengths remembers the last Content-Length value of each body
// length modulo its size: the answers of one operation on one resource
// have one length (request ids are all as long).
var contentLengths [512]atomic.Pointer[lengthValue]

// contentLengthValue is the Content-Length value slice of a body of n
// bytes: a shared one when the slot of n holds it.
func contentLengthValue(n int) []string {
	slot := &contentLengths[uint(n)%uint(len(contentLengths))]
	if lv := slot.Load(); lv != nil && lv.n == n {
		return lv.value
	}
	lv := &lengthValue{n: n, value: []string{strconv.Itoa(n)}}
	slot.Store(lv)
	return lv.value
}

// dateHeader is the Date header of one second, formatted once for every
// response of that second.
type dateHeader struct {
	sec   int64
	value []string
}

var lastDate atomic.Pointer[dateHeader]

// dateValue is the Date header value of now (RFC 1123 in GMT, as
// http.TimeFormat).
func dateValue(now time.Time) []string {
	sec := now.Unix()
	if d := lastDate.Load(); d != nil && d.sec == sec {
		return d.value
	}
	d := &dateHeader{sec: sec, value: []string{now.UTC().Format(http.TimeFormat)}}
	lastDate.Store(d)
	return d.value
}

// outputBuffers recycles the buffers response bodies are encoded into: the
// body is copied to the connection by the time write returns.
var outputBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// maxPooledOutput is the largest buffer put back: a rare huge answer is
// left to the garbage collector rather than kept for every later one.
const maxPooledOutput = 64 << 10

func putOutputBuffer(bp *[]byte, buf []byte) {
	if cap(buf) > maxPooledOutput {
		return
	}
	*bp = buf[:0]
	outputBuffers.Put(bp)
}
