package policy

import (
	"reflect"
	"slices"
	"testing"
)

// SetTag, SetValue and AppendSorted must leave and list exactly what
// SetString, Set and Keys/Lookup do.
func TestContextFastPathsMatch(t *testing.T) {
	tags := []string{"owner", "Owner", "COST-center", "ünïcode", "Grüße", "", "a/B:c"}
	for _, prefix := range []string{"aws:ResourceTag/", "iam:ResourceTag/", "aws:PrincipalTag/", "ec2:ResourceTag/"} {
		for _, tag := range tags {
			name, lower := tagKey(prefix, tag)
			if name != prefix+tag || lower != lowerKey(prefix+tag) {
				t.Errorf("tagKey(%q, %q) = %q, %q", prefix, tag, name, lower)
			}
			a, b := NewContext(), NewContext()
			a.SetString("aws:PrincipalTag/x", "first")
			b.SetString("aws:PrincipalTag/x", "first")
			a.SetString(prefix+tag, "v")
			b.SetTag(prefix, tag, "v")
			if !reflect.DeepEqual(a.entries, b.entries) {
				t.Errorf("SetTag(%q, %q): %+v, SetString: %+v", prefix, tag, b.entries, a.entries)
			}
		}
	}

	for _, c := range []struct {
		raw string
		typ ValueType
	}{{"2026-11-29T10:00:00Z", TypeDate}, {"1796000000", TypeNumeric}, {"true", TypeBoolean}, {"10.0.0.1", TypeIP}, {"s", TypeString}} {
		a, b := NewContext(), NewContext()
		if err := a.Set("aws:K", c.typ, c.raw); err != nil {
			t.Fatal(err)
		}
		v, err := ParseValue(c.raw, c.typ)
		if err != nil {
			t.Fatal(err)
		}
		b.SetValue("aws:K", v)
		if !reflect.DeepEqual(a.entries, b.entries) {
			t.Errorf("SetValue(%q): %+v, Set: %+v", c.raw, b.entries, a.entries)
		}
	}

	ctx := NewContext()
	ctx.AddPrincipalKeys(&Principal{Kind: PrincipalUser, ARN: "arn:aws:iam::111122223333:user/u", Account: "111122223333", UserID: "AIDA", Username: "u",
		Tags: map[string]string{"Team": "a", "team": "b", "dépt": "c"}})
	ctx.SetTag("aws:ResourceTag/", "Owner", "o")
	_ = ctx.SetList("aws:TagKeys", TypeString, "a", "b")
	_ = ctx.Set("aws:Empty", TypeString)
	ctx.SetString("aws:ZZ", "z")
	ctx.SetString("aws:zz", "z2") // replaces aws:ZZ
	kv := ctx.AppendSorted([]KeyValues{{Name: "kept"}})
	if kv[0].Name != "kept" {
		t.Fatalf("AppendSorted overwrote dst: %+v", kv[0])
	}
	kv = kv[1:]
	keys := ctx.Keys()
	if len(kv) != len(keys) || !slices.IsSorted(keys) {
		t.Fatalf("AppendSorted %d keys, Keys %v", len(kv), keys)
	}
	for i, k := range keys {
		vals, _ := ctx.Lookup(k)
		if kv[i].Name != k || !reflect.DeepEqual(kv[i].Values, vals) && len(vals)+len(kv[i].Values) != 0 {
			t.Errorf("key %d: AppendSorted %q %+v, Keys/Lookup %q %+v", i, kv[i].Name, kv[i].Values, k, vals)
		}
	}
}

func BenchmarkContextGlobalKeys(b *testing.B) {
	p := &Principal{Kind: PrincipalUser, ARN: "arn:aws:iam::111122223333:user/u", Account: "111122223333", UserID: "AIDA", Username: "u",
		Tags: map[string]string{"team": "a", "CostCenter": "b"}}
	var kv []KeyValues
	b.ReportAllocs()
	for b.Loop() {
		ctx := NewContext()
		ctx.AddPrincipalKeys(p)
		ctx.SetTag("aws:ResourceTag/", "Owner", "o")
		kv = ctx.AppendSorted(kv[:0])
	}
}

// Label made at parse time must stay what makeLabel says, also when a
// caller changes Sid or Index afterwards, and cost no allocation.
func TestStatementLabelCached(t *testing.T) {
	p, err := Parse(`{"Version":"2012-10-17","Statement":[{"Sid":"S1","Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Allow","Action":"*","Resource":"*"}]}`, KindIdentity)
	if err != nil {
		t.Fatal(err)
	}
	a, b := p.Statements[0], p.Statements[1]
	if a.Label() != "statement S1" || b.Label() != "statement #2" {
		t.Fatalf("labels %q, %q", a.Label(), b.Label())
	}
	if n := testing.AllocsPerRun(100, func() { _ = a.Label() }); n != 0 {
		t.Errorf("Label allocates %v times", n)
	}
	a.Sid, b.Index = "Other", 6
	if a.Label() != "statement Other" || b.Label() != "statement #7" {
		t.Fatalf("after a change: %q, %q", a.Label(), b.Label())
	}
	if (&Statement{Index: 2}).Label() != "statement #3" {
		t.Error("unparsed statement")
	}
}
