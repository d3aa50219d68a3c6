package authz

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ibemu/ibemu/internal/iam/policy"
	adminv1 "github.com/ibemu/ibemu/proto/admin/v1"
)

// ExplainText is the human explanation of a request's decisions, as
// `emulator explain REQUEST_ID` prints it: for each decision what was
// asked and decided, the engine's walk through every policy type
// considered (each statement, the condition key and values that failed),
// and the smallest changes that would allow a denial.
func ExplainText(rs []*adminv1.Decision) string {
	var b strings.Builder
	if len(rs) > 1 {
		writeChecksSummary(&b, rs)
	}
	for i, r := range rs {
		if i > 0 {
			b.WriteString("\n")
		}
		writeRecordText(&b, r)
	}
	return b.String()
}

// writeChecksSummary heads the explanation of a request that made several
// checks (its own action, the dependent actions and forward-access checks
// made on its behalf, a build's checks as its instance role): how many
// were denied, and the first denial, which is the one to read first.
func writeChecksSummary(b *strings.Builder, rs []*adminv1.Decision) {
	denied, soft, first := 0, 0, -1
	for i, r := range rs {
		switch r.GetOutcome() {
		case "allowed":
			continue
		case SoftDeny:
			soft++
		default:
			denied++
		}
		if first < 0 {
			first = i
		}
	}
	fmt.Fprintf(b, "Request %s: %d checks", rs[0].GetRequestId(), len(rs))
	switch {
	case first < 0:
		b.WriteString(", all allowed\n\n")
		return
	case denied > 0:
		fmt.Fprintf(b, ", %d denied", denied)
		if soft > 0 {
			fmt.Fprintf(b, ", %d allowed only by soft enforcement", soft)
		}
	default:
		fmt.Fprintf(b, ", %d allowed only by soft enforcement", soft)
	}
	r := rs[first]
	if denied+soft == 1 {
		fmt.Fprintf(b, ": check %d, ", first+1)
	} else {
		fmt.Fprintf(b, "; the first: check %d, ", first+1)
	}
	if r.GetPrincipal() != rs[0].GetPrincipal() {
		b.WriteString(r.GetPrincipal() + " ")
	}
	b.WriteString(r.GetAction() + " on " + r.GetResource())
	if r.GetCheck() != "" {
		b.WriteString(" (" + r.GetCheck() + ")")
	}
	outcome := r.GetOutcome()
	if r.GetWouldDeny() != "" {
		outcome += ", would be " + r.GetWouldDeny()
	}
	b.WriteString(": " + outcome + "\n\n")
}

func writeRecordText(b *strings.Builder, r *adminv1.Decision) {
	what := "Request " + r.GetRequestId() + ": " + r.GetOutcome() + ": " + r.GetPrincipal() + " " + r.GetAction() + " on " + r.GetResource()
	if r.GetCheck() != "" {
		what += " (" + r.GetCheck() + ")"
	}
	b.WriteString(what + "\n")
	b.WriteString("  Time:      " + time.Unix(0, r.GetTimeUnixNano()).UTC().Format(time.RFC3339Nano) + "\n")
	if r.GetOperation() != "" {
		b.WriteString("  Call:      " + r.GetService() + ":" + r.GetOperation() + " in " + r.GetRegion() + "\n")
	}
	who := r.GetPrincipal()
	if t := r.GetPrincipalType(); t != "" {
		who += " (" + t + ")"
	}
	b.WriteString("  Principal: " + who + "\n")
	b.WriteString("  Action:    " + r.GetAction() + "\n")
	b.WriteString("  Resource:  " + r.GetResource() + "\n")
	b.WriteString("  Decision:  " + r.GetOutcome())
	if r.GetPolicyType() != "" {
		b.WriteString(" (" + r.GetPolicyType())
		if r.GetPolicy() != "" {
			b.WriteString(" " + r.GetPolicy())
		}
		if r.GetStatement() != "" {
			b.WriteString(", " + r.GetStatement())
		}
		b.WriteString(")")
	}
	b.WriteString("\n")
	if r.GetMessage() != "" {
		b.WriteString("  Message:   " + r.GetMessage() + "\n")
	}
	if x := strings.TrimRight(r.GetExplanation(), "\n"); x != "" {
		b.WriteString("\n")
		for _, line := range strings.Split(x, "\n") {
			b.WriteString("  " + line + "\n")
		}
	}
	if len(r.GetFixes()) > 0 {
		b.WriteString("\n  Smallest change that would allow it:\n")
		for i, f := range r.GetFixes() {
			b.WriteString("  " + itoa(i+1) + ". " + f.GetText() + "\n")
			if st := f.GetStatement(); st != "" {
				for _, line := range strings.Split(st, "\n") {
					b.WriteString("       " + line + "\n")
				}
			}
		}
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// ListText is one line per decision, for `emulator decisions`.
func ListText(w io.Writer, rs []*adminv1.Decision) error {
	for _, r := range rs {
		line := time.Unix(0, r.GetTimeUnixNano()).UTC().Format(time.RFC3339Nano) + "  " + r.GetRequestId() + "  " +
			pad(r.GetOutcome(), 12) + " " + r.GetPrincipal() + "  " + r.GetAction() + "  " + r.GetResource()
		if r.GetCheck() != "" {
			line += "  (" + r.GetCheck() + ")"
		}
		if _, err := io.WriteString(w, line+"\n"); err != nil {
			return err
		}
	}
	return nil
}

func pad(s string, n int) string {
	for len(s) < n {
		s += " "
	}
	return s
}

// CloudTrailEvent is one record in CloudTrail's event format ("CloudTrail
// record contents for management events", AWS CloudTrail User Guide).
type CloudTrailEvent struct {
	EventVersion       string              `json:"eventVersion"`
	UserIdentity       *CloudTrailIdentity `json:"userIdentity"`
	EventTime          string              `json:"eventTime"`
	EventSource        string              `json:"eventSource"`
	EventName          string              `json:"eventName"`
	AWSRegion          string              `json:"awsRegion"`
	SourceIPAddress    string              `json:"sourceIPAddress,omitempty"`
	UserAgent          string              `json:"userAgent,omitempty"`
	ErrorCode          string              `json:"errorCode,omitempty"`
	ErrorMessage       string              `json:"errorMessage,omitempty"`
	RequestParameters  any                 `json:"requestParameters"`
	ResponseElements   any                 `json:"responseElements"`
	RequestID          string              `json:"requestID"`
	EventID            string              `json:"eventID"`
	ReadOnly           bool                `json:"readOnly"`
	Resources          []CloudTrailRes     `json:"resources,omitempty"`
	EventType          string              `json:"eventType"`
	ManagementEvent    bool                `json:"managementEvent"`
	RecipientAccountID string              `json:"recipientAccountId"`
	EventCategory      string              `json:"eventCategory"`
	// AdditionalEventData carries what CloudTrail does not: the emulator's
	// decision, what decided it, and the kind of check.
	AdditionalEventData map[string]string `json:"additionalEventData,omitempty"`
}

// CloudTrailIdentity is a record's userIdentity element.
type CloudTrailIdentity struct {
	Type           string                 `json:"type"`
	PrincipalID    string                 `json:"principalId,omitempty"`
	ARN            string                 `json:"arn,omitempty"`
	AccountID      string                 `json:"accountId,omitempty"`
	AccessKeyID    string                 `json:"accessKeyId,omitempty"`
	UserName       string                 `json:"userName,omitempty"`
	SessionContext *CloudTrailSessionCtxt `json:"sessionContext,omitempty"`
}

// CloudTrailSessionCtxt is userIdentity.sessionContext.
type CloudTrailSessionCtxt struct {
	SessionIssuer *CloudTrailIssuer `json:"sessionIssuer,omitempty"`
	Attributes    map[string]string `json:"attributes"`
}

// CloudTrailIssuer is sessionContext.sessionIssuer.
type CloudTrailIssuer struct {
	Type        string `json:"type"`
	PrincipalID string `json:"principalId"`
	ARN         string `json:"arn"`
	AccountID   string `json:"accountId"`
	UserName    string `json:"userName"`
}

// CloudTrailRes is one entry of a record's resources.
type CloudTrailRes struct {
	ARN       string `json:"ARN"`
	AccountID string `json:"accountId,omitempty"`
}

// CloudTrail converts a decision to a CloudTrail event. A dependent or
// forward-access check becomes an event of the action it decided (as AWS
// logs the service's call made on the caller's behalf), tied to the call by
// requestID.
func CloudTrail(r *adminv1.Decision) CloudTrailEvent {
	svc, name, _ := strings.Cut(r.GetAction(), ":")
	if r.GetCheck() == "" && r.GetOperation() != "" {
		svc, name = r.GetService(), r.GetOperation()
	}
	ev := CloudTrailEvent{
		EventVersion:       "1.11",
		EventTime:          time.Unix(0, r.GetTimeUnixNano()).UTC().Format("2006-01-02T15:04:05Z"),
		EventSource:        svc + ".amazonaws.com",
		EventName:          name,
		AWSRegion:          r.GetRegion(),
		SourceIPAddress:    r.GetSourceIp(),
		UserAgent:          r.GetUserAgent(),
		RequestID:          r.GetRequestId(),
		EventID:            eventID(r),
		ReadOnly:           readOnly(name),
		EventType:          "AwsApiCall",
		ManagementEvent:    true,
		RecipientAccountID: r.GetResourceAccount(),
		EventCategory:      "Management",
		AdditionalEventData: map[string]string{
			"ibemuDecision": r.GetOutcome(),
		},
	}
	if ev.AWSRegion == "" {
		ev.AWSRegion = "us-east-1"
	}
	if ev.RecipientAccountID == "" {
		ev.RecipientAccountID = r.GetAccountId()
	}
	if r.GetCheck() != "" {
		ev.AdditionalEventData["ibemuCheck"] = r.GetCheck()
		ev.EventType = "AwsServiceEvent"
		if strings.HasPrefix(r.GetCheck(), "forward access via ") {
			ev.EventType = "AwsApiCall"
		}
	}
	if r.GetPolicyType() != "" {
		ev.AdditionalEventData["ibemuPolicyType"] = r.GetPolicyType()
	}
	if r.GetPolicy() != "" {
		ev.AdditionalEventData["ibemuPolicy"] = r.GetPolicy()
	}
	if r.GetStatement() != "" {
		ev.AdditionalEventData["ibemuStatement"] = r.GetStatement()
	}
	if r.GetOutcome() == SoftDeny {
		// Allowed by soft enforcement: no error, the would-be denial is
		// the emulator's own annotation.
		ev.AdditionalEventData["wouldDeny"] = r.GetWouldDeny()
		ev.AdditionalEventData["wouldDenyMessage"] = r.GetMessage()
	} else if r.GetOutcome() != policy.Allowed.String() {
		ev.ErrorCode = "AccessDenied"
		if r.GetService() == "imagebuilder" || r.GetService() == "kms" {
			ev.ErrorCode = "AccessDeniedException"
		}
		ev.ErrorMessage = r.GetMessage()
	}
	if res := r.GetResource(); res != "" && res != "*" {
		ev.Resources = []CloudTrailRes{{ARN: res, AccountID: r.GetResourceAccount()}}
	}
	ev.UserIdentity = cloudTrailIdentity(r)
	return ev
}

func cloudTrailIdentity(r *adminv1.Decision) *CloudTrailIdentity {
	id := &CloudTrailIdentity{
		Type:        r.GetPrincipalType(),
		PrincipalID: r.GetPrincipalId(),
		ARN:         r.GetPrincipal(),
		AccountID:   r.GetAccountId(),
		AccessKeyID: r.GetAccessKeyId(),
	}
	if id.AccountID == "" {
		if a, ok := ParseARN(r.GetPrincipal()); ok {
			id.AccountID = a.Account
		}
	}
	if id.Type == "Root" && id.PrincipalID == "" {
		id.PrincipalID = id.AccountID
	}
	switch id.Type {
	case "IAMUser":
		if a, ok := ParseARN(id.ARN); ok {
			id.UserName = a.Resource[strings.LastIndexByte(a.Resource, '/')+1:]
		}
	case "AssumedRole", "FederatedUser":
		sc := &CloudTrailSessionCtxt{Attributes: map[string]string{"mfaAuthenticated": "false"}}
		if r.GetSessionIssuedUnix() != 0 {
			sc.Attributes["creationDate"] = time.Unix(r.GetSessionIssuedUnix(), 0).UTC().Format("2006-01-02T15:04:05Z")
		}
		if role := r.GetRoleArn(); role != "" {
			issuer := &CloudTrailIssuer{Type: "Role", ARN: role, AccountID: id.AccountID}
			if a, ok := ParseARN(role); ok {
				issuer.UserName = a.Resource[strings.LastIndexByte(a.Resource, '/')+1:]
			}
			issuer.PrincipalID, _, _ = strings.Cut(id.PrincipalID, ":")
			sc.SessionIssuer = issuer
		}
		id.SessionContext = sc
	}
	return id
}

// eventID is a stable UUID-shaped id of a decision, from its log id.
func eventID(r *adminv1.Decision) string {
	h := r.GetId()
	for len(h) < 32 {
		h = "0" + h
	}
	h = h[len(h)-32:]
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// readOnly reports whether an operation only reads, as CloudTrail's
// readOnly field does, by the verbs of read operations.
func readOnly(name string) bool {
	for _, p := range []string{"Get", "List", "Describe", "Head", "Decode", "Simulate", "Generate", "Lookup"} {
		if strings.HasPrefix(name, p) {
			return !strings.HasPrefix(name, "GenerateDataKey")
		}
	}
	return false
}

// WriteCloudTrail writes {"Records":[…]}, the shape of a CloudTrail log
// file, which tools that read CloudTrail logs accept.
func WriteCloudTrail(w io.Writer, rs []*adminv1.Decision) error {
	out := struct {
		Records []CloudTrailEvent `json:"Records"`
	}{Records: make([]CloudTrailEvent, 0, len(rs))}
	for _, r := range rs {
		out.Records = append(out.Records, CloudTrail(r))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
