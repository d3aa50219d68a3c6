package restjson

import (
	"net/url"
	"testing"

	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// FuzzDecodeInput feeds arbitrary bodies and query strings to the decoder of
// representative operations: it must never panic, and whatever it accepts
// must encode back without trouble.
func FuzzDecodeInput(f *testing.F) {
	seeds := []struct{ op, query, body string }{
		{"CreateComponent", "", `{"name":"n","semanticVersion":"1.0.0","platform":"Linux","data":"x","tags":{"a":"b"},"supportedOsVersions":["x"],"dryRun":false}`},
		{"CreateImageRecipe", "", `{"components":[{"componentArn":"a","parameters":[{"name":"p","value":["v"]}]}],"blockDeviceMappings":[{"ebs":{"volumeSize":8}}]}`},
		{"ListComponents", "", `{"filters":[{"name":"name","values":["a"]}],"maxResults":25,"nextToken":"t","byName":true}`},
		{"GetComponent", "componentBuildVersionArn=arn%3Ax", ``},
		{"UntagResource", "tagKeys=a&tagKeys=b", ``},
		{"ListImageScanFindings", "", `{"filters":[{"name":"x","values":["y"]}]}`},
		{"CreateComponent", "", `{"tags":null,"name":null}`},
		{"CreateComponent", "", `[`},
	}
	for _, s := range seeds {
		f.Add(s.op, s.query, []byte(s.body))
	}
	svc := ibv1.Model()
	f.Fuzz(func(t *testing.T, opName, rawQuery string, body []byte) {
		op, ok := svc.Operation(opName)
		if !ok {
			op = svc.Operations[len(opName)%len(svc.Operations)]
		}
		q, _ := url.ParseQuery(rawQuery)
		in := newInput(t, op.Name)
		if err := DecodeInput(op, Request{Query: q, Labels: Labels{"resourceArn": rawQuery}, Body: body}, in); err != nil {
			if err.HTTPStatus != 400 {
				t.Fatalf("decode error with status %d: %v", err.HTTPStatus, err)
			}
			return
		}
		_ = appendStructure(nil, op.Input, in.ProtoReflect(), "")
	})
}
