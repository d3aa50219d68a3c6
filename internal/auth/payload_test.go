package auth

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"hash/crc32"
	"hash/crc64"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ibemu/ibemu/internal/auth/sigv4"
)

// The chunked-upload example of "Signature Calculations for the
// Authorization Header: Transferring Payload in Multiple Chunks" (Amazon S3
// API Reference): 65 KiB of 'a' in a 64 KiB and a 1 KiB chunk. The request
// carries the documented seed signature and the body the documented chunk
// signatures, so verifying it reproduces AWS's numbers end to end.
func TestChunkedUploadDocumentationExample(t *testing.T) {
	at := time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)
	const (
		seed  = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
		sig1  = "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"
		sig2  = "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"
		final = "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"
	)
	data := bytes.Repeat([]byte{'a'}, 65*1024)
	// The test's own signer must agree with the documented chain.
	s := newChunkSigner(docSecret, at, "us-east-1", seed)
	for i, c := range []struct {
		data []byte
		want string
	}{{data[:65536], sig1}, {data[65536:], sig2}, {nil, final}} {
		if got := s.chunk(c.data); got != c.want {
			t.Fatalf("test signer chunk %d: %s, want %s", i, got, c.want)
		}
	}
	var body bytes.Buffer
	body.WriteString("10000;chunk-signature=" + sig1 + "\r\n")
	body.Write(data[:65536])
	body.WriteString("\r\n400;chunk-signature=" + sig2 + "\r\n")
	body.Write(data[65536:])
	body.WriteString("\r\n0;chunk-signature=" + final + "\r\n\r\n")
	if body.Len() != 66824 {
		t.Fatalf("encoded length %d, want the documented 66824", body.Len())
	}
	raw := "PUT /examplebucket/chunkObject.txt HTTP/1.1\r\n" +
		"Host: s3.amazonaws.com\r\n" +
		"x-amz-date: 20130524T000000Z\r\n" +
		"x-amz-storage-class: REDUCED_REDUNDANCY\r\n" +
		"Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=" + seed + "\r\n" +
		"x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD\r\n" +
		"Content-Encoding: aws-chunked\r\n" +
		"x-amz-decoded-content-length: 66560\r\n" +
		"Content-Length: 66824\r\n\r\n" + body.String()
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		t.Fatal(err)
	}
	id, p, f := newPayloadAuth(at).AuthenticateHTTPStreaming(r)
	if f != nil {
		t.Fatalf("seed signature: %v\n%s", f, f.CanonicalRequest)
	}
	if id.Principal.Name != "alice" || p.Mode() != sigv4.StreamingPayload || p.DecodedLength() != 66560 || p.ContentEncoding() != "" {
		t.Fatalf("identity %+v, mode %q, length %d, encoding %q", id.Principal, p.Mode(), p.DecodedLength(), p.ContentEncoding())
	}
	got, e := p.ReadAll(1 << 20)
	if e != nil {
		t.Fatal(e)
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("decoded %d bytes, want 66560 'a'", len(got))
	}
	if _, e := p.ReadAll(1 << 20); e == nil || e.HTTPStatus != http.StatusInternalServerError {
		t.Fatalf("second ReadAll: %v", e)
	}
}

type payloadCase struct {
	name    string
	mode    string
	headers map[string]string
	// body builds the wire body from the seed signature.
	body func(seed string) []byte
	// contentLength overrides Content-Length (-1: the body's length).
	contentLength int
	limit         int64
	// wantCode is the expected error code ("" for success, then want is
	// the decoded body and checksums the verified checksums).
	wantCode  string
	wantAuth  string // expected authentication failure code (RESTXML)
	want      []byte
	checksums map[string]string
}

func runPayloadCases(t *testing.T, cases []payloadCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl := c.contentLength
			if cl == 0 {
				cl = -1
			}
			r, _ := signedS3Request(t, c.mode, c.headers, c.body, cl)
			_, p, f := newPayloadAuth(payloadTime).AuthenticateHTTPStreaming(r)
			if c.wantAuth != "" {
				if f == nil || f.AWSError(sigv4.RESTXML).Code != c.wantAuth {
					t.Fatalf("authentication: %v, want %s", f, c.wantAuth)
				}
				return
			}
			if f != nil {
				t.Fatalf("authentication: %v\n%s", f, f.CanonicalRequest)
			}
			limit := c.limit
			if limit == 0 {
				limit = 1 << 20
			}
			got, e := p.ReadAll(limit)
			if c.wantCode != "" {
				if e == nil || e.Code != c.wantCode {
					t.Fatalf("ReadAll: %v, want %s", e, c.wantCode)
				}
				if e.HTTPStatus >= 500 {
					t.Fatalf("status %d", e.HTTPStatus)
				}
				return
			}
			if e != nil {
				t.Fatalf("ReadAll: %v", e)
			}
			if !bytes.Equal(got, c.want) {
				t.Fatalf("body %q, want %q", trunc(got), trunc(c.want))
			}
			if p.DecodedLength() != int64(len(c.want)) {
				t.Fatalf("DecodedLength %d", p.DecodedLength())
			}
			if len(c.checksums) != len(p.Checksums()) {
				t.Fatalf("checksums %v, want %v", p.Checksums(), c.checksums)
			}
			for k, v := range c.checksums {
				if p.Checksums()[k] != v {
					t.Fatalf("checksums %v, want %v", p.Checksums(), c.checksums)
				}
			}
		})
	}
}

func trunc(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "…"
	}
	return string(b)
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func sumCRC32(b []byte) string {
	h := crc32.NewIEEE()
	h.Write(b)
	return b64(h.Sum(nil))
}

func sumCRC32C(b []byte) string {
	h := crc32.New(crc32.MakeTable(crc32.Castagnoli))
	h.Write(b)
	return b64(h.Sum(nil))
}

func sumSHA256(b []byte) string { s := sha256.Sum256(b); return b64(s[:]) }

func sumMD5(b []byte) string { s := md5.Sum(b); return b64(s[:]) }

func plain(b []byte) func(string) []byte { return func(string) []byte { return b } }

func hexSum(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// signedChunks encodes data in signed chunks from the request's seed.
func signedChunks(data []byte, size int, trailers []string) func(string) []byte {
	return func(seed string) []byte {
		return encodeChunks(data, size, newChunkSigner(docSecret, payloadTime, "us-east-1", seed), trailers)
	}
}

// unsignedChunks encodes data in unsigned chunks with trailers.
func unsignedChunks(data []byte, size int, trailers []string) func(string) []byte {
	return func(string) []byte { return encodeChunks(data, size, nil, trailers) }
}

// tamper applies f to the body built by b.
func tamper(b func(string) []byte, f func([]byte) []byte) func(string) []byte {
	return func(seed string) []byte { return f(bytes.Clone(b(seed))) }
}

func decoded(n int) map[string]string {
	return map[string]string{"X-Amz-Decoded-Content-Length": strconv.Itoa(n), "Content-Encoding": "aws-chunked"}
}

func with(h map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range h {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// flipAt flips a byte at the first occurrence of marker plus off.
func flipAt(marker string, off int) func([]byte) []byte {
	return func(b []byte) []byte {
		i := bytes.Index(b, []byte(marker))
		if i < 0 {
			panic("marker not found: " + marker)
		}
		b[i+off] ^= 0x01
		return b
	}
}

func TestPayloadModes(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 9000) // 144000 bytes, 3 chunks of 64 KiB
	small := []byte("hello, world")
	crcTrailer := []string{"x-amz-checksum-crc32:" + sumCRC32(data)}
	runPayloadCases(t, []payloadCase{
		{name: "signed hex", mode: hexSum(small), body: plain(small), want: small},
		{name: "signed hex upper case", mode: strings.ToUpper(hexSum(small)), body: plain(small), want: small},
		{name: "signed hex empty", mode: sigv4.EmptyPayloadHash, body: plain(nil), want: []byte{}},
		{name: "signed hex with crc32 header (SDK over http)", mode: hexSum(small), headers: map[string]string{"X-Amz-Checksum-Crc32": sumCRC32(small), "X-Amz-Sdk-Checksum-Algorithm": "CRC32"},
			body: plain(small), want: small, checksums: map[string]string{"x-amz-checksum-crc32": sumCRC32(small)}},
		{name: "unsigned", mode: sigv4.UnsignedPayload, body: plain(small), want: small},
		{name: "unsigned with content-md5 and sha256", mode: sigv4.UnsignedPayload, headers: map[string]string{"Content-Md5": sumMD5(small), "X-Amz-Checksum-Sha256": sumSHA256(small)},
			body: plain(small), want: small, checksums: map[string]string{"x-amz-checksum-sha256": sumSHA256(small)}},
		{name: "streaming signed", mode: sigv4.StreamingPayload, headers: decoded(len(data)), body: signedChunks(data, 64<<10, nil), want: data},
		{name: "streaming signed empty", mode: sigv4.StreamingPayload, headers: decoded(0), body: signedChunks(nil, 64<<10, nil), want: []byte{}},
		{name: "streaming signed with crc32c header", mode: sigv4.StreamingPayload, headers: with(decoded(len(data)), "X-Amz-Checksum-Crc32c", sumCRC32C(data)),
			body: signedChunks(data, 64<<10, nil), want: data, checksums: map[string]string{"x-amz-checksum-crc32c": sumCRC32C(data)}},
		{name: "streaming signed trailer", mode: sigv4.StreamingPayloadTrailer, headers: with(decoded(len(data)), "X-Amz-Trailer", "x-amz-checksum-crc32"),
			body: signedChunks(data, 64<<10, crcTrailer), want: data, checksums: map[string]string{"x-amz-checksum-crc32": sumCRC32(data)}},
		{name: "streaming unsigned trailer", mode: sigv4.StreamingUnsignedPayloadTrailer, headers: with(decoded(len(data)), "X-Amz-Trailer", "x-amz-checksum-crc32"),
			body: unsignedChunks(data, 64<<10, crcTrailer), want: data, checksums: map[string]string{"x-amz-checksum-crc32": sumCRC32(data)}},
		{name: "streaming unsigned trailer without final CRLF", mode: sigv4.StreamingUnsignedPayloadTrailer, headers: with(decoded(len(small)), "X-Amz-Trailer", "x-amz-checksum-sha256"),
			body: tamper(unsignedChunks(small, 64<<10, []string{"x-amz-checksum-sha256:" + sumSHA256(small)}), func(b []byte) []byte { return b[:len(b)-2] }),
			want: small, checksums: map[string]string{"x-amz-checksum-sha256": sumSHA256(small)}},
		{name: "aws-chunked kept out of Content-Encoding", mode: sigv4.StreamingUnsignedPayloadTrailer, headers: with(decoded(len(small)), "Content-Encoding", "aws-chunked,gzip"),
			body: unsignedChunks(small, 64<<10, []string{}), want: small},
	})
}

func TestPayloadTampering(t *testing.T) {
	data := bytes.Repeat([]byte("x"), 70000)
	small := []byte("hello, world")
	crcTrailer := []string{"x-amz-checksum-crc32:" + sumCRC32(data)}
	wrongCRC := []string{"x-amz-checksum-crc32:" + sumCRC32(small)}
	trailerHdr := with(decoded(len(data)), "X-Amz-Trailer", "x-amz-checksum-crc32")
	runPayloadCases(t, []payloadCase{
		{name: "hex mismatch", mode: hexSum(small), body: plain([]byte("hello, World")), wantCode: "XAmzContentSHA256Mismatch"},
		{name: "missing x-amz-content-sha256", mode: "", body: plain(small), wantAuth: "InvalidRequest"},
		{name: "unknown mode", mode: "STREAMING-NOPE", body: plain(small), wantAuth: "InvalidArgument"},
		{name: "flipped chunk data", mode: sigv4.StreamingPayload, headers: decoded(len(data)), body: tamper(signedChunks(data, 64<<10, nil), flipAt("xxxx", 100)), wantCode: "SignatureDoesNotMatch"},
		{name: "flipped chunk signature", mode: sigv4.StreamingPayload, headers: decoded(len(data)), body: tamper(signedChunks(data, 64<<10, nil), flipAt("chunk-signature=", 20)), wantCode: "SignatureDoesNotMatch"},
		{name: "flipped final chunk signature", mode: sigv4.StreamingPayload, headers: decoded(len(data)), body: tamper(signedChunks(data, 64<<10, nil), flipAt("0;chunk-signature=", 20)), wantCode: "SignatureDoesNotMatch"},
		{name: "chunks out of order", mode: sigv4.StreamingPayload, headers: decoded(20000), body: func(seed string) []byte {
			s := newChunkSigner(docSecret, payloadTime, "us-east-1", seed)
			one, two := bytes.Repeat([]byte("1"), 10000), bytes.Repeat([]byte("2"), 10000)
			sig1, sig2 := s.chunk(one), s.chunk(two)
			fin := s.chunk(nil)
			return []byte("2710;chunk-signature=" + sig2 + "\r\n" + string(two) + "\r\n2710;chunk-signature=" + sig1 + "\r\n" + string(one) + "\r\n0;chunk-signature=" + fin + "\r\n\r\n")
		}, wantCode: "SignatureDoesNotMatch"},
		{name: "unsigned chunks in signed mode", mode: sigv4.StreamingPayload, headers: decoded(len(small)), body: unsignedChunks(small, 64<<10, nil), wantCode: "InvalidRequest"},
		{name: "signed trailer checksum changed", mode: sigv4.StreamingPayloadTrailer, headers: trailerHdr,
			body: tamper(signedChunks(data, 64<<10, crcTrailer), func(b []byte) []byte {
				return bytes.Replace(b, []byte(crcTrailer[0]), []byte(wrongCRC[0]), 1)
			}), wantCode: "SignatureDoesNotMatch"},
		{name: "signed trailer with wrong checksum", mode: sigv4.StreamingPayloadTrailer, headers: trailerHdr, body: signedChunks(data, 64<<10, wrongCRC), wantCode: "BadDigest"},
		{name: "signed trailer without signature", mode: sigv4.StreamingPayloadTrailer, headers: trailerHdr, body: unsignedChunks(data, 64<<10, crcTrailer), wantCode: "InvalidRequest"},
		{name: "unsigned trailer wrong crc32", mode: sigv4.StreamingUnsignedPayloadTrailer, headers: trailerHdr, body: unsignedChunks(data, 64<<10, wrongCRC), wantCode: "BadDigest"},
		{name: "unsigned trailer missing", mode: sigv4.StreamingUnsignedPayloadTrailer, headers: trailerHdr, body: unsignedChunks(data, 64<<10, []string{}), wantCode: "MalformedTrailerError"},
		{name: "unsigned trailer malformed value", mode: sigv4.StreamingUnsignedPayloadTrailer, headers: trailerHdr, body: unsignedChunks(data, 64<<10, []string{"x-amz-checksum-crc32:nope"}), wantCode: "InvalidRequest"},
		{name: "unsupported x-amz-trailer", mode: sigv4.StreamingUnsignedPayloadTrailer, headers: with(decoded(len(data)), "X-Amz-Trailer", "x-amz-meta-foo"), body: unsignedChunks(data, 64<<10, crcTrailer), wantCode: "InvalidRequest"},
		{name: "header and trailer checksum", mode: sigv4.StreamingUnsignedPayloadTrailer, headers: with(trailerHdr, "X-Amz-Checksum-Sha1", "AAAAAAAAAAAAAAAAAAAAAAAAAAA="), body: unsignedChunks(data, 64<<10, crcTrailer), wantCode: "InvalidRequest"},
		{name: "wrong crc32 header", mode: hexSum(small), headers: map[string]string{"X-Amz-Checksum-Crc32": sumCRC32(data)}, body: plain(small), wantCode: "BadDigest"},
		{name: "wrong crc64nvme header", mode: sigv4.UnsignedPayload, headers: map[string]string{"X-Amz-Checksum-Crc64nvme": "AAAAAAAAAAA="}, body: plain(small), wantCode: "BadDigest"},
		{name: "two checksum headers", mode: sigv4.UnsignedPayload, headers: map[string]string{"X-Amz-Checksum-Crc32": sumCRC32(small), "X-Amz-Checksum-Sha256": sumSHA256(small)}, body: plain(small), wantCode: "InvalidRequest"},
		{name: "malformed checksum header", mode: sigv4.UnsignedPayload, headers: map[string]string{"X-Amz-Checksum-Crc32": "AAAA"}, body: plain(small), wantCode: "InvalidRequest"},
		{name: "content-md5 mismatch", mode: sigv4.UnsignedPayload, headers: map[string]string{"Content-Md5": sumMD5(data)}, body: plain(small), wantCode: "BadDigest"},
		{name: "content-md5 malformed", mode: sigv4.UnsignedPayload, headers: map[string]string{"Content-Md5": "not-md5"}, body: plain(small), wantCode: "InvalidDigest"},
		{name: "truncated plain body", mode: hexSum(small), body: plain(small[:5]), contentLength: len(small), wantCode: "IncompleteBody"},
		{name: "truncated chunked body", mode: sigv4.StreamingPayload, headers: decoded(len(data)), body: tamper(signedChunks(data, 64<<10, nil), func(b []byte) []byte { return b[:len(b)/2] }), wantCode: "IncompleteBody"},
		{name: "truncated before final chunk", mode: sigv4.StreamingUnsignedPayloadTrailer, headers: trailerHdr, body: tamper(unsignedChunks(data, 64<<10, crcTrailer), func(b []byte) []byte { return b[:bytes.LastIndex(b, []byte("0\r\n"))] }), wantCode: "IncompleteBody"},
		{name: "decoded length too large", mode: sigv4.StreamingPayload, headers: decoded(len(data) + 1), body: signedChunks(data, 64<<10, nil), wantCode: "IncompleteBody"},
		{name: "decoded length too small", mode: sigv4.StreamingPayload, headers: decoded(len(data) - 1), body: signedChunks(data, 64<<10, nil), wantCode: "InvalidRequest"},
		{name: "decoded length missing", mode: sigv4.StreamingUnsignedPayloadTrailer, headers: map[string]string{"X-Amz-Trailer": "x-amz-checksum-crc32"}, body: unsignedChunks(data, 64<<10, crcTrailer), wantCode: "MissingContentLength"},
		{name: "oversize plain", mode: sigv4.UnsignedPayload, body: plain(data), limit: 1000, wantCode: "EntityTooLarge"},
		{name: "oversize chunked (announced)", mode: sigv4.StreamingPayload, headers: decoded(len(data)), body: signedChunks(data, 64<<10, nil), limit: 1000, wantCode: "EntityTooLarge"},
		{name: "oversize chunked (understated)", mode: sigv4.StreamingUnsignedPayloadTrailer, headers: with(decoded(10), "X-Amz-Trailer", ""), body: unsignedChunks(data, 64<<10, []string{}), limit: 1000, wantCode: "EntityTooLarge"},
		{name: "garbage chunk size", mode: sigv4.StreamingUnsignedPayloadTrailer, headers: decoded(5), body: plain([]byte("zz\r\nhello\r\n0\r\n\r\n")), wantCode: "InvalidRequest"},
		{name: "data after final chunk", mode: sigv4.StreamingUnsignedPayloadTrailer, headers: decoded(5), body: plain([]byte("5\r\nhello\r\n0\r\n\r\nextra")), wantCode: "InvalidRequest"},
		{name: "chunk longer than its size", mode: sigv4.StreamingUnsignedPayloadTrailer, headers: decoded(5), body: plain([]byte("4\r\nhello\r\n0\r\n\r\n")), wantCode: "InvalidRequest"},
	})
}

// CRC-64/NVME's check value (CRC of "123456789") from the CRC catalogue
// entry the NVMe specification's polynomial defines.
func TestCRC64NVMECheckValue(t *testing.T) {
	h := crc64.New(nvme())
	h.Write([]byte("123456789"))
	if got := h.Sum64(); got != 0xae8b14860a799888 {
		t.Fatalf("CRC-64/NVME(123456789) = %#x, want 0xae8b14860a799888", got)
	}
}

// A presigned request's payload is UNSIGNED-PAYLOAD, and anonymous requests
// are denied as S3 denies them.
func TestPayloadPresignedAndAnonymous(t *testing.T) {
	r, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:4566/bucket/key", nil)
	_, _, f := newPayloadAuth(payloadTime).AuthenticateHTTPStreaming(r)
	if e := f.AWSError(sigv4.RESTXML); e.Code != "AccessDenied" || e.HTTPStatus != 403 || e.Message != "Access Denied" {
		t.Fatalf("anonymous: %+v", e)
	}
}
