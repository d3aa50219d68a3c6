package s3

import (
	"net/http"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/ibemu/ibemu/internal/awserr"
	s3v1 "github.com/ibemu/ibemu/proto/s3/v1"
)

// Tag limits (S3 User Guide, "Categorizing your storage using tags" and
// "Using cost allocation S3 bucket tags"): keys of 1 to 128 characters,
// values of up to 256, at most 50 tags on a bucket and 10 on an object.
const (
	maxBucketTags = 50
	maxObjectTags = 10
)

func errInvalidTag(msg string) error {
	return awserr.New("InvalidTag", http.StatusBadRequest, msg)
}

func errNoSuchTagSet() error {
	return awserr.New("NoSuchTagSet", http.StatusNotFound, "The TagSet does not exist")
}

// tagMap checks a tag set (up to maxBucketTags) and returns it as a map.
func tagMap(tags []*s3v1.Tag) (map[string]string, error) {
	return tagMapLimit(tags, maxBucketTags)
}

func tagMapLimit(tags []*s3v1.Tag, limit int) (map[string]string, error) {
	if len(tags) > limit {
		if limit == maxObjectTags {
			return nil, errInvalidTag("Object tags cannot be greater than 10")
		}
		return nil, errInvalidTag("Bucket tag count cannot be greater than 50")
	}
	if len(tags) == 0 {
		return nil, nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		k, v := t.GetKey(), t.GetValue()
		if n := utf8.RuneCountInString(k); n < 1 || n > 128 {
			return nil, errInvalidTag("The TagKey you have provided is invalid")
		}
		if utf8.RuneCountInString(v) > 256 {
			return nil, errInvalidTag("The TagValue you have provided is invalid")
		}
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return nil, errInvalidTag("System tags cannot be added/updated by requester")
		}
		if _, dup := m[k]; dup {
			return nil, errInvalidTag("Cannot provide multiple Tags with the same key")
		}
		m[k] = v
	}
	return m, nil
}

// tagList renders tags sorted by key.
func tagList(m map[string]string) []*s3v1.Tag {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]*s3v1.Tag, 0, len(keys))
	for _, k := range keys {
		out = append(out, &s3v1.Tag{Key: ptr(k), Value: ptr(m[k])})
	}
	return out
}
