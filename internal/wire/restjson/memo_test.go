package restjson

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"google.golang.org/protobuf/proto"

	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// A frozen member is answered with the bytes a fresh encoding gives, the
// first time and every time after.
func TestFrozenEncodingMatchesFresh(t *testing.T) {
	o := op(t, "GetComponent")
	out := benchComponentOutput()
	want := AppendOutput(nil, o, proto.Clone(out).(*ibv1.GetComponentResponse))
	Freeze(out.Component, out.LatestVersionReferences)
	for i := range 3 {
		if got := AppendOutput([]byte{}, o, out); !bytes.Equal(got, want) {
			t.Fatalf("encoding %d:\n got  %s\n want %s", i, got, want)
		}
	}
	// Another request id around the same frozen members.
	out2 := &ibv1.GetComponentResponse{RequestId: proto.String("other"), Component: out.Component, LatestVersionReferences: out.LatestVersionReferences}
	fresh := proto.Clone(out2).(*ibv1.GetComponentResponse)
	if got, want := AppendOutput(nil, o, out2), AppendOutput(nil, o, fresh); !bytes.Equal(got, want) {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

// The memo is used: a frozen message changed against the rules still
// answers its old encoding, and VerifyMemo catches the change. An
// unfrozen message is always encoded afresh.
func TestFrozenEncodingIsRemembered(t *testing.T) {
	o := op(t, "GetComponent")
	c := &ibv1.Component{Name: proto.String("before")}
	Freeze(c)
	first := string(AppendOutput(nil, o, &ibv1.GetComponentResponse{Component: c}))
	c.Name = proto.String("after") // breaks Freeze's promise, on purpose
	if got := string(AppendOutput(nil, o, &ibv1.GetComponentResponse{Component: c})); got != first {
		t.Fatalf("frozen message encoded again: %s, want the remembered %s", got, first)
	}
	func() {
		defer VerifyMemo(VerifyMemo(true))
		defer func() {
			if recover() == nil {
				t.Error("VerifyMemo did not catch a changed frozen message")
			}
		}()
		AppendOutput(nil, o, &ibv1.GetComponentResponse{Component: c})
	}()

	u := &ibv1.Component{Name: proto.String("before")}
	AppendOutput(nil, o, &ibv1.GetComponentResponse{Component: u})
	u.Name = proto.String("after")
	if got, want := string(AppendOutput(nil, o, &ibv1.GetComponentResponse{Component: u})), `{"component":{"name":"after"}}`; got != want {
		t.Fatalf("unfrozen message: got %s want %s", got, want)
	}
}

// The memo stays within its budget: past it, it starts over.
func TestMemoBudget(t *testing.T) {
	o := op(t, "GetComponent")
	big := bytes.Repeat([]byte("x"), 64<<10)
	epoch := MemoEpoch()
	for i := range 200 {
		c := &ibv1.Component{Name: proto.String(fmt.Sprint(i)), Data: proto.String(string(big))}
		before := MemoEpoch()
		Freeze(c)
		if _, kept := memo.Load(c.ProtoReflect()); !kept && MemoEpoch() == before {
			// A caller that saw this epoch skips freezing c again.
			t.Fatalf("the memo dropped a frozen message without a new MemoEpoch")
		}
		AppendOutput(nil, o, &ibv1.GetComponentResponse{Component: c})
		if n := memoBytes.Load(); n > memoBudget {
			t.Fatalf("memo holds %d bytes, over its budget %d", n, memoBudget)
		}
	}
	if n := MemoLen(); n == 0 || n >= 200 {
		t.Fatalf("memo holds %d entries after 200 of 192 KiB each", n)
	}
	if MemoEpoch() == epoch {
		t.Fatal("MemoEpoch did not change when the memo was dropped")
	}
}

// Concurrent answers of one frozen message (run with -race).
func TestFrozenConcurrent(t *testing.T) {
	o := op(t, "GetComponent")
	out := benchComponentOutput()
	want := AppendOutput(nil, o, proto.Clone(out).(*ibv1.GetComponentResponse))
	c := proto.Clone(out.Component).(*ibv1.Component)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				Freeze(c)
				got := AppendOutput(nil, o, &ibv1.GetComponentResponse{RequestId: out.RequestId, Component: c, LatestVersionReferences: out.LatestVersionReferences})
				if !bytes.Equal(got, want) {
					t.Errorf("got %s", got)
					return
				}
			}
		})
	}
	wg.Wait()
}

func BenchmarkAppendOutputGetComponentFrozen(b *testing.B) {
	o := op(b, "GetComponent")
	out := benchComponentOutput()
	Freeze(out.Component, out.LatestVersionReferences)
	buf := make([]byte, 0, 8192)
	for b.Loop() {
		buf = AppendOutput(buf[:0], o, out)
	}
}
