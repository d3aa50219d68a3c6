package emulator_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
)

// The request id of a denied call finds its full decision trace: what was
// decided, by which rule, with which context keys, and the explanation.
func TestDenialRequestIDFindsTheTrace(t *testing.T) {
	t.Parallel()
	emu, a := startClient(t)
	b := client(t, emu, accountB)
	ctx := testContext(t)
	arn := mustCreate(t, a, createInput("traced", "1.0.0"))

	_, err := b.GetComponent(ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(arn)})
	apiErr := requireAPIError(t, err, "AccessDeniedException", 403)
	var respErr *awshttp.ResponseError
	errors.As(err, &respErr)
	id := respErr.ServiceRequestID()

	resp, err := http.Get(emu.HTTPURL() + "/_emulator/decisions/" + id)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var trace struct {
		RequestID string `json:"requestId"`
		Decisions []struct {
			Principal, Action, Resource, Decision, PolicyType, Message, Explanation, EncodedMessage string
			ContextKeys                                                                             []string
			AccountID, Operation, SourceIP, Transport                                               string
		} `json:"decisions"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&trace); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET trace: %d, %v", resp.StatusCode, err)
	}
	if trace.RequestID != id || len(trace.Decisions) != 1 {
		t.Fatalf("trace = %+v", trace)
	}
	d := trace.Decisions[0]
	if d.Principal != "arn:aws:iam::"+accountB+":root" || d.Action != "imagebuilder:GetComponent" || d.Resource != arn ||
		d.Decision != "implicitDeny" || d.PolicyType != "resource-based policy" || d.Message != apiErr.ErrorMessage() {
		t.Errorf("decision = %+v", d)
	}
	if d.EncodedMessage == "" {
		t.Error("the denial has no encoded authorization message")
	}
	if d.AccountID != accountB || d.Operation != "GetComponent" || d.SourceIP != "127.0.0.1" || d.Transport != "http" {
		t.Errorf("request fields: account %q, operation %q, source %q, transport %q", d.AccountID, d.Operation, d.SourceIP, d.Transport)
	}
	if !strings.Contains(d.Explanation, "cross-account") || !strings.Contains(strings.Join(d.ContextKeys, " "), "aws:SourceIp") {
		t.Errorf("explanation %q, keys %v", d.Explanation, d.ContextKeys)
	}

	text, err := http.Get(emu.HTTPURL() + "/_emulator/decisions/" + id + "?format=text")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(text.Body)
	text.Body.Close()
	if !strings.Contains(string(body), "implicitDeny") || !strings.Contains(string(body), apiErr.ErrorMessage()) {
		t.Errorf("text trace:\n%s", body)
	}
	if got := emu.Explain(id); got != string(body) {
		t.Errorf("Explain = %q, the endpoint served %q", got, body)
	}
	if got := emu.Explain("no-such-request"); got != "" {
		t.Errorf("Explain of an unknown request = %q", got)
	}
	missing, err := http.Get(emu.HTTPURL() + "/_emulator/decisions/no-such-request")
	if err != nil {
		t.Fatal(err)
	}
	missing.Body.Close()
	if missing.StatusCode != http.StatusNotFound {
		t.Errorf("unknown request id: status %d", missing.StatusCode)
	}
}
