package s3

import (
	"testing"
)

// TestPublicPolicy: S3's meaning of public — a grant to everyone not pinned
// to fixed values of a key naming the caller or its source.
func TestPublicPolicy(t *testing.T) {
	stmt := func(principal, cond string) string {
		s := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":` + principal + `,"Action":"s3:GetObject","Resource":"arn:aws:s3:::b-1/*"`
		if cond != "" {
			s += `,"Condition":` + cond
		}
		return s + `}]}`
	}
	for _, tc := range []struct {
		name, doc string
		public    bool
	}{
		{"star", stmt(`"*"`, ""), true},
		{"AWS star", stmt(`{"AWS":"*"}`, ""), true},
		{"AWS star in a list", stmt(`{"AWS":["111122223333","*"]}`, ""), true},
		{"account", stmt(`{"AWS":"111122223333"}`, ""), false},
		{"service", stmt(`{"Service":"imagebuilder.amazonaws.com"}`, ""), false},
		{"source account", stmt(`"*"`, `{"StringEquals":{"aws:SourceAccount":"111122223333"}}`), false},
		{"org id", stmt(`"*"`, `{"StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}`), false},
		{"wildcard source arn", stmt(`"*"`, `{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*"}}`), true},
		{"if exists", stmt(`"*"`, `{"StringEqualsIfExists":{"aws:SourceAccount":"111122223333"}}`), true},
		{"unrelated key", stmt(`"*"`, `{"Bool":{"aws:SecureTransport":"true"}}`), true},
		{"ip range", stmt(`"*"`, `{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`), false},
		{"all addresses", stmt(`"*"`, `{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`), true},
		{"deny", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b-1/*"}]}`, false},
	} {
		p, err := ValidateBucketPolicy("b-1", tc.doc)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := PublicPolicy(p); got != tc.public {
			t.Errorf("%s: PublicPolicy = %v, want %v", tc.name, got, tc.public)
		}
	}
}
