package s3

import (
	"testing"
)

// FuzzParseRange: any Range header for any size is answered without a
// panic, and a range it accepts lies inside the object.
func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"bytes=0-9", "bytes=10-", "bytes=-5", "bytes=-0", "bytes=5-1", "bytes=0-1,2-3", "bytes=99999999999999999999-", "bytes= 1 - 2", ""} {
		f.Add(s, int64(100))
	}
	f.Fuzz(func(t *testing.T, h string, size int64) {
		if size < 0 {
			size = -size
		}
		r, ok, err := ParseRange(h, size)
		if ok && (err != nil || r.Start < 0 || r.End > size || r.Start >= r.End) {
			t.Fatalf("ParseRange(%q, %d) = %+v, %v", h, size, r, err)
		}
	})
}

// FuzzParseCopySource: whatever the header, a source it accepts names a
// valid bucket and a non-empty key.
func FuzzParseCopySource(f *testing.F) {
	for _, s := range []string{"bucket/key", "/bucket/a%20b", "bucket/k?versionId=null", "bucket", "arn:aws:s3:x", "b/%zz", "bucket/k?x=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		cs, err := ParseCopySource(h)
		if err == nil && (!ValidBucketName(cs.Bucket) || cs.Key == "" || len(cs.Key) > MaxKeyLength) {
			t.Fatalf("ParseCopySource(%q) = %+v", h, cs)
		}
	})
}

// FuzzDecodeToken: tokens decode to what was encoded, and garbage is an
// InvalidArgument, never a panic.
func FuzzDecodeToken(f *testing.F) {
	f.Add("", false)
	f.Add("docs/", true)
	f.Add("é/ü", false)
	f.Fuzz(func(t *testing.T, key string, prefix bool) {
		c := listCursor{key: key, prefix: prefix}
		got, err := decodeToken(encodeToken(c))
		if err == nil && got != c {
			t.Fatalf("round trip of %+v = %+v", c, got)
		}
		_, _ = decodeToken(key)
	})
}

// FuzzBucketPolicy: any document is accepted or refused with
// MalformedPolicy, never a panic, and an accepted one is classed public or
// not (PublicPolicy) without a panic.
func FuzzBucketPolicy(f *testing.F) {
	f.Add(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b-1/*"}]}`)
	f.Add(`{"Statement":{"Effect":"Deny","Principal":{"AWS":"*"},"NotAction":"s3:*","Resource":"arn:aws:s3:::b-?"}}`)
	f.Add(`{"Statement":{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b-1/*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}}`)
	f.Fuzz(func(t *testing.T, doc string) {
		p, err := ValidateBucketPolicy("b-1", doc)
		if err != nil {
			requireCode(t, err, "MalformedPolicy", 400)
			return
		}
		_ = PublicPolicy(p)
	})
}
