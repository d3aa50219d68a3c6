package policy

import "testing"

// countingOrg is an OrganizationsPolicies that records which accounts it was
// asked about, to show the hook is consulted for the right accounts.
type countingOrg struct {
	scp, rcp       []OrgLevel
	scpFor, rcpFor []string
}

func (o *countingOrg) ServiceControlPolicies(account string) []OrgLevel {
	o.scpFor = append(o.scpFor, account)
	return o.scp
}

func (o *countingOrg) ResourceControlPolicies(account string) []OrgLevel {
	o.rcpFor = append(o.rcpFor, account)
	return o.rcp
}

func TestOrganizationsHook(t *testing.T) {
	allowAll := MustParse(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, KindIdentity)
	denyS3 := MustParse(`{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:*","Resource":"*"}}`, KindServiceControl)
	fullSCP := MustParse(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, KindServiceControl)
	p := &Principal{Kind: PrincipalUser, ARN: "arn:aws:iam::111122223333:user/alice", Account: "111122223333"}
	req := &Request{Principal: p, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", ResourceAccount: "444455556666", Context: NewContext()}
	rp := MustParse(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"*"}}`, KindResource)
	base := Policies{Identity: []Attached{{Policy: allowAll}}, Resource: &Attached{Policy: rp}}

	if d := Evaluate(req, &base); d.Outcome != Allowed {
		t.Fatalf("without organizations: %s, want allowed (absence means no restriction)", d.Outcome)
	}
	org := &countingOrg{scp: []OrgLevel{{Target: "r-root", Policies: []Attached{{Policy: fullSCP}, {Policy: denyS3, Name: "DenyS3"}}}}}
	with := base
	with.Organizations = org
	d := Evaluate(req, &with)
	if d.Outcome != ExplicitDeny || d.Source != KindServiceControl || d.Policy.Name != "DenyS3" {
		t.Fatalf("with a denying SCP: %+v, want an explicit deny from the SCP", d)
	}
	if len(org.scpFor) != 1 || org.scpFor[0] != "111122223333" {
		t.Errorf("SCPs were looked up for %v, want the principal's account", org.scpFor)
	}
	if len(org.rcpFor) != 1 || org.rcpFor[0] != "444455556666" {
		t.Errorf("RCPs were looked up for %v, want the resource's account", org.rcpFor)
	}
	if msg := AccessDeniedMessage(req, d); msg != "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k with an explicit deny in a service control policy" {
		t.Errorf("message = %s", msg)
	}
	// An organization that governs nothing for these accounts restricts nothing.
	if d := Evaluate(req, &Policies{Identity: base.Identity, Resource: base.Resource, Organizations: &countingOrg{}}); d.Outcome != Allowed {
		t.Errorf("empty organization: %s, want allowed", d.Outcome)
	}
}
