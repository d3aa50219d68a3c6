package query

import (
	"net/http"
	"net/url"
	"testing"

	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
	stsv1 "github.com/ibemu/ibemu/proto/sts/v1"
)

func TestOperation(t *testing.T) {
	iam, sts := iamv1.Model(), stsv1.Model()
	for _, c := range []struct {
		params url.Values
		op     string
	}{
		{url.Values{"Action": {"CreateUser"}, "Version": {"2010-05-08"}}, "CreateUser"},
		{url.Values{"Action": {"ListUsers"}}, "ListUsers"}, // Version may be left out
	} {
		op, err := Operation(iam, c.params)
		if err != nil || op.Name != c.op {
			t.Errorf("%v: got %v %v, want %s", c.params, op, err, c.op)
		}
	}
	op, err := Operation(sts, url.Values{"Action": {"AssumeRole"}, "Version": {"2011-06-15"}})
	if err != nil || op.Name != "AssumeRole" {
		t.Errorf("sts AssumeRole: %v %v", op, err)
	}

	for _, c := range []struct {
		params     url.Values
		code, text string
	}{
		{url.Values{}, CodeMissingAction, "Missing Action"},
		{url.Values{"Action": {""}, "Version": {"2010-05-08"}}, CodeMissingAction, "Missing Action"},
		{url.Values{"Action": {"CreateWidget"}, "Version": {"2010-05-08"}}, CodeInvalidAction, "Could not find operation CreateWidget for version 2010-05-08"},
		{url.Values{"Action": {"createuser"}, "Version": {"2010-05-08"}}, CodeInvalidAction, "Could not find operation createuser for version 2010-05-08"},
		{url.Values{"Action": {"CreateWidget"}}, CodeInvalidAction, "Could not find operation CreateWidget for version 2010-05-08"},
		{url.Values{"Action": {"CreateUser"}, "Version": {"2011-06-15"}}, CodeInvalidAction, "Could not find operation CreateUser for version 2011-06-15"},
		{url.Values{"Action": {"CreateUser"}, "Version": {""}}, CodeInvalidAction, "Could not find operation CreateUser for version "},
		{url.Values{"Action": {"CreateUser", "DeleteUser"}}, CodeMalformedInput, "Parameter Action is given more than once."},
		{url.Values{"Action": {"CreateUser"}, "Version": {"2010-05-08", "2010-05-08"}}, CodeMalformedInput, "Parameter Version is given more than once."},
	} {
		op, err := Operation(iam, c.params)
		if err == nil {
			t.Errorf("%v: got %s, want an error", c.params, op.Name)
			continue
		}
		if err.Code != c.code || err.Message != c.text || err.HTTPStatus != http.StatusBadRequest {
			t.Errorf("%v: got %s %d %q, want %s 400 %q", c.params, err.Code, err.HTTPStatus, err.Message, c.code, c.text)
		}
	}
	// An STS operation is not an IAM one.
	if _, err := Operation(iam, url.Values{"Action": {"AssumeRole"}, "Version": {"2010-05-08"}}); err == nil || err.Code != CodeInvalidAction {
		t.Errorf("AssumeRole on IAM: %v", err)
	}
}
