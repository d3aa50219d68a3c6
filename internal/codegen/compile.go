package main

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"

	"github.com/bufbuild/protocompile"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/pluginpb"
)

// compileProto compiles one generated .proto file with protocompile (the
// compiler buf is built on, as a library, so no protoc binary is needed) and
// returns its descriptor with source info, so plugins see the comments.
func compileProto(ctx context.Context, path, source string) (*descriptorpb.FileDescriptorProto, error) {
	c := protocompile.Compiler{
		Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{
			Accessor: protocompile.SourceAccessorFromMap(map[string]string{path: source}),
		}),
		SourceInfoMode: protocompile.SourceInfoStandard,
	}
	files, err := c.Compile(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("compile %s: %w", path, err)
	}
	return protodesc.ToFileDescriptorProto(files[0]), nil
}

// runPlugin runs a protoc plugin (a `go tool` of this module, so its version
// is pinned in go.mod) with the plugin protocol on stdin and stdout.
func runPlugin(ctx context.Context, moduleRoot, tool string, file *descriptorpb.FileDescriptorProto) ([]*pluginpb.CodeGeneratorResponse_File, error) {
	deps := []*descriptorpb.FileDescriptorProto{}
	for _, d := range file.GetDependency() {
		fd, err := wellKnown(d)
		if err != nil {
			return nil, err
		}
		deps = append(deps, protodesc.ToFileDescriptorProto(fd))
	}
	req := &pluginpb.CodeGeneratorRequest{
		FileToGenerate:        []string{file.GetName()},
		Parameter:             proto.String("paths=source_relative"),
		ProtoFile:             append(deps, file),
		SourceFileDescriptors: []*descriptorpb.FileDescriptorProto{file},
	}
	in, err := proto.Marshal(req)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, "go", "tool", tool)
	cmd.Dir = moduleRoot
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go tool %s: %v: %s", tool, err, stderr.String())
	}
	var resp pluginpb.CodeGeneratorResponse
	if err := proto.Unmarshal(stdout.Bytes(), &resp); err != nil {
		return nil, fmt.Errorf("go tool %s: bad response: %w", tool, err)
	}
	if resp.Error != nil {
		return nil, fmt.Errorf("go tool %s: %s", tool, resp.GetError())
	}
	return resp.File, nil
}

func wellKnown(path string) (protoreflect.FileDescriptor, error) {
	switch path {
	case "google/protobuf/timestamp.proto":
		return timestamppb.File_google_protobuf_timestamp_proto, nil
	}
	return nil, fmt.Errorf("unexpected import %s", path)
}
