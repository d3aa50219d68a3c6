package query

import (
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/ibemu/ibemu/internal/awserr"
	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
	stsv1 "github.com/ibemu/ibemu/proto/sts/v1"
)

func TestEncodeOutputFormats(t *testing.T) {
	ts := func(sec int64, nsec int32) string {
		op := iamOp("GetUser")
		body := string(EncodeOutput(iamv1.Model(), op, &iamv1.GetUserResponse{User: &iamv1.User{CreateDate: &timestamppb.Timestamp{Seconds: sec, Nanos: nsec}}}, "r"))
		start := strings.Index(body, "<CreateDate>") + len("<CreateDate>")
		return body[start:strings.Index(body, "</CreateDate>")]
	}
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	for _, c := range []struct {
		sec  int64
		nsec int32
		want string
	}{
		{base, 0, "2024-01-01T00:00:00Z"},
		{base, 123_000_000, "2024-01-01T00:00:00.123Z"},
		{base, 100_000_000, "2024-01-01T00:00:00.1Z"},
		{base, 999_999_999, "2024-01-01T00:00:00.999Z"},
		{base, 500, "2024-01-01T00:00:00Z"},
		{0, 0, "1970-01-01T00:00:00Z"},
	} {
		if got := ts(c.sec, c.nsec); got != c.want {
			t.Errorf("timestamp %d.%09d = %s, want %s", c.sec, c.nsec, got, c.want)
		}
	}

	// Other kinds, through the synthetic model.
	for _, c := range []struct {
		op   string
		msg  proto.Message
		want string
	}{
		{"Secret", wrapperspb.Bytes([]byte("hello world")), "<Data>aGVsbG8gd29ybGQ=</Data>"},
		{"Float", wrapperspb.Float(0.1), "<F>0.1</F>"},
		{"Long", wrapperspb.Int64(math.MinInt64), "<N>-9223372036854775808</N>"},
		{"Eval", structpb.NewNumberValue(math.NaN()), "<N>NaN</N>"},
		{"Eval", structpb.NewNumberValue(math.Inf(1)), "<N>Infinity</N>"},
		{"Eval", structpb.NewNumberValue(1e21), "<N>1e+21</N>"},
		{"Eval", structpb.NewBoolValue(false), "<B>false</B>"},
		{"Eval", structpb.NewListValue(&structpb.ListValue{Values: []*structpb.Value{
			structpb.NewStringValue("a<b"),
			structpb.NewStructValue(&structpb.Struct{Fields: map[string]*structpb.Value{"z": structpb.NewBoolValue(true), "a&": structpb.NewStringValue("")}}),
		}}), "<L><Items><member><S>a&lt;b</S></member><member><M><Fields><entry><key>a&amp;</key><value><S></S></value></entry><entry><key>z</key><value><B>true</B></value></entry></Fields></M></member></Items></L>"},
	} {
		op := syntheticOp(c.op)
		body := string(EncodeOutput(syntheticModel, op, c.msg, "r"))
		want := "<" + c.op + `Response xmlns="https://synthetic.example/doc/2000-01-01/"><` + c.op + "Result>" + c.want + "</" + c.op + "Result><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></" + c.op + "Response>"
		if body != want {
			t.Errorf("%s:\n got %s\nwant %s", c.op, body, want)
		}
	}
}

func TestEncodeOutputSkipsUnsetMembers(t *testing.T) {
	op := iamOp("ListUsers")
	body := string(EncodeOutput(iamv1.Model(), op, &iamv1.ListUsersResponse{
		Users:       []*iamv1.User{{UserName: proto.String("a")}, {}},
		IsTruncated: proto.Bool(false),
	}, `id<&>`))
	want := `<ListUsersResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListUsersResult><Users><member><UserName>a</UserName></member><member></member></Users><IsTruncated>false</IsTruncated></ListUsersResult><ResponseMetadata><RequestId>id&lt;&amp;&gt;</RequestId></ResponseMetadata></ListUsersResponse>`
	if body != want {
		t.Errorf("\n got %s\nwant %s", body, want)
	}
	// A required list that is empty is an empty element (AWS's <Users/>);
	// an optional one (a user's Tags) is left out.
	none := string(EncodeOutput(iamv1.Model(), op, &iamv1.ListUsersResponse{IsTruncated: proto.Bool(false)}, "r"))
	if want := `<ListUsersResult><Users></Users><IsTruncated>false</IsTruncated></ListUsersResult>`; !strings.Contains(none, want) {
		t.Errorf("no users: %s", none)
	}
	if got := string(EncodeOutput(iamv1.Model(), iamOp("GetUser"), &iamv1.GetUserResponse{User: &iamv1.User{UserName: proto.String("x")}}, "r")); strings.Contains(got, "Tags") {
		t.Errorf("an empty optional list is written: %s", got)
	}
	// No message, or the wrong one, encodes an empty result.
	empty := `<ListUsersResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListUsersResult></ListUsersResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></ListUsersResponse>`
	if got := string(EncodeOutput(iamv1.Model(), op, nil, "r")); got != empty {
		t.Errorf("nil message: %s", got)
	}
	if got := string(EncodeOutput(iamv1.Model(), op, &iamv1.GetUserResponse{User: &iamv1.User{UserName: proto.String("x")}}, "r")); got != empty {
		t.Errorf("wrong message: %s", got)
	}
}

func TestEncodeError(t *testing.T) {
	for _, c := range []struct {
		err  *awserr.Error
		svcs string
		want string
	}{
		{awserr.New("NoSuchEntity", 404, "The user with name bob cannot be found."), "iam",
			`<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>The user with name bob cannot be found.</Message></Error><RequestId>req</RequestId></ErrorResponse>`},
		{awserr.New("ServiceFailure", 500, "a <b> & c"), "iam",
			`<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Receiver</Type><Code>ServiceFailure</Code><Message>a &lt;b&gt; &amp; c</Message></Error><RequestId>req</RequestId></ErrorResponse>`},
		{awserr.New("Throttling", 400, ""), "sts",
			`<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>Throttling</Code></Error><RequestId>req</RequestId></ErrorResponse>`},
	} {
		svc := iamv1.Model()
		if c.svcs == "sts" {
			svc = stsv1.Model()
		}
		if got := string(EncodeError(svc, c.err, "req")); got != c.want {
			t.Errorf("\n got %s\nwant %s", got, c.want)
		}
	}
}

func TestWriteHelpers(t *testing.T) {
	w := httptest.NewRecorder()
	if err := WriteError(w, iamv1.Model(), awserr.New("AccessDenied", http.StatusForbidden, "no"), "rid"); err != nil {
		t.Fatal(err)
	}
	if w.Code != http.StatusForbidden || w.Header().Get("Content-Type") != "text/xml" || w.Header().Get("x-amzn-RequestId") != "rid" {
		t.Errorf("error response: %d %v", w.Code, w.Header())
	}
	want := string(EncodeError(iamv1.Model(), awserr.New("AccessDenied", http.StatusForbidden, "no"), "rid"))
	if w.Header().Get("Content-Length") != strconv.Itoa(len(want)) || w.Body.String() != want {
		t.Errorf("Content-Length %s, body %d bytes: %s", w.Header().Get("Content-Length"), w.Body.Len(), w.Body)
	}

	w = httptest.NewRecorder()
	op := iamOp("GetUser")
	if err := WriteOutput(w, iamv1.Model(), op, &iamv1.GetUserResponse{}, "rid"); err != nil {
		t.Fatal(err)
	}
	if w.Code != http.StatusOK || w.Body.String() != string(EncodeOutput(iamv1.Model(), op, &iamv1.GetUserResponse{}, "rid")) {
		t.Errorf("output response: %d %s", w.Code, w.Body)
	}

	w = httptest.NewRecorder()
	if err := WriteOutput(w, iamv1.Model(), op, &iamv1.ListUsersResponse{}, "rid"); err != nil {
		t.Fatal(err)
	}
	if w.Code != http.StatusInternalServerError || !strings.Contains(w.Body.String(), "<Code>InternalFailure</Code>") || strings.Contains(w.Body.String(), "ListUsers") {
		t.Errorf("mismatched message: %d %s", w.Code, w.Body)
	}

	for in, want := range map[int]int{0: 500, 200: 500, 399: 500, 400: 400, 404: 404, 503: 503, 600: 500} {
		if got := Status(&awserr.Error{Code: "X", HTTPStatus: in}); got != want {
			t.Errorf("Status(%d) = %d, want %d", in, got, want)
		}
	}
}
