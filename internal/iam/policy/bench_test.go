package policy

import (
	"fmt"
	"strings"
	"testing"
)

// realisticPolicies builds the benchmark scenario of the issue: five identity
// policies with 40 statements in all, conditions on tags, IP ranges and
// dates, a resource-based policy and a permissions boundary.
func realisticPolicies(tb testing.TB) (*Request, *Policies) {
	tb.Helper()
	const acct = "111122223333"
	services := []string{"ec2", "s3", "iam", "kms", "imagebuilder"}
	var identity []Attached
	for pi, svc := range services {
		region := "us-east-1"
		if svc == "iam" || svc == "s3" {
			region = ""
		}
		var stmts []string
		for si := 0; si < 8; si++ {
			effect := "Allow"
			if si%4 == 3 {
				effect = "Deny"
			}
			var action, resource, cond string
			switch si {
			case 0:
				action = fmt.Sprintf(`"%s:Describe*","%s:List*"`, svc, svc)
				resource = `"*"`
			case 1:
				action = fmt.Sprintf(`"%s:Get*"`, svc)
				resource = fmt.Sprintf(`"arn:aws:%s:*:%s:*"`, svc, acct)
				cond = `"StringEquals":{"aws:ResourceTag/team":"${aws:PrincipalTag/team}"}`
			case 2:
				action = fmt.Sprintf(`"%s:Create*","%s:Update*"`, svc, svc)
				resource = fmt.Sprintf(`"arn:aws:%s:%s:%s:*"`, svc, region, acct)
				cond = `"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:db8::/32"]},"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}`
			case 3:
				action = fmt.Sprintf(`"%s:Delete*"`, svc)
				resource = `"*"`
				cond = `"StringNotEquals":{"aws:PrincipalTag/role":"admin"}`
			case 4:
				action = fmt.Sprintf(`"%s:Tag*"`, svc)
				resource = `"*"`
				cond = `"ForAllValues:StringLike":{"aws:TagKeys":["team","cost-*"]}`
			case 5:
				action = fmt.Sprintf(`"%s:Put*"`, svc)
				resource = fmt.Sprintf(`"arn:aws:%s:*:%s:*/prod-*"`, svc, acct)
				if svc == "iam" {
					// IAM requires the resource part of an IAM ARN to start
					// with a resource type.
					resource = fmt.Sprintf(`"arn:aws:iam:*:%s:role/prod-*"`, acct)
				}
				cond = `"Bool":{"aws:SecureTransport":"true"}`
			case 6:
				action = fmt.Sprintf(`"%s:Start*"`, svc)
				resource = `"*"`
				cond = `"StringEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]}`
			case 7:
				action = fmt.Sprintf(`"%s:*"`, svc)
				resource = `"*"`
				cond = `"NotIpAddress":{"aws:SourceIp":["203.0.113.0/24","198.51.100.0/24"]}`
			}
			s := fmt.Sprintf(`{"Sid":"S%d%d","Effect":"%s","Action":[%s],"Resource":%s`, pi, si, effect, action, resource)
			if cond != "" {
				s += `,"Condition":{` + cond + `}`
			}
			stmts = append(stmts, s+"}")
		}
		doc := `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
		identity = append(identity, Attached{Policy: MustParse(doc, KindIdentity), Origin: OriginCustomerManaged, Name: "arn:aws:iam::" + acct + ":policy/" + svc})
	}
	resource := MustParse(`{"Version":"2012-10-17","Statement":[
		{"Sid":"DenyOtherOrgs","Effect":"Deny","Principal":"*","Action":"imagebuilder:*","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalAccount":"`+acct+`"}}},
		{"Sid":"Share","Effect":"Allow","Principal":{"AWS":"`+acct+`"},"Action":["imagebuilder:GetComponent","imagebuilder:ListComponents"],"Resource":"*"}]}`, KindResource)
	boundary := MustParse(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["imagebuilder:*","ec2:*","s3:*","kms:Decrypt"],"Resource":"*"},
		{"Effect":"Deny","Action":"iam:*","Resource":"*"}]}`, KindPermissionsBoundary)
	p := &Principal{Kind: PrincipalUser, ARN: "arn:aws:iam::" + acct + ":user/alice", Account: acct, UserID: "AIDAEXAMPLEALICE", Username: "alice",
		Tags: map[string]string{"team": "blue", "role": "builder"}}
	ctx := NewContext()
	ctx.AddPrincipalKeys(p)
	mustSet(tb, ctx.Set("aws:SourceIp", TypeIP, "203.0.113.7"))
	mustSet(tb, ctx.Set("aws:CurrentTime", TypeDate, "2026-06-01T12:00:00Z"))
	mustSet(tb, ctx.Set("aws:SecureTransport", TypeBoolean, "true"))
	ctx.SetString("aws:RequestedRegion", "us-east-1")
	ctx.SetString("aws:ResourceTag/team", "blue")
	req := &Request{Principal: p, Action: "imagebuilder:GetComponent",
		Resource: "arn:aws:imagebuilder:us-east-1:" + acct + ":component/x/1.0.0/1", ResourceAccount: acct, Context: ctx}
	return req, &Policies{Identity: identity, Resource: &Attached{Policy: resource, Name: "component policy"},
		Boundary: &Attached{Policy: boundary, Origin: OriginCustomerManaged, Name: "arn:aws:iam::" + acct + ":policy/Boundary"}}
}

func mustSet(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

func BenchmarkEvaluateRealistic(b *testing.B) {
	req, pols := realisticPolicies(b)
	if d := Evaluate(req, pols); !d.Allowed() {
		b.Fatalf("scenario should be allowed, got %+v", d)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Evaluate(req, pols)
	}
}

func BenchmarkEvaluateRealisticDenied(b *testing.B) {
	req, pols := realisticPolicies(b)
	r := *req
	r.Action = "imagebuilder:DeleteComponent"
	if d := Evaluate(&r, pols); d.Allowed() {
		b.Fatalf("scenario should be denied")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Evaluate(&r, pols)
	}
}

// sixKBPolicy is a managed policy of about 6 KB (the managed policy quota).
func sixKBPolicy() string {
	var stmts []string
	for i := 0; len(strings.Join(stmts, ",")) < 5900; i++ {
		stmts = append(stmts, fmt.Sprintf(`{"Sid":"Stmt%d","Effect":"Allow","Action":["imagebuilder:Get*","ec2:Describe%d*"],"Resource":"arn:aws:imagebuilder:us-east-1:111122223333:component/c%d/*","Condition":{"StringEquals":{"aws:ResourceTag/team":"${aws:PrincipalTag/team}"},"IpAddress":{"aws:SourceIp":"10.%d.0.0/16"}}}`, i, i, i, i%256))
	}
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
}

func BenchmarkParse6KB(b *testing.B) {
	doc := sixKBPolicy()
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Parse(doc, KindIdentity); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAccessDeniedMessage(b *testing.B) {
	req, pols := realisticPolicies(b)
	r := *req
	r.Action = "imagebuilder:DeleteComponent"
	d := Evaluate(&r, pols)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = AccessDeniedMessage(&r, d)
	}
}

func BenchmarkExplain(b *testing.B) {
	req, pols := realisticPolicies(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = Explain(req, pols)
	}
}
