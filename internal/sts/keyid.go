package sts

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// Access key ids of temporary credentials.
//
// AWS key ids are a four-letter prefix (ASIA for temporary credentials,
// AKIA for long-term keys) and 16 characters of RFC 4648 base32 (A–Z, 2–7):
// 80 bits. In the key ids AWS has issued since 2019 the first 48 bits carry
// the owning account: bit 47 is set, bits 46…7 are the account number and
// the rest is random. That is why sts:GetAccessKeyInfo answers for any key
// id without looking it up. The emulator issues its ASIA key ids the same
// way, so the same decoding answers for them; the remaining 40 bits (bit 47
// aside: bits 6…0 of the sixth byte and the last four bytes) come from
// crypto/rand.

// PrefixTemporary starts the access key id of temporary credentials.
const PrefixTemporary = "ASIA"

// keyIDEncoding is base32 without padding: 10 bytes are exactly 16
// characters.
var keyIDEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

const (
	accountBits = 40
	accountMask = uint64(1)<<accountBits - 1
	// maxAccount is the largest twelve-digit account id.
	maxAccount = 999_999_999_999
	// newFormatBit marks the key ids that carry their account.
	newFormatBit = uint64(1) << 47
)

// newAccessKeyID returns a fresh ASIA key id that carries account.
func newAccessKeyID(account string) (string, error) {
	n, err := strconv.ParseUint(account, 10, 64)
	if err != nil || n > accountMask {
		return "", fmt.Errorf("sts: account %q cannot be encoded in an access key id", account)
	}
	var raw [10]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", err
	}
	head := uint64(raw[5]) & 0x7f // keep the seven random low bits
	head |= newFormatBit | n<<7
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], head)
	copy(raw[:6], b[2:])
	return PrefixTemporary + keyIDEncoding.EncodeToString(raw[:]), nil
}

// accountOfKeyID decodes the account an access key id of the current
// format carries; ok is false for ids that are not 20 characters of a
// four-letter prefix and base32, or that predate the format.
func accountOfKeyID(id string) (string, bool) {
	if len(id) != 20 || !isUpperAlpha(id[:4]) {
		return "", false
	}
	raw, err := keyIDEncoding.DecodeString(id[4:])
	if err != nil || len(raw) != 10 {
		return "", false
	}
	var b [8]byte
	copy(b[2:], raw[:6])
	head := binary.BigEndian.Uint64(b[:])
	account := head >> 7 & accountMask
	if head&newFormatBit == 0 || account > maxAccount {
		// Forty bits hold more than twelve digits: a larger number is no
		// account, so the id was not issued by this format.
		return "", false
	}
	return fmt.Sprintf("%012d", account), true
}

func isUpperAlpha(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r < 'A' || r > 'Z' }) < 0
}
