package emulator_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/ibemu/ibemu/emulator/emulatortest"
)

// Bad requests to the awsJson1_1 endpoint get KMS's JSON errors with a
// 4xx status, never a 5xx.
func TestKMSWireErrors(t *testing.T) {
	emu := emulatortest.Start(t)
	ctx := testContext(t)
	send := func(method, target, body string) (int, http.Header, map[string]string) {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, method, emu.HTTPURL()+"/", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		if target != "" {
			req.Header.Set("X-Amz-Target", target)
		}
		sum := sha256.Sum256([]byte(body))
		creds := aws.Credentials{AccessKeyID: accountA, SecretAccessKey: "test"}
		if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "kms", region, time.Now()); err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var out map[string]string
		_ = json.Unmarshal(raw, &out)
		return resp.StatusCode, resp.Header, out
	}
	for _, tc := range []struct {
		name, method, target, body, code string
	}{
		{"unknown operation", "POST", "TrentService.Frobnicate", `{}`, "UnknownOperationException"},
		{"other service's target", "POST", "AmazonSSM.GetParameter", `{}`, "UnknownOperationException"},
		{"no target", "POST", "", `{}`, "UnknownOperationException"},
		{"malformed JSON", "POST", "TrentService.DescribeKey", `{"KeyId":`, "SerializationException"},
		{"wrong member type", "POST", "TrentService.DescribeKey", `{"KeyId":7}`, "SerializationException"},
		{"not an object", "POST", "TrentService.ListKeys", `[1,2]`, "SerializationException"},
		{"bad base64 blob", "POST", "TrentService.Decrypt", `{"CiphertextBlob":"***"}`, "SerializationException"},
		{"GET", "GET", "TrentService.ListKeys", ``, "UnknownOperationException"},
	} {
		status, h, body := send(tc.method, tc.target, tc.body)
		if status != 400 || body["__type"] != tc.code || h.Get("X-Amzn-ErrorType") != tc.code || h.Get("X-Amzn-RequestId") == "" || body["message"] == "" {
			t.Errorf("%s: %d %v (X-Amzn-ErrorType %q), want 400 %s", tc.name, status, body, h.Get("X-Amzn-ErrorType"), tc.code)
		}
	}
	status, h, _ := send("POST", "TrentService.ListKeys", `{}`)
	if status != 200 || h.Get("Content-Type") != "application/x-amz-json-1.1" {
		t.Errorf("ListKeys: %d %v", status, h)
	}
}
