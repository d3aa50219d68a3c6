package restxml_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/ibemu/ibemu/internal/wire/restxml"
	s3v1 "github.com/ibemu/ibemu/proto/s3/v1"
)

// FuzzDecodeXML feeds arbitrary bodies to operations with XML payloads: the
// decoder answers a 400 (MalformedXML) or a message, never a panic.
func FuzzDecodeXML(f *testing.F) {
	for _, s := range []string{
		`<Delete><Object><Key>k</Key></Object><Quiet>true</Quiet></Delete>`,
		`<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>u</URI></Grantee></Grant></AccessControlList></AccessControlPolicy>`,
		`<LifecycleConfiguration><Rule><ID>r</ID><Filter><And><Tag><Key>k</Key><Value>v</Value></Tag></And></Filter><Expiration><Date>2025-01-01T00:00:00Z</Date></Expiration><Status>Enabled</Status></Rule></LifecycleConfiguration>`,
		`<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>`,
		`<x>&amp;&#x1;</x>`, `<?xml version="1.0"?><!DOCTYPE a><a/>`, "", "<a><b><c>",
	} {
		f.Add(s)
	}
	svc := s3v1.Model()
	ops := []string{"DeleteObjects", "PutBucketAcl", "PutBucketLifecycleConfiguration", "PutBucketTagging", "CreateBucket", "CompleteMultipartUpload"}
	f.Fuzz(func(t *testing.T, body string) {
		for _, name := range ops {
			op, _ := svc.Operation(name)
			msg := newInput(op.Input.Message)
			if err := restxml.DecodeInput(op, restxml.Request{Body: []byte(body), Header: http.Header{}}, msg); err != nil {
				if err.HTTPStatus != 400 {
					t.Fatalf("%s: %v", name, err)
				}
			}
		}
	})
}

// FuzzRouter: any method, path and query find an operation or an S3 error.
func FuzzRouter(f *testing.F) {
	for _, s := range [][3]string{{"GET", "/b/k", "x-id=GetObject"}, {"PUT", "/b", "policy"}, {"GET", "/", ""}, {"POST", "/b/%zz", "uploads"}, {"HEAD", "//", ""}} {
		f.Add(s[0], s[1], s[2])
	}
	r := restxml.NewRouter(s3v1.Model())
	f.Fuzz(func(t *testing.T, method, path, rawQuery string) {
		q, _ := url.ParseQuery(rawQuery)
		op, labels, err := r.Match(method, path, q, http.Header{})
		if (op == nil) == (err == nil) {
			t.Fatalf("op %v err %v", op, err)
		}
		if op != nil {
			for _, m := range op.Input.Members {
				if m.Required && m.LocationName != "" && labels != nil {
					if _, isLabel := labels[m.LocationName]; isLabel && labels[m.LocationName] == "" {
						t.Fatalf("empty label %s", m.LocationName)
					}
				}
			}
		}
	})
}
