package policy

import (
	"testing"
	"time"
)

// The date grammar of dates.go: which values IAM accepts in a Date operator
// and which instant each one is.
func TestPolicyDateValues(t *testing.T) {
	utc := func(s string) instant {
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return instant{sec: tm.Unix(), nsec: int32(tm.Nanosecond())}
	}
	accepted := []struct {
		value string
		want  instant
	}{
		{"2026-06-01T12:30:15Z", utc("2026-06-01T12:30:15Z")},
		{"2026-06-01t12:30:15z", utc("2026-06-01T12:30:15Z")},
		{"2026-06-01T12:30:15.25+02:00", utc("2026-06-01T10:30:15.25Z")},
		{"2026-06-01T12:30:15-0130", utc("2026-06-01T14:00:15Z")},
		{"2016-12-13t2:00:00.593194+23", utc("2016-12-12T03:00:00.593194Z")},
		{"2026-06-01T12:30", utc("2026-06-01T12:30:00Z")},
		{"2026-06-01T12", utc("2026-06-01T12:00:00Z")},
		{"2026-06-01T12.5", utc("2026-06-01T12:30:00Z")},
		{"2026-06-01T12:30,5", utc("2026-06-01T12:30:30Z")},
		{"2026-06-01T", utc("2026-06-01T00:00:00Z")},
		{"2026-06-01", utc("2026-06-01T00:00:00Z")},
		{"2026-6-1", utc("2026-06-01T00:00:00Z")},
		{"2026-06", utc("2026-06-01T00:00:00Z")},
		{"2026", utc("2026-01-01T00:00:00Z")},
		{"2024-366", utc("2024-12-31T00:00:00Z")},
		{"2026-032", utc("2026-02-01T00:00:00Z")},
		{"2026-W01", utc("2025-12-29T00:00:00Z")},
		{"2026-w05-3", utc("2026-01-28T00:00:00Z")},
		{"2020-W53-7", utc("2021-01-03T00:00:00Z")},
		{"T10:00Z", utc("1970-01-01T10:00:00Z")},
		{"01T", utc("0001-01-01T00:00:00Z")},
		{"+2026-01-01", utc("2026-01-01T00:00:00Z")},
		{"1700000000", instant{sec: 1700000000}},
		{"+1700000000", instant{sec: 1700000000}},
		{"9223372036854775807", instant{sec: 9223372036854775807}},
		{"-292275054", instant{sec: daysFromCivil(-292275054, 1, 1) * 86400}},
		{"292278993-12-31T23:59:59Z", instant{sec: daysFromCivil(292278993, 12, 31)*86400 + 86399}},
	}
	for _, c := range accepted {
		if !validPolicyDate(c.value) {
			t.Errorf("%q: rejected, IAM accepts it", c.value)
			continue
		}
		got, ok := parseDate(c.value)
		if !ok || got != c.want {
			t.Errorf("parseDate(%q) = %v, %v; want %v", c.value, got, ok, c.want)
		}
	}
	rejected := []string{
		"", "sdfdsf", "2026-13-01T00:00:00Z", "2026-02-30", "2025-366", "2026-000", "2026-W54", "2026-W05-8",
		"234-13", "2030-*", "9223372036854775808", "1700000000.5", "-5e3x",
		"2016-12-13t2:00:00.593194+1", "2016-12-13t2:00:00.1999999999+10:59", "2026-06-01T24:00",
		"2026-06-01T12:60", "2026-06-01T12:30:60", "2026-06-01T12:30:15+24:00", "2026-06-01T12:30:15+05:",
		"2026-06-01 12:30", "2026-06-01T12:30:15Zjunk", "T", "TZ", "292278994-01-01", "-292275055-01-01",
		"2026--01", "2026-06-", "2026-06-01TT",
	}
	for _, v := range rejected {
		if validPolicyDate(v) {
			t.Errorf("%q: accepted, IAM rejects it", v)
		}
	}
}

func TestDaysFromCivil(t *testing.T) {
	for _, y := range []int{1, 1600, 1899, 1900, 1969, 1970, 2000, 2024, 2100, 9999} {
		for _, m := range []int{1, 2, 3, 12} {
			want := time.Date(y, time.Month(m), 1, 0, 0, 0, 0, time.UTC).Unix() / 86400
			if got := daysFromCivil(y, m, 1); got != want {
				t.Errorf("daysFromCivil(%d, %d, 1) = %d, want %d", y, m, got, want)
			}
		}
	}
}

// FuzzDate checks the date reader on arbitrary text: it never panics, what
// validation accepts the evaluation can read, and RFC 3339 values mean what
// the standard library says they mean.
func FuzzDate(f *testing.F) {
	for _, s := range []string{"2026-06-01T12:30:15Z", "2016-12-13t2:00:00.593194+23", "2026-W05-3", "2026-032", "1700000000", "01T", "T10:00:00,5-05:30"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseDate(s)
		if validPolicyDate(s) && !ok {
			t.Fatalf("%q is a valid policy date that parseDate cannot read", s)
		}
		if tm, err := time.Parse(time.RFC3339Nano, s); err == nil && tm.Year() >= 0 && tm.Year() <= 9999 {
			want := instant{sec: tm.Unix(), nsec: int32(tm.Nanosecond())}
			if !ok || got != want {
				t.Fatalf("parseDate(%q) = %v, %v; time.Parse reads %v", s, got, ok, want)
			}
		}
	})
}
