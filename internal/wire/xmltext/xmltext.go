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

func appendXML(dst []byte, s string, attr bool) []byte {
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
