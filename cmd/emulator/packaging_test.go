package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// serveHelp is serve -h's output.
func serveHelp(t *testing.T) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"serve", "-h"}, nil, &out, &errOut, func(string) string { return "" }); code != 0 {
		t.Fatalf("serve -h: %d", code)
	}
	return errOut.String()
}

// TestEverySettingHasAnEnvironmentVariable: each serve flag's help names
// the IBEMU_ variable that sets it.
func TestEverySettingHasAnEnvironmentVariable(t *testing.T) {
	help := serveHelp(t)
	flags := regexp.MustCompile(`(?m)^  -([a-z-]+)`).FindAllStringSubmatchIndex(help, -1)
	if len(flags) < 10 {
		t.Fatalf("found %d flags in\n%s", len(flags), help)
	}
	for i, m := range flags {
		end := len(help)
		if i+1 < len(flags) {
			end = flags[i+1][0]
		}
		if name, text := help[m[2]:m[3]], help[m[0]:end]; !strings.Contains(text, "env IBEMU_") {
			t.Errorf("flag -%s names no environment variable:\n%s", name, text)
		}
	}
}

// TestComposeFile checks docker-compose.yml's shape where docker compose
// is not installed (.ci/run runs "docker compose config" where it is):
// ports on loopback only, the database in a declared named volume,
// configuration by IBEMU_ variables that serve documents, a health check
// with the health subcommand.
func TestComposeFile(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Services map[string]struct {
			Build       string            `yaml:"build"`
			Image       string            `yaml:"image"`
			Ports       []string          `yaml:"ports"`
			Volumes     []string          `yaml:"volumes"`
			Environment map[string]string `yaml:"environment"`
			Healthcheck struct {
				Test     []string `yaml:"test"`
				Interval string   `yaml:"interval"`
				Timeout  string   `yaml:"timeout"`
				Retries  int      `yaml:"retries"`
			} `yaml:"healthcheck"`
		} `yaml:"services"`
		Volumes map[string]any `yaml:"volumes"`
	}
	d := yaml.NewDecoder(bytes.NewReader(b))
	d.KnownFields(true)
	if err := d.Decode(&f); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	svc, ok := f.Services["emulator"]
	if !ok || svc.Build == "" {
		t.Fatalf("no emulator service built from the Dockerfile: %+v", f.Services)
	}
	if len(svc.Ports) != 2 {
		t.Errorf("ports %v, want the two endpoints", svc.Ports)
	}
	for _, p := range svc.Ports {
		if !strings.HasPrefix(p, "127.0.0.1:") {
			t.Errorf("port %q is published beyond loopback", p)
		}
	}
	named := false
	for _, v := range svc.Volumes {
		src, dst, _ := strings.Cut(v, ":")
		if _, declared := f.Volumes[src]; declared && strings.HasPrefix(dst, "/data") {
			named = true
		}
	}
	if !named {
		t.Errorf("volumes %v: no declared named volume on /data (%v)", svc.Volumes, f.Volumes)
	}
	help := serveHelp(t)
	for k := range svc.Environment {
		if !strings.Contains(help, k) {
			t.Errorf("environment %s is not a setting serve documents", k)
		}
	}
	if strings.Join(svc.Healthcheck.Test, " ") != "CMD /emulator health" {
		t.Errorf("healthcheck %v", svc.Healthcheck.Test)
	}
}

// TestDockerfile: the entry point leaves the listen addresses and data
// file to the environment, the image runs as non-root, and its health
// check needs no curl.
func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var entry, health, user string
	env := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, "ENTRYPOINT "):
			entry = line
		case strings.HasPrefix(line, "HEALTHCHECK "):
			health = line
		case strings.HasPrefix(line, "USER "):
			user = line
		}
		for _, m := range regexp.MustCompile(`(IBEMU_[A-Z_]+)=`).FindAllStringSubmatch(line, -1) {
			env[m[1]] = true
		}
	}
	for _, flag := range []string{"--http", "--grpc", "--data", "-http", "-grpc", "-data"} {
		if strings.Contains(entry, flag) {
			t.Errorf("ENTRYPOINT %q fixes %s, overriding the environment", entry, flag)
		}
	}
	if !strings.Contains(health, `"/emulator", "health"`) {
		t.Errorf("HEALTHCHECK %q does not use the health subcommand", health)
	}
	if user == "" || strings.Contains(user, "root") || strings.Contains(user, " 0") {
		t.Errorf("USER %q: want a non-root user", user)
	}
	for _, k := range []string{"IBEMU_HTTP", "IBEMU_GRPC", "IBEMU_DATA"} {
		if !env[k] {
			t.Errorf("the Dockerfile sets no %s", k)
		}
	}
	if !strings.Contains(string(b), "CGO_ENABLED=0") {
		t.Error("the binary is not built static (CGO_ENABLED=0)")
	}
}
