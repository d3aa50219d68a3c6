package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/ibemu/ibemu/emulator/emulatortest"
)

var updateSimulate = os.Getenv("IBEMU_UPDATE_GOLDEN") != ""

// simulate-principal-policy against a running emulator: a user with an
// inline policy, simulated with the CLI's flags, prints what `aws iam
// simulate-principal-policy` prints in each output format (golden files in
// testdata/simulate-principal); an unknown user and a caller without
// iam:SimulatePrincipalPolicy get the service's errors.
func TestSimulatePrincipalPolicyCommand(t *testing.T) {
	emu := emulatortest.Start(t)
	ctx := context.Background()
	root := iam.NewFromConfig(emu.AWSConfig("111122223333"))
	if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},` +
		`{"Effect":"Deny","Action":"s3:DeleteObject","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestTag/team":"ops"}}}]}`
	if _, err := root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("Objects"), PolicyDocument: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	key, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	rootEnv := map[string]string{"AWS_ACCESS_KEY_ID": "111122223333", "AWS_SECRET_ACCESS_KEY": "test"}
	runWith := func(env map[string]string, args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(ctx, append([]string{"simulate-principal-policy", "--endpoint", emu.HTTPURL()}, args...), strings.NewReader(""), &out, &errb,
			func(k string) string { return env[k] })
		return code, out.String(), errb.String()
	}
	dir := t.TempDir()
	ctxFile := filepath.Join(dir, "ctx.json")
	if err := os.WriteFile(ctxFile, []byte(`[{"ContextKeyName":"aws:RequestTag/team","ContextKeyValues":["dev"],"ContextKeyType":"string"}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--policy-source-arn", "arn:aws:iam::111122223333:user/alice",
		"--action-names", "s3:GetObject", "s3:DeleteObject", "s3:PutObject",
		"--resource-arns", "arn:aws:s3:::b/k", "--context-entries", "file://" + ctxFile}
	for _, format := range []string{"json", "text", "table"} {
		code, got, errs := runWith(rootEnv, append(args, "--output", format)...)
		if code != 0 {
			t.Fatalf("--output %s: exit %d: %s", format, code, errs)
		}
		golden := filepath.Join("..", "..", "testdata", "simulate-principal", "user."+format)
		if updateSimulate {
			if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("missing golden file (IBEMU_UPDATE_GOLDEN=1 and review it): %v", err)
		}
		if got != string(want) {
			t.Errorf("--output %s differs from %s:\n--- got\n%s--- want\n%s", format, golden, got, want)
		}
	}
	// The same request in --cli-input-json, and the default output (json).
	input := `{"PolicySourceArn":"arn:aws:iam::111122223333:user/alice","ActionNames":["s3:GetObject","s3:DeleteObject","s3:PutObject"],` +
		`"ResourceArns":["arn:aws:s3:::b/k"],"ContextEntries":[{"ContextKeyName":"aws:RequestTag/team","ContextKeyValues":["dev"],"ContextKeyType":"string"}]}`
	_, viaFlags, _ := runWith(rootEnv, args...)
	if code, got, errs := runWith(rootEnv, "--cli-input-json", input); code != 0 || got != viaFlags {
		t.Errorf("--cli-input-json: exit %d %s\n%s\nwant\n%s", code, errs, got, viaFlags)
	}
	// One page, as answered.
	if code, got, errs := runWith(rootEnv, append(args, "--max-items", "1")...); code != 0 || !strings.Contains(got, `"IsTruncated": true`) || !strings.Contains(got, `"Marker": "`) {
		t.Errorf("--max-items 1: exit %d %s\n%s", code, errs, got)
	}
	// The service's errors, as the CLI prints them.
	code, _, errs := runWith(rootEnv, "--policy-source-arn", "arn:aws:iam::111122223333:user/nobody", "--action-names", "s3:GetObject")
	if code != 254 || !strings.Contains(errs, "An error occurred (NoSuchEntity) when calling the SimulatePrincipalPolicy operation") {
		t.Errorf("unknown user: exit %d %s", code, errs)
	}
	alice := map[string]string{"AWS_ACCESS_KEY_ID": *key.AccessKey.AccessKeyId, "AWS_SECRET_ACCESS_KEY": *key.AccessKey.SecretAccessKey}
	code, _, errs = runWith(alice, args...)
	if code != 254 || !strings.Contains(errs, "An error occurred (AccessDenied) when calling the SimulatePrincipalPolicy operation") {
		t.Errorf("caller without the permission: exit %d %s", code, errs)
	}
	// Parameter errors never reach the server.
	if code, _, errs := runWith(rootEnv, "--action-names", "s3:GetObject"); code != 252 || !strings.Contains(errs, `Missing required parameter in input: "PolicySourceArn"`) {
		t.Errorf("without --policy-source-arn: exit %d %s", code, errs)
	}
	if code, _, errs := runWith(rootEnv, append(args, "--output", "yaml")...); code != 252 || !strings.Contains(errs, "Invalid choice") {
		t.Errorf("--output yaml: exit %d %s", code, errs)
	}
}
