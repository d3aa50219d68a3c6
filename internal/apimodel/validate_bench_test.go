package apimodel_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/ibemu/ibemu/internal/apimodel"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// BenchmarkValidateGetComponent is the validation of every GetComponent.
func BenchmarkValidateGetComponent(b *testing.B) {
	op, _ := ibv1.Model().Operation("GetComponent")
	in := (&ibv1.GetComponentRequest{ComponentBuildVersionArn: proto.String("arn:aws:imagebuilder:us-east-1:111122223333:component/c/1.0.0/1")}).ProtoReflect()
	b.ReportAllocs()
	for b.Loop() {
		if apimodel.Validate(op.Input, in) != nil {
			b.Fatal("violations")
		}
	}
}
