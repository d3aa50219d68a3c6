package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/emulator/emulatortest"
)

// policy suggest and policy impact against a running emulator in soft
// mode, through the admin API, as the default admin.
func TestPolicySuggestAndImpactCommands(t *testing.T) {
	emu := emulatortest.Start(t, func(c *emulator.Config) { c.Enforce = "soft" })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	root := emu.AWSConfig("111122223333")
	rootIAM := iam.NewFromConfig(root)
	if _, err := rootIAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("cli")}); err != nil {
		t.Fatal(err)
	}
	key, err := rootIAM.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("cli")})
	if err != nil {
		t.Fatal(err)
	}
	user := emu.AWSConfigWithCredentials(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "")
	if _, err := imagebuilder.NewFromConfig(user).ListComponents(ctx, &imagebuilder.ListComponentsInput{}); err != nil {
		t.Fatalf("ListComponents in soft mode: %v", err)
	}
	getenv := func(string) string { return "" }
	principal := "arn:aws:iam::111122223333:user/cli"
	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"policy", "suggest", "--endpoint", emu.GRPCAddr(), "--principal", principal, "--since", "1h"}, nil, &out, &errOut, getenv); code != 0 {
		t.Fatalf("policy suggest: %d\n%s", code, errOut.String())
	}
	if !strings.Contains(out.String(), `"Action": "imagebuilder:ListComponents"`) || !strings.Contains(errOut.String(), "1 actions") {
		t.Fatalf("policy suggest printed:\n%s\n%s", out.String(), errOut.String())
	}

	file := filepath.Join(t.TempDir(), "p.json")
	if err := os.WriteFile(file, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errOut.Reset()
	if code := run(ctx, []string{"policy", "impact", "--endpoint", emu.GRPCAddr(), "--principal", principal, "--policy", "file://" + file}, nil, &out, &errOut, getenv); code != 0 {
		t.Fatalf("policy impact: %d\n%s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "imagebuilder:ListComponents on *") || !strings.Contains(out.String(), "implicitDeny -> allowed") {
		t.Fatalf("policy impact printed:\n%s\n%s", out.String(), errOut.String())
	}
	if !strings.Contains(errOut.String(), "1 of 1 recorded decisions would change") {
		t.Errorf("summary: %s", errOut.String())
	}
	if code := run(ctx, []string{"policy", "impact", "--endpoint", emu.GRPCAddr(), "--principal", principal, "--policy", file, "--kind", "trust"}, nil, &out, &errOut, getenv); code != 1 {
		t.Errorf("an unknown kind: exit %d", code)
	}
	if code := run(ctx, []string{"serve", "--enforce", "loose"}, nil, &out, &errOut, getenv); code != 2 {
		t.Errorf("serve --enforce loose: exit %d", code)
	}
}

// decisions --format json prints one object per line in the shape the
// pages' ?format=json lists (camelCase members).
func TestDecisionsCommandJSON(t *testing.T) {
	emu := emulatortest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := imagebuilder.NewFromConfig(emu.AWSConfig("111122223333")).ListComponents(ctx, &imagebuilder.ListComponentsInput{}); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"decisions", "--endpoint", emu.GRPCAddr(), "--format", "json"}, nil, &out, &errOut, func(string) string { return "" }); code != 0 {
		t.Fatalf("decisions: %d\n%s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], `"requestId":`) || !strings.Contains(lines[0], `"action":"imagebuilder:ListComponents"`) || strings.Contains(lines[0], "request_id") {
		t.Fatalf("decisions --format json printed:\n%s", out.String())
	}
	// The request's own fields are there too: who asked, from where, how.
	var got map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &got); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{
		"principalType": "Root", "accountId": "111122223333", "accessKeyId": "111122223333",
		"service": "imagebuilder", "operation": "ListComponents", "region": "us-east-1",
		"sourceIp": "127.0.0.1", "transport": "http",
	} {
		if got[k] != want {
			t.Errorf("%s = %v, want %q\n%s", k, got[k], want, lines[0])
		}
	}
}
