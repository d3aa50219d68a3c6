package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"
)

// The parsers and helpers rewritten for speed (evening of 2026-11-29) must
// answer exactly as the versions they replaced, kept here as the reference.

func refParseAuthorization(value string) (Authorization, *Failure) {
	var a Authorization
	alg, params, _ := strings.Cut(strings.TrimLeft(value, " "), " ")
	a.Algorithm = alg
	if alg != Algorithm {
		if strings.HasPrefix(alg, "AWS4-") {
			return a, incomplete("Unsupported AWS 'algorithm': '%s'.", alg)
		}
		return a, nil
	}
	for params != "" {
		var part string
		part, params, _ = strings.Cut(params, ",")
		part = strings.Trim(part, " ")
		key, val, ok := strings.Cut(part, "=")
		if !ok {
			return a, incomplete("'%s' not a valid key=value pair (missing equal-sign) in Authorization header: '%s'.", part, value)
		}
		var field *string
		switch key {
		case "Credential":
			field = &a.Credential
		case "SignedHeaders":
			field = &a.SignedHeaders
		case "Signature":
			field = &a.Signature
		default:
			continue
		}
		if *field != "" {
			return a, incomplete("Authorization header has duplicate '%s' parameter: '%s'.", key, value)
		}
		*field = val
	}
	return a, nil
}

func refParseCredential(value string) (Credential, *Failure) {
	var c Credential
	var parts [5]string
	rest := value
	for i := range parts {
		var ok bool
		if i == len(parts)-1 {
			parts[i], ok = rest, !strings.Contains(rest, "/")
		} else {
			parts[i], rest, ok = strings.Cut(rest, "/")
		}
		if !ok {
			return c, incomplete("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'", value)
		}
	}
	c = Credential{AccessKeyID: parts[0], Date: parts[1], Region: parts[2], Service: parts[3], Terminator: parts[4]}
	c.Scope = value[len(parts[0])+1:]
	return c, nil
}

func refIsCanonicalComponent(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved[c] {
			continue
		}
		if c != '%' || i+2 >= len(s) || !isUpperHex(s[i+1]) || !isUpperHex(s[i+2]) {
			return false
		}
		if unreserved[unhex(s[i+1])<<4|unhex(s[i+2])] {
			return false
		}
		i += 2
	}
	return true
}

func refHeaderValues(h http.Header, name string) []string {
	var buf [64]byte
	if len(name) <= len(buf) {
		key := buf[:len(name)]
		upper := true
		for i := 0; i < len(name); i++ {
			c := name[i]
			if upper && 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			} else if !upper && 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			key[i] = c
			upper = c == '-'
		}
		if v, ok := h[string(key)]; ok {
			return v
		}
	}
	return h[name]
}

func refAppendTrimmed(dst []byte, v string) []byte {
	v = strings.TrimSpace(v)
	if !strings.Contains(v, "  ") {
		return append(dst, v...)
	}
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		dst = append(dst, c)
	}
	return dst
}

func refSignsHeader(signedHeaders, header string) bool {
	for rest := signedHeaders; rest != ""; {
		var name string
		name, rest, _ = strings.Cut(rest, ";")
		if strings.EqualFold(name, header) {
			return true
		}
	}
	return false
}

func refAppendCanonicalHeaders(dst []byte, req *Request, signedHeaders string) []byte {
	for rest := signedHeaders; ; {
		var name string
		name, rest, _ = strings.Cut(rest, ";")
		dst = append(dst, name...)
		dst = append(dst, ':')
		if strings.EqualFold(name, "host") && req.Host != "" {
			dst = refAppendTrimmed(dst, req.Host)
		} else {
			for i, v := range refHeaderValues(req.Header, name) {
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = refAppendTrimmed(dst, v)
			}
		}
		dst = append(dst, '\n')
		if rest == "" {
			return dst
		}
	}
}

// refParseISOBasic is the standard library's reading of the same layout
// (parseISOBasic is a hand-written one that does not allocate).
func refParseISOBasic(s string) (time.Time, bool) {
	if len(s) != len(isoBasic) {
		return time.Time{}, false
	}
	t, err := time.Parse("20060102T150405Z", s)
	return t, err == nil
}

func sameFailure(a, b *Failure) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Kind == b.Kind && a.Message == b.Message
}

// checkRewrites compares every rewritten function with its reference on s
// (and on name, a header name).
func checkRewrites(t *testing.T, s, name string) {
	t.Helper()
	if a, fa := ParseAuthorization(s); true {
		b, fb := refParseAuthorization(s)
		if a != b || !sameFailure(fa, fb) {
			t.Errorf("ParseAuthorization(%q) = %+v, %v; reference %+v, %v", s, a, fa, b, fb)
		}
	}
	if a, fa := ParseCredential(s); true {
		b, fb := refParseCredential(s)
		if a != b || !sameFailure(fa, fb) {
			t.Errorf("ParseCredential(%q) = %+v, %v; reference %+v, %v", s, a, fa, b, fb)
		}
	}
	if a, b := isCanonicalComponent(s), refIsCanonicalComponent(s); a != b {
		t.Errorf("isCanonicalComponent(%q) = %v; reference %v", s, a, b)
	}
	if a, b := string(appendTrimmed([]byte("x"), s)), string(refAppendTrimmed([]byte("x"), s)); a != b {
		t.Errorf("appendTrimmed(%q) = %q; reference %q", s, a, b)
	}
	if a, b := signsHeader(s, name), refSignsHeader(s, name); a != b {
		t.Errorf("signsHeader(%q, %q) = %v; reference %v", s, name, a, b)
	}
	if a, b := isHost(name), strings.EqualFold(name, "host"); a != b {
		t.Errorf("isHost(%q) = %v; reference %v", name, a, b)
	}
	ta, oka := parseISOBasic(s)
	tb, okb := refParseISOBasic(s)
	if oka != okb || !ta.Equal(tb) {
		t.Errorf("parseISOBasic(%q) = %v, %v; reference %v, %v", s, ta, oka, tb, okb)
	}

	// Header lookups and canonical headers: a map holding name (as given
	// and canonical) and the known names, with s as values.
	h := http.Header{}
	h[name] = []string{s}
	h[textproto.CanonicalMIMEHeaderKey(name)] = []string{s, " " + s + "  "}
	h["X-Amz-Date"] = []string{s}
	for _, n := range []string{name, strings.ToLower(name), "x-amz-date", "authorization", "date"} {
		if a, b := headerValues(h, n), refHeaderValues(h, n); strings.Join(a, "\x00") != strings.Join(b, "\x00") || (a == nil) != (b == nil) {
			t.Errorf("headerValues(%q) = %q; reference %q", n, a, b)
		}
	}
	req := &Request{Host: "h", Header: h}
	signed := name + ";x-amz-date;host;" + strings.ToLower(name)
	want := string(refAppendCanonicalHeaders(nil, req, signed))
	if got := string(appendCanonicalHeaders(nil, req, signed)); got != want {
		t.Errorf("appendCanonicalHeaders(%q) = %q; reference %q", signed, got, want)
	}
	seen := seenHeader{name: "x-amz-date", values: headerValues(h, "x-amz-date")}
	if got := string(appendCanonicalHeadersSeen(nil, req, signed, &seen)); got != want {
		t.Errorf("appendCanonicalHeadersSeen(%q) = %q; reference %q", signed, got, want)
	}
}

var rewriteSeeds = [][2]string{
	{"AWS4-HMAC-SHA256 Credential=AKID/20240517/us-east-1/imagebuilder/aws4_request, SignedHeaders=host;x-amz-date, Signature=00", "host"},
	{" AWS4-HMAC-SHA256  Credential=a/b/c/d/e ,SignedHeaders=host, Signature=00 ", "Host"},
	{"AWS4-HMAC-SHA256 Credential=,Signature=,", "hoſt"},
	{"AWS4-HMAC-SHA256 a, b=c,Credential=x,Credential=y", "x-amz-date"},
	{"AWS4-X a=b", "amz-sdk-request"},
	{"a/b/c/d/e", "HOST"},
	{"a/b/c/d/e/f", "x-amz-security-token"},
	{"a/b/c/d", "content-type"},
	{"//////", ""},
	{"arn%3Aaws%3Aimagebuilder%3Aus-east-1%3A111122223333%3Acomponent%2Fc%2F1.0.0%2F1", "X-Amz-Date"},
	{"%7E%2f%zz%4", "content-md5"},
	{"  a  b \t", "amz-sdk-invocation-id"},
	{"\u00a0x\u00a0", "x-amz-content-sha256"},
	{"attempt=1; max=3", "date"},
	{"20240517T102030Z", "authorization"},
	{"20240229T000000Z", "x-amz-user-agent"},
	{"20230229T000000Z", "x-amz-target"},
	{"00000229T235959Z", "content-length"},
	{"21000229T120000Z", "x-amz-trailer"},
	{"20241131T120000Z", "x-amz-decoded-content-length"},
	{"20241232T120000Z", "content-encoding"},
	{"99991231T235959Z", "x-amz-sdk-checksum-algorithm"},
}

func TestRewritesAgree(t *testing.T) {
	for _, s := range rewriteSeeds {
		checkRewrites(t, s[0], s[1])
	}
	// Every month's last day and the day after, over leap and common years.
	for _, year := range []int{1900, 2000, 2023, 2024, 2100} {
		for month := 1; month <= 12; month++ {
			for _, day := range []int{28, 29, 30, 31, 32} {
				s := time.Date(year, time.Month(month), 1, 0, 0, 0, 0, time.UTC).Format("20060102T150405Z")
				s = s[:6] + string(rune('0'+day/10)) + string(rune('0'+day%10)) + s[8:]
				checkRewrites(t, s, "x-amz-date")
			}
		}
	}
}

func FuzzRewritesAgree(f *testing.F) {
	for _, s := range rewriteSeeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, s, name string) { checkRewrites(t, s, name) })
}

// The keys named by knownHeaderKey are the canonical MIME keys.
func TestKnownHeaderKeys(t *testing.T) {
	for _, name := range []string{"authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256",
		"amz-sdk-invocation-id", "amz-sdk-request", "content-type", "content-length", "content-md5", "date",
		"x-amz-target", "x-amz-user-agent", "x-amz-decoded-content-length", "x-amz-trailer",
		"x-amz-sdk-checksum-algorithm", "content-encoding"} {
		if got, want := knownHeaderKey(name), textproto.CanonicalMIMEHeaderKey(name); got != want {
			t.Errorf("knownHeaderKey(%q) = %q, want %q", name, got, want)
		}
	}
	if got := knownHeaderKey("x-unknown"); got != "" {
		t.Errorf("knownHeaderKey(x-unknown) = %q", got)
	}
}

// A signing key's saved pad states give crypto/hmac's HMAC-SHA256, for
// messages around the block boundaries, from one digest reused and from
// digests used concurrently.
func TestSigningKeySumIsHMAC(t *testing.T) {
	key := hmacSHA256([]byte("AWS4secret"), "20240517")
	k := newSigningKey(key)
	m := newMACHash()
	msg := []byte(strings.Repeat("0123456789abcdef", 20))
	for n := 0; n <= len(msg); n++ {
		want := hmac.New(sha256.New, key)
		want.Write(msg[:n])
		got := k.sum(m, msg[:n])
		if !hmac.Equal(got[:], want.Sum(nil)) {
			t.Fatalf("sum of %d bytes differs from crypto/hmac", n)
		}
	}
	done := make(chan [sha256.Size]byte)
	for range 4 {
		go func() {
			mm := newMACHash()
			var last [sha256.Size]byte
			for range 200 {
				last = k.sum(mm, msg)
			}
			done <- last
		}()
	}
	want := hmac.New(sha256.New, key)
	want.Write(msg)
	for range 4 {
		got := <-done
		if !hmac.Equal(got[:], want.Sum(nil)) {
			t.Fatal("concurrent sums differ from crypto/hmac")
		}
	}
}

// encodeHex32 is hex.Encode; signatureEqual accepts exactly the lower-case
// hex of the MAC.
func TestEncodeHex32(t *testing.T) {
	var sum [sha256.Size]byte
	for i := range sum {
		sum[i] = byte(i*37 + 11)
	}
	var got [2 * sha256.Size]byte
	encodeHex32(&got, &sum)
	if want := hex.EncodeToString(sum[:]); string(got[:]) != want {
		t.Fatalf("encodeHex32 = %s, want %s", got, want)
	}
	if !signatureEqual(&sum, string(got[:])) {
		t.Error("signatureEqual refuses the MAC's hex")
	}
	for _, bad := range []string{strings.ToUpper(string(got[:])), string(got[:63]), string(got[:]) + "0", string(got[1:]) + "0"} {
		if signatureEqual(&sum, bad) {
			t.Errorf("signatureEqual accepts %q", bad)
		}
	}
}

// sumStringToSign gives crypto/hmac's HMAC-SHA256 whatever first blocks it
// has kept: strings to sign of one key in earlier, the same and later
// seconds, in any order, also concurrently; a key not in a cache keeps none.
func TestSumStringToSignIsHMAC(t *testing.T) {
	key := hmacSHA256([]byte("AWS4secret"), "20240517")
	k := newSigningKey(key)
	k.cached = true
	sts := func(sec int) []byte {
		at := testNow.Add(time.Duration(sec) * time.Second)
		return appendStringToSign(nil, formatBasic(at), "20240517/us-east-1/imagebuilder/aws4_request", []byte{byte(sec)})
	}
	want := func(msg []byte) []byte {
		h := hmac.New(sha256.New, key)
		h.Write(msg)
		return h.Sum(nil)
	}
	m := newMACHash()
	for _, sec := range []int{5, 5, 3, 5, 7, 7, 6, 7, 8, 2, 8} {
		msg := sts(sec)
		got := k.sumStringToSign(m, msg)
		if !hmac.Equal(got[:], want(msg)) {
			t.Fatalf("second %d: sum differs from crypto/hmac", sec)
		}
	}
	if f := k.first.Load(); f == nil || string(f.block[:]) != string(sts(8)[:sha256.BlockSize]) {
		t.Errorf("kept first block %v, want the latest second's", f)
	}
	// Neither the kept second nor an earlier one allocates.
	older, kept := sts(7), sts(8)
	if n := testing.AllocsPerRun(50, func() { k.sumStringToSign(m, older); k.sumStringToSign(m, kept) }); n != 0 && !raceEnabled {
		t.Errorf("sumStringToSign allocates %v times", n)
	}
	for _, short := range [][]byte{nil, []byte("x"), sts(9)[:sha256.BlockSize], sts(9)[:sha256.BlockSize+1]} {
		got := k.sumStringToSign(m, short)
		if !hmac.Equal(got[:], want(short)) {
			t.Fatalf("%d bytes: sum differs from crypto/hmac", len(short))
		}
	}

	done := make(chan bool)
	for g := range 4 {
		go func() {
			mm := newMACHash()
			ok := true
			for i := range 300 {
				msg := sts(10 + (i*7+g)%5)
				got := k.sumStringToSign(mm, msg)
				ok = ok && hmac.Equal(got[:], want(msg))
			}
			done <- ok
		}()
	}
	for range 4 {
		if !<-done {
			t.Fatal("concurrent sums differ from crypto/hmac")
		}
	}

	uncached := newSigningKey(key)
	got := uncached.sumStringToSign(m, sts(1))
	if !hmac.Equal(got[:], want(sts(1))) || uncached.first.Load() != nil {
		t.Error("a key outside a cache: wrong sum or a first block kept")
	}
}
