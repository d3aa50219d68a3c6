package server

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ibemu/ibemu/internal/apimodel"
	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/auth/sigv4"
	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/wire/restjson"
	"github.com/ibemu/ibemu/internal/wire/restxml"
)

// HealthPath answers 200 with a small JSON body once the server is ready.
const HealthPath = "/_emulator/health"

// InternalPrefix starts the emulator's own paths; no AWS API uses it.
const InternalPrefix = "/_emulator/"

// ServeHTTP is the AWS wire endpoint. One listener serves every API; the
// SigV4 credential scope's service name picks the API, and the API's
// protocol picks the codec.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc := &httpCall{s: s, w: w, r: r}
	rc.requestIDHeader = newRequestIDHeader()
	rc.requestID = rc.requestIDHeader[0]
	defer func() {
		if p := recover(); p != nil {
			s.logPanic(r.Context(), p)
			rc.fail(awserr.Internal(fmt.Errorf("panic: %v", p)))
		}
	}()
	if r.URL.Path != HealthPath && !strings.HasPrefix(r.URL.Path, InternalPrefix) {
		if s.log.Enabled(r.Context(), slog.LevelDebug) {
			// From here a shutdown drains the request (net/http may still
			// drop one whose headers it read as the shutdown began).
			s.log.LogAttrs(r.Context(), slog.LevelDebug, "request started", slog.String("remote", r.RemoteAddr), slog.String("method", r.Method), slog.String("path", r.URL.Path))
		}
		rc.logLine = requestLog{transport: "http", start: time.Now()}
		rc.log = &rc.logLine
		defer func() {
			rc.log.requestID, rc.log.call, rc.log.status = rc.requestID, rc.call, rc.status
			if rc.api != nil {
				rc.log.service = rc.api.Info.SigningName
			}
			rc.log.operation = rc.op
			s.logRequest(r.Context(), rc.log)
		}()
	}
	if r.URL.Path == HealthPath {
		s.serveHealth(w, r)
		return
	}
	if r.URL.Path == InternalPrefix[:len(InternalPrefix)-1] {
		// "/_emulator" typed without its slash: no bucket may be named
		// "_emulator", so this is never an S3 request.
		if s.opts.Internal == nil {
			http.NotFound(w, r)
			return
		}
		http.Redirect(w, r, InternalPrefix, http.StatusMovedPermanently)
		return
	}
	if strings.HasPrefix(r.URL.Path, InternalPrefix) {
		if s.opts.Internal == nil {
			http.NotFound(w, r)
			return
		}
		s.opts.Internal.ServeHTTP(w, r)
		return
	}
	if headerFields(r) > s.opts.MaxHeaderFields {
		rc.setAPI(s.guessAPI(r, nil))
		rc.fail(tooManyHeaders(s.opts.MaxHeaderFields))
		return
	}
	rc.body = s.withBodyDeadline(w, r)
	rc.serve()
}

// setAPI sets the API an unauthenticated request is answered as; an S3
// answer gets an S3-style request id.
func (rc *httpCall) setAPI(api *API) {
	rc.api = api
	if api != nil {
		api.link()
	}
	if api != nil && api.Info.Protocol == apimodel.RESTXML {
		rc.setS3RequestID()
	}
}

// setS3RequestID gives the request an S3-style request id.
func (rc *httpCall) setS3RequestID() {
	rc.requestID, rc.requestIDHeader = newS3RequestID(), nil
}

// httpCall is one AWS wire request in flight.
type httpCall struct {
	s         *Server
	w         http.ResponseWriter
	r         *http.Request
	requestID string
	// requestIDHeader is the x-amzn-RequestId value (requestID); nil for
	// an S3 request id.
	requestIDHeader []string
	api             *API // nil until known; errors before then use guessProtocol
	written         bool
	status          int
	op              string
	labels          restxml.Labels // restXml: the URI labels, named in errors
	call            *callctx.Call  // the authenticated call, once there is one: &callStore
	callStore       callctx.Call
	body            *deadlineBody // the body under the body-read timeout, if any
	log             *requestLog   // the request's log line, filled in as it is served; nil or &logLine
	logLine         requestLog
}

// WouldDenyHeader names, on an HTTP response, the actions soft enforcement
// (--enforce=soft) allowed although the policies denied them, joined by
// ", " (for example "imagebuilder:GetComponent, iam:PassRole"). It is
// absent when nothing was soft-denied.
const WouldDenyHeader = "X-Ibemu-Would-Deny"

// WouldDenyMetadata is the gRPC response header of the same meaning.
const WouldDenyMetadata = "x-ibemu-would-deny"

func (rc *httpCall) serve() {
	s, r := rc.s, rc.r
	start := rc.startTime()
	scoped := s.apiForScope(r)
	if scoped != nil && scoped.Info.Protocol == apimodel.RESTXML {
		// S3 bodies are objects: authenticate first, read after. S3's
		// request ids have their own form (decision lookups take any).
		rc.api = scoped
		scoped.link()
		rc.setS3RequestID()
		rc.serveRESTXMLStreaming(scoped)
		return
	}
	body, aerr := rc.readBody()
	if aerr != nil {
		rc.setAPI(s.guessAPI(r, nil))
		rc.fail(aerr)
		return
	}
	if api := scoped; api != nil {
		rc.api = api
		api.link()
	} else {
		rc.setAPI(s.guessAPI(r, body))
	}
	ident, failure := s.opts.Auth.AuthenticateHTTP(r, body)
	if failure != nil {
		rc.noteAuthFailure(failure)
		rc.fail(failure.AWSError(rc.protocol()))
		return
	}
	api, ok := s.bySigner[ident.Service]
	if !ok || api.Info.Protocol == apimodel.RESTXML {
		// A restXml API is reached only through a credential scope read
		// before the body; anything else is not a request to it.
		rc.fail(unrecognizedService(s, ident.Service))
		return
	}
	rc.api = api
	api.link()
	rc.dispatch(start, ident, body)
}

// startTime is the time the call is made at: the clock's now, or, with
// the real clock, the time the request's log line started (read a few
// hundred nanoseconds before, as ServeHTTP began) rather than the clock
// read again.
func (rc *httpCall) startTime() time.Time {
	if rc.s.realClock && rc.log != nil {
		return rc.log.start
	}
	return rc.s.now()
}

func unrecognizedService(s *Server, service string) *awserr.Error {
	return awserr.Newf("UnrecognizedServiceException", http.StatusBadRequest, "This endpoint does not serve the service %q named in the credential scope; it serves %s.", service, strings.Join(s.Services(), ", "))
}

// newCall describes the authenticated call for the layers below.
// It is made once per request, inside rc (one allocation for both).
func (rc *httpCall) newCall(start time.Time, ident *auth.Identity) *callctx.Call {
	c := &rc.callStore
	c.RequestID = rc.requestID
	c.Service = rc.api.Info.SigningName
	c.Region = ident.Region
	c.Account = ident.Principal.AccountID
	c.Principal = ident.Principal
	c.Time = start
	c.Transport = "http"
	c.SourceIP, c.SecureTransport = httpSource(rc.r)
	rc.call = c
	return c
}

// dispatch serves an authenticated request whose body was read, in the
// protocol of rc.api.
func (rc *httpCall) dispatch(start time.Time, ident *auth.Identity, body []byte) {
	api := rc.api
	c := rc.newCall(start, ident)
	switch api.Info.Protocol {
	case apimodel.RESTJSON1:
		rc.serveRESTJSON(c, body)
	case apimodel.AWSQuery:
		rc.serveQuery(c, body)
	case apimodel.AWSJSON11:
		rc.serveAWSJSON(c, body)
	default:
		rc.fail(awserr.Internal(fmt.Errorf("server: %s: unsupported protocol", api.Info.Name)))
	}
}

// noteAuthFailure keeps an authentication failure for the request's log line.
func (rc *httpCall) noteAuthFailure(f *sigv4.Failure) {
	if rc.log != nil {
		rc.log.auth = f
	}
}

func (rc *httpCall) readBody() ([]byte, *awserr.Error) {
	if rc.r.Body == nil || rc.r.Body == http.NoBody {
		// No body at all (a GET without Content-Length or chunking):
		// nothing to read, nor to time out on.
		return nil, nil
	}
	limit := rc.s.opts.MaxBodyBytes
	if rc.r.ContentLength > limit {
		return nil, bodyTooLarge(limit)
	}
	body, err := io.ReadAll(http.MaxBytesReader(rc.w, rc.r.Body, limit))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, bodyTooLarge(limit)
		}
		return nil, awserr.Newf("IncompleteBody", http.StatusBadRequest, "The request body could not be read: %v", err)
	}
	return body, nil
}

func bodyTooLarge(limit int64) *awserr.Error {
	return awserr.Newf("RequestEntityTooLargeException", http.StatusRequestEntityTooLarge, "The request body exceeds the maximum size of %d bytes.", limit)
}

// invoke runs an operation through the shared interceptor chain and its
// implementation, as its generated gRPC handler would (see directCall), so
// the HTTP path shares the chain and the implementation with gRPC. decode
// fills in the new input message it is given; it does not escape.
func (rc *httpCall) invoke(c *callctx.Call, op *apimodel.Operation, decode func(msg proto.Message) error) (proto.Message, error) {
	dc := rc.api.calls[op.Name]
	c.Operation = op.Name
	rc.op = op.Name
	ctx := callctx.With(rc.r.Context(), c)
	in := dc.newInput()
	if err := decode(in); err != nil {
		return nil, err
	}
	out, err := rc.s.interceptRoute(ctx, dc.rt, dc.info, in, dc.handler)
	if err != nil {
		return nil, err
	}
	msg, ok := out.(proto.Message)
	if !ok || msg == nil {
		return nil, awserr.Internal(fmt.Errorf("server: %s returned %T", op.Name, out))
	}
	return msg, nil
}

func (rc *httpCall) serveRESTJSON(c *callctx.Call, body []byte) {
	r := rc.r
	op, labels, pathFound := rc.api.rest.Match(r.Method, r.URL.EscapedPath())
	if op == nil {
		if pathFound {
			rc.fail(awserr.Newf("UnknownOperationException", http.StatusNotFound, "The operation at %s does not accept the method %s.", r.URL.Path, r.Method))
		} else {
			rc.fail(awserr.Newf("UnknownOperationException", http.StatusNotFound, "%s %s is not an operation of %s.", r.Method, r.URL.Path, rc.api.Info.SDKID))
		}
		return
	}
	query, err := restjson.ParseQuery(r.URL.RawQuery)
	if err != nil {
		rc.fail(awserr.Newf("MalformedQueryString", http.StatusBadRequest, "The query string is malformed: %v", err))
		return
	}
	out, err := rc.invoke(c, op, func(msg proto.Message) error {
		return decoded(restjson.DecodeInput(op, restjson.Request{Labels: labels, RawQuery: query, Header: r.Header, Body: body}, msg))
	})
	if err != nil {
		rc.fail(awserr.From(err))
		return
	}
	bp := outputBuffers.Get().(*[]byte)
	buf := restjson.AppendOutput((*bp)[:0], op, out)
	rc.write(op.HTTPCode, restjson.ContentType, buf)
	putOutputBuffer(bp, buf)
}

// decoded is a decoder's answer as the error a generated handler's decode
// function returns: nil, not a nil *awserr.Error, when there is none.
func decoded(aerr *awserr.Error) error {
	if aerr != nil {
		return aerr
	}
	return nil
}

func (rc *httpCall) protocol() sigv4.Protocol {
	if rc.api == nil {
		return sigv4.RESTJSON
	}
	return rc.api.sigv4Protocol()
}

// serverFault reports an error worth an operator's attention: a 5xx other
// than 501, which only says an operation is not built yet.
func serverFault(e *awserr.Error) bool {
	return e.HTTPStatus >= 500 && e.HTTPStatus != http.StatusNotImplemented
}

// fail writes err in the protocol of the API the request addresses.
func (rc *httpCall) fail(e *awserr.Error) {
	if rc.written {
		return
	}
	if rc.body != nil && rc.body.timedOut {
		// However the reader reported it, the body stopped arriving.
		e = requestTimeout()
		rc.w.Header().Set("Connection", "close")
	}
	if serverFault(e) {
		rc.s.log.Error("request failed", "request_id", rc.requestID, "operation", rc.op, "code", e.Code, "error", errors.Unwrap(e))
	}
	if rc.log != nil {
		rc.log.code = e.Code
	}
	if rc.api != nil && rc.api.Info.Protocol == apimodel.AWSQuery {
		rc.writeQueryError(e)
		return
	}
	if rc.api != nil && rc.api.Info.Protocol == apimodel.RESTXML {
		rc.writeRESTXMLError(e)
		return
	}
	if rc.api != nil && rc.api.Info.Protocol == apimodel.AWSJSON11 {
		rc.writeAWSJSONError(e)
		return
	}
	restjson.SetErrorHeaders(rc.w.Header(), e)
	rc.write(e.HTTPStatus, restjson.ContentType, restjson.AppendError(nil, e))
}

func (rc *httpCall) write(status int, contentType string, body []byte) {
	h := rc.w.Header()
	h["Content-Type"] = headerValue(contentType)
	h["Content-Length"] = contentLengthValue(len(body))
	rc.setCommonHeaders()
	rc.w.WriteHeader(status)
	if rc.r.Method != http.MethodHead {
		_, _ = rc.w.Write(body)
	}
	rc.written, rc.status = true, status
}

// setCommonHeaders sets the request id (x-amzn-requestid; for restXml,
// S3's x-amz-request-id and x-amz-id-2) and the Date header, from which the
// SDKs correct their clock skew.
func (rc *httpCall) setCommonHeaders() {
	h := rc.w.Header()
	if rc.api != nil && rc.api.Info.Protocol == apimodel.RESTXML {
		h.Set(s3RequestIDHeader, rc.requestID)
		h.Set(s3HostIDHeader, hostID(rc.requestID))
	} else if rc.requestIDHeader != nil {
		h[amznRequestIDKey] = rc.requestIDHeader
	} else {
		h[amznRequestIDKey] = []string{rc.requestID}
	}
	h["Date"] = dateValue(rc.s.now())
	if rc.call != nil {
		if wd := rc.call.WouldDeny(); len(wd) > 0 {
			h.Set(WouldDenyHeader, strings.Join(wd, ", "))
		}
	}
}

// apiForScope finds the API named by the credential scope of the request's
// signature, before the signature is verified, to answer in its protocol.
func (s *Server) apiForScope(r *http.Request) *API {
	cred := ""
	// r.Header.Get("Authorization") without canonicalizing the name.
	if v := r.Header["Authorization"]; len(v) > 0 && v[0] != "" {
		h := v[0]
		if i := strings.Index(h, "Credential="); i >= 0 {
			cred = h[i+len("Credential="):]
			// Up to the first ',' or ' ' (strings.IndexAny(cred, ", ")).
			if j := strings.IndexByte(cred, ','); j >= 0 {
				cred = cred[:j]
			}
			if j := strings.IndexByte(cred, ' '); j >= 0 {
				cred = cred[:j]
			}
		}
	} else {
		cred = r.URL.Query().Get("X-Amz-Credential")
	}
	service, ok := scopeService(cred)
	if !ok {
		return nil
	}
	return s.bySigner[service]
}

// scopeService is the service of a credential scope,
// AKID/date/region/service/aws4_request: the fourth of exactly five parts
// split by "/"; ok is false when there are not five. The same answer as
// strings.Count and three strings.Cut, in one pass of IndexByte: this runs
// for every request.
func scopeService(cred string) (service string, ok bool) {
	var slash [4]int
	rest, off := cred, 0
	for n := range slash {
		i := strings.IndexByte(rest, '/')
		if i < 0 {
			return "", false
		}
		slash[n] = off + i
		off += i + 1
		rest = rest[i+1:]
	}
	if strings.IndexByte(rest, '/') >= 0 {
		return "", false
	}
	return cred[slash[2]+1 : slash[3]], true
}

// guessAPI picks the API whose error format an unauthenticated request
// most likely expects: the awsJson1_1 API whose TargetPrefix X-Amz-Target
// names (TrentService.Encrypt: KMS), Query for form posts and ?Action=,
// restJson1 for its routes, else restXml (S3) when registered.
func (s *Server) guessAPI(r *http.Request, body []byte) *API {
	if prefix, _, ok := strings.Cut(r.Header.Get("X-Amz-Target"), "."); ok {
		for _, a := range s.apis {
			if a.Info.Protocol == apimodel.AWSJSON11 && a.Info.TargetPrefix == prefix {
				return a
			}
		}
	}
	wantQuery := strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") || r.URL.Query().Has("Action")
	var fallback *API
	for _, a := range s.apis {
		if (a.Info.Protocol == apimodel.AWSQuery) != wantQuery {
			continue
		}
		if fallback == nil {
			fallback = a
		}
		if wantQuery && s.actionIn(a, r, body) {
			return a
		}
	}
	if !wantQuery && r.Header.Get("X-Amz-Target") == "" {
		// An unsigned request no restJson1 route takes is most likely an
		// S3 request (anonymous GET of an object, a browser).
		if xml := s.restXMLAPI(); xml != nil && !s.restJSONRoutes(r) {
			return xml
		}
	}
	if fallback == nil && len(s.apis) > 0 {
		fallback = s.apis[0]
	}
	return fallback
}

func (s *Server) restXMLAPI() *API {
	for _, a := range s.apis {
		if a.Info.Protocol == apimodel.RESTXML {
			return a
		}
	}
	return nil
}

func (s *Server) restJSONRoutes(r *http.Request) bool {
	for _, a := range s.apis {
		if a.Info.Protocol != apimodel.RESTJSON1 {
			continue
		}
		a.Model() // builds the router
		if _, _, found := a.rest.Match(r.Method, r.URL.EscapedPath()); found {
			return true
		}
	}
	return false
}

func (s *Server) actionIn(a *API, r *http.Request, body []byte) bool {
	action := r.URL.Query().Get("Action")
	if action == "" && body != nil {
		if i := strings.Index(string(body), "Action="); i >= 0 {
			action = string(body[i+len("Action="):])
			if j := strings.IndexByte(action, '&'); j >= 0 {
				action = action[:j]
			}
		}
	}
	_, ok := a.Model().Operation(action)
	return ok
}
