package query

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func TestReadParams(t *testing.T) {
	for _, c := range []struct {
		name        string
		method      string
		target      string
		contentType string
		body        string
		want        url.Values
	}{
		{"form post", "POST", "/", "application/x-www-form-urlencoded", "Action=GetUser&Version=2010-05-08&UserName=a+b%2Bc",
			url.Values{"Action": {"GetUser"}, "Version": {"2010-05-08"}, "UserName": {"a b+c"}}},
		{"form with charset", "POST", "/", "application/x-www-form-urlencoded; charset=utf-8", "Action=GetUser&UserName=%C3%BC",
			url.Values{"Action": {"GetUser"}, "UserName": {"ü"}}},
		{"form and query together", "POST", "/?X-Amz-Date=20240101T000000Z&Action=GetUser", "application/x-www-form-urlencoded", "UserName=u",
			url.Values{"Action": {"GetUser"}, "X-Amz-Date": {"20240101T000000Z"}, "UserName": {"u"}}},
		{"get", "GET", "/?Action=ListUsers&Version=2010-05-08&MaxItems=5", "", "",
			url.Values{"Action": {"ListUsers"}, "Version": {"2010-05-08"}, "MaxItems": {"5"}}},
		{"body of another type is not parameters", "POST", "/?Action=ListUsers", "application/json", `{"Action":"DeleteUser"}`,
			url.Values{"Action": {"ListUsers"}}},
		{"body of a GET is not parameters", "GET", "/?Action=ListUsers", "application/x-www-form-urlencoded", "Action=DeleteUser",
			url.Values{"Action": {"ListUsers"}}},
		{"empty pairs, bare names and semicolons", "POST", "/", "application/x-www-form-urlencoded", "&&A&B=&C=x;y&&",
			url.Values{"A": {""}, "B": {""}, "C": {"x;y"}}},
		{"repeated names keep every value", "POST", "/?A=3", "application/x-www-form-urlencoded", "A=1&A=2",
			url.Values{"A": {"1", "2", "3"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(c.method, c.target, strings.NewReader(c.body))
			if c.contentType != "" {
				r.Header.Set("Content-Type", c.contentType)
			}
			got, body, err := ReadParams(r, 0)
			if err != nil {
				t.Fatalf("ReadParams: %v", err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
			// The body comes back whole, whatever its type, for SigV4.
			if string(body) != c.body {
				t.Fatalf("body %q, want %q", body, c.body)
			}
		})
	}
}

func TestReadParamsErrors(t *testing.T) {
	post := func(target, body string) *http.Request {
		r := httptest.NewRequest("POST", target, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r
	}
	many := strings.Repeat("a=1&", MaxParams) + "a=1"
	for _, c := range []struct {
		name   string
		req    *http.Request
		limit  int64
		code   string
		status int
		text   string
	}{
		{"bad escape in body", post("/", "Action=GetUser&UserName=%zz"), 0, CodeMalformedQueryString, http.StatusNotFound, "Parameter UserName is not valid percent-encoding."},
		{"bad escape in name", post("/", "User%4=x"), 0, CodeMalformedQueryString, http.StatusNotFound, "Parameter User%4 is not valid percent-encoding."},
		{"bad escape in query", post("/?Action=%", ""), 0, CodeMalformedQueryString, http.StatusNotFound, "Parameter Action is not valid percent-encoding."},
		{"body over the limit", post("/", "Action=GetUser&UserName=abcdefgh"), 16, CodeRequestEntityTooLarge, http.StatusRequestEntityTooLarge, "The request body is larger than 16 bytes."},
		{"too many parameters", post("/", many), 0, CodeMalformedInput, http.StatusBadRequest, fmt.Sprintf("The request has %d parameters; at most %d are accepted.", MaxParams+1, MaxParams)},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := ReadParams(c.req, c.limit)
			if err == nil {
				t.Fatal("no error")
			}
			if err.Code != c.code || err.HTTPStatus != c.status || err.Message != c.text {
				t.Fatalf("got %s %d %q, want %s %d %q", err.Code, err.HTTPStatus, err.Message, c.code, c.status, c.text)
			}
		})
	}

	// A body the HTTP layer already capped with http.MaxBytesReader.
	r := post("/", "Action=GetUser&UserName=abcdefgh")
	w := httptest.NewRecorder()
	r.Body = http.MaxBytesReader(w, r.Body, 10)
	if _, _, err := ReadParams(r, 0); err == nil || err.Code != CodeRequestEntityTooLarge || err.Message != "The request body is larger than 10 bytes." {
		t.Fatalf("MaxBytesReader: %v", err)
	}

	// Exactly at the limit is fine.
	if _, _, err := ReadParams(post("/", "Action=GetUser"), int64(len("Action=GetUser"))); err != nil {
		t.Fatalf("at the limit: %v", err)
	}

	// A request without a body.
	r = httptest.NewRequest("GET", "/?Action=ListUsers", nil)
	params, body, err := ReadParams(r, 0)
	if err != nil || body != nil || params.Get("Action") != "ListUsers" {
		t.Fatalf("no body: %v %q %v", params, body, err)
	}
}
