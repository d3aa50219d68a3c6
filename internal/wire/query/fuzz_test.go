package query

import (
	"net/http/httptest"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/ibemu/ibemu/internal/apimodel"
)

// fuzzOps are operations with every shape the decoder walks: lists of
// structures with nested lists (SimulateCustomPolicy), tags (CreateUser),
// integers and booleans (ListPolicies), maps and longs (ImportDiskImage),
// timestamps and maps deep in structures (StartResourceStateUpdate), and a
// recursive shape with blobs of the synthetic model.
var fuzzOps = []*apimodel.Operation{
	iamOp("CreateUser"),
	iamOp("SimulateCustomPolicy"),
	iamOp("ListPolicies"),
	ibOp("ImportDiskImage"),
	ibOp("StartResourceStateUpdate"),
	syntheticOp("Eval"),
	syntheticOp("Secret"),
}

// FuzzDecodeInput feeds arbitrary form bodies through ReadParams and
// DecodeInput. It must never panic, must give the same answer every time
// (parameters arrive in map order), and the decoded message must stay in
// proportion to the input.
func FuzzDecodeInput(f *testing.F) {
	for _, seed := range []string{
		"UserName=alice&Tags.member.2.Key=b&Tags.member.1.Key=a&Tags.member.1.Value=x",
		"ActionNames.member.1=s3:GetObject&ContextEntries.member.1.ContextKeyValues.member.3=v&ContextEntries.member.1.ContextKeyName=k&MaxItems=10",
		"OnlyAttached=true&MaxItems=-1&Scope=All",
		"tags.entry.1.key=a&tags.entry.1.value=b&windowsConfiguration.imageIndex=99",
		"updateAt=2024-01-01T00:00:00Z&exclusionRules.amis.tagMap.entry.3.key=k&exclusionRules.amis.tagMap.entry.3.value=v",
		"L.Items.member.1.M.Fields.entry.1.key=k&L.Items.member.1.M.Fields.entry.1.value.L.Items.member.2.N=1e3",
		"Data=aGVsbG8=",
		"Tags=&Tags.member.0.Key=x&UserName=a&UserName=b",
		"Tags.member.999999999.Key=x",
		"%zz=1",
	} {
		for i := range fuzzOps {
			f.Add(uint8(i), seed)
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		op := fuzzOps[int(which)%len(fuzzOps)]
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		params, _, err := ReadParams(r, 0)
		if err != nil {
			return
		}
		first := newMessage(op.Input)
		err1 := DecodeInput(op, params, first)
		second := newMessage(op.Input)
		err2 := DecodeInput(op, params, second)
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("decoding twice gave %v then %v", err1, err2)
		}
		if err1 != nil {
			if err1.Code != err2.Code || err1.Message != err2.Message || err1.HTTPStatus != err2.HTTPStatus {
				t.Fatalf("decoding twice gave different errors: %v / %v", err1, err2)
			}
			if err1.Code != CodeMalformedInput || err1.HTTPStatus != 400 {
				t.Fatalf("unexpected error %v", err1)
			}
			return
		}
		if !proto.Equal(first, second) {
			t.Fatalf("decoding twice gave different messages")
		}
		if size := proto.Size(first); size > 2*len(body)+64 {
			t.Fatalf("a %d-byte request decoded to a %d-byte message", len(body), size)
		}
		// What decodes must encode, in one pass and without a panic.
		if len(op.Output.Members) > 0 && op.Output.Message == op.Input.Message {
			_ = EncodeOutput(syntheticModel, op, first, "fuzz")
		}
	})
}
