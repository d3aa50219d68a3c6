package policy

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// Property tests. A scenario is generated from the fuzz input: a principal,
// a request and policies of every type built from small pools of actions,
// resources, principals and conditions, so that statements often match.

type byteSource struct {
	data []byte
	pos  int
}

func (b *byteSource) next() byte {
	if b.pos >= len(b.data) {
		b.pos++
		return byte(b.pos * 31)
	}
	c := b.data[b.pos]
	b.pos++
	return c
}

func (b *byteSource) intn(n int) int { return int(b.next()) % n }

func (b *byteSource) bool() bool { return b.next()&1 == 1 }

func pick[T any](b *byteSource, xs []T) T { return xs[b.intn(len(xs))] }

var (
	genActions   = []string{"s3:GetObject", "s3:PutObject", "imagebuilder:GetComponent", "iam:CreateUser", "sts:AssumeRole"}
	genActionPat = []string{"*", "s3:*", "s3:Get*", "s3:GetObject", "imagebuilder:*", "imagebuilder:Get?omponent", "iam:*", "sts:AssumeRole", "*:Get*"}
	genResources = []string{"arn:aws:s3:::bucket/key", "arn:aws:imagebuilder:us-east-1:111122223333:component/x/1.0.0/1", "arn:aws:iam::111122223333:user/bob", "*"}
	genResPat    = []string{"*", "arn:aws:s3:::bucket/*", "arn:aws:s3:::other/*", "arn:aws:imagebuilder:*:111122223333:component/*", "arn:aws:iam::111122223333:user/${aws:username}", "arn:aws:iam::*:user/*"}
	genPrincipal = []string{"user:111122223333:alice", "user:444455556666:bob", "role:111122223333:Builder/s1", "role:444455556666:Reader/s2",
		"federated-user:111122223333:alice", "root:111122223333", "root:444455556666", "service:imagebuilder.amazonaws.com", "anonymous"}
	genPrinElem = []any{"*", map[string]any{"AWS": "111122223333"}, map[string]any{"AWS": "444455556666"}, map[string]any{"AWS": "arn:aws:iam::111122223333:user/alice"},
		map[string]any{"AWS": "arn:aws:iam::111122223333:role/Builder"}, map[string]any{"AWS": "arn:aws:sts::111122223333:assumed-role/Builder/s1"},
		map[string]any{"Service": "imagebuilder.amazonaws.com"}, map[string]any{"AWS": []string{"arn:aws:iam::444455556666:user/bob", "444455556666"}}}
	genConds = []map[string]any{
		{"StringEquals": map[string]any{"aws:PrincipalTag/team": "blue"}},
		{"StringNotEquals": map[string]any{"aws:PrincipalTag/team": "blue"}},
		{"IpAddress": map[string]any{"aws:SourceIp": "203.0.113.0/24"}},
		{"NotIpAddressIfExists": map[string]any{"aws:SourceIp": "10.0.0.0/8"}},
		{"DateLessThan": map[string]any{"aws:CurrentTime": "2027-01-01T00:00:00Z"}},
		{"ForAllValues:StringLike": map[string]any{"aws:TagKeys": []string{"team", "env*"}}},
		{"ForAnyValue:StringEquals": map[string]any{"aws:TagKeys": "secret"}},
		{"Null": map[string]any{"aws:TokenIssueTime": "true"}},
		{"Null": map[string]any{"aws:TagKeys": "false"}},
		{"ForAnyValue:StringNotLike": map[string]any{"aws:TagKeys": "team"}},
		{"Bool": map[string]any{"aws:SecureTransport": "false"}},
		{"StringEquals": map[string]any{"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}},
		{"ArnLike": map[string]any{"aws:PrincipalArn": "arn:aws:iam::*:role/*"}},
		{"NumericLessThan": map[string]any{"aws:MultiFactorAuthAge": "3600"}},
	}
)

type genStatement map[string]any

type genPolicy struct {
	kind  PolicyKind
	stmts []genStatement
}

func (g *genPolicy) doc() string {
	b, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": g.stmts})
	return string(b)
}

type scenario struct {
	principal string
	action    string
	resource  string
	resAcct   string
	ctx       map[string][]string
	identity  []*genPolicy
	boundary  *genPolicy
	session   []*genPolicy
	resource_ *genPolicy
	scp       *genPolicy
}

func genStmt(b *byteSource, kind PolicyKind, effect string) genStatement {
	s := genStatement{"Effect": effect}
	if b.intn(5) == 0 {
		s["NotAction"] = pick(b, genActionPat)
	} else {
		s["Action"] = []string{pick(b, genActionPat), pick(b, genActionPat)}
	}
	if kind != KindTrust {
		if b.intn(6) == 0 {
			s["NotResource"] = pick(b, genResPat)
		} else {
			s["Resource"] = pick(b, genResPat)
		}
	} else {
		s["Action"] = "sts:AssumeRole"
		delete(s, "NotAction")
	}
	if kind.usesPrincipal() {
		// NotPrincipal exists only in resource-based policies: trust policies
		// and RCPs reject it.
		if kind.resourceLike() && b.intn(5) == 0 {
			s["NotPrincipal"] = pick(b, genPrinElem[1:])
		} else if kind == KindResourceControl {
			s["Principal"] = "*"
		} else {
			s["Principal"] = pick(b, genPrinElem)
		}
	}
	if b.intn(3) == 0 {
		s["Condition"] = pick(b, genConds)
	}
	return s
}

func genPol(b *byteSource, kind PolicyKind) *genPolicy {
	g := &genPolicy{kind: kind}
	n := 1 + b.intn(3)
	for i := 0; i < n; i++ {
		eff := "Allow"
		if b.intn(4) == 0 {
			eff = "Deny"
		}
		g.stmts = append(g.stmts, genStmt(b, kind, eff))
	}
	return g
}

func genScenario(data []byte) *scenario {
	b := &byteSource{data: data}
	s := &scenario{
		principal: pick(b, genPrincipal),
		action:    pick(b, genActions),
		resource:  pick(b, genResources),
		ctx:       map[string][]string{},
	}
	if b.bool() {
		s.resAcct = pick(b, []string{"111122223333", "444455556666"})
	}
	if b.bool() {
		s.ctx["aws:SourceIp"] = []string{pick(b, []string{"203.0.113.7", "10.1.2.3", "2001:db8::1"})}
	}
	if b.bool() {
		// An empty string is a null dataset for the set operators and Null.
		s.ctx["aws:TagKeys"] = pick(b, [][]string{{"team", "env"}, {"team", "secret"}, {"team", "owner"}, {""}})
	}
	if b.bool() {
		s.ctx["aws:ResourceTag/team"] = []string{pick(b, []string{"blue", "red"})}
	}
	for i, n := 0, b.intn(3); i < n; i++ {
		s.identity = append(s.identity, genPol(b, KindIdentity))
	}
	if b.intn(3) == 0 {
		s.boundary = genPol(b, KindPermissionsBoundary)
	}
	if b.intn(3) == 0 {
		s.session = append(s.session, genPol(b, KindSession))
	}
	switch b.intn(5) {
	case 0:
		s.resource_ = genPol(b, KindResource)
	case 1:
		s.resource_ = genPol(b, KindTrust)
	case 2:
		s.resource_ = genPol(b, KindKeyPolicy)
	}
	if b.intn(4) == 0 {
		s.scp = genPol(b, KindServiceControl)
	}
	return s
}

type fixedOrg struct{ scp []OrgLevel }

func (o fixedOrg) ServiceControlPolicies(string) []OrgLevel  { return o.scp }
func (o fixedOrg) ResourceControlPolicies(string) []OrgLevel { return nil }

func (s *scenario) build(t *testing.T) (*Request, *Policies) {
	p := principalShorthand(t, s.principal)
	if p.Kind == PrincipalUser {
		p.Tags = map[string]string{"team": "blue"}
	}
	ctx := NewContext()
	for k, v := range s.ctx {
		if len(v) > 1 {
			_ = ctx.SetList(k, TypeString, v...)
		} else {
			ctx.SetString(k, v[0])
		}
	}
	_ = ctx.Set("aws:CurrentTime", TypeDate, "2026-06-01T00:00:00Z")
	ctx.AddPrincipalKeys(p)
	parse := func(g *genPolicy) *Policy {
		pol, err := Parse(g.doc(), g.kind)
		if err != nil {
			t.Fatalf("generated policy does not parse: %v\n%s", err, g.doc())
		}
		return pol
	}
	pols := &Policies{}
	for i, g := range s.identity {
		pols.Identity = append(pols.Identity, Attached{Policy: parse(g), Name: fmt.Sprintf("id%d", i)})
	}
	if s.boundary != nil {
		pols.Boundary = &Attached{Policy: parse(s.boundary), Name: "boundary"}
	}
	for i, g := range s.session {
		pols.Session = append(pols.Session, Attached{Policy: parse(g), Name: fmt.Sprintf("session%d", i)})
	}
	if s.resource_ != nil {
		pols.Resource = &Attached{Policy: parse(s.resource_), Name: "resource"}
	}
	if s.scp != nil {
		pols.Organizations = fixedOrg{scp: []OrgLevel{{Target: "root", Policies: []Attached{{Policy: parse(s.scp), Name: "scp"}}}}}
	}
	return &Request{Principal: p, Action: s.action, Resource: s.resource, ResourceAccount: s.resAcct, Context: ctx}, pols
}

// policies lists every generated policy, for mutations.
func (s *scenario) policies() []*genPolicy {
	var out []*genPolicy
	out = append(out, s.identity...)
	if s.boundary != nil {
		out = append(out, s.boundary)
	}
	out = append(out, s.session...)
	if s.resource_ != nil {
		out = append(out, s.resource_)
	}
	if s.scp != nil {
		out = append(out, s.scp)
	}
	return out
}

func (s *scenario) clone() *scenario {
	c := *s
	cp := func(g *genPolicy) *genPolicy {
		if g == nil {
			return nil
		}
		n := &genPolicy{kind: g.kind, stmts: append([]genStatement(nil), g.stmts...)}
		return n
	}
	c.identity = nil
	for _, g := range s.identity {
		c.identity = append(c.identity, cp(g))
	}
	c.boundary = cp(s.boundary)
	c.session = nil
	for _, g := range s.session {
		c.session = append(c.session, cp(g))
	}
	c.resource_ = cp(s.resource_)
	c.scp = cp(s.scp)
	return &c
}

var fuzzSeeds = [][]byte{
	{0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9},
	{1, 2, 1, 1, 1, 1, 0, 0, 2, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1},
	{5, 4, 3, 1, 1, 0, 1, 2, 1, 3, 3, 0, 0, 0, 0, 2, 1, 1, 0, 0, 0, 1, 1, 0},
	[]byte("the quick brown fox jumps over the lazy dog"),
	[]byte("\x03\x02\x00\x01\x01\x01\x02\x02\x02\x00\x04\x07\x00\x01\x03\x03\x00\x00\x00"),
}

func checkConsistency(t *testing.T, req *Request, pols *Policies) Decision {
	t.Helper()
	d := Evaluate(req, pols)
	x := Explain(req, pols)
	if x.Decision != d {
		t.Fatalf("Explain decided %+v, Evaluate %+v\n%s", x.Decision, d, x)
	}
	if d.Outcome == Allowed && req.Principal.Kind != PrincipalRoot {
		if d.Statement == nil || d.Policy == nil {
			t.Fatalf("an Allow names no statement\n%s", x)
		}
		tr := x.Trace(d.Policy)
		found := false
		if tr != nil {
			for _, s := range tr.Statements {
				if s.Statement == d.Statement && s.Outcome == StatementMatched && s.Statement.Effect == Allow {
					found = true
				}
			}
		}
		if !found {
			t.Fatalf("the deciding statement %s did not match\n%s", d.Statement.Label(), x)
		}
	}
	if d.Outcome == ExplicitDeny && (d.Statement == nil || d.Statement.Effect != Deny) {
		t.Fatalf("an explicit deny must name a Deny statement\n%s", x)
	}
	return d
}

func FuzzExplainAgreesWithEvaluate(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		req, pols := genScenario(data).build(t)
		checkConsistency(t, req, pols)
	})
}

func FuzzAddDenyNeverAllows(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, byte(0), []byte{1, 2, 3})
	}
	f.Fuzz(func(t *testing.T, data []byte, which byte, stmt []byte) {
		s := genScenario(data)
		r0, p0 := s.build(t)
		before := checkConsistency(t, r0, p0)
		m := s.clone()
		pols := m.policies()
		if len(pols) == 0 {
			return
		}
		g := pols[int(which)%len(pols)]
		g.stmts = append(g.stmts, genStmt(&byteSource{data: stmt}, g.kind, "Deny"))
		r1, p1 := m.build(t)
		after := checkConsistency(t, r1, p1)
		if after.Outcome == Allowed && before.Outcome != Allowed {
			t.Fatalf("adding a Deny to a %s turned %s into allowed\n%s", g.kind, before.Outcome, g.doc())
		}
	})
}

func FuzzAddAllowNeverDenies(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, byte(0), []byte{1, 2, 3})
	}
	f.Fuzz(func(t *testing.T, data []byte, which byte, stmt []byte) {
		s := genScenario(data)
		r0, p0 := s.build(t)
		before := checkConsistency(t, r0, p0)
		m := s.clone()
		pols := m.policies()
		if len(pols) == 0 {
			return
		}
		g := pols[int(which)%len(pols)]
		g.stmts = append(g.stmts, genStmt(&byteSource{data: stmt}, g.kind, "Allow"))
		r1, p1 := m.build(t)
		after := checkConsistency(t, r1, p1)
		if before.Outcome == Allowed && after.Outcome != Allowed {
			t.Fatalf("adding an Allow to a %s turned allowed into %s\n%s", g.kind, after.Outcome, g.doc())
		}
	})
}

func FuzzOrderDoesNotMatter(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, []byte{3, 1, 4, 1, 5})
	}
	f.Fuzz(func(t *testing.T, data []byte, perm []byte) {
		s := genScenario(data)
		r0, p0 := s.build(t)
		before := checkConsistency(t, r0, p0)
		m := s.clone()
		b := &byteSource{data: perm}
		shuffle := func(n int, swap func(i, j int)) {
			for i := n - 1; i > 0; i-- {
				swap(i, b.intn(i+1))
			}
		}
		for _, g := range m.policies() {
			shuffle(len(g.stmts), func(i, j int) { g.stmts[i], g.stmts[j] = g.stmts[j], g.stmts[i] })
		}
		shuffle(len(m.identity), func(i, j int) { m.identity[i], m.identity[j] = m.identity[j], m.identity[i] })
		shuffle(len(m.session), func(i, j int) { m.session[i], m.session[j] = m.session[j], m.session[i] })
		r1, p1 := m.build(t)
		after := checkConsistency(t, r1, p1)
		if after.Outcome != before.Outcome || after.Source != before.Source {
			t.Fatalf("reordering changed %s/%s into %s/%s", before.Outcome, before.Source, after.Outcome, after.Source)
		}
	})
}

// FuzzParse feeds arbitrary bytes to the parser as every policy kind. It must
// never panic; documents it accepts must evaluate and explain consistently.
func FuzzParse(f *testing.F) {
	f.Add(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`)
	f.Add(`{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Deny","NotAction":["iam:*"],"NotResource":"arn:aws:s3:::b/${aws:username}","Condition":{"ForAnyValue:StringLikeIfExists":{"aws:TagKeys":["a*",1,true]}}}]}`)
	f.Add(`{"Statement":[{"Effect":"Allow","Principal":{"AWS":["123456789012","arn:aws:iam::123456789012:role/r"],"Service":"x.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)
	f.Add(`%7B%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%7D%7D`)
	f.Add(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"2020-01-01T00:00:00.123+05:30"},"IpAddress":{"aws:SourceIp":["::1/128","10.0.0.0/8"]},"Null":{"a:b":"true"},"BinaryEquals":{"a:c":"AAEC"}}}}`)
	f.Add("{\"a\":\"\\ud83d\\ude00\",\"b\":[[[[]]]]}")
	f.Fuzz(func(t *testing.T, doc string) {
		for k := KindIdentity; k.valid(); k++ {
			p, err := Parse(doc, k)
			if err != nil {
				if _, ok := err.(*Error); !ok {
					t.Fatalf("error %T is not *Error", err)
				}
				continue
			}
			if len(p.Statements) == 0 {
				t.Fatal("accepted a policy without statements")
			}
			_ = p.ContextKeys()
			a := &Attached{Policy: p, Name: "fuzz"}
			pols := &Policies{Identity: []Attached{*a}, Boundary: a, Session: []Attached{*a}}
			if k.usesPrincipal() {
				pols = &Policies{Resource: a}
			}
			for _, ps := range []string{"user:111122223333:alice", "role:111122223333:r/s", "anonymous"} {
				p := principalShorthand(t, ps)
				ctx := NewContext()
				ctx.AddPrincipalKeys(p)
				req := &Request{Principal: p, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/alice", Context: ctx}
				checkConsistency(t, req, pols)
				_ = AccessDeniedMessage(req, Evaluate(req, pols))
				_ = Explain(req, pols).String()
			}
		}
	})
}

// TestGeneratedPoliciesParse guards the generator itself.
func TestGeneratedPoliciesParse(t *testing.T) {
	for i := 0; i < 200; i++ {
		data := []byte(strings.Repeat(string(rune('a'+i%26)), i%17) + fmt.Sprint(i*7919))
		req, pols := genScenario(data).build(t)
		checkConsistency(t, req, pols)
	}
}
