package server

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/ibemu/ibemu/internal/apimodel"
	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
	kmsv1 "github.com/ibemu/ibemu/proto/kms/v1"
	s3v1 "github.com/ibemu/ibemu/proto/s3/v1"
	stsv1 "github.com/ibemu/ibemu/proto/sts/v1"
)

// Every operation of every served API gets its directCall when the API is
// built: the generated input type of the operation, the method's info and
// a handler that calls the implementation.
func TestDirectCallForEveryOperation(t *testing.T) {
	for _, c := range []struct {
		model *apimodel.Service
		desc  *grpc.ServiceDesc
		impl  any
	}{
		{ibv1.Model(), &ibv1.Imagebuilder_ServiceDesc, ibv1.UnsupportedImagebuilderServer{}},
		{iamv1.Model(), &iamv1.IAM_ServiceDesc, &iamv1.UnsupportedIAMServer{}},
		{stsv1.Model(), &stsv1.STS_ServiceDesc, &stsv1.UnsupportedSTSServer{}},
		{kmsv1.Model(), &kmsv1.KMS_ServiceDesc, &kmsv1.UnsupportedKMSServer{}},
		{s3v1.Model(), &s3v1.S3_ServiceDesc, &s3v1.UnsupportedS3Server{}},
	} {
		model := c.model
		a := newAPI(model.Info(), func() *apimodel.Service { return model }, c.desc, c.impl)
		if err := a.build(); err != nil {
			t.Fatalf("%s: %v", model.Name, err)
		}
		if len(a.calls) != len(model.Operations) {
			t.Fatalf("%s: %d direct calls for %d operations", model.Name, len(a.calls), len(model.Operations))
		}
		for _, op := range model.Operations {
			dc := a.calls[op.Name]
			mt, err := protoregistry.GlobalTypes.FindMessageByName(op.Input.Message.FullName())
			if err != nil {
				t.Fatal(err)
			}
			if want := reflect.TypeOf(mt.Zero().Interface()); dc.input != want {
				t.Errorf("%s: input %v, want %v", op.Name, dc.input, want)
			}
			if dc.info.FullMethod != op.GRPCMethod || dc.info.Server != c.impl || dc.rt.op != op || dc.rt.api != a {
				t.Errorf("%s: info %+v, route %v", op.Name, dc.info, dc.rt.op.Name)
			}
			in := dc.newInput()
			if reflect.TypeOf(in) != dc.input || proto.Size(in) != 0 {
				t.Errorf("%s: new input %T %v", op.Name, in, in)
			}
		}
	}
}

// recording answers GetComponent with what it was given.
type recording struct {
	ibv1.UnsupportedImagebuilderServer
}

func (recording) GetComponent(ctx context.Context, in *ibv1.GetComponentRequest) (*ibv1.GetComponentResponse, error) {
	return &ibv1.GetComponentResponse{RequestId: in.ComponentBuildVersionArn}, nil
}

// The captured handler calls the implementation as the generated handler
// does: same input, same answer, same interceptor arguments.
func TestDirectCallMatchesGeneratedHandler(t *testing.T) {
	model := ibv1.Model()
	a := newAPI(model.Info(), func() *apimodel.Service { return model }, &ibv1.Imagebuilder_ServiceDesc, recording{})
	if err := a.build(); err != nil {
		t.Fatal(err)
	}
	arn := "arn:aws:imagebuilder:us-east-1:123456789012:component/c/1.0.0/1"
	var seen []*grpc.UnaryServerInfo
	chain := func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		seen = append(seen, info)
		return handler(ctx, req)
	}
	want, err := a.methods["GetComponent"].Handler(a.Impl, context.Background(), func(in any) error {
		in.(*ibv1.GetComponentRequest).ComponentBuildVersionArn = &arn
		return nil
	}, chain)
	if err != nil {
		t.Fatal(err)
	}
	dc := a.calls["GetComponent"]
	in := dc.newInput()
	in.(*ibv1.GetComponentRequest).ComponentBuildVersionArn = &arn
	got, err := chain(context.Background(), in, dc.info, dc.handler)
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(got.(proto.Message), want.(proto.Message)) {
		t.Fatalf("direct %v, generated %v", got, want)
	}
	if *seen[0] != *seen[1] {
		t.Fatalf("generated info %+v, direct %+v", seen[0], seen[1])
	}
}

// A handler that does not decode and call its interceptor as
// protoc-gen-go-grpc's do makes the API fail to build.
func TestCaptureCallRefusesOtherHandlers(t *testing.T) {
	model := ibv1.Model()
	op, _ := model.Operation("GetComponent")
	a := newAPI(model.Info(), func() *apimodel.Service { return model }, &ibv1.Imagebuilder_ServiceDesc, recording{})
	for name, h := range map[string]grpc.MethodHandler{
		"no interceptor": func(srv any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
			in := new(ibv1.GetComponentRequest)
			if err := dec(in); err != nil {
				return nil, err
			}
			return srv.(ibv1.ImagebuilderServer).GetComponent(ctx, in)
		},
		"no decode": func(srv any, ctx context.Context, _ func(any) error, icpt grpc.UnaryServerInterceptor) (any, error) {
			return icpt(ctx, new(ibv1.GetComponentRequest), &grpc.UnaryServerInfo{Server: srv, FullMethod: op.GRPCMethod}, func(context.Context, any) (any, error) { return nil, nil })
		},
		"other method": func(srv any, ctx context.Context, dec func(any) error, icpt grpc.UnaryServerInterceptor) (any, error) {
			in := new(ibv1.GetComponentRequest)
			_ = dec(in)
			return icpt(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: "/x/Y"}, func(context.Context, any) (any, error) { return nil, nil })
		},
		"not a message": func(srv any, ctx context.Context, dec func(any) error, icpt grpc.UnaryServerInterceptor) (any, error) {
			in := new(string)
			_ = dec(in)
			return icpt(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: op.GRPCMethod}, func(context.Context, any) (any, error) { return nil, nil })
		},
		"failing": func(any, context.Context, func(any) error, grpc.UnaryServerInterceptor) (any, error) {
			return nil, errors.New("no")
		},
	} {
		md := &grpc.MethodDesc{MethodName: "GetComponent", Handler: h}
		if _, err := captureCall(a, md, route{api: a, op: op}); err == nil || !strings.Contains(err.Error(), "GetComponent") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
