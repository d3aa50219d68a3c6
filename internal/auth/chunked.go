package auth

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"net/http"
	"slices"

	"github.com/ibemu/ibemu/internal/auth/sigv4"
	"github.com/ibemu/ibemu/internal/awserr"
)

// The aws-chunked encoding ("Signature Calculations for the Authorization
// Header: Transferring Payload in Multiple Chunks" and "… Including Trailing
// Headers", Amazon S3 API Reference):
//
//	hex-size [";chunk-signature=" 64-hex] CRLF data CRLF   (repeated)
//	"0" [";chunk-signature=" 64-hex] CRLF                  (final chunk)
//	then CRLF, or trailing headers "name:value" CRLF …
//	["x-amz-trailer-signature:" 64-hex CRLF] CRLF
const (
	maxChunkLine    = 4096 // longest chunk header or trailer line accepted
	maxTrailerLines = 16
	chunkSigPrefix  = ";chunk-signature="
	trailerSigName  = "x-amz-trailer-signature"
	maxPrealloc     = 64 << 20 // largest buffer allocated on the client's word
)

// chunkDecoder decodes one aws-chunked body into a caller's buffer,
// verifying chunk signatures as it goes when chain is set.
type chunkDecoder struct {
	br       *bufio.Reader
	chain    *sigv4.ChunkChain // signed modes: every chunk carries a signature
	trailers bool              // trailing headers follow the final chunk
	declared int64             // x-amz-decoded-content-length
	limit    int64
	sink     func([]byte) // sees every decoded byte once, in order
}

// trailer is one trailing header as received.
type trailer struct{ name, value string }

func malformedChunk(what string) *awserr.Error {
	return invalidRequest("The aws-chunked body is malformed: %s.", what)
}

func malformedTrailer() *awserr.Error {
	return awserr.New("MalformedTrailerError", http.StatusBadRequest, "The request contained trailing data that was not well-formed or did not conform to our published schema.")
}

func incompleteBody() *awserr.Error {
	return awserr.New("IncompleteBody", http.StatusBadRequest, "You did not provide the number of bytes specified by the Content-Length HTTP header.")
}

func signatureMismatch() *awserr.Error {
	return sigv4.SignatureMismatch().AWSError(sigv4.RESTXML)
}

// line reads one CRLF-terminated line and returns it without the CRLF.
// atEOF reports a clean end of input before any byte of the line.
func (d *chunkDecoder) line() (line []byte, atEOF bool, e *awserr.Error) {
	b, err := d.br.ReadSlice('\n')
	switch {
	case err == nil:
	case errors.Is(err, bufio.ErrBufferFull):
		return nil, false, malformedChunk("line too long")
	case errors.Is(err, io.EOF):
		return nil, len(b) == 0, incompleteBody()
	default:
		return nil, false, incompleteBody()
	}
	if len(b) < 2 || b[len(b)-2] != '\r' {
		return nil, false, malformedChunk("line not terminated by CRLF")
	}
	return b[:len(b)-2], false, nil
}

// parseHexSize parses a chunk size: 1 to 16 hex digits.
func parseHexSize(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 15 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		var v byte
		switch {
		case '0' <= c && c <= '9':
			v = c - '0'
		case 'a' <= c && c <= 'f':
			v = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			v = c - 'A' + 10
		default:
			return 0, false
		}
		n = n<<4 | int64(v)
	}
	return n, true
}

// decode appends the decoded body to buf and returns it with the trailing
// headers. Errors: IncompleteBody for a body that ends early or decodes to
// fewer bytes than declared, EntityTooLarge beyond limit,
// SignatureDoesNotMatch for a wrong chunk or trailer signature,
// InvalidRequest for bad framing, MalformedTrailerError for bad trailers.
func (d *chunkDecoder) decode(buf []byte) ([]byte, []trailer, *awserr.Error) {
	var total int64
	for {
		line, _, e := d.line()
		if e != nil {
			return buf, nil, e
		}
		sizeHex, ext, _ := bytes.Cut(line, []byte{';'})
		size, ok := parseHexSize(sizeHex)
		if !ok {
			return buf, nil, malformedChunk("bad chunk size")
		}
		// The line aliases the reader's buffer, which the data read
		// overwrites: keep the signature.
		var sig [2 * sha256.Size]byte
		if d.chain != nil {
			s, ok := bytes.CutPrefix(line[len(sizeHex):], []byte(chunkSigPrefix))
			if !ok || len(s) != len(sig) {
				return buf, nil, malformedChunk("missing chunk-signature")
			}
			copy(sig[:], s)
		} else if len(ext) > 0 && bytes.HasPrefix(line[len(sizeHex):], []byte(chunkSigPrefix)) {
			return buf, nil, malformedChunk("chunk-signature in an unsigned payload")
		}
		total += size
		if total > d.limit {
			return buf, nil, entityTooLarge(d.limit)
		}
		if d.declared >= 0 && total > d.declared {
			return buf, nil, invalidRequest("The decoded body is longer than x-amz-decoded-content-length.")
		}
		n := len(buf)
		buf = slices.Grow(buf, int(size))[:n+int(size)]
		data := buf[n:]
		if _, err := io.ReadFull(d.br, data); err != nil {
			return buf[:n], nil, incompleteBody()
		}
		d.sink(data)
		if d.chain != nil && !d.chain.VerifyChunk(sha256.Sum256(data), sig[:]) {
			return buf, nil, signatureMismatch()
		}
		if size == 0 {
			break
		}
		if end, _, e := d.line(); e != nil {
			return buf, nil, e
		} else if len(end) != 0 {
			return buf, nil, malformedChunk("chunk data longer than its size")
		}
	}
	if d.declared >= 0 && total != d.declared {
		return buf, nil, incompleteBody()
	}
	trailers, e := d.readTrailers()
	if e != nil {
		return buf, nil, e
	}
	if _, err := d.br.ReadByte(); err == nil {
		return buf, nil, malformedChunk("data after the final chunk")
	}
	return buf, trailers, nil
}

// readTrailers reads what follows the final chunk: an empty line, or (in
// trailer modes) trailing headers ending with an empty line; in the signed
// trailer mode the last header is x-amz-trailer-signature, verified over the
// others. A body ending right after the trailers, without the last CRLF, is
// accepted.
func (d *chunkDecoder) readTrailers() ([]trailer, *awserr.Error) {
	var out []trailer
	signed := false
	for {
		line, atEOF, e := d.line()
		if atEOF && d.trailers && (len(out) > 0 || signed) {
			break
		}
		if e != nil {
			if e.Code == "InvalidRequest" && d.trailers {
				return nil, malformedTrailer()
			}
			return nil, e
		}
		if len(line) == 0 {
			break
		}
		if !d.trailers || signed || len(out) == maxTrailerLines {
			return nil, malformedTrailer()
		}
		name, value, ok := bytes.Cut(line, []byte{':'})
		if !ok || len(name) == 0 {
			return nil, malformedTrailer()
		}
		t := trailer{name: string(bytes.ToLower(bytes.TrimSpace(name))), value: string(bytes.TrimSpace(value))}
		if t.name == trailerSigName {
			if d.chain == nil {
				return nil, malformedTrailer()
			}
			if !d.chain.VerifyTrailer(canonicalTrailers(out), []byte(t.value)) {
				return nil, signatureMismatch()
			}
			signed = true
			continue
		}
		out = append(out, t)
	}
	if d.chain != nil && d.trailers && !signed {
		return nil, signatureMismatch()
	}
	return out, nil
}

// canonicalTrailers hashes the trailing headers as the trailer signature
// covers them: "name:value\n" each, sorted by name.
func canonicalTrailers(ts []trailer) [sha256.Size]byte {
	sorted := slices.Clone(ts)
	slices.SortStableFunc(sorted, func(a, b trailer) int {
		switch {
		case a.name < b.name:
			return -1
		case a.name > b.name:
			return 1
		}
		return 0
	})
	h := sha256.New()
	for _, t := range sorted {
		io.WriteString(h, t.name)
		io.WriteString(h, ":")
		io.WriteString(h, t.value)
		io.WriteString(h, "\n")
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}
