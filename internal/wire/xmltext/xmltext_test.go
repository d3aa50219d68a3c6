package xmltext

import (
	"encoding/xml"
	"strings"
	"testing"
)

func TestAppendText(t *testing.T) {
	for in, want := range map[string]string{
		"":                       "",
		"plain text":             "plain text",
		`<a href="x">&'</a>`:     `&lt;a href="x"&gt;&amp;'&lt;/a&gt;`,
		"line\r\nnext\ttab":      "line&#xD;\nnext\ttab",
		"nul\x00bell\x07esc\x1b": "nul\uFFFDbell\uFFFDesc\uFFFD",
		"bad \xff utf8 \xc3":     "bad \uFFFD utf8 \uFFFD",
		"surrogate \xed\xa0\x80": "surrogate \uFFFD\uFFFD\uFFFD",
		"nonchars \uFFFE\uFFFF":  "nonchars \uFFFD\uFFFD",
		"ü 日本 😀 \u0085 \u2028":   "ü 日本 😀 \u0085 \u2028",
	} {
		if got := string(AppendText([]byte("x"), in)); got != "x"+want {
			t.Errorf("AppendText(%q) = %q, want %q", in, got, "x"+want)
		}
	}
	if got, want := string(AppendAttr(nil, "a\"b'c\td\ne\rf<&")), "a&quot;b'c&#x9;d&#xA;e&#xD;f&lt;&amp;"; got != want {
		t.Errorf("AppendAttr = %q, want %q", got, want)
	}
}

// FuzzAppendText: whatever the string, the element parses back to it,
// except for the characters XML cannot carry.
func FuzzAppendText(f *testing.F) {
	for _, s := range []string{"", "a&b", "\r\n", "\x00", "\xff", "😀", "]]>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		doc := "<v>" + string(AppendText(nil, s)) + "</v>"
		var v string
		if err := xml.Unmarshal([]byte(doc), &v); err != nil {
			t.Fatalf("%q does not parse: %v", doc, err)
		}
		if want := xmlSafe(s); v != want {
			t.Fatalf("round trip of %q gave %q, want %q", s, v, want)
		}
		var a struct {
			A string `xml:"a,attr"`
		}
		doc = `<v a="` + string(AppendAttr(nil, s)) + `"/>`
		if err := xml.Unmarshal([]byte(doc), &a); err != nil {
			t.Fatalf("%q does not parse: %v", doc, err)
		}
		if want := xmlSafe(s); a.A != want {
			t.Fatalf("attribute round trip of %q gave %q, want %q", s, a.A, want)
		}
	})
}

// xmlSafe is what AppendText promises to deliver: s with characters XML
// cannot carry replaced by U+FFFD.
func xmlSafe(s string) string {
	var b strings.Builder
	for _, r := range s { // invalid UTF-8 ranges as U+FFFD
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF {
			r = '\uFFFD'
		}
		b.WriteRune(r)
	}
	return b.String()
}
