package imagebuilder

import (
	"bytes"
	"encoding/base64"

	"github.com/ibemu/ibemu/internal/awserr"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// defaultMaxResults is the page size when a list request sets none; the
// model caps maxResults at 25.
const defaultMaxResults = 25

// Page tokens are opaque to clients: a version byte, the listing they belong
// to and the storage key to resume after. A token from another listing or a
// tampered one is refused rather than misread.
const tokenVersion = 1

func pageToken(listing string, after []byte) *string {
	buf := make([]byte, 0, 2+len(listing)+len(after))
	buf = append(buf, tokenVersion, byte(len(listing)))
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
	raw, err := base64.RawURLEncoding.DecodeString(*token)
	if err != nil || len(raw) < 2 || raw[0] != tokenVersion || int(raw[1]) != len(listing) ||
		len(raw) < 2+len(listing) || !bytes.Equal(raw[2:2+len(listing)], []byte(listing)) || len(raw) == 2+len(listing) {
		return nil, ibv1.ErrInvalidPaginationToken("The pagination token is not valid for this request.")
	}
	return raw[2+len(listing):], nil
}

func pageSize(maxResults *int32) int {
	if maxResults == nil || *maxResults <= 0 {
		return defaultMaxResults
	}
	return int(*maxResults)
}
