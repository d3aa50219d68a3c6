package authz

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	adminv1 "github.com/ibemu/ibemu/proto/admin/v1"
)

// DecisionsPath is where the decisions of a request are served:
// GET /_emulator/decisions/REQUEST_ID answers them as JSON (with the full
// explanation of each), and with ?format=text as the explanation text.
const DecisionsPath = "/_emulator/decisions/"

// decisionJSON is the JSON form of a Decision.
type decisionJSON struct {
	ID        string `json:"id,omitempty"`
	RequestID string `json:"requestId,omitempty"`
	Time      string `json:"time"`
	Principal string `json:"principal"`
	Action    string `json:"action"`
	Resource  string `json:"resource"`
	Check     string `json:"check,omitempty"`

	// Who asked, from where and how (the record's request fields).
	PrincipalType   string `json:"principalType,omitempty"`
	PrincipalID     string `json:"principalId,omitempty"`
	AccountID       string `json:"accountId,omitempty"`
	AccessKeyID     string `json:"accessKeyId,omitempty"`
	RoleARN         string `json:"roleArn,omitempty"`
	SessionName     string `json:"sessionName,omitempty"`
	SessionIssued   string `json:"sessionIssued,omitempty"`
	ResourceAccount string `json:"resourceAccount,omitempty"`
	Service         string `json:"service,omitempty"`
	Operation       string `json:"operation,omitempty"`
	Region          string `json:"region,omitempty"`
	SourceIP        string `json:"sourceIp,omitempty"`
	Transport       string `json:"transport,omitempty"`

	Decision    string              `json:"decision"`
	WouldDeny   string              `json:"wouldDeny,omitempty"`
	PolicyType  string              `json:"policyType,omitempty"`
	Policy      string              `json:"policy,omitempty"`
	Statement   string              `json:"statement,omitempty"`
	Message     string              `json:"message,omitempty"`
	Encoded     string              `json:"encodedMessage,omitempty"`
	ContextKeys []string            `json:"contextKeys,omitempty"`
	Explanation string              `json:"explanation,omitempty"`
	Context     map[string][]string `json:"context,omitempty"`
	Failed      []string            `json:"failedConditions,omitempty"`
	Fixes       []fixJSON           `json:"fixes,omitempty"`
}

// Handler serves the log's decisions by request id under DecisionsPath.
func (l *Log) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := strings.CutPrefix(r.URL.Path, DecisionsPath)
		if !ok || id == "" || strings.Contains(id, "/") {
			http.NotFound(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		ds := l.ByRequestID(id)
		if len(ds) == 0 {
			http.Error(w, "no decisions recorded for request "+id+" (the log keeps the most recent ones)", http.StatusNotFound)
			return
		}
		if r.URL.Query().Get("format") == "text" {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = w.Write([]byte(decisionsText(ds)))
			return
		}
		out := struct {
			RequestID string         `json:"requestId"`
			Decisions []decisionJSON `json:"decisions"`
		}{RequestID: id}
		for _, d := range ds {
			out.Decisions = append(out.Decisions, toJSON(d))
		}
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(out)
	})
}

// Text is the explanation of every decision made for a request, as the
// decisions endpoint serves it with ?format=text; "" when the log has none.
func (l *Log) Text(requestID string) string {
	return decisionsText(l.ByRequestID(requestID))
}

func decisionsText(ds []*Decision) string {
	var b strings.Builder
	for i, d := range ds {
		if i > 0 {
			b.WriteString("\n")
		}
		writeDecisionText(&b, d)
	}
	return b.String()
}

func toJSON(d *Decision) decisionJSON {
	j := decisionJSON{
		Time:      d.Time.UTC().Format(time.RFC3339Nano),
		Principal: d.Principal,
		Action:    d.Action,
		Resource:  d.Resource,
		Check:     d.Check,
		Decision:  d.Outcome.String(),
		Policy:    d.Policy(),
		Statement: d.Statement(),
		Message:   d.Message,
		Encoded:   d.EncodedMessage(),
	}
	if d.Source != 0 {
		j.PolicyType = d.Source.String()
	}
	j.requestFields(&adminv1.Decision{
		AccessKeyId: d.AccessKeyID, ResourceAccount: d.req.ResourceAccount, Service: d.Service,
		Operation: d.Operation, Region: d.Region, SourceIp: d.SourceIP, Transport: d.Transport,
	})
	if !d.SessionIssued.IsZero() {
		j.SessionIssued = d.SessionIssued.UTC().Format(time.RFC3339)
	}
	if p := d.req.Principal; p != nil {
		j.PrincipalType, j.PrincipalID, j.AccountID = principalType(p.Kind), p.UserID, p.Account
		j.RoleARN, j.SessionName = p.RoleARN, p.SessionName
	}
	if d.req.Context != nil {
		j.ContextKeys = d.req.Context.Keys()
	}
	if d.req.Principal != nil {
		j.Explanation = d.Explain().String()
	}
	return j
}

// requestFields copies a record's fields about the request: who asked,
// from where and how.
func (j *decisionJSON) requestFields(r *adminv1.Decision) {
	j.PrincipalType, j.PrincipalID, j.AccountID = r.GetPrincipalType(), r.GetPrincipalId(), r.GetAccountId()
	j.AccessKeyID, j.RoleARN, j.SessionName = r.GetAccessKeyId(), r.GetRoleArn(), r.GetSessionName()
	if u := r.GetSessionIssuedUnix(); u != 0 {
		j.SessionIssued = time.Unix(u, 0).UTC().Format(time.RFC3339)
	}
	j.ResourceAccount, j.Service, j.Operation = r.GetResourceAccount(), r.GetService(), r.GetOperation()
	j.Region, j.SourceIP, j.Transport = r.GetRegion(), r.GetSourceIp(), r.GetTransport()
}

func writeDecisionText(b *strings.Builder, d *Decision) {
	b.WriteString(d.Time.UTC().Format(time.RFC3339Nano))
	b.WriteString(" ")
	b.WriteString(d.Outcome.String())
	b.WriteString(": ")
	b.WriteString(d.Principal)
	b.WriteString(" ")
	b.WriteString(d.Action)
	b.WriteString(" on ")
	b.WriteString(d.Resource)
	if d.Check != "" {
		b.WriteString(" (" + d.Check + ")")
	}
	b.WriteString("\n")
	if d.Message != "" {
		b.WriteString(d.Message)
		b.WriteString("\n")
	}
	if d.req.Principal != nil {
		b.WriteString(d.Explain().String())
		if !strings.HasSuffix(b.String(), "\n") {
			b.WriteString("\n")
		}
	}
}
