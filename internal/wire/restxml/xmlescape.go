package restxml

import "unicode/utf8"

// appendEscaped appends s as XML character data, or as a double-quoted
// attribute value when attr is set. Markup characters and carriage returns
// (which a parser would turn into line feeds) are escaped; what XML 1.0
// cannot carry (other control characters, invalid UTF-8, U+FFFE, U+FFFF)
// becomes U+FFFD, so every document this package writes parses. Object keys
// with such characters are what S3's encoding-type=url exists for.
func appendEscaped(dst []byte, s string, attr bool) []byte {
	start := 0
	flush := func(i int, esc string) {
		dst = append(dst, s[start:i]...)
		dst = append(dst, esc...)
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			esc := ""
			switch {
			case c == '&':
				esc = "&amp;"
			case c == '<':
				esc = "&lt;"
			case c == '>':
				esc = "&gt;"
			case c == '"' && attr:
				esc = "&quot;"
			case c == '\t' && attr:
				esc = "&#x9;"
			case c == '\n' && attr:
				esc = "&#xA;"
			case c == '\r':
				esc = "&#xD;"
			case c < 0x20 && c != '\t' && c != '\n':
				esc = "\uFFFD"
			}
			if esc != "" {
				flush(i, esc)
				start = i + 1
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r == 0xFFFE || r == 0xFFFF {
			flush(i, "\uFFFD")
			start = i + size
		}
		i += size
	}
	return append(dst, s[start:]...)
}
