package restxml_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ibemu/ibemu/internal/apimodel"
	"github.com/ibemu/ibemu/internal/wire/restxml"
	s3v1 "github.com/ibemu/ibemu/proto/s3/v1"
)

func op(t testing.TB, name string) *apimodel.Operation {
	t.Helper()
	o, ok := s3v1.Model().Operation(name)
	if !ok {
		t.Fatalf("no operation %s", name)
	}
	return o
}

// TestRouterPicksS3Operations: routes as the CLI and boto3 send them (no
// x-id) and as the Go SDK does (with x-id).
func TestRouterPicksS3Operations(t *testing.T) {
	r := restxml.NewRouter(s3v1.Model())
	for _, tc := range []struct {
		method, path, query string
		header              map[string]string
		want                string
		labels              map[string]string
	}{
		{"GET", "/", "", nil, "ListBuckets", nil},
		{"GET", "/", "x-id=ListDirectoryBuckets", nil, "ListDirectoryBuckets", nil},
		{"PUT", "/b", "", nil, "CreateBucket", map[string]string{"Bucket": "b"}},
		{"PUT", "/b/", "", nil, "CreateBucket", map[string]string{"Bucket": "b"}},
		{"HEAD", "/b", "", nil, "HeadBucket", nil},
		{"GET", "/b", "", nil, "ListObjects", nil},
		{"GET", "/b", "list-type=2&prefix=a", nil, "ListObjectsV2", nil},
		{"GET", "/b", "list-type=1", nil, "ListObjects", nil},
		{"GET", "/b", "location", nil, "GetBucketLocation", nil},
		{"PUT", "/b", "policy", nil, "PutBucketPolicy", nil},
		{"POST", "/b", "delete", nil, "DeleteObjects", nil},
		{"GET", "/b", "analytics", nil, "ListBucketAnalyticsConfigurations", nil},
		{"GET", "/b", "analytics&id=x", nil, "GetBucketAnalyticsConfiguration", nil},
		{"PUT", "/b/k", "", nil, "PutObject", map[string]string{"Bucket": "b", "Key": "k"}},
		{"PUT", "/b/k", "x-id=PutObject", nil, "PutObject", nil},
		{"PUT", "/b/k", "", map[string]string{"X-Amz-Copy-Source": "/s/k"}, "CopyObject", nil},
		{"PUT", "/b/k", "partNumber=1&uploadId=u", nil, "UploadPart", nil},
		{"PUT", "/b/k", "partNumber=1&uploadId=u", map[string]string{"X-Amz-Copy-Source": "/s/k"}, "UploadPartCopy", nil},
		{"GET", "/b/k", "", nil, "GetObject", nil},
		{"GET", "/b/k", "uploadId=u", nil, "ListParts", nil},
		{"DELETE", "/b/k", "", nil, "DeleteObject", nil},
		{"DELETE", "/b/k", "uploadId=u", nil, "AbortMultipartUpload", nil},
		{"POST", "/b/k", "uploads", nil, "CreateMultipartUpload", nil},
		{"POST", "/b/k", "uploadId=u", nil, "CompleteMultipartUpload", nil},
		{"GET", "/b/k", "tagging", nil, "GetObjectTagging", nil},
		{"HEAD", "/b/dir/k", "", nil, "HeadObject", map[string]string{"Bucket": "b", "Key": "dir/k"}},
		{"GET", "/b//lead", "", nil, "GetObject", map[string]string{"Key": "/lead"}},
		{"GET", "/b/a//b/", "", nil, "GetObject", map[string]string{"Key": "a//b/"}},
		{"GET", "/b/sp%20ace/%C3%BC%2B%2F", "", nil, "GetObject", map[string]string{"Key": "sp ace/ü+/"}},
		{"GET", "/b/pct%2520", "", nil, "GetObject", map[string]string{"Key": "pct%20"}},
	} {
		q, _ := url.ParseQuery(tc.query)
		h := http.Header{}
		for k, v := range tc.header {
			h.Set(k, v)
		}
		got, labels, err := r.Match(tc.method, tc.path, q, h)
		if err != nil || got.Name != tc.want {
			t.Errorf("%s %s?%s = %v, %v; want %s", tc.method, tc.path, tc.query, got, err, tc.want)
			continue
		}
		for k, v := range tc.labels {
			if labels[k] != v {
				t.Errorf("%s %s: label %s = %q, want %q", tc.method, tc.path, k, labels[k], v)
			}
		}
	}
	for _, tc := range []struct{ method, path, code string }{
		{"PATCH", "/b/k", "MethodNotAllowed"},
		{"POST", "/b", "MethodNotAllowed"}, // no sub-resource
		{"PUT", "/", "MethodNotAllowed"},
		{"GET", "/b/bad%zz", "InvalidRequest"},
	} {
		if got, _, err := r.Match(tc.method, tc.path, url.Values{}, http.Header{}); err == nil || err.Code != tc.code {
			t.Errorf("%s %s = %v, %v; want %s", tc.method, tc.path, got, err, tc.code)
		}
	}
}

func TestDecodeInputBindings(t *testing.T) {
	// Headers (timestamps in http-date, booleans, ints), prefix headers
	// lower-cased, labels and the raw payload.
	h := http.Header{}
	h.Set("X-Amz-Meta-Color", "blue")
	h.Set("x-amz-meta-Two-Words", "a b")
	h.Set("X-Amz-Object-Lock-Retain-Until-Date", "Tue, 04 Mar 2025 05:06:07 GMT")
	h.Set("X-Amz-Server-Side-Encryption-Bucket-Key-Enabled", "true")
	h.Set("Content-Length", "3")
	in := &s3v1.PutObjectRequest{}
	if err := restxml.DecodeInput(op(t, "PutObject"), restxml.Request{Labels: restxml.Labels{"Bucket": "b", "Key": "k/x"}, Header: h, Body: []byte("abc")}, in); err != nil {
		t.Fatal(err)
	}
	if in.GetBucket() != "b" || in.GetKey() != "k/x" || string(in.GetBody()) != "abc" || in.GetContentLength() != 3 || !in.GetBucketKeyEnabled() ||
		in.GetMetadata()["color"] != "blue" || in.GetMetadata()["two-words"] != "a b" ||
		!in.GetObjectLockRetainUntilDate().AsTime().Equal(time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)) {
		t.Errorf("decoded %v", in)
	}
	h.Set("X-Amz-Server-Side-Encryption-Bucket-Key-Enabled", "maybe")
	if err := restxml.DecodeInput(op(t, "PutObject"), restxml.Request{Header: h}, &s3v1.PutObjectRequest{}); err == nil || err.Code != "InvalidArgument" {
		t.Errorf("bad boolean header: %v", err)
	}

	// An XML payload with a namespace, attributes under a prefix and lists.
	acl := `<?xml version="1.0" encoding="UTF-8"?>
<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>o</ID></Owner><AccessControlList>
<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>g &amp; h</ID></Grantee><Permission>READ</Permission></Grant>
<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>u</URI></Grantee><Permission>WRITE</Permission><Unknown/></Grant>
</AccessControlList></AccessControlPolicy>`
	pin := &s3v1.PutBucketAclRequest{}
	if err := restxml.DecodeInput(op(t, "PutBucketAcl"), restxml.Request{Body: []byte(acl)}, pin); err != nil {
		t.Fatal(err)
	}
	g := pin.GetAccessControlPolicy().GetGrants()
	if len(g) != 2 || g[0].GetGrantee().GetType() != "CanonicalUser" || g[0].GetGrantee().GetId() != "g & h" || g[1].GetPermission() != "WRITE" ||
		pin.GetAccessControlPolicy().GetOwner().GetId() != "o" {
		t.Errorf("decoded ACL %v", pin)
	}

	// Flattened lists keep whitespace in keys.
	del := `<Delete><Object><Key> a </Key></Object><Object><Key>b/c</Key><VersionId>v</VersionId></Object><Quiet>true</Quiet></Delete>`
	din := &s3v1.DeleteObjectsRequest{}
	if err := restxml.DecodeInput(op(t, "DeleteObjects"), restxml.Request{Body: []byte(del)}, din); err != nil {
		t.Fatal(err)
	}
	objs := din.GetDelete().GetObjects()
	if len(objs) != 2 || objs[0].GetKey() != " a " || objs[1].GetVersionId() != "v" || !din.GetDelete().GetQuiet() {
		t.Errorf("decoded Delete %v", din)
	}
	for _, bad := range []string{"<Delete>", "<Delete></Delet>", "<Delete/><Delete/>", "text", "<Delete><Quiet>yes</Quiet></Delete>", `<!DOCTYPE d><Delete/>`} {
		if err := restxml.DecodeInput(op(t, "DeleteObjects"), restxml.Request{Body: []byte(bad)}, &s3v1.DeleteObjectsRequest{}); err == nil || err.Code != "MalformedXML" || err.HTTPStatus != 400 {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestEncodeOutputDocuments(t *testing.T) {
	svc := s3v1.Model()
	lm := timestamppb.New(time.Date(2025, 3, 4, 5, 6, 7, 8_000_000, time.UTC))
	h := http.Header{}
	out := restxml.EncodeOutput(h, svc, op(t, "ListObjectsV2"), &s3v1.ListObjectsV2Output{
		Name: proto.String("b"), IsTruncated: proto.Bool(false), KeyCount: proto.Int32(1), MaxKeys: proto.Int32(1000),
		Contents:       []*s3v1.Object{{Key: proto.String("a<&>"), Size: proto.Int64(3), LastModified: lm, ChecksumAlgorithm: []string{"CRC32"}}},
		CommonPrefixes: []*s3v1.CommonPrefix{{Prefix: proto.String("p/")}},
	})
	want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><IsTruncated>false</IsTruncated>` +
		`<Contents><Key>a&lt;&amp;&gt;</Key><LastModified>2025-03-04T05:06:07.008Z</LastModified><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><Size>3</Size></Contents>` +
		`<Name>b</Name><MaxKeys>1000</MaxKeys><CommonPrefixes><Prefix>p/</Prefix></CommonPrefixes><KeyCount>1</KeyCount></ListBucketResult>`
	if out.Status != 200 || string(out.Body) != want || h.Get("Content-Type") != "application/xml" {
		t.Errorf("ListObjectsV2:\n got %d %s\nwant %s", out.Status, out.Body, want)
	}

	for _, tc := range []struct{ loc, want string }{
		{"us-west-2", `<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">us-west-2</LocationConstraint>`},
		{"", `<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>`},
	} {
		out := restxml.EncodeOutput(http.Header{}, svc, op(t, "GetBucketLocation"), &s3v1.GetBucketLocationOutput{LocationConstraint: proto.String(tc.loc)})
		if !strings.HasSuffix(string(out.Body), "\n"+tc.want) {
			t.Errorf("GetBucketLocation(%q) = %s", tc.loc, out.Body)
		}
	}

	// Header members, prefix headers, raw payload, 206 for a range.
	h = http.Header{}
	out = restxml.EncodeOutput(h, svc, op(t, "GetObject"), &s3v1.GetObjectOutput{Body: []byte("xy"), LastModified: lm,
		ContentRange: proto.String("bytes 0-1/5"), Metadata: map[string]string{"color": "blue"}, DeleteMarker: proto.Bool(false), PartsCount: proto.Int32(2)})
	if out.Status != 206 || string(out.Body) != "xy" || !out.Raw || h.Get("Last-Modified") != "Tue, 04 Mar 2025 05:06:07 GMT" ||
		h.Get("X-Amz-Meta-Color") != "blue" || h.Get("Content-Type") != "binary/octet-stream" || h.Get("X-Amz-Delete-Marker") != "false" || h.Get("X-Amz-Mp-Parts-Count") != "2" {
		t.Errorf("GetObject: %d %q %v", out.Status, out.Body, h)
	}

	// The xsi namespace and attribute of a grantee; round trip through the
	// decoder.
	acl := &s3v1.GetBucketAclOutput{Owner: &s3v1.Owner{Id: proto.String("o")}, Grants: []*s3v1.Grant{{
		Grantee: &s3v1.Grantee{Type: proto.String("CanonicalUser"), Id: proto.String("g")}, Permission: proto.String("FULL_CONTROL")}}}
	out = restxml.EncodeOutput(http.Header{}, svc, op(t, "GetBucketAcl"), acl)
	if !strings.Contains(string(out.Body), `<AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>g</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant></AccessControlList>`) {
		t.Errorf("GetBucketAcl: %s", out.Body)
	}
	body := strings.Replace(string(out.Body), "AccessControlPolicy", "AccessControlPolicy", -1)
	pin := &s3v1.PutBucketAclRequest{}
	if err := restxml.DecodeInput(op(t, "PutBucketAcl"), restxml.Request{Body: []byte(body)}, pin); err != nil {
		t.Fatal(err)
	}
	if g := pin.GetAccessControlPolicy().GetGrants(); len(g) != 1 || g[0].GetGrantee().GetType() != "CanonicalUser" {
		t.Errorf("round trip: %v", pin)
	}
}

func TestErrorDocument(t *testing.T) {
	e := s3v1.ErrNoSuchBucket("The specified bucket does not exist")
	got := string(restxml.AppendError(nil, e, "rid", "hid", "BucketName", "b<"))
	want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><BucketName>b&lt;</BucketName><RequestId>rid</RequestId><HostId>hid</HostId></Error>`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestValidationErrorsAreS3s(t *testing.T) {
	in := op(t, "DeleteObjects").Input
	msg := &s3v1.DeleteObjectsRequest{Bucket: proto.String("b"), Delete: &s3v1.Delete{}}
	if e := restxml.ValidationError(in, apimodel.Validate(in, msg.ProtoReflect())); e == nil || e.Code != "MalformedXML" {
		t.Errorf("Delete without objects: %v", e)
	}
	pin := op(t, "PutBucketPolicy").Input
	if e := restxml.ValidationError(pin, apimodel.Validate(pin, (&s3v1.PutBucketPolicyRequest{Bucket: proto.String("b")}).ProtoReflect())); e == nil || e.Code != "MissingRequestBodyError" {
		t.Errorf("policy without body: %v", e)
	}
	// A large body is no violation; an unknown value of an enum S3 ignores
	// is none either.
	put := op(t, "PutObject").Input
	big := &s3v1.PutObjectRequest{Bucket: proto.String("b"), Key: proto.String("k"), RequestPayer: proto.String("someone"), Body: make([]byte, 1<<20)}
	if e := restxml.ValidationError(put, apimodel.Validate(put, big.ProtoReflect())); e != nil {
		t.Errorf("PutObject: %v", e)
	}
	// A storage class S3 does not know is refused with S3's own code.
	bad := &s3v1.PutObjectRequest{Bucket: proto.String("b"), Key: proto.String("k"), StorageClass: proto.String("NOT_A_CLASS")}
	if e := restxml.ValidationError(put, apimodel.Validate(put, bad.ProtoReflect())); e == nil || e.Code != "InvalidStorageClass" {
		t.Errorf("PutObject with an unknown storage class: %v", e)
	}
}

func newInput(md protoreflect.MessageDescriptor) proto.Message {
	mt, err := protoregistry.GlobalTypes.FindMessageByName(md.FullName())
	if err != nil {
		panic(err)
	}
	return mt.New().Interface()
}
