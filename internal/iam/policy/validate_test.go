package policy

import (
	"net/url"
	"strings"
	"testing"
)

// Validate is what the IAM and STS operations call: quota of the use, then
// the grammar of the use's kind, with IAM's error codes and messages.
func TestValidate(t *testing.T) {
	allow := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`
	trust := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}}`
	// withSid grows a document by n counted characters.
	withSid := func(doc string, n int) string {
		return strings.Replace(doc, `"Effect"`, `"Sid":"`+strings.Repeat("A", n)+`","Effect"`, 1)
	}
	cases := []struct {
		name    string
		doc     string
		use     Use
		code    string
		message string
		kind    PolicyKind
	}{
		{name: "managed policy", doc: allow, use: ForManagedPolicy(), kind: KindIdentity},
		{name: "managed policy url-encoded", doc: url.PathEscape(allow), use: ForManagedPolicy(), kind: KindIdentity},
		{name: "managed policy over the quota", doc: withSid(allow, ManagedPolicyMaxSize), use: ForManagedPolicy(),
			code: "LimitExceeded", message: "Cannot exceed quota for PolicySize: 6144"},
		{name: "managed policy: white space is not counted", doc: strings.Replace(allow, "{", "{"+strings.Repeat(" ", 7000), 1), use: ForManagedPolicy(), kind: KindIdentity},
		{name: "managed policy: url encoding is not counted", doc: url.PathEscape(withSid(allow, ManagedPolicyMaxSize-len(allow)-9)), use: ForManagedPolicy(), kind: KindIdentity},
		{name: "managed policy with a principal", doc: trust, use: ForManagedPolicy(),
			code: "MalformedPolicyDocument", message: "Policy document should not specify a principal."},
		{name: "managed policy with a bad resource", doc: strings.Replace(allow, `"*"}`, `"arn:aws:*:::x"}`, 1), use: ForManagedPolicy(),
			code: "MalformedPolicyDocument", message: "Resource vendor must be fully qualified and cannot contain regexes."},
		{name: "inline user policy within the quota", doc: allow, use: ForInlinePolicy(InlineUser, "alice", withSid(allow, 1000)), kind: KindIdentity},
		{name: "inline user policies over the aggregate quota", doc: withSid(allow, 1000), use: ForInlinePolicy(InlineUser, "alice", withSid(allow, 1000)),
			code: "LimitExceeded", message: "Maximum policy size of 2048 bytes exceeded for user alice"},
		{name: "inline role policy", doc: withSid(allow, 5000), use: ForInlinePolicy(InlineRole, "Builder", withSid(allow, 5000)), kind: KindIdentity},
		{name: "trust policy", doc: trust, use: ForTrustPolicy(0), kind: KindTrust},
		{name: "trust policy over the default quota", doc: withSid(trust, 2048), use: ForTrustPolicy(0),
			code: "LimitExceeded", message: "Cannot exceed quota for ACLSizePerRole: 2048"},
		{name: "trust policy within a raised quota", doc: withSid(trust, 2048), use: ForTrustPolicy(4096), kind: KindTrust},
		{name: "trust policy granting s3", doc: strings.Replace(trust, "sts:AssumeRole", "s3:GetObject", 1), use: ForTrustPolicy(0),
			code: "MalformedPolicyDocument", message: "AssumeRole policy may only specify STS AssumeRole actions."},
		{name: "session policy", doc: allow, use: ForSessionPolicy(), kind: KindSession},
		{name: "session policy: white space counts", doc: strings.Replace(allow, "{", "{"+strings.Repeat(" ", 2048), 1), use: ForSessionPolicy(),
			code: "ValidationError", message: "Member must have length less than or equal to 2048"},
		{name: "simulation input with a bad date", doc: strings.Replace(allow, `"*"}`, `"*","Condition":{"DateLessThan":{"aws:CurrentTime":"2026-13-01"}}}`, 1), use: ForDocument(KindIdentity),
			code: "MalformedPolicyDocument", message: "The policy failed legacy parsing"},
		{name: "kms key policy", doc: `{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}`,
			use: ForDocument(KindKeyPolicy), kind: KindKeyPolicy},
		{name: "document that is not url-encoded json", doc: "%7B%ZZ", use: ForDocument(KindIdentity),
			code: "MalformedPolicyDocument", message: "Syntax errors in policy."},
		{name: "no kind", doc: allow, use: Use{}, code: "MalformedPolicyDocument", message: "Unknown policy kind."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := Validate(c.doc, c.use)
			if c.code == "" {
				if err != nil {
					t.Fatalf("want the document accepted, got %v", err)
				}
				if p.Kind != c.kind {
					t.Errorf("kind = %v, want %v", p.Kind, c.kind)
				}
				return
			}
			if err == nil {
				t.Fatalf("want %s %q, the document was accepted", c.code, c.message)
			}
			if p != nil {
				t.Error("a policy is returned with the error")
			}
			if err.Code() != c.code || !strings.Contains(err.Message(), c.message) {
				t.Errorf("got %s %q, want %s containing %q", err.Code(), err.Message(), c.code, c.message)
			}
		})
	}
}
