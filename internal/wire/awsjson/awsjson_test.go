package awsjson

import (
	"encoding/json"
	"net/http"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/ibemu/ibemu/internal/apimodel"
	"github.com/ibemu/ibemu/internal/awserr"
	kmsv1 "github.com/ibemu/ibemu/proto/kms/v1"
)

func TestOperation(t *testing.T) {
	svc := kmsv1.Model()
	op, err := Operation(svc, "TrentService.Encrypt")
	if err != nil || op.Name != "Encrypt" {
		t.Fatalf("Operation = %v, %v", op, err)
	}
	for _, target := range []string{"", "TrentService", "TrentService.", "TrentService.Nope", "Other.Encrypt", "trentservice.Encrypt"} {
		if _, err := Operation(svc, target); err == nil || err.Code != "UnknownOperationException" || err.HTTPStatus != http.StatusBadRequest {
			t.Errorf("Operation(%q) = %v, want UnknownOperationException 400", target, err)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	svc := kmsv1.Model()
	op, _ := svc.Operation("Encrypt")
	in := &kmsv1.EncryptRequest{}
	body := `{"KeyId":"alias/x","Plaintext":"aGVsbG8=","EncryptionContext":{"b":"2","a":"1"},"GrantTokens":["t"],"Unknown":{"x":[1]}}`
	if err := DecodeInput(op, []byte(body), in); err != nil {
		t.Fatal(err)
	}
	want := &kmsv1.EncryptRequest{KeyId: proto.String("alias/x"), Plaintext: []byte("hello"), EncryptionContext: map[string]string{"a": "1", "b": "2"}, GrantTokens: []string{"t"}}
	if !proto.Equal(in, want) {
		t.Fatalf("decoded %v, want %v", in, want)
	}
	dop, _ := svc.Operation("DescribeKey")
	out := &kmsv1.DescribeKeyResponse{KeyMetadata: &kmsv1.KeyMetadata{KeyId: proto.String("k"), Enabled: proto.Bool(true)}}
	var got map[string]any
	if err := json.Unmarshal(AppendOutput(nil, dop, out), &got); err != nil {
		t.Fatal(err)
	}
	md := got["KeyMetadata"].(map[string]any)
	if md["KeyId"] != "k" || md["Enabled"] != true {
		t.Fatalf("output %v", got)
	}
}

func TestDecodeErrors(t *testing.T) {
	op, _ := kmsv1.Model().Operation("Encrypt")
	for _, body := range []string{`[`, `[]`, `null`, `"x"`, `{"KeyId":1}`, `{"Plaintext":"***"}`, `{} {}`, `{"EncryptionContext":{"a":1}}`} {
		err := DecodeInput(op, []byte(body), &kmsv1.EncryptRequest{})
		if err == nil || err.Code != "SerializationException" || err.HTTPStatus != 400 {
			t.Errorf("DecodeInput(%s) = %v, want SerializationException", body, err)
		}
	}
	if err := DecodeInput(op, nil, &kmsv1.EncryptRequest{}); err != nil {
		t.Errorf("empty body: %v", err)
	}
}

func TestAppendError(t *testing.T) {
	e := awserr.New("NotFoundException", 400, `Key "x" does not exist`)
	var got map[string]string
	if err := json.Unmarshal(AppendError(nil, e), &got); err != nil {
		t.Fatal(err)
	}
	if got["__type"] != "NotFoundException" || got["message"] != e.Message {
		t.Fatalf("error body %v", got)
	}
	h := http.Header{}
	SetErrorHeaders(h, e)
	if h.Get("X-Amzn-ErrorType") != "NotFoundException" || h.Get("Content-Type") != ContentType {
		t.Fatalf("headers %v", h)
	}
}

// FuzzDecodeInput feeds arbitrary targets and bodies to the codec: it must
// never panic, answer only 400s, and encode back whatever it accepts.
func FuzzDecodeInput(f *testing.F) {
	seeds := []struct{ target, body string }{
		{"TrentService.Encrypt", `{"KeyId":"k","Plaintext":"aGk=","EncryptionContext":{"a":"b"}}`},
		{"TrentService.CreateKey", `{"Tags":[{"TagKey":"a","TagValue":"b"}],"BypassPolicyLockoutSafetyCheck":true}`},
		{"TrentService.CreateGrant", `{"KeyId":"k","Operations":["Decrypt"],"Constraints":{"EncryptionContextSubset":{"a":"b"}}}`},
		{"TrentService.ListKeys", `{"Limit":10,"Marker":"m"}`},
		{"TrentService.ImportKeyMaterial", `{"ValidTo":1.5e9}`},
		{"TrentService.Decrypt", `{"CiphertextBlob":null}`},
		{"TrentService.Decrypt", `{`},
		{"X.Y", ``},
	}
	for _, s := range seeds {
		f.Add(s.target, []byte(s.body))
	}
	svc := kmsv1.Model()
	f.Fuzz(func(t *testing.T, target string, body []byte) {
		op, err := Operation(svc, target)
		if err != nil {
			op = svc.Operations[len(target)%len(svc.Operations)]
		}
		mt, lerr := protoregistry.GlobalTypes.FindMessageByName(op.Input.MessageName)
		if lerr != nil {
			t.Fatal(lerr)
		}
		msg := mt.New().Interface()
		if err := DecodeInput(op, body, msg); err != nil {
			if err.HTTPStatus != 400 {
				t.Fatalf("decode error with status %d: %v", err.HTTPStatus, err)
			}
			return
		}
		// Encode what was accepted with the input shape: it must not panic.
		_ = AppendOutput(nil, &apimodel.Operation{Output: op.Input}, msg)
		_ = AppendError(nil, awserr.New("X", 400, string(body)))
	})
}
