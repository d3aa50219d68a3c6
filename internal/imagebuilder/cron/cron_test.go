package cron

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseValid(t *testing.T) {
	for _, s := range []string{
		"cron(0 0 * * ? *)",
		"cron(0 9 ? * MON-FRI *)",
		"cron(15,45 */2 1-15 JAN,mar,Dec ? 2025-2030)",
		"cron(0 0 L * ? *)",
		"cron(0 0 LW * ? *)",
		"cron(0 0 15W * ? *)",
		"cron(0 0 ? * 6L *)",
		"cron(0 0 ? * FRI#2 *)",
		"cron(0/5 0-23/6 ? * 1,7 1970/10)",
		"cron(59 23 31 12 ? 2199)",
		"cron(0 0 ? * L *)",
	} {
		if _, err := Parse(s); err != nil {
			t.Errorf("Parse(%q): %v", s, err)
		}
	}
}

func TestParseInvalid(t *testing.T) {
	for _, c := range []struct{ expr, want string }{
		{"", "is not of the form"},
		{"0 0 * * ? *", "is not of the form"},
		{"cron(0 0 * * ? *", "is not of the form"},
		{"rate(1 day)", "Rate expressions are not supported"},
		{"cron(0 0 * * ?)", "six fields"},
		{"cron(0 0 * * ? * *)", "six fields"},
		{"cron(0  0 * * ? *)", "six fields"},
		{"cron( 0 0 * * ? *)", "six fields"},
		{"cron(60 0 * * ? *)", `"60" of the minutes field`},
		{"cron(0 24 * * ? *)", `"24" of the hours field`},
		{"cron(0 0 0 * ? *)", `"0" of the day-of-month field`},
		{"cron(0 0 32 * ? *)", `"32" of the day-of-month field`},
		{"cron(0 0 * 13 ? *)", `"13" of the month field`},
		{"cron(0 0 * FOO ? *)", "JAN to DEC"},
		{"cron(0 0 ? * 8 *)", `"8" of the day-of-week field`},
		{"cron(0 0 ? * FUN *)", "SUN to SAT"},
		{"cron(0 0 * * ? 1969)", `"1969" of the year field`},
		{"cron(0 0 * * ? 2200)", `"2200" of the year field`},
		{"cron(0 0 * * * *)", "cannot both be specified"},
		{"cron(0 0 1 * MON *)", "cannot both be specified"},
		{"cron(0 0 ? * ? *)", "Only one of"},
		{"cron(0 0 10-5 * ? *)", "ends before it starts"},
		{"cron(0/0 0 * * ? *)", "increment"},
		{"cron(0/61 0 * * ? *)", "increment"},
		{"cron(0,,5 0 * * ? *)", "empty list element"},
		{"cron(0 0 ? * FRI#6 *)", "# is followed by a number from 1 to 5"},
		{"cron(0 0 ? * FRI#0 *)", "# is followed"},
		{"cron(0 0 32W * ? *)", "W follows a day"},
		{"cron(0 0 1,L * ? *)", "stand alone"},
		{"cron(0 0 ? * 1,2#1 *)", "is not a number"},
		{"cron(0 0 L * ? L)", `"L" of the year field`},
		{"cron(-1 0 * * ? *)", "minutes field"},
		{"cron(99999 0 * * ? *)", "minutes field"},
	} {
		_, err := Parse(c.expr)
		var perr *Error
		if !errors.As(err, &perr) {
			t.Errorf("Parse(%q) = %v, want a parse error", c.expr, err)
			continue
		}
		if !strings.Contains(perr.Reason, c.want) {
			t.Errorf("Parse(%q) = %q, want it to mention %q", c.expr, perr.Reason, c.want)
		}
	}
}

func TestNext(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err) // the package embeds the zone database
	}
	utc := func(s string) time.Time {
		v, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct {
		expr string
		loc  *time.Location
		from string
		want string // "" for never
	}{
		{"cron(0 0 * * ? *)", nil, "2024-03-10 12:00", "2024-03-11 00:00"},
		{"cron(0 0 * * ? *)", nil, "2024-03-11 00:00", "2024-03-12 00:00"}, // strictly after
		{"cron(*/15 * * * ? *)", nil, "2024-03-10 12:07", "2024-03-10 12:15"},
		{"cron(0 9 ? * MON-FRI *)", nil, "2024-03-08 10:00", "2024-03-11 09:00"}, // Friday → Monday
		{"cron(0 0 L * ? *)", nil, "2024-02-01 00:00", "2024-02-29 00:00"},
		{"cron(0 0 L * ? *)", nil, "2023-02-01 00:00", "2023-02-28 00:00"},
		{"cron(0 0 LW * ? *)", nil, "2024-03-01 00:00", "2024-03-29 00:00"},    // March 31 2024 is a Sunday
		{"cron(0 0 15W * ? *)", nil, "2024-06-01 00:00", "2024-06-14 00:00"},   // June 15 2024 is a Saturday
		{"cron(0 0 1W * ? *)", nil, "2024-06-01 00:00", "2024-06-03 00:00"},    // June 1 2024 is a Saturday: Monday the 3rd
		{"cron(0 0 30W * ? *)", nil, "2024-06-01 00:00", "2024-06-28 00:00"},   // June 30 2024 is a Sunday, the last day: Friday
		{"cron(0 0 ? * 6L *)", nil, "2024-03-01 00:00", "2024-03-29 00:00"},    // last Friday
		{"cron(0 0 ? * FRI#2 *)", nil, "2024-03-01 00:00", "2024-03-08 00:00"}, // second Friday
		{"cron(0 0 ? * FRI#5 *)", nil, "2024-04-01 00:00", "2024-05-31 00:00"}, // April 2024 has four Fridays
		{"cron(0 0 29 2 ? *)", nil, "2024-03-01 00:00", "2028-02-29 00:00"},
		{"cron(0 0 30 2 ? *)", nil, "2024-01-01 00:00", ""},
		{"cron(0 0 * * ? 2020)", nil, "2024-01-01 00:00", ""},
		{"cron(0 12 * * ? *)", ny, "2024-07-01 00:00", "2024-07-01 16:00"}, // EDT
		{"cron(0 12 * * ? *)", ny, "2024-12-01 00:00", "2024-12-01 17:00"}, // EST
		{"cron(30 2 * * ? *)", ny, "2024-03-10 05:00", "2024-03-10 07:30"}, // 02:30 is skipped: 03:30 EDT
	} {
		e, err := Parse(c.expr)
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.expr, err)
		}
		got, ok := e.Next(utc(c.from), c.loc)
		if c.want == "" {
			if ok {
				t.Errorf("%s from %s = %s, want never", c.expr, c.from, got)
			}
			continue
		}
		if !ok || !got.Equal(utc(c.want)) {
			t.Errorf("%s from %s = %s (%v), want %s UTC", c.expr, c.from, got.UTC(), ok, c.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"cron(0 0 * * ? *)", "cron(0 0 ? * FRI#2 *)", "cron(0/5 1-3 15W JAN-MAR ? 2025/2)", "cron(0 0 L * ? *)", "rate(1 day)"} {
		f.Add(s)
	}
	from := time.Date(2024, 5, 17, 13, 45, 30, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			return
		}
		next, ok := e.Next(from, nil)
		if !ok {
			return
		}
		if !next.After(from) || next.Second() != 0 {
			t.Fatalf("%q: next %s is not a whole minute after %s", s, next, from)
		}
		if again, ok := e.Next(next.Add(-time.Second), nil); !ok || !again.Equal(next) {
			t.Fatalf("%q: Next is not stable: %s then %s", s, next, again)
		}
	})
}
