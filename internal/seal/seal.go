// Package seal protects values the emulator hands to clients and must later
// trust — STS session tokens, encoded authorization messages — with one key
// kept in the data file: AES-256-GCM for what must stay unreadable and
// unforgeable, HMAC-SHA256 for values derived from it (the secret of
// temporary credentials).
//
// Every use names a purpose, which keys a separate subkey: a value sealed for
// one purpose never opens for another.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"sync"
)

// KeySize is the size of the root key, in bytes.
const KeySize = 32

// ErrInvalid is returned for a sealed value that does not open: tampered,
// truncated, sealed for another purpose or with another key.
var ErrInvalid = errors.New("seal: invalid sealed value")

// Sealer seals and opens values. It is safe for concurrent use.
type Sealer struct {
	root []byte

	mu    sync.RWMutex
	aeads map[string]cipher.AEAD
}

// New returns a Sealer for a KeySize-byte root key.
func New(key []byte) (*Sealer, error) {
	if len(key) != KeySize {
		return nil, errors.New("seal: the key must be 32 bytes")
	}
	return &Sealer{root: append([]byte(nil), key...), aeads: map[string]cipher.AEAD{}}, nil
}

// subkey derives the key of a purpose from the root key.
func (s *Sealer) subkey(purpose string) []byte {
	m := hmac.New(sha256.New, s.root)
	m.Write([]byte("ibemu seal subkey\x00"))
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

func (s *Sealer) aead(purpose string) cipher.AEAD {
	s.mu.RLock()
	a := s.aeads[purpose]
	s.mu.RUnlock()
	if a != nil {
		return a
	}
	block, err := aes.NewCipher(s.subkey(purpose))
	if err != nil {
		panic(err) // a 32-byte key always makes a cipher
	}
	a, err = cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	s.mu.Lock()
	s.aeads[purpose] = a
	s.mu.Unlock()
	return a
}

// Seal encrypts and authenticates plaintext, bound to aad (which is not
// stored and must be presented again to open), and returns base64 text.
func (s *Sealer) Seal(purpose string, plaintext, aad []byte) string {
	a := s.aead(purpose)
	buf := make([]byte, a.NonceSize(), a.NonceSize()+len(plaintext)+a.Overhead())
	if _, err := rand.Read(buf); err != nil {
		panic(err) // crypto/rand.Read does not fail on supported platforms
	}
	buf = a.Seal(buf, buf, plaintext, aad)
	return base64.StdEncoding.EncodeToString(buf)
}

// Open returns the plaintext of a value Seal produced for the same purpose
// and aad, or ErrInvalid.
func (s *Sealer) Open(purpose, sealed string, aad []byte) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil {
		return nil, ErrInvalid
	}
	a := s.aead(purpose)
	if len(raw) < a.NonceSize()+a.Overhead() {
		return nil, ErrInvalid
	}
	out, err := a.Open(nil, raw[:a.NonceSize()], raw[a.NonceSize():], aad)
	if err != nil {
		return nil, ErrInvalid
	}
	return out, nil
}

// Derive returns a value only the holder of the key can compute from data:
// HMAC-SHA256 under the purpose's subkey.
func (s *Sealer) Derive(purpose string, data []byte) []byte {
	m := hmac.New(sha256.New, s.subkey(purpose))
	m.Write(data)
	return m.Sum(nil)
}
