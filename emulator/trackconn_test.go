package emulator

import (
	"log/slog"
	"net"
	"net/http"
	"testing"
)

// fakeConn is a net.Conn that only counts Close.
type fakeConn struct {
	net.Conn
	closed int
}

func (c *fakeConn) Close() error { c.closed++; return nil }

// trackConn keeps exactly the connections that have not begun a request,
// whether a later state takes the locked path (others wait) or the
// lock-free one (none waits), and shutdown closes only those.
func TestTrackConnKeepsOnlyNewConnections(t *testing.T) {
	e := &Emulator{cfg: Config{Logger: slog.New(slog.DiscardHandler)}, newConns: map[net.Conn]struct{}{}}
	a, b, c, d := &fakeConn{}, &fakeConn{}, &fakeConn{}, &fakeConn{}
	check := func(step string, want ...net.Conn) {
		t.Helper()
		if len(e.newConns) != len(want) || e.nNew.Load() != int64(len(want)) {
			t.Fatalf("%s: %d kept, nNew %d, want %d", step, len(e.newConns), e.nNew.Load(), len(want))
		}
		for _, w := range want {
			if _, ok := e.newConns[w]; !ok {
				t.Fatalf("%s: %p not kept", step, w)
			}
		}
	}
	e.trackConn(a, http.StateNew)
	e.trackConn(b, http.StateNew)
	check("two new", a, b)
	e.trackConn(a, http.StateActive) // locked: b waits
	e.trackConn(a, http.StateIdle)
	check("a active", b)
	e.trackConn(b, http.StateActive)
	check("b active")
	e.trackConn(a, http.StateActive) // lock-free: none waits
	e.trackConn(b, http.StateIdle)
	check("keep-alive")
	e.trackConn(c, http.StateNew)
	e.trackConn(a, http.StateClosed) // locked again, a not kept
	check("c new", c)
	e.closeNewConns()
	check("shut down")
	if a.closed+b.closed != 0 || c.closed != 1 {
		t.Fatalf("closed a %d, b %d, c %d; want only c once", a.closed, b.closed, c.closed)
	}
	e.trackConn(d, http.StateNew)
	check("new after shutdown")
	if d.closed != 1 {
		t.Fatalf("a connection accepted during shutdown was not closed")
	}
	e.trackConn(c, http.StateClosed)
	e.trackConn(d, http.StateClosed)
	check("closed")
}
