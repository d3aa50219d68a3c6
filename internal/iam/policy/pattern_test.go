package policy

import "testing"

func TestPatternMatching(t *testing.T) {
	ctx := NewContext()
	ctx.SetString("aws:username", "alice")
	_ = ctx.SetList("aws:TagKeys", TypeString, "a", "b")
	cases := []struct {
		pattern, subject string
		opt              matchOptions
		vars             bool
		want             bool
	}{
		{"*", "anything", matchOptions{}, false, true},
		{"a*c", "abbbc", matchOptions{}, false, true},
		{"a*c", "abbbd", matchOptions{}, false, false},
		{"a?c", "abc", matchOptions{}, false, true},
		{"a?c", "ac", matchOptions{}, false, false},
		{"a?c", "aéc", matchOptions{}, false, true},
		{"*b*b*", "abxb", matchOptions{}, false, true},
		{"ABC", "abc", matchOptions{fold: true}, false, true},
		{"home/${aws:username}/*", "home/alice/x", matchOptions{}, true, true},
		{"home/${aws:username}/*", "home/bob/x", matchOptions{}, true, false},
		{"home/${aws:missing}", "home/", matchOptions{}, true, false},
		{"home/${aws:missing, 'x''y'}", "home/x'y", matchOptions{}, true, true},
		{"${aws:TagKeys}", "a", matchOptions{}, true, false},
		{"a${*}b", "a*b", matchOptions{}, true, true},
		{"a${*}b", "axb", matchOptions{}, true, false},
		{"${aws:username", "${aws:username", matchOptions{}, true, true},
		{"arn:aws:s3:::*", "arn:aws:s3:::b:c", arnMatch("arn:aws:s3:::b:c"), false, true},
		{"arn:aws:*:r:a:x", "arn:aws:s3:x:r:a:x", arnMatch("arn:aws:s3:x:r:a:x"), false, false},
		{"arn:aws:s?:::x", "arn:aws:s3:::x", arnMatch("arn:aws:s3:::x"), false, true},
	}
	for _, c := range cases {
		p := compilePattern(c.pattern, patternOptions{wildcards: true, variables: c.vars})
		if got := p.match(c.subject, c.opt, ctx); got != c.want {
			t.Errorf("%q ~ %q = %v, want %v", c.pattern, c.subject, got, c.want)
		}
	}
}

func TestStatementPositions(t *testing.T) {
	doc := "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"Allow\", \"Action\": \"s3:*\", \"Resource\": \"*\"},\n    {\"Effect\": \"Deny\", \"Action\": \"s3:Delete*\", \"Resource\": \"*\"}\n  ]\n}"
	p := MustParse(doc, KindIdentity)
	want := []struct{ start, end Position }{
		{Position{3, 17}, Position{4, 59}},
		{Position{4, 60}, Position{5, 64}},
	}
	for i, st := range p.Statements {
		if st.Start != want[i].start || st.End != want[i].end {
			t.Errorf("statement %d: %v-%v, want %v-%v", i, st.Start, st.End, want[i].start, want[i].end)
		}
	}
}

func TestContextKeysAreCaseInsensitive(t *testing.T) {
	c := NewContext()
	c.SetString("AWS:SourceVpc", "vpc-1")
	if v, ok := c.Lookup("aws:sourcevpc"); !ok || v[0].Raw != "vpc-1" {
		t.Fatalf("lookup = %v %v", v, ok)
	}
	if err := c.Set("aws:SourceIp", TypeIP, "not-an-ip"); err == nil {
		t.Error("an invalid ip value was accepted")
	}
	p := &Principal{Kind: PrincipalUser, ARN: "arn:aws:iam::111122223333:user/alice", Account: "111122223333", Username: "alice",
		Tags: map[string]string{"Team": "blue"}}
	c.SetString("aws:username", "override")
	c.AddPrincipalKeys(p)
	if v, _ := c.Lookup("aws:username"); v[0].Raw != "override" {
		t.Errorf("AddPrincipalKeys replaced a key the caller set: %s", v[0].Raw)
	}
	if v, ok := c.Lookup("aws:principaltag/team"); !ok || v[0].Raw != "blue" {
		t.Errorf("principal tag = %v %v", v, ok)
	}
	keys := c.Keys()
	if len(keys) == 0 || keys[0] > keys[len(keys)-1] {
		t.Errorf("keys not sorted: %v", keys)
	}
}

func TestPolicyContextKeys(t *testing.T) {
	p := MustParse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}/*",
		"Condition":{"StringEquals":{"aws:ResourceTag/team":"${aws:PrincipalTag/team}"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`, KindIdentity)
	got := p.ContextKeys()
	want := []string{"aws:PrincipalTag/team", "aws:ResourceTag/team", "aws:SourceIp", "aws:username"}
	if len(got) != len(want) {
		t.Fatalf("ContextKeys = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("ContextKeys = %v, want %v", got, want)
		}
	}
}

func TestDecodeDocument(t *testing.T) {
	if d, err := DecodeDocument("%7B%22a%22%3A1%7D"); err != nil || d != `{"a":1}` {
		t.Errorf("decode = %q, %v", d, err)
	}
	if d, _ := DecodeDocument(` {"a":"100%"}`); d != ` {"a":"100%"}` {
		t.Errorf("plain JSON was altered: %q", d)
	}
	if _, err := DecodeDocument("%zz"); err == nil {
		t.Error("invalid escape accepted")
	}
}
