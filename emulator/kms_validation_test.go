package emulator_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// KMS (awsJson1_1) answers model-validation failures in Coral's words as
// ValidationException: every violation, lower-camel member paths, and no
// echo of a sensitive or binary value.
func TestKMSValidationMessages(t *testing.T) {
	t.Parallel()
	e := startSTS(t)
	c := kmsClient(t, e.root)
	ctx := testContext(t)
	key := mustKey(t, c, "")

	_, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: key.KeyId, Plaintext: make([]byte, 4097)})
	const plaintext = "Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096"
	if msg := requireAPIError(t, err, "ValidationException", 400).ErrorMessage(); msg != "1 validation error detected: "+plaintext {
		t.Errorf("Encrypt of 4097 bytes: %q", msg)
	}

	_, err = c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(""), Plaintext: make([]byte, 4097)})
	want := "2 validation errors detected: Value '' at 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 1; " + plaintext
	if msg := requireAPIError(t, err, "ValidationException", 400).ErrorMessage(); msg != want {
		t.Errorf("Encrypt with two violations: %q, want %q", msg, want)
	}

	_, err = c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: key.KeyId, NumberOfBytes: aws.Int32(2000)})
	want = "1 validation error detected: Value '2000' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024"
	if msg := requireAPIError(t, err, "ValidationException", 400).ErrorMessage(); msg != want {
		t.Errorf("GenerateDataKey of 2000 bytes: %q", msg)
	}
}

// A KMS request body over the server's cap is refused with 413 in KMS's
// JSON error shape (__type), though the API is not yet known from the
// signature when the body is refused: X-Amz-Target names it.
func TestKMSOversizedBody(t *testing.T) {
	t.Parallel()
	emu, _ := startClient(t)
	raw := newRawClient(t, emu, accountA)
	body := []byte(`{"KeyId":"alias/x","Plaintext":"` + strings.Repeat("A", 5<<20) + `"}`)
	req := raw.request("POST", "/", bytes.NewReader(body), int64(len(body)))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "TrentService.Encrypt")
	resp := raw.send(req)
	var out struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(resp.body, &out); err != nil {
		t.Fatalf("the body is not JSON: %v\n%s", err, resp.body)
	}
	if resp.status != http.StatusRequestEntityTooLarge || out.Type != "RequestEntityTooLargeException" || out.Message == "" ||
		resp.header.Get("Content-Type") != "application/x-amz-json-1.1" || resp.header.Get("X-Amzn-RequestId") == "" {
		t.Fatalf("HTTP %d %v %s", resp.status, resp.header, resp.body)
	}

	// The SDK client sees the same error.
	_, err := kmsClient(t, emu.AWSConfig(accountA)).Encrypt(testContext(t), &kms.EncryptInput{KeyId: aws.String("alias/x"), Plaintext: make([]byte, 3<<20)})
	requireAPIError(t, err, "RequestEntityTooLargeException", http.StatusRequestEntityTooLarge)
}
