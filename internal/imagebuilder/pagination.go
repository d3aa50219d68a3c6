package imagebuilder

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/ibemu/ibemu/internal/storage"

	"github.com/ibemu/ibemu/internal/awserr"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// defaultMaxResults is the page size when a list request sets none; the
// model caps maxResults at 25.
const defaultMaxResults = 25

// Page tokens are opaque to clients: a version byte, the length of the
// listing they belong to as a uvarint, the listing, and the storage key to
// resume after. A token from another listing or a tampered one is refused
// rather than misread.
//
// Version 1 wrote the listing's length in one byte, so a listing longer than
// 255 bytes (a ListComponentBuildVersions listing names the version ARN,
// whose region and name can be long) refused its own tokens. Version 1
// tokens are refused like any other invalid token: tokens live for a
// listing, not across emulator versions.
const tokenVersion = 2

func pageToken(listing string, after []byte) *string {
	buf := make([]byte, 0, 1+binary.MaxVarintLen64+len(listing)+len(after))
	buf = append(buf, tokenVersion)
	buf = binary.AppendUvarint(buf, uint64(len(listing)))
	buf = append(buf, listing...)
	buf = append(buf, after...)
	s := base64.RawURLEncoding.EncodeToString(buf)
	return &s
}

// parsePageToken returns the key to resume after, or nil for the first page.
func parsePageToken(listing string, token *string) ([]byte, *awserr.Error) {
	if token == nil {
		return nil, nil
	}
	after, ok := decodePageToken(listing, *token)
	if !ok {
		return nil, ibv1.ErrInvalidPaginationToken("The pagination token is not valid for this request.")
	}
	return after, nil
}

func decodePageToken(listing, token string) ([]byte, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) == 0 || raw[0] != tokenVersion {
		return nil, false
	}
	raw = raw[1:]
	n, size := binary.Uvarint(raw)
	// Only the shortest encoding of the length is the one pageToken wrote.
	if size <= 0 || n != uint64(len(listing)) || size != len(binary.AppendUvarint(nil, n)) {
		return nil, false
	}
	raw = raw[size:]
	if len(raw) <= len(listing) || string(raw[:len(listing)]) != listing {
		return nil, false
	}
	return raw[len(listing):], true
}

func pageSize(maxResults *int32) int {
	if maxResults == nil || *maxResults <= 0 {
		return defaultMaxResults
	}
	return int(*maxResults)
}

// page is one page of a listing over a storage table: every list operation
// pages through collect, so tokens, page sizes and filters behave the same
// in all of them.
type page struct {
	// listing names what is listed; a token is bound to it, so a token of
	// another listing (another operation, owner, version ARN) is refused.
	listing string
	// prefix restricts the scan to keys that start with it.
	prefix []byte
	// after is the key the token resumes after; nil on the first page.
	after []byte
	// limit is the page size: maxResults, or the model's default.
	limit int
	// tail groups keys: a group is a key less its last tail bytes (fixed
	// width numbers), and a listing shows the last entry of each group (the
	// latest version of each name). Zero lists every entry.
	tail int
}

// newPage reads a list request's paging members. The model has already
// bounded maxResults (at most 25 for Image Builder lists).
func newPage(listing string, prefix []byte, maxResults *int32, token *string) (*page, *awserr.Error) {
	after, aerr := parsePageToken(listing, token)
	if aerr != nil {
		return nil, aerr
	}
	return &page{listing: listing, prefix: prefix, after: after, limit: pageSize(maxResults)}, nil
}

// collect lists one page of table in sc: the entries keep accepts (nil
// keeps all), mapped to output items by item, and the token of the next
// page when more entries follow (nil when the listing is complete: a full
// last page carries no token). keep sees the entry's key.
func collect[T proto.Message, O any](tx *storage.Tx, table *storage.Table[T], sc storage.Scope, p *page, keep func(key []byte, v T) (bool, error), item func(T) O) ([]O, *string, error) {
	out := []O{}
	var next *string
	var pending T
	var has bool
	var pendingKey, pendingGroup, lastGroup []byte
	var keepErr error
	flush := func() bool {
		if !has {
			return true
		}
		if keep != nil {
			if ok, err := keep(pendingKey, pending); err != nil || !ok {
				keepErr = err
				return err == nil
			}
		}
		if len(out) == p.limit {
			next = pageToken(p.listing, append(bytes.Clone(lastGroup), bytes.Repeat([]byte{0xff}, p.tail)...))
			return false
		}
		out = append(out, item(pending))
		lastGroup = pendingGroup
		return true
	}
	err := table.Scan(tx, sc, storage.ScanOptions{Prefix: p.prefix, StartAfter: p.after}, func(k []byte, v T) (bool, error) {
		if len(k) < p.tail {
			return false, fmt.Errorf("imagebuilder: %s key %q is shorter than its grouping tail", table.Name(), k)
		}
		group := k[:len(k)-p.tail]
		if has && !bytes.Equal(group, pendingGroup) && !flush() {
			return false, keepErr
		}
		pending, pendingKey, pendingGroup, has = v, k, group, true
		return true, nil
	})
	if err != nil {
		return nil, nil, err
	}
	if next == nil && keepErr == nil {
		flush()
	}
	return out, next, keepErr
}
