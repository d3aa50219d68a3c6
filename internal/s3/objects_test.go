package s3

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/protobuf/types/known/timestamppb"

	s3v1 "github.com/ibemu/ibemu/proto/s3/v1"
)

func TestPutGetRoundTrip(t *testing.T) {
	s := newTestService(t)
	ctx := callAs(ownerA)
	mustCreateBucket(t, s, ctx, "objs")
	for _, size := range []int{0, 1, 1000, ChunkSize, ChunkSize + 1, 2*ChunkSize + 12345} {
		body := randomBytes(size)
		key := fmt.Sprintf("size/%d", size)
		put, err := s.PutObject(ctx, &s3v1.PutObjectRequest{
			Bucket: ptr("objs"), Key: ptr(key), Body: body, ContentType: ptr("text/plain"), CacheControl: ptr("max-age=60"),
			Metadata: map[string]string{"origin": "test"}, ChecksumAlgorithm: ptr("SHA256"),
		})
		if err != nil {
			t.Fatalf("PutObject %d bytes: %v", size, err)
		}
		sum := md5.Sum(body)
		if want := `"` + hex.EncodeToString(sum[:]) + `"`; put.GetETag() != want {
			t.Errorf("ETag %s, want %s", put.GetETag(), want)
		}
		if put.GetChecksumSha256() == "" || put.GetServerSideEncryption() != "AES256" {
			t.Errorf("PutObject answer %v: want a SHA256 checksum and AES256", put)
		}
		got, err := s.GetObject(ctx, &s3v1.GetObjectRequest{Bucket: ptr("objs"), Key: ptr(key), ChecksumMode: ptr("ENABLED")})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.GetBody(), body) || got.GetContentLength() != int64(size) || got.GetETag() != put.GetETag() {
			t.Fatalf("GetObject of %d bytes: got %d bytes, length %d, etag %s", size, len(got.GetBody()), got.GetContentLength(), got.GetETag())
		}
		if got.GetContentType() != "text/plain" || got.GetCacheControl() != "max-age=60" || got.GetMetadata()["origin"] != "test" ||
			got.GetChecksumSha256() != put.GetChecksumSha256() || got.GetContentRange() != "" {
			t.Errorf("GetObject headers: %v", got)
		}
	}
	head, err := s.HeadObject(ctx, &s3v1.HeadObjectRequest{Bucket: ptr("objs"), Key: ptr("size/1000")})
	if err != nil || head.GetContentLength() != 1000 || head.GetMetadata()["origin"] != "test" {
		t.Fatalf("HeadObject = %v, %v", head, err)
	}
	_, err = s.HeadObject(ctx, &s3v1.HeadObjectRequest{Bucket: ptr("objs"), Key: ptr("missing")})
	requireCode(t, err, "NotFound", 404)
	_, err = s.GetObject(ctx, &s3v1.GetObjectRequest{Bucket: ptr("objs"), Key: ptr("missing")})
	requireCode(t, err, "NoSuchKey", 404)
	_, err = s.GetObject(ctx, &s3v1.GetObjectRequest{Bucket: ptr("nobucket"), Key: ptr("k")})
	requireCode(t, err, "NoSuchBucket", 404)
	_, err = s.PutObject(ctx, &s3v1.PutObjectRequest{Bucket: ptr("objs"), Key: ptr(strings.Repeat("k", 1025))})
	requireCode(t, err, "KeyTooLongError", 400)
	_, err = s.PutObject(ctx, &s3v1.PutObjectRequest{Bucket: ptr("objs"), Key: ptr("bad-sum"), Body: []byte("x"), ChecksumCrc32: ptr("AAAAAA==")})
	requireCode(t, err, "BadDigest", 400)
	_, err = s.PutObject(ctx, &s3v1.PutObjectRequest{Bucket: ptr("objs"), Key: ptr("bad-md5"), Body: []byte("x"), ContentMd5: ptr("AAAAAAAAAAAAAAAAAAAAAA==")})
	requireCode(t, err, "BadDigest", 400)
}

func TestRanges(t *testing.T) {
	s := newTestService(t)
	ctx := callAs(ownerA)
	mustCreateBucket(t, s, ctx, "ranges")
	body := randomBytes(2*ChunkSize + 100)
	mustPut(t, s, ctx, "ranges", "k", body)
	size := int64(len(body))
	cases := []struct {
		header     string
		start, end int64 // -1: whole object, no Content-Range
		code       string
	}{
		{"bytes=0-9", 0, 10, ""},
		{"bytes=10-", 10, size, ""},
		{"bytes=-5", size - 5, size, ""},
		{"bytes=-99999999", 0, size, ""},
		{"bytes=100-99999999999", 100, size, ""},
		{fmt.Sprintf("bytes=%d-%d", ChunkSize-3, ChunkSize+3), ChunkSize - 3, ChunkSize + 4, ""},
		{fmt.Sprintf("bytes=%d-", size), 0, 0, "InvalidRange"},
		{"bytes=-0", 0, 0, "InvalidRange"},
		{"bytes=5-1", -1, -1, ""},
		{"bytes=0-1,4-5", -1, -1, ""},
		{"items=0-1", -1, -1, ""},
	}
	for _, c := range cases {
		got, err := s.GetObject(ctx, &s3v1.GetObjectRequest{Bucket: ptr("ranges"), Key: ptr("k"), Range: ptr(c.header)})
		if c.code != "" {
			requireCode(t, err, c.code, 416)
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.header, err)
		}
		if c.start < 0 {
			if !bytes.Equal(got.GetBody(), body) || got.ContentRange != nil {
				t.Errorf("%s: want the whole object without Content-Range, got %d bytes, %q", c.header, len(got.GetBody()), got.GetContentRange())
			}
			continue
		}
		want := fmt.Sprintf("bytes %d-%d/%d", c.start, c.end-1, size)
		if !bytes.Equal(got.GetBody(), body[c.start:c.end]) || got.GetContentRange() != want || got.GetContentLength() != c.end-c.start {
			t.Errorf("%s: %d bytes, Content-Range %q (want %q)", c.header, len(got.GetBody()), got.GetContentRange(), want)
		}
	}
	mustPut(t, s, ctx, "ranges", "empty", nil)
	_, err := s.GetObject(ctx, &s3v1.GetObjectRequest{Bucket: ptr("ranges"), Key: ptr("empty"), Range: ptr("bytes=0-")})
	requireCode(t, err, "InvalidRange", 416)
}

func TestConditionalRequests(t *testing.T) {
	s := newTestService(t)
	ctx := callAs(ownerA)
	mustCreateBucket(t, s, ctx, "conds")
	etag := mustPut(t, s, ctx, "conds", "k", []byte("v1")).GetETag()
	get := func(r *s3v1.GetObjectRequest) error {
		r.Bucket, r.Key = ptr("conds"), ptr("k")
		_, err := s.GetObject(ctx, r)
		return err
	}
	if err := get(&s3v1.GetObjectRequest{IfMatch: ptr(etag)}); err != nil {
		t.Fatal(err)
	}
	requireCode(t, get(&s3v1.GetObjectRequest{IfMatch: ptr(`"other"`)}), "PreconditionFailed", 412)
	requireCode(t, get(&s3v1.GetObjectRequest{IfNoneMatch: ptr(etag)}), "NotModified", 304)
	requireCode(t, get(&s3v1.GetObjectRequest{IfModifiedSince: timestamppb.New(testTime)}), "NotModified", 304)
	if err := get(&s3v1.GetObjectRequest{IfModifiedSince: timestamppb.New(testTime.Add(-1e9))}); err != nil {
		t.Fatal(err)
	}
	requireCode(t, get(&s3v1.GetObjectRequest{IfUnmodifiedSince: timestamppb.New(testTime.Add(-1e9))}), "PreconditionFailed", 412)
	// Conditional writes.
	_, err := s.PutObject(ctx, &s3v1.PutObjectRequest{Bucket: ptr("conds"), Key: ptr("k"), IfNoneMatch: ptr("*")})
	requireCode(t, err, "PreconditionFailed", 412)
	_, err = s.PutObject(ctx, &s3v1.PutObjectRequest{Bucket: ptr("conds"), Key: ptr("k"), IfMatch: ptr(`"nope"`)})
	requireCode(t, err, "PreconditionFailed", 412)
	if _, err := s.PutObject(ctx, &s3v1.PutObjectRequest{Bucket: ptr("conds"), Key: ptr("k"), IfMatch: ptr(etag), Body: []byte("v2")}); err != nil {
		t.Fatal(err)
	}
}

// TestOverwriteAndDeleteLeaveNoChunks: replacing or deleting an object
// removes its data in the same transaction.
func TestOverwriteAndDeleteLeaveNoChunks(t *testing.T) {
	s := newTestService(t)
	ctx := callAs(ownerA)
	mustCreateBucket(t, s, ctx, "chunks")
	mustPut(t, s, ctx, "chunks", "k", randomBytes(3*ChunkSize))
	if n := countChunks(t, s, ownerA, testRgn); n != 3 {
		t.Fatalf("%d chunks after a 3 MiB put, want 3", n)
	}
	mustPut(t, s, ctx, "chunks", "k", randomBytes(ChunkSize/2))
	if n := countChunks(t, s, ownerA, testRgn); n != 1 {
		t.Fatalf("%d chunks after overwriting with 512 KiB, want 1", n)
	}
	// A failed conditional overwrite writes nothing.
	_, err := s.PutObject(ctx, &s3v1.PutObjectRequest{Bucket: ptr("chunks"), Key: ptr("k"), Body: randomBytes(2 * ChunkSize), IfNoneMatch: ptr("*")})
	requireCode(t, err, "PreconditionFailed", 412)
	if n := countChunks(t, s, ownerA, testRgn); n != 1 {
		t.Fatalf("%d chunks after a refused put, want 1", n)
	}
	for range 2 { // deleting twice succeeds twice
		if _, err := s.DeleteObject(ctx, &s3v1.DeleteObjectRequest{Bucket: ptr("chunks"), Key: ptr("k")}); err != nil {
			t.Fatal(err)
		}
	}
	if n := countChunks(t, s, ownerA, testRgn); n != 0 {
		t.Fatalf("%d chunks after delete, want 0", n)
	}
}

func TestEntityTooLarge(t *testing.T) {
	s := newTestService(t, func(o *Options) { o.MaxObjectSize = 1000 })
	ctx := callAs(ownerA)
	mustCreateBucket(t, s, ctx, "small")
	mustPut(t, s, ctx, "small", "ok", make([]byte, 1000))
	_, err := s.PutObject(ctx, &s3v1.PutObjectRequest{Bucket: ptr("small"), Key: ptr("big"), Body: make([]byte, 1001)})
	requireCode(t, err, "EntityTooLarge", 400)
}

func listKeys(t *testing.T, s *Service, req *s3v1.ListObjectsV2Request) (keys, prefixes []string, pages int) {
	t.Helper()
	ctx := callAs(ownerA)
	for {
		out, err := s.ListObjectsV2(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, o := range out.GetContents() {
			keys = append(keys, o.GetKey())
		}
		for _, p := range out.GetCommonPrefixes() {
			prefixes = append(prefixes, p.GetPrefix())
		}
		if int(out.GetKeyCount()) != len(out.GetContents())+len(out.GetCommonPrefixes()) {
			t.Errorf("KeyCount %d for %d keys and %d prefixes", out.GetKeyCount(), len(out.GetContents()), len(out.GetCommonPrefixes()))
		}
		if !out.GetIsTruncated() {
			return keys, prefixes, pages
		}
		if pages > 100 {
			t.Fatal("listing does not end")
		}
		req.ContinuationToken = out.NextContinuationToken
	}
}

func TestListObjectsV2(t *testing.T) {
	s := newTestService(t)
	ctx := callAs(ownerA)
	mustCreateBucket(t, s, ctx, "list")
	all := []string{"a.txt", "docs/1", "docs/2", "docs/sub/3", "logs/2024/x", "logs/2025/y", "z", "zz/top", "é"}
	for _, k := range all {
		mustPut(t, s, ctx, "list", k, []byte(k))
	}
	cases := []struct {
		name           string
		req            *s3v1.ListObjectsV2Request
		keys, prefixes string
		pages          int
	}{
		{"all", &s3v1.ListObjectsV2Request{}, strings.Join(all, ","), "", 1},
		{"paged by 2", &s3v1.ListObjectsV2Request{MaxKeys: ptr(int32(2))}, strings.Join(all, ","), "", 5},
		{"prefix", &s3v1.ListObjectsV2Request{Prefix: ptr("docs/")}, "docs/1,docs/2,docs/sub/3", "", 1},
		{"delimiter", &s3v1.ListObjectsV2Request{Delimiter: ptr("/")}, "a.txt,z,é", "docs/,logs/,zz/", 1},
		{"delimiter paged", &s3v1.ListObjectsV2Request{Delimiter: ptr("/"), MaxKeys: ptr(int32(1))}, "a.txt,z,é", "docs/,logs/,zz/", 6},
		{"prefix and delimiter", &s3v1.ListObjectsV2Request{Prefix: ptr("logs/"), Delimiter: ptr("/")}, "", "logs/2024/,logs/2025/", 1},
		{"start after", &s3v1.ListObjectsV2Request{StartAfter: ptr("logs/2024/x")}, "logs/2025/y,z,zz/top,é", "", 1},
		{"no match", &s3v1.ListObjectsV2Request{Prefix: ptr("nothing")}, "", "", 1},
	}
	for _, c := range cases {
		c.req.Bucket = ptr("list")
		keys, prefixes, pages := listKeys(t, s, c.req)
		if strings.Join(keys, ",") != c.keys || strings.Join(prefixes, ",") != c.prefixes || pages != c.pages {
			t.Errorf("%s: keys %v prefixes %v in %d pages; want %s | %s in %d", c.name, keys, prefixes, pages, c.keys, c.prefixes, c.pages)
		}
	}
	_, err := s.ListObjectsV2(ctx, &s3v1.ListObjectsV2Request{Bucket: ptr("list"), ContinuationToken: ptr("bm90IGEgdG9rZW4")})
	requireCode(t, err, "InvalidArgument", 400)
	enc, err := s.ListObjectsV2(ctx, &s3v1.ListObjectsV2Request{Bucket: ptr("list"), Prefix: ptr("é"), EncodingType: ptr("url")})
	if err != nil || len(enc.GetContents()) != 1 || enc.GetContents()[0].GetKey() != "%C3%A9" {
		t.Fatalf("EncodingType=url: %v, %v", enc, err)
	}
	v1, err := s.ListObjects(ctx, &s3v1.ListObjectsRequest{Bucket: ptr("list"), Delimiter: ptr("/"), MaxKeys: ptr(int32(2)), Marker: ptr("docs/")})
	if err != nil {
		t.Fatal(err)
	}
	if len(v1.GetContents()) != 1 || len(v1.GetCommonPrefixes()) != 1 || v1.GetCommonPrefixes()[0].GetPrefix() != "logs/" || v1.GetNextMarker() != "z" {
		t.Errorf("ListObjects after marker docs/: %v", v1)
	}
}

func TestDeleteObjects(t *testing.T) {
	s := newTestService(t)
	ctx := callAs(ownerA)
	mustCreateBucket(t, s, ctx, "bulk")
	mustPut(t, s, ctx, "bulk", "a", []byte("a"))
	mustPut(t, s, ctx, "bulk", "b", []byte("b"))
	out, err := s.DeleteObjects(ctx, &s3v1.DeleteObjectsRequest{Bucket: ptr("bulk"), Delete: &s3v1.Delete{Objects: []*s3v1.ObjectIdentifier{
		{Key: ptr("a")}, {Key: ptr("missing")}, {Key: ptr(strings.Repeat("x", 1025))},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.GetDeleted()) != 2 || len(out.GetErrors()) != 1 || out.GetErrors()[0].GetCode() != "KeyTooLongError" {
		t.Errorf("DeleteObjects = %v", out)
	}
	quiet, err := s.DeleteObjects(ctx, &s3v1.DeleteObjectsRequest{Bucket: ptr("bulk"), Delete: &s3v1.Delete{Quiet: ptr(true), Objects: []*s3v1.ObjectIdentifier{{Key: ptr("b")}}}})
	if err != nil || len(quiet.GetDeleted()) != 0 || len(quiet.GetErrors()) != 0 {
		t.Errorf("quiet DeleteObjects = %v, %v", quiet, err)
	}
	keys, _, _ := listKeys(t, s, &s3v1.ListObjectsV2Request{Bucket: ptr("bulk")})
	if len(keys) != 0 {
		t.Errorf("left %v", keys)
	}
	_, err = s.DeleteObjects(ctx, &s3v1.DeleteObjectsRequest{Bucket: ptr("bulk"), Delete: &s3v1.Delete{}})
	requireCode(t, err, "MalformedXML", 400)
}

func TestCopyObject(t *testing.T) {
	s := newTestService(t)
	ctx := callAs(ownerA)
	mustCreateBucket(t, s, ctx, "src")
	mustCreateBucket(t, s, ctx, "dst")
	body := randomBytes(ChunkSize + 7)
	if _, err := s.PutObject(ctx, &s3v1.PutObjectRequest{Bucket: ptr("src"), Key: ptr("dir/a b"), Body: body, ContentType: ptr("x/y"), Metadata: map[string]string{"m": "1"}}); err != nil {
		t.Fatal(err)
	}
	out, err := s.CopyObject(ctx, &s3v1.CopyObjectRequest{Bucket: ptr("dst"), Key: ptr("copy"), CopySource: ptr("src/dir/a%20b")})
	if err != nil {
		t.Fatal(err)
	}
	got := mustGet(t, s, ctx, "dst", "copy")
	if !bytes.Equal(got.GetBody(), body) || got.GetContentType() != "x/y" || got.GetMetadata()["m"] != "1" || got.GetETag() != out.GetCopyObjectResult().GetETag() {
		t.Errorf("copy = %d bytes, %v", len(got.GetBody()), got)
	}
	if _, err := s.CopyObject(ctx, &s3v1.CopyObjectRequest{Bucket: ptr("dst"), Key: ptr("copy"), CopySource: ptr("/dst/copy"),
		MetadataDirective: ptr("REPLACE"), ContentType: ptr("a/b")}); err != nil {
		t.Fatal(err)
	}
	got = mustGet(t, s, ctx, "dst", "copy")
	if got.GetContentType() != "a/b" || len(got.GetMetadata()) != 0 {
		t.Errorf("REPLACE kept %v", got)
	}
	_, err = s.CopyObject(ctx, &s3v1.CopyObjectRequest{Bucket: ptr("dst"), Key: ptr("copy"), CopySource: ptr("dst/copy")})
	requireCode(t, err, "InvalidRequest", 400)
	_, err = s.CopyObject(ctx, &s3v1.CopyObjectRequest{Bucket: ptr("dst"), Key: ptr("x"), CopySource: ptr("src/missing")})
	requireCode(t, err, "NoSuchKey", 404)
	_, err = s.CopyObject(ctx, &s3v1.CopyObjectRequest{Bucket: ptr("dst"), Key: ptr("x"), CopySource: ptr("src")})
	requireCode(t, err, "InvalidArgument", 400)
}

func TestObjectTagging(t *testing.T) {
	s := newTestService(t)
	ctx := callAs(ownerA)
	mustCreateBucket(t, s, ctx, "otags")
	if _, err := s.PutObject(ctx, &s3v1.PutObjectRequest{Bucket: ptr("otags"), Key: ptr("k"), Tagging: ptr("a=1&b=two%20words")}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetObjectTagging(ctx, &s3v1.GetObjectTaggingRequest{Bucket: ptr("otags"), Key: ptr("k")})
	if err != nil || len(got.GetTagSet()) != 2 || got.GetTagSet()[1].GetValue() != "two words" {
		t.Fatalf("GetObjectTagging = %v, %v", got, err)
	}
	if _, err := s.DeleteObjectTagging(ctx, &s3v1.DeleteObjectTaggingRequest{Bucket: ptr("otags"), Key: ptr("k")}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.GetObjectTagging(ctx, &s3v1.GetObjectTaggingRequest{Bucket: ptr("otags"), Key: ptr("k")})
	if len(got.GetTagSet()) != 0 {
		t.Errorf("tags after delete: %v", got.GetTagSet())
	}
}

func TestMultipartUpload(t *testing.T) {
	s := newTestService(t)
	ctx := callAs(ownerA)
	mustCreateBucket(t, s, ctx, "mpu")
	created, err := s.CreateMultipartUpload(ctx, &s3v1.CreateMultipartUploadRequest{Bucket: ptr("mpu"), Key: ptr("big"), ContentType: ptr("app/x"), ChecksumAlgorithm: ptr("CRC32")})
	if err != nil {
		t.Fatal(err)
	}
	id := created.GetUploadId()
	p1, p2, p3 := randomBytes(MinPartSize), randomBytes(MinPartSize+1), randomBytes(100)
	etags := map[int32]string{}
	for n, data := range map[int32][]byte{1: p1, 2: p2, 3: p3, 4: []byte("discarded")} {
		out, err := s.UploadPart(ctx, &s3v1.UploadPartRequest{Bucket: ptr("mpu"), Key: ptr("big"), UploadId: ptr(id), PartNumber: ptr(n), Body: data})
		if err != nil {
			t.Fatalf("UploadPart %d: %v", n, err)
		}
		etags[n] = out.GetETag()
	}
	// Re-uploading a part replaces it.
	out, err := s.UploadPart(ctx, &s3v1.UploadPartRequest{Bucket: ptr("mpu"), Key: ptr("big"), UploadId: ptr(id), PartNumber: ptr(int32(3)), Body: p3})
	if err != nil || out.GetETag() != etags[3] {
		t.Fatalf("re-upload: %v, %v", out, err)
	}
	lp, err := s.ListParts(ctx, &s3v1.ListPartsRequest{Bucket: ptr("mpu"), Key: ptr("big"), UploadId: ptr(id), MaxParts: ptr(int32(3))})
	if err != nil || len(lp.GetParts()) != 3 || !lp.GetIsTruncated() || lp.GetNextPartNumberMarker() != "3" {
		t.Fatalf("ListParts = %v, %v", lp, err)
	}
	ups, err := s.ListMultipartUploads(ctx, &s3v1.ListMultipartUploadsRequest{Bucket: ptr("mpu")})
	if err != nil || len(ups.GetUploads()) != 1 || ups.GetUploads()[0].GetUploadId() != id {
		t.Fatalf("ListMultipartUploads = %v, %v", ups, err)
	}
	complete := func(parts ...int32) error {
		var cp []*s3v1.CompletedPart
		for _, n := range parts {
			cp = append(cp, &s3v1.CompletedPart{PartNumber: ptr(n), ETag: ptr(etags[n])})
		}
		_, err := s.CompleteMultipartUpload(ctx, &s3v1.CompleteMultipartUploadRequest{Bucket: ptr("mpu"), Key: ptr("big"), UploadId: ptr(id), MultipartUpload: &s3v1.CompletedMultipartUpload{Parts: cp}})
		return err
	}
	requireCode(t, complete(2, 1), "InvalidPartOrder", 400)
	requireCode(t, complete(3, 4), "EntityTooSmall", 400)
	requireCode(t, complete(1, 5), "InvalidPart", 400)
	if err := complete(1, 2, 3); err != nil {
		t.Fatal(err)
	}
	got := mustGet(t, s, ctx, "mpu", "big")
	want := append(append(bytes.Clone(p1), p2...), p3...)
	if !bytes.Equal(got.GetBody(), want) || !strings.HasSuffix(got.GetETag(), `-3"`) || got.GetContentType() != "app/x" {
		t.Fatalf("completed object: %d bytes, etag %s, type %s", len(got.GetBody()), got.GetETag(), got.GetContentType())
	}
	rng, err := s.GetObject(ctx, &s3v1.GetObjectRequest{Bucket: ptr("mpu"), Key: ptr("big"), Range: ptr(fmt.Sprintf("bytes=%d-%d", MinPartSize-2, MinPartSize+1))})
	if err != nil || !bytes.Equal(rng.GetBody(), want[MinPartSize-2:MinPartSize+2]) {
		t.Fatalf("range across parts: %v", err)
	}
	// Parts 1-3 are now the object's 11 chunks (5+6+1 MiB-rounded); part 4 is gone.
	if n := countChunks(t, s, ownerA, testRgn); n != 5+6+1 {
		t.Errorf("%d chunks after completing, want 12", n)
	}
	requireCode(t, complete(1, 2, 3), "NoSuchUpload", 404)

	// Abort drops the parts' data.
	c2, _ := s.CreateMultipartUpload(ctx, &s3v1.CreateMultipartUploadRequest{Bucket: ptr("mpu"), Key: ptr("aborted")})
	if _, err := s.UploadPart(ctx, &s3v1.UploadPartRequest{Bucket: ptr("mpu"), Key: ptr("aborted"), UploadId: c2.UploadId, PartNumber: ptr(int32(1)), Body: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AbortMultipartUpload(ctx, &s3v1.AbortMultipartUploadRequest{Bucket: ptr("mpu"), Key: ptr("aborted"), UploadId: c2.UploadId}); err != nil {
		t.Fatal(err)
	}
	if n := countChunks(t, s, ownerA, testRgn); n != 12 {
		t.Errorf("%d chunks after abort, want 12", n)
	}
	_, err = s.UploadPart(ctx, &s3v1.UploadPartRequest{Bucket: ptr("mpu"), Key: ptr("aborted"), UploadId: c2.UploadId, PartNumber: ptr(int32(1))})
	requireCode(t, err, "NoSuchUpload", 404)
	_, err = s.UploadPart(ctx, &s3v1.UploadPartRequest{Bucket: ptr("mpu"), Key: ptr("big"), UploadId: ptr("x"), PartNumber: ptr(int32(0))})
	requireCode(t, err, "InvalidArgument", 400)
}

func TestSSEKMS(t *testing.T) {
	keys := newFakeKeys()
	s := newTestService(t, func(o *Options) { o.Keys = keys })
	ctx := callAs(ownerA)
	mustCreateBucket(t, s, ctx, "enc")
	body := randomBytes(ChunkSize + 10)
	put, err := s.PutObject(ctx, &s3v1.PutObjectRequest{Bucket: ptr("enc"), Key: ptr("secret"), Body: body, ServerSideEncryption: ptr("aws:kms"), SsekmsKeyId: ptr("key-1")})
	if err != nil {
		t.Fatal(err)
	}
	if put.GetServerSideEncryption() != "aws:kms" || put.GetSsekmsKeyId() != fakeKeyARN {
		t.Errorf("PutObject answer: %v", put)
	}
	if keys.lastCtx["aws:s3:arn"] != "arn:aws:s3:::enc/secret" || keys.vias[0] != "s3" {
		t.Errorf("data key context %v via %v", keys.lastCtx, keys.vias)
	}
	// The stored chunks are not the plaintext.
	_ = s.db.View(ctx, func(tx *storageTx) error {
		ps, err := readPieces(tx, storageScope(ownerA, testRgn), mustObject(t, s, "enc", "secret").GetExtents(), 0, 10)
		if err != nil || bytes.Contains(ps[0].raw, body[:10]) {
			t.Errorf("stored chunk holds plaintext (%v)", err)
		}
		return nil
	})
	got := mustGet(t, s, ctx, "enc", "secret")
	if !bytes.Equal(got.GetBody(), body) || got.GetSsekmsKeyId() != fakeKeyARN {
		t.Fatalf("GetObject of SSE-KMS object: %d bytes, key %s", len(got.GetBody()), got.GetSsekmsKeyId())
	}
	rng, err := s.GetObject(ctx, &s3v1.GetObjectRequest{Bucket: ptr("enc"), Key: ptr("secret"), Range: ptr("bytes=1048570-1048580")})
	if err != nil || !bytes.Equal(rng.GetBody(), body[1048570:1048581]) {
		t.Fatalf("range of SSE-KMS object: %v", err)
	}
	// HeadObject needs no kms:Decrypt; GetObject does.
	keys.deny = true
	if _, err := s.HeadObject(ctx, &s3v1.HeadObjectRequest{Bucket: ptr("enc"), Key: ptr("secret")}); err != nil {
		t.Fatalf("HeadObject with KMS denying: %v", err)
	}
	_, err = s.GetObject(ctx, &s3v1.GetObjectRequest{Bucket: ptr("enc"), Key: ptr("secret")})
	requireCode(t, err, "AccessDenied", 403)
	keys.deny = false
	_, err = s.PutObject(ctx, &s3v1.PutObjectRequest{Bucket: ptr("enc"), Key: ptr("k"), ServerSideEncryption: ptr("aws:kms"), SsekmsKeyId: ptr("nokey")})
	requireCode(t, err, "KMS.NotFoundException", 400)
	_, err = s.PutObject(ctx, &s3v1.PutObjectRequest{Bucket: ptr("enc"), Key: ptr("k"), SsekmsKeyId: ptr("key-1")})
	requireCode(t, err, "InvalidArgument", 400)

	// A bucket default of SSE-KMS applies to uploads that name none, and
	// multipart uploads encrypt every part under one data key.
	kms := &s3v1.ServerSideEncryptionConfiguration{Rules: []*s3v1.ServerSideEncryptionRule{{
		ApplyServerSideEncryptionByDefault: &s3v1.ServerSideEncryptionByDefault{SseAlgorithm: ptr("aws:kms"), KmsMasterKeyId: ptr("key-1")}}}}
	if _, err := s.PutBucketEncryption(ctx, &s3v1.PutBucketEncryptionRequest{Bucket: ptr("enc"), ServerSideEncryptionConfiguration: kms}); err != nil {
		t.Fatal(err)
	}
	def := mustPut(t, s, ctx, "enc", "default", []byte("hello"))
	if def.GetServerSideEncryption() != "aws:kms" || def.GetSsekmsKeyId() != fakeKeyARN {
		t.Errorf("default-encrypted put: %v", def)
	}
	c, err := s.CreateMultipartUpload(ctx, &s3v1.CreateMultipartUploadRequest{Bucket: ptr("enc"), Key: ptr("mp")})
	if err != nil {
		t.Fatal(err)
	}
	part, err := s.UploadPart(ctx, &s3v1.UploadPartRequest{Bucket: ptr("enc"), Key: ptr("mp"), UploadId: c.UploadId, PartNumber: ptr(int32(1)), Body: body})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CompleteMultipartUpload(ctx, &s3v1.CompleteMultipartUploadRequest{Bucket: ptr("enc"), Key: ptr("mp"), UploadId: c.UploadId,
		MultipartUpload: &s3v1.CompletedMultipartUpload{Parts: []*s3v1.CompletedPart{{PartNumber: ptr(int32(1)), ETag: part.ETag}}}}); err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, s, ctx, "enc", "mp"); !bytes.Equal(got.GetBody(), body) {
		t.Fatal("multipart SSE-KMS object does not read back")
	}
	// Copying decrypts the source and re-encrypts under the destination's
	// settings.
	if _, err := s.CopyObject(ctx, &s3v1.CopyObjectRequest{Bucket: ptr("enc"), Key: ptr("plain-copy"), CopySource: ptr("enc/secret"), ServerSideEncryption: ptr("AES256")}); err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, s, ctx, "enc", "plain-copy"); !bytes.Equal(got.GetBody(), body) || got.GetServerSideEncryption() != "AES256" {
		t.Fatal("copy of SSE-KMS object as SSE-S3 does not read back")
	}

	noKMS := newTestService(t)
	mustCreateBucket(t, noKMS, ctx, "enc")
	_, err = noKMS.PutObject(ctx, &s3v1.PutObjectRequest{Bucket: ptr("enc"), Key: ptr("k"), ServerSideEncryption: ptr("aws:kms")})
	requireCode(t, err, "NotImplemented", 501)
}
