package s3

import (
	"net/http"
	"net/netip"
	"strings"
	"unicode/utf8"

	"github.com/ibemu/ibemu/internal/awserr"
)

// MaxKeyLength is the longest object key S3 accepts, in UTF-8 bytes.
const MaxKeyLength = 1024

// ValidBucketName reports whether name follows S3's naming rules for
// general purpose buckets (S3 User Guide, "General purpose bucket naming
// rules"): 3 to 63 characters of lowercase letters, digits, dots and
// hyphens, beginning and ending with a letter or digit, no two adjacent
// dots, not formatted as an IPv4 address, not beginning with the reserved
// prefixes xn--, sthree- or amzn-s3-demo-, and not ending with the reserved
// suffixes -s3alias, --ol-s3, .mrap or --x-s3.
func ValidBucketName(name string) bool {
	if len(name) < 3 || len(name) > 63 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	if !alnum(name[0]) || !alnum(name[len(name)-1]) || strings.Contains(name, "..") {
		return false
	}
	if a, err := netip.ParseAddr(name); err == nil && a.Is4() {
		return false
	}
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(name, p) {
			return false
		}
	}
	for _, sfx := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3"} {
		if strings.HasSuffix(name, sfx) {
			return false
		}
	}
	return true
}

func alnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

// checkBucketName answers InvalidBucketName for a name S3 refuses.
func checkBucketName(name string) error {
	if !ValidBucketName(name) {
		return awserr.New("InvalidBucketName", http.StatusBadRequest, "The specified bucket is not valid.")
	}
	return nil
}

// checkKey answers KeyTooLongError for keys over 1,024 bytes and
// InvalidArgument for keys that are empty or not UTF-8 (S3 User Guide,
// "Naming Amazon S3 objects": a key is a sequence of Unicode characters
// whose UTF-8 encoding is at most 1,024 bytes long).
func checkKey(key string) error {
	if len(key) > MaxKeyLength {
		return awserr.New("KeyTooLongError", http.StatusBadRequest, "Your key is too long")
	}
	if key == "" || !utf8.ValidString(key) {
		return errInvalidArgument("Invalid key: an object key is 1 to 1024 bytes of UTF-8")
	}
	return nil
}
