package imagebuilder

import (
	"encoding/base64"
	"encoding/binary"

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
