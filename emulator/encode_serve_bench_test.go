package emulator

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// discardWriter is a ResponseWriter that keeps nothing but the status: the
// server's work on a request without the network and net/http's own.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(code int)        { w.status = code }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }

// BenchmarkGetComponentIAMUserServeHTTP is BenchmarkGetComponentIAMUserRawHTTPLogOff's
// request handed straight to the server's ServeHTTP: what the emulator
// itself spends per GetComponent (authentication, authorization, the
// handler, encoding), without the client, the loopback and net/http, whose
// cost and noise dwarf it on a shared machine.
func BenchmarkGetComponentIAMUserServeHTTP(b *testing.B) {
	f := newEnforcementFixture(b, false, true)
	req, err := http.NewRequest("GET", f.emu.HTTPURL()+"/GetComponent?componentBuildVersionArn="+url.QueryEscape(f.component), nil)
	if err != nil {
		b.Fatal(err)
	}
	const emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	if err := v4.NewSigner().SignHTTP(context.Background(), f.key, req, emptyHash, "imagebuilder", DefaultRegion, time.Now()); err != nil {
		b.Fatal(err)
	}
	req.RemoteAddr = "127.0.0.1:50000"
	req.RequestURI = req.URL.RequestURI()
	req.Body = http.NoBody
	w := &discardWriter{}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w.h, w.status = http.Header{}, 0
		f.emu.srv.ServeHTTP(w, req)
		if w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
	}
}
