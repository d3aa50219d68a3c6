package query

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/ibemu/ibemu/internal/apimodel"
	"github.com/ibemu/ibemu/internal/awserr"
)

const testRequestID = "7a62c49f-347e-4fc4-9331-6e8eEXAMPLE"

// replyFunc answers a decoded request: an output message or an error.
type replyFunc func(op *apimodel.Operation, in proto.Message) (proto.Message, *awserr.Error)

// fakeService is an HTTP server that speaks the Query protocol through this
// package's codec and records what it decoded. Production never runs it: it
// is a harness for the codec alone, so the real IAM and STS clients can
// round-trip shapes and errors no emulated operation produces yet (nested
// structures, lists and maps of structures, timestamps, Unit and empty
// outputs, modeled error types). What the server adds around the codec —
// authentication, routing by credential scope, model validation, the
// response headers, the request id — is tested through the real server in
// emulator/query_*_test.go, which also covers GetCallerIdentity and the
// protocol-level errors (MissingAction, InvalidAction, MalformedInput,
// MalformedQueryString) this harness used to.
type fakeService struct {
	svc   *apimodel.Service
	reply replyFunc

	mu    sync.Mutex
	op    string
	input proto.Message
	body  []byte // last response body
}

func startFake(t *testing.T, svc *apimodel.Service, reply replyFunc) (*fakeService, *httptest.Server) {
	t.Helper()
	f := &fakeService{svc: svc, reply: reply}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	params, _, e := ReadParams(r, 0)
	if e != nil {
		f.fail(w, e)
		return
	}
	op, e := Operation(f.svc, params)
	if e != nil {
		f.fail(w, e)
		return
	}
	in := newMessage(op.Input)
	if e := DecodeInput(op, params, in); e != nil {
		f.fail(w, e)
		return
	}
	f.mu.Lock()
	f.op, f.input = op.Name, in
	f.mu.Unlock()

	out, e := f.reply(op, in)
	if e != nil {
		f.fail(w, e)
		return
	}
	body := AppendOutput(nil, f.svc, op, out, testRequestID)
	f.mu.Lock()
	f.body = body
	f.mu.Unlock()
	_ = WriteOutput(w, f.svc, op, out, testRequestID)
}

func (f *fakeService) fail(w http.ResponseWriter, e *awserr.Error) {
	f.mu.Lock()
	f.body = EncodeError(f.svc, e, testRequestID)
	f.mu.Unlock()
	_ = WriteError(w, f.svc, e, testRequestID)
}

func (f *fakeService) lastInput() (string, proto.Message) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.op, f.input
}

func (f *fakeService) lastBody() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return string(f.body)
}

func newMessage(sh *apimodel.Shape) proto.Message {
	mt, err := protoregistry.GlobalTypes.FindMessageByName(sh.MessageName)
	if err != nil {
		panic(err)
	}
	return mt.New().Interface()
}

func iamClient(url string) *iam.Client {
	return iam.New(iam.Options{
		BaseEndpoint:     aws.String(url),
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""),
		RetryMaxAttempts: 1,
	})
}

func stsClient(url string) *sts.Client {
	return sts.New(sts.Options{
		BaseEndpoint:     aws.String(url),
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""),
		RetryMaxAttempts: 1,
	})
}

// wantInput checks that the last decoded request was op with exactly want.
func (f *fakeService) wantInput(t *testing.T, op string, want proto.Message) {
	t.Helper()
	gotOp, got := f.lastInput()
	if gotOp != op {
		t.Fatalf("server decoded operation %q, want %q", gotOp, op)
	}
	if !proto.Equal(got, want) {
		t.Fatalf("decoded input differs\n got: %s\nwant: %s", prototext.Format(got), prototext.Format(want))
	}
}
