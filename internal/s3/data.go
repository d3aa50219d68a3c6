package s3

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/ibemu/ibemu/internal/storage"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
)

// newDataID names a new run of chunks: 128 random bits.
func newDataID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// sealer encrypts chunks of an SSE-KMS object under its data key: AES-256-GCM
// with a random nonce per chunk, stored before the ciphertext. A nil sealer
// stores data as it is (SSE-S3: the emulator reports AES256 and keeps the
// bytes in its own file).
type sealer struct{ aead cipher.AEAD }

func newSealer(key []byte) (*sealer, error) {
	if key == nil {
		return nil, nil
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("s3: data key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead}, nil
}

func (s *sealer) seal(p []byte) []byte {
	if s == nil {
		return p
	}
	ns := s.aead.NonceSize()
	out := make([]byte, ns, ns+len(p)+s.aead.Overhead())
	_, _ = rand.Read(out)
	return s.aead.Seal(out, out[:ns], p, nil)
}

var errCorruptChunk = errors.New("s3: a stored chunk does not decrypt under its object's data key")

func (s *sealer) open(c []byte) ([]byte, error) {
	if s == nil {
		return c, nil
	}
	ns := s.aead.NonceSize()
	if len(c) < ns+s.aead.Overhead() {
		return nil, errCorruptChunk
	}
	p, err := s.aead.Open(c[ns:ns], c[:ns], c[ns:], nil)
	if err != nil {
		return nil, errCorruptChunk
	}
	return p, nil
}

// writeData stores data as a new extent in chunks of ChunkSize, sealed by
// sl, inside tx. The chunks are new keys: nothing existing is touched.
func writeData(tx *storage.Tx, sc storage.Scope, data []byte, sl *sealer) (*recordsv1.S3Extent, error) {
	ext := &recordsv1.S3Extent{DataId: newDataID(), Size: int64(len(data)), ChunkSize: ChunkSize}
	for i := 0; i*ChunkSize < len(data); i++ {
		end := min((i+1)*ChunkSize, len(data))
		if err := chunks.Put(tx, sc, chunkKey(ext.DataId, uint32(i)), wrapperspb.Bytes(sl.seal(data[i*ChunkSize:end]))); err != nil {
			return nil, err
		}
	}
	return ext, nil
}

// chunkCount is the number of chunks an extent is stored in.
func chunkCount(e *recordsv1.S3Extent) int {
	cs := e.GetChunkSize()
	if cs <= 0 {
		cs = ChunkSize
	}
	return int((e.GetSize() + cs - 1) / cs)
}

// deleteData removes the chunks of extents inside tx.
func deleteData(tx *storage.Tx, sc storage.Scope, exts ...*recordsv1.S3Extent) error {
	for _, e := range exts {
		for i := range chunkCount(e) {
			if _, err := chunks.Delete(tx, sc, chunkKey(e.GetDataId(), uint32(i))); err != nil {
				return err
			}
		}
	}
	return nil
}

// piece is a stored chunk read for a range, still sealed, with the part of
// its plaintext the range covers.
type piece struct {
	raw        []byte
	start, end int64 // within the chunk's plaintext
}

// readPieces copies out of tx the chunks holding bytes [off, end) of an
// object made of exts. Decryption happens outside the transaction.
func readPieces(tx *storage.Tx, sc storage.Scope, exts []*recordsv1.S3Extent, off, end int64) ([]piece, error) {
	var out []piece
	base := int64(0)
	for _, e := range exts {
		size := e.GetSize()
		if base+size <= off || size == 0 {
			base += size
			continue
		}
		if base >= end {
			break
		}
		cs := e.GetChunkSize()
		if cs <= 0 {
			cs = ChunkSize
		}
		lo := max(off-base, 0)
		hi := min(end-base, size)
		for i := lo / cs; i*cs < hi; i++ {
			v, ok, err := chunks.Get(tx, sc, chunkKey(e.GetDataId(), uint32(i)))
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, fmt.Errorf("%w: chunk %d of data %s is missing", storage.ErrCorrupt, i, e.GetDataId())
			}
			out = append(out, piece{raw: v.GetValue(), start: max(lo-i*cs, 0), end: min(hi-i*cs, cs)})
		}
		base += size
	}
	return out, nil
}

// assemble opens the pieces and joins the bytes they cover. A single
// unencrypted piece covering its chunk is returned without copying.
func assemble(ps []piece, sl *sealer, n int64) ([]byte, error) {
	if len(ps) == 1 && sl == nil {
		return ps[0].raw[ps[0].start:ps[0].end], nil
	}
	out := make([]byte, 0, n)
	for _, p := range ps {
		plain, err := sl.open(p.raw)
		if err != nil {
			return nil, err
		}
		if p.end > int64(len(plain)) || p.start > p.end {
			return nil, fmt.Errorf("%w: chunk shorter than its extent says", storage.ErrCorrupt)
		}
		out = append(out, plain[p.start:p.end]...)
	}
	return out, nil
}
