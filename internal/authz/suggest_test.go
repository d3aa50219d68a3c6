package authz

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/ibemu/ibemu/internal/iam/policy"
	adminv1 "github.com/ibemu/ibemu/proto/admin/v1"
)

const user = "arn:aws:iam::111122223333:user/suite"

func rec(outcome, action, resource string, ctx ...string) *adminv1.Decision {
	r := &adminv1.Decision{Principal: user, PrincipalType: "IAMUser", Outcome: outcome, Action: action, Resource: resource}
	for i := 0; i+1 < len(ctx); i += 2 {
		r.Context = append(r.Context, &adminv1.ContextEntry{Key: ctx[i], Values: []string{ctx[i+1]}})
	}
	return r
}

type stmtJSON struct {
	Sid       string
	Effect    string
	Action    any
	Resource  any
	Condition map[string]map[string]string
}

func decodeDoc(t *testing.T, doc string) []stmtJSON {
	t.Helper()
	var p struct{ Statement []stmtJSON }
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		t.Fatalf("%v\n%s", err, doc)
	}
	if _, err := policy.Validate(doc, policy.ForManagedPolicy()); err != nil {
		t.Fatalf("suggested policy does not validate: %v\n%s", err, doc)
	}
	return p.Statement
}

func list(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, e.(string))
		}
		return out
	}
	return nil
}

func TestSuggestGroupsNarrowsAndSkips(t *testing.T) {
	comp := "arn:aws:imagebuilder:us-east-1:111122223333:component/app/1.0.0/1"
	recs := []*adminv1.Decision{
		rec("allowed", "imagebuilder:GetComponent", comp),
		rec(SoftDeny, "imagebuilder:DeleteComponent", comp),
		rec("softDeny", "imagebuilder:ListComponents", "*"),
		rec("implicitDeny", "iam:CreateUser", "arn:aws:iam::111122223333:user/x"),
		{Principal: "arn:aws:iam::111122223333:root", PrincipalType: "Root", Outcome: "allowed", Action: "s3:ListBucket", Resource: "arn:aws:s3:::b"},
		rec(SoftDeny, "kms:GenerateDataKey", "arn:aws:kms:us-east-1:111122223333:key/k1", "kms:ViaService", "s3.us-east-1.amazonaws.com", "aws:SourceIp", "127.0.0.1"),
		rec(SoftDeny, "kms:GenerateDataKey", "arn:aws:kms:us-east-1:111122223333:key/k1", "kms:ViaService", "s3.us-east-1.amazonaws.com", "aws:SourceIp", "127.0.0.2"),
		rec(SoftDeny, "kms:Decrypt", "arn:aws:kms:us-east-1:111122223333:key/k1", "kms:ViaService", "s3.us-east-1.amazonaws.com"),
		rec(SoftDeny, "kms:Decrypt", "arn:aws:kms:us-east-1:111122223333:key/k1", "kms:ViaService", "imagebuilder.us-east-1.amazonaws.com"),
	}
	s, err := Suggest(recs, SuggestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Policies) != 1 || s.Decisions != 7 || s.Actions != 5 {
		t.Fatalf("suggestion: %d policies, %d decisions, %d actions\n%v", len(s.Policies), s.Decisions, s.Actions, s.Policies)
	}
	stmts := decodeDoc(t, s.Policies[0])
	got := map[string]stmtJSON{}
	for _, st := range stmts {
		got[strings.Join(list(st.Action), ",")] = st
	}
	want := map[string][]string{
		"imagebuilder:DeleteComponent,imagebuilder:GetComponent": {comp},
		"imagebuilder:ListComponents":                            {"*"},
		"kms:GenerateDataKey":                                    {"arn:aws:kms:us-east-1:111122223333:key/k1"},
		"kms:Decrypt":                                            {"arn:aws:kms:us-east-1:111122223333:key/k1"},
	}
	if len(got) != len(want) {
		t.Fatalf("statements:\n%s", s.Policies[0])
	}
	for acts, res := range want {
		st, ok := got[acts]
		if !ok || strings.Join(list(st.Resource), ",") != strings.Join(res, ",") || st.Effect != "Allow" {
			t.Errorf("statement for %s: %+v", acts, st)
		}
	}
	// A constant kms:ViaService is kept; a varying one is not; aws:SourceIp never.
	if c := got["kms:GenerateDataKey"].Condition; c["StringEquals"]["kms:ViaService"] != "s3.us-east-1.amazonaws.com" || len(c["StringEquals"]) != 1 {
		t.Errorf("GenerateDataKey condition %v", c)
	}
	if c := got["kms:Decrypt"].Condition; c != nil {
		t.Errorf("Decrypt condition %v (ViaService varied)", c)
	}
	if len(s.Notes) != 2 {
		t.Errorf("notes %q", s.Notes)
	}
}

func TestSuggestCollapsesPastTheThreshold(t *testing.T) {
	var recs []*adminv1.Decision
	for i := 0; i < 6; i++ {
		recs = append(recs, rec("allowed", "s3:GetObject", fmt.Sprintf("arn:aws:s3:::logs/run/%d.txt", i)))
	}
	for i := 0; i < 5; i++ {
		recs = append(recs, rec("allowed", "s3:PutObject", fmt.Sprintf("arn:aws:s3:::logs/run/%d.txt", i)))
	}
	s, err := Suggest(recs, SuggestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	stmts := decodeDoc(t, s.Policies[0])
	for _, st := range stmts {
		res := list(st.Resource)
		switch list(st.Action)[0] {
		case "s3:GetObject": // 6 > 5: collapsed
			if len(res) != 1 || res[0] != "arn:aws:s3:::logs/*" {
				t.Errorf("GetObject resources %v", res)
			}
		case "s3:PutObject": // 5: exact
			if len(res) != 5 {
				t.Errorf("PutObject resources %v", res)
			}
		}
	}
	if len(s.Notes) != 1 || !strings.Contains(s.Notes[0], "arn:aws:s3:::logs/*") {
		t.Errorf("notes %q", s.Notes)
	}
	// A negative threshold never collapses.
	s, _ = Suggest(recs, SuggestOptions{WildcardThreshold: -1})
	if strings.Contains(s.Policies[0], "logs/*") {
		t.Errorf("collapsed with threshold -1:\n%s", s.Policies[0])
	}
	if got := parentOf("arn:aws:imagebuilder:us-east-1:1:component/app/1.0.0/3"); got != "arn:aws:imagebuilder:us-east-1:1:component/app/*" {
		t.Errorf("parentOf build version = %q", got)
	}
	if got := parentOf("arn:aws:iam::1:user/x"); got != "" {
		t.Errorf("parentOf user = %q", got)
	}
}

func TestSuggestSplitsPastTheSizeLimit(t *testing.T) {
	var recs []*adminv1.Decision
	for i := 0; i < 400; i++ {
		recs = append(recs, rec("allowed", "s3:GetObject", fmt.Sprintf("arn:aws:s3:::bucket-%03d/object.txt", i)))
	}
	s, err := Suggest(recs, SuggestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Policies) < 2 {
		t.Fatalf("%d policies for %d resources", len(s.Policies), len(recs))
	}
	n := 0
	for _, doc := range s.Policies {
		if policy.PolicySize(doc) > policy.ManagedPolicyMaxSize {
			t.Errorf("policy of %d characters", policy.PolicySize(doc))
		}
		for _, st := range decodeDoc(t, doc) {
			n += len(list(st.Resource))
		}
	}
	if n != 400 {
		t.Errorf("%d resources across the policies, want 400", n)
	}
	if empty, err := Suggest(nil, SuggestOptions{}); err != nil || len(empty.Policies) != 0 {
		t.Errorf("no decisions: %v %v", empty, err)
	}
}
