package query

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/ibemu/ibemu/internal/apimodel"
	"github.com/ibemu/ibemu/internal/awserr"
	stsv1 "github.com/ibemu/ibemu/proto/sts/v1"
)

// TestRawRequests drives the codec over HTTP without an SDK: GET requests,
// and the protocol-level errors no SDK would provoke.
func TestRawRequests(t *testing.T) {
	f, srv := startFake(t, stsv1.Model(), func(*apimodel.Operation, proto.Message) (proto.Message, *awserr.Error) {
		return &stsv1.GetCallerIdentityResponse{Account: proto.String("123456789012")}, nil
	})
	do := func(method, target, body string) (int, http.Header, string) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+target, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}

	status, h, body := do("GET", "/?Action=GetCallerIdentity&Version=2011-06-15&Ignored=1", "")
	want := `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>` + testRequestID + `</RequestId></ResponseMetadata></GetCallerIdentityResponse>`
	if status != 200 || body != want || h.Get("Content-Type") != "text/xml" || h.Get("X-Amzn-RequestId") != testRequestID {
		t.Errorf("GET: %d %v %s", status, h, body)
	}
	if op, _ := f.lastInput(); op != "GetCallerIdentity" {
		t.Errorf("decoded %q", op)
	}

	for _, c := range []struct {
		method, target, body string
		status               int
		code, message        string
	}{
		{"POST", "/", "Version=2011-06-15", 400, "MissingAction", "Missing Action"},
		{"POST", "/", "Action=GetSessionTokens&Version=2011-06-15", 400, "InvalidAction", "Could not find operation GetSessionTokens for version 2011-06-15"},
		{"GET", "/?Action=GetCallerIdentity&Version=2010-05-08", "", 400, "InvalidAction", "Could not find operation GetCallerIdentity for version 2010-05-08"},
		{"POST", "/", "Action=AssumeRole&DurationSeconds=3600s", 400, "MalformedInput", "Value '3600s' for parameter DurationSeconds is not a 32-bit integer."},
		{"POST", "/", "Action=AssumeRole&PolicyArns.member.0.arn=x", 400, "MalformedInput", "Parameter PolicyArns.member.0.arn: 0 is not a valid index; indexes run from 1 to 10000."},
		{"POST", "/", "Action=Assume%Role", 404, "MalformedQueryString", "Parameter Action is not valid percent-encoding."},
	} {
		status, h, body := do(c.method, c.target, c.body)
		want := `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>` + c.code + `</Code><Message>` + c.message + `</Message></Error><RequestId>` + testRequestID + `</RequestId></ErrorResponse>`
		if status != c.status || body != want || h.Get("Content-Type") != "text/xml" {
			t.Errorf("%s %s %s:\n got %d %s\nwant %d %s", c.method, c.target, url.QueryEscape(c.body), status, body, c.status, want)
		}
	}
}
