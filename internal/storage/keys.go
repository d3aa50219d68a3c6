package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// Composite key encoding
//
// A key is a sequence of components appended by a KeyBuilder. The encoding
// preserves order: comparing two encoded keys byte by byte gives the same
// result as comparing their components one by one, first to last, as long
// as both keys were built from the same kinds of component in the same
// order (the table's owner fixes that order).
//
//   - String: the bytes of the string, with each 0x00 written as 0x00 0xFF,
//     followed by the terminator 0x00 0x01. The terminator sorts before any
//     continuation of the string (every other byte is ≥ 0x01, an escaped NUL
//     is 0x00 0xFF), so "a" < "a\x00" < "ab" holds for the encodings too, and
//     no string, however chosen by a client, can forge a component boundary.
//   - Uint32, Uint64: fixed-width big-endian (4 or 8 bytes), so numeric order
//     is byte order: version 10 sorts after version 9.
//
// The encoding of a leading run of components is a byte prefix of the whole
// key, so a Scan with Prefix set to a partial key lists exactly the keys that
// start with those components. StringPrefix leaves a string unterminated to
// match every string that starts with it.

const (
	keyEscape     = 0x00
	keyEscapedNUL = 0xFF
	keyTerminator = 0x01
)

// KeyBuilder builds a composite key. Its zero value is an empty key ready for
// use; methods append one component each and return the builder for chaining:
//
//	key := storage.NewKey().String(name).Uint32(major).Uint32(minor).Key()
type KeyBuilder struct {
	buf []byte
}

// NewKey returns an empty KeyBuilder.
func NewKey() *KeyBuilder { return &KeyBuilder{} }

// String appends a string component.
func (b *KeyBuilder) String(s string) *KeyBuilder {
	b.buf = appendEscaped(b.buf, s)
	b.buf = append(b.buf, keyEscape, keyTerminator)
	return b
}

// StringPrefix appends the start of a string component without terminating
// it. Use it only as the last component of a Scan prefix: the result matches
// every key whose string component at this position starts with s.
func (b *KeyBuilder) StringPrefix(s string) *KeyBuilder {
	b.buf = appendEscaped(b.buf, s)
	return b
}

// Uint32 appends a 4-byte big-endian component.
func (b *KeyBuilder) Uint32(v uint32) *KeyBuilder {
	b.buf = binary.BigEndian.AppendUint32(b.buf, v)
	return b
}

// Uint64 appends an 8-byte big-endian component.
func (b *KeyBuilder) Uint64(v uint64) *KeyBuilder {
	b.buf = binary.BigEndian.AppendUint64(b.buf, v)
	return b
}

// Key returns a copy of the key built so far; the builder may keep appending
// without affecting keys already returned.
func (b *KeyBuilder) Key() []byte { return bytes.Clone(b.buf) }

func appendEscaped(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] == keyEscape {
			dst = append(dst, keyEscape, keyEscapedNUL)
			continue
		}
		dst = append(dst, s[i])
	}
	return dst
}

// KeyReader decodes the components of a key built by KeyBuilder, in the
// order they were appended. Malformed input yields an error wrapping
// ErrInvalidKey, never a panic, so it is safe on keys that came from
// clients (for example inside a pagination token).
type KeyReader struct {
	rest []byte
}

// ReadKey returns a KeyReader positioned at the first component of key.
func ReadKey(key []byte) *KeyReader { return &KeyReader{rest: key} }

// Done reports whether every byte of the key has been consumed.
func (r *KeyReader) Done() bool { return len(r.rest) == 0 }

// String decodes a string component.
func (r *KeyReader) String() (string, error) {
	out := make([]byte, 0, len(r.rest))
	for i := 0; i < len(r.rest); i++ {
		c := r.rest[i]
		if c != keyEscape {
			out = append(out, c)
			continue
		}
		if i+1 == len(r.rest) {
			break
		}
		switch r.rest[i+1] {
		case keyTerminator:
			r.rest = r.rest[i+2:]
			return string(out), nil
		case keyEscapedNUL:
			out = append(out, keyEscape)
			i++
		default:
			return "", fmt.Errorf("%w: bad escape 0x00 0x%02x in string component", ErrInvalidKey, r.rest[i+1])
		}
	}
	return "", fmt.Errorf("%w: unterminated string component", ErrInvalidKey)
}

// Uint32 decodes a 4-byte big-endian component.
func (r *KeyReader) Uint32() (uint32, error) {
	if len(r.rest) < 4 {
		return 0, fmt.Errorf("%w: %d bytes left, uint32 needs 4", ErrInvalidKey, len(r.rest))
	}
	v := binary.BigEndian.Uint32(r.rest)
	r.rest = r.rest[4:]
	return v, nil
}

// Uint64 decodes an 8-byte big-endian component.
func (r *KeyReader) Uint64() (uint64, error) {
	if len(r.rest) < 8 {
		return 0, fmt.Errorf("%w: %d bytes left, uint64 needs 8", ErrInvalidKey, len(r.rest))
	}
	v := binary.BigEndian.Uint64(r.rest)
	r.rest = r.rest[8:]
	return v, nil
}
