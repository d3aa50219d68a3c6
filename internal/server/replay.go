package server

import (
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc/metadata"

	"github.com/ibemu/ibemu/internal/auth/sigv4"
)

// GRPCReplayWindow is how far a gRPC call's signing time (x-amz-date) may
// be from the server's clock, either way. A gRPC signature covers the
// method, the authority, the time and the signed metadata but not the
// message, so a captured signature could carry another message; the
// server remembers every signature it accepted until its window closes and
// refuses it a second time. HTTP requests keep SigV4's 15 minutes: their
// signature covers the body.
const GRPCReplayWindow = 5 * time.Minute

// replayGuard remembers the gRPC signatures seen within the window.
type replayGuard struct {
	mu        sync.Mutex
	seen      map[string]time.Time // signature → when it leaves the window
	swept     time.Time
	sweepSize int
}

// check refuses a call signed outside the window or with a signature seen
// before, and otherwise remembers the signature.
func (g *replayGuard) check(md metadata.MD, reqTime, now time.Time) *sigv4.Failure {
	if f := sigv4.CheckWindow(reqTime, now, GRPCReplayWindow); f != nil {
		return f
	}
	sig := signatureOf(md)
	if sig == "" {
		return nil // authentication already refused an unsigned call
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.seen == nil {
		g.seen = map[string]time.Time{}
	}
	if until, ok := g.seen[sig]; ok && now.Before(until) {
		return sigv4.Replayed()
	}
	g.seen[sig] = reqTime.Add(GRPCReplayWindow)
	// Forget closed windows, at most once a minute or when the map has
	// doubled since the last sweep.
	if now.Sub(g.swept) > time.Minute || len(g.seen) > 2*max(g.sweepSize, 1024) {
		for s, until := range g.seen {
			if !now.Before(until) {
				delete(g.seen, s)
			}
		}
		g.swept, g.sweepSize = now, len(g.seen)
	}
	return nil
}

// signatureOf is the Signature= part of the authorization metadata.
func signatureOf(md metadata.MD) string {
	v := md.Get("authorization")
	if len(v) == 0 {
		return ""
	}
	_, sig, ok := strings.Cut(v[0], "Signature=")
	if !ok {
		return ""
	}
	sig, _, _ = strings.Cut(sig, ",")
	return strings.TrimSpace(sig)
}
