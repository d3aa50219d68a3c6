package iam

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/iam/policy"
	"github.com/ibemu/ibemu/internal/storage"
	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
)

// idAlphabet is the alphabet of IAM unique ids and access key ids
// (RFC 4648 base32: A–Z and 2–7).
const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// Unique id prefixes ("IAM identifiers: unique identifiers").
const (
	prefixUser            = "AIDA"
	prefixGroup           = "AGPA"
	prefixRole            = "AROA"
	prefixPolicy          = "ANPA"
	prefixInstanceProfile = "AIPA"
	prefixAccessKey       = "AKIA"
)

// randomString returns n characters drawn uniformly from alphabet with
// crypto/rand (alphabets of 32 or 64 characters divide 256, so there is no
// modulo bias).
func randomString(alphabet string, n int) string {
	buf := make([]byte, n)
	if _, err := rand.Read(buf); err != nil {
		panic("iam: crypto/rand: " + err.Error())
	}
	for i := range buf {
		buf[i] = alphabet[int(buf[i])%len(alphabet)]
	}
	return string(buf)
}

// newID returns a unique id: the prefix and 17 id characters (21 in all).
func newID(prefix string) string { return prefix + randomString(idAlphabet, 17) }

// newAccessKeyID returns AKIA and 16 id characters.
func newAccessKeyID() string { return prefixAccessKey + randomString(idAlphabet, 16) }

// newSecretKey returns a 40-character secret access key.
func newSecretKey() string {
	return randomString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 40)
}

// stamp is the time IAM records: UTC, whole seconds, as IAM reports dates.
func stamp(t time.Time) *timestamppb.Timestamp { return timestamppb.New(t.UTC().Truncate(time.Second)) }

// arn builds an IAM ARN: arn:aws:iam::ACCOUNT:TYPE/PATH…NAME.
func arn(account, typ, path, name string) string {
	return "arn:aws:iam::" + account + ":" + typ + path + name
}

// encodeDocument renders a policy document the way IAM returns it: URL
// encoded (RFC 3986 percent-encoding; IAM leaves A–Z a–z 0–9 and - _ . *
// alone and writes a space as %20).
func encodeDocument(doc string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(doc) * 2)
	for i := 0; i < len(doc); i++ {
		c := doc[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_', c == '.', c == '*':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// checkPolicy validates a policy document for a use — its grammar and its
// size quota, in IAM's order (policy.Validate) — and returns its JSON text
// (decoded when it came URL-encoded) for storage.
func checkPolicy(doc string, use policy.Use) (string, error) {
	p, perr := policy.Validate(doc, use)
	if perr != nil {
		return "", policyError(perr)
	}
	return p.Text(), nil
}

// policyError converts the policy package's errors to the API's.
func policyError(err error) error {
	var pe *policy.Error
	if errors.As(err, &pe) {
		return awserr.New(pe.Code(), pe.HTTPStatus(), pe.Message())
	}
	return err
}

// checkPath validates an IAM path: "/" or "/…/" with characters from ! to ~
// (the model's pattern, which IAM enforces whole).
func checkPath(member, path string) error {
	ok := path == "/" || (len(path) >= 2 && path[0] == '/' && path[len(path)-1] == '/')
	for i := 0; ok && i < len(path); i++ {
		ok = path[i] >= 0x21 && path[i] <= 0x7e
	}
	if !ok || len(path) > 512 {
		return validationError("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)", path, member)
	}
	return nil
}

// pathOr returns the requested path, "/" when none.
func pathOr(p *string) string {
	if p == nil || *p == "" {
		return "/"
	}
	return *p
}

// validationError is the Query protocol's ValidationError (HTTP 400).
func validationError(format string, args ...any) *awserr.Error {
	return awserr.Newf("ValidationError", 400, format, args...)
}

// hasPathPrefix filters listings by PathPrefix.
func hasPathPrefix(path string, prefix *string) bool {
	return prefix == nil || strings.HasPrefix(path, *prefix)
}

// ---- tags ----

// maxTags is IAM's limit of tags per resource.
const maxTags = 50

// mergeTags adds tags to existing ones, replacing values of keys already
// present. foldCase makes keys case-insensitive (case preserved), as IAM
// treats the tag keys of users and roles; other IAM resources' keys are
// case-sensitive ("Tagging IAM resources").
func mergeTags(existing []*recordsv1.IAMTag, add []*iamv1.Tag, foldCase bool) ([]*recordsv1.IAMTag, error) {
	same := func(a, b string) bool {
		if foldCase {
			return strings.EqualFold(a, b)
		}
		return a == b
	}
	for i, t := range add {
		for _, u := range add[:i] {
			if same(t.GetKey(), u.GetKey()) {
				// AWS's wording for a request naming one key twice.
				return nil, iamv1.ErrInvalidInput("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
			}
		}
	}
	out := append([]*recordsv1.IAMTag(nil), existing...)
next:
	for _, t := range add {
		for i, e := range out {
			if same(e.GetKey(), t.GetKey()) {
				out[i] = &recordsv1.IAMTag{Key: t.GetKey(), Value: t.GetValue()}
				continue next
			}
		}
		out = append(out, &recordsv1.IAMTag{Key: t.GetKey(), Value: t.GetValue()})
	}
	if len(out) > maxTags {
		// Most plausible AWS wording (the tag quota as a validation
		// message under LimitExceeded); not verified against a live account.
		return nil, iamv1.ErrLimitExceeded("1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to %d.", maxTags)
	}
	return out, nil
}

// removeTags drops the named keys; keys that are absent are ignored, as IAM
// does.
func removeTags(existing []*recordsv1.IAMTag, keys []string, foldCase bool) []*recordsv1.IAMTag {
	var out []*recordsv1.IAMTag
next:
	for _, t := range existing {
		for _, k := range keys {
			if t.GetKey() == k || (foldCase && strings.EqualFold(t.GetKey(), k)) {
				continue next
			}
		}
		out = append(out, t)
	}
	return out
}

func apiTags(tags []*recordsv1.IAMTag) []*iamv1.Tag {
	if len(tags) == 0 {
		return nil
	}
	out := make([]*iamv1.Tag, len(tags))
	for i, t := range tags {
		out[i] = &iamv1.Tag{Key: ptr(t.GetKey()), Value: ptr(t.GetValue())}
	}
	return out
}

func tagMap(tags []*recordsv1.IAMTag) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[t.GetKey()] = t.GetValue()
	}
	return m
}

// ---- pagination ----

// defaultMaxItems is IAM's page size when MaxItems is not set.
const defaultMaxItems = 100

func pageSize(maxItems *int32) int {
	if maxItems == nil || *maxItems <= 0 {
		return defaultMaxItems
	}
	return int(*maxItems)
}

// Markers are opaque to clients: a version byte, the listing they belong to
// and the key to resume after. A marker from another listing or a tampered
// one is refused rather than misread.
const markerVersion = 1

func makeMarker(listing string, after []byte) *string {
	buf := make([]byte, 0, 2+len(listing)+len(after))
	buf = append(buf, markerVersion, byte(len(listing)))
	buf = append(buf, listing...)
	buf = append(buf, after...)
	s := base64.RawURLEncoding.EncodeToString(buf)
	return &s
}

// readMarker returns the key to resume after, or nil for the first page.
func readMarker(listing string, marker *string) ([]byte, error) {
	if marker == nil {
		return nil, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(*marker)
	n := len(listing)
	if err != nil || len(raw) < 3+n || raw[0] != markerVersion || int(raw[1]) != n || !bytes.Equal(raw[2:2+n], []byte(listing)) {
		// IAM's answer to a marker it did not issue; wording not verified.
		return nil, iamv1.ErrInvalidInput("Invalid Marker.")
	}
	return raw[2+n:], nil
}

// page is one page of a listing.
type page[T any] struct {
	Items     []T
	Truncated bool
	Marker    *string
}

func (p *page[T]) isTruncated() *bool { return ptr(p.Truncated) }

// paginate pages through items already in listing order; key names each
// item for the marker.
func paginate[T any](listing string, items []T, key func(T) string, marker *string, maxItems *int32) (page[T], error) {
	after, err := readMarker(listing, marker)
	if err != nil {
		return page[T]{}, err
	}
	start := 0
	if after != nil {
		for start < len(items) && key(items[start]) <= string(after) {
			start++
		}
	}
	n := pageSize(maxItems)
	rest := items[start:]
	if len(rest) <= n {
		return page[T]{Items: rest}, nil
	}
	return page[T]{Items: rest[:n], Truncated: true, Marker: makeMarker(listing, []byte(key(rest[n-1])))}, nil
}

// indexed pairs an item with its sort key, for listings whose order is not
// the items' natural order.
type indexed[T any] struct {
	key  string
	item T
}

func indexedKey[T any](i indexed[T]) string { return i.key }

func items[T any](in []indexed[T]) []T {
	out := make([]T, len(in))
	for i, x := range in {
		out[i] = x.item
	}
	return out
}

// scanPage pages through a table in key order, keeping the records conv
// accepts; the marker is the key of the last record returned.
func scanPage[T proto.Message, O any](tx *storage.Tx, table *storage.Table[T], sc storage.Scope, prefix []byte, listing string, marker *string, maxItems *int32, conv func(T) (O, bool)) (page[O], error) {
	after, err := readMarker(listing, marker)
	if err != nil {
		return page[O]{}, err
	}
	n := pageSize(maxItems)
	var pg page[O]
	var last []byte
	err = table.Scan(tx, sc, storage.ScanOptions{Prefix: prefix, StartAfter: after}, func(k []byte, v T) (bool, error) {
		o, ok := conv(v)
		if !ok {
			return true, nil
		}
		if len(pg.Items) == n {
			pg.Truncated = true
			return false, nil
		}
		pg.Items = append(pg.Items, o)
		last = k
		return true, nil
	})
	if err != nil {
		return page[O]{}, err
	}
	if pg.Truncated {
		pg.Marker = makeMarker(listing, last)
	}
	return pg, nil
}
