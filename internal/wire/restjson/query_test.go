package restjson

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/dynamicpb"

	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

func queryCorpus() []string {
	return []string{"", "a=1", "a=1&b=2&a=3", "a", "a=", "=v", "&&a=1&&", "a=1;b=2", "a;=1", "a=%zz", "a=%4", "a=%", "%zz=1",
		"a+b=c+d", "a%20b=c%2Bd", "componentBuildVersionArn=arn%3Aaws%3Aimagebuilder%3Aus-east-1%3A111122223333%3Acomponent%2Fbench%2F1.0.0%2F1",
		"x=%C3%A9&x=%FF", "a=b=c", "maxResults=5&nextToken=abc%3D%3D", strings.Repeat("p=1&", 70), strings.Repeat("p=%41&", 10001)}
}

// ParseQuery refuses exactly what url.ParseQuery refuses, with its error,
// and a Query gives every key the values url.Values holds for it.
func TestQueryMatchesURLValues(t *testing.T) {
	for _, raw := range queryCorpus() {
		checkQueryMatches(t, raw)
	}
}

func FuzzQueryMatchesURLValues(f *testing.F) {
	for _, raw := range queryCorpus() {
		f.Add(raw)
	}
	f.Fuzz(checkQueryMatches)
}

func checkQueryMatches(t *testing.T, raw string) {
	want, wantErr := url.ParseQuery(raw)
	q, err := ParseQuery(raw)
	if (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
		t.Fatalf("%q: error %v, url.ParseQuery's %v", raw, err, wantErr)
	}
	if err != nil {
		return
	}
	keys := []string{"absent", ""}
	for k := range want {
		keys = append(keys, k)
	}
	for _, k := range keys {
		got, ok := q.appendValues(nil, k, false)
		w, wok := want[k]
		if ok != wok || !slices.Equal(got, w) {
			t.Fatalf("%q key %q: %q %v, url.Values %q %v", raw, k, got, ok, w, wok)
		}
		first, ok := q.appendValues(nil, k, true)
		if ok != wok || (ok && (len(first) != 1 || first[0] != w[0])) {
			t.Fatalf("%q key %q: first %q %v, url.Values %q", raw, k, first, ok, w)
		}
	}
}

// DecodeInput reads the same input from a Query as from url.Values.
func TestDecodeRawQueryMatchesValues(t *testing.T) {
	for _, c := range []struct{ op, raw string }{
		{"GetComponent", "componentBuildVersionArn=arn%3Aaws%3Aimagebuilder%3Aus-east-1%3A111122223333%3Acomponent%2Fx%2F1.0.0%2F1&other=1"},
		{"GetComponent", "componentBuildVersionArn=a&componentBuildVersionArn=b"},
		{"GetComponent", ""},
		{"ListWorkflowExecutions", "maxResults=7&nextToken=t%2B1"},
		{"ListWorkflowExecutions", "maxResults=x"},
	} {
		o := op(t, c.op)
		vals, err := url.ParseQuery(c.raw)
		if err != nil {
			t.Fatal(err)
		}
		q, err := ParseQuery(c.raw)
		if err != nil {
			t.Fatal(err)
		}
		// One generated message (SetString's path), one dynamic
		// (protoreflect's), compared through the wire form.
		want := dynamicpb.NewMessage(o.Input.Message)
		gotMsg := proto.Message(&ibv1.GetComponentRequest{})
		if c.op != "GetComponent" {
			gotMsg = &ibv1.ListWorkflowExecutionsRequest{}
		}
		wantErr := DecodeInput(o, Request{Query: vals}, want)
		gotErr := DecodeInput(o, Request{RawQuery: q}, gotMsg)
		if (wantErr == nil) != (gotErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
			t.Fatalf("%s %q: error %v, want %v", c.op, c.raw, gotErr, wantErr)
		}
		gb, _ := proto.Marshal(gotMsg)
		wb, _ := proto.Marshal(want)
		if string(gb) != string(wb) {
			t.Fatalf("%s %q: decoded %v, want %v", c.op, c.raw, gotMsg, want)
		}
	}
}

func BenchmarkParseQuery(b *testing.B) {
	raw := "componentBuildVersionArn=arn%3Aaws%3Aimagebuilder%3Aus-east-1%3A111122223333%3Acomponent%2Fbench%2F1.0.0%2F1"
	o := op(b, "GetComponent")
	b.Run("Query", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			q, _ := ParseQuery(raw)
			_ = DecodeInput(o, Request{RawQuery: q}, &ibv1.GetComponentRequest{})
		}
	})
	b.Run("url.Values", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			v, _ := url.ParseQuery(raw)
			_ = DecodeInput(o, Request{Query: v}, &ibv1.GetComponentRequest{})
		}
	})
}

// unescapeQuery agrees with url.QueryUnescape on every component it is
// given (ones url.ParseQuery accepted).
func FuzzUnescapeQuery(f *testing.F) {
	for _, s := range []string{"", "a+b", "%41%4a%4A", "arn%3Aaws%2F", "%C3%A9", "%zz", "%4", "+%2B+"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := url.QueryUnescape(s)
		if err != nil {
			return
		}
		if got := unescapeQuery(s); got != want {
			t.Fatalf("%q: %q, url.QueryUnescape %q", s, got, want)
		}
	})
}

// BenchmarkUnescapeQuery unescapes GetComponent's ARN value, with an
// escape every few bytes.
func BenchmarkUnescapeQuery(b *testing.B) {
	v := "arn%3Aaws%3Aimagebuilder%3Aus-east-1%3A111122223333%3Acomponent%2Fbench%2F1.0.0%2F1"
	b.ReportAllocs()
	for b.Loop() {
		_ = unescapeQuery(v)
	}
}

// unescapeQuery never panics, whatever it is given (ParseQuery refuses
// what url.QueryUnescape would, but the function stands alone), and agrees
// with url.QueryUnescape wherever that accepts the input.
func TestUnescapeQueryMalformed(t *testing.T) {
	for _, s := range []string{"%", "%%", "%%41", "a%4", "%4%41", "+%", "%41%", "%%%%%%", "a+%zz", "%4"} {
		got := unescapeQuery(s)
		if want, err := url.QueryUnescape(s); err == nil && got != want {
			t.Errorf("%q: %q, url.QueryUnescape %q", s, got, want)
		}
	}
}

// FuzzUnescapeQueryAnyInput: no input panics, and the fast path agrees
// with the safe one.
func FuzzUnescapeQueryAnyInput(f *testing.F) {
	for _, s := range []string{"%", "%%41", "a%4", "%4%41", "+%2B+"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := unescapeQuery(s)
		if want, err := url.QueryUnescape(s); err == nil && got != want {
			t.Fatalf("%q: %q, url.QueryUnescape %q", s, got, want)
		}
		// The exact-size buffer (a string through unsafe) and the safe
		// appending path agree on every input.
		if safe := unescapeQueryAny(s); got != safe {
			t.Fatalf("%q: %q, unescapeQueryAny %q", s, got, safe)
		}
	})
}
