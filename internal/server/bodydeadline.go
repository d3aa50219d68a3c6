package server

import (
	"errors"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/ibemu/ibemu/internal/awserr"
)

// DefaultBodyReadTimeout is how long a request body may go without a byte
// arriving before the request is answered RequestTimeout (400) and its
// connection closed. It is an idle limit, not a limit on the whole body: a
// slow but steady upload of a large S3 object is not cut off.
const DefaultBodyReadTimeout = 20 * time.Second

// DefaultMaxHeaderFields is the default cap on the number of header fields
// (counting each value of a repeated header) a request may carry.
const DefaultMaxHeaderFields = 256

// deadlineBody is a request body whose every Read must make progress within
// timeout: the connection's read deadline is moved before each Read, and
// cleared at the end of the body so net/http's own reads of the connection
// (the check for a client gone away, the next request) are not cut short.
type deadlineBody struct {
	body     io.ReadCloser
	rc       *http.ResponseController
	timeout  time.Duration
	timedOut bool
	done     bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	if !b.done {
		// A writer that cannot set deadlines (a test's recorder) leaves the
		// body without one.
		_ = b.rc.SetReadDeadline(time.Now().Add(b.timeout))
	}
	n, err := b.body.Read(p)
	switch {
	case err == nil:
	case errors.Is(err, io.EOF):
		if !b.done {
			b.done = true
			_ = b.rc.SetReadDeadline(time.Time{})
		}
	case errors.Is(err, os.ErrDeadlineExceeded):
		b.timedOut = true
	}
	return n, err
}

func (b *deadlineBody) Close() error { return b.body.Close() }

// withBodyDeadline puts r's body under the body-read timeout. Bodies known
// to be empty are left alone.
func (s *Server) withBodyDeadline(w http.ResponseWriter, r *http.Request) *deadlineBody {
	if s.opts.BodyReadTimeout < 0 || r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return nil
	}
	b := &deadlineBody{body: r.Body, rc: http.NewResponseController(w), timeout: s.opts.BodyReadTimeout}
	r.Body = b
	return b
}

// requestTimeout is S3's answer to a client that stops sending its body.
func requestTimeout() *awserr.Error {
	return awserr.New("RequestTimeout", http.StatusBadRequest, "Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed.")
}

// tooManyHeaders answers a request with more than MaxHeaderFields header
// fields.
func tooManyHeaders(limit int) *awserr.Error {
	return awserr.Newf("RequestHeaderSectionTooLarge", http.StatusBadRequest, "Your request header section exceeds the maximum allowed of %d header fields.", limit)
}

// headerFields counts r's header fields, each value of a repeated header
// once.
func headerFields(r *http.Request) int {
	n := 0
	for _, vs := range r.Header {
		n += len(vs)
	}
	return n
}
