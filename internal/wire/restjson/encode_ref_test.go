package restjson

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"

	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// appendStringRef is AppendString as it was before the table-driven rewrite (commit a563f4a), kept to prove the output unchanged.
func appendStringRef(buf []byte, s string) []byte {
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch c {
			case '"', '\\':
				buf = append(buf, '\\', c)
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
			i += size
			start = i
			continue
		}
		// U+2028 and U+2029 break JavaScript consumers of JSON.
		if r == '\u2028' || r == '\u2029' {
			buf = append(buf, s[start:i]...)
			buf = append(buf, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}

// stringCorpus covers every branch of the escaper: each ASCII byte, DEL,
// multi-byte runes, U+2028/U+2029 and their neighbours, invalid and
// truncated UTF-8, surrogates, and long safe runs.
func stringCorpus() []string {
	c := []string{"", "plain", "\x00\x1f\"\\/", "\xff\xfe bad utf8", "emoji \U0001F600", "\u2028\u2029\u2027\u202a",
		strings.Repeat("é", 100), "\xe2\x80", "\xe2\x80\xa8x", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\x7f", "a\tb\rc\nd",
		benchDocument, strings.Repeat("x", 5000) + "\n"}
	for b := 0; b < 256; b++ {
		c = append(c, string([]byte{byte(b)}), "a"+string([]byte{byte(b)})+"z")
	}
	return c
}

func TestAppendStringMatchesPrevious(t *testing.T) {
	for _, s := range stringCorpus() {
		prefix := []byte("prefix")
		got := AppendString(bytes.Clone(prefix), s)
		want := appendStringRef(bytes.Clone(prefix), s)
		if !bytes.Equal(got, want) {
			t.Errorf("%q:\n got  %s\n want %s", s, got, want)
		}
	}
}

func FuzzAppendStringMatchesPrevious(f *testing.F) {
	for _, s := range stringCorpus() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := AppendString(nil, s), appendStringRef(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("%q:\n got  %s\n want %s", s, got, want)
		}
		if utf8.ValidString(s) && !utf8.Valid(AppendString(nil, s)) {
			t.Fatalf("%q: invalid UTF-8 out", s)
		}
	})
}

// benchDocument is a component document of the size and shape loadgen's
// scenario a reads: YAML, ASCII, a line feed every few dozen bytes.
var benchDocument = strings.Repeat("name: bench\nschemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: Hello\n        action: ExecuteBash\n        inputs:\n          commands:\n            - echo \"hello\"\n", 8)

func BenchmarkAppendString(b *testing.B) {
	for _, c := range []struct{ name, s string }{
		{"document", benchDocument},
		{"arn", "arn:aws:imagebuilder:us-east-1:111122223333:component/bench/1.0.0/1"},
		{"nonASCII", strings.Repeat("héllo wörld ", 40)},
	} {
		b.Run(c.name, func(b *testing.B) {
			buf := make([]byte, 0, 8192)
			b.SetBytes(int64(len(c.s)))
			for b.Loop() {
				buf = AppendString(buf[:0], c.s)
			}
		})
		b.Run(c.name+"/previous", func(b *testing.B) {
			buf := make([]byte, 0, 8192)
			b.SetBytes(int64(len(c.s)))
			for b.Loop() {
				buf = appendStringRef(buf[:0], c.s)
			}
		})
	}
}

// benchComponentOutput is a GetComponent answer like loadgen's: a document,
// tags, parameters and the latest-version references.
func benchComponentOutput() *ibv1.GetComponentResponse {
	return &ibv1.GetComponentResponse{
		RequestId: proto.String("0f3c3c1e-5d0a-4c7e-9a55-1c2b3d4e5f60"),
		Component: &ibv1.Component{
			Arn:                 proto.String("arn:aws:imagebuilder:us-east-1:111122223333:component/bench/1.0.0/1"),
			Name:                proto.String("bench"),
			Version:             proto.String("1.0.0"),
			Description:         proto.String("a component"),
			Platform:            proto.String("Linux"),
			Owner:               proto.String("111122223333"),
			Data:                proto.String(benchDocument),
			Encrypted:           proto.Bool(true),
			DateCreated:         proto.String("2026-11-29T14:00:00.000Z"),
			Tags:                map[string]string{"team": "blue", "env": "prod"},
			Parameters:          []*ibv1.ComponentParameterDetail{{Name: proto.String("p"), Type: proto.String("string"), DefaultValue: []string{"x"}}},
			SupportedOsVersions: []string{"Amazon Linux 2"},
		},
		LatestVersionReferences: &ibv1.LatestVersionReferences{
			LatestVersionArn:      proto.String("arn:aws:imagebuilder:us-east-1:111122223333:component/bench/x.x.x"),
			LatestMajorVersionArn: proto.String("arn:aws:imagebuilder:us-east-1:111122223333:component/bench/1.x.x"),
		},
	}
}

func BenchmarkAppendOutputGetComponent(b *testing.B) {
	o := op(b, "GetComponent")
	out := benchComponentOutput()
	buf := make([]byte, 0, 8192)
	for b.Loop() {
		buf = AppendOutput(buf[:0], o, out)
	}
}
