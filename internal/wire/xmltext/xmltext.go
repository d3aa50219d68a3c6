// Package xmltext escapes text for the XML documents the Query and restXml
// codecs write.
package xmltext

import "unicode/utf8"

// AppendText appends s as XML character data. Besides the markup
// characters it escapes
// carriage returns, which an XML parser would otherwise turn into line feeds,
// and it replaces what XML 1.0 cannot carry at all (other control
// characters, invalid UTF-8, U+FFFE and U+FFFF) with U+FFFD, so that every
// response parses.
func AppendText(dst []byte, s string) []byte { return appendXML(dst, s, false) }

// AppendAttr appends s escaped for a double-quoted attribute value.
func AppendAttr(dst []byte, s string) []byte { return appendXML(dst, s, true) }

// xmlPlain marks the ASCII bytes copied as they are in character data
// (xmlPlain[c]&1) and in attribute values (xmlPlain[c]&2).
var xmlPlain = func() (t [utf8.RuneSelf]uint8) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		if c != '&' && c != '<' && c != '>' {
			t[c] = 1
			if c != '"' {
				t[c] |= 2
			}
		}
	}
	t['\t'], t['\n'] = 1, 1
	return t
}()

func appendXML(dst []byte, s string, attr bool) []byte {
	mask := uint8(1)
	if attr {
		mask = 2
	}
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if xmlPlain[c]&mask != 0 {
				i++
				continue
			}
			var esc string
			switch {
			case c == '&':
				esc = "&amp;"
			case c == '<':
				esc = "&lt;"
			case c == '>':
				esc = "&gt;"
			case c == '"': // attr only: character data keeps it
				esc = "&quot;"
			case c == '\t': // attr only: kept as itself, not normalized to a space
				esc = "&#x9;"
			case c == '\n': // attr only
				esc = "&#xA;"
			case c == '\r':
				esc = "&#xD;"
			default: // other control characters
				esc = "\uFFFD"
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
