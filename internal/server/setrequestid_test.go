package server

import (
	"context"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/ibemu/ibemu/internal/callctx"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// setRequestID fills in an unset requestId through the generated field and
// through protoreflect alike, and leaves a set one and other types alone.
func TestSetRequestID(t *testing.T) {
	ctx := callctx.With(context.Background(), &callctx.Call{RequestID: "req-1"})

	out := &ibv1.GetComponentResponse{}
	setRequestID(ctx, out)
	if got := out.GetRequestId(); got != "req-1" {
		t.Fatalf("requestId %q, want req-1", got)
	}
	if !out.ProtoReflect().Has(out.ProtoReflect().Descriptor().Fields().ByName("request_id")) {
		t.Fatal("protoreflect does not see the requestId set")
	}
	b, err := proto.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := proto.Marshal(&ibv1.GetComponentResponse{RequestId: proto.String("req-1")})
	if string(b) != string(want) {
		t.Fatalf("marshalled %x, want %x", b, want)
	}

	set := &ibv1.GetComponentResponse{RequestId: proto.String("handler's")}
	setRequestID(ctx, set)
	if got := set.GetRequestId(); got != "handler's" {
		t.Fatalf("a set requestId was replaced: %q", got)
	}

	// A message type without generated fields takes protoreflect's path.
	dyn := dynamicpb.NewMessage(out.ProtoReflect().Descriptor())
	setRequestID(ctx, dyn)
	if got := dyn.Get(dyn.Descriptor().Fields().ByName("request_id")).String(); got != "req-1" {
		t.Fatalf("dynamic requestId %q", got)
	}

	// No requestId member: nothing happens.
	comp := &ibv1.Component{}
	setRequestID(ctx, comp)
	if !proto.Equal(comp, &ibv1.Component{}) {
		t.Fatalf("a message without requestId changed: %v", comp)
	}
}

// The generated path is the one taken: no allocation but the output's.
func TestSetRequestIDAllocations(t *testing.T) {
	ctx := callctx.With(context.Background(), &callctx.Call{RequestID: "req-1"})
	out := &ibv1.GetComponentResponse{}
	if n := testing.AllocsPerRun(100, func() { out.RequestId = nil; setRequestID(ctx, out) }); n != 0 {
		t.Fatalf("%v allocations per call", n)
	}
}

func BenchmarkSetRequestID(b *testing.B) {
	ctx := callctx.With(context.Background(), &callctx.Call{RequestID: "0f3c3c1e-5d0a-4c7e-9a55-1c2b3d4e5f60"})
	b.ReportAllocs()
	for b.Loop() {
		setRequestID(ctx, &ibv1.GetComponentResponse{})
	}
}

// The remembered field of the last output type is used only for that type:
// alternating types, a dynamic message of the same descriptor, a set
// requestId and a typed nil pointer all get the slow path's answer.
func TestSetRequestIDLastField(t *testing.T) {
	ctx := callctx.With(context.Background(), &callctx.Call{RequestID: "req-2"})
	for range 3 {
		a := &ibv1.GetComponentResponse{}
		setRequestID(ctx, a)
		if a.GetRequestId() != "req-2" {
			t.Fatalf("GetComponentResponse requestId %q", a.GetRequestId())
		}
		b := &ibv1.DeleteComponentResponse{}
		setRequestID(ctx, b)
		if b.GetRequestId() != "req-2" {
			t.Fatalf("DeleteComponentResponse requestId %q", b.GetRequestId())
		}
		set := &ibv1.DeleteComponentResponse{RequestId: proto.String("kept")}
		setRequestID(ctx, set)
		if set.GetRequestId() != "kept" {
			t.Fatalf("a set requestId was replaced: %q", set.GetRequestId())
		}
		dyn := dynamicpb.NewMessage(b.ProtoReflect().Descriptor())
		setRequestID(ctx, dyn)
		if got := dyn.Get(dyn.Descriptor().Fields().ByName("request_id")).String(); got != "req-2" {
			t.Fatalf("dynamic requestId %q", got)
		}
		comp := &ibv1.Component{}
		setRequestID(ctx, comp)
		if !proto.Equal(comp, &ibv1.Component{}) {
			t.Fatalf("a message without requestId changed: %v", comp)
		}
	}
	func() {
		defer func() { _ = recover() }() // the slow path's answer to a nil message
		setRequestID(ctx, (*ibv1.DeleteComponentResponse)(nil))
	}()
}
