package s3

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ibemu/ibemu/internal/awserr"
)

// ByteRange is a satisfiable range of an object: bytes [Start, End).
type ByteRange struct{ Start, End int64 }

// ContentRange renders the Content-Range header of a 206 answer:
// "bytes START-LAST/SIZE".
func (r ByteRange) ContentRange(size int64) string {
	return "bytes " + strconv.FormatInt(r.Start, 10) + "-" + strconv.FormatInt(r.End-1, 10) + "/" + strconv.FormatInt(size, 10)
}

// ParseRange reads a Range header for an object of size bytes, as S3 does
// (RFC 9110 byte ranges, one range only): "bytes=a-b", "bytes=a-" and
// "bytes=-n". ok is false when the header is absent or not one byte range
// S3 honours — then the whole object is served, as S3 ignores such
// headers. A range that starts past the end of the object, a suffix of
// zero bytes, or any range of an empty object is InvalidRange (416).
func ParseRange(h string, size int64) (r ByteRange, ok bool, err error) {
	spec, found := strings.CutPrefix(strings.TrimSpace(h), "bytes=")
	if !found || strings.Contains(spec, ",") {
		return ByteRange{}, false, nil
	}
	first, last, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return ByteRange{}, false, nil
	}
	if first == "" {
		n, perr := strconv.ParseInt(last, 10, 64)
		if perr != nil || n < 0 || !digits(last) {
			return ByteRange{}, false, nil
		}
		if n == 0 || size == 0 {
			return ByteRange{}, false, errInvalidRange(size)
		}
		return ByteRange{Start: max(size-n, 0), End: size}, true, nil
	}
	a, perr := strconv.ParseInt(first, 10, 64)
	if perr != nil || !digits(first) {
		return ByteRange{}, false, nil
	}
	end := size
	if last != "" {
		b, perr := strconv.ParseInt(last, 10, 64)
		if perr != nil || !digits(last) || b < a {
			return ByteRange{}, false, nil
		}
		if b+1 < end {
			end = b + 1
		}
	}
	if a >= size {
		return ByteRange{}, false, errInvalidRange(size)
	}
	return ByteRange{Start: a, End: end}, true, nil
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func errInvalidRange(size int64) error {
	return awserr.New("InvalidRange", http.StatusRequestedRangeNotSatisfiable, "The requested range is not satisfiable (object size "+strconv.FormatInt(size, 10)+")")
}

// CopySource is what an x-amz-copy-source header names.
type CopySource struct {
	Bucket, Key, VersionID string
}

// ParseCopySource reads x-amz-copy-source as S3 does (CopyObject,
// UploadPartCopy): "bucket/key" or "/bucket/key", URL-encoded, optionally
// followed by "?versionId=ID". Access point ARNs are not served.
func ParseCopySource(h string) (CopySource, error) {
	path, query, _ := strings.Cut(h, "?")
	var cs CopySource
	if query != "" {
		q, err := url.ParseQuery(query)
		if err != nil || len(q) != 1 || len(q["versionId"]) != 1 {
			return CopySource{}, errInvalidArgument("Invalid copy source: the only parameter x-amz-copy-source takes is versionId")
		}
		cs.VersionID = q.Get("versionId")
	}
	p, err := url.PathUnescape(strings.TrimPrefix(path, "/"))
	if err != nil || !utf8.ValidString(p) {
		return CopySource{}, errInvalidArgument("Invalid copy source encoding")
	}
	if strings.HasPrefix(p, "arn:") {
		return CopySource{}, errInvalidArgument("Copy sources through access points are not supported by this emulator")
	}
	b, k, found := strings.Cut(p, "/")
	if !found || k == "" {
		return CopySource{}, errInvalidArgument("Invalid copy source object key")
	}
	if !ValidBucketName(b) {
		return CopySource{}, errInvalidArgument("Invalid copy source bucket name")
	}
	if err := checkKey(k); err != nil {
		return CopySource{}, err
	}
	cs.Bucket, cs.Key = b, k
	return cs, nil
}

// listCursor is where a listing resumes: after a key, or after every key
// under a common prefix.
type listCursor struct {
	key    string
	prefix bool
}

const tokenVersion = '1'

// encodeToken makes a ListObjectsV2 continuation token: opaque to the
// client, it names the last key (or common prefix) of the page.
func encodeToken(c listCursor) string {
	kind := byte('k')
	if c.prefix {
		kind = 'p'
	}
	return base64.RawURLEncoding.EncodeToString(append([]byte{tokenVersion, kind}, c.key...))
}

// decodeToken reads a continuation token this service issued; anything
// else is InvalidArgument, as S3 answers.
func decodeToken(tok string) (listCursor, error) {
	bad := errInvalidArgument("The continuation token provided is incorrect")
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(raw) < 3 || raw[0] != tokenVersion || (raw[1] != 'k' && raw[1] != 'p') {
		return listCursor{}, bad
	}
	k := string(raw[2:])
	if len(k) > MaxKeyLength || !utf8.ValidString(k) {
		return listCursor{}, bad
	}
	return listCursor{key: k, prefix: raw[1] == 'p'}, nil
}

// urlEncodeKey encodes a key for EncodingType=url answers as S3 does:
// form encoding (space as +), slashes kept.
func urlEncodeKey(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "%2F", "/")
}
