package policy

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
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

// A derived context must answer exactly as one context holding the
// parent's keys and then the child's: the same AppendSorted and Keys
// output, the same lookups (shadowed keys included), the same variables.
func TestDerivedContextMatchesFlat(t *testing.T) {
	type op func(c *Context)
	p := &Principal{Kind: PrincipalUser, ARN: "arn:aws:iam::111122223333:user/u", Account: "111122223333", UserID: "AIDA", Username: "u",
		Tags: map[string]string{"Team": "a", "dépt": "c"}}
	ops := []op{
		func(c *Context) { c.AddPrincipalKeys(p) },
		func(c *Context) { _ = c.Set("aws:CurrentTime", TypeDate, "2026-11-29T10:00:00Z") },
		func(c *Context) { _ = c.Set("aws:EpochTime", TypeNumeric, "1796000000") },
		func(c *Context) { _ = c.Set("aws:SecureTransport", TypeBoolean, "true") },
		func(c *Context) { _ = c.Set("aws:SourceIp", TypeIP, "10.1.2.3") },
		func(c *Context) { c.SetString("aws:RequestedRegion", "us-east-1") },
		func(c *Context) { c.SetString("aws:ResourceAccount", "111122223333") },
		func(c *Context) { c.SetTag("aws:ResourceTag/", "team", "blue") },
		func(c *Context) { _ = c.SetList("aws:TagKeys", TypeString, "a", "b") },
		func(c *Context) { c.SetString("AWS:SOURCEIP", "shadowed as a string") },
		func(c *Context) { c.AddPrincipalKeys(&Principal{Kind: PrincipalRoot, Account: "999999999999"}) }, // all present: no change
		func(c *Context) { c.SetTag("aws:PrincipalTag/", "TEAM", "override") },
		func(c *Context) { _ = c.Set("aws:Empty", TypeString) },
		func(c *Context) { c.SetString("zz:last", "z") },
		func(c *Context) { c.SetString("a:first", "a") },
	}
	for split := 0; split <= len(ops); split++ {
		flat := NewContext()
		parent := NewContext()
		for i, o := range ops {
			o(flat)
			if i < split {
				o(parent)
			}
		}
		parent.Freeze()
		child := parent.Derive()
		for _, o := range ops[split:] {
			o(child)
		}
		for name, got := range map[string]*Context{"derived": child, "clone of derived": child.Clone()} {
			want := flat.AppendSorted(nil)
			if kv := got.AppendSorted(nil); !reflect.DeepEqual(kv, want) {
				t.Fatalf("split %d, %s: AppendSorted\n got %+v\nwant %+v", split, name, kv, want)
			}
			// The decision log stores AppendUnsorted and sorts on read.
			if kv := slices.SortedFunc(slices.Values(got.AppendUnsorted(nil)), compareKeyValues); !reflect.DeepEqual(kv, want) {
				t.Fatalf("split %d, %s: sorted AppendUnsorted\n got %+v\nwant %+v", split, name, kv, want)
			}
			if k, w := got.Keys(), flat.Keys(); !reflect.DeepEqual(k, w) {
				t.Fatalf("split %d, %s: Keys %v, want %v", split, name, k, w)
			}
			for _, kv := range want {
				for _, k := range []string{kv.Name, strings.ToUpper(kv.Name), strings.ToLower(kv.Name)} {
					gv, gok := got.Lookup(k)
					wv, wok := flat.Lookup(k)
					if gok != wok || !reflect.DeepEqual(gv, wv) {
						t.Errorf("split %d, %s: Lookup(%q) = %+v %v, want %+v %v", split, name, k, gv, gok, wv, wok)
					}
					gs, gok := got.variable(strings.ToLower(k))
					ws, wok := flat.variable(strings.ToLower(k))
					if gs != ws || gok != wok {
						t.Errorf("split %d, %s: variable(%q) = %q %v, want %q %v", split, name, k, gs, gok, ws, wok)
					}
				}
			}
		}
		// A frozen derived context lists the same keys again.
		child.Freeze()
		if kv, want := child.AppendSorted([]KeyValues{{Name: "kept"}}), flat.AppendSorted([]KeyValues{{Name: "kept"}}); !reflect.DeepEqual(kv, want) {
			t.Fatalf("split %d, frozen derived: AppendSorted %+v, want %+v", split, kv, want)
		}
		grand := child.Derive()
		grand.SetString("aws:sourceip", "again")
		flat.SetString("aws:sourceip", "again")
		if kv, want := grand.AppendSorted(nil), flat.AppendSorted(nil); !reflect.DeepEqual(kv, want) {
			t.Fatalf("split %d, two levels: AppendSorted %+v, want %+v", split, kv, want)
		}
	}
}

func TestFrozenContextRefusesChanges(t *testing.T) {
	c := NewContext()
	c.SetString("aws:a", "1")
	c.Freeze()
	for name, f := range map[string]func(){
		"SetString":        func() { c.SetString("aws:b", "2") },
		"replace":          func() { c.SetString("aws:A", "2") },
		"AddPrincipalKeys": func() { c.AddPrincipalKeys(&Principal{Kind: PrincipalRoot, Account: "1"}) },
		"unfrozen Derive":  func() { NewContext().Derive() },
		"DeriveIn a used space": func() {
			var sp DerivedSpace
			c.DeriveIn(&sp)
			c.DeriveIn(&sp)
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic", name)
				}
			}()
			f()
		}()
	}
	if v, _ := c.Lookup("aws:a"); len(v) != 1 || v[0].Raw != "1" {
		t.Errorf("frozen context changed: %+v", v)
	}
}

// TestDeriveInMatchesDerive: a context derived in a caller's space answers
// as one Derive allocates.
func TestDeriveInMatchesDerive(t *testing.T) {
	parent := NewContext()
	parent.SetString("aws:RequestedRegion", "us-east-1")
	parent.SetTag("aws:PrincipalTag/", "team", "red")
	parent.Freeze()
	var sp DerivedSpace
	a, b := parent.Derive(), parent.DeriveIn(&sp)
	for _, c := range []*Context{a, b} {
		c.SetString("aws:ResourceAccount", "111122223333")
		c.SetTag("aws:PrincipalTag/", "Team", "blue")
		for i := range 6 { // past the space's first slab
			c.SetTag("aws:ResourceTag/", fmt.Sprint("k", i), "v")
		}
	}
	if ka, kb := fmt.Sprint(a.AppendSorted(nil)), fmt.Sprint(b.AppendSorted(nil)); ka != kb {
		t.Errorf("DeriveIn: %s, Derive: %s", kb, ka)
	}
	if v, _ := b.Lookup("aws:principaltag/team"); len(v) != 1 || v[0].Raw != "blue" {
		t.Errorf("shadowed key = %+v", v)
	}
}

func BenchmarkContextDerived(b *testing.B) {
	p := &Principal{Kind: PrincipalUser, ARN: "arn:aws:iam::111122223333:user/u", Account: "111122223333", UserID: "AIDA", Username: "u",
		Tags: map[string]string{"team": "a", "CostCenter": "b"}}
	base := NewContext()
	base.AddPrincipalKeys(p)
	base.Freeze()
	var kv []KeyValues
	b.ReportAllocs()
	for b.Loop() {
		ctx := base.Derive()
		ctx.AddPrincipalKeys(p)
		ctx.SetTag("aws:ResourceTag/", "Owner", "o")
		kv = ctx.AppendSorted(kv[:0])
	}
}

// Kept tag keys are what tagKey builds, also when many tags share slots.
func TestCachedTagKey(t *testing.T) {
	prefixes := []string{"aws:ResourceTag/", "iam:ResourceTag/", "aws:PrincipalTag/", "aws:ResourceTag", ""}
	for round := range 2 {
		for i := range 2000 {
			tag := strings.Repeat("Tag", i%3) + string(rune('a'+i%26)) + strings.Repeat("Ü", i%2) + string(rune('0'+i%10)) + strings.Repeat("x", i/260)
			for _, p := range prefixes {
				n, l := cachedTagKey(p, tag)
				wn, wl := tagKey(p, tag)
				if n != wn || l != wl {
					t.Fatalf("round %d: cachedTagKey(%q, %q) = %q, %q; want %q, %q", round, p, tag, n, l, wn, wl)
				}
			}
		}
	}
	// Prefix and tag split differently: the same name, another key.
	a, _ := cachedTagKey("aws:ResourceTag/", "ab")
	b, _ := cachedTagKey("aws:ResourceTag/a", "b")
	if a != b || a != "aws:ResourceTag/ab" {
		t.Errorf("%q, %q", a, b)
	}
	if n := testing.AllocsPerRun(100, func() { cachedTagKey("aws:ResourceTag/", "team") }); n != 0 {
		t.Errorf("a kept tag key allocates %v times", n)
	}
}

func TestSetStringName(t *testing.T) {
	a, b := NewContext(), NewContext()
	a.SetString("aws:ResourceAccount", "1")
	b.SetStringName(NewKeyName("aws:ResourceAccount"), "1")
	b.SetStringName(KeyName{}, "ignored")
	if !reflect.DeepEqual(a.entries, b.entries) {
		t.Errorf("SetStringName: %+v, SetString: %+v", b.entries, a.entries)
	}
}

// Past indexAbove keys lookups use a map, in the parent and in the child.
func TestDerivedContextManyKeys(t *testing.T) {
	tags := map[string]string{}
	for i := range 45 {
		tags[fmt.Sprintf("Tag%02d", i)] = fmt.Sprint(i)
	}
	p := &Principal{Kind: PrincipalUser, ARN: "arn:aws:iam::111122223333:user/u", Account: "111122223333", Username: "u", Tags: tags}
	flat, parent := NewContext(), NewContext()
	flat.AddPrincipalKeys(p)
	parent.AddPrincipalKeys(p)
	parent.Freeze()
	child := parent.Derive()
	for i := range 40 {
		k := fmt.Sprintf("aws:PrincipalTag/tag%02d", i*2) // shadows every other parent key
		flat.SetString(k, "child")
		child.SetString(k, "child")
		flat.SetString(fmt.Sprintf("x:k%02d", i), "n")
		child.SetString(fmt.Sprintf("x:k%02d", i), "n")
	}
	if g, w := child.AppendSorted(nil), flat.AppendSorted(nil); !reflect.DeepEqual(g, w) {
		t.Fatalf("AppendSorted\n got %+v\nwant %+v", g, w)
	}
	for _, kv := range flat.AppendSorted(nil) {
		gv, _ := child.Lookup(strings.ToUpper(kv.Name))
		if !reflect.DeepEqual(gv, kv.Values) {
			t.Errorf("Lookup(%q) = %+v, want %+v", kv.Name, gv, kv.Values)
		}
	}
}
