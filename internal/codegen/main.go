// Command codegen generates the emulator's API schema from the official AWS
// Smithy models: for each service a .proto file, its Go code (through the
// protoc-gen-go and protoc-gen-go-grpc plugins pinned as tools in go.mod),
// model.gen.go, the table of wire bindings and constraints that the generic
// codecs walk, and authz.gen.go, the authorization spec of every operation
// from the Service Authorization Reference data in authz/ (see authz.go).
// Protobuf field numbers come from each service's committed fields.lock,
// which the generator extends (see fieldlock.go).
//
// Run it with `go generate ./proto` (see proto/generate.go). The output is
// checked in; TestGeneratedCodeIsFresh regenerates it and fails on any
// difference.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

const modulePath = "github.com/ibemu/ibemu"

var services = []serviceConfig{
	{Model: "imagebuilder.json", Dir: "imagebuilder/v1", ProtoPackage: "ibemu.imagebuilder.v1", GoPackage: "imagebuilderv1", GRPCService: "Imagebuilder", Authz: "imagebuilder-authz.json"},
	{Model: "iam.json", Dir: "iam/v1", ProtoPackage: "ibemu.iam.v1", GoPackage: "iamv1", GRPCService: "IAM", Authz: "iam-authz.json"},
	{Model: "sts.json", Dir: "sts/v1", ProtoPackage: "ibemu.sts.v1", GoPackage: "stsv1", GRPCService: "STS", Authz: "sts-authz.json"},
	{Model: "s3.json", Dir: "s3/v1", ProtoPackage: "ibemu.s3.v1", GoPackage: "s3v1", GRPCService: "S3", Authz: "s3-authz.json"},
	{Model: "kms.json", Dir: "kms/v1", ProtoPackage: "ibemu.kms.v1", GoPackage: "kmsv1", GRPCService: "KMS", Authz: "kms-authz.json"},
}

func main() {
	root := flag.String("root", ".", "proto root: holds models/ and authz/, and receives the generated files")
	flag.Parse()
	if err := generateAll(context.Background(), *root); err != nil {
		fmt.Fprintln(os.Stderr, "codegen:", err)
		os.Exit(1)
	}
}

// generateAll writes every generated file under outRoot.
func generateAll(ctx context.Context, outRoot string) error {
	files, err := generate(ctx, outRoot)
	if err != nil {
		return err
	}
	for name, content := range files {
		path := filepath.Join(outRoot, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, content, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// generate returns every generated file, keyed by its path under the proto
// root.
func generate(ctx context.Context, protoRoot string) (map[string][]byte, error) {
	modelsDir := filepath.Join(protoRoot, "models")
	moduleRoot, err := findModuleRoot()
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	for _, cfg := range services {
		m, err := loadModel(filepath.Join(modelsDir, cfg.Model))
		if err != nil {
			return nil, err
		}
		svc, err := buildService(cfg, m)
		if err != nil {
			return nil, err
		}
		ref, err := loadAuthzRef(filepath.Join(protoRoot, "authz", cfg.Authz))
		if err != nil {
			return nil, err
		}
		if err := svc.buildAuthz(ref); err != nil {
			return nil, fmt.Errorf("%s: %w", cfg.Authz, err)
		}
		authzFile, err := svc.authzFile("the Service Authorization Reference data proto/authz/" + cfg.Authz)
		if err != nil {
			return nil, err
		}
		files[cfg.Dir+"/authz.gen.go"] = authzFile
		lockPath := cfg.Dir + "/" + lockFileName
		lock, err := readFieldLock(filepath.Join(protoRoot, lockPath))
		if err != nil {
			return nil, err
		}
		if err := svc.assignNumbers(lock); err != nil {
			return nil, fmt.Errorf("%s: %w", lockPath, err)
		}
		files[lockPath] = lock.format(cfg.ProtoPackage)
		protoPath := cfg.Dir + "/" + filepath.Base(cfg.Dir[:len(cfg.Dir)-len("/v1")]) + ".proto"
		source := svc.protoFile(modulePath)
		files[protoPath] = []byte(source)
		fd, err := compileProto(ctx, protoPath, source)
		if err != nil {
			return nil, err
		}
		for _, tool := range []string{"protoc-gen-go", "protoc-gen-go-grpc"} {
			gen, err := runPlugin(ctx, moduleRoot, tool, fd)
			if err != nil {
				return nil, err
			}
			for _, f := range gen {
				files[f.GetName()] = []byte(f.GetContent())
			}
		}
		table, err := svc.modelFile(modulePath)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", cfg.Model, err)
		}
		files[cfg.Dir+"/model.gen.go"] = table
	}
	// Hand-written protos (the emulator's own records) go through the same
	// compiler and the protoc-gen-go plugin.
	for _, path := range handWritten {
		source, err := os.ReadFile(filepath.Join(protoRoot, path))
		if err != nil {
			return nil, err
		}
		fd, err := compileProto(ctx, path, string(source))
		if err != nil {
			return nil, err
		}
		gen, err := runPlugin(ctx, moduleRoot, "protoc-gen-go", fd)
		if err != nil {
			return nil, err
		}
		for _, f := range gen {
			files[f.GetName()] = []byte(f.GetContent())
		}
		if !handWrittenServices[path] {
			continue
		}
		gen, err = runPlugin(ctx, moduleRoot, "protoc-gen-go-grpc", fd)
		if err != nil {
			return nil, err
		}
		for _, f := range gen {
			files[f.GetName()] = []byte(f.GetContent())
		}
	}
	return files, nil
}

// readFieldLock reads a service's lock file of field numbers. A missing file
// is an error, not an empty lock: numbering from scratch would renumber
// released fields. A new service starts from an empty file.
func readFieldLock(path string) (*fieldLock, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s is missing: it holds the released protobuf field numbers; restore it from git (a new service starts with an empty file)", path)
	}
	if err != nil {
		return nil, err
	}
	l, err := parseFieldLock(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return l, nil
}

// handWritten lists the .proto files under the proto root that are written
// by hand rather than generated from a Smithy model.
var handWritten = []string{
	"records/v1/records.proto", "records/v1/iam_records.proto", "records/v1/sts_records.proto",
	"records/v1/kms_records.proto", "records/v1/s3_records.proto",
	"admin/v1/admin.proto",
}

// handWrittenServices are the hand-written protos that declare gRPC
// services: protoc-gen-go-grpc runs on them too.
var handWrittenServices = map[string]bool{"admin/v1/admin.proto": true}

func findModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("go.mod not found above the working directory")
		}
		dir = parent
	}
}
