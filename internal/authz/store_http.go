package authz

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	adminv1 "github.com/ibemu/ibemu/proto/admin/v1"
)

// DecisionsListPath lists the decision log:
//
//	GET /_emulator/decisions?principal=ARN&action=A&decision=allow|deny&since=T&until=T&format=json|text|cloudtrail&max=N&next=TOKEN
//
// T is RFC 3339 or a duration back from now ("15m"). json answers
// {"decisions":[…],"nextToken":"…"}; cloudtrail answers {"Records":[…]} in
// CloudTrail's event format; text one line per decision.
const DecisionsListPath = "/_emulator/decisions"

// Handler serves the log: DecisionsListPath and, under DecisionsPath, the
// decisions of one request (JSON, or with ?format=text the explanation).
func (s *Store) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if r.URL.Path == DecisionsListPath || r.URL.Path == DecisionsPath {
			s.serveList(w, r)
			return
		}
		id, ok := strings.CutPrefix(r.URL.Path, DecisionsPath)
		if !ok || id == "" || strings.Contains(id, "/") {
			http.NotFound(w, r)
			return
		}
		rs, err := s.ByRequestID(r.Context(), id)
		if err != nil {
			http.Error(w, "read the decision log: "+err.Error(), http.StatusInternalServerError)
			return
		}
		if len(rs) == 0 {
			http.Error(w, "no decisions recorded for request "+id+" (the log keeps the most recent ones)", http.StatusNotFound)
			return
		}
		switch r.URL.Query().Get("format") {
		case "text":
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = w.Write([]byte(ExplainText(rs)))
			return
		case "cloudtrail":
			w.Header().Set("Content-Type", "application/json")
			_ = WriteCloudTrail(w, rs)
			return
		}
		out := struct {
			RequestID string         `json:"requestId"`
			Decisions []decisionJSON `json:"decisions"`
		}{RequestID: id}
		for _, d := range rs {
			out.Decisions = append(out.Decisions, recordJSON(d))
		}
		writeJSON(w, out)
	})
}

func (s *Store) serveList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, err := ParseFilter(q.Get("principal"), q.Get("action"), q.Get("decision"), q.Get("since"), q.Get("until"), time.Now())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	max, _ := strconv.Atoi(q.Get("max"))
	rs, next, err := s.List(r.Context(), f, q.Get("next"), max)
	if err == ErrBadToken {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if err != nil {
		http.Error(w, "read the decision log: "+err.Error(), http.StatusInternalServerError)
		return
	}
	if next != "" {
		w.Header().Set("X-Ibemu-Next-Token", next)
	}
	switch q.Get("format") {
	case "text":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_ = ListText(w, rs)
	case "cloudtrail":
		w.Header().Set("Content-Type", "application/json")
		_ = WriteCloudTrail(w, rs)
	case "", "json":
		out := struct {
			Decisions []decisionJSON `json:"decisions"`
			NextToken string         `json:"nextToken,omitempty"`
		}{Decisions: []decisionJSON{}, NextToken: next}
		for _, d := range rs {
			out.Decisions = append(out.Decisions, recordJSON(d))
		}
		writeJSON(w, out)
	default:
		http.Error(w, "format is json, text or cloudtrail", http.StatusBadRequest)
	}
}

// WriteJSONLines writes each decision as one JSON object per line, in the
// shape the pages' ?format=json lists them (camelCase members), for the
// decisions command and its --follow stream.
func WriteJSONLines(w io.Writer, rs ...*adminv1.Decision) error {
	enc := json.NewEncoder(w)
	for _, r := range rs {
		if err := enc.Encode(recordJSON(r)); err != nil {
			return err
		}
	}
	return nil
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// ParseFilter builds a filter from textual values, as the CLI and the HTTP
// endpoint take them: decision "allow" or "deny"; since and until RFC 3339
// times or durations counted back from now ("15m"). Decision may also be
// "softDeny" (allowed by soft enforcement) or "wouldDeny" (denied or
// soft-denied).
func ParseFilter(principal, action, decision, since, until string, now time.Time) (Filter, error) {
	f := Filter{Principal: principal, Action: action}
	switch decision {
	case "", "allow", "deny", SoftDeny, "wouldDeny":
		f.Outcome = decision
	default:
		return f, errorf("decision is allow, deny, softDeny or wouldDeny, not %q", decision)
	}
	var err error
	if f.Since, err = parseWhen(since, now); err != nil {
		return f, errorf("since: %v", err)
	}
	if f.Until, err = parseWhen(until, now); err != nil {
		return f, errorf("until: %v", err)
	}
	return f, nil
}

func parseWhen(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		return now.Add(-d), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither a duration back from now (15m, 24h) nor an RFC 3339 time (2026-11-29T10:00:00Z)", s)
	}
	return t, nil
}

type filterError string

func (e filterError) Error() string { return string(e) }

func errorf(format string, args ...any) error {
	return filterError(sprintf(format, args...))
}

func recordJSON(r *adminv1.Decision) decisionJSON {
	j := decisionJSON{
		ID:          r.GetId(),
		RequestID:   r.GetRequestId(),
		Time:        time.Unix(0, r.GetTimeUnixNano()).UTC().Format(time.RFC3339Nano),
		Principal:   r.GetPrincipal(),
		Action:      r.GetAction(),
		Resource:    r.GetResource(),
		Check:       r.GetCheck(),
		Decision:    r.GetOutcome(),
		WouldDeny:   r.GetWouldDeny(),
		PolicyType:  r.GetPolicyType(),
		Policy:      r.GetPolicy(),
		Statement:   r.GetStatement(),
		Message:     r.GetMessage(),
		Encoded:     r.GetEncodedMessage(),
		Explanation: r.GetExplanation(),
		Failed:      r.GetFailedConditions(),
		Context:     map[string][]string{},
	}
	j.requestFields(r)
	for _, c := range r.GetContext() {
		j.ContextKeys = append(j.ContextKeys, c.GetKey())
		j.Context[c.GetKey()] = c.GetValues()
	}
	for _, f := range r.GetFixes() {
		j.Fixes = append(j.Fixes, fixJSON{Kind: f.GetKind(), PolicyType: f.GetPolicyType(), Policy: f.GetPolicy(), Sid: f.GetSid(), Text: f.GetText(), Statement: f.GetStatement(), ConditionKey: f.GetConditionKey(), ConditionValues: f.GetConditionValues()})
	}
	return j
}

type fixJSON struct {
	Kind            string   `json:"kind"`
	PolicyType      string   `json:"policyType,omitempty"`
	Policy          string   `json:"policy,omitempty"`
	Sid             string   `json:"sid,omitempty"`
	Text            string   `json:"text"`
	Statement       string   `json:"statement,omitempty"`
	ConditionKey    string   `json:"conditionKey,omitempty"`
	ConditionValues []string `json:"conditionValues,omitempty"`
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
