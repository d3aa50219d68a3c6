package server

import (
	"context"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/ibemu/ibemu/internal/auth/sigv4"
	"github.com/ibemu/ibemu/internal/callctx"
)

// Decisions the request log line reports.
const (
	logAllow    = "allow"
	logDeny     = "deny"
	logSoftDeny = "softDeny"
	// logNone: the request was not authorized at all (it failed
	// authentication, or was malformed before it could be).
	logNone = "none"
)

// requestLog is what one request's log line says, gathered as it is served.
type requestLog struct {
	transport string
	requestID string
	start     time.Time // wall clock, for the latency
	service   string
	operation string
	call      *callctx.Call
	status    int
	code      string // AWS error code; "" on success
	auth      *sigv4.Failure
}

type requestLogKey struct{}

// accessDenied reports an AWS error code that is an authorization denial.
func accessDenied(code string) bool {
	return code == "AccessDenied" || code == "AccessDeniedException"
}

// decision is allow, deny, softDeny or none.
func (l *requestLog) decision() string {
	switch {
	case accessDenied(l.code):
		return logDeny
	case l.call == nil || l.call.Principal.ARN == "":
		return logNone
	case len(l.call.WouldDeny()) > 0:
		return logSoftDeny
	}
	return logAllow
}

// action is service:Operation, as far as it is known.
func (l *requestLog) action() string {
	svc, op := l.service, l.operation
	if l.call != nil {
		if l.call.Service != "" {
			svc = l.call.Service
		}
		if l.call.Operation != "" {
			op = l.call.Operation
		}
	}
	if op == "" {
		return svc
	}
	return svc + ":" + op
}

// logRequest writes the request's one line at info level and, for a
// signature mismatch, the canonical request and string to sign the server
// computed at debug level (with session tokens redacted; the secret key
// and the signing key never reach them).
func (s *Server) logRequest(ctx context.Context, l *requestLog) {
	if !s.log.Enabled(ctx, slog.LevelInfo) {
		// Nothing to build: the debug line below is of a lower level.
		return
	}
	principal := ""
	if l.call != nil {
		principal = l.call.Principal.ARN
	}
	attrs := []slog.Attr{
		slog.String("request_id", l.requestID),
		slog.String("transport", l.transport),
		slog.String("principal", principal),
		slog.String("action", l.action()),
		slog.String("decision", l.decision()),
		slog.Int("status", l.status),
	}
	if l.code != "" {
		attrs = append(attrs, slog.String("code", l.code))
	}
	if l.auth != nil {
		attrs = append(attrs, slog.String("auth_failure", l.auth.Kind.String()), slog.String("reason", l.auth.Message))
	}
	attrs = append(attrs, slog.Duration("latency", time.Since(l.start)))
	s.log.LogAttrs(ctx, slog.LevelInfo, "request", attrs...)
	if l.auth != nil && (l.auth.CanonicalRequest != "" || l.auth.StringToSign != "") {
		s.log.LogAttrs(ctx, slog.LevelDebug, "signature mismatch: what the server computed",
			slog.String("request_id", l.requestID),
			slog.String("canonical_request", RedactCanonical(l.auth.CanonicalRequest)),
			slog.String("string_to_sign", l.auth.StringToSign))
	}
}

var (
	tokenHeader = regexp.MustCompile(`(?im)^(x-amz-security-token:).*$`)
	tokenQuery  = regexp.MustCompile(`(?i)(X-Amz-Security-Token=)[^&\n]*`)
)

// RedactCanonical removes session tokens from a canonical request (a
// signed x-amz-security-token header or presigned query parameter): they
// are credentials, and logs must not hold them.
func RedactCanonical(cr string) string {
	if !strings.Contains(strings.ToLower(cr), "security-token") {
		return cr
	}
	cr = tokenHeader.ReplaceAllString(cr, "${1}<redacted>")
	return tokenQuery.ReplaceAllString(cr, "${1}<redacted>")
}

// grpcMethod names a gRPC method's service and operation for the log:
// from the registered API when there is one, else from the method's name.
func (s *Server) grpcMethod(fullMethod string) (service, op string) {
	if rt, ok := s.route(fullMethod); ok {
		return rt.api.Info.SigningName, rt.op.Name
	}
	rest := strings.TrimPrefix(fullMethod, "/")
	svc, op, _ := strings.Cut(rest, "/")
	if parts := strings.Split(svc, "."); len(parts) >= 2 {
		svc = parts[1] // ibemu.admin.v1.Admin → admin
	}
	return svc, op
}
