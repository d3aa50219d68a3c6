package policy

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The conformance corpus lives in testdata/policy (one JSON file per topic,
// format in testdata/policy/README.md). Every case is a test named after it.

const corpusDir = "../../../testdata/policy"

type corpusFile struct {
	Topic string       `json:"topic"`
	Cases []corpusCase `json:"cases"`
}

type corpusCase struct {
	Name string `json:"name"`
	Rule string `json:"rule"`

	// Validation cases.
	Parse       *parseSpec `json:"parse"`
	ExpectError string     `json:"expectError"`
	ExpectCode  string     `json:"expectCode"`

	// Size quota cases.
	Size *sizeSpec `json:"size"`

	// Evaluation cases.
	Request        *requestSpec        `json:"request"`
	Statements     []json.RawMessage   `json:"statements"`
	Identity       []json.RawMessage   `json:"identity"`
	ResourcePolicy json.RawMessage     `json:"resourcePolicy"`
	TrustPolicy    json.RawMessage     `json:"trustPolicy"`
	KeyPolicy      json.RawMessage     `json:"keyPolicy"`
	Boundary       json.RawMessage     `json:"boundary"`
	Session        []json.RawMessage   `json:"session"`
	SCP            [][]json.RawMessage `json:"scp"`
	RCP            [][]json.RawMessage `json:"rcp"`

	Expect          string   `json:"expect"`
	ExpectSource    string   `json:"expectSource"`
	ExpectStatement string   `json:"expectStatement"`
	ExpectMessage   string   `json:"expectMessage"`
	ExpectExplain   []string `json:"expectExplain"`
}

type parseSpec struct {
	Kind     string          `json:"kind"`
	Document json.RawMessage `json:"document"`
}

type sizeSpec struct {
	Check    string          `json:"check"`
	Entity   string          `json:"entity"`
	Name     string          `json:"name"`
	Limit    int             `json:"limit"`
	Document json.RawMessage `json:"document"`
	// Pad grows the document with white space (not counted) or a long Sid
	// (counted) so cases stay readable.
	PadSpaces int `json:"padSpaces"`
	PadSid    int `json:"padSid"`
}

type requestSpec struct {
	Principal       json.RawMessage            `json:"principal"`
	Action          string                     `json:"action"`
	Resource        string                     `json:"resource"`
	ResourceAccount string                     `json:"resourceAccount"`
	Context         map[string]json.RawMessage `json:"context"`
	NoPrincipalKeys bool                       `json:"noPrincipalKeys"`
}

type principalSpecJSON struct {
	Kind              string            `json:"kind"`
	ARN               string            `json:"arn"`
	Account           string            `json:"account"`
	UserID            string            `json:"userId"`
	Username          string            `json:"username"`
	Tags              map[string]string `json:"tags"`
	RoleARN           string            `json:"roleArn"`
	SessionName       string            `json:"sessionName"`
	SourceUserARN     string            `json:"sourceUserArn"`
	ServiceName       string            `json:"service"`
	FederatedProvider string            `json:"provider"`
	CanonicalUserID   string            `json:"canonicalUser"`
}

type contextValueSpec struct {
	Type   string   `json:"type"`
	Values []string `json:"values"`
	List   bool     `json:"list"`
}

func TestCorpus(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(corpusDir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus files in %s: %v", corpusDir, err)
	}
	total := 0
	for _, path := range files {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var cf corpusFile
		dec := json.NewDecoder(strings.NewReader(string(raw)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&cf); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		topic := strings.TrimSuffix(filepath.Base(path), ".json")
		names := map[string]bool{}
		t.Run(topic, func(t *testing.T) {
			for i := range cf.Cases {
				c := &cf.Cases[i]
				if c.Name == "" || c.Rule == "" {
					t.Fatalf("case %d has no name or rule", i)
				}
				if names[c.Name] {
					t.Fatalf("duplicate case name %q", c.Name)
				}
				names[c.Name] = true
				total++
				t.Run(c.Name, func(t *testing.T) { runCase(t, c) })
			}
		})
	}
	if total < 300 {
		t.Errorf("the corpus has %d cases, want at least 300", total)
	}
}

func runCase(t *testing.T, c *corpusCase) {
	switch {
	case c.Parse != nil:
		runParseCase(t, c)
	case c.Size != nil:
		runSizeCase(t, c)
	case c.Request != nil:
		runEvalCase(t, c)
	default:
		t.Fatal("case has neither parse, size nor request")
	}
}

func kindByName(t *testing.T, s string) PolicyKind {
	switch s {
	case "", "identity":
		return KindIdentity
	case "resource":
		return KindResource
	case "trust":
		return KindTrust
	case "boundary":
		return KindPermissionsBoundary
	case "session":
		return KindSession
	case "scp":
		return KindServiceControl
	case "rcp":
		return KindResourceControl
	case "key":
		return KindKeyPolicy
	}
	t.Fatalf("unknown policy kind %q", s)
	return 0
}

// documentText accepts a document as a JSON string (used verbatim) or as an
// embedded JSON value (re-serialised compactly).
func documentText(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s
	}
	return string(raw)
}

func runParseCase(t *testing.T, c *corpusCase) {
	doc := documentText(t, c.Parse.Document)
	p, err := Parse(doc, kindByName(t, c.Parse.Kind))
	if c.ExpectError == "" {
		if err != nil {
			t.Fatalf("want the document accepted, got %v", err)
		}
		if p == nil || len(p.Statements) == 0 {
			t.Fatal("parsed policy has no statements")
		}
		return
	}
	if err == nil {
		t.Fatalf("want error containing %q, the document was accepted", c.ExpectError)
	}
	pe, ok := err.(*Error)
	if !ok {
		t.Fatalf("error %T is not *Error", err)
	}
	code := c.ExpectCode
	if code == "" {
		code = "MalformedPolicyDocument"
	}
	if pe.Code() != code {
		t.Errorf("code = %s, want %s", pe.Code(), code)
	}
	if !strings.Contains(pe.Message(), c.ExpectError) {
		t.Errorf("message %q does not contain %q", pe.Message(), c.ExpectError)
	}
}

func runSizeCase(t *testing.T, c *corpusCase) {
	s := c.Size
	doc := documentText(t, s.Document)
	if s.PadSid > 0 {
		doc = strings.Replace(doc, `"Effect"`, `"Sid":"`+strings.Repeat("A", s.PadSid)+`","Effect"`, 1)
	}
	if s.PadSpaces > 0 {
		doc = strings.Replace(doc, `{`, "{"+strings.Repeat(" ", s.PadSpaces), 1)
	}
	var err error
	switch s.Check {
	case "managed":
		err = CheckManagedPolicySize(doc)
	case "inline":
		err = CheckInlinePolicySize(InlineEntity(s.Entity), s.Name, doc)
	case "trust":
		err = CheckTrustPolicySize(doc, s.Limit)
	case "session":
		err = CheckSessionPolicySize(doc)
	default:
		t.Fatalf("unknown size check %q", s.Check)
	}
	if c.ExpectError == "" {
		if err != nil {
			t.Fatalf("size %d: want accepted, got %v", PolicySize(doc), err)
		}
		return
	}
	if err == nil {
		t.Fatalf("size %d: want error %q, accepted", PolicySize(doc), c.ExpectError)
	}
	pe := err.(*Error)
	if c.ExpectCode != "" && pe.Code() != c.ExpectCode {
		t.Errorf("code = %s, want %s", pe.Code(), c.ExpectCode)
	}
	if !strings.Contains(pe.Message(), c.ExpectError) {
		t.Errorf("message %q does not contain %q", pe.Message(), c.ExpectError)
	}
}

// corpusPolicies is an OrganizationsPolicies with fixed levels for every account.
type corpusPolicies struct{ scp, rcp []OrgLevel }

func (o corpusPolicies) ServiceControlPolicies(string) []OrgLevel  { return o.scp }
func (o corpusPolicies) ResourceControlPolicies(string) []OrgLevel { return o.rcp }

func mustParseCase(t *testing.T, raw json.RawMessage, kind PolicyKind) *Policy {
	t.Helper()
	doc := documentText(t, raw)
	p, err := Parse(doc, kind)
	if err != nil {
		t.Fatalf("policy %s does not parse: %v", doc, err)
	}
	return p
}

func buildPolicies(t *testing.T, c *corpusCase) *Policies {
	pols := &Policies{}
	if len(c.Statements) > 0 {
		doc := `{"Version":"2012-10-17","Statement":[`
		for i, s := range c.Statements {
			if i > 0 {
				doc += ","
			}
			doc += string(s)
		}
		doc += "]}"
		pols.Identity = append(pols.Identity, Attached{Policy: mustParseCase(t, json.RawMessage(doc), KindIdentity), Origin: OriginInline, Name: "inline-policy"})
	}
	for i, raw := range c.Identity {
		pols.Identity = append(pols.Identity, Attached{Policy: mustParseCase(t, raw, KindIdentity), Origin: OriginCustomerManaged,
			Name: fmt.Sprintf("arn:aws:iam::111122223333:policy/Policy%d", i+1)})
	}
	if len(c.ResourcePolicy) > 0 {
		pols.Resource = &Attached{Policy: mustParseCase(t, c.ResourcePolicy, KindResource), Name: "resource policy"}
	}
	if len(c.TrustPolicy) > 0 {
		pols.Resource = &Attached{Policy: mustParseCase(t, c.TrustPolicy, KindTrust), Name: "trust policy"}
	}
	if len(c.KeyPolicy) > 0 {
		pols.Resource = &Attached{Policy: mustParseCase(t, c.KeyPolicy, KindKeyPolicy), Name: "key policy"}
	}
	if len(c.Boundary) > 0 {
		pols.Boundary = &Attached{Policy: mustParseCase(t, c.Boundary, KindPermissionsBoundary), Name: "arn:aws:iam::111122223333:policy/Boundary"}
	}
	for i, raw := range c.Session {
		pols.Session = append(pols.Session, Attached{Policy: mustParseCase(t, raw, KindSession), Name: fmt.Sprintf("session policy %d", i+1)})
	}
	if c.SCP != nil || c.RCP != nil {
		var org corpusPolicies
		for i, level := range c.SCP {
			lv := OrgLevel{Target: fmt.Sprintf("scp-level-%d", i+1)}
			for _, raw := range level {
				lv.Policies = append(lv.Policies, Attached{Policy: mustParseCase(t, raw, KindServiceControl), Name: "scp"})
			}
			org.scp = append(org.scp, lv)
		}
		for i, level := range c.RCP {
			lv := OrgLevel{Target: fmt.Sprintf("rcp-level-%d", i+1)}
			for _, raw := range level {
				lv.Policies = append(lv.Policies, Attached{Policy: mustParseCase(t, raw, KindResourceControl), Name: "rcp"})
			}
			org.rcp = append(org.rcp, lv)
		}
		pols.Organizations = org
	}
	return pols
}

// defaultPrincipal is the IAM user the corpus uses unless a case says otherwise.
func defaultPrincipal() *Principal {
	return &Principal{Kind: PrincipalUser, ARN: "arn:aws:iam::111122223333:user/alice", Account: "111122223333",
		UserID: "AIDAEXAMPLEALICE0001", Username: "alice"}
}

func buildPrincipal(t *testing.T, raw json.RawMessage) *Principal {
	if len(raw) == 0 {
		return defaultPrincipal()
	}
	var short string
	if json.Unmarshal(raw, &short) == nil {
		return principalShorthand(t, short)
	}
	var ps principalSpecJSON
	if err := json.Unmarshal(raw, &ps); err != nil {
		t.Fatalf("principal: %v", err)
	}
	p := &Principal{ARN: ps.ARN, Account: ps.Account, UserID: ps.UserID, Username: ps.Username, Tags: ps.Tags,
		RoleARN: ps.RoleARN, SessionName: ps.SessionName, SourceUserARN: ps.SourceUserARN, ServiceName: ps.ServiceName,
		FederatedProvider: ps.FederatedProvider, CanonicalUserID: ps.CanonicalUserID}
	p.Kind = principalKind(t, ps.Kind)
	if p.Account == "" {
		p.Account = AccountOfARN(p.ARN)
	}
	return p
}

func principalKind(t *testing.T, s string) PrincipalKind {
	switch s {
	case "user":
		return PrincipalUser
	case "root":
		return PrincipalRoot
	case "role", "assumed-role":
		return PrincipalAssumedRole
	case "federated-user":
		return PrincipalFederatedUser
	case "service":
		return PrincipalService
	case "web-identity":
		return PrincipalWebIdentity
	case "anonymous":
		return PrincipalAnonymous
	}
	t.Fatalf("unknown principal kind %q", s)
	return 0
}

// principalShorthand reads "user:ACCOUNT:NAME", "role:ACCOUNT:ROLE/SESSION",
// "root:ACCOUNT", "federated-user:ACCOUNT:NAME", "service:NAME", "anonymous".
func principalShorthand(t *testing.T, s string) *Principal {
	parts := strings.SplitN(s, ":", 3)
	switch parts[0] {
	case "anonymous":
		return &Principal{Kind: PrincipalAnonymous}
	case "service":
		return &Principal{Kind: PrincipalService, ServiceName: parts[1]}
	case "web-identity":
		return &Principal{Kind: PrincipalWebIdentity, FederatedProvider: strings.Join(parts[1:], ":")}
	case "root":
		return &Principal{Kind: PrincipalRoot, Account: parts[1], ARN: "arn:aws:iam::" + parts[1] + ":root"}
	case "user":
		acct, name := parts[1], parts[2]
		return &Principal{Kind: PrincipalUser, Account: acct, ARN: "arn:aws:iam::" + acct + ":user/" + name,
			Username: name, UserID: "AIDA" + strings.ToUpper(name) + "EXAMPLE"}
	case "role":
		acct := parts[1]
		rs := strings.SplitN(parts[2], "/", 2)
		return &Principal{Kind: PrincipalAssumedRole, Account: acct, ARN: "arn:aws:sts::" + acct + ":assumed-role/" + rs[0] + "/" + rs[1],
			RoleARN: "arn:aws:iam::" + acct + ":role/" + rs[0], SessionName: rs[1], UserID: "AROA" + strings.ToUpper(rs[0]) + ":" + rs[1]}
	case "federated-user":
		acct, name := parts[1], parts[2]
		return &Principal{Kind: PrincipalFederatedUser, Account: acct, ARN: "arn:aws:sts::" + acct + ":federated-user/" + name,
			SourceUserARN: "arn:aws:iam::" + acct + ":user/" + name, UserID: acct + ":" + name}
	}
	t.Fatalf("unknown principal shorthand %q", s)
	return nil
}

func valueType(t *testing.T, s string) ValueType {
	switch s {
	case "", "string":
		return TypeString
	case "numeric":
		return TypeNumeric
	case "boolean":
		return TypeBoolean
	case "date":
		return TypeDate
	case "ip":
		return TypeIP
	case "binary":
		return TypeBinary
	}
	t.Fatalf("unknown value type %q", s)
	return 0
}

func buildRequest(t *testing.T, rs *requestSpec) *Request {
	p := buildPrincipal(t, rs.Principal)
	ctx := NewContext()
	keys := make([]string, 0, len(rs.Context))
	for k := range rs.Context {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		raw := rs.Context[k]
		var one string
		var many []string
		var typed contextValueSpec
		switch {
		case json.Unmarshal(raw, &one) == nil:
			ctx.SetString(k, one)
		case json.Unmarshal(raw, &many) == nil:
			if err := ctx.SetList(k, TypeString, many...); err != nil {
				t.Fatal(err)
			}
		case json.Unmarshal(raw, &typed) == nil:
			set := ctx.Set
			if typed.List {
				set = ctx.SetList
			}
			if err := set(k, valueType(t, typed.Type), typed.Values...); err != nil {
				t.Fatal(err)
			}
		default:
			t.Fatalf("context key %s: unsupported value %s", k, raw)
		}
	}
	if !rs.NoPrincipalKeys {
		ctx.AddPrincipalKeys(p)
	}
	res := rs.Resource
	if res == "" {
		res = "*"
	}
	return &Request{Principal: p, Action: rs.Action, Resource: res, ResourceAccount: rs.ResourceAccount, Context: ctx}
}

func runEvalCase(t *testing.T, c *corpusCase) {
	pols := buildPolicies(t, c)
	req := buildRequest(t, c.Request)
	d := Evaluate(req, pols)
	x := Explain(req, pols)
	if x.Decision != d {
		t.Fatalf("Explain decided %+v, Evaluate %+v", x.Decision, d)
	}
	if c.Expect == "" {
		t.Fatal("evaluation case without expect")
	}
	if got := d.Outcome.String(); got != c.Expect {
		t.Fatalf("decision = %s (source %s), want %s\n%s", got, d.Source, c.Expect, x)
	}
	if c.ExpectSource != "" && d.Source.String() != c.ExpectSource {
		t.Errorf("source = %q, want %q\n%s", d.Source.String(), c.ExpectSource, x)
	}
	if c.ExpectStatement != "" {
		if d.Statement == nil {
			t.Errorf("no deciding statement, want %s", c.ExpectStatement)
		} else if d.Statement.Label() != c.ExpectStatement && d.Statement.Sid != c.ExpectStatement {
			t.Errorf("deciding statement = %s, want %s", d.Statement.Label(), c.ExpectStatement)
		}
	}
	if c.ExpectMessage != "" {
		if got := AccessDeniedMessage(req, d); got != c.ExpectMessage {
			t.Errorf("message:\n got %s\nwant %s", got, c.ExpectMessage)
		}
	}
	text := x.String()
	for _, frag := range c.ExpectExplain {
		if !strings.Contains(text, frag) {
			t.Errorf("explanation does not contain %q:\n%s", frag, text)
		}
	}
	if d.Outcome == Allowed && d.Statement == nil && req.Principal.Kind != PrincipalRoot {
		t.Errorf("an Allow for a non-root principal names no statement")
	}
}
