package server

import (
	"net/http"
	"strconv"

	"github.com/ibemu/ibemu/internal/wire/restjson"
)

// serveHealth answers GET /_emulator/health without authentication:
// 200 {"status":"ok","version":"…","services":[…]} once ready, 503 before.
func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusMethodNotAllowed)
		_, _ = w.Write([]byte(`{"message":"The health endpoint answers GET and HEAD."}` + "\n"))
		return
	}
	status, code := "ok", http.StatusOK
	if !s.ready.Load() {
		status, code = "starting", http.StatusServiceUnavailable
	}
	body := []byte(`{"status":`)
	body = restjson.AppendString(body, status)
	body = append(body, `,"version":`...)
	body = restjson.AppendString(body, s.opts.Version)
	body = append(body, `,"services":[`...)
	for i, name := range s.Services() {
		if i > 0 {
			body = append(body, ',')
		}
		body = restjson.AppendString(body, name)
	}
	body = append(body, "]}\n"...)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	if r.Method == http.MethodGet {
		_, _ = w.Write(body)
	}
}
