package policy

import "strings"

// Date values. The Date operators take "one of the W3C implementations of
// the ISO 8601 date formats" or epoch (UNIX) time ("IAM JSON policy
// elements: Condition operators"). IAM checks the values of Date operators
// when a policy is created and rejects the document with "The policy failed
// legacy parsing" when one is not a date; it accepts far more than the W3C
// profile. What it accepts is, on the public record of its answers (quoted in
// testdata/policy/grammar-and-validation.json): a value without "T" or "-" is
// epoch seconds and must be a whole number that fits in 64 bits; any other
// value is read with the extended ISO 8601 grammar of a lenient date-time
// parser:
//
//	datetime      = time | date-opt-time
//	time          = 'T' time-element [offset]
//	date-opt-time = date-element ['T' [time-element] [offset]]
//	date-element  = yyyy ['-' MM ['-' dd]] | yyyy '-' DDD | yyyy '-W' ww ['-' e]
//	time-element  = HH [':' mm [':' ss [fraction] | fraction] | fraction]
//	fraction      = ('.' | ',') 1 to 9 digits
//	offset        = 'Z' | ('+' | '-') HH [[':'] mm [[':'] ss [('.' | ',') SSS]]]
//
// The year is signed and has 1 to 9 digits (from -292275054 to 292278993),
// the other fields 1 or 2 digits (DDD up to 3, e one, the offset fields
// exactly 2), 'T', 'W' and 'Z' may be lower case, a missing offset means UTC,
// and every field must be in range (no 2026-02-30). "2016-12-13t2:00:00+23"
// and "01T" are dates; "2026-13-01", "+1" as an offset, ten fraction digits
// and 9223372036854775808 are not. The evaluation reads every value IAM
// accepts, so no accepted condition silently fails to match.

const (
	minDateYear = -292275054
	maxDateYear = 292278993
)

// validPolicyDate reports whether IAM accepts s as a value of a Date operator.
func validPolicyDate(s string) bool {
	if !strings.ContainsAny(s, "Tt-") {
		return epochInteger(s)
	}
	_, ok := parseISODateTime(s)
	return ok
}

// epochInteger reports whether s is a whole number of seconds IAM accepts: an
// optional '+' and decimal digits, at most 2^63-1.
func epochInteger(s string) bool {
	if strings.HasPrefix(s, "+") {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + uint64(c-'0')
		if n > 1<<63-1 {
			return false
		}
	}
	return true
}

// parseDate reads a date value of a policy or of the request context. Values
// without "T" or "-" are epoch seconds (fractions allowed, for request
// values such as aws:EpochTime), except that exactly four digits are a year,
// the W3C profile's YYYY; anything else is read as ISO 8601 (see above).
func parseDate(s string) (instant, bool) {
	if s == "" {
		return instant{}, false
	}
	if !strings.ContainsAny(s, "Tt-") {
		if len(s) == 4 && allDigits(s) {
			year := int(s[0]-'0')*1000 + int(s[1]-'0')*100 + int(s[2]-'0')*10 + int(s[3]-'0')
			return instant{sec: daysFromCivil(year, 1, 1) * 86400}, true
		}
		return parseEpoch(s)
	}
	return parseISODateTime(s)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// dateScanner reads the fields of an ISO 8601 value.
type dateScanner struct {
	s string
	i int
}

func (d *dateScanner) done() bool { return d.i >= len(d.s) }

func (d *dateScanner) peek() byte {
	if d.done() {
		return 0
	}
	return d.s[d.i]
}

// accept consumes c (ASCII letters in either case).
func (d *dateScanner) accept(c byte) bool {
	p := d.peek()
	if p == c || ('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') && p|0x20 == c|0x20 {
		d.i++
		return true
	}
	return false
}

// digits reads min to max decimal digits.
func (d *dateScanner) digits(min, max int) (int64, int, bool) {
	var v int64
	n := 0
	for n < max && !d.done() && d.s[d.i] >= '0' && d.s[d.i] <= '9' {
		v = v*10 + int64(d.s[d.i]-'0')
		d.i++
		n++
	}
	return v, n, n >= min
}

// fraction reads ('.' | ',') and 1 to 9 digits, as billionths.
func (d *dateScanner) fraction() (int64, bool, bool) {
	if d.peek() != '.' && d.peek() != ',' {
		return 0, false, true
	}
	d.i++
	v, n, ok := d.digits(1, 9)
	if !ok {
		return 0, true, false
	}
	for ; n < 9; n++ {
		v *= 10
	}
	return v, true, true
}

// parseISODateTime reads s with the grammar above; the whole of s must match.
func parseISODateTime(s string) (instant, bool) {
	d := &dateScanner{s: s}
	days := int64(0) // 1970-01-01 for a value that is only a time
	timeOnly := d.peek() == 'T' || d.peek() == 't'
	if !timeOnly {
		var ok bool
		if days, ok = d.date(); !ok {
			return instant{}, false
		}
		if d.done() {
			return instant{sec: days * 86400}, true
		}
	}
	if !d.accept('T') {
		return instant{}, false
	}
	// Only a value with a date may end at its 'T'.
	if timeOnly && (d.done() || d.peek() < '0' || d.peek() > '9') {
		return instant{}, false
	}
	nanos, ok := d.time()
	if !ok {
		return instant{}, false
	}
	offset, ok := d.offset()
	if !ok || !d.done() {
		return instant{}, false
	}
	total := nanos - offset
	sec := days*86400 + floorDiv(total, 1e9)
	return instant{sec: sec, nsec: int32(total - floorDiv(total, 1e9)*1e9)}, true
}

// date reads a date-element and returns its day number (days since
// 1970-01-01).
func (d *dateScanner) date() (int64, bool) {
	year, ok := d.year()
	if !ok {
		return 0, false
	}
	if d.peek() != '-' {
		return daysFromCivil(year, 1, 1), true
	}
	d.i++
	if d.accept('W') {
		return d.weekDate(year)
	}
	// yyyy-MM[-dd] or yyyy-DDD: the reading that consumes more wins, the
	// calendar one on a tie, so three digits are a day of the year.
	v, n, ok := d.digits(1, 3)
	if !ok {
		return 0, false
	}
	if n == 3 {
		if v < 1 || v > int64(daysInYear(year)) {
			return 0, false
		}
		return daysFromCivil(year, 1, 1) + v - 1, true
	}
	month := int(v)
	if month < 1 || month > 12 {
		return 0, false
	}
	day := 1
	if d.peek() == '-' {
		d.i++
		dv, _, ok := d.digits(1, 2)
		if !ok || dv < 1 || int(dv) > daysIn(year, month) {
			return 0, false
		}
		day = int(dv)
	}
	return daysFromCivil(year, month, day), true
}

// year reads a signed year of 1 to 9 digits.
func (d *dateScanner) year() (int, bool) {
	neg := false
	switch d.peek() {
	case '-':
		neg = true
		d.i++
	case '+':
		d.i++
	}
	v, _, ok := d.digits(1, 9)
	if !ok {
		return 0, false
	}
	if neg {
		v = -v
	}
	if v < minDateYear || v > maxDateYear {
		return 0, false
	}
	return int(v), true
}

// weekDate reads "ww[-e]" after "yyyy-W": ISO week ww of week-based year
// yyyy, day e (Monday is 1).
func (d *dateScanner) weekDate(year int) (int64, bool) {
	w, _, ok := d.digits(1, 2)
	if !ok || w < 1 || w > int64(weeksInYear(year)) {
		return 0, false
	}
	e := int64(1)
	if d.peek() == '-' {
		d.i++
		if e, _, ok = d.digits(1, 1); !ok || e < 1 || e > 7 {
			return 0, false
		}
	}
	return isoWeekOneMonday(year) + (w-1)*7 + e - 1, true
}

// time reads an optional time-element and returns nanoseconds into the day.
func (d *dateScanner) time() (int64, bool) {
	if d.done() || d.peek() < '0' || d.peek() > '9' {
		return 0, true
	}
	h, _, _ := d.digits(1, 2)
	if h > 23 {
		return 0, false
	}
	nanos := h * 3600e9
	if d.peek() == ':' {
		d.i++
		m, _, ok := d.digits(1, 2)
		if !ok || m > 59 {
			return 0, false
		}
		nanos += m * 60e9
		if d.peek() == ':' {
			d.i++
			sec, _, ok := d.digits(1, 2)
			if !ok || sec > 59 {
				return 0, false
			}
			nanos += sec * 1e9
			f, _, ok := d.fraction()
			return nanos + f, ok
		}
		f, _, ok := d.fraction()
		return nanos + f*60, ok
	}
	f, _, ok := d.fraction()
	return nanos + f*3600, ok
}

// offset reads an optional zone offset and returns it in nanoseconds.
func (d *dateScanner) offset() (int64, bool) {
	if d.accept('Z') {
		return 0, true
	}
	sign := int64(1)
	switch d.peek() {
	case '+':
	case '-':
		sign = -1
	default:
		return 0, true
	}
	d.i++
	h, _, ok := d.digits(2, 2)
	if !ok || h > 23 {
		return 0, false
	}
	off := h * 3600e9
	for _, unit := range [...]int64{60e9, 1e9} {
		save := d.i
		sep := d.peek() == ':'
		if sep {
			d.i++
		}
		v, _, ok := d.digits(2, 2)
		if !ok {
			if sep {
				return 0, false
			}
			d.i = save
			return sign * off, true
		}
		if v > 59 {
			return 0, false
		}
		off += v * unit
	}
	if d.peek() == '.' || d.peek() == ',' {
		d.i++
		ms, _, ok := d.digits(3, 3)
		if !ok {
			return 0, false
		}
		off += ms * 1e6
	}
	return sign * off, true
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysInYear(y int) int {
	if isLeap(y) {
		return 366
	}
	return 365
}

// daysFromCivil is the number of days from 1970-01-01 to the given date of
// the proleptic Gregorian calendar.
func daysFromCivil(y, m, d int) int64 {
	yy := int64(y)
	if m <= 2 {
		yy--
	}
	era := floorDiv(yy, 400)
	yoe := yy - era*400
	mp := int64((m + 9) % 12)
	doy := (153*mp+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// weekday is 0 for Monday through 6 for Sunday.
func weekday(days int64) int64 {
	return ((days+3)%7 + 7) % 7
}

// isoWeekOneMonday is the Monday of ISO week 1 of year y: the week with the
// year's first Thursday.
func isoWeekOneMonday(y int) int64 {
	jan4 := daysFromCivil(y, 1, 4)
	return jan4 - weekday(jan4)
}

func weeksInYear(y int) int {
	return int((isoWeekOneMonday(y+1) - isoWeekOneMonday(y)) / 7)
}
