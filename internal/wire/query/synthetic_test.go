package query

import (
	"github.com/ibemu/ibemu/internal/apimodel"

	// Registers the well-known messages the synthetic model is built on.
	_ "google.golang.org/protobuf/types/known/structpb"
	_ "google.golang.org/protobuf/types/known/wrapperspb"
)

// syntheticModel describes a made-up Query service over protobuf's
// well-known messages. IAM and STS inputs have no blobs, floats, longs or
// recursive shapes; this model has all of them, so the generic codec can be
// tested on every kind it supports.
//
//	Value  {S string, N double, B boolean, L ListValue, M Struct}  (google.protobuf.Value, recursive)
//	ListValue {Items: list of Value}
//	Struct    {Fields: map of string to Value}
//	Secret {Data blob (sensitive)}  Float {F float}  Long {N long}  Count {N integer}
var syntheticModel = func() *apimodel.Service {
	str := &apimodel.Shape{Name: "S", Kind: apimodel.String}
	dbl := &apimodel.Shape{Name: "D", Kind: apimodel.Double}
	boolean := &apimodel.Shape{Name: "B", Kind: apimodel.Boolean}
	value := &apimodel.Shape{Name: "Value", Kind: apimodel.Structure, MessageName: "google.protobuf.Value"}
	items := &apimodel.Shape{Name: "Items", Kind: apimodel.List, Elem: value}
	listValue := &apimodel.Shape{Name: "ListValue", Kind: apimodel.Structure, MessageName: "google.protobuf.ListValue",
		Members: []*apimodel.Member{{Name: "Items", FieldName: "values", Target: items}}}
	fields := &apimodel.Shape{Name: "Fields", Kind: apimodel.Map, Key: str, Elem: value}
	structV := &apimodel.Shape{Name: "Struct", Kind: apimodel.Structure, MessageName: "google.protobuf.Struct",
		Members: []*apimodel.Member{{Name: "Fields", FieldName: "fields", Target: fields}}}
	value.Members = []*apimodel.Member{
		{Name: "S", FieldName: "string_value", Target: str},
		{Name: "N", FieldName: "number_value", Target: dbl},
		{Name: "B", FieldName: "bool_value", Target: boolean},
		{Name: "L", FieldName: "list_value", Target: listValue},
		{Name: "M", FieldName: "struct_value", Target: structV},
	}
	secretBlob := &apimodel.Shape{Name: "SecretBlob", Kind: apimodel.Blob, Sensitive: true}
	secret := &apimodel.Shape{Name: "Secret", Kind: apimodel.Structure, MessageName: "google.protobuf.BytesValue",
		Members: []*apimodel.Member{{Name: "Data", FieldName: "value", Target: secretBlob}}}
	flt := &apimodel.Shape{Name: "Float", Kind: apimodel.Structure, MessageName: "google.protobuf.FloatValue",
		Members: []*apimodel.Member{{Name: "F", FieldName: "value", Target: &apimodel.Shape{Name: "F32", Kind: apimodel.Float}}}}
	long := &apimodel.Shape{Name: "Long", Kind: apimodel.Structure, MessageName: "google.protobuf.Int64Value",
		Members: []*apimodel.Member{{Name: "N", FieldName: "value", Target: &apimodel.Shape{Name: "L64", Kind: apimodel.Long}}}}
	count := &apimodel.Shape{Name: "Count", Kind: apimodel.Structure, MessageName: "google.protobuf.Int32Value",
		Members: []*apimodel.Member{{Name: "N", FieldName: "value", Target: &apimodel.Shape{Name: "I32", Kind: apimodel.Integer}}}}

	svc := &apimodel.Service{
		Name: "Synthetic", Protocol: apimodel.AWSQuery, APIVersion: "2000-01-01",
		XMLNamespace: "https://synthetic.example/doc/2000-01-01/",
		Shapes:       []*apimodel.Shape{str, dbl, boolean, value, items, listValue, fields, structV, secretBlob, secret, flt, long, count},
		Operations: []*apimodel.Operation{
			{Name: "Eval", Input: value, Output: value},
			{Name: "Secret", Input: secret, Output: secret},
			{Name: "Float", Input: flt, Output: flt},
			{Name: "Long", Input: long, Output: long},
			{Name: "Count", Input: count, Output: count},
		},
	}
	return svc.MustLink()
}()

func syntheticOp(name string) *apimodel.Operation {
	op, ok := syntheticModel.Operation(name)
	if !ok {
		panic(name)
	}
	return op
}
