// Package web serves the emulator's local web page under /_emulator/: the
// live decision log (server-sent events from the decision store), the
// explanation of one request, and each image build as a timeline of its
// states and of the checks it made.
//
// The pages are rendered on the server with html/template, which escapes
// everything they show (principals, actions, resources and policies are
// user data); a little plain JavaScript (EventSource) adds live rows. No
// external assets are loaded. The pages are unauthenticated: the emulator
// serves them only on a loopback listener unless told otherwise.
package web

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/ibemu/ibemu/internal/authz"
	"github.com/ibemu/ibemu/internal/imagebuilder"
	adminv1 "github.com/ibemu/ibemu/proto/admin/v1"
)

// Paths served by Handler.
const (
	// IndexPath is the page: live decisions and recent builds.
	IndexPath = "/_emulator/"
	// EventsPath streams decisions as server-sent events, filtered by the
	// query parameters principal, action and decision.
	EventsPath = "/_emulator/events"
	// RequestPath + REQUEST_ID explains the decisions of one request.
	RequestPath = "/_emulator/requests/"
	// BuildPath + REQUEST_ID draws the build that request started.
	BuildPath = "/_emulator/builds/"
)

// maxRows is how many decisions and builds the page lists.
const maxRows = 100

// BuildHistories finds the timeline of the build a request started.
type BuildHistories interface {
	BuildHistory(ctx context.Context, account, region, requestID string) (*imagebuilder.BuildHistory, bool, error)
}

// Options configure Handler.
type Options struct {
	// Store is the decision log; required.
	Store *authz.Store
	// Builds finds build timelines; nil shows builds without states.
	Builds BuildHistories
	// Next serves the other paths under /_emulator/ (the decision log's
	// JSON endpoints); nil answers them 404.
	Next http.Handler
	// Clock is the time the page's "recent" window is measured against;
	// nil means time.Now.
	Clock func() time.Time
	// Shutdown is closed when the server begins to shut down: the event
	// streams, which never end by themselves, end then instead of holding
	// the drain. nil never ends them.
	Shutdown <-chan struct{}
}

type handler struct {
	o Options
}

// Handler returns the handler of the page's paths, passing the others to
// o.Next.
func Handler(o Options) http.Handler {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Next == nil {
		o.Next = http.NotFoundHandler()
	}
	return &handler{o: o}
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	mine := p == IndexPath || p == EventsPath || strings.HasPrefix(p, RequestPath) || strings.HasPrefix(p, BuildPath)
	if !mine {
		h.o.Next.ServeHTTP(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	// The pages are local tools: no framing by other sites, no caching.
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; form-action 'self'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	switch {
	case p == IndexPath:
		h.index(w, r)
	case p == EventsPath:
		h.events(w, r)
	case strings.HasPrefix(p, RequestPath):
		h.request(w, r, strings.TrimPrefix(p, RequestPath))
	default:
		h.build(w, r, strings.TrimPrefix(p, BuildPath))
	}
}

// row is a decision as the page lists it (and as an event carries it).
type row struct {
	ID        string `json:"id"`
	Time      string `json:"time"`
	RequestID string `json:"requestId"`
	Principal string `json:"principal"`
	Action    string `json:"action"`
	Resource  string `json:"resource"`
	Check     string `json:"check,omitempty"`
	Outcome   string `json:"outcome"`
	Class     string `json:"class"`
}

func toRow(d *adminv1.Decision) row {
	return row{
		ID: d.GetId(), Time: time.Unix(0, d.GetTimeUnixNano()).UTC().Format("15:04:05.000"),
		RequestID: d.GetRequestId(), Principal: d.GetPrincipal(), Action: d.GetAction(),
		Resource: d.GetResource(), Check: d.GetCheck(), Outcome: d.GetOutcome(), Class: outcomeClass(d.GetOutcome()),
	}
}

// outcomeClass is the CSS class of an outcome: allow, soft or deny.
func outcomeClass(o string) string {
	switch o {
	case "allowed":
		return "allow"
	case authz.SoftDeny:
		return "soft"
	}
	return "deny"
}

// filters are the page's filter form values.
type filters struct {
	Principal, Action, Decision string
}

func (f filters) query() string {
	q := url.Values{}
	if f.Principal != "" {
		q.Set("principal", f.Principal)
	}
	if f.Action != "" {
		q.Set("action", f.Action)
	}
	if f.Decision != "" {
		q.Set("decision", f.Decision)
	}
	return q.Encode()
}

func (h *handler) filter(r *http.Request) (filters, authz.Filter, error) {
	q := r.URL.Query()
	fs := filters{Principal: strings.TrimSpace(q.Get("principal")), Action: strings.TrimSpace(q.Get("action")), Decision: q.Get("decision")}
	f, err := authz.ParseFilter(fs.Principal, fs.Action, fs.Decision, "", "", h.o.Clock())
	return fs, f, err
}

// recent returns the last n decisions matching f, oldest first.
func (h *handler) recent(ctx context.Context, f authz.Filter, n int) ([]*adminv1.Decision, error) {
	var out []*adminv1.Decision
	after := ""
	for pages := 0; pages < 200; pages++ {
		rs, next, err := h.o.Store.List(ctx, f, after, 1000)
		if err != nil {
			return nil, err
		}
		out = append(out, rs...)
		if len(out) > n {
			out = out[len(out)-n:]
		}
		if next == "" {
			break
		}
		after = next
	}
	return out, nil
}

type buildRow struct {
	RequestID, Time, Principal, Action, Outcome, Class, Link string
}

func buildLink(d *adminv1.Decision) string {
	q := url.Values{"account": {d.GetAccountId()}, "region": {d.GetRegion()}}
	return BuildPath + url.PathEscape(d.GetRequestId()) + "?" + q.Encode()
}

func (h *handler) index(w http.ResponseWriter, r *http.Request) {
	fs, f, err := h.filter(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ds, err := h.recent(r.Context(), f, maxRows)
	if err != nil {
		http.Error(w, "read the decision log: "+err.Error(), http.StatusInternalServerError)
		return
	}
	rows := make([]row, 0, len(ds))
	for i := len(ds) - 1; i >= 0; i-- { // newest first
		rows = append(rows, toRow(ds[i]))
	}
	var builds []buildRow
	for _, action := range []string{"imagebuilder:CreateImage", "imagebuilder:StartImagePipelineExecution"} {
		bs, err := h.recent(r.Context(), authz.Filter{Action: action}, maxRows)
		if err != nil {
			http.Error(w, "read the decision log: "+err.Error(), http.StatusInternalServerError)
			return
		}
		for _, d := range bs {
			if d.GetCheck() != "" || d.GetOperation() != strings.TrimPrefix(action, "imagebuilder:") {
				continue
			}
			builds = append(builds, buildRow{RequestID: d.GetRequestId(), Time: time.Unix(0, d.GetTimeUnixNano()).UTC().Format(time.RFC3339),
				Principal: d.GetPrincipal(), Action: d.GetAction(), Outcome: d.GetOutcome(), Class: outcomeClass(d.GetOutcome()), Link: buildLink(d)})
		}
	}
	sort.SliceStable(builds, func(i, j int) bool { return builds[i].Time > builds[j].Time })
	if len(builds) > maxRows {
		builds = builds[:maxRows]
	}
	h.render(w, indexTmpl(), map[string]any{
		"Title": "Decisions", "Filters": fs, "Rows": rows, "Builds": builds,
		"EventsURL": EventsPath + "?" + fs.query(), "RequestPath": RequestPath,
	})
}

// events streams decisions matching the filter as server-sent events named
// "decision", each carrying a row as JSON.
func (h *handler) events(w http.ResponseWriter, r *http.Request) {
	_, f, err := h.filter(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming is not supported by this connection", http.StatusInternalServerError)
		return
	}
	ch, cancel := h.o.Store.Watch(f)
	defer cancel()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	// A comment opens the stream at once, so the browser reports it open.
	if _, err := fmt.Fprint(w, ": decisions\n\n"); err != nil {
		return
	}
	fl.Flush()
	keepAlive := time.NewTicker(15 * time.Second)
	defer keepAlive.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-h.o.Shutdown:
			// Returning completes the response (the final chunk) and the
			// shutting-down server closes the connection: the client sees
			// the stream end cleanly. The comment says why.
			if _, err := fmt.Fprint(w, ": the emulator is shutting down\n\n"); err == nil {
				fl.Flush()
			}
			return
		case <-keepAlive.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return
			}
			fl.Flush()
		case d, open := <-ch:
			if !open {
				return
			}
			raw, err := json.Marshal(toRow(d))
			if err != nil {
				continue
			}
			// JSON has no raw newlines, so one data line carries it.
			if _, err := fmt.Fprintf(w, "event: decision\nid: %s\ndata: %s\n\n", d.GetId(), raw); err != nil {
				return
			}
			fl.Flush()
		}
	}
}

// fixView is a suggested fix as the explanation page shows it.
type fixView struct {
	Text, Statement string
}

type decisionView struct {
	Row         row
	Call        string
	Policy      string
	Message     string
	Explanation string
	Fixes       []fixView
}

func validID(id string) bool {
	return id != "" && len(id) <= 256 && !strings.ContainsAny(id, "/\x00")
}

func (h *handler) request(w http.ResponseWriter, r *http.Request, id string) {
	if !validID(id) {
		http.NotFound(w, r)
		return
	}
	ds, err := h.o.Store.ByRequestID(r.Context(), id)
	if err != nil {
		http.Error(w, "read the decision log: "+err.Error(), http.StatusInternalServerError)
		return
	}
	if len(ds) == 0 {
		w.WriteHeader(http.StatusNotFound)
	}
	h.render(w, requestTmpl(), map[string]any{
		"Title": "Request " + id, "RequestID": id, "Decisions": views(ds),
		"Text": authz.ExplainText(ds), "Found": len(ds) > 0,
	})
}

func views(ds []*adminv1.Decision) []decisionView {
	out := make([]decisionView, 0, len(ds))
	for _, d := range ds {
		v := decisionView{Row: toRow(d), Message: d.GetMessage(), Explanation: strings.TrimRight(d.GetExplanation(), "\n")}
		if d.GetOperation() != "" {
			v.Call = d.GetService() + ":" + d.GetOperation() + " in " + d.GetRegion()
		}
		if d.GetPolicyType() != "" {
			v.Policy = strings.TrimSpace(d.GetPolicyType() + " " + d.GetPolicy())
			if d.GetStatement() != "" {
				v.Policy += ", " + d.GetStatement()
			}
		}
		for _, f := range d.GetFixes() {
			v.Fixes = append(v.Fixes, fixView{Text: f.GetText(), Statement: f.GetStatement()})
		}
		out = append(out, v)
	}
	return out
}

// timelineEntry is a state or a check on a build's timeline.
type timelineEntry struct {
	Time    time.Time
	Clock   string
	State   string // set for a state change
	Step    string
	Reason  string
	Check   *decisionView
	Failing bool
}

func (h *handler) build(w http.ResponseWriter, r *http.Request, id string) {
	if !validID(id) {
		http.NotFound(w, r)
		return
	}
	ds, err := h.o.Store.ByRequestID(r.Context(), id)
	if err != nil {
		http.Error(w, "read the decision log: "+err.Error(), http.StatusInternalServerError)
		return
	}
	q := r.URL.Query()
	account, region := q.Get("account"), q.Get("region")
	if len(ds) > 0 {
		if account == "" {
			account = ds[0].GetAccountId()
		}
		if region == "" {
			region = ds[0].GetRegion()
		}
	}
	var hist *imagebuilder.BuildHistory
	if h.o.Builds != nil && account != "" && region != "" {
		hist, _, err = h.o.Builds.BuildHistory(r.Context(), account, region, id)
		if err != nil {
			http.Error(w, "read the build: "+err.Error(), http.StatusInternalServerError)
			return
		}
	}
	var entries []timelineEntry
	failed := false
	if hist != nil {
		for _, s := range hist.States {
			entries = append(entries, timelineEntry{Time: s.Time, State: s.Status, Step: s.Step, Reason: s.Reason, Failing: s.Status == "FAILED"})
			failed = failed || s.Status == "FAILED"
		}
	}
	vs := views(ds)
	firstDenied := -1
	for i, d := range ds {
		if d.GetOutcome() != "allowed" && d.GetOutcome() != authz.SoftDeny && firstDenied < 0 {
			firstDenied = i
		}
	}
	for i, d := range ds {
		entries = append(entries, timelineEntry{Time: time.Unix(0, d.GetTimeUnixNano()), Check: &vs[i], Failing: i == firstDenied})
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].Time.Before(entries[j].Time) })
	for i := range entries {
		entries[i].Clock = entries[i].Time.UTC().Format("15:04:05.000")
	}
	if len(ds) == 0 && hist == nil {
		w.WriteHeader(http.StatusNotFound)
	}
	data := map[string]any{"Title": "Build " + id, "RequestID": id, "Entries": entries, "Failed": failed || firstDenied >= 0, "RequestPath": RequestPath}
	if hist != nil {
		data["Image"] = hist.ImageARN
		data["Pipeline"] = hist.Pipeline
		if n := len(hist.States); n > 0 {
			data["Status"] = hist.States[n-1].Status
		}
	}
	h.render(w, buildTmpl(), data)
}

func (h *handler) render(w http.ResponseWriter, t *template.Template, data map[string]any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := t.ExecuteTemplate(w, "page", data); err != nil {
		// Headers are gone; the page ends where the error happened.
		_, _ = fmt.Fprintf(w, "\n<p>page error</p>")
	}
}
