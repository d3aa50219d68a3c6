// Package cron parses EC2 Image Builder schedule expressions and computes
// when they next match.
//
// Image Builder's format (user guide, "Use cron expressions in Image
// Builder") is cron(FIELDS) with six fields separated by single spaces:
//
//	minute hour day-of-month month day-of-week year
//
// minute 0-59, hour 0-23, day-of-month 1-31, month 1-12 or JAN-DEC,
// day-of-week 1-7 or SUN-SAT (1 is Sunday), year 1970-2199. Every field
// takes lists (a,b), ranges (a-b), * and increments (a/n, a-b/n, */n).
// Day-of-month also takes ? (no specific value), L (the last day of the
// month) and nW (the weekday nearest day n, within the month) and LW (the
// last weekday); day-of-week also takes ?, nL (the last day n of the month)
// and n#k (the k-th day n of the month, k 1-5). Exactly one of day-of-month
// and day-of-week is ?: the guide says the two cannot both be specified, and
// one must be ? when the other has a value or *.
//
// Rate expressions (rate(…)) are EventBridge's, not Image Builder's: the
// guide documents cron expressions only, and Parse refuses them.
package cron

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	// Schedules name IANA time zones; the zone database is embedded so
	// they resolve where the system has none (the distroless image).
	_ "time/tzdata"
)

// MinYear and MaxYear bound the year field.
const (
	MinYear = 1970
	MaxYear = 2199
)

// Expression is a parsed schedule expression.
type Expression struct {
	text    string
	minutes uint64 // bit m
	hours   uint32 // bit h
	months  uint16 // bit m, 1-12
	years   [(MaxYear - MinYear + 64) / 64]uint64

	// Day of month: anyDay or days/last/weekday rules; noDoM when "?".
	noDoM       bool
	days        uint32 // bit d, 1-31
	lastDay     bool   // L
	lastWeekday bool   // LW
	nearest     int    // nW: 1-31, 0 for none

	// Day of week: noDoW when "?".
	noDoW    bool
	weekdays uint8 // bit w, 0 (Sunday) - 6
	lastOf   int   // nL: weekday 0-6 + 1, 0 for none
	nthOf    int   // n#k: weekday 0-6 + 1, 0 for none
	nth      int   // k of n#k
}

// String is the expression as given.
func (e *Expression) String() string { return e.text }

// Error is a parse error: what is wrong, in a sentence.
type Error struct{ Reason string }

func (e *Error) Error() string { return e.Reason }

func fail(format string, args ...any) *Error { return &Error{Reason: fmt.Sprintf(format, args...)} }

var monthNames = []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}
var dayNames = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}

type field struct {
	name     string
	min, max int
	names    []string // names[i] is min+i
}

var (
	fMinute = field{name: "minutes", min: 0, max: 59}
	fHour   = field{name: "hours", min: 0, max: 23}
	fDoM    = field{name: "day-of-month", min: 1, max: 31}
	fMonth  = field{name: "month", min: 1, max: 12, names: monthNames}
	fDoW    = field{name: "day-of-week", min: 1, max: 7, names: dayNames}
	fYear   = field{name: "year", min: MinYear, max: MaxYear}
)

// Parse parses a schedule expression: cron(…) with six fields.
func Parse(s string) (*Expression, error) {
	if strings.HasPrefix(s, "rate(") {
		return nil, fail("Rate expressions are not supported; Image Builder schedules are cron expressions: cron(minutes hours day-of-month month day-of-week year).")
	}
	inner, ok := strings.CutPrefix(s, "cron(")
	if ok {
		inner, ok = strings.CutSuffix(inner, ")")
	}
	if !ok {
		return nil, fail("The expression %q is not of the form cron(minutes hours day-of-month month day-of-week year).", s)
	}
	fields := strings.Split(inner, " ")
	if len(fields) != 6 {
		return nil, fail("A cron expression has six fields separated by single spaces (minutes hours day-of-month month day-of-week year); %q has %d.", inner, len(strings.Fields(inner)))
	}
	for _, f := range fields {
		if f == "" {
			return nil, fail("A cron expression has six fields separated by single spaces, with no leading or trailing spaces.")
		}
	}
	e := &Expression{text: s}
	var err error
	var bits uint64
	if bits, err = parseList(fields[0], fMinute); err != nil {
		return nil, err
	}
	e.minutes = bits
	if bits, err = parseList(fields[1], fHour); err != nil {
		return nil, err
	}
	e.hours = uint32(bits)
	if bits, err = parseList(fields[3], fMonth); err != nil {
		return nil, err
	}
	e.months = uint16(bits)
	if err = e.parseYears(fields[5]); err != nil {
		return nil, err
	}
	if err = e.parseDoM(fields[2]); err != nil {
		return nil, err
	}
	if err = e.parseDoW(fields[4]); err != nil {
		return nil, err
	}
	switch {
	case e.noDoM && e.noDoW:
		return nil, fail("Only one of day-of-month and day-of-week can be ?; give a value or * in the other.")
	case !e.noDoM && !e.noDoW:
		return nil, fail("Day-of-month and day-of-week cannot both be specified; use ? in one of them.")
	}
	return e, nil
}

// parseList parses a field of lists, ranges, * and increments into a bit
// set (bit v for value v).
func parseList(s string, f field) (uint64, error) {
	var bits uint64
	for _, part := range strings.Split(s, ",") {
		lo, hi, step, err := parseRange(part, f)
		if err != nil {
			return 0, err
		}
		for v := lo; v <= hi; v += step {
			bits |= 1 << uint(v)
		}
	}
	return bits, nil
}

// parseRange parses one element of a list: *, v, a-b, each with an
// optional /step.
func parseRange(s string, f field) (lo, hi, step int, err error) {
	if s == "" {
		return 0, 0, 0, fail("The %s field has an empty list element.", f.name)
	}
	base, stepText, hasStep := strings.Cut(s, "/")
	step = 1
	if hasStep {
		n, ok := number(stepText)
		if !ok || n < 1 || n > f.max-f.min+1 {
			return 0, 0, 0, fail("The increment %q of the %s field is not a number from 1 to %d.", stepText, f.name, f.max-f.min+1)
		}
		step = n
	}
	switch {
	case base == "*":
		lo, hi = f.min, f.max
	case strings.Contains(base, "-"):
		a, b, _ := strings.Cut(base, "-")
		if lo, err = value(a, f); err != nil {
			return
		}
		if hi, err = value(b, f); err != nil {
			return
		}
		if lo > hi {
			return 0, 0, 0, fail("The range %s of the %s field ends before it starts.", base, f.name)
		}
	default:
		if lo, err = value(base, f); err != nil {
			return
		}
		hi = lo
		if hasStep {
			hi = f.max
		}
	}
	return lo, hi, step, nil
}

// value parses one value of a field: a number in its bounds or a name.
func value(s string, f field) (int, error) {
	for i, n := range f.names {
		if strings.EqualFold(s, n) {
			return f.min + i, nil
		}
	}
	n, ok := number(s)
	if !ok || n < f.min || n > f.max {
		if f.names != nil {
			return 0, fail("The value %q of the %s field is not a number from %d to %d or a name from %s to %s.", s, f.name, f.min, f.max, f.names[0], f.names[len(f.names)-1])
		}
		return 0, fail("The value %q of the %s field is not a number from %d to %d.", s, f.name, f.min, f.max)
	}
	return n, nil
}

// number parses a short unsigned decimal.
func number(s string) (int, bool) {
	if s == "" || len(s) > 4 {
		return 0, false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

func (e *Expression) parseYears(s string) error {
	for _, part := range strings.Split(s, ",") {
		lo, hi, step, err := parseRange(part, fYear)
		if err != nil {
			return err
		}
		for v := lo; v <= hi; v += step {
			i := v - MinYear
			e.years[i/64] |= 1 << uint(i%64)
		}
	}
	return nil
}

func (e *Expression) year(y int) bool {
	if y < MinYear || y > MaxYear {
		return false
	}
	i := y - MinYear
	return e.years[i/64]&(1<<uint(i%64)) != 0
}

func (e *Expression) parseDoM(s string) error {
	switch {
	case s == "?":
		e.noDoM = true
		return nil
	case strings.EqualFold(s, "L"):
		e.lastDay = true
		return nil
	case strings.EqualFold(s, "LW"):
		e.lastWeekday = true
		return nil
	case len(s) > 1 && (s[len(s)-1] == 'W' || s[len(s)-1] == 'w'):
		n, ok := number(s[:len(s)-1])
		if !ok || n < 1 || n > 31 {
			return fail("The value %q of the day-of-month field is not valid: W follows a day from 1 to 31 (15W: the weekday nearest the 15th).", s)
		}
		e.nearest = n
		return nil
	}
	if strings.ContainsAny(s, "?LlWw#") {
		return fail("The value %q of the day-of-month field is not valid: ?, L, LW and nW stand alone.", s)
	}
	bits, err := parseList(s, fDoM)
	e.days = uint32(bits)
	return err
}

func (e *Expression) parseDoW(s string) error {
	if s == "?" {
		e.noDoW = true
		return nil
	}
	if d, k, ok := strings.Cut(s, "#"); ok {
		wd, err := value(d, fDoW)
		if err != nil {
			return err
		}
		n, okN := number(k)
		if !okN || n < 1 || n > 5 {
			return fail("The value %q of the day-of-week field is not valid: # is followed by a number from 1 to 5 (FRI#2: the second Friday of the month).", s)
		}
		e.nthOf, e.nth = wd, n
		return nil
	}
	if len(s) > 1 && (s[len(s)-1] == 'L' || s[len(s)-1] == 'l') {
		wd, err := value(s[:len(s)-1], fDoW)
		if err != nil {
			return err
		}
		e.lastOf = wd
		return nil
	}
	if strings.EqualFold(s, "L") {
		// L alone in day-of-week is the last day of the week: Saturday.
		e.weekdays = 1 << 6
		return nil
	}
	if strings.ContainsAny(s, "?#") {
		return fail("The value %q of the day-of-week field is not valid: ?, nL and n#k stand alone.", s)
	}
	bits, err := parseList(s, fDoW)
	if err != nil {
		return err
	}
	e.weekdays = uint8(bits >> 1) // 1 (SUN) → bit 0
	return nil
}

// dayMatches reports whether the date y-m-d (a valid date) matches the
// day-of-month and day-of-week fields.
func (e *Expression) dayMatches(y int, m time.Month, d int) bool {
	last := daysIn(y, m)
	wd := int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Weekday())
	if !e.noDoM {
		switch {
		case e.lastDay:
			return d == last
		case e.lastWeekday:
			return d == nearestWeekday(y, m, last, last)
		case e.nearest != 0:
			if e.nearest > last {
				return false
			}
			return d == nearestWeekday(y, m, e.nearest, last)
		}
		return e.days&(1<<uint(d)) != 0
	}
	switch {
	case e.lastOf != 0:
		return wd == e.lastOf-1 && d+7 > last
	case e.nthOf != 0:
		return wd == e.nthOf-1 && (d-1)/7+1 == e.nth
	}
	return e.weekdays&(1<<uint(wd)) != 0
}

// nearestWeekday is the weekday (Monday to Friday) nearest day n of the
// month, not crossing into another month.
func nearestWeekday(y int, m time.Month, n, last int) int {
	switch time.Date(y, m, n, 0, 0, 0, 0, time.UTC).Weekday() {
	case time.Saturday:
		if n == 1 {
			return 3 // Monday the 3rd
		}
		return n - 1
	case time.Sunday:
		if n == last {
			return n - 2 // Friday
		}
		return n + 1
	}
	return n
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// Next returns the first time strictly after t, to the minute, at which the
// expression matches in loc (nil: UTC); ok is false when it never matches
// again (its years are past, or its days never occur, as cron(0 0 30 2 ? *)).
// A wall time that a daylight saving change skips fires when the gap ends
// (02:30 on a night that skips from 02:00 to 03:00 fires at 03:30); a
// repeated one fires once, at its first occurrence.
func (e *Expression) Next(t time.Time, loc *time.Location) (time.Time, bool) {
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	// Start at the minute after t.
	start := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), 0, 0, loc).Add(time.Minute)
	if !start.After(t) {
		start = start.Add(time.Minute)
	}
	sy, sm, sd := start.Date()
	for y := sy; y <= MaxYear; y++ {
		if !e.year(y) {
			continue
		}
		m0 := time.January
		if y == sy {
			m0 = sm
		}
		for m := m0; m <= time.December; m++ {
			if e.months&(1<<uint(m)) == 0 {
				continue
			}
			d0 := 1
			if y == sy && m == sm {
				d0 = sd
			}
			for d := d0; d <= daysIn(y, m); d++ {
				if !e.dayMatches(y, m, d) {
					continue
				}
				firstDay := y == sy && m == sm && d == sd
				for h := 0; h < 24; h++ {
					if e.hours&(1<<uint(h)) == 0 || (firstDay && h < start.Hour()) {
						continue
					}
					for min := 0; min < 60; min++ {
						if e.minutes&(1<<uint(min)) == 0 {
							continue
						}
						at := wallTime(y, m, d, h, min, loc)
						if at.After(t) {
							return at, true
						}
					}
				}
			}
		}
	}
	return time.Time{}, false
}

// wallTime is the instant of a wall time in loc. A wall time a daylight
// saving change skips is taken at the offset in force before the change,
// which lands after the gap by the gap's length (02:30 → 03:30).
func wallTime(y int, m time.Month, d, h, min int, loc *time.Location) time.Time {
	at := time.Date(y, m, d, h, min, 0, 0, loc)
	if at.Hour() == h && at.Minute() == min {
		return at
	}
	_, off := at.Zone()
	alt := time.Date(y, m, d, h, min, 0, 0, time.UTC).Add(-time.Duration(off) * time.Second)
	if alt.After(at) {
		return alt.In(loc)
	}
	return at
}
