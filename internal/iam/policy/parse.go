package policy

import (
	"net/url"
	"strings"
)

// Policy language versions ("IAM JSON policy elements: Version"). Policy
// variables exist only in 2012-10-17; a policy without Version is read as
// 2008-10-17, where ${...} is literal text.
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// Policy is a parsed, validated and compiled policy document.
type Policy struct {
	Kind PolicyKind
	// Version is the Version element, "" when absent.
	Version string
	// ID is the Id element.
	ID         string
	Statements []*Statement

	text   string
	allows stmtIndex
	denies stmtIndex
}

// Text is the decoded document the policy was parsed from.
func (p *Policy) Text() string { return p.text }

// Parse validates doc as a policy of the given kind the way IAM does and
// compiles it. doc may be plain JSON or URL-encoded JSON. Errors are *Error
// with code MalformedPolicyDocument and a message that says what is wrong.
// Size quotas are not checked here: the IAM and STS operations call Validate,
// which applies the quota of the operation and then parses.
func Parse(doc string, kind PolicyKind) (*Policy, error) {
	p, err := parse(doc, kind)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// MustParse is Parse for policies known to be valid (tests, built-ins).
func MustParse(doc string, kind PolicyKind) *Policy {
	p, err := Parse(doc, kind)
	if err != nil {
		panic(err)
	}
	return p
}

// DecodeDocument returns the JSON text of a policy document that may be
// URL-encoded, as IAM returns documents and accepts them.
func DecodeDocument(doc string) (string, error) {
	trimmed := strings.TrimLeft(doc, " \t\r\n")
	if strings.HasPrefix(trimmed, "{") || !strings.Contains(doc, "%") {
		return doc, nil
	}
	decoded, err := url.PathUnescape(doc)
	if err != nil {
		return "", syntaxError("The document is neither JSON nor valid URL-encoded JSON.")
	}
	return decoded, nil
}

// parseState is what the statements of one document share while parsing.
type parseState struct {
	kind    PolicyKind
	version string
	li      *lineIndex
	// deferred is the first Resource format error: IAM reports it only when
	// the document has no other error (see resource.go).
	deferred *Error
}

func parse(doc string, kind PolicyKind) (*Policy, *Error) {
	if !kind.valid() {
		return nil, malformed("Unknown policy kind.")
	}
	text, derr := DecodeDocument(doc)
	if derr != nil {
		return nil, derr.(*Error)
	}
	if strings.TrimSpace(text) == "" {
		return nil, syntaxError("The policy document is empty.")
	}
	root, jerr := parseJSON(text)
	li := newLineIndex(text)
	if jerr != nil {
		pos := li.position(jerr.offset)
		return nil, syntaxError("Invalid JSON at line " + itoa(pos.Line) + ", column " + itoa(pos.Column) + ": " + jerr.msg + ".")
	}
	if root.kind != jsonObject {
		return nil, syntaxError("The policy document must be a JSON object.")
	}
	p := &Policy{Kind: kind, text: text}
	var stmtVal *jsonValue
	seen := map[string]bool{}
	for _, m := range root.members {
		if seen[m.key] {
			return nil, syntaxError("Duplicate field " + m.key + ".")
		}
		seen[m.key] = true
		switch m.key {
		case "Version":
			if m.value.kind != jsonString || (m.value.text != Version2012 && m.value.text != Version2008) {
				return nil, malformed("The policy failed legacy parsing: Version must be \"" + Version2012 + "\" or \"" + Version2008 + "\".")
			}
			p.Version = m.value.text
		case "Id":
			if m.value.kind != jsonString {
				return nil, syntaxError("Id must be a string.")
			}
			p.ID = m.value.text
		case "Statement":
			stmtVal = m.value
		default:
			return nil, syntaxError("Unknown field " + m.key + ".")
		}
	}
	if stmtVal == nil {
		return nil, malformed("Missing required field Statement.")
	}
	ps := &parseState{kind: kind, version: p.Version, li: li}
	if ps.version == "" {
		ps.version = Version2008
	}
	switch stmtVal.kind {
	case jsonObject:
		st, err := parseStatement(stmtVal, 0, ps, false)
		if err != nil {
			return nil, err
		}
		p.Statements = []*Statement{st}
	case jsonArray:
		if len(stmtVal.items) == 0 {
			return nil, malformed("Missing required field Statement: the Statement array is empty.")
		}
		for i, item := range stmtVal.items {
			st, err := parseStatement(item, i, ps, true)
			if err != nil {
				return nil, err
			}
			p.Statements = append(p.Statements, st)
		}
	default:
		return nil, syntaxError("Statement must be an object or an array of objects.")
	}
	sids := map[string]bool{}
	var allows, denies []*Statement
	for _, st := range p.Statements {
		if st.Sid != "" {
			if sids[st.Sid] {
				return nil, malformed("Statement IDs (SID) in a single policy must be unique.")
			}
			sids[st.Sid] = true
		}
		if st.Effect == Deny {
			denies = append(denies, st)
		} else {
			allows = append(allows, st)
		}
	}
	if ps.deferred != nil {
		return nil, ps.deferred
	}
	p.allows, p.denies = buildIndex(allows), buildIndex(denies)
	return p, nil
}

// ContextKeys lists the condition keys and policy variables the policy refers
// to, sorted and without duplicates (what GetContextKeysForCustomPolicy
// reports).
func (p *Policy) ContextKeys() []string {
	var keys []string
	for _, st := range p.Statements {
		keys = append(keys, st.ContextKeys()...)
	}
	return sortedUnique(keys)
}

// ContextKeys lists the condition keys and policy variables the statement
// refers to, in document order, duplicates removed (case-insensitively).
func (st *Statement) ContextKeys() []string {
	var keys []string
	seen := map[string]bool{}
	add := func(k string) {
		lk := strings.ToLower(k)
		if !seen[lk] {
			seen[lk] = true
			keys = append(keys, k)
		}
	}
	for i := range st.resources {
		for _, k := range st.resources[i].variables() {
			add(k)
		}
	}
	for i := range st.Conditions {
		c := &st.Conditions[i]
		add(c.Key)
		for _, k := range c.variableKeys() {
			add(k)
		}
	}
	return keys
}
