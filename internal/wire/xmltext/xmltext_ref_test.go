package xmltext

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// appendXMLRef is appendXML as it was before the table-driven rewrite
// (commit a563f4a), kept to prove the output unchanged.
func appendXMLRef(dst []byte, s string, attr bool) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			var esc string
			switch {
			case c == '&':
				esc = "&amp;"
			case c == '<':
				esc = "&lt;"
			case c == '>':
				esc = "&gt;"
			case c == '"' && attr:
				esc = "&quot;"
			case (c == '\t' || c == '\n') && attr: // kept as themselves, not normalized to spaces
				if c == '\t' {
					esc = "&#x9;"
				} else {
					esc = "&#xA;"
				}
			case c == '\r':
				esc = "&#xD;"
			case c < 0x20 && c != '\t' && c != '\n':
				esc = "\uFFFD"
			default:
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = append(dst, esc...)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r == 0xFFFE || r == 0xFFFF {
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\uFFFD"...)
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(dst, s[start:]...)
}

func xmlCorpus() []string {
	c := []string{"", "plain text", `<a href="x">&'</a>`, "line\r\nnext\ttab", "nul\x00bell\x07esc\x1b", "bad \xff utf8 \xc3",
		"surrogate \xed\xa0\x80", "nonchars \uFFFE\uFFFF", "ü 日本 😀 \u0085 \u2028", "\x7f", strings.Repeat("arn:aws:iam::111122223333:user/alice ", 20)}
	for b := 0; b < 256; b++ {
		c = append(c, string([]byte{byte(b)}), "a"+string([]byte{byte(b)})+"z")
	}
	return c
}

func TestAppendXMLMatchesPrevious(t *testing.T) {
	for _, s := range xmlCorpus() {
		for _, attr := range []bool{false, true} {
			if got, want := appendXML([]byte("p"), s, attr), appendXMLRef([]byte("p"), s, attr); !bytes.Equal(got, want) {
				t.Errorf("%q attr=%v:\n got  %q\n want %q", s, attr, got, want)
			}
		}
	}
}

func FuzzAppendXMLMatchesPrevious(f *testing.F) {
	for _, s := range xmlCorpus() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, attr := range []bool{false, true} {
			got, want := appendXML(nil, s, attr), appendXMLRef(nil, s, attr)
			if !bytes.Equal(got, want) {
				t.Fatalf("%q attr=%v:\n got  %q\n want %q", s, attr, got, want)
			}
			if !utf8.Valid(got) {
				t.Fatalf("%q: invalid UTF-8 out", s)
			}
		}
	})
}

func BenchmarkAppendText(b *testing.B) {
	doc := strings.Repeat(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`+"\n", 8)
	for _, c := range []struct {
		name string
		f    func([]byte, string, bool) []byte
	}{{"table", appendXML}, {"previous", appendXMLRef}} {
		b.Run(c.name, func(b *testing.B) {
			buf := make([]byte, 0, 4096)
			b.SetBytes(int64(len(doc)))
			for b.Loop() {
				buf = c.f(buf[:0], doc, false)
			}
		})
	}
}
