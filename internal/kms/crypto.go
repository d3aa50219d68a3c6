package kms

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"slices"
)

// The ciphertext blob: what Encrypt and GenerateDataKey return and Decrypt
// takes. Like AWS's, it names the key that made it, so Decrypt needs no
// KeyId (KMS API reference, Decrypt: "the KeyId … is optional … AWS KMS can
// get this information from metadata that it adds to the symmetric
// ciphertext blob"). Layout:
//
//	byte 0       blobVersion
//	byte 1       n, the length of the key ARN
//	bytes 2…n+1  the key ARN
//	12 bytes     the AES-GCM nonce
//	rest         AES-256-GCM ciphertext and 16-byte tag
//
// The additional data is the header (version, length, ARN) followed by the
// canonical encryption context, so a changed header or context fails the
// tag: InvalidCiphertextException.
const (
	blobVersion = 1
	nonceSize   = 12
	tagSize     = 16

	// materialPurpose seals key material at rest (internal/seal).
	materialPurpose = "kms key material"
	// materialSize is the key material size: AES-256.
	materialSize = 32
)

var errBadBlob = errors.New("kms: not a ciphertext blob of this emulator")

func newAEAD(material []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(material)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// blobKeyARN returns the key ARN a ciphertext blob names, and the length of
// its header.
func blobKeyARN(blob []byte) (string, int, error) {
	if len(blob) < 2 || blob[0] != blobVersion {
		return "", 0, errBadBlob
	}
	n := int(blob[1])
	hdr := 2 + n
	if n == 0 || len(blob) < hdr+nonceSize+tagSize {
		return "", 0, errBadBlob
	}
	return string(blob[2:hdr]), hdr, nil
}

// canonicalContext serializes an encryption context for use as additional
// data: pairs sorted by key, each key and value preceded by its length as a
// 4-byte big-endian number, so no two contexts serialize alike.
func canonicalContext(dst []byte, ec map[string]string) []byte {
	ks := make([]string, 0, len(ec))
	for k := range ec {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(ks)))
	for _, k := range ks {
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(k)))
		dst = append(dst, k...)
		v := ec[k]
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(v)))
		dst = append(dst, v...)
	}
	return dst
}

// sealBlob encrypts plaintext under a (the key's cipher) for the key arn
// and encryption context ec.
func sealBlob(a cipher.AEAD, arn string, plaintext []byte, ec map[string]string) ([]byte, error) {
	if len(arn) == 0 || len(arn) > 255 {
		return nil, errors.New("kms: key ARN length out of range")
	}
	hdr := 2 + len(arn)
	blob := make([]byte, hdr+nonceSize, hdr+nonceSize+len(plaintext)+tagSize)
	blob[0], blob[1] = blobVersion, byte(len(arn))
	copy(blob[2:], arn)
	if _, err := rand.Read(blob[hdr : hdr+nonceSize]); err != nil {
		return nil, err
	}
	ad := canonicalContext(append(make([]byte, 0, hdr+64), blob[:hdr]...), ec)
	return a.Seal(blob, blob[hdr:hdr+nonceSize], plaintext, ad), nil
}

// openBlob decrypts a blob made by sealBlob with a; any mismatch (other
// key, other context, a changed byte) is errBadBlob.
func openBlob(a cipher.AEAD, blob []byte, ec map[string]string) ([]byte, error) {
	_, hdr, err := blobKeyARN(blob)
	if err != nil {
		return nil, err
	}
	ad := canonicalContext(append(make([]byte, 0, hdr+64), blob[:hdr]...), ec)
	out, err := a.Open(nil, blob[hdr:hdr+nonceSize], blob[hdr+nonceSize:], ad)
	if err != nil {
		return nil, errBadBlob
	}
	return out, nil
}
