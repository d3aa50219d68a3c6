package emulator_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
)

// TestBadInput sends requests the SDK would never send. Each one gets the
// model's error code and HTTP status, stores nothing, and the server keeps
// serving.
func TestBadInput(t *testing.T) {
	t.Parallel()
	emu, c := startClient(t)
	raw := newRawClient(t, emu, accountA)
	deep := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)

	cases := []struct {
		name         string
		method, path string
		body         string
		code         string
		status       int
		message      string // exact, where AWS's is known; else a fragment in contains
		contains     string
	}{
		// Malformed JSON and wrong JSON types.
		{name: "truncated JSON", method: "PUT", path: "/CreateComponent", body: `{"name": "raw",`, code: "SerializationException", status: 400},
		{name: "not JSON", method: "PUT", path: "/CreateComponent", body: `name=raw`, code: "SerializationException", status: 400},
		{name: "array body", method: "PUT", path: "/CreateComponent", body: `[]`, code: "SerializationException", status: 400},
		{name: "string body", method: "PUT", path: "/CreateComponent", body: `"raw"`, code: "SerializationException", status: 400},
		{name: "trailing content", method: "PUT", path: "/CreateComponent", body: string(createBody(t, nil)) + ` {}`, code: "SerializationException", status: 400},
		{name: "name is a number", method: "PUT", path: "/CreateComponent", body: string(createBody(t, map[string]any{"name": 42})), code: "SerializationException", status: 400},
		{name: "tags is a list", method: "PUT", path: "/CreateComponent", body: string(createBody(t, map[string]any{"tags": []string{"a"}})), code: "SerializationException", status: 400},
		{name: "tag value is a number", method: "PUT", path: "/CreateComponent", body: string(createBody(t, map[string]any{"tags": map[string]any{"a": 1}})), code: "SerializationException", status: 400},
		{name: "dryRun is a string", method: "PUT", path: "/CreateComponent", body: string(createBody(t, map[string]any{"dryRun": "true"})), code: "SerializationException", status: 400},
		{name: "supportedOsVersions is a string", method: "PUT", path: "/CreateComponent", body: string(createBody(t, map[string]any{"supportedOsVersions": "Ubuntu"})), code: "SerializationException", status: 400},
		{name: "maxResults is a string", method: "POST", path: "/ListComponents", body: `{"maxResults": "5"}`, code: "SerializationException", status: 400},
		{name: "maxResults is fractional", method: "POST", path: "/ListComponents", body: `{"maxResults": 2.5}`, code: "SerializationException", status: 400},
		{name: "maxResults overflows int32", method: "POST", path: "/ListComponents", body: `{"maxResults": 4294967297}`, code: "SerializationException", status: 400},
		{name: "filters is an object", method: "POST", path: "/ListComponents", body: `{"filters": {"name": "x"}}`, code: "SerializationException", status: 400},
		{name: "deeply nested unknown member", method: "PUT", path: "/CreateComponent", body: `{"unknown": ` + deep + `}`, code: "SerializationException", status: 400},

		// Missing required members.
		{name: "empty body", method: "PUT", path: "/CreateComponent", body: ``, code: "InvalidParameterValueException", status: 400, contains: "is required"},
		{name: "empty object", method: "PUT", path: "/CreateComponent", body: `{}`, code: "InvalidParameterValueException", status: 400, contains: "is required"},
		{name: "no name", method: "PUT", path: "/CreateComponent", body: string(createBody(t, map[string]any{"name": nil})), code: "InvalidParameterValueException", status: 400,
			message: "The value supplied for parameter 'name' is not valid. name is required."},
		{name: "null name", method: "PUT", path: "/CreateComponent", body: strings.Replace(string(createBody(t, nil)), `"name":"raw"`, `"name":null`, 1), code: "InvalidParameterValueException", status: 400,
			message: "The value supplied for parameter 'name' is not valid. name is required."},
		{name: "no platform", method: "PUT", path: "/CreateComponent", body: string(createBody(t, map[string]any{"platform": nil})), code: "InvalidParameterValueException", status: 400,
			message: "The value supplied for parameter 'platform' is not valid. platform is required."},
		{name: "no ARN", method: "GET", path: "/GetComponent", code: "InvalidParameterValueException", status: 400,
			message: "The value supplied for parameter 'componentBuildVersionArn' is not valid. componentBuildVersionArn is required."},
		{name: "no import format", method: "PUT", path: "/ImportComponent", body: `{"name":"imp","semanticVersion":"1.0.0","type":"BUILD","platform":"Linux","data":"echo","clientToken":"t"}`, code: "InvalidParameterValueException", status: 400,
			message: "The value supplied for parameter 'format' is not valid. format is required."},

		// Unknown enum values.
		{name: "platform Solaris", method: "PUT", path: "/CreateComponent", body: string(createBody(t, map[string]any{"platform": "Solaris"})), code: "InvalidParameterValueException", status: 400,
			message: "The value supplied for parameter 'platform' is not valid. platform must be one of [Windows, Linux, macOS]."},
		{name: "platform lower case", method: "PUT", path: "/CreateComponent", body: string(createBody(t, map[string]any{"platform": "linux"})), code: "InvalidParameterValueException", status: 400, contains: "platform must be one of"},
		{name: "owner Nobody", method: "POST", path: "/ListComponents", body: `{"owner": "Nobody"}`, code: "InvalidParameterValueException", status: 400, contains: "owner must be one of"},
		{name: "import type DEPLOY", method: "PUT", path: "/ImportComponent", body: `{"name":"imp","semanticVersion":"1.0.0","type":"DEPLOY","format":"SHELL","platform":"Linux","data":"echo","clientToken":"t"}`, code: "InvalidParameterValueException", status: 400, contains: "type must be one of"},

		// Invalid names and versions.
		{name: "name with a slash", method: "PUT", path: "/CreateComponent", body: string(createBody(t, map[string]any{"name": "a/b/c"})), code: "InvalidParameterValueException", status: 400, contains: "parameter 'name'"},
		{name: "name too long", method: "PUT", path: "/CreateComponent", body: string(createBody(t, map[string]any{"name": strings.Repeat("n", 129)})), code: "InvalidParameterValueException", status: 400, contains: "parameter 'name'"},
		{name: "version 1.0", method: "PUT", path: "/CreateComponent", body: string(createBody(t, map[string]any{"semanticVersion": "1.0"})), code: "InvalidParameterValueException", status: 400,
			message: `The value supplied for parameter 'semanticVersion' is not valid. semanticVersion must match pattern ^[0-9]+\.[0-9]+\.[0-9]+$`},
		{name: "version x.1.0", method: "PUT", path: "/CreateComponent", body: string(createBody(t, map[string]any{"semanticVersion": "x.1.0"})), code: "InvalidParameterValueException", status: 400,
			message: `The value supplied for parameter 'semanticVersion' is not valid. semanticVersion must match pattern ^[0-9]+\.[0-9]+\.[0-9]+$`},
		{name: "version node too large", method: "PUT", path: "/CreateComponent", body: string(createBody(t, map[string]any{"semanticVersion": "1073741824.0.0"})), code: "InvalidVersionNumberException", status: 400},
		{name: "version node overflows", method: "PUT", path: "/CreateComponent", body: string(createBody(t, map[string]any{"semanticVersion": "1.99999999999999999999999.0"})), code: "InvalidVersionNumberException", status: 400},
		{name: "selector wildcard before a number", method: "GET", path: getPath(versionARN(accountA, "raw", "x.1.0")), code: "InvalidVersionNumberException", status: 400},
		{name: "selector wildcard in the middle", method: "GET", path: getPath(versionARN(accountA, "raw", "1.x.0")), code: "InvalidVersionNumberException", status: 400},
		{name: "ARN of another service", method: "GET", path: getPath("arn:aws:s3:::bucket/key"), code: "InvalidParameterValueException", status: 400, contains: "parameter 'componentBuildVersionArn'"},
		{name: "empty data", method: "PUT", path: "/CreateComponent", body: string(createBody(t, map[string]any{"data": ""})), code: "InvalidParameterValueException", status: 400, contains: "parameter 'data'"},
		{name: "NUL in data", method: "PUT", path: "/CreateComponent", body: string(createBody(t, map[string]any{"data": "name: x\x00"})), code: "InvalidParameterValueException", status: 400, contains: "parameter 'data'"},
		{name: "too many tags", method: "PUT", path: "/CreateComponent", body: string(createBody(t, map[string]any{"tags": manyTags(51)})), code: "InvalidParameterValueException", status: 400, contains: "parameter 'tags'"},
		{name: "reserved tag key", method: "PUT", path: "/CreateComponent", body: string(createBody(t, map[string]any{"tags": map[string]string{"aws:owner": "me"}})), code: "InvalidParameterValueException", status: 400, contains: "parameter 'tags"},
		{name: "filter name with a digit", method: "POST", path: "/ListComponents", body: `{"filters": [{"name": "n4me", "values": ["x"]}]}`, code: "InvalidParameterValueException", status: 400, contains: "parameter 'filters[0].name'"},
		{name: "filter value with a star", method: "POST", path: "/ListComponents", body: `{"filters": [{"name": "name", "values": ["*"]}]}`, code: "InvalidParameterValueException", status: 400, contains: "parameter 'filters[0].values[0]'"},
		{name: "eleven filters", method: "POST", path: "/ListComponents", body: `{"filters": [` + strings.Repeat(`{"name": "name", "values": ["x"]},`, 10) + `{"name": "name", "values": ["x"]}]}`, code: "InvalidParameterValueException", status: 400, contains: "parameter 'filters'"},
		{name: "empty client token", method: "PUT", path: "/CreateComponent", body: string(createBody(t, map[string]any{"clientToken": ""})), code: "InvalidParameterValueException", status: 400, contains: "parameter 'clientToken'"},
		{name: "maxResults 0", method: "POST", path: "/ListComponents", body: `{"maxResults": 0}`, code: "InvalidParameterValueException", status: 400, contains: "parameter 'maxResults'"},
		{name: "bad next token", method: "POST", path: "/ListComponents", body: `{"nextToken": "bm90IGEgdG9rZW4"}`, code: "InvalidPaginationTokenException", status: 400},

		// Unknown routes.
		{name: "unknown path", method: "POST", path: "/NoSuchOperation", body: `{}`, code: "UnknownOperationException", status: 404},
		{name: "root path", method: "GET", path: "/", code: "UnknownOperationException", status: 404},
		{name: "wrong method", method: "POST", path: "/GetComponent", body: `{}`, code: "UnknownOperationException", status: 404},
	}
	for _, tc := range cases {
		resp := raw.do(tc.method, tc.path, []byte(tc.body))
		t.Run(tc.name, func(t *testing.T) {
			msg := resp.requireError(t, tc.code, tc.status)
			if tc.message != "" && msg != tc.message {
				t.Errorf("message =\n  %q\nwant\n  %q", msg, tc.message)
			}
			if tc.contains != "" && !strings.Contains(msg, tc.contains) {
				t.Errorf("message %q does not contain %q", msg, tc.contains)
			}
		})
	}

	// An operation not built yet names itself: every Image Builder
	// operation is built, IAM's login profiles are not.
	t.Run("operation not built", func(t *testing.T) {
		resp := signedQuery(t, emu, "iam", "POST", "", "Action=CreateLoginProfile&Version=2010-05-08&UserName=alice&Password=Passw0rd%21Passw0rd")
		if resp.status != http.StatusNotImplemented || !strings.Contains(string(resp.body), "<Code>UnsupportedOperation</Code>") || !strings.Contains(string(resp.body), "CreateLoginProfile") {
			t.Errorf("got HTTP %d %s, want 501 UnsupportedOperation naming CreateLoginProfile", resp.status, resp.body)
		}
	})

	requireNoComponents(t, c)
	checkStillServing(t, c)
}

func manyTags(n int) map[string]string {
	tags := map[string]string{}
	for i := range n {
		tags[fmt.Sprintf("k%d", i)] = "v"
	}
	return tags
}

// checkStillServing creates, reads and deletes a component: the server
// survived whatever came before.
func checkStillServing(t *testing.T, c *imagebuilder.Client) {
	t.Helper()
	arn := mustCreate(t, c, createInput("still-serving", "1.0.0"))
	mustGet(t, c, arn)
	if _, err := c.DeleteComponent(testContext(t), &imagebuilder.DeleteComponentInput{ComponentBuildVersionArn: aws.String(arn)}); err != nil {
		t.Fatalf("DeleteComponent: %v", err)
	}
}

// TestUnknownMembersIgnored: like AWS, members the model does not know are
// skipped, whatever their JSON type.
func TestUnknownMembersIgnored(t *testing.T) {
	t.Parallel()
	emu, c := startClient(t)
	raw := newRawClient(t, emu, accountA)
	body := createBody(t, map[string]any{"futureMember": map[string]any{"nested": []any{1, "two", nil, true}}, "another": nil})
	resp := raw.do("PUT", "/CreateComponent", body)
	if resp.status != http.StatusOK {
		t.Fatalf("HTTP %d %s", resp.status, resp.body)
	}
	mustGet(t, c, componentARN(accountA, "raw", "1.0.0", 1))
}

// TestOversizedBody: bodies over 2 MiB are refused with 413, whether the
// size is announced in Content-Length or only discovered while reading a
// chunked body.
func TestOversizedBody(t *testing.T) {
	t.Parallel()
	emu, c := startClient(t)
	raw := newRawClient(t, emu, accountA)
	huge := createBody(t, map[string]any{"description": strings.Repeat("d", 2<<20)})
	sum := sha256.Sum256(huge)

	announced := raw.request("PUT", "/CreateComponent", bytes.NewReader(huge), int64(len(huge)))
	raw.sign(announced, hex.EncodeToString(sum[:]))
	raw.send(announced).requireError(t, "RequestEntityTooLargeException", http.StatusRequestEntityTooLarge)

	// A body of unknown length (chunked): the limit applies while reading.
	chunked := raw.request("PUT", "/CreateComponent", io.MultiReader(bytes.NewReader(huge)), -1)
	raw.sign(chunked, hex.EncodeToString(sum[:]))
	raw.send(chunked).requireError(t, "RequestEntityTooLargeException", http.StatusRequestEntityTooLarge)

	requireNoComponents(t, c)
	checkStillServing(t, c)
}

// TestUnauthenticatedHTTP: requests without a valid signature get AWS-style
// errors (never HTML), store nothing, and are not served. An unsigned request
// that no Image Builder route takes is answered as S3 answers an anonymous
// request: most unsigned requests to an S3-serving endpoint are S3's.
func TestUnauthenticatedHTTP(t *testing.T) {
	t.Parallel()
	emu, c := startClient(t)
	raw := newRawClient(t, emu, accountA)
	body := createBody(t, nil)

	unsigned := raw.request("PUT", "/CreateComponent", bytes.NewReader(body), int64(len(body)))
	raw.send(unsigned).requireError(t, "MissingAuthenticationTokenException", http.StatusForbidden)

	unsignedUnknown := raw.request("GET", "/favicon.ico", nil, 0)
	resp := raw.send(unsignedUnknown)
	if resp.status != http.StatusForbidden || !strings.HasPrefix(resp.header.Get("Content-Type"), "application/xml") ||
		!strings.Contains(string(resp.body), "<Code>AccessDenied</Code>") || resp.header.Get("X-Amz-Request-Id") == "" {
		t.Errorf("unsigned unknown path: HTTP %d %q %s", resp.status, resp.header.Get("Content-Type"), resp.body)
	}

	// Signed, then the body changed: the signature no longer matches.
	tampered := raw.request("PUT", "/CreateComponent", bytes.NewReader(bytes.Replace(body, []byte(`"raw"`), []byte(`"evil"`), 1)), int64(len(body))+1)
	sum := sha256.Sum256(body)
	raw.sign(tampered, hex.EncodeToString(sum[:]))
	raw.send(tampered).requireError(t, "InvalidSignatureException", http.StatusForbidden)

	// Signed with the wrong secret.
	wrong := newRawClient(t, emu, accountA)
	req := wrong.request("PUT", "/CreateComponent", bytes.NewReader(body), int64(len(body)))
	signWithSecret(t, req, body, accountA, "not-the-secret")
	wrong.send(req).requireError(t, "InvalidSignatureException", http.StatusForbidden)

	requireNoComponents(t, c)
	checkStillServing(t, c)
}
