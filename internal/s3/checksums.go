package s3

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"net/http"
	"sync"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/ibemu/ibemu/internal/awserr"
)

// Checksum algorithms S3 computes and verifies here; others given with an
// upload (XXHASH*) are stored and returned as sent.
var checksumHashes = map[string]func() hash.Hash{
	"CRC32":     func() hash.Hash { return crc32.NewIEEE() },
	"CRC32C":    func() hash.Hash { return crc32.New(crc32.MakeTable(crc32.Castagnoli)) },
	"CRC64NVME": func() hash.Hash { return crc64.New(crc64NVME()) },
	"SHA1":      sha1.New,
	"SHA256":    sha256.New,
	"SHA512":    sha512.New,
	"MD5":       md5.New,
}

// crc64NVME is the CRC-64/NVME polynomial in the reversed form hash/crc64
// takes.
// It is made on first use: crc64.MakeTable also builds the ISO and ECMA
// slicing tables, which start-up need not pay for.
var crc64NVME = sync.OnceValue(func() *crc64.Table { return crc64.MakeTable(0x9a6c9329ac4bc9b5) })

// checksumOf computes an algorithm's checksum of data as S3 writes it:
// base64 of the big-endian digest. ok is false for algorithms not computed
// here.
func checksumOf(alg string, data []byte) (string, bool) {
	nh, ok := checksumHashes[alg]
	if !ok {
		return "", false
	}
	h := nh()
	h.Write(data)
	return base64.StdEncoding.EncodeToString(h.Sum(nil)), true
}

// verifyChecksums checks the checksums an upload carries against its data
// (BadDigest when one differs) and computes the one ChecksumAlgorithm names
// when its value was not sent. It returns the checksums to store.
func verifyChecksums(data []byte, given map[string]string, algorithm, contentMD5 string) (map[string]string, error) {
	if contentMD5 != "" {
		want, err := base64.StdEncoding.DecodeString(contentMD5)
		if err != nil || len(want) != md5.Size {
			return nil, awserr.New("InvalidDigest", http.StatusBadRequest, "The Content-MD5 you specified is not valid.")
		}
		got := md5.Sum(data)
		if string(got[:]) != string(want) {
			return nil, awserr.New("BadDigest", http.StatusBadRequest, "The Content-MD5 you specified did not match what we received.")
		}
	}
	out := map[string]string{}
	for alg, v := range given {
		if v == "" {
			continue
		}
		if got, ok := checksumOf(alg, data); ok && got != v {
			return nil, awserr.Newf("BadDigest", http.StatusBadRequest, "The %s you specified did not match the calculated checksum.", alg)
		}
		out[alg] = v
	}
	if algorithm != "" && out[algorithm] == "" {
		if v, ok := checksumOf(algorithm, data); ok {
			out[algorithm] = v
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// checksumFields names each algorithm's member in the generated messages
// (ChecksumCRC32 is checksum_crc32, ChecksumCRC32C checksum_crc32_c, …).
var checksumFields = map[string]protoreflect.Name{
	"CRC32": "checksum_crc32", "CRC32C": "checksum_crc32_c", "CRC64NVME": "checksum_crc64_nvme",
	"SHA1": "checksum_sha1", "SHA256": "checksum_sha256", "SHA512": "checksum_sha512", "MD5": "checksum_md5",
	"XXHASH64": "checksum_xxhash64", "XXHASH3": "checksum_xxhash3", "XXHASH128": "checksum_xxhash128",
}

// readChecksums collects the checksum members a request sets.
func readChecksums(m proto.Message) map[string]string {
	r := m.ProtoReflect()
	fields := r.Descriptor().Fields()
	var out map[string]string
	for alg, name := range checksumFields {
		fd := fields.ByName(name)
		if fd == nil || !r.Has(fd) {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[alg] = r.Get(fd).String()
	}
	return out
}

// writeChecksums sets the checksum members of an answer.
func writeChecksums(m proto.Message, sums map[string]string) {
	r := m.ProtoReflect()
	fields := r.Descriptor().Fields()
	for alg, v := range sums {
		if fd := fields.ByName(checksumFields[alg]); fd != nil && checksumFields[alg] != "" {
			r.Set(fd, protoreflect.ValueOfString(v))
		}
	}
}
