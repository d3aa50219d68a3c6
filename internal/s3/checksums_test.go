package s3

import (
	"encoding/base64"
	"encoding/binary"
	"testing"
)

// TestChecksumOf: the computed checksums match the catalogued check values
// of their algorithms for "123456789" (CRC32 cbf43926, CRC32C e3069283,
// CRC-64/NVME ae8b14860a799888).
func TestChecksumOf(t *testing.T) {
	for alg, want := range map[string]uint64{"CRC32": 0xcbf43926, "CRC32C": 0xe3069283, "CRC64NVME": 0xae8b14860a799888} {
		got, ok := checksumOf(alg, []byte("123456789"))
		raw, _ := base64.StdEncoding.DecodeString(got)
		var v uint64
		if len(raw) == 4 {
			v = uint64(binary.BigEndian.Uint32(raw))
		} else if len(raw) == 8 {
			v = binary.BigEndian.Uint64(raw)
		}
		if !ok || v != want {
			t.Errorf("%s = %x, want %x", alg, v, want)
		}
	}
}
