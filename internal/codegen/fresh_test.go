package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGeneratedCodeIsFresh regenerates the schema from the committed models
// and fails when the checked-in files differ: run `go generate ./proto`.
func TestGeneratedCodeIsFresh(t *testing.T) {
	root := filepath.Join("..", "..", "proto")
	files, err := generate(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Errorf("%s: %v (run go generate ./proto)", name, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run go generate ./proto", name)
		}
	}
	// Every generated-looking file on disk must come from the generator.
	dirs := []string{"records/v1", "admin/v1"}
	for _, cfg := range services {
		dirs = append(dirs, cfg.Dir)
	}
	for _, dir := range dirs {
		entries, err := os.ReadDir(filepath.Join(root, dir))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			name := dir + "/" + e.Name()
			generated := strings.HasSuffix(name, ".pb.go") || strings.HasSuffix(name, ".gen.go") || (strings.HasSuffix(name, ".proto") && dir != "records/v1" && dir != "admin/v1")
			if _, ok := files[name]; generated && !ok {
				t.Errorf("%s is not produced by the generator any more: delete it", name)
			}
		}
	}
}

// TestModelsMatchEveryOperation checks the generator keeps every operation
// of each Smithy model.
func TestModelsMatchEveryOperation(t *testing.T) {
	want := map[string]int{"imagebuilder.json": 77, "iam.json": 176, "sts.json": 11, "s3.json": 107, "kms.json": 54}
	for _, cfg := range services {
		m, err := loadModel(filepath.Join("..", "..", "proto", "models", cfg.Model))
		if err != nil {
			t.Fatal(err)
		}
		svc, err := buildService(cfg, m)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(svc.Operations); got != want[cfg.Model] {
			t.Errorf("%s: %d operations, want %d", cfg.Model, got, want[cfg.Model])
		}
	}
}
