package auth

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"net/http"
	"strings"
	"sync"

	"github.com/ibemu/ibemu/internal/awserr"
)

// checksumAlgorithm is one of S3's flexible checksums ("Checking object
// integrity", Amazon S3 User Guide): the value travels base64-encoded, big
// endian, in x-amz-checksum-<name> as a header or a trailer.
type checksumAlgorithm struct {
	name   string // as S3 spells it in messages: "CRC32"
	header string // lower-case header name
	size   int    // digest bytes
	new    func() hash.Hash
}

// crc64NVME is the CRC-64/NVME polynomial 0xAD93D23594C93659 bit-reversed,
// as hash/crc64 tables take it (the NVM Express Command Set specification's
// CRC; S3 calls it CRC64NVME).
const crc64NVME = 0x9a6c9329ac4bc9b5

// The tables are made on first use: crc64.MakeTable builds the slicing
// tables of ISO and ECMA as well (32 KB, a third of a millisecond), which
// start-up need not pay for a checksum most requests never send.
var (
	castagnoli = sync.OnceValue(func() *crc32.Table { return crc32.MakeTable(crc32.Castagnoli) })
	nvme       = sync.OnceValue(func() *crc64.Table { return crc64.MakeTable(crc64NVME) })
)

var checksumAlgorithms = []checksumAlgorithm{
	{"CRC32", "x-amz-checksum-crc32", crc32.Size, func() hash.Hash { return crc32.NewIEEE() }},
	{"CRC32C", "x-amz-checksum-crc32c", crc32.Size, func() hash.Hash { return crc32.New(castagnoli()) }},
	{"CRC64NVME", "x-amz-checksum-crc64nvme", crc64.Size, func() hash.Hash { return crc64.New(nvme()) }},
	{"SHA1", "x-amz-checksum-sha1", sha1.Size, sha1.New},
	{"SHA256", "x-amz-checksum-sha256", sha256.Size, sha256.New},
}

// checksumByHeader finds the algorithm of a lower-case header name.
func checksumByHeader(name string) *checksumAlgorithm {
	for i := range checksumAlgorithms {
		if checksumAlgorithms[i].header == name {
			return &checksumAlgorithms[i]
		}
	}
	return nil
}

// expectedChecksum is a digest the client sent, verified once the body is
// read. value is empty until a trailer supplies it.
type expectedChecksum struct {
	alg   *checksumAlgorithm
	value string // base64 as sent
	h     hash.Hash
}

// digestPlan is what a body is checked against: the x-amz-content-sha256
// hash, Content-MD5 and at most one flexible checksum.
type digestPlan struct {
	sha256   hash.Hash // the signed payload hash, when hex
	wantSHA  []byte
	md5      hash.Hash
	wantMD5  []byte
	checksum *expectedChecksum
	trailer  bool // the checksum arrives as a trailer
}

func invalidRequest(format string, args ...any) *awserr.Error {
	return awserr.Newf("InvalidRequest", http.StatusBadRequest, format, args...)
}

const msgMultipleChecksums = "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed."

// planDigests reads the digest headers of r: Content-MD5 (InvalidDigest when
// not base64 of 16 bytes), x-amz-checksum-* (InvalidRequest when more than
// one, or malformed) and, for trailer modes, x-amz-trailer naming the one
// checksum trailer to expect.
func planDigests(h http.Header, trailerMode bool) (digestPlan, *awserr.Error) {
	var p digestPlan
	if v := h.Values("Content-Md5"); len(v) > 0 {
		sum, err := base64.StdEncoding.DecodeString(v[0])
		if err != nil || len(sum) != md5.Size || len(v) > 1 {
			return p, awserr.New("InvalidDigest", http.StatusBadRequest, "The Content-MD5 you specified was invalid.")
		}
		p.md5, p.wantMD5 = md5.New(), sum
	}
	for i := range checksumAlgorithms {
		alg := &checksumAlgorithms[i]
		v := h.Values(alg.header)
		if len(v) == 0 {
			continue
		}
		if p.checksum != nil || len(v) > 1 {
			return p, invalidRequest(msgMultipleChecksums)
		}
		if !validChecksumValue(alg, v[0]) {
			return p, invalidRequest("Value for %s header is invalid.", alg.header)
		}
		p.checksum = &expectedChecksum{alg: alg, value: v[0], h: alg.new()}
	}
	if !trailerMode {
		return p, nil
	}
	for _, list := range h.Values("X-Amz-Trailer") {
		for name := range strings.SplitSeq(list, ",") {
			name = strings.ToLower(strings.TrimSpace(name))
			if name == "" {
				continue
			}
			alg := checksumByHeader(name)
			if alg == nil {
				return p, invalidRequest("The value specified in the x-amz-trailer header is not supported")
			}
			if p.checksum != nil {
				return p, invalidRequest(msgMultipleChecksums)
			}
			p.checksum = &expectedChecksum{alg: alg, h: alg.new()}
			p.trailer = true
		}
	}
	return p, nil
}

func validChecksumValue(alg *checksumAlgorithm, v string) bool {
	sum, err := base64.StdEncoding.DecodeString(v)
	return err == nil && len(sum) == alg.size
}

// write feeds decoded body bytes to every digest.
func (p *digestPlan) write(b []byte) {
	if p.sha256 != nil {
		p.sha256.Write(b)
	}
	if p.md5 != nil {
		p.md5.Write(b)
	}
	if p.checksum != nil {
		p.checksum.h.Write(b)
	}
}

// finish compares the digests of the body read: the flexible checksum
// (BadDigest, "The CRC32 you specified did not match the calculated
// checksum."), then Content-MD5 (BadDigest). The x-amz-content-sha256 hash
// is compared by the caller first (it is checked as part of the signature).
func (p *digestPlan) finish() *awserr.Error {
	if c := p.checksum; c != nil {
		got := base64.StdEncoding.EncodeToString(c.h.Sum(nil))
		if !constantTimeEqual(got, c.value) {
			return awserr.Newf("BadDigest", http.StatusBadRequest, "The %s you specified did not match the calculated checksum.", c.alg.name)
		}
	}
	if p.md5 != nil && !constantTimeEqual(string(p.md5.Sum(nil)), string(p.wantMD5)) {
		return awserr.New("BadDigest", http.StatusBadRequest, "The Content-MD5 you specified did not match what we received.")
	}
	return nil
}
