package query

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/ibemu/ibemu/internal/apimodel"
	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
	imagebuilderv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

func iamOp(name string) *apimodel.Operation {
	op, ok := iamv1.Model().Operation(name)
	if !ok {
		panic(name)
	}
	return op
}

func ibOp(name string) *apimodel.Operation {
	op, ok := imagebuilderv1.Model().Operation(name)
	if !ok {
		panic(name)
	}
	return op
}

// form parses a hand-written query string; the test fails on a typo.
func form(t *testing.T, s string) url.Values {
	t.Helper()
	v, err := url.ParseQuery(s)
	if err != nil {
		t.Fatalf("bad test form %q: %v", s, err)
	}
	return v
}

func decodeOK(t *testing.T, op *apimodel.Operation, params url.Values, want proto.Message) {
	t.Helper()
	got := newMessage(op.Input)
	if err := DecodeInput(op, params, got); err != nil {
		t.Fatalf("DecodeInput(%v): %v", params, err)
	}
	if !proto.Equal(got, want) {
		t.Fatalf("decoded\n got: %s\nwant: %s", prototext.Format(got), prototext.Format(want))
	}
}

func TestDecodeListsInIndexOrder(t *testing.T) {
	// Sparse and out of order: elements come out ordered by N, numerically.
	params := form(t, "Action=CreateUser&Version=2010-05-08&UserName=u"+
		"&Tags.member.12.Key=twelve&Tags.member.12.Value=12"+
		"&Tags.member.3.Value=3&Tags.member.3.Key=three"+
		"&Tags.member.100.Key=hundred"+
		"&Tags.member.7.Key=seven&Tags.member.7.Value=")
	decodeOK(t, iamOp("CreateUser"), params, &iamv1.CreateUserRequest{
		UserName: proto.String("u"),
		Tags: []*iamv1.Tag{
			{Key: proto.String("three"), Value: proto.String("3")},
			{Key: proto.String("seven"), Value: proto.String("")},
			{Key: proto.String("twelve"), Value: proto.String("12")},
			{Key: proto.String("hundred")},
		},
	})
}

func TestDecodeNestedListsOfStructures(t *testing.T) {
	params := form(t, "PolicyInputList.member.2=p2&PolicyInputList.member.1=p1"+
		"&ActionNames.member.10=a10&ActionNames.member.9=a9&ActionNames.member.1=a1"+
		"&ContextEntries.member.2.ContextKeyName=aws:TagKeys&ContextEntries.member.2.ContextKeyType=stringList"+
		"&ContextEntries.member.2.ContextKeyValues.member.11=k11&ContextEntries.member.2.ContextKeyValues.member.2=k2"+
		"&ContextEntries.member.1.ContextKeyName=aws:username&ContextEntries.member.1.ContextKeyValues.member.1=alice"+
		"&ResourceArns=&MaxItems=-5&Marker=a%2Bb+c")
	decodeOK(t, iamOp("SimulateCustomPolicy"), params, &iamv1.SimulateCustomPolicyRequest{
		PolicyInputList: []string{"p1", "p2"},
		ActionNames:     []string{"a1", "a9", "a10"},
		ContextEntries: []*iamv1.ContextEntry{
			{ContextKeyName: proto.String("aws:username"), ContextKeyValues: []string{"alice"}},
			{ContextKeyName: proto.String("aws:TagKeys"), ContextKeyType: proto.String("stringList"), ContextKeyValues: []string{"k2", "k11"}},
		},
		MaxItems: proto.Int32(-5),
		Marker:   proto.String("a+b c"),
	})
}

func TestDecodeIgnoresParametersThatNameNoMember(t *testing.T) {
	params := form(t, "Action=ListPolicies&Version=2010-05-08"+
		"&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20240101%2Fus-east-1%2Fiam%2Faws4_request"+
		"&X-Amz-Date=20240101T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=abc"+
		"&Unknown=1&Unknown=2&Scope.Nested=x&onlyattached=maybe"+ // names are case-sensitive
		"&PathPrefix.member.1=x&Scope=Local&OnlyAttached=TRUE&MaxItems=2147483647")
	decodeOK(t, iamOp("ListPolicies"), params, &iamv1.ListPoliciesRequest{
		Scope: proto.String("Local"), OnlyAttached: proto.Bool(true), MaxItems: proto.Int32(math.MaxInt32),
	})

	// Unknown parts inside lists and structures are ignored too.
	params = form(t, "UserName=u&Tags.member.1.Key=k&Tags.member.1.Colour=red&Tags.item.1.Key=x&Tags.member=x&Tags.member.2=")
	decodeOK(t, iamOp("CreateUser"), params, &iamv1.CreateUserRequest{
		UserName: proto.String("u"),
		// Tags.member.2= names element 2 itself: an element without members.
		Tags: []*iamv1.Tag{{Key: proto.String("k")}, {}},
	})
}

func TestDecodeMapsTimestampsAndLongs(t *testing.T) {
	op := ibOp("StartResourceStateUpdate")
	params := form(t, "resourceArn=arn&updateAt=2024-02-03T04:05:06.789Z"+
		"&exclusionRules.amis.tagMap.entry.10.key=k10&exclusionRules.amis.tagMap.entry.10.value=v10"+
		"&exclusionRules.amis.tagMap.entry.2.value=v2&exclusionRules.amis.tagMap.entry.2.key=k2"+
		"&exclusionRules.amis.regions.member.1=us-east-1&exclusionRules.amis.isPublic=false"+
		"&includeResources.amis=true")
	decodeOK(t, op, params, &imagebuilderv1.StartResourceStateUpdateRequest{
		ResourceArn: proto.String("arn"),
		UpdateAt:    timestamppb.New(time.Date(2024, 2, 3, 4, 5, 6, 789_000_000, time.UTC)),
		ExclusionRules: &imagebuilderv1.ResourceStateUpdateExclusionRules{Amis: &imagebuilderv1.LifecyclePolicyDetailExclusionRulesAmis{
			IsPublic: proto.Bool(false),
			Regions:  []string{"us-east-1"},
			TagMap:   map[string]string{"k2": "v2", "k10": "v10"},
		}},
		IncludeResources: &imagebuilderv1.ResourceStateUpdateIncludeResources{Amis: proto.Bool(true)},
	})

	for in, want := range map[string]time.Time{
		"2024-02-03T04:05:06Z":          time.Date(2024, 2, 3, 4, 5, 6, 0, time.UTC),
		"2024-02-03T04:05:06.5+02:00":   time.Date(2024, 2, 3, 2, 5, 6, 500_000_000, time.UTC),
		"2024-02-03T04:05:06.123456789": time.Date(2024, 2, 3, 4, 5, 6, 123456789, time.UTC),
		"1706933106":                    time.Unix(1706933106, 0),
		"1706933106.25":                 time.Unix(1706933106, 250_000_000),
		"-1.5":                          time.Unix(-2, 500_000_000),
		"0":                             time.Unix(0, 0),
	} {
		decodeOK(t, op, url.Values{"updateAt": {in}}, &imagebuilderv1.StartResourceStateUpdateRequest{UpdateAt: timestamppb.New(want)})
	}

	decodeOK(t, ibOp("ImportDiskImage"), form(t, "windowsConfiguration.imageIndex=4294967295&tags.entry.1.key=a&tags.entry.1.value=b&tags.entry.2.key=&tags.entry.2.value="),
		&imagebuilderv1.ImportDiskImageRequest{
			WindowsConfiguration: &imagebuilderv1.WindowsConfiguration{ImageIndex: proto.Int64(4294967295)},
			Tags:                 map[string]string{"a": "b", "": ""},
		})
}

func TestDecodeRecursiveShapesAndOtherKinds(t *testing.T) {
	// A list of values, one holding a map of values, one a nested list.
	params := form(t, "L.Items.member.2.M.Fields.entry.1.key=x&L.Items.member.2.M.Fields.entry.1.value.N=1.5e3"+
		"&L.Items.member.2.M.Fields.entry.2.key=y&L.Items.member.2.M.Fields.entry.2.value.L.Items.member.1.B=true"+
		"&L.Items.member.1.S=first&L.Items.member.3.N=-Infinity&L.Items.member.4.M.Fields=")
	decodeOK(t, syntheticOp("Eval"), params, structpb.NewListValue(&structpb.ListValue{Values: []*structpb.Value{
		structpb.NewStringValue("first"),
		structpb.NewStructValue(&structpb.Struct{Fields: map[string]*structpb.Value{
			"x": structpb.NewNumberValue(1500),
			"y": structpb.NewListValue(&structpb.ListValue{Values: []*structpb.Value{structpb.NewBoolValue(true)}}),
		}}),
		structpb.NewNumberValue(math.Inf(-1)),
		structpb.NewStructValue(&structpb.Struct{}),
	}}))

	decodeOK(t, syntheticOp("Secret"), url.Values{"Data": {"aGVsbG8gd29ybGQ="}}, wrapperspb.Bytes([]byte("hello world")))
	decodeOK(t, syntheticOp("Secret"), url.Values{"Data": {""}}, wrapperspb.Bytes([]byte{}))
	decodeOK(t, syntheticOp("Float"), url.Values{"F": {"0.25"}}, wrapperspb.Float(0.25))
	decodeOK(t, syntheticOp("Long"), url.Values{"N": {"-9223372036854775808"}}, wrapperspb.Int64(math.MinInt64))
	decodeOK(t, syntheticOp("Count"), url.Values{"N": {"+42"}}, wrapperspb.Int32(42))

	got := newMessage(syntheticOp("Eval").Input)
	if err := DecodeInput(syntheticOp("Eval"), url.Values{"N": {"NaN"}}, got); err != nil || !math.IsNaN(got.(*structpb.Value).GetNumberValue()) {
		t.Errorf("NaN: %v %v", err, got)
	}
}

func TestDecodeMalformedValues(t *testing.T) {
	type tc struct {
		op     *apimodel.Operation
		params string
		want   string // message
	}
	cases := []tc{
		{iamOp("ListUsers"), "MaxItems=abc", "Value 'abc' for parameter MaxItems is not a 32-bit integer."},
		{iamOp("ListUsers"), "MaxItems=", "Value '' for parameter MaxItems is not a 32-bit integer."},
		{iamOp("ListUsers"), "MaxItems=1.0", "Value '1.0' for parameter MaxItems is not a 32-bit integer."},
		{iamOp("ListUsers"), "MaxItems=%2B-1", "Value '+-1' for parameter MaxItems is not a 32-bit integer."},
		{iamOp("ListUsers"), "MaxItems=2147483648", "Value '2147483648' for parameter MaxItems is not in range for a 32-bit integer."},
		{iamOp("ListUsers"), "MaxItems=-2147483649", "Value '-2147483649' for parameter MaxItems is not in range for a 32-bit integer."},
		{syntheticOp("Long"), "N=9223372036854775808", "Value '9223372036854775808' for parameter N is not in range for a 64-bit integer."},
		{iamOp("ListPolicies"), "OnlyAttached=yes", "Value 'yes' for parameter OnlyAttached is not a boolean (true or false)."},
		{iamOp("ListPolicies"), "OnlyAttached=1", "Value '1' for parameter OnlyAttached is not a boolean (true or false)."},
		{ibOp("StartResourceStateUpdate"), "updateAt=yesterday", "Value 'yesterday' for parameter updateAt is not a timestamp (ISO 8601 such as 2024-01-01T00:00:00Z, or epoch seconds)."},
		{ibOp("StartResourceStateUpdate"), "updateAt=2024-13-01T00:00:00Z", "Value '2024-13-01T00:00:00Z' for parameter updateAt is not a timestamp (ISO 8601 such as 2024-01-01T00:00:00Z, or epoch seconds)."},
		{ibOp("StartResourceStateUpdate"), "updateAt=0000-01-01T00:00:00Z", "Value '0000-01-01T00:00:00Z' for parameter updateAt is not a timestamp (ISO 8601 such as 2024-01-01T00:00:00Z, or epoch seconds)."},
		{ibOp("StartResourceStateUpdate"), "updateAt=1e9", "Value '1e9' for parameter updateAt is not a timestamp (ISO 8601 such as 2024-01-01T00:00:00Z, or epoch seconds)."},
		{ibOp("StartResourceStateUpdate"), "updateAt=253402300800", "Value '253402300800' for parameter updateAt is not a timestamp (ISO 8601 such as 2024-01-01T00:00:00Z, or epoch seconds)."},
		{ibOp("StartResourceStateUpdate"), "updateAt=1.", "Value '1.' for parameter updateAt is not a timestamp (ISO 8601 such as 2024-01-01T00:00:00Z, or epoch seconds)."},
		{ibOp("StartResourceStateUpdate"), "updateAt=1.0000000001", "Value '1.0000000001' for parameter updateAt is not a timestamp (ISO 8601 such as 2024-01-01T00:00:00Z, or epoch seconds)."},
		{syntheticOp("Float"), "F=0x1p-2", "Value '0x1p-2' for parameter F is not a number."},
		{syntheticOp("Float"), "F=inf", "Value 'inf' for parameter F is not a number."},
		{syntheticOp("Float"), "F=1e39", "Value '1e39' for parameter F is not a number."},
		{syntheticOp("Eval"), "N=1_000", "Value '1_000' for parameter N is not a number."},
		// Sensitive values are never quoted back.
		{syntheticOp("Secret"), "Data=not*base64", "The value of parameter Data is not valid base64."},
		{syntheticOp("Secret"), "Data=aGVsbG8", "The value of parameter Data is not valid base64."},
		// Indexes.
		{iamOp("CreateUser"), "Tags.member.0.Key=k", "Parameter Tags.member.0.Key: 0 is not a valid index; indexes run from 1 to 10000."},
		{iamOp("CreateUser"), "Tags.member.-1.Key=k", "Parameter Tags.member.-1.Key: -1 is not a valid index; indexes run from 1 to 10000."},
		{iamOp("CreateUser"), "Tags.member.one.Key=k", "Parameter Tags.member.one.Key: one is not a valid index; indexes run from 1 to 10000."},
		{iamOp("CreateUser"), "Tags.member..Key=k", "Parameter Tags.member..Key:  is not a valid index; indexes run from 1 to 10000."},
		{iamOp("CreateUser"), "Tags.member.10001.Key=k", "Parameter Tags.member.10001.Key: 10001 is not a valid index; indexes run from 1 to 10000."},
		{iamOp("CreateUser"), "Tags.member.999999999.Key=k", "Parameter Tags.member.999999999.Key: 999999999 is not a valid index; indexes run from 1 to 10000."},
		{iamOp("CreateUser"), "Tags.member.99999999999999999999.Key=k", "Parameter Tags.member.99999999999999999999.Key: 99999999999999999999 is not a valid index; indexes run from 1 to 10000."},
		{ibOp("ImportDiskImage"), "tags.entry.0.key=k", "Parameter tags.entry.0.key: 0 is not a valid index; indexes run from 1 to 10000."},
		// Ambiguity.
		{iamOp("GetUser"), "UserName=a&UserName=b", "Parameter UserName is given more than once."},
		{iamOp("CreateUser"), "Tags.member.1.Key=a&Tags.member.01.Key=b", "Parameter Tags.member.01.Key is given more than once."},
		{iamOp("SimulateCustomPolicy"), "ActionNames.member.1=a&ActionNames.member.1=b", "Parameter ActionNames.member.1 is given more than once."},
		{iamOp("SimulateCustomPolicy"), "ActionNames=&ActionNames=", "Parameter ActionNames is given more than once."},
		{iamOp("SimulateCustomPolicy"), "ActionNames=s3:GetObject", "Parameter ActionNames is a list: give its items as ActionNames.member.N, or an empty value for an empty list."},
		{iamOp("CreateUser"), "Tags.member.1=k", "Parameter Tags.member.1 is a structure: give its members as Tags.member.1.Name."},
		{ibOp("ImportDiskImage"), "tags=a", "Parameter tags is a map: give its entries as tags.entry.N.key and tags.entry.N.value, or an empty value for an empty map."},
		{ibOp("StartResourceStateUpdate"), "exclusionRules=x", "Parameter exclusionRules is a structure: give its members as exclusionRules.Name."},
		{syntheticOp("Eval"), "M.Fields.entry.3.key=k&M.Fields.entry.3.value.L.Items.member.1.M.Fields.entry.2.value.S=x", "Map entry M.Fields.entry.3.value.L.Items.member.1.M.Fields.entry.2 has a value but no key."},
		{syntheticOp("Eval"), "M.Fields.entry.3.key=k&M.Fields.entry.3.value.L.Items.member.1.M.Fields.entry.2.value.S=x&M.Fields.entry.3.value.L.Items.member.1.M.Fields.entry.2.key=j&M.Fields.entry.4.key=k", "Map entry M.Fields.entry.4 has a key but no value."},
		{ibOp("ImportDiskImage"), "tags.entry.1.value=v", "Map entry tags.entry.1 has a value but no key."},
		{ibOp("ImportDiskImage"), "tags.entry.1.key=k", "Map entry tags.entry.1 has a key but no value."},
		{ibOp("ImportDiskImage"), "tags.entry.1.key=k&tags.entry.1.key=j&tags.entry.1.value=v", "Parameter tags.entry.1.key is given more than once."},
		{ibOp("ImportDiskImage"), "tags.entry.1.key=k&tags.entry.2.key=k&tags.entry.1.value=v&tags.entry.2.value=w", "Parameter tags.entry.2.key repeats the map key 'k'."},
	}
	for _, c := range cases {
		params := form(t, c.params)
		err := DecodeInput(c.op, params, newMessage(c.op.Input))
		if err == nil {
			t.Errorf("%s %s: no error", c.op.Name, c.params)
			continue
		}
		if err.Code != CodeMalformedInput || err.HTTPStatus != http.StatusBadRequest || err.Message != c.want {
			t.Errorf("%s %s:\n got %s %d %q\nwant %s 400 %q", c.op.Name, c.params, err.Code, err.HTTPStatus, err.Message, CodeMalformedInput, c.want)
		}
	}
}

func TestDecodeErrorIsDeterministic(t *testing.T) {
	// Several bad parameters: the answer names the smallest, every time.
	params := url.Values{
		"MaxItems":          {"x"},
		"Tags.member.0.Key": {"k"},
		"Tags.member.a.Key": {"k"},
		"UserName":          {"a", "b"},
	}
	for range 50 {
		err := DecodeInput(iamOp("CreateUser"), params, newMessage(iamOp("CreateUser").Input))
		if err == nil || !strings.HasPrefix(err.Message, "Parameter Tags.member.0.Key:") {
			t.Fatalf("got %v", err)
		}
	}
}

func TestDecodeBounds(t *testing.T) {
	op := iamOp("SimulateCustomPolicy")
	params := url.Values{}
	for i := range MaxParams {
		params.Set(fmt.Sprintf("ActionNames.member.%d", i+1), "a")
	}
	msg := newMessage(op.Input)
	if err := DecodeInput(op, params, msg); err != nil {
		t.Fatalf("at the limit: %v", err)
	}
	if n := len(msg.(*iamv1.SimulateCustomPolicyRequest).GetActionNames()); n != MaxParams {
		t.Fatalf("decoded %d names", n)
	}
	params.Add("ActionNames.member.1", "b")
	err := DecodeInput(op, params, newMessage(op.Input))
	if err == nil || err.Code != CodeMalformedInput || err.Message != "The request has 10001 parameters; at most 10000 are accepted." {
		t.Fatalf("over the limit: %v", err)
	}

	// A recursive shape cannot be nested without end.
	deep := strings.Repeat("L.Items.member.1.", 40) + "S"
	err = DecodeInput(syntheticOp("Eval"), url.Values{deep: {"x"}}, newMessage(syntheticOp("Eval").Input))
	if err == nil || err.Code != CodeMalformedInput || !strings.HasSuffix(err.Message, "is nested too deeply.") {
		t.Fatalf("deep nesting: %v", err)
	}
	ok := strings.Repeat("L.Items.member.1.", 20) + "S"
	if err := DecodeInput(syntheticOp("Eval"), url.Values{ok: {"x"}}, newMessage(syntheticOp("Eval").Input)); err != nil {
		t.Fatalf("nesting within the limit: %v", err)
	}

	// Long names and values are cut short when quoted back.
	long := strings.Repeat("9", 5000)
	err = DecodeInput(iamOp("ListUsers"), url.Values{"MaxItems": {long}}, newMessage(iamOp("ListUsers").Input))
	if err == nil || len(err.Message) > 300 {
		t.Fatalf("long value: %v", err)
	}
}

func TestDecodeRejectsWrongMessage(t *testing.T) {
	err := DecodeInput(iamOp("GetUser"), url.Values{}, &iamv1.ListUsersRequest{})
	if err == nil || err.Code != "InternalFailure" {
		t.Fatalf("got %v", err)
	}
}
