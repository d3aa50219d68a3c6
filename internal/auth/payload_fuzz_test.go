package auth

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ibemu/ibemu/internal/auth/sigv4"
)

// docChunkedHeaders is the S3 documentation's chunked-upload request head
// (see TestChunkedUploadDocumentationExample); its seed signature verifies,
// so a fuzzed body is decoded with a real chunk-signature chain.
const docChunkedHeaders = "PUT /examplebucket/chunkObject.txt HTTP/1.1\r\n" +
	"Host: s3.amazonaws.com\r\n" +
	"x-amz-date: 20130524T000000Z\r\n" +
	"x-amz-storage-class: REDUCED_REDUNDANCY\r\n" +
	"Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9\r\n" +
	"x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD\r\n" +
	"Content-Encoding: aws-chunked\r\n" +
	"x-amz-decoded-content-length: 66560\r\n" +
	"Content-Length: 66824\r\n\r\n"

// FuzzChunkDecoder feeds arbitrary aws-chunked bodies to the decoder:
// signed (the documentation request's chain) or unsigned with trailers. It
// must never panic, answer 5xx, return more than the limit or return a body
// whose length differs from x-amz-decoded-content-length.
func FuzzChunkDecoder(f *testing.F) {
	f.Add([]byte("5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n"), false, uint16(5))
	f.Add([]byte("5\r\nhello\r\n0\r\n\r\n"), false, uint16(5))
	f.Add([]byte("0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n"), true, uint16(0))
	f.Add([]byte("400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n"), true, uint16(1024))
	f.Fuzz(func(t *testing.T, body []byte, signed bool, declared uint16) {
		limit := int64(4096)
		if signed {
			limit = 1 << 17 // the documented 66560 bytes fit
		}
		var p *Payload
		if signed {
			r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(docChunkedHeaders)))
			if err != nil {
				t.Fatal(err)
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			var f *sigv4.Failure
			_, p, f = newPayloadAuth(time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)).AuthenticateHTTPStreaming(r)
			if f != nil {
				t.Fatal(f)
			}
		} else {
			r, _ := http.NewRequest(http.MethodPut, "http://h/b/k", bytes.NewReader(body))
			r.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(int(declared)))
			r.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32")
			p = &Payload{r: r, mode: sigv4.StreamingUnsignedPayloadTrailer, decoded: -1}
		}
		got, e := p.ReadAll(limit)
		if e != nil {
			if e.HTTPStatus >= 500 || e.Code == "" {
				t.Fatalf("error %+v", e)
			}
			return
		}
		if signed {
			t.Fatalf("a fuzzed body verified against the documented chain: %q", body)
		}
		if int64(len(got)) > limit || len(got) != int(declared) {
			t.Fatalf("decoded %d bytes, declared %d", len(got), declared)
		}
	})
}
