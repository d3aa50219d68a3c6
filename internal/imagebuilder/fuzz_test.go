package imagebuilder

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ibemu/ibemu/internal/imagebuilder/componentdoc"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// FuzzImportedDocument: every script the model accepts (1 to 1024
// characters, no NUL) imports into a valid component document that carries
// it verbatim.
func FuzzImportedDocument(f *testing.F) {
	for _, s := range []string{
		"echo hi", "  indented\nnot", "\tTab", "a\r\nb\r\n", "---\n...", "# comment", "key: value", "|\n>",
		"\n\n\n", " ", "'\"", "\u2028line separator", "\ufeffbom", "trailing  \n  ", "\x85next line", "\x01\x02",
	} {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, script string, windows bool) {
		n := utf8.RuneCountInString(script)
		if n < 1 || n > 1024 || strings.ContainsRune(script, 0) || !utf8.ValidString(script) {
			return
		}
		platform := "Linux"
		if windows {
			platform = "Windows"
		}
		req := &ibv1.ImportComponentRequest{Name: ptr("fuzzed"), Data: &script, Platform: &platform, Type: ptr("BUILD")}
		doc, aerr := (&Service{}).importedDocument(context.Background(), req)
		if aerr != nil {
			t.Fatalf("script %q refused: %v", script, aerr)
		}
		if _, err := componentdoc.Parse(*doc); err != nil {
			t.Fatalf("script %q: the document is invalid: %v\n%s", script, err, *doc)
		}
		if !scriptSurvives(*doc, script) {
			t.Fatalf("script %q does not read back verbatim from\n%s", script, *doc)
		}
	})
}

// FuzzParseARN: any text either parses into parts that rebuild a prefix of
// the ARN, or is refused with InvalidParameterValueException; never a panic.
func FuzzParseARN(f *testing.F) {
	for _, s := range []string{
		"arn:aws:imagebuilder:us-east-1:111122223333:component/c/1.0.0/1",
		"arn:aws:imagebuilder:us-east-1:aws:component/c/x.x.x",
		"arn:aws:imagebuilder:us-east-1:111122223333:workflow/build/w/1.0.0/1",
		"arn:aws:imagebuilder:::component//", "arn:::::", "arn:aws:imagebuilder:r:a:component/c/1.0.0/0",
		"arn:aws:imagebuilder:r:a:component/c/1.0.0/99999999999",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arn string) {
		r, aerr := parseARN("arn", arn)
		if aerr != nil {
			if aerr.Code != "InvalidParameterValueException" || aerr.HTTPStatus != 400 {
				t.Fatalf("%q: %v", arn, aerr)
			}
			return
		}
		if r.Name == "" || r.Type == "" {
			t.Fatalf("%q parsed with an empty name or type: %+v", arn, r)
		}
		if !strings.Contains(arn, r.Type+"/"+r.Name) {
			t.Fatalf("%q: type/name %s/%s are not in the ARN", arn, r.Type, r.Name)
		}
	})
}

// FuzzParseSelector: a selector either parses and matches exactly the
// versions its fixed nodes name, or is refused with
// InvalidVersionNumberException; ParseVersion agrees with ParseSelector on
// wildcard-free text.
func FuzzParseSelector(f *testing.F) {
	for _, s := range []string{"1.0.0", "x.x.x", "1.x.x", "1.2.x", "x.1.0", "1.x.0", "1073741823.0.0", "1073741824.0.0", "01.1.1", "+1.0.0", "1..0", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sel, aerr := ParseSelector(s)
		v, verr := ParseVersion(s)
		if verr == nil {
			if aerr != nil || sel.Fixed != 3 || !sel.Matches(v) {
				t.Fatalf("%q: version %v but selector %+v %v", s, v, sel, aerr)
			}
			if v.Major > maxVersionNode || v.Minor > maxVersionNode || v.Patch > maxVersionNode {
				t.Fatalf("%q: node above the maximum: %v", s, v)
			}
		} else if verr.Code != "InvalidVersionNumberException" {
			t.Fatalf("%q: ParseVersion answered %v", s, verr)
		}
		if aerr != nil {
			if aerr.Code != "InvalidVersionNumberException" {
				t.Fatalf("%q: ParseSelector answered %v", s, aerr)
			}
			return
		}
		nodes := strings.Split(s, ".")
		for i, node := range nodes {
			if (node == "x") != (i >= sel.Fixed) {
				t.Fatalf("%q: node %d is %q but %d nodes are fixed", s, i, node, sel.Fixed)
			}
		}
		if !sel.Matches(sel.Version) {
			t.Fatalf("%q does not match its own version %v", s, sel.Version)
		}
	})
}

// FuzzPageToken: only tokens issued for a listing are accepted by it, and
// they resume after the key they were issued for.
func FuzzPageToken(f *testing.F) {
	long := "ListComponentBuildVersions/arn:aws:imagebuilder:" + strings.Repeat("r", 300) + ":111122223333:component/c/1.0.0"
	f.Add("ListComponents/Self", []byte("key"), "garbage")
	f.Add("ListComponents/Self/byName", []byte{0, 1, 2}, "")
	f.Add("", []byte{0xff}, "AQA")
	f.Add(long, []byte("key"), "")
	f.Add(strings.Repeat("x", 256), []byte{1}, "AgABAQ") // a length that one byte would wrap to 0
	f.Add(strings.Repeat("y", 1<<14), []byte("k"), "AoCAAQ")
	f.Fuzz(func(t *testing.T, listing string, after []byte, token string) {
		if len(after) == 0 {
			return
		}
		issued := pageToken(listing, after)
		got, aerr := parsePageToken(listing, issued)
		if aerr != nil || string(got) != string(after) {
			t.Fatalf("issued token %q for a listing of %d bytes: %q, %v", *issued, len(listing), got, aerr)
		}
		if _, aerr := parsePageToken(listing+"/other", issued); aerr == nil {
			t.Fatalf("token for %q accepted by another listing", listing)
		}
		// A listing 256 bytes longer or shorter is another listing too,
		// whatever the low byte of its length.
		if _, aerr := parsePageToken(listing+strings.Repeat("/", 256), issued); aerr == nil {
			t.Fatalf("token for a listing of %d bytes accepted by one of %d", len(listing), len(listing)+256)
		}
		if len(listing) >= 256 {
			if _, aerr := parsePageToken(listing[:len(listing)-256], issued); aerr == nil {
				t.Fatalf("token for a listing of %d bytes accepted by one of %d", len(listing), len(listing)-256)
			}
		}
		if got, aerr := parsePageToken(listing, &token); aerr != nil {
			if aerr.Code != "InvalidPaginationTokenException" {
				t.Fatalf("token %q: %v", token, aerr)
			}
		} else if len(got) == 0 {
			t.Fatalf("token %q accepted with no key to resume after", token)
		}
	})
}
